"""Logic and type predicates against NumPy: closeness, equality, complex/real, infinities,
memory overlap, and the dtype routines (they take arrays as well as dtypes)."""

import numpy

from tests.conformance import case, conformance
from tests.samples import ALL_DTYPES, sample

SOME_DT = ["bool", "int8", "uint16", "int64", "float16", "float32", "float64", "complex128"]


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def specials(xp, dt="float64"):
    nan, inf = numpy.nan, numpy.inf
    return xp.asarray(numpy.array([[1.0, -inf, nan, 0.0], [inf, -0.0, -2.0, nan]], dtype=dt))


def nudged(xp, dt="float64", by=1e-9):
    return xp.asarray((sample(dt) * (1 + by)).astype(dt))


def by_dtype(name, call, dtypes=ALL_DTYPES):
    return [case(name, lambda xp, dt=dt: call(xp, dt), id=f"{name}-{dt}") for dt in dtypes]


FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]

CLOSENESS = [
    *by_dtype("allclose", lambda xp, dt: xp.allclose(arr(xp, dt=dt), arr(xp, dt=dt))),
    *by_dtype("allclose", lambda xp, dt: xp.allclose(arr(xp, dt=dt), nudged(xp, dt, 1e-3)), FLOATS),
    case(
        "allclose",
        lambda xp: xp.allclose(arr(xp), nudged(xp, by=1e-3), rtol=1e-2),
        id="allclose-rtol",
    ),
    case("allclose", lambda xp: xp.allclose(arr(xp), arr(xp) + 0.5, atol=1), id="allclose-atol"),
    case("allclose", lambda xp: xp.allclose(specials(xp), specials(xp)), id="allclose-nan"),
    case(
        "allclose",
        lambda xp: xp.allclose(specials(xp), specials(xp), equal_nan=True),
        id="allclose-equal-nan",
    ),
    case("allclose", lambda xp: xp.allclose(arr(xp), arr(xp)[0]), id="allclose-broadcast"),
    case("allclose", lambda xp: xp.allclose(arr(xp), 1.0), id="allclose-scalar"),
    case("allclose", lambda xp: xp.allclose([1.0, 2.0], [1.0, 2.0000001]), id="allclose-lists"),
    case("allclose", lambda xp: xp.allclose(arr(xp), arr(xp, (3,))), id="allclose-shapes"),
    *by_dtype("isclose", lambda xp, dt: xp.isclose(arr(xp, dt=dt), arr(xp, (4,), dt, 2))),
    *by_dtype("isclose", lambda xp, dt: xp.isclose(arr(xp, dt=dt), nudged(xp, dt, 1e-4)), FLOATS),
    case(
        "isclose",
        lambda xp: xp.isclose(specials(xp), specials(xp), equal_nan=True),
        id="isclose-equal-nan",
    ),
    case(
        "isclose",
        lambda xp: xp.isclose(specials(xp, "float32"), 1.0, rtol=0.1, atol=0.0),
        id="isclose-tolerances",
    ),
    case("isclose", lambda xp: xp.isclose(1.0, 1.0 + 1e-9), id="isclose-scalars"),
    case(
        "isclose",
        lambda xp: xp.isclose(b=arr(xp, (4,)), a=arr(xp), atol=arr(xp, (3, 1))),
        id="isclose-keywords",
    ),
    case(
        "isclose",
        lambda xp: xp.isclose(arr(xp, dt="int8"), arr(xp, dt="uint64")),
        id="isclose-ints",
    ),
    case("isclose", lambda xp: xp.isclose(arr(xp), arr(xp, (3,))), id="isclose-shapes"),
    *by_dtype("array_equal", lambda xp, dt: xp.array_equal(arr(xp, dt=dt), arr(xp, dt=dt))),
    *by_dtype(
        "array_equal",
        lambda xp, dt: xp.array_equal(arr(xp, dt=dt), arr(xp, (3, 4), dt, 1)),
        SOME_DT,
    ),
    case("array_equal", lambda xp: xp.array_equal(arr(xp), arr(xp)[0]), id="array_equal-shapes"),
    case(
        "array_equal", lambda xp: xp.array_equal(specials(xp), specials(xp)), id="array_equal-nan"
    ),
    case(
        "array_equal",
        lambda xp: xp.array_equal(specials(xp), specials(xp), equal_nan=True),
        id="array_equal-equal-nan",
    ),
    case(
        "array_equal",
        lambda xp: xp.array_equal(arr(xp, dt="int32"), arr(xp, dt="float32")),
        id="array_equal-mixed",
    ),
    case("array_equal", lambda xp: xp.array_equal([1, 2], [1, 2]), id="array_equal-lists"),
    case("array_equiv", lambda xp: xp.array_equiv(arr(xp), arr(xp)), id="array_equiv"),
    case(
        "array_equiv",
        lambda xp: xp.array_equiv(xp.ones((3, 4)), xp.ones(4)),
        id="array_equiv-broadcast",
    ),
    case("array_equiv", lambda xp: xp.array_equiv(arr(xp), arr(xp)[0]), id="array_equiv-differ"),
    case("array_equiv", lambda xp: xp.array_equiv(arr(xp), arr(xp, (3,))), id="array_equiv-shapes"),
    case("array_equiv", lambda xp: xp.array_equiv([1, 1], 1), id="array_equiv-scalar"),
]

PREDICATES = [
    *by_dtype("iscomplex", lambda xp, dt: xp.iscomplex(arr(xp, dt=dt))),
    *by_dtype("isreal", lambda xp, dt: xp.isreal(arr(xp, dt=dt))),
    case("iscomplex", lambda xp: xp.iscomplex(xp.asarray([1 + 0j, 2j, 3])), id="iscomplex-zero-im"),
    case("iscomplex", lambda xp: xp.iscomplex(1j), id="iscomplex-scalar"),
    case("iscomplex", lambda xp: xp.iscomplex(xp.asarray(2.0)), id="iscomplex-0d"),
    case("isreal", lambda xp: xp.isreal(xp.asarray([1 + 0j, 2j, 3])), id="isreal-zero-im"),
    case("isreal", lambda xp: xp.isreal([1, 2.5]), id="isreal-list"),
    *by_dtype("iscomplexobj", lambda xp, dt: xp.iscomplexobj(arr(xp, dt=dt)), SOME_DT),
    *by_dtype("isrealobj", lambda xp, dt: xp.isrealobj(arr(xp, dt=dt)), SOME_DT),
    case("iscomplexobj", lambda xp: xp.iscomplexobj([1, 2j]), id="iscomplexobj-list"),
    case("iscomplexobj", lambda xp: xp.iscomplexobj(3.0), id="iscomplexobj-scalar"),
    case("isrealobj", lambda xp: xp.isrealobj(1j), id="isrealobj-scalar"),
    *by_dtype("isneginf", lambda xp, dt: xp.isneginf(specials(xp, dt)), ["float16", "float64"]),
    *by_dtype("isposinf", lambda xp, dt: xp.isposinf(specials(xp, dt)), ["float32", "float64"]),
    *by_dtype("isneginf", lambda xp, dt: xp.isneginf(arr(xp, dt=dt)), ["int8", "uint64", "bool"]),
    *by_dtype("isposinf", lambda xp, dt: xp.isposinf(arr(xp, dt=dt)), ["int32", "bool"]),
    case("isneginf", lambda xp: xp.isneginf(-numpy.inf), id="isneginf-scalar"),
    case("isneginf", lambda xp: xp.isneginf(x=specials(xp)), id="isneginf-keyword"),
    case("isposinf", lambda xp: xp.isposinf([numpy.inf, 1.0]), id="isposinf-list"),
    case(
        "isneginf",
        lambda xp: (lambda o: (xp.isneginf(specials(xp), out=o), o)[1])(xp.ones((2, 4), bool)),
        id="isneginf-out",
    ),
    case(
        "isposinf",
        lambda xp: (lambda o: xp.isposinf(specials(xp), o) is o)(xp.zeros((2, 4), bool)),
        id="isposinf-out-is-returned",
    ),
    case("isneginf", lambda xp: xp.isneginf(arr(xp, dt="complex64")), id="isneginf-complex"),
    case(
        "isposinf",
        lambda xp: xp.isposinf(specials(xp), out=xp.zeros(3, bool)),
        id="isposinf-bad-out",
    ),
    case("isscalar", lambda xp: xp.isscalar(xp.asarray(1.0)), id="isscalar-0d-array"),
    case("isscalar", lambda xp: xp.isscalar(arr(xp)), id="isscalar-array"),
    case("isscalar", lambda xp: xp.isscalar(2.5), id="isscalar-float"),
    case("isscalar", lambda xp: xp.isscalar(xp.float32(1)), id="isscalar-numpy-scalar"),
    case("isscalar", lambda xp: xp.isscalar("text"), id="isscalar-str"),
    case("isscalar", lambda xp: xp.isscalar([1]), id="isscalar-list"),
    case("isfortran", lambda xp: xp.isfortran(arr(xp)), id="isfortran-C"),
    case("isfortran", lambda xp: xp.isfortran(arr(xp).T), id="isfortran-transposed"),
    case("isfortran", lambda xp: xp.isfortran(xp.asfortranarray(arr(xp))), id="isfortran-F"),
    case("isfortran", lambda xp: xp.isfortran(arr(xp, (4,))), id="isfortran-1d"),
    case("isfortran", lambda xp: xp.isfortran([[1, 2]]), id="isfortran-list"),
]


def overlap(name, pick):
    def body(xp):
        x = arr(xp, (4, 6))
        a, b = pick(x)
        return getattr(xp, name)(a, b)

    return body


VIEWS = {
    "same": lambda x: (x, x),
    "slices": lambda x: (x[1:], x[:2]),
    "disjoint": lambda x: (x[:2], x[2:]),
    "interleaved": lambda x: (x[:, ::2], x[:, 1::2]),
    "copy": lambda x: (x, x.copy()),
    "transposed": lambda x: (x.T, x[0]),
}

MEMORY = [
    case(name, overlap(name, pick), id=f"{name}-{label}")
    for name in ("may_share_memory", "shares_memory")
    for label, pick in VIEWS.items()
]
MEMORY += [
    case(
        "may_share_memory",
        lambda xp: (lambda x: xp.may_share_memory(x, x[1:], max_work=0))(arr(xp)),
        id="may_share_memory-max_work",
    ),
    case(
        "shares_memory",
        lambda xp: (lambda x: xp.shares_memory(x, x[1:], max_work=-1))(arr(xp)),
        id="shares_memory-max_work",
    ),
]

DTYPES = [
    *by_dtype("result_type", lambda xp, dt: xp.result_type(arr(xp, dt=dt), "int16")),
    *by_dtype("result_type", lambda xp, dt: xp.result_type(arr(xp, dt=dt), 2.5), SOME_DT),
    *by_dtype(
        "result_type", lambda xp, dt: xp.result_type(xp.asarray(sample(dt)[0, 0]), "uint8"), SOME_DT
    ),
    case(
        "result_type",
        lambda xp: xp.result_type("float32", xp.float16, numpy.dtype("int8")),
        id="result_type-dtypes",
    ),
    case("result_type", lambda xp: xp.result_type(arr(xp, dt="int8"), 300), id="result_type-int"),
    case(
        "result_type",
        lambda xp: xp.result_type(arr(xp, dt="int8"), arr(xp, dt="uint8"), 1j),
        id="result_type-three",
    ),
    case("result_type", lambda xp: xp.result_type(), id="result_type-nothing"),
    case("result_type", lambda xp: xp.result_type("not-a-dtype"), id="result_type-bad-dtype"),
    *by_dtype("can_cast", lambda xp, dt: xp.can_cast(arr(xp, dt=dt), "float32")),
    *by_dtype("can_cast", lambda xp, dt: xp.can_cast("int16", dt), SOME_DT),
    case(
        "can_cast",
        lambda xp: xp.can_cast(arr(xp), "int8", casting="same_kind"),
        id="can_cast-same-kind",
    ),
    case("can_cast", lambda xp: xp.can_cast(arr(xp), "int8", "unsafe"), id="can_cast-unsafe"),
    case("can_cast", lambda xp: xp.can_cast("int64", "int64", "no"), id="can_cast-no"),
    case("can_cast", lambda xp: xp.can_cast(xp.asarray(1.0), "float16"), id="can_cast-0d"),
    case("can_cast", lambda xp: xp.can_cast(3, "int8"), id="can_cast-python-int"),
    case("can_cast", lambda xp: xp.can_cast("f8", "f4", "sideways"), id="can_cast-bad-casting"),
    *by_dtype("min_scalar_type", lambda xp, dt: xp.min_scalar_type(arr(xp, dt=dt))),
    *[
        case(
            "min_scalar_type",
            lambda xp, v=v: xp.min_scalar_type(xp.asarray(v)),
            id=f"min_scalar_type-0d-{v!r}",
        )
        for v in (10, -10, 300, 2**40, True, 1.5, 1e300, 1e-30, 1 + 2j, numpy.float32(3))
    ],
    *[
        case("min_scalar_type", lambda xp, v=v: xp.min_scalar_type(v), id=f"min_scalar_type-{v!r}")
        for v in (255, -129, 2.0, 1e50, 1j, numpy.int64(7))
    ],
    case("min_scalar_type", lambda xp: xp.min_scalar_type([1, 2]), id="min_scalar_type-list"),
    *by_dtype(
        "common_type",
        lambda xp, dt: xp.common_type(arr(xp, dt=dt), arr(xp, dt="float32")),
        [dt for dt in ALL_DTYPES if dt != "bool"],
    ),
    case("common_type", lambda xp: xp.common_type(arr(xp, dt="float16")), id="common_type-half"),
    case(
        "common_type",
        lambda xp: xp.common_type(arr(xp, dt="complex64"), arr(xp, dt="int8")),
        id="common_type-complex-int",
    ),
    case("common_type", lambda xp: xp.common_type(), id="common_type-nothing"),
    case("common_type", lambda xp: xp.common_type(arr(xp, dt="bool")), id="common_type-bool"),
    case("common_type", lambda xp: xp.common_type([1.0]), id="common_type-list"),
]

CASES = CLOSENESS + PREDICATES + MEMORY + DTYPES

test_conformance = conformance(CASES)
