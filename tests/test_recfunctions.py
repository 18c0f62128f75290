"""``dnp.lib.recfunctions`` against ``numpy.lib.recfunctions`` on structured arrays."""

import numpy
import numpy.lib.recfunctions as nrf
import pytest

import dnp

DT = [("x", "i4"), ("y", "f8")]
ROWS = [(1, 2.5), (3, -4.0), (5, 0.5)]


def structured(xp):
    return xp.asarray(ROWS, dtype=DT)


CALLS = {
    "structured_to_unstructured": lambda rf, xp: rf.structured_to_unstructured(structured(xp)),
    "unstructured_to_structured": lambda rf, xp: rf.unstructured_to_structured(
        xp.asarray([[1.0, 2.0], [3.0, 4.0]]), dtype=numpy.dtype(DT)
    ),
    "drop_fields": lambda rf, xp: rf.drop_fields(structured(xp), "y"),
    "rename_fields": lambda rf, xp: rf.rename_fields(structured(xp), {"x": "z"}),
    "append_fields": lambda rf, xp: rf.append_fields(structured(xp), "w", [7, 8, 9], usemask=False),
    "append_fields-masked": lambda rf, xp: rf.append_fields(structured(xp), "w", [7, 8, 9]),
    "merge_arrays": lambda rf, xp: rf.merge_arrays(
        (structured(xp), xp.asarray([1.5, 2.5, 3.5])), flatten=True, usemask=False
    ),
    "stack_arrays": lambda rf, xp: rf.stack_arrays((structured(xp), structured(xp)), usemask=False),
    "repack_fields": lambda rf, xp: rf.repack_fields(structured(xp)),
    "get_names": lambda rf, xp: rf.get_names(numpy.dtype(DT)),
    "apply_along_fields": lambda rf, xp: rf.apply_along_fields(numpy.mean, structured(xp)),
    "rec_append_fields": lambda rf, xp: rf.rec_append_fields(structured(xp), "w", [7, 8, 9]),
}


@pytest.mark.parametrize("name", CALLS)
def test_recfunctions_are_numpys(name):
    expected = CALLS[name](nrf, numpy)
    got = CALLS[name](dnp.lib.recfunctions, dnp)
    if isinstance(expected, numpy.ma.MaskedArray):
        assert isinstance(got, numpy.ma.MaskedArray)
        numpy.testing.assert_array_equal(got, expected)
    elif isinstance(expected, numpy.recarray):
        assert type(got) is dnp.rec.recarray and repr(got) == repr(expected)
    elif isinstance(expected, numpy.ndarray):
        assert type(got) is dnp.ndarray and got.dtype == expected.dtype
        numpy.testing.assert_array_equal(got.asnumpy(), expected)
    else:
        assert got == expected


def test_filling_in_place_fills_the_dnp_array():
    target = dnp.zeros(3, dtype=DT)
    dnp.lib.recfunctions.assign_fields_by_name(target, structured(dnp))
    numpy.testing.assert_array_equal(target.asnumpy(), structured(numpy))
    out = dnp.zeros(3, dtype=DT)
    dnp.lib.recfunctions.recursive_fill_fields(structured(dnp), out)
    numpy.testing.assert_array_equal(out.asnumpy(), structured(numpy))
