"""``dnp._fpstate``: NumPy's floating-point error state read (``errstate``, ``ignores``) and set
(``enter``/``leave``, the errstate blocks of ``dnp.jit``'s replays) as NumPy's own calls do."""

import numpy
import pytest

from dnp._fpstate import enter, errstate, ignores, leave

STATES = [
    {"all": "ignore"},
    {"divide": "raise", "under": "warn"},
    {"over": "raise", "invalid": "ignore"},
    {},
]


@pytest.mark.parametrize("outer", STATES)
def test_errstate_is_numpy_geterr(outer):
    with numpy.errstate(**outer):
        assert errstate() == tuple(numpy.geterr().items())
        assert errstate() == tuple(numpy.geterr().items())  # remembered: the same
        for kind, value in numpy.geterr().items():
            assert ignores(kind) == (value == "ignore")


@pytest.mark.parametrize("inner", STATES[:3])
@pytest.mark.parametrize("outer", STATES)
def test_enter_and_leave_are_a_numpy_errstate_block(outer, inner):
    with numpy.errstate(**inner):
        settings = errstate()
    with numpy.errstate(**outer):
        before = numpy.geterr()
        for _ in range(2):  # the second time from the block's remembered state
            token = enter(settings)
            assert tuple(numpy.geterr().items()) == settings
            if dict(settings)["divide"] == "raise":
                with pytest.raises(FloatingPointError):
                    numpy.divide(numpy.ones(2), 0.0)
            leave(token)
            assert numpy.geterr() == before


def test_a_block_keeps_the_callers_buffer_size_and_error_callback():
    log = []
    settings = (("divide", "call"), ("over", "warn"), ("under", "ignore"), ("invalid", "warn"))
    calls = [lambda *a: log.append(("first", *a)), lambda *a: log.append(("other", *a))]
    for size, call in zip((8192, 16384), calls, strict=True):
        old_size, old_call = numpy.getbufsize(), numpy.geterrcall()
        numpy.setbufsize(size)
        numpy.seterrcall(call)
        try:
            token = enter(settings)
            try:
                assert numpy.getbufsize() == size and numpy.geterrcall() is call
                numpy.divide(numpy.ones(2), 0.0)
            finally:
                leave(token)
        finally:
            numpy.setbufsize(old_size)
            numpy.seterrcall(old_call)
    assert [entry[:2] for entry in log] == [
        ("first", "divide by zero"),
        ("other", "divide by zero"),
    ]
