"""``dnp.ctypeslib``: dnp arrays handed to C through ctypes, on the CPU."""

import ctypes

import numpy
import pytest

import dnp


def test_as_ctypes_and_as_array_share_memory():
    a = dnp.asarray([1.0, 2.0, 3.0]) * 2.0  # pending, maybe
    c = dnp.ctypeslib.as_ctypes(a)
    assert list(c) == [2.0, 4.0, 6.0]
    c[0] = -1.0
    assert float(a[0]) == -1.0
    back = dnp.ctypeslib.as_array(c)
    assert type(back) is dnp.ndarray
    back[1] = 9.0
    assert float(a[1]) == 9.0


def test_ndpointer_takes_dnp_arrays_and_checks_them():
    pointer = dnp.ctypeslib.ndpointer(dtype=numpy.float64, ndim=1, flags="C_CONTIGUOUS")
    a = dnp.asarray([1.0, 2.0])
    passed = pointer.from_param(a)  # what ctypes hands the C function: the array's address
    assert ctypes.cast(passed.data, ctypes.POINTER(ctypes.c_double))[1] == 2.0
    with pytest.raises(TypeError):
        pointer.from_param(dnp.asarray([1, 2], dtype=numpy.int32))
    assert dnp.ctypeslib.as_ctypes_type(numpy.int16) is ctypes.c_int16
    assert dnp.ctypeslib.c_intp is numpy.ctypeslib.c_intp
