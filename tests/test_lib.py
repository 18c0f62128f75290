"""``dnp.lib``: NumPy's ``numpy.lib`` names, on dnp arrays (``stride_tricks`` is in
``tests/ops/test_strides.py``)."""

import numpy
import pytest

import dnp


def test_every_public_name_of_numpy_lib_is_there():
    missing = [n for n in dir(numpy.lib) if not n.startswith("_") and not hasattr(dnp.lib, n)]
    assert missing == ["test"]  # NumPy's test runner, left out (dnp/coverage.py)
    assert dnp.lib.scimath is dnp.emath
    assert dnp.lib.NumpyVersion is numpy.lib.NumpyVersion
    assert dnp.lib.NumpyVersion(numpy.__version__) >= "2.0.0"


@pytest.mark.parametrize("index", [slice(None), (slice(None, None, -1), slice(1, 3))])
def test_byte_bounds_are_those_of_the_memory(index):
    host = numpy.arange(24.0).reshape(4, 6)
    x = dnp.asarray(host)
    view = x[index]
    low, high = dnp.lib.array_utils.byte_bounds(view)
    base_low, base_high = dnp.lib.array_utils.byte_bounds(x)
    theirs = numpy.lib.array_utils.byte_bounds(host[index])
    assert high - low == theirs[1] - theirs[0]
    assert base_low <= low < high <= base_high
    assert dnp.lib.array_utils.normalize_axis_index(-1, 3) == 2
    with pytest.raises(numpy.exceptions.AxisError):
        dnp.lib.array_utils.normalize_axis_tuple(3, 2)


def test_arrayterator_yields_dnp_blocks():
    x = dnp.arange(24.0).reshape(2, 3, 4)
    blocks = list(dnp.lib.Arrayterator(x, 6))
    assert all(type(b) is dnp.ndarray for b in blocks)
    total = sum(float(b.sum()) for b in blocks)
    assert total == float(x.sum())
