"""Gradients of the indexing rows (indexing.py) and ndarray methods (methods.py), in-place ones too.

Outputs are cubed (``case``) so that second derivatives run through each rule's own backward.
In-place writes go into ``x * 1.0``: the tape refuses writes into attach_grad leaves.
"""

import warnings

import numpy

import dnp as np
from tests.grad_check import gradient_test, raised_case

R = numpy.random.default_rng(2)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
V = R.standard_normal(4)
C = R.standard_normal((3, 4)) + 1j * R.standard_normal((3, 4))
T3 = R.standard_normal((2, 3, 4))
MASK = A > 0
IDX = numpy.array([[0, 2, 2], [1, 0, 1], [2, 2, 0]])


case = raised_case  # cubed outputs: see raised_case


def written(fn):
    """``fn(a, *rest)`` writes into ``a = x * 1.0`` in place; the function returns ``a``."""

    def f(x, *rest):
        a = x * 1.0
        fn(a, *rest)
        return a

    return f


def _setitem(key):
    return written(lambda a, v: a.__setitem__(key, v))


def _sort(a, **kwargs):
    a.sort(**kwargs)


def _to_real(z):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return z.astype(numpy.float64)


GRAD_CASES = [
    # ndarray.__getitem__: basic, advanced (repeated indices add up), boolean masks
    case("ndarray.__getitem__", lambda x: x[1:, ::2], A),
    case("ndarray.__getitem__", lambda x: x[None, ..., -1], T3, id="getitem-newaxis"),
    case("ndarray.__getitem__", lambda x: x[[0, 2, 0, 0]], A, id="getitem-repeated"),
    case("ndarray.__getitem__", lambda x: x[[0, 2, 0], [1, 1, 1]], A, id="getitem-pairs"),
    case("ndarray.__getitem__", lambda x: x[:, np.asarray([3, 3, 1])], A, id="getitem-dnp-idx"),
    case("ndarray.__getitem__", lambda x: x[MASK], A, id="getitem-mask"),
    case("ndarray.__getitem__", lambda x: x[np.asarray(MASK)], A, id="getitem-dnp-mask"),
    case("ndarray.__getitem__", lambda z: z[1, [0, 0, 3]], C, id="getitem-complex"),
    case("ndarray.__getitem__", lambda x: x[1, 2], A, id="getitem-scalar"),
    # ndarray.__setitem__ under record: the old array and the value both get gradients
    case("ndarray.__setitem__", _setitem((slice(1, 3),)), A, V),
    case("ndarray.__setitem__", _setitem((slice(None), 1)), A, V[:3], id="setitem-column"),
    case("ndarray.__setitem__", _setitem(MASK), A, numpy.float64(0.5), id="setitem-mask"),
    case("ndarray.__setitem__", _setitem(([0, 2], [1, 3])), A, V[:2], id="setitem-fancy"),
    case("ndarray.__setitem__", _setitem([0, 2, 0]), A, B[:3], id="setitem-repeated"),
    case("ndarray.__setitem__", _setitem(1), C, C[0], id="setitem-complex"),
    case("ndarray.__setitem__", _setitem((0, 0)), A, numpy.float64(2.0), id="setitem-scalar"),
    case("ndarray.flat.__getitem__", lambda x: x.flat[[1, 5, 5, 11]], A),
    case("ndarray.flat.__getitem__", lambda x: x.flat[2:9:3], A, id="flat-slice"),
    case("ndarray.flat.__getitem__", lambda x: x.flat[MASK.ravel()], A, id="flat-mask"),
    case("ndarray.flat.__getitem__", lambda x: x.flat[7], A, id="flat-int"),
    case(
        "ndarray.flat.__setitem__", written(lambda a, v: a.flat.__setitem__(slice(1, 9), v)), A, V
    ),
    case(
        "ndarray.flat.__setitem__",
        written(lambda a, v: a.flat.__setitem__([3, 0, 3], v)),
        A,
        V[:3],
        id="flat-setitem-repeated",
    ),
    case(
        "ndarray.flat.__setitem__",
        written(lambda a, v: a.flat.__setitem__(MASK.ravel(), v)),
        A,
        V[:2],
        id="flat-setitem-mask",
    ),
    case("ndarray.copy", lambda x: x.copy(), A),
    case("ndarray.astype", lambda x: x.astype(numpy.complex128), A),
    case("ndarray.astype", _to_real, C, id="astype-complex-to-real"),
    case("ndarray.view", lambda x: x.view(), A),
    case("ndarray.view", lambda z: z.view(numpy.float64), C, id="view-complex-as-float"),
    case("ndarray.view", lambda x: x.view(numpy.complex128), A, id="view-float-as-complex"),
    case("ndarray.reshape", lambda x: x.reshape(4, 3), A),
    case("ndarray.reshape", lambda x: x.reshape((2, 6), order="F"), A, id="reshape-method-F"),
    case("ndarray.flatten", lambda x: x.flatten(), A),
    case("ndarray.flatten", lambda x: x.flatten("F"), A, id="flatten-F"),
    case("ndarray.transpose", lambda x: x.transpose(1, 2, 0), T3),
    case("ndarray.transpose", lambda x: x.transpose((2, 0, 1)), T3, id="transpose-tuple"),
    case("ndarray.transpose", lambda x: x.transpose(), T3, id="transpose-none"),
    case("ndarray.compress", lambda x: x.compress([True, False, True], axis=0), A),
    case("ndarray.fill", written(lambda a, v: a.fill(v)), A, numpy.float64(0.3)),
    case("ndarray.sort", written(_sort), A),
    case("ndarray.sort", written(lambda a: _sort(a, axis=0)), A, id="sort-axis0"),
    case("ndarray.partition", written(lambda a: a.partition(2)), A),
    # indexing.py
    case("take", lambda x: np.take(x, [0, 3, 3], axis=1), A),
    case("take", lambda x: np.take(x, [[11, 0], [5, 5]]), A, id="take-flat"),
    case("take", lambda x: np.take(x, [-1, 7], axis=0, mode="wrap"), A, id="take-wrap"),
    case("take", lambda x: np.take(x, [-1, 7], mode="clip"), A, id="take-clip"),
    case("take_along_axis", lambda x: np.take_along_axis(x, IDX, axis=0), A[:, :3]),
    case("take_along_axis", lambda x: np.take_along_axis(x, IDX[:, :2], axis=1), A, id="tal-1"),
    case("take_along_axis", lambda x: np.take_along_axis(x, IDX[0], axis=None), A, id="tal-None"),
    case("choose", lambda x, y: np.choose(MASK.astype(int), [x, y]), A, B),
    case("choose", lambda x: np.choose(IDX[:, :1], x), A[:3, :2], id="choose-array"),
    case("choose", lambda x: np.choose([1, 0], x), A[:2, :3, None], id="choose-broadcast"),
    case(
        "choose", lambda x, y: np.choose([[0], [1], [5]], [x, y], mode="wrap"), A, V, id="ch-wrap"
    ),
    case("compress", lambda x: np.compress([False, True, True], x, axis=1), A),
    case("compress", lambda x: np.compress([True, False, True], x), A, id="compress-flat"),
    case("extract", lambda x: np.extract(MASK, x), A),
    case("select", lambda x, y, d: np.select([MASK, B > 0], [x, y], d), A, B, V),
    case("trace", lambda x: np.trace(x, 1), A),
    case("trace", lambda x: np.trace(x, 0, 2, 1), T3, id="trace-axes"),
    case("where", lambda x, y: np.where(MASK, x, y), A, V),
    case("where", lambda z: np.where(MASK, z, 0), C, id="where-complex"),
    case("put", written(lambda a, v: np.put(a, [0, 5, -1], v)), A, V[:3]),
    case("put", written(lambda a, v: np.put(a, [1, 13], v, mode="wrap")), A, V[:1], id="put-wrap"),
    case(
        "put_along_axis",
        written(lambda a, v: np.put_along_axis(a, IDX[:1], v, axis=0)),
        A[:, :3],
        V[:3],
    ),
    case(
        "put_along_axis",
        written(lambda a, v: np.put_along_axis(a, numpy.array([0, 7]), v, axis=None)),
        A,
        V[:2],
        id="pal-None",
    ),
    case("putmask", written(lambda a, v: np.putmask(a, MASK, v)), A, V[:3]),
    case("place", written(lambda a, v: np.place(a, MASK, v)), A, V[:3]),
    case("fill_diagonal", written(lambda a, v: np.fill_diagonal(a, v)), A, V[:2]),
    case(
        "fill_diagonal",
        written(lambda a, v: np.fill_diagonal(a, v, wrap=True)),
        A.T,
        V[:1],
        id="fill-diagonal-wrap",
    ),
]

test_gradients = gradient_test(GRAD_CASES)
