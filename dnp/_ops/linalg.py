"""Linear algebra: products (dot, tensordot, einsum, ...) and all of ``numpy.linalg``.

Most of these compute (O(n^3) for the factorizations), and ``probe``'s zero stand-ins would make
``inv``/``solve``/``cholesky`` raise LinAlgError, so their metadata rules are shape rules: the
result shapes from the batch and core dimensions, the dtypes from the NumPy forward run on ones of
shape ``(1, ..., 1)`` (well conditioned, and free). Ops that only move or sum O(size) elements use
``probe``. ``eig``/``eigvals`` (real or complex result depending on the eigenvalues) and ``lstsq``
(residuals empty or not depending on the rank) have data-dependent results: ``meta=None``.
"""

import inspect
import math

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._ndarray import ndarray
from ._meta import Meta, _quiet_call, probe, reduction
from ._row import Op


def _shape(x):
    return tuple(numpy.shape(x))


def _small(x):
    """An array argument as ones of shape ``(1,) * ndim`` and its dtype (Python scalars kept)."""
    if isinstance(x, (ndarray, numpy.ndarray, numpy.generic)):
        return numpy.ones((1,) * x.ndim, x.dtype)
    if type(x) in (list, tuple):
        if any(isinstance(i, (ndarray, numpy.ndarray)) for i in x):  # a sequence of arrays
            return type(x)(map(_small, x))
        x = numpy.asarray(x)
        return numpy.ones((1,) * x.ndim, x.dtype)
    return x


def shaped(shapes, arrays=1):
    """A metadata rule: result shape(s) from ``shapes(*args, **kwargs)``; dtype(s) from the NumPy
    forward run with its first ``arrays`` parameters as ``(1, ..., 1)`` ones (free, well
    conditioned, and raising NumPy's errors for bad dtypes and options) and without ``out``.
    ``shapes`` returning None means: depends on the data for these arguments."""

    def rule(op, args, kwargs):
        bound = inspect.signature(op.numpy_function()).bind(*args, **kwargs)
        out = bound.arguments.pop("out", None)
        for name in list(bound.signature.parameters)[:arrays]:
            if name in bound.arguments:
                bound.arguments[name] = _small(bound.arguments[name])
        tiny = _quiet_call(op.kernel(numpy), bound.args, bound.kwargs)
        result = shapes(*args, **kwargs)
        if result is None:
            return None
        if isinstance(tiny, tuple):
            return tuple(Meta(s, numpy.asarray(t).dtype) for s, t in zip(result, tiny, strict=True))
        return Meta(result, out.dtype if out is not None else numpy.asarray(tiny).dtype)

    return rule


# --- products ----------------------------------------------------------------------------------
def _aligned(a, b, i, j):
    if a[i] != b[j]:
        raise ValueError(
            f"shapes {a} and {b} not aligned: "
            f"{a[i]} (dim {i % len(a)}) != {b[j]} (dim {j % len(b)})"
        )


def _dot(a, b, out=None):
    a, b = _shape(a), _shape(b)
    if not a or not b:
        return numpy.broadcast_shapes(a, b)
    k = max(len(b) - 2, 0)  # b's contracted axis: its last for a vector, else its second-to-last
    _aligned(a, b, -1, k)
    return a[:-1] + b[:k] + b[k + 1 :]


def _inner(a, b):
    a, b = _shape(a), _shape(b)
    if not a or not b:
        return numpy.broadcast_shapes(a, b)
    _aligned(a, b, -1, -1)
    return a[:-1] + b[:-1]


def _matmul(x1, x2):
    a, b = _shape(x1), _shape(x2)
    if not a or not b:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError(f"matmul: core dimension mismatch: {a} and {b}")
    batch = numpy.broadcast_shapes(a2[:-2], b2[:-2])
    return batch + a2[-2:-1] * (len(a) > 1) + b2[-1:] * (len(b) > 1)


def _tensordot(a, b, axes=2):
    """NumPy's axes conventions: an int N (last N of a, first N of b) or a pair of int/sequences."""
    a, b = _shape(a), _shape(b)
    try:
        axes_a, axes_b = axes
    except TypeError:
        axes_a, axes_b = list(range(-axes, 0)), list(range(axes))
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    if len(axes_a) != len(axes_b) or any(a[i] != b[j] for i, j in zip(axes_a, axes_b, strict=True)):
        raise ValueError("shape-mismatch for sum")
    drop_a = {i % len(a) for i in axes_a}
    drop_b = {j % len(b) for j in axes_b}
    return tuple(n for i, n in enumerate(a) if i not in drop_a) + tuple(
        n for j, n in enumerate(b) if j not in drop_b
    )


def _multi_dot(arrays, *, out=None):
    first, last = _shape(arrays[0]), _shape(arrays[-1])
    return first[:1] * (len(first) == 2) + last[1:] * (len(last) == 2)


def _einsum_kept(subscripts, operands):
    """Per operand, whether each axis survives into the output (not summed over)."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if not arrow:  # implicit output: the labels that appear once
        letters = "".join(terms).replace(".", "")
        output = "".join(c for c in letters if letters.count(c) == 1)
    kept = []
    for term, x in zip(terms, operands, strict=True):
        ndim = len(_shape(x))
        left, dots, right = term.partition("...")
        if not dots and len(term) != ndim:
            kept.append([True] * ndim)  # NumPy rejects it; leave it whole for NumPy to say so
            continue
        labels = list(left) + [None] * (ndim - len(left) - len(right)) + list(right)
        kept.append([lab is None or lab in output for lab in labels])
    return kept


def _einsum_meta(op, args, kwargs):
    """``probe`` with each summed-over axis shrunk to 1: costs the output's size, not the sum's."""
    subscripts, *operands = args
    if not isinstance(subscripts, str) or subscripts.count(",") + 1 != len(operands):
        return probe(op, args, kwargs)  # the interleaved (operand, sublist, ...) form, or an error
    small = []
    for x, kept in zip(operands, _einsum_kept(subscripts, operands), strict=True):
        if isinstance(x, (ndarray, numpy.ndarray)):
            shape = tuple(n if k else 1 for n, k in zip(x.shape, kept, strict=True))
            x = numpy.broadcast_to(numpy.zeros((), x.dtype), shape)
        small.append(x)
    return probe(op, (subscripts, *small), kwargs)


# --- numpy.linalg ------------------------------------------------------------------------------
def _batch_t(a, *rest, **kwargs):  # pinv: (..., M, N) -> (..., N, M)
    a = _shape(a)
    return a[:-2] + (a[-1], a[-2])


def _qr(a, mode="reduced"):
    a = _shape(a)
    batch, (m, n) = a[:-2], a[-2:]
    k = min(m, n)
    return {
        "reduced": (batch + (m, k), batch + (k, n)),
        "complete": (batch + (m, m), batch + (m, n)),
        "r": batch + (k, n),
        "raw": (batch + (n, m), batch + (k,)),
    }[mode]


def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    a = _shape(a)
    batch, (m, n) = a[:-2], a[-2:]
    k = min(m, n)
    if not compute_uv:
        return batch + (k,)
    u, v = (m, n) if full_matrices else (k, k)
    return batch + (m, u), batch + (k,), batch + (v, n)


def _solve(a, b):
    a, b = _shape(a), _shape(b)
    if len(b) == 1:
        return a[:-1]
    return numpy.broadcast_shapes(a[:-2], b[:-2]) + b[-2:]


def _tensorsolve(a, b, axes=None):
    a, b = list(_shape(a)), _shape(b)
    if axes is not None:
        moved = [a[i] for i in axes]
        a = [n for i, n in enumerate(a) if i not in normalize_axis_tuple(axes, len(a))] + moved
    return tuple(a[len(b) :])


def _matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    a = _shape(A)
    return a[:-2] if len(a) >= 2 else None  # below 2-D NumPy returns a Python int from the data


def _matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return _shape(x)[:-2] + (1, 1) * keepdims


def _vector_norm_shape(x, /, *, axis=None, keepdims=False, ord=2):
    shape = _shape(x)
    axes = normalize_axis_tuple(range(len(shape)) if axis is None else axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _batch(a, *rest, **kwargs):  # det, cond: (..., M, M) -> (...)
    return _shape(a)[:-2]


def _same(a, *rest, **kwargs):  # inv, cholesky, matrix_power
    return _shape(a)


def _eigvalsh(a, UPLO="L"):  # noqa: N803  # NumPy's argument name
    return _shape(a)[:-1]


# Forwards for the numpy.linalg functions of the array API that CuPy's linalg lacks (some CuPy
# versions): each is NumPy's own definition in terms of the main namespace.
def _linalg_outer(xp, x1, x2, /):
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(
            "Input arrays must be one-dimensional, but they are "
            f"x1.ndim={x1.ndim} and x2.ndim={x2.ndim}."
        )
    return xp.outer(x1, x2)


def _vector_norm(xp, x, /, *, axis=None, keepdims=False, ord=2):
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


ROWS = [
    Op("dot", meta=shaped(_dot, 2)),
    Op("vdot", meta=shaped(lambda a, b: (), 2)),
    Op("inner", meta=shaped(_inner, 2)),
    Op("outer", meta=probe),
    Op("tensordot", meta=shaped(_tensordot, 2)),
    Op("einsum", meta=_einsum_meta),
    Op("einsum_path", meta=probe),  # shapes only: the path does not depend on the data
    Op("kron", meta=probe),
    Op("cross", meta=probe),
    Op("linalg.cholesky", meta=shaped(_same)),
    Op("linalg.cond", meta=shaped(_batch)),
    Op("linalg.cross", meta=probe),
    Op("linalg.det", meta=shaped(_batch)),
    Op("linalg.diagonal", lambda xp, x, /, *, offset=0: xp.diagonal(x, offset, -2, -1), probe),
    Op("linalg.eig", meta=None),
    Op("linalg.eigh", meta=shaped(lambda a, UPLO="L": (_eigvalsh(a), _shape(a)))),  # noqa: N803
    Op("linalg.eigvals", meta=None),
    Op("linalg.eigvalsh", meta=shaped(_eigvalsh)),
    Op("linalg.inv", meta=shaped(_same)),
    Op("linalg.lstsq", meta=None),
    Op("linalg.matmul", meta=shaped(_matmul, 2)),
    Op(
        "linalg.matrix_norm",
        lambda xp, x, /, *, keepdims=False, ord="fro": xp.linalg.norm(
            x, axis=(-2, -1), keepdims=keepdims, ord=ord
        ),
        shaped(_matrix_norm),
    ),
    Op("linalg.matrix_power", meta=shaped(_same)),
    Op("linalg.matrix_rank", meta=shaped(_matrix_rank)),
    Op("linalg.matrix_transpose", meta=probe),
    Op("linalg.multi_dot", meta=shaped(_multi_dot)),
    Op("linalg.norm", meta=reduction),
    Op("linalg.outer", _linalg_outer, probe),
    Op("linalg.pinv", meta=shaped(_batch_t)),
    Op("linalg.qr", meta=shaped(_qr)),
    Op("linalg.slogdet", meta=shaped(lambda a: (_batch(a), _batch(a)))),
    Op("linalg.solve", meta=shaped(_solve, 2)),
    Op("linalg.svd", meta=shaped(_svd)),
    Op(
        "linalg.svdvals",
        lambda xp, x, /: xp.linalg.svd(x, compute_uv=False),
        shaped(lambda x: _svd(x, compute_uv=False)),
    ),
    Op(
        "linalg.tensordot",
        lambda xp, x1, x2, /, *, axes=2: xp.tensordot(x1, x2, axes=axes),
        shaped(_tensordot, 2),
    ),
    Op("linalg.tensorinv", meta=shaped(lambda a, ind=2: _shape(a)[ind:] + _shape(a)[:ind])),
    Op("linalg.tensorsolve", meta=shaped(_tensorsolve, 2)),
    Op(
        "linalg.trace",
        lambda xp, x, /, *, offset=0, dtype=None: xp.trace(x, offset, -2, -1, dtype),
        probe,
    ),
    Op("linalg.vecdot", meta=probe),
    Op("linalg.vector_norm", _vector_norm, shaped(_vector_norm_shape)),
]
