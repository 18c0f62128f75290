"""Array creation against NumPy: from data (copying or not), shapes, ranges, grids, printing."""

import itertools

import numpy
import pytest

import dnp
from tests.conformance import DEVICES, case, conformance
from tests.samples import ALL_DTYPES, sample

SOME_DT = ["bool", "int8", "uint16", "int64", "float16", "float32", "float64", "complex128"]


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def meta_of(r):
    """Shape and dtype only: the values of ``empty``/``empty_like`` are undefined."""
    return r.shape, r.dtype


def layout(r):
    return r, r.flags.c_contiguous, r.flags.f_contiguous


def after_write(make):
    """A body writing through ``make(xp, x)``'s result; returns the source and the result."""

    def body(xp):
        x = arr(xp, dt="int32")
        y = make(xp, x)
        y[0, 0] = 99
        return x, y

    return body


def by_dtype(name, call, dtypes=SOME_DT):
    return [case(name, lambda xp, dt=dt: call(xp, dt), id=f"{name}-{dt}") for dt in dtypes]


FROM_DATA = [
    *by_dtype("array", lambda xp, dt: xp.array(arr(xp, dt=dt)), ALL_DTYPES),
    case("array", lambda xp: xp.array([[1, 2], [3, 4]]), id="array-list"),
    case("array", lambda xp: xp.array([1, 2.5, 3j]), id="array-mixed-list"),
    case("array", lambda xp: xp.array(3.5), id="array-scalar"),
    case("array", lambda xp: xp.array([True, 2], dtype="float32"), id="array-dtype"),
    case("array", lambda xp: xp.array(arr(xp), dtype="int8"), id="array-cast"),
    case("array", lambda xp: xp.array([1, 2], ndmin=3), id="array-ndmin"),
    case("array", lambda xp: layout(xp.array(arr(xp), order="F")), id="array-order-F"),
    case(
        "array",
        lambda xp: xp.array([arr(xp, (3,)), arr(xp, (3,), offset=1)]),
        id="array-list-of-arrays",
    ),
    case("array", after_write(lambda xp, x: xp.array(x)), id="array-copies"),
    case("array", after_write(lambda xp, x: xp.array(x, copy=False)), id="array-copy-false"),
    case("array", lambda xp: xp.array([1, 2], copy=False), id="array-copy-false-list"),
    case("array", lambda xp: xp.array([[1], [1, 2]]), id="array-ragged"),
    case("array", lambda xp: xp.array([1, 2], like=xp.asarray([0])), id="array-like"),
    *by_dtype("asarray", lambda xp, dt: xp.asarray(sample(dt)), ALL_DTYPES),
    case("asarray", lambda xp: xp.asarray([[1.5, 2], [3, 4]]), id="asarray-list"),
    case("asarray", lambda xp: xp.asarray(7, dtype="uint8"), id="asarray-scalar-dtype"),
    case("asarray", lambda xp: xp.asarray(arr(xp), dtype="float32"), id="asarray-cast"),
    case("asarray", lambda xp: xp.asarray(arr(xp), device="cpu"), id="asarray-device"),
    case("asarray", lambda xp: layout(xp.asarray(arr(xp), order="F")), id="asarray-order-F"),
    case("asarray", after_write(lambda xp, x: xp.asarray(x)), id="asarray-no-copy"),
    case("asarray", lambda xp: (lambda x: xp.asarray(x) is x)(arr(xp)), id="asarray-is-input"),
    case("array", lambda xp: (lambda x: xp.array(x) is x)(arr(xp)), id="array-is-new"),
    case("asarray", after_write(lambda xp, x: xp.asarray(x, copy=True)), id="asarray-copy"),
    case(
        "asarray",
        lambda xp: xp.asarray(arr(xp), dtype="int8", copy=False),
        id="asarray-copy-false-cast",
    ),
    case("asarray", lambda xp: xp.asarray([1, 2], dtype="not-a-dtype"), id="asarray-bad-dtype"),
    case("asanyarray", lambda xp: xp.asanyarray([[1, 2], [3, 4]], dtype="int16"), id="asanyarray"),
    case("asanyarray", after_write(lambda xp, x: xp.asanyarray(x)), id="asanyarray-no-copy"),
    *by_dtype("ascontiguousarray", lambda xp, dt: layout(xp.ascontiguousarray(arr(xp, dt=dt).T))),
    case("ascontiguousarray", lambda xp: xp.ascontiguousarray(5.0), id="ascontiguousarray-0d"),
    case(
        "ascontiguousarray",
        lambda xp: xp.ascontiguousarray(arr(xp), dtype="float32"),
        id="ascontiguousarray-dtype",
    ),
    *by_dtype("asfortranarray", lambda xp, dt: layout(xp.asfortranarray(arr(xp, dt=dt)))),
    case(
        "asfortranarray",
        lambda xp: xp.asfortranarray([[1, 2]], dtype="int8"),
        id="asfortranarray-list",
    ),
    *by_dtype("asarray_chkfinite", lambda xp, dt: xp.asarray_chkfinite(arr(xp, dt=dt))),
    case(
        "asarray_chkfinite",
        lambda xp: xp.asarray_chkfinite([1.0, numpy.nan]),
        id="asarray_chkfinite-nan",
    ),
    case(
        "asarray_chkfinite",
        lambda xp: xp.asarray_chkfinite(xp.asarray([numpy.inf, 1.0])),
        id="asarray_chkfinite-inf",
    ),
    case(
        "asarray_chkfinite",
        lambda xp: xp.asarray_chkfinite([1, 2], dtype="float32"),
        id="asarray_chkfinite-dtype",
    ),
    case("require", lambda xp: layout(xp.require(arr(xp).T, requirements="C")), id="require-C"),
    case("require", lambda xp: layout(xp.require(arr(xp), "int8", ["F", "A"])), id="require-F"),
    case(
        "require",
        lambda xp: xp.require(arr(xp), requirements=["F_CONTIGUOUS", "C"]),
        id="require-C-and-F",
    ),
    case("require", lambda xp: xp.require(arr(xp), requirements=["Z"]), id="require-bad-flag"),
    case("require", lambda xp: xp.require([[1, 2]], dtype="float32"), id="require-none"),
    case(
        "require",
        after_write(lambda xp, x: xp.require(x[:2], requirements="O")),
        id="require-owndata",
    ),
    case(
        "require",
        after_write(lambda xp, x: xp.require(x, requirements=("W", "E"))),
        id="require-writeable",
    ),
    case("copy", after_write(lambda xp, x: xp.copy(x)), id="copy"),
    case("copy", lambda xp: layout(xp.copy(arr(xp, dt="complex64"), order="F")), id="copy-F"),
    case("copy", lambda xp: xp.copy([[1, 2], [3, 4]]), id="copy-list"),
    case("copy", lambda xp: xp.copy(arr(xp, dt="bool").T), id="copy-view"),
]

SHAPES = [
    *[
        case(
            name,
            lambda xp, n=name, dt=dt: meta_of(getattr(xp, n)((2, 3), dtype=dt)),
            id=f"{name}-{dt}",
        )
        for name in ("empty", "zeros", "ones")
        for dt in SOME_DT
    ],
    *by_dtype("zeros", lambda xp, dt: xp.zeros((2, 3), dt)),
    *by_dtype("ones", lambda xp, dt: xp.ones(4, dtype=dt)),
    case("zeros", lambda xp: xp.zeros(()), id="zeros-0d"),
    case("zeros", lambda xp: layout(xp.zeros([2, 3], order="F")), id="zeros-F"),
    case("zeros", lambda xp: xp.zeros(3, device="cpu"), id="zeros-device"),
    case("zeros", lambda xp: xp.zeros(3, like=xp.asarray([1])), id="zeros-like"),
    case("zeros", lambda xp: xp.zeros(-1), id="zeros-negative"),
    case("zeros", lambda xp: xp.zeros((2, 3), dtype="not-a-dtype"), id="zeros-bad-dtype"),
    case("ones", lambda xp: xp.ones((0, 3), dtype="int8"), id="ones-empty"),
    case("ones", lambda xp: xp.ones((2, 2.5)), id="ones-float-shape"),
    case("empty", lambda xp: meta_of(xp.empty(5)), id="empty-default"),
    case("empty", lambda xp: xp.empty((-2, 3)), id="empty-negative"),
    case("full", lambda xp: xp.full((2, 3), 7), id="full-int"),
    case("full", lambda xp: xp.full(3, 2.5, dtype="int32"), id="full-cast"),
    case("full", lambda xp: xp.full((2, 2), True), id="full-bool"),
    case("full", lambda xp: xp.full((2,), 1 + 2j, dtype="complex64"), id="full-complex"),
    case("full", lambda xp: xp.full((2, 3), arr(xp, (3,), "float32")), id="full-array-fill"),
    case("full", lambda xp: xp.full((2, 3), arr(xp, (4,))), id="full-bad-fill"),
    case("full", lambda xp: xp.full((2, 3), 1.0, order="F", device="cpu"), id="full-F"),
    *by_dtype("empty_like", lambda xp, dt: meta_of(xp.empty_like(arr(xp, dt=dt)))),
    *by_dtype("zeros_like", lambda xp, dt: xp.zeros_like(arr(xp, dt=dt))),
    *by_dtype("ones_like", lambda xp, dt: xp.ones_like(arr(xp, dt=dt))),
    *by_dtype("full_like", lambda xp, dt: xp.full_like(arr(xp, dt=dt), 3)),
    case(
        "empty_like",
        lambda xp: meta_of(xp.empty_like(arr(xp), "int8", shape=(5,))),
        id="empty_like-dtype-shape",
    ),
    case("zeros_like", lambda xp: xp.zeros_like(arr(xp), dtype="complex64"), id="zeros_like-dtype"),
    case("zeros_like", lambda xp: xp.zeros_like(arr(xp), shape=(2, 5)), id="zeros_like-shape"),
    case("zeros_like", lambda xp: xp.zeros_like(arr(xp), device="cpu"), id="zeros_like-device"),
    case(
        "zeros_like",
        lambda xp: layout(xp.zeros_like(xp.asfortranarray(arr(xp)))),
        id="zeros_like-keeps-F",
    ),
    case("zeros_like", lambda xp: xp.zeros_like([[1, 2]]), id="zeros_like-list"),
    case("ones_like", lambda xp: layout(xp.ones_like(arr(xp), order="F")), id="ones_like-F"),
    case(
        "ones_like",
        lambda xp: xp.ones_like(arr(xp), "int8", "C", True, (2,)),
        id="ones_like-positional",
    ),
    case(
        "empty_like",
        lambda xp: meta_of(xp.empty_like([1.0, 2.0], subok=False)),
        id="empty_like-list-subok",
    ),
    case("ones_like", lambda xp: xp.ones_like(arr(xp), shape=-1), id="ones_like-bad-shape"),
    case("full_like", lambda xp: xp.full_like(arr(xp, dt="int32"), 3.7), id="full_like-truncates"),
    case("full_like", lambda xp: xp.full_like(arr(xp), 3.7, dtype="float32"), id="full_like-dtype"),
    case(
        "full_like",
        lambda xp: xp.full_like(arr(xp), arr(xp, (4,), offset=2)),
        id="full_like-array-fill",
    ),
    case("full_like", lambda xp: xp.full_like(arr(xp), arr(xp, (2,))), id="full_like-bad-fill"),
]

RANGES = [
    case("arange", lambda xp: xp.arange(5), id="arange-stop"),
    case("arange", lambda xp: xp.arange(1, 10, 2), id="arange-step"),
    case("arange", lambda xp: xp.arange(0, 1, 0.1), id="arange-float"),
    case("arange", lambda xp: xp.arange(5, 1, -1.5), id="arange-negative-step"),
    case("arange", lambda xp: xp.arange(10, dtype="float32"), id="arange-dtype"),
    case("arange", lambda xp: xp.arange(3, 1), id="arange-empty"),
    case("arange", lambda xp: xp.arange(2, stop=8, step=3, device="cpu"), id="arange-keywords"),
    case("arange", lambda xp: xp.arange(0, 5, 0), id="arange-zero-step"),
    case("arange", lambda xp: xp.arange(1j, 3), id="arange-complex"),
    case("linspace", lambda xp: xp.linspace(0, 1, 5), id="linspace"),
    case("linspace", lambda xp: xp.linspace(2, 3, 4, endpoint=False), id="linspace-no-end"),
    case("linspace", lambda xp: xp.linspace(0, 10, 6, retstep=True), id="linspace-retstep"),
    case("linspace", lambda xp: xp.linspace(0, 10, 7, dtype="int32"), id="linspace-int"),
    case("linspace", lambda xp: xp.linspace(0, 1, 0), id="linspace-0"),
    case("linspace", lambda xp: xp.linspace(0, 1, 1), id="linspace-1"),
    case(
        "linspace",
        lambda xp: xp.linspace(arr(xp, (3,)), arr(xp, (2, 3), offset=4), 4, axis=1),
        id="linspace-arrays-axis",
    ),
    case("linspace", lambda xp: xp.linspace(0, 1j, 3), id="linspace-complex"),
    case("linspace", lambda xp: xp.linspace(0, 1, -1), id="linspace-negative"),
    case("linspace", lambda xp: xp.linspace(0, 1, 3, axis=2), id="linspace-bad-axis"),
    case("logspace", lambda xp: xp.logspace(0, 3, 4), id="logspace"),
    case("logspace", lambda xp: xp.logspace(0, 5, 6, base=2, dtype="float32"), id="logspace-base"),
    case(
        "logspace",
        lambda xp: xp.logspace(1, 2, 3, endpoint=False, dtype="int64"),
        id="logspace-int",
    ),
    case(
        "logspace", lambda xp: xp.logspace(arr(xp, (3,)), 2, 3, axis=-1), id="logspace-array-axis"
    ),
    case("geomspace", lambda xp: xp.geomspace(1, 1000, 4), id="geomspace"),
    case("geomspace", lambda xp: xp.geomspace(-1, -1000, 4), id="geomspace-negative"),
    case("geomspace", lambda xp: xp.geomspace(1j, 1000j, 4), id="geomspace-imaginary"),
    case("geomspace", lambda xp: xp.geomspace(1, 1j, 3), id="geomspace-complex"),
    case(
        "geomspace",
        lambda xp: xp.geomspace(2, 64, 5, endpoint=False, dtype="int32"),
        id="geomspace-int",
    ),
    case("geomspace", lambda xp: xp.geomspace(1, 2, 1), id="geomspace-1"),
    case("geomspace", lambda xp: xp.geomspace(1, 2, 0), id="geomspace-0"),
    case(
        "geomspace",
        lambda xp: xp.geomspace(xp.asarray([1.0, 2.0]), 100.0, 3, axis=1),
        id="geomspace-array-axis",
    ),
    case(
        "geomspace",
        lambda xp: xp.geomspace(xp.asarray([1.0, 2.0], "float32"), 8, 3),
        id="geomspace-float32",
    ),
    case("geomspace", lambda xp: xp.geomspace(0, 10, 3), id="geomspace-zero"),
    case("eye", lambda xp: xp.eye(3), id="eye"),
    case("eye", lambda xp: xp.eye(3, 4, k=1, dtype="int8"), id="eye-rect"),
    case("eye", lambda xp: layout(xp.eye(4, 2, -1, order="F")), id="eye-F"),
    case("eye", lambda xp: xp.eye(2, dtype=bool, device="cpu"), id="eye-bool"),
    case("eye", lambda xp: xp.eye(-1), id="eye-negative"),
    case("identity", lambda xp: xp.identity(3), id="identity"),
    case("identity", lambda xp: xp.identity(2, dtype="complex64"), id="identity-dtype"),
    case("tri", lambda xp: xp.tri(3), id="tri"),
    case("tri", lambda xp: xp.tri(3, 5, k=1, dtype="int32"), id="tri-rect"),
    case("tri", lambda xp: xp.tri(4, 2, -1), id="tri-below"),
    *by_dtype("diag", lambda xp, dt: xp.diag(arr(xp, dt=dt))),
    case("diag", lambda xp: xp.diag(arr(xp, (3,)), k=1), id="diag-build"),
    case("diag", lambda xp: xp.diag(arr(xp), -1), id="diag-below"),
    case("diag", lambda xp: xp.diag([1, 2]), id="diag-list"),
    case("diag", lambda xp: xp.diag(arr(xp, (2, 2, 2))), id="diag-3d"),
    case("diagflat", lambda xp: xp.diagflat(arr(xp, (2, 2), "int16")), id="diagflat"),
    case("diagflat", lambda xp: xp.diagflat([1, 2], k=-1), id="diagflat-k"),
    *by_dtype("tril", lambda xp, dt: xp.tril(arr(xp, dt=dt))),
    case("tril", lambda xp: xp.tril(arr(xp, (2, 3, 4)), k=1), id="tril-stack"),
    case("tril", lambda xp: xp.tril(arr(xp, (4,)), -1), id="tril-1d"),
    *by_dtype("triu", lambda xp, dt: xp.triu(arr(xp, dt=dt))),
    case("triu", lambda xp: xp.triu(arr(xp, (2, 3, 4)), k=-2), id="triu-stack"),
    case("triu", lambda xp: xp.triu([[1, 2], [3, 4]]), id="triu-list"),
    *by_dtype(
        "vander",
        lambda xp, dt: xp.vander(arr(xp, (4,), dt)),
        ["int32", "float32", "float64", "complex128"],
    ),
    case("vander", lambda xp: xp.vander(arr(xp, (3,)), N=5, increasing=True), id="vander-N"),
    case("vander", lambda xp: xp.vander(arr(xp)), id="vander-2d"),
]

GRIDS = [
    case("meshgrid", lambda xp: xp.meshgrid(arr(xp, (3,)), arr(xp, (2,), "int32")), id="meshgrid"),
    case(
        "meshgrid",
        lambda xp: xp.meshgrid(arr(xp, (3,)), arr(xp, (2,)), indexing="ij"),
        id="meshgrid-ij",
    ),
    case(
        "meshgrid",
        lambda xp: xp.meshgrid(arr(xp, (3,)), arr(xp, (2,)), arr(xp, (4,)), sparse=True),
        id="meshgrid-sparse",
    ),
    case("meshgrid", lambda xp: xp.meshgrid(arr(xp, (2, 2)), [1, 2, 3]), id="meshgrid-flattens"),
    case("meshgrid", lambda xp: xp.meshgrid(arr(xp, (3,))), id="meshgrid-one"),
    case("meshgrid", lambda xp: xp.meshgrid(), id="meshgrid-none"),
    case(
        "meshgrid",
        lambda xp: xp.meshgrid(arr(xp, (3,)), arr(xp, (2,)), indexing="ji"),
        id="meshgrid-bad-indexing",
    ),
    case("indices", lambda xp: xp.indices((2, 3)), id="indices"),
    case("indices", lambda xp: xp.indices((3, 1, 2), dtype="int8"), id="indices-dtype"),
    case("indices", lambda xp: xp.indices((2, 3), sparse=True), id="indices-sparse"),
    case("indices", lambda xp: xp.indices(()), id="indices-0d"),
    case(
        "fromfunction",
        lambda xp: xp.fromfunction(lambda i, j: i * 10 + j, (3, 4)),
        id="fromfunction",
    ),
    case(
        "fromfunction",
        lambda xp: xp.fromfunction(lambda i: i % 3 == 0, (5,), dtype=int),
        id="fromfunction-int",
    ),
    case(
        "fromfunction",
        lambda xp: xp.fromfunction(lambda i, j, c: i + c, (2, 2), c=5.0),
        id="fromfunction-kwargs",
    ),
    case(
        "fromfunction", lambda xp: xp.fromfunction(lambda i, j: 1, (2, 2)), id="fromfunction-scalar"
    ),
    case(
        "frombuffer", lambda xp: xp.frombuffer(b"\x01\x02\x03\x04", dtype="uint8"), id="frombuffer"
    ),
    case(
        "frombuffer",
        lambda xp: xp.frombuffer(bytes(range(8)), "int16", count=2, offset=2),
        id="frombuffer-count-offset",
    ),
    case(
        "frombuffer",
        lambda xp: xp.frombuffer(sample("float32", (5,)).tobytes(), "float32"),
        id="frombuffer-float",
    ),
    case(
        "frombuffer",
        lambda xp: xp.frombuffer(b"\x01\x02\x03", dtype="int16"),
        id="frombuffer-bad-size",
    ),
    case("fromiter", lambda xp: xp.fromiter(iter(range(5)), dtype="float32"), id="fromiter"),
    case(
        "fromiter",
        lambda xp: xp.fromiter((i * i for i in range(6)), int, count=4),
        id="fromiter-generator-count",
    ),
    case("fromiter", lambda xp: xp.fromiter([1.5, 2.5], complex), id="fromiter-list"),
    case("fromiter", lambda xp: xp.fromiter(iter([1, 2]), int, count=3), id="fromiter-short"),
    case("fromstring", lambda xp: xp.fromstring("1 2 3", dtype=int, sep=" "), id="fromstring"),
    case("fromstring", lambda xp: xp.fromstring("1.5,2,3e2", sep=","), id="fromstring-float"),
    case(
        "fromstring", lambda xp: xp.fromstring(b"\x01\x02", dtype="uint8"), id="fromstring-binary"
    ),
    *by_dtype("from_dlpack", lambda xp, dt: xp.from_dlpack(arr(xp, dt=dt))),
    case("from_dlpack", lambda xp: xp.from_dlpack(sample("int16")), id="from_dlpack-numpy"),
    case("from_dlpack", lambda xp: xp.from_dlpack(arr(xp), device="cpu"), id="from_dlpack-device"),
    case("from_dlpack", lambda xp: xp.from_dlpack(arr(xp), copy=True), id="from_dlpack-copy"),
]

PRINTING = [
    *by_dtype("array2string", lambda xp, dt: xp.array2string(arr(xp, dt=dt)), ALL_DTYPES),
    case(
        "array2string",
        lambda xp: xp.array2string(arr(xp), precision=2, separator=", "),
        id="array2string-options",
    ),
    case(
        "array2string",
        lambda xp: xp.array2string(arr(xp, (200,)), threshold=10, edgeitems=2),
        id="array2string-summary",
    ),
    case(
        "array2string",
        lambda xp: xp.array2string(arr(xp), max_line_width=20, sign="+"),
        id="array2string-width-sign",
    ),
    case(
        "array2string",
        lambda xp: xp.array2string(arr(xp), formatter={"float": "{:.1f}".format}),
        id="array2string-formatter",
    ),
    *by_dtype("array_repr", lambda xp, dt: xp.array_repr(arr(xp, dt=dt))),
    case(
        "array_repr",
        lambda xp: xp.array_repr(arr(xp) * 1e-9, suppress_small=True),
        id="array_repr-suppress",
    ),
    case("array_repr", lambda xp: xp.array_repr(xp.asarray(2.5)), id="array_repr-0d"),
    *by_dtype("array_str", lambda xp, dt: xp.array_str(arr(xp, dt=dt))),
    case(
        "array_str",
        lambda xp: xp.array_str(arr(xp), max_line_width=30, precision=1),
        id="array_str-options",
    ),
]

CASES = FROM_DATA + SHAPES + RANGES + GRIDS + PRINTING

# Index tricks: arrays made by indexing mgrid/ogrid/r_/c_ (with dnp arrays inside the brackets too).
CASES += [
    case("mgrid.__getitem__", lambda xp: xp.mgrid[0:3, 0:4], id="mgrid"),
    case("mgrid.__getitem__", lambda xp: xp.mgrid[-1:1:5j], id="mgrid-complex-step"),
    case("ogrid.__getitem__", lambda xp: xp.ogrid[0:3, 0:4:2], id="ogrid"),
    case("r_.__getitem__", lambda xp: xp.r_[xp.asarray([1, 2]), 0, 5:8], id="r_"),
    case(
        "r_.__getitem__", lambda xp: xp.r_["0,2", xp.asarray([1.0, 2]), [3, 4]], id="r_-directive"
    ),
    case("c_.__getitem__", lambda xp: xp.c_[xp.asarray([1, 2]), xp.asarray([3.5, 4])], id="c_"),
    case("c_.__getitem__", lambda xp: xp.c_[xp.ones((2, 2)), xp.ones((3, 2))], id="c_-bad"),
]

test_conformance = conformance(CASES)


@pytest.mark.parametrize(
    "make",
    [
        lambda: dnp.array([1, 2], dtype=object),
        lambda: dnp.asarray(numpy.array([None, 1])),
        lambda: dnp.zeros(3, dtype=object),
        lambda: dnp.asarray([1.0, 2.0]).astype(object),
    ],
    ids=["object", "object-array", "zeros-object", "astype-object"],
)
def test_unsupported_dtypes_raise_type_error(make):
    """Object arrays hold Python objects: dnp arrays never do (strings, datetimes and structured
    arrays they hold on the CPU: tests/ops/test_datetimes.py)."""
    with pytest.raises(TypeError, match="object"):
        make()


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(DEVICES, repeat=2)))
def test_device_argument_places_the_result(src, dst):
    x = dnp.asarray(sample("float32"), device=src)
    for moved in (
        dnp.asarray(x, device=dst),
        dnp.array(x, device=dst),
        dnp.zeros_like(x, device=dst),
        dnp.full_like(x, 2.0, device=dst),
    ):
        assert moved.device == dnp.get_device(dst)
    numpy.testing.assert_array_equal(dnp.asarray(x, device=dst).asnumpy(), sample("float32"))
    assert dnp.zeros((2, 3), device=dst).device == dnp.get_device(dst)


@pytest.mark.parametrize("device", DEVICES)
def test_like_functions_follow_their_prototype(device):
    x = dnp.asarray(sample("int8"), device=device)
    for other in DEVICES:
        with dnp.default_device(other):
            assert dnp.ones_like(x).device == x.device
            assert dnp.asarray(x).device == x.device
