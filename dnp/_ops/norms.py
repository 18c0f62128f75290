"""``numpy.linalg``'s norms and the quantities built on them: norm, vector_norm, matrix_norm,
cond, matrix_rank.

Vector norms reduce like a sum (``reduction``); matrix norms, cond and matrix_rank drop the last
two axes (``_meta.shaped``). Gradients (batched, written with dnp functions) send a norm's
gradient to the elements that attain it: all of them for the p-norms, the extreme ones (split
equally among ties) for the max/min norms, the top singular vectors for the spectral norm.
"""

import math

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import batch, reduction, shape_of, shaped
from ._grad import as_array, expand_reduced, np, unbroadcast
from ._matrices import col, inv_grad, mm, row
from ._row import Op


def _sgn(x):
    """x / |x| (the derivative of |x|); a constant for real ``x``."""
    return x / np.abs(x) if x.dtype.kind == "c" else np.sign(x)


def _vector_norm_grad(g, ans, x, axes, keepdims, ord):  # noqa: A002
    x = as_array(x)
    if ord == 0:
        return np.zeros(x.shape, np.real(x).dtype, device=x.device)
    ge = expand_reduced(g, x.shape, axes, keepdims)
    ne = expand_reduced(ans, x.shape, axes, keepdims)
    if ord == 2:
        return ge * x / ne
    if ord in (numpy.inf, -numpy.inf):
        hit = np.abs(x) == ne
        return ge * _sgn(x) * (hit / np.sum(hit, axis=axes, keepdims=True))
    if ord == 1:
        return ge * _sgn(x)
    return ge * x * np.abs(x) ** (ord - 2) / ne ** (ord - 1)


def _moved(x, axes, f):
    """``f`` applied with the matrix axes ``axes`` moved last, and its result moved back."""
    if axes == (x.ndim - 2, x.ndim - 1):
        return f(x)
    return np.moveaxis(f(np.moveaxis(x, axes, (-2, -1))), (-2, -1), axes)


def _matrix_norm_grad(g, ans, x, axes, keepdims, ord):  # noqa: A002
    x = as_array(x)
    if ord in (None, "fro"):
        return _vector_norm_grad(g, ans, x, axes, keepdims, 2)
    ge = expand_reduced(g, x.shape, axes, keepdims)
    if ord == "nuc":
        return ge * _moved(x, axes, lambda m: mm(*np.linalg.svd(m, full_matrices=False)[::2]))
    if ord in (2, -2):
        k = 0 if ord == 2 else -1

        def top(m):
            u, _, vh = np.linalg.svd(m, full_matrices=False)
            return col(u[..., k]) * row(vh[..., k, :])

        return ge * _moved(x, axes, top)
    # 1 / -1: max / min column sum of |x|; inf / -inf: rows
    summed, other = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    hit = sums == expand_reduced(ans, x.shape, axes, keepdims)
    return ge * _sgn(x) * (hit / np.sum(hit, axis=other, keepdims=True))


# --- norm: a vector norm over one axis, a matrix norm over two ----------------------------------
def _norm_vjp(g, ans, x, ord=None, axis=None, keepdims=False):  # noqa: A002
    ndim = np.ndim(x)
    if axis is None and (ord is None or ndim == 1):
        return unbroadcast(
            _vector_norm_grad(g, ans, x, tuple(range(ndim)), keepdims, 2 if ord is None else ord), x
        )
    axes = normalize_axis_tuple(range(ndim) if axis is None else axis, ndim)
    if len(axes) == 1:
        return unbroadcast(
            _vector_norm_grad(g, ans, x, axes, keepdims, 2 if ord is None else ord), x
        )
    return unbroadcast(_matrix_norm_grad(g, ans, x, axes, keepdims, ord), x)


ROWS = [Op("linalg.norm", meta=reduction, vjp=(_norm_vjp,), threaded=True)]


# --- vector_norm, matrix_norm: the array API's ----------------------------------------------------
def _vector_norm(xp, x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """NumPy's vector_norm: norm over ``axis`` (any number of axes) of ``x`` seen as vectors."""
    x = xp.asarray(x)
    shape = x.shape
    if axis is None:
        x, flat = x.ravel(), 0
    elif isinstance(axis, tuple):
        axes = normalize_axis_tuple(axis, x.ndim)
        rest = tuple(i for i in range(x.ndim) if i not in axes)
        x = xp.transpose(x, axes + rest).reshape(
            (math.prod(shape[i] for i in axes), *(shape[i] for i in rest))
        )
        flat = 0
    else:
        flat = axis
    res = xp.linalg.norm(x, axis=flat, ord=ord)
    if keepdims:
        kept = normalize_axis_tuple(range(len(shape)) if axis is None else axis, len(shape))
        res = res.reshape(tuple(1 if i in kept else n for i, n in enumerate(shape)))
    return res


def _vector_norm_vjp(g, ans, x, axis=None, keepdims=False, ord=2, **kwargs):  # noqa: A002
    axes = normalize_axis_tuple(range(np.ndim(x)) if axis is None else axis, np.ndim(x))
    return unbroadcast(_vector_norm_grad(g, ans, x, axes, keepdims, ord), x)


def _matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    return shape_of(x)[:-2] + (1, 1) * keepdims


def _matrix_norm_vjp(g, ans, x, keepdims=False, ord="fro", **kwargs):  # noqa: A002
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return unbroadcast(_matrix_norm_grad(g, ans, x, axes, keepdims, ord), x)


ROWS += [
    Op("linalg.vector_norm", _vector_norm, reduction, vjp=(_vector_norm_vjp,), threaded=True),
    Op(
        "linalg.matrix_norm",
        lambda xp, x, /, *, keepdims=False, ord="fro": xp.linalg.norm(  # noqa: A006
            x, axis=(-2, -1), keepdims=keepdims, ord=ord
        ),
        shaped(_matrix_norm),
        vjp=(_matrix_norm_vjp,),
        threaded=True,
    ),
]


# --- cond, matrix_rank --------------------------------------------------------------------------
def _cond_vjp(g, ans, x, p=None):
    x = as_array(x)
    if p in (None, 2, -2):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        k = s.shape[-1]
        first = np.asarray(numpy.eye(k, dtype=bool)[0], device=g.device)
        last = np.asarray(numpy.eye(k, dtype=bool)[-1], device=g.device)
        big, small = (first, last) if p != -2 else (last, first)
        s_big, s_small = np.sum(s * big, axis=-1), np.sum(s * small, axis=-1)
        # d(s_big / s_small) = d s_big / s_small - s_big d s_small / s_small^2
        gs = col(g / s_small) * big - col(g * s_big / s_small**2) * small
        return unbroadcast(mm(u * row(gs), vh), x)
    axes = (x.ndim - 2, x.ndim - 1)
    xinv = np.linalg.inv(x)
    n1, n2 = np.linalg.norm(x, p, axes), np.linalg.norm(xinv, p, axes)
    g1 = _matrix_norm_grad(g * n2, n1, x, axes, False, p)
    g2 = _matrix_norm_grad(g * n1, n2, xinv, axes, False, p)
    return unbroadcast(g1 + inv_grad(g2, xinv), x)


def _matrix_rank(A, tol=None, hermitian=False, *, rtol=None):  # noqa: N803  # NumPy's name
    a = shape_of(A)
    return a[:-2] if len(a) >= 2 else None  # below 2-D NumPy returns a Python int from the data


ROWS += [
    Op("linalg.cond", meta=shaped(batch), vjp=(_cond_vjp,), threaded=True),
    # An integer: no gradient.
    Op("linalg.matrix_rank", meta=shaped(_matrix_rank), differentiable=False, threaded=True),
]
