"""ndarray methods with their own rows, indexing (get and set), and ``a.flat``."""

import numpy

from tests.conformance import case, conformance
from tests.samples import positive, sample

A = sample("float64", (3, 4))
INTS = sample("int32", (3, 4))


def _set(key, value, dtype="float64"):
    def body(xp):
        a = xp.asarray(sample(dtype, (3, 4))).copy()
        a[key] = value if not isinstance(value, numpy.ndarray) else xp.asarray(value)
        return a

    return body


def _inplace(method, *args, **kwargs):
    def body(xp):
        a = xp.asarray(A).copy()
        r = getattr(a, method)(*args, **kwargs)
        return r, a

    return body


CASES = [
    case("ndarray.astype", lambda xp: xp.asarray(A).astype("int16"), id="astype-int16"),
    case("ndarray.astype", lambda xp: xp.asarray(A).astype(numpy.complex64), id="astype-c64"),
    case("ndarray.astype", lambda xp: xp.asarray(A).astype("f4", casting="safe"), id="astype-bad"),
    case("ndarray.copy", lambda xp: xp.asarray(A).copy(), id="copy"),
    case("ndarray.copy", lambda xp: xp.asarray(A).T.copy(order="K"), id="copy-K"),
    case("ndarray.view", lambda xp: xp.asarray(A).view("int64"), id="view-int64"),
    case("ndarray.view", lambda xp: xp.asarray(A).view("float32"), id="view-f32"),
    case("ndarray.view", lambda xp: xp.asarray(A)[:, :3].view("float32"), id="view-bad"),
    case("ndarray.reshape", lambda xp: xp.asarray(A).reshape(4, 3), id="reshape-varargs"),
    case("ndarray.reshape", lambda xp: xp.asarray(A).reshape((2, -1)), id="reshape-tuple"),
    case("ndarray.reshape", lambda xp: xp.asarray(A).reshape(2, 2, 3, order="F"), id="reshape-F"),
    case("ndarray.reshape", lambda xp: xp.asarray(A).reshape(5, -1), id="reshape-bad"),
    case("ndarray.transpose", lambda xp: xp.asarray(A).transpose(), id="transpose"),
    case("ndarray.transpose", lambda xp: xp.asarray(A).transpose(1, 0), id="transpose-varargs"),
    case("ndarray.transpose", lambda xp: xp.asarray(A).transpose((1, 0)), id="transpose-tuple"),
    case("ndarray.transpose", lambda xp: xp.asarray(A).transpose(0, 0), id="transpose-bad"),
    case("ndarray.flatten", lambda xp: xp.asarray(A).flatten(), id="flatten"),
    case("ndarray.flatten", lambda xp: xp.asarray(A).flatten("F"), id="flatten-F"),
    case("ndarray.sort", _inplace("sort"), id="sort"),
    case("ndarray.sort", _inplace("sort", axis=0), id="sort-axis0"),
    case("ndarray.sort", _inplace("sort", axis=2), id="sort-bad-axis"),
    case("ndarray.partition", _inplace("partition", 2), id="partition"),
    case("ndarray.argpartition", _inplace("argpartition", 1, axis=0), id="argpartition"),
    case("ndarray.fill", _inplace("fill", 2.5), id="fill"),
    case(
        "ndarray.compress",
        lambda xp: xp.asarray(A).compress([True, False, True], axis=0),
        id="compress",
    ),
    case("ndarray.byteswap", lambda xp: xp.asarray(INTS).byteswap(), id="byteswap"),
    case(
        "ndarray.__contains__",
        lambda xp: (2.0 in xp.asarray(A), 2.2 in xp.asarray(A)),
        id="contains",
    ),
    # __getitem__: basic, advanced, boolean, mixed, errors
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[1], id="get-int"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[-1, 2], id="get-scalar"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[::2, 1:], id="get-slices"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[..., None, 1], id="get-ellipsis-newaxis"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[xp.asarray([2, 0, 2])], id="get-intarr"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[[0, 1], [3, 2]], id="get-lists"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[xp.asarray(A) > 1], id="get-bool"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[1:, xp.asarray([0, 3])], id="get-mixed"),
    case(
        "ndarray.__getitem__",
        lambda xp: xp.asarray(A)[xp.asarray([True, False, True]), 1:3],
        id="get-bool-mixed",
    ),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[3], id="get-out-of-range"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[xp.asarray([0, 5])], id="get-arr-oor"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[1, 2, 3], id="get-too-many"),
    case("ndarray.__getitem__", lambda xp: xp.asarray(A)[1.5], id="get-float"),
    case(
        "ndarray.__getitem__",
        lambda xp: xp.asarray(A)[xp.asarray([True, False])],
        id="get-mask-bad",
    ),
    # __setitem__: scalars, broadcasting, advanced, boolean, dtype casting, errors
    case("ndarray.__setitem__", _set(1, 7.0), id="set-row"),
    case("ndarray.__setitem__", _set((slice(None), 2), numpy.arange(3.0)), id="set-col"),
    case("ndarray.__setitem__", _set(slice(None), numpy.arange(4.0)), id="set-broadcast"),
    case("ndarray.__setitem__", _set(([0, 2], [1, 3]), numpy.array([9.0, 8.0])), id="set-adv"),
    case("ndarray.__setitem__", _set(Ellipsis, 1.5, "int32"), id="set-cast"),
    case("ndarray.__setitem__", _set(slice(None), numpy.arange(3.0)), id="set-bad-shape"),
    case("ndarray.__setitem__", _set(5, 1.0), id="set-out-of-range"),
    case("ndarray.__setitem__", _set(0, 1j), id="set-complex-into-float"),
    case(
        "ndarray.__setitem__",
        lambda xp: (lambda a: (a.__setitem__(a > 1, 0.0), a)[1])(xp.asarray(A).copy()),
        id="set-bool",
    ),
    case(
        "ndarray.__setitem__",
        lambda xp: (lambda a: (a.__setitem__(a > 1, xp.asarray(positive("float64", (7,)))), a)[1])(
            xp.asarray(A).copy()
        ),
        id="set-bool-values",
    ),
    # a.flat
    case("ndarray.flat.__getitem__", lambda xp: xp.asarray(A).flat[5], id="flat-get"),
    case("ndarray.flat.__getitem__", lambda xp: xp.asarray(A).T.flat[2:7], id="flat-get-slice"),
    case(
        "ndarray.flat.__setitem__",
        lambda xp: (lambda a: (a.flat.__setitem__([1, 4], 0.0), a)[1])(xp.asarray(A).copy()),
        id="flat-set",
    ),
]

test_conformance = conformance(CASES)
