"""Subclasses of ``dnp.ndarray`` behave as NumPy's subclasses of ``numpy.ndarray`` do: ``view``
makes instances, ``__array_finalize__`` runs on every new instance, and results computed from a
subclass instance are instances of it (NumPy's documented ``InfoArray`` pattern)."""

import numpy
import pytest

import dnp
from dnp import autograd


def info_array(base):
    """NumPy's documentation example, on ``base`` (numpy.ndarray or dnp.ndarray)."""

    class InfoArray(base):
        def __new__(cls, input_array, info=None):
            xp = numpy if base is numpy.ndarray else dnp
            obj = xp.asarray(input_array).view(cls)
            obj.info = info
            return obj

        def __array_finalize__(self, obj):
            if obj is None:
                return
            self.info = getattr(obj, "info", None)

    return InfoArray


THEIRS, OURS = info_array(numpy.ndarray), info_array(dnp.ndarray)

OPERATIONS = {
    "view": lambda a: a.view(),
    "slice": lambda a: a[1:],
    "index": lambda a: a[[0, 2]],
    "ufunc": lambda a: a * 2.0 + 1.0,
    "reflected": lambda a: 1.0 - a,
    "function": lambda a: numpy.sin(a) if isinstance(a, numpy.ndarray) else dnp.sin(a),
    "method": lambda a: a.reshape(2, 2),
    "transpose": lambda a: a.reshape(2, 2).T,
    "reduction": lambda a: a.sum(axis=0),
    "copy": lambda a: a.copy(),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_results_keep_the_subclass_and_its_attributes(name):
    theirs = OPERATIONS[name](THEIRS(numpy.arange(4.0), info="tagged"))
    ours = OPERATIONS[name](OURS(dnp.arange(4.0), info="tagged"))
    assert isinstance(theirs, THEIRS) and isinstance(ours, OURS)
    assert ours.info == theirs.info == "tagged"
    numpy.testing.assert_array_equal(ours.asnumpy(), numpy.asarray(theirs))
    assert repr(ours) == repr(theirs)


def test_view_type_and_the_constructor():
    x = dnp.arange(4.0)
    v = x.view(OURS)
    assert type(v) is OURS and v.info is None  # __array_finalize__(x): x has no info
    assert type(x.view(dnp.float64, OURS)) is OURS
    assert type(v.view(dnp.ndarray)) is dnp.ndarray
    v[0] = 9.0  # a view: shares the memory
    assert float(x[0]) == 9.0
    with pytest.raises(TypeError):
        x.view(type=int)

    calls = []

    class Counted(dnp.ndarray):
        def __array_finalize__(self, obj):
            calls.append(obj)

    empty = Counted((2, 3))
    assert type(empty) is Counted and empty.shape == (2, 3) and calls == [None]


def test_plain_results_stay_plain_and_the_highest_priority_wins():
    class Low(dnp.ndarray):
        __array_priority__ = 1.0

    class High(dnp.ndarray):
        __array_priority__ = 200.0

    x = dnp.arange(3.0)
    assert type(x + 1.0) is dnp.ndarray
    assert type(x.view(Low) + x.view(High)) is High


def test_gradients_flow_through_subclass_instances():
    x = dnp.asarray([1.0, 2.0, 3.0])
    g = autograd.grad_fn(lambda v: (v.view(OURS) ** 2).sum())(x)
    numpy.testing.assert_array_equal(g.asnumpy(), [2.0, 4.0, 6.0])
