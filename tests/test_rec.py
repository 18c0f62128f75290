"""``dnp.rec``: record arrays against NumPy's: construction, fields as attributes, repr."""

import io

import numpy
import pytest

import dnp

RECORDS = [(1, 2.5, "ann"), (2, 3.5, "bob"), (3, -1.0, "cy")]


def both(make):
    return make(numpy.rec), make(dnp.rec)


@pytest.mark.parametrize(
    "make",
    [
        lambda rec: rec.fromrecords(RECORDS, names="x,y,name"),
        lambda rec: rec.array(RECORDS, dtype=[("x", "i8"), ("y", "f8"), ("name", "U4")]),
        lambda rec: rec.fromarrays([[1, 2], [0.5, 1.5]], names="a,b"),
        lambda rec: rec.fromstring(b"\x01\x00\x02\x00", dtype=[("v", "<i2")]),
        lambda rec: rec.fromfile(io.BytesIO(b"\x01\x00\x02\x00"), dtype=[("v", "<i2")]),
    ],
    ids=["fromrecords", "array", "fromarrays", "fromstring", "fromfile"],
)
def test_record_arrays_are_numpys(make):
    theirs, ours = both(make)
    assert type(ours) is dnp.rec.recarray and isinstance(ours, dnp.ndarray)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert repr(ours) == repr(theirs)
    for name in theirs.dtype.names:
        field = getattr(ours, name)
        assert type(field) is dnp.ndarray
        numpy.testing.assert_array_equal(field.asnumpy(), getattr(theirs, name))


def test_fields_are_attributes_to_read_and_write():
    theirs, ours = both(lambda rec: rec.fromrecords(RECORDS, names="x,y,name"))
    for r in (theirs, ours):
        r.y = r.y * 2
        r.name[0] = "ada"
    numpy.testing.assert_array_equal(ours.asnumpy(), theirs)
    assert float(ours[1].y) == float(theirs[1].y) == 7.0
    assert type(ours[1]) is dnp.rec.recarray
    ours.extra = "kept"  # not a field: an ordinary attribute
    assert ours.extra == "kept" and "extra" not in ours.dtype.names
    with pytest.raises(AttributeError):
        ours.missing  # noqa: B018
    assert dnp.recarray is dnp.rec.recarray and dnp.rec.record is numpy.rec.record
