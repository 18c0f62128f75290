"""Set routines against NumPy: unique (all its outputs, axes, NaNs), set operations, isin.

``sorted=False`` lets the values come in any order, so those cases compare the values sorted.
dnp's ``unique_values`` sorts (NumPy leaves integers in hash order): its cases compare with
NumPy's values sorted.
"""

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.conformance import DEVICES, case, compare, conformance
from tests.samples import ALL_DTYPES, sample

SOME_DT = ["bool", "int8", "uint32", "int64", "float16", "float32", "float64", "complex64"]


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def repeats(xp, dt="int32"):
    """A 2-d array with repeated rows, columns and values."""
    return xp.asarray(numpy.array([[1, 0, 1, 2], [3, 1, 3, 0], [1, 0, 1, 2]], dtype=dt))


def with_nans(xp, dt="float64"):
    return xp.asarray(numpy.array([2.0, numpy.nan, 1.0, numpy.nan, 2.0, -numpy.inf], dtype=dt))


def by_dtype(name, call, dtypes=ALL_DTYPES):
    return [case(name, lambda xp, dt=dt: call(xp, dt), id=f"{name}-{dt}") for dt in dtypes]


ALL_OUTPUTS = {"return_index": True, "return_inverse": True, "return_counts": True}

UNIQUE = [
    *by_dtype("unique", lambda xp, dt: xp.unique(arr(xp, dt=dt))),
    *by_dtype("unique", lambda xp, dt: xp.unique(repeats(xp, dt), **ALL_OUTPUTS), SOME_DT),
    case("unique", lambda xp: xp.unique(repeats(xp), return_index=True), id="unique-index"),
    case("unique", lambda xp: xp.unique(repeats(xp), return_inverse=True), id="unique-inverse"),
    case("unique", lambda xp: xp.unique(repeats(xp), return_counts=True), id="unique-counts"),
    case("unique", lambda xp: xp.unique(repeats(xp), axis=0, **ALL_OUTPUTS), id="unique-axis0"),
    case(
        "unique",
        lambda xp: xp.unique(repeats(xp, "float32"), axis=1, return_inverse=True),
        id="unique-axis1",
    ),
    case("unique", lambda xp: xp.unique(repeats(xp), axis=-1), id="unique-axis-negative"),
    case("unique", lambda xp: xp.unique(with_nans(xp), return_counts=True), id="unique-nan"),
    case(
        "unique",
        lambda xp: xp.unique(with_nans(xp), equal_nan=False, return_inverse=True),
        id="unique-nan-unequal",
    ),
    case("unique", lambda xp: xp.sort(xp.unique(repeats(xp), sorted=False)), id="unique-unsorted"),
    case("unique", lambda xp: xp.unique([3, 1, 3, 2]), id="unique-list"),
    case("unique", lambda xp: xp.unique(xp.asarray([], "int8"), **ALL_OUTPUTS), id="unique-empty"),
    case("unique", lambda xp: xp.unique(xp.asarray(4.0), return_inverse=True), id="unique-0d"),
    case("unique", lambda xp: xp.unique(repeats(xp), axis=2), id="unique-bad-axis"),
    *by_dtype("unique_all", lambda xp, dt: xp.unique_all(repeats(xp, dt)), SOME_DT),
    case("unique_all", lambda xp: xp.unique_all(with_nans(xp)), id="unique_all-nan"),
    case(
        "unique_all", lambda xp: xp.unique_all(repeats(xp)).inverse_indices, id="unique_all-field"
    ),
    *by_dtype("unique_counts", lambda xp, dt: xp.unique_counts(repeats(xp, dt)), SOME_DT),
    case(
        "unique_counts",
        lambda xp: xp.unique_counts(with_nans(xp, "float32")),
        id="unique_counts-nan",
    ),
    case("unique_counts", lambda xp: xp.unique_counts([2, 1, 2]), id="unique_counts-list"),
    case(
        "unique_counts",
        lambda xp: xp.unique_counts(repeats(xp)).counts,
        id="unique_counts-field",
    ),
    *by_dtype("unique_inverse", lambda xp, dt: xp.unique_inverse(repeats(xp, dt)), SOME_DT),
    case("unique_inverse", lambda xp: xp.unique_inverse(with_nans(xp)), id="unique_inverse-nan"),
    *by_dtype("unique_values", lambda xp, dt: _sorted_unique(xp, repeats(xp, dt)), SOME_DT),
    case("unique_values", lambda xp: _sorted_unique(xp, with_nans(xp)), id="unique_values-nan"),
    case(
        "unique_values",
        lambda xp: _sorted_unique(xp, xp.asarray([[5, -1, 3], [3, 9, -1]], dtype="int64")),
        id="unique_values-ints-sorted",
    ),
    case("unique_values", lambda xp: _sorted_unique(xp, [3, 1, 2, 1]), id="unique_values-list"),
    case("unique_values", lambda xp: _sorted_unique(xp, xp.asarray(2.5)), id="unique_values-0d"),
]


def _sorted_unique(xp, x):
    """dnp's unique_values as it is (sorted); NumPy's, sorted (its integers come in hash order)."""
    return xp.unique_values(x) if xp is not numpy else numpy.sort(numpy.unique_values(x))


def pair(xp, dt, shapes=((8,), (6,))):
    return arr(xp, shapes[0], dt), arr(xp, shapes[1], dt, 3)


SET_OPS = [
    *by_dtype("intersect1d", lambda xp, dt: xp.intersect1d(*pair(xp, dt))),
    case(
        "intersect1d",
        lambda xp: xp.intersect1d(*pair(xp, "int16"), return_indices=True),
        id="intersect1d-indices",
    ),
    case(
        "intersect1d",
        lambda xp: xp.intersect1d(
            xp.unique(arr(xp, dt="int8")), xp.unique(arr(xp, (5,), "int8", 2)), assume_unique=True
        ),
        id="intersect1d-unique",
    ),
    case(
        "intersect1d",
        lambda xp: xp.intersect1d(arr(xp, dt="float32"), arr(xp, (2, 2), "int64")),
        id="intersect1d-mixed-2d",
    ),
    case("intersect1d", lambda xp: xp.intersect1d([1, 2, 3], [2, 3, 4]), id="intersect1d-lists"),
    *by_dtype("union1d", lambda xp, dt: xp.union1d(*pair(xp, dt))),
    case(
        "union1d",
        lambda xp: xp.union1d(arr(xp, dt="int8"), arr(xp, (2,), "float32")),
        id="union1d-mixed-2d",
    ),
    *by_dtype("setdiff1d", lambda xp, dt: xp.setdiff1d(*pair(xp, dt))),
    case(
        "setdiff1d",
        lambda xp: xp.setdiff1d(xp.unique(arr(xp, dt="int32")), [0, 1], assume_unique=True),
        id="setdiff1d-unique",
    ),
    case("setdiff1d", lambda xp: xp.setdiff1d([5, 1, 2], (2, 7)), id="setdiff1d-lists"),
    case("union1d", lambda xp: xp.union1d([5, 1], [2.5]), id="union1d-lists"),
    case("setxor1d", lambda xp: xp.setxor1d([5, 1], [1, 3]), id="setxor1d-lists"),
    case("setdiff1d", lambda xp: xp.setdiff1d(arr(xp), arr(xp)), id="setdiff1d-empty"),
    *by_dtype("setxor1d", lambda xp, dt: xp.setxor1d(*pair(xp, dt))),
    case(
        "setxor1d",
        lambda xp: xp.setxor1d(
            xp.unique(arr(xp, dt="int32")), xp.unique(arr(xp, (4,), "int32", 1)), assume_unique=True
        ),
        id="setxor1d-unique",
    ),
    *by_dtype("isin", lambda xp, dt: xp.isin(*pair(xp, dt, ((3, 4), (5,))))),
    case("isin", lambda xp: xp.isin(*pair(xp, "int32"), invert=True), id="isin-invert"),
    case("isin", lambda xp: xp.isin(*pair(xp, "int16"), kind="table"), id="isin-table"),
    case("isin", lambda xp: xp.isin(*pair(xp, "float32"), kind="sort"), id="isin-sort"),
    case(
        "isin",
        lambda xp: xp.isin(
            arr(xp, dt="int64"), xp.unique(arr(xp, (4,), "int64")), assume_unique=True
        ),
        id="isin-unique",
    ),
    case("isin", lambda xp: xp.isin(2.0, arr(xp)), id="isin-scalar"),
    case("isin", lambda xp: xp.isin(arr(xp, dt="int8"), 2), id="isin-scalar-test"),
    case("isin", lambda xp: xp.isin([1, 5, 2], [2, 3]), id="isin-lists"),
    case(
        "isin",
        lambda xp: xp.isin(arr(xp, dt="int8"), arr(xp, (2, 2), "float64")),
        id="isin-mixed-2d",
    ),
    case("isin", lambda xp: xp.isin(with_nans(xp), with_nans(xp)), id="isin-nan"),
    case("isin", lambda xp: xp.isin(*pair(xp, "int8"), kind="hash"), id="isin-bad-kind"),
    case("isin", lambda xp: xp.isin(*pair(xp, "float32"), kind="table"), id="isin-table-float"),
]

CASES = UNIQUE + SET_OPS

test_conformance = conformance(CASES)


# Small value ranges, so that values repeat and the operands overlap; NaNs in the floats.
ARRAYS = st.sampled_from(["int8", "uint8", "int64", "float32", "float64"]).flatmap(
    lambda dt: hnp.arrays(
        dt,
        hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6),
        elements=st.integers(0, 5) if dt[0] in "iu" else st.sampled_from([0.0, 1.5, numpy.nan]),
    )
)


@pytest.mark.parametrize("device", DEVICES)
@given(a=ARRAYS, b=ARRAYS)
def test_set_routines_match_numpy(device, a, b):
    def body(xp):
        x, y = xp.asarray(a), xp.asarray(b)
        return (
            xp.unique(x, return_index=True, return_inverse=True, return_counts=True),
            xp.unique_all(x),
            xp.intersect1d(x, y, return_indices=True),
            xp.union1d(x, y),
            xp.setdiff1d(x, y),
            xp.setxor1d(x, y),
            xp.isin(x, y, invert=True),
        )

    compare(body, device)
