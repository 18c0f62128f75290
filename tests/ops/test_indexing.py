"""Indexing routines against NumPy: selection, in-place writes (also through views), helpers."""

import numpy

from tests.conformance import case, conformance
from tests.samples import sample


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def ints(xp, values):
    return xp.asarray(numpy.array(values))


def inplace(fn, shape=(3, 4), dt="float64"):
    """A body running the in-place ``fn(xp, a)`` on a fresh array; returns fn's result and a."""

    def body(xp):
        a = arr(xp, shape, dt)
        return fn(xp, a), a

    return body


def through_view(fn):
    """A body running the in-place ``fn(xp, view)`` on a strided view; returns the base."""

    def body(xp):
        base = arr(xp, (4, 6), "int32")
        fn(xp, base[1:, ::2])
        return base

    return body


DTYPES = ["bool", "int8", "uint32", "int64", "float16", "float32", "float64", "complex128"]

CASES = [
    # taking
    *[
        case("take", lambda xp, dt=dt: xp.take(arr(xp, dt=dt), [0, 5, 11, -1]), id=f"take-{dt}")
        for dt in DTYPES
    ],
    case("take", lambda xp: xp.take(arr(xp), ints(xp, [[0, 2], [1, 1]]), axis=1), id="take-axis"),
    case("take", lambda xp: xp.take(arr(xp), 2, axis=0), id="take-scalar-index"),
    case("take", lambda xp: xp.take(arr(xp), [0, 7, -9], axis=1, mode="clip"), id="take-clip"),
    case("take", lambda xp: xp.take(arr(xp), [0, 7, -9], axis=1, mode="wrap"), id="take-wrap"),
    case("take", lambda xp: xp.take(arr(xp), [0, 4], axis=1), id="take-out-of-bounds"),
    case("take", lambda xp: xp.take(arr(xp), [0], axis=2), id="take-bad-axis"),
    case("take", lambda xp: xp.take(arr(xp), [0.5]), id="take-float-indices"),
    case(
        "take",
        lambda xp: (lambda o: (xp.take(arr(xp), [1, 2], axis=0, out=o), o)[1])(xp.zeros((2, 4))),
        id="take-out",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp), ints(xp, [[3, 0, 1, 2]] * 3)),
        id="take_along_axis",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp, dt="complex64"), ints(xp, [[2, 0, 1, 1]]), axis=0),
        id="take_along_axis-axis0",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp), ints(xp, [11, 0]), None),
        id="take_along_axis-flat",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp), ints(xp, [0, 1]), axis=1),
        id="take_along_axis-ndim-mismatch",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp), arr(xp, (3, 1)), axis=1),
        id="take_along_axis-float-indices",
    ),
    case(
        "take_along_axis",
        lambda xp: xp.take_along_axis(arr(xp), ints(xp, [[0]]), axis=2),
        id="take_along_axis-bad-axis",
    ),
    # writing in place
    *[
        case("put", inplace(lambda xp, a: xp.put(a, [0, 5, -1], [9, 8, 7]), dt=dt), id=f"put-{dt}")
        for dt in ("int8", "float32", "complex128")
    ],
    case("put", inplace(lambda xp, a: xp.put(a, ints(xp, [1, 2, 3]), 4.5)), id="put-repeat"),
    case(
        "put", inplace(lambda xp, a: xp.put(a, [0, 20, -20], [1, 2, 3], mode="clip")), id="put-clip"
    ),
    case("put", inplace(lambda xp, a: xp.put(a, [0, 20], [1, 2], mode="wrap")), id="put-wrap"),
    case("put", inplace(lambda xp, a: xp.put(a, [12], 1)), id="put-out-of-bounds"),
    case("put", lambda xp: xp.put([1, 2], [0], 5), id="put-not-array"),
    case("put", through_view(lambda xp, v: xp.put(v, [0, 4], -1)), id="put-view"),
    case(
        "put_along_axis",
        inplace(lambda xp, a: xp.put_along_axis(a, ints(xp, [[1], [0], [3]]), 0.5, axis=1)),
        id="put_along_axis",
    ),
    case(
        "put_along_axis",
        inplace(
            lambda xp, a: xp.put_along_axis(
                a, ints(xp, [[2, 0, 1, 1]]), arr(xp, (1, 4), offset=3), axis=0
            )
        ),
        id="put_along_axis-axis0",
    ),
    case(
        "put_along_axis",
        inplace(lambda xp, a: xp.put_along_axis(a, ints(xp, [1, 2]), 0.0, axis=1)),
        id="put_along_axis-ndim-mismatch",
    ),
    case(
        "put_along_axis",
        inplace(lambda xp, a: xp.put_along_axis(a, ints(xp, [1, 5]), 9.0, axis=None)),
        id="put_along_axis-flat",
    ),
    case(
        "put_along_axis",
        inplace(lambda xp, a: xp.put_along_axis(a, ints(xp, [[1, 5]]), 9.0, axis=None)),
        id="put_along_axis-flat-2d-indices",
    ),
    case(
        "put_along_axis",
        through_view(lambda xp, v: xp.put_along_axis(v, ints(xp, [[0], [2], [1]]), 5, axis=1)),
        id="put_along_axis-view",
    ),
    case("putmask", inplace(lambda xp, a: xp.putmask(a, arr(xp) > 1, [10.0, 20.0])), id="putmask"),
    case(
        "putmask",
        inplace(lambda xp, a: xp.putmask(a, arr(xp, dt="bool"), 3), dt="uint8"),
        id="putmask-uint8",
    ),
    case(
        "putmask",
        inplace(lambda xp, a: xp.putmask(a, arr(xp, (4,), "bool"), 1)),
        id="putmask-mismatch",
    ),
    case("putmask", through_view(lambda xp, v: xp.putmask(v, v > 0, 0)), id="putmask-view"),
    case("place", inplace(lambda xp, a: xp.place(a, arr(xp) < 1, [7.0, 8.0, 9.0])), id="place"),
    case(
        "place",
        inplace(lambda xp, a: xp.place(a, arr(xp, dt="bool"), []), dt="int16"),
        id="place-no-values",
    ),
    case("place", through_view(lambda xp, v: xp.place(v, v < 0, [100])), id="place-view"),
    case("fill_diagonal", inplace(lambda xp, a: xp.fill_diagonal(a, 5)), id="fill_diagonal"),
    case(
        "fill_diagonal",
        inplace(lambda xp, a: xp.fill_diagonal(a, [1, 2]), (7, 3)),
        id="fill_diagonal-values",
    ),
    case(
        "fill_diagonal",
        inplace(lambda xp, a: xp.fill_diagonal(a, -1, wrap=True), (7, 3)),
        id="fill_diagonal-wrap",
    ),
    case(
        "fill_diagonal",
        inplace(lambda xp, a: xp.fill_diagonal(a, 0), (3, 3, 3), "int8"),
        id="fill_diagonal-3d",
    ),
    case(
        "fill_diagonal",
        inplace(lambda xp, a: xp.fill_diagonal(a, 0), (2, 3, 3)),
        id="fill_diagonal-unequal",
    ),
    case(
        "fill_diagonal", inplace(lambda xp, a: xp.fill_diagonal(a, 0), (4,)), id="fill_diagonal-1d"
    ),
    case(
        "fill_diagonal", through_view(lambda xp, v: xp.fill_diagonal(v, 9)), id="fill_diagonal-view"
    ),
    case("take", lambda xp: arr(xp).take([2, 0], axis=1), id="take-method"),
    case("put", inplace(lambda xp, a: a.put([1, 3], -5)), id="put-method"),
    case("trace", lambda xp: arr(xp).trace(offset=-1), id="trace-method"),
    case("choose", lambda xp: ints(xp, [1, 0]).choose(arr(xp, (2, 2))), id="choose-method"),
    # choosing and selecting
    case(
        "choose",
        lambda xp: xp.choose(
            ints(xp, [[0, 1, 2, 1]] * 3), [arr(xp), arr(xp, offset=1), arr(xp, (4,), "int8")]
        ),
        id="choose",
    ),
    case(
        "choose",
        lambda xp: xp.choose(ints(xp, [0, 3, -1, 1]), [arr(xp, (4,)), 2.5], mode="clip"),
        id="choose-clip",
    ),
    case(
        "choose",
        lambda xp: xp.choose(ints(xp, [0, 3, -1, 1]), [arr(xp, (4,)), 2], mode="wrap"),
        id="choose-wrap",
    ),
    case(
        "choose",
        lambda xp: xp.choose(ints(xp, [0, 2]), [arr(xp, (2,)), arr(xp, (2,))]),
        id="choose-out-of-range",
    ),
    case(
        "choose",
        lambda xp: xp.choose(ints(xp, [0, 1]), [arr(xp, (3,)), arr(xp, (3,))]),
        id="choose-mismatch",
    ),
    case(
        "choose",
        lambda xp: (lambda o: (xp.choose(ints(xp, [1, 0]), arr(xp, (2, 2)), out=o), o)[1])(
            xp.zeros(2)
        ),
        id="choose-out",
    ),
    case("compress", lambda xp: xp.compress([True, False, True], arr(xp), axis=0), id="compress"),
    case(
        "compress",
        lambda xp: xp.compress(arr(xp, (4,), "bool"), arr(xp, dt="int8"), axis=1),
        id="compress-array",
    ),
    case("compress", lambda xp: xp.compress(arr(xp, (5,)) > 0, arr(xp)), id="compress-flat"),
    case("compress", lambda xp: xp.compress([True] * 5, arr(xp), axis=0), id="compress-too-long"),
    case("compress", lambda xp: xp.compress([True], arr(xp), axis=2), id="compress-bad-axis"),
    case("where", lambda xp: xp.where(arr(xp) > 0), id="where-nonzero"),
    case("where", lambda xp: xp.where([[0, 1], [2, 0]]), id="where-list"),
    *[
        case(
            "where",
            lambda xp, dt=dt: xp.where(arr(xp, dt="bool"), arr(xp, dt=dt), arr(xp, (4,), dt, 5)),
            id=f"where-{dt}",
        )
        for dt in DTYPES
    ],
    case(
        "where",
        lambda xp: xp.where(arr(xp, (3, 1)) > 0, arr(xp, dt="float32"), 2.5),
        id="where-broadcast-scalar",
    ),
    case(
        "where",
        lambda xp: xp.where(arr(xp) > 0, arr(xp, dt="int8"), arr(xp, dt="uint8")),
        id="where-promotion",
    ),
    case("where", lambda xp: xp.where(arr(xp) > 0, arr(xp)), id="where-two-args"),
    case("where", lambda xp: xp.where(arr(xp) > 0, arr(xp, (2,)), 0), id="where-mismatch"),
    case(
        "select",
        lambda xp: xp.select([arr(xp) < 0, arr(xp) > 2], [arr(xp), arr(xp, dt="int32") * 10]),
        id="select",
    ),
    case(
        "select", lambda xp: xp.select([arr(xp, (4,)) > 0], [1.5], default=-1), id="select-default"
    ),
    case("select", lambda xp: xp.select([arr(xp) > 0], [arr(xp), arr(xp)]), id="select-lengths"),
    case("select", lambda xp: xp.select([arr(xp)], [arr(xp)]), id="select-not-bool"),
    case("select", lambda xp: xp.select([], []), id="select-empty"),
    case("extract", lambda xp: xp.extract(arr(xp) > 0.5, arr(xp, dt="complex64")), id="extract"),
    case("extract", lambda xp: xp.extract(arr(xp, (2, 6)) > 0, arr(xp)), id="extract-reshaped"),
    # positions of nonzero elements
    *[
        case("nonzero", lambda xp, dt=dt: xp.nonzero(arr(xp, (2, 3, 2), dt)), id=f"nonzero-{dt}")
        for dt in DTYPES
    ],
    case("nonzero", lambda xp: arr(xp, (5,)).nonzero(), id="nonzero-method"),
    case("nonzero", lambda xp: xp.nonzero(arr(xp, ())), id="nonzero-0d"),
    case("argwhere", lambda xp: xp.argwhere(arr(xp, dt="int8")), id="argwhere"),
    case("argwhere", lambda xp: xp.argwhere(arr(xp, ()) + 1), id="argwhere-0d"),
    case("flatnonzero", lambda xp: xp.flatnonzero(arr(xp, dt="bool")), id="flatnonzero"),
    case("flatnonzero", lambda xp: xp.flatnonzero([0, 3, 0, 1]), id="flatnonzero-list"),
    # index helpers
    case("diag_indices", lambda xp: xp.diag_indices(3), id="diag_indices"),
    case("diag_indices", lambda xp: xp.diag_indices(2, ndim=4), id="diag_indices-ndim"),
    case(
        "diag_indices_from",
        lambda xp: xp.diag_indices_from(arr(xp, (3, 3))),
        id="diag_indices_from",
    ),
    case(
        "diag_indices_from",
        lambda xp: xp.diag_indices_from(arr(xp)),
        id="diag_indices_from-unequal",
    ),
    case(
        "diag_indices_from",
        lambda xp: xp.diag_indices_from(arr(xp, (3,))),
        id="diag_indices_from-1d",
    ),
    *[case(n, lambda xp, n=n: getattr(xp, n)(4), id=n) for n in ("tril_indices", "triu_indices")],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(3, k=1, m=5), id=f"{n}-k-m")
        for n in ("tril_indices", "triu_indices")
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(arr(xp)), id=n)
        for n in ("tril_indices_from", "triu_indices_from")
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(arr(xp), -1), id=f"{n}-k")
        for n in ("tril_indices_from", "triu_indices_from")
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(arr(xp, (4,))), id=f"{n}-1d")
        for n in ("tril_indices_from", "triu_indices_from")
    ],
    case("mask_indices", lambda xp: xp.mask_indices(3, numpy.triu), id="mask_indices"),
    case("mask_indices", lambda xp: xp.mask_indices(4, numpy.tril, -1), id="mask_indices-k"),
    case("mask_indices", lambda xp: xp.mask_indices(4, xp.triu, 1), id="mask_indices-own-triu"),
    case(
        "unravel_index",
        lambda xp: xp.unravel_index(ints(xp, [0, 7, 23]), (2, 3, 4)),
        id="unravel_index",
    ),
    case(
        "unravel_index",
        lambda xp: xp.unravel_index(5, (3, 4), order="F"),
        id="unravel_index-scalar-F",
    ),
    case(
        "unravel_index",
        lambda xp: xp.unravel_index(ints(xp, [[1, 2]]), shape=(4,)),
        id="unravel_index-shape-kw",
    ),
    case("unravel_index", lambda xp: xp.unravel_index(12, (3, 4)), id="unravel_index-too-big"),
    case(
        "unravel_index",
        lambda xp: xp.unravel_index(arr(xp, (2,)), (3, 4)),
        id="unravel_index-float",
    ),
    case(
        "ravel_multi_index",
        lambda xp: xp.ravel_multi_index((ints(xp, [0, 1, 2]), ints(xp, [3, 0, 1])), (3, 4)),
        id="ravel_multi_index",
    ),
    case(
        "ravel_multi_index",
        lambda xp: xp.ravel_multi_index((ints(xp, [0, 5]), ints(xp, [-1, 4])), (3, 4), mode="clip"),
        id="ravel_multi_index-clip",
    ),
    case(
        "ravel_multi_index",
        lambda xp: xp.ravel_multi_index(
            ([0, 5], [-1, 4]), (3, 4), mode=("wrap", "clip"), order="F"
        ),
        id="ravel_multi_index-modes-F",
    ),
    case(
        "ravel_multi_index",
        lambda xp: xp.ravel_multi_index(([0, 5], [1, 1]), (3, 4)),
        id="ravel_multi_index-out-of-bounds",
    ),
    case(
        "ravel_multi_index",
        lambda xp: xp.ravel_multi_index(([0], [1], [2]), (3, 4)),
        id="ravel_multi_index-lengths",
    ),
    case("ix_", lambda xp: xp.ix_([0, 2], ints(xp, [1, 3, 0])), id="ix_"),
    case("ix_", lambda xp: xp.ix_(arr(xp, (4,), "bool"), [True, False, True]), id="ix_-masks"),
    case("ix_", lambda xp: xp.ix_(), id="ix_-none"),
    case("ix_", lambda xp: xp.ix_(ints(xp, [[0, 1]])), id="ix_-2d"),
    case("ix_", lambda xp: arr(xp)[xp.ix_([0, 2], [1, 3])], id="ix_-indexing"),
    *[case("trace", lambda xp, dt=dt: xp.trace(arr(xp, dt=dt)), id=f"trace-{dt}") for dt in DTYPES],
    case("trace", lambda xp: xp.trace(arr(xp), offset=1), id="trace-offset"),
    case("trace", lambda xp: xp.trace(arr(xp, (2, 3, 4)), 0, 2, 1), id="trace-axes"),
    case("trace", lambda xp: xp.trace(arr(xp, dt="int8"), dtype="float32"), id="trace-dtype"),
    case(
        "trace",
        lambda xp: (lambda o: (xp.trace(arr(xp, (2, 2, 3)), out=o), o)[1])(xp.zeros(3)),
        id="trace-out",
    ),
    case("trace", lambda xp: xp.trace(arr(xp, (4,))), id="trace-1d"),
    case("trace", lambda xp: xp.trace(arr(xp), axis1=0, axis2=0), id="trace-same-axes"),
]

test_conformance = conformance(CASES)
