"""Masked arrays are NumPy's (``dnp.ma`` runs ``numpy.ma`` on host values): dnp functions and
operators given one leave the result NumPy's masked array, with NumPy's values and mask, on
every engine."""

import numpy
import pytest

import dnp

DATA = numpy.array([1.0, -2.0, 3.0, 4.0])
MASK = [False, True, False, False]


def masked():
    return numpy.ma.array(DATA, mask=MASK)


CALLS = {
    "sum": lambda xp, m: xp.sum(m),
    "mean-axis": lambda xp, m: xp.mean(m.reshape(2, 2), axis=0),
    "sin": lambda xp, m: xp.sin(m),
    "array-plus-masked": lambda xp, m: xp.asarray(DATA) * 2.0 + m,
    "masked-plus-array": lambda xp, m: m + xp.asarray(DATA),
    "concatenate": lambda xp, m: xp.ma.concatenate([m, xp.ma.masked_less(xp.asarray(DATA), 2)]),
    "masked_where": lambda xp, m: xp.ma.masked_where(xp.asarray(DATA) > 2, xp.asarray(DATA)),
    "all-masked": lambda xp, m: xp.sum(xp.ma.masked_all((3,))),
}


@pytest.mark.parametrize("engine", ["threaded", "pushed", "naive"])
@pytest.mark.parametrize("name", CALLS)
def test_masked_arrays_stay_numpys(name, engine):
    expected = CALLS[name](numpy, masked())
    settings = {"pushed": {"inline_limit": 0}, "naive": {}, "threaded": {}}[engine]
    kind = "naive" if engine == "naive" else "threaded"
    with dnp.engine.engine(kind, **settings):
        got = CALLS[name](dnp, masked())
    if isinstance(expected, numpy.ma.MaskedArray):
        assert isinstance(got, numpy.ma.MaskedArray)
        numpy.testing.assert_array_equal(
            numpy.ma.getmaskarray(got), numpy.ma.getmaskarray(expected)
        )
        numpy.testing.assert_allclose(got.filled(0.0), expected.filled(0.0), rtol=1e-12)
    else:  # a value: NumPy's scalar is dnp's 0-d array
        assert float(got) == float(expected)


def test_dnp_ma_has_numpys_names_and_classes():
    names = {n for n in dir(numpy.ma) if not n.startswith("_")} - {"test"}
    assert names <= set(dir(dnp.ma))
    assert dnp.ma.MaskedArray is numpy.ma.MaskedArray and dnp.ma.masked is numpy.ma.masked
    plain = dnp.ma.getdata(dnp.ma.array(dnp.asarray(DATA), mask=MASK))
    assert type(plain) is dnp.ndarray  # plain results come back as dnp arrays
