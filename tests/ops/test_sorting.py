"""Sorting and searching against NumPy: every dtype, the sort kinds, axes, and bad arguments.

Unstable sorts may order ties either way, and a partition orders each side as it likes: cases
with ties use stable sorts, and partitions are compared through their sorted segments, so the
cases hold on any backend.
"""

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.conformance import DEVICES, case, compare, conformance
from tests.samples import ALL_DTYPES, sample

NUMERIC = [dt for dt in ALL_DTYPES if dt != "bool"]


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def distinct(xp, dt, shape=(3, 4), seed=0):
    """Values without ties (in any dtype but bool), in a shuffled order."""
    values = numpy.random.default_rng(seed).permutation(int(numpy.prod(shape))).reshape(shape)
    if numpy.dtype(dt).kind == "c":
        return xp.asarray((values - 5 + 1j * values[::-1]).astype(dt))
    if numpy.dtype(dt).kind in "if":
        values = values - 5
    return xp.asarray(values.astype(dt))


def with_nans(xp, dt="float64"):
    nan, inf = numpy.nan, numpy.inf
    return xp.asarray(numpy.array([[2.0, nan, -1.0, inf], [nan, 0.0, -inf, 3]], dtype=dt))


def segments(xp, r, kth, axis=-1):
    """A partition's kth values and each segment between them, sorted: what NumPy guarantees."""
    r = r.ravel() if axis is None else xp.moveaxis(r, axis, -1)
    n = r.shape[-1]
    cuts = sorted(k % n for k in (kth if isinstance(kth, (list, tuple)) else [kth]))
    out, start = [], 0
    for k in cuts:
        out += [xp.sort(r[..., start:k], axis=-1), r[..., k]]
        start = k + 1
    return out + [xp.sort(r[..., start:], axis=-1)]


def partitioned_values(xp, a, kth, axis=-1, **kwargs):
    idx = xp.argpartition(a, kth, axis=axis, **kwargs)
    values = a.ravel()[idx] if axis is None else xp.take_along_axis(a, idx, axis=axis)
    return idx.dtype, segments(xp, values, kth, axis)


def descending(xp, name, a, axis=-1):
    """The array API's stable descending ``sort``/``argsort`` (NumPy has no ``descending=``).
    NumPy's side is an independent reference for data without NaNs: the stable ascending order
    of the negated values."""
    if xp is not numpy:
        return getattr(xp, name)(a, axis=axis, descending=True)
    idx = numpy.argsort(-a, axis=axis, kind="stable")
    if name == "argsort":
        return idx
    return a.ravel()[idx] if axis is None else numpy.take_along_axis(a, idx, axis)


def by_dtype(name, call, dtypes=ALL_DTYPES):
    return [case(name, lambda xp, dt=dt: call(xp, dt), id=f"{name}-{dt}") for dt in dtypes]


SORT = [
    *by_dtype("sort", lambda xp, dt: xp.sort(arr(xp, dt=dt))),
    *by_dtype(
        "sort",
        lambda xp, dt: xp.sort(arr(xp, (2, 3, 2), dt), axis=0),
        ["int8", "uint32", "float32", "complex64"],
    ),
    case("sort", lambda xp: xp.sort(arr(xp), axis=None), id="sort-axis-none"),
    case("sort", lambda xp: xp.sort(with_nans(xp), axis=1), id="sort-nan"),
    case("sort", lambda xp: xp.sort(with_nans(xp, "float16"), axis=None), id="sort-nan-f16"),
    case("sort", lambda xp: xp.sort([3, 1, 2]), id="sort-list"),
    case("sort", lambda xp: xp.sort(xp.asarray(5.0), axis=None), id="sort-0d-flat"),
    *[
        case("sort", lambda xp, k=k: xp.sort(arr(xp, dt="int16"), kind=k), id=f"sort-kind-{k}")
        for k in ("quicksort", "mergesort", "heapsort", "stable", "Q")
    ],
    case("sort", lambda xp: xp.sort(arr(xp), stable=True), id="sort-stable"),
    case("sort", lambda xp: xp.sort(arr(xp), stable=False), id="sort-unstable"),
    case(
        "sort", lambda xp: xp.sort(arr(xp), kind="stable", stable=True), id="sort-kind-and-stable"
    ),
    case("sort", lambda xp: xp.sort(arr(xp), kind="bogus"), id="sort-bad-kind"),
    case("sort", lambda xp: xp.sort(arr(xp), order="f0"), id="sort-order"),
    case("sort", lambda xp: xp.sort(arr(xp), axis=2), id="sort-bad-axis"),
    case("sort", lambda xp: xp.sort(xp.asarray(5.0)), id="sort-0d"),
    # descending= (the array API's): stable, ties in their order, NaNs first.
    *[
        case(
            name,
            lambda xp, name=name, dt=dt: descending(xp, name, arr(xp, dt=dt)),
            id=f"{name}-desc-{dt}",
        )
        for name in ("sort", "argsort")
        for dt in ("float64", "float32", "int64", "int8", "int16", "complex128")
    ],
    *[
        case(
            name,
            lambda xp, name=name, ax=ax: descending(xp, name, arr(xp, (3, 2, 4)), ax),
            id=f"{name}-desc-axis{ax}",
        )
        for name in ("sort", "argsort")
        for ax in (0, 1, None)
    ],
    case(
        "argsort",
        lambda xp: descending(xp, "argsort", xp.asarray([1, 3, 1, 2, 3, 1]), 0),
        id="argsort-desc-ties",
    ),
    case(
        "argsort",
        lambda xp: descending(xp, "argsort", xp.asarray([0.0, -0.0, 1.0, -0.0, 0.0]), 0),
        id="argsort-desc-signed-zeros",
    ),
    case(
        "sort",
        lambda xp: (
            numpy.flip(numpy.sort(with_nans(xp), axis=1), axis=1)
            if xp is numpy
            else xp.sort(with_nans(xp), axis=1, descending=True)
        ),
        id="sort-desc-nan-first",
    ),
    case(
        "sort",
        lambda xp: (
            numpy.sort(arr(xp))[..., ::-1]
            if xp is numpy
            else xp.sort(arr(xp), descending=True, stable=False)
        ),
        id="sort-desc-unstable",
    ),
    case(
        "sort",
        lambda xp: xp.sort(xp.asarray(5.0), **({} if xp is numpy else {"descending": True})),
        id="sort-desc-0d",
    ),
    *by_dtype("argsort", lambda xp, dt: xp.argsort(distinct(xp, dt)), NUMERIC),
    *by_dtype("argsort", lambda xp, dt: xp.argsort(arr(xp, dt=dt), kind="stable")),
    case(
        "argsort",
        lambda xp: xp.argsort(distinct(xp, "int32", (2, 3, 2)), axis=1),
        id="argsort-axis",
    ),
    case("argsort", lambda xp: xp.argsort(distinct(xp, "float32"), axis=None), id="argsort-flat"),
    case("argsort", lambda xp: xp.argsort(with_nans(xp), stable=True), id="argsort-nan"),
    *[
        case(
            "argsort",
            lambda xp, k=k: xp.argsort(distinct(xp, "float64"), kind=k),
            id=f"argsort-kind-{k}",
        )
        for k in ("quicksort", "heapsort", "mergesort")
    ],
    case(
        "argsort",
        lambda xp: xp.argsort(arr(xp, dt="bool"), axis=0, stable=True),
        id="argsort-ties-stable",
    ),
    case("argsort", lambda xp: xp.argsort([3.5, 1, 2]), id="argsort-list"),
    case("argsort", lambda xp: xp.argsort(arr(xp), order=["x"]), id="argsort-order"),
    case("argsort", lambda xp: xp.argsort(arr(xp), axis=-3), id="argsort-bad-axis"),
    case("argsort", lambda xp: xp.argsort(arr(xp), kind="x"), id="argsort-bad-kind"),
    case(
        "lexsort",
        lambda xp: xp.lexsort((arr(xp, (8,), "float64"), arr(xp, (8,), "int8"))),
        id="lexsort-mixed-dtypes",
    ),
    case(
        "lexsort",
        lambda xp: xp.lexsort(
            [arr(xp, (12,), "bool", 1), arr(xp, (12,), "bool"), arr(xp, (12,), "uint8")]
        ),
        id="lexsort-three-keys",
    ),
    case("lexsort", lambda xp: xp.lexsort(arr(xp, (2, 6), "int32")), id="lexsort-2d-array"),
    case(
        "lexsort",
        lambda xp: xp.lexsort((arr(xp, dt="int16"), arr(xp, dt="int16", offset=3)), axis=0),
        id="lexsort-axis",
    ),
    case("lexsort", lambda xp: xp.lexsort((arr(xp, (5,)),)), id="lexsort-one-key"),
    case("lexsort", lambda xp: xp.lexsort((with_nans(xp), arr(xp, (2, 4)))), id="lexsort-nan"),
    case("lexsort", lambda xp: xp.lexsort((arr(xp, (3,)), arr(xp, (4,)))), id="lexsort-shapes"),
    case("lexsort", lambda xp: xp.lexsort(()), id="lexsort-empty"),
    case("lexsort", lambda xp: xp.lexsort((arr(xp, (3,)),), axis=None), id="lexsort-axis-none"),
    case("lexsort", lambda xp: xp.lexsort((arr(xp, (3,)),), axis=1), id="lexsort-bad-axis"),
]

PARTITION = [
    *by_dtype(
        "partition", lambda xp, dt: segments(xp, xp.partition(arr(xp, dt=dt), 2), 2), NUMERIC
    ),
    case(
        "partition",
        lambda xp: segments(xp, xp.partition(arr(xp, (4, 5)), 1, axis=0), 1, 0),
        id="partition-axis",
    ),
    case(
        "partition",
        lambda xp: segments(xp, xp.partition(arr(xp), [1, 3]), [1, 3]),
        id="partition-kths",
    ),
    case(
        "partition",
        lambda xp: segments(xp, xp.partition(arr(xp), -1), -1),
        id="partition-negative-kth",
    ),
    case(
        "partition",
        lambda xp: segments(xp, xp.partition(arr(xp), 7, axis=None), 7, None),
        id="partition-flat",
    ),
    case(
        "partition", lambda xp: segments(xp, xp.partition(with_nans(xp), 1), 1), id="partition-nan"
    ),
    case("partition", lambda xp: segments(xp, xp.partition([5, 1, 4], 1), 1), id="partition-list"),
    case("partition", lambda xp: xp.partition(arr(xp), 4), id="partition-bad-kth"),
    case("partition", lambda xp: xp.partition(arr(xp), 1, axis=2), id="partition-bad-axis"),
    case("partition", lambda xp: xp.partition(arr(xp), 1, kind="quick"), id="partition-bad-kind"),
    case("partition", lambda xp: xp.partition(arr(xp), 1, order="a"), id="partition-order"),
    *by_dtype("argpartition", lambda xp, dt: partitioned_values(xp, arr(xp, dt=dt), 1), NUMERIC),
    case(
        "argpartition",
        lambda xp: partitioned_values(xp, arr(xp, (4, 5)), 2, axis=0),
        id="argpartition-axis",
    ),
    case(
        "argpartition", lambda xp: partitioned_values(xp, arr(xp), [0, 2]), id="argpartition-kths"
    ),
    case(
        "argpartition",
        lambda xp: partitioned_values(xp, arr(xp), 5, axis=None),
        id="argpartition-flat",
    ),
    case("argpartition", lambda xp: xp.argpartition(arr(xp), 9), id="argpartition-bad-kth"),
    case(
        "argpartition", lambda xp: xp.argpartition(arr(xp), 1, kind="x"), id="argpartition-bad-kind"
    ),
    case(
        "argpartition", lambda xp: xp.argpartition(arr(xp), 1, axis=-3), id="argpartition-bad-axis"
    ),
]

SEARCH = [
    *by_dtype(
        "searchsorted",
        lambda xp, dt: xp.searchsorted(xp.sort(arr(xp, (12,), dt)), arr(xp, (2, 3), dt, 1)),
    ),
    case(
        "searchsorted",
        lambda xp: xp.searchsorted(xp.sort(arr(xp, (12,))), arr(xp, (5,), offset=2), side="right"),
        id="searchsorted-right",
    ),
    case(
        "searchsorted",
        lambda xp: xp.searchsorted(arr(xp, (12,)), 1.0, sorter=xp.argsort(arr(xp, (12,)))),
        id="searchsorted-sorter",
    ),
    case(
        "searchsorted",
        lambda xp: xp.searchsorted(xp.sort(arr(xp, (12,), "int32")), 2.5),
        id="searchsorted-scalar",
    ),
    case("searchsorted", lambda xp: xp.searchsorted([1, 3, 5], [0, 3, 6]), id="searchsorted-list"),
    case(
        "searchsorted",
        lambda xp: xp.searchsorted(arr(xp, (12,)), 1.0, side="middle"),
        id="searchsorted-bad-side",
    ),
    case("searchsorted", lambda xp: xp.searchsorted(arr(xp), 1.0), id="searchsorted-2d"),
    *by_dtype(
        "sort_complex",
        lambda xp, dt: xp.sort_complex(arr(xp, (8,), dt)),
        [
            "int8",
            "uint16",
            "int32",
            "int64",
            "float16",
            "float32",
            "float64",
            "complex64",
            "complex128",
            "bool",
        ],
    ),
    case("sort_complex", lambda xp: xp.sort_complex([3, 1j, -2]), id="sort_complex-list"),
    case(
        "sort_complex",
        lambda xp: xp.sort_complex(arr(xp, (3, 4), "complex128")),
        id="sort_complex-2d",
    ),
]

CASES = SORT + PARTITION + SEARCH

test_conformance = conformance(CASES)


# Arrays of any shape with ties, NaNs, infinities and signed zeros.
ARRAYS = hnp.arrays(
    st.sampled_from(["bool", "int8", "uint16", "int64", "float32", "float64"]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
)


@pytest.mark.parametrize("device", DEVICES)
@given(a=ARRAYS, data=st.data())
def test_sorts_match_numpy(device, a, data):
    axis = data.draw(st.sampled_from([None, *range(-a.ndim, a.ndim)]))
    v = data.draw(hnp.arrays(a.dtype, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4)))

    def body(xp):
        x = xp.asarray(a)
        flat = xp.sort(x, axis=None)
        return (
            xp.sort(x, axis=axis),
            xp.argsort(x, axis=axis, stable=True),
            xp.searchsorted(flat, xp.asarray(v), side="right"),
        )

    compare(body, device)
