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
import string

import numpy
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._meta import Meta, _quiet_call, contraction_work, probe, reduction
from .._ndarray import ndarray
from ._grad import as_array, conj, expand_reduced, np, unbroadcast
from ._row import Op, attach_vjps


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
        if isinstance(tiny, tuple):  # keeps NumPy's named tuple (SVDResult, QRResult...)
            metas = [Meta(s, numpy.asarray(t).dtype) for s, t in zip(result, tiny, strict=True)]
            return type(tiny)(*metas) if hasattr(tiny, "_fields") else tuple(metas)
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
    Op("dot", meta=shaped(_dot, 2), work=contraction_work),
    Op("vdot", meta=shaped(lambda a, b: (), 2)),
    Op("inner", meta=shaped(_inner, 2), work=contraction_work),
    Op("outer", meta=probe),
    Op("tensordot", meta=shaped(_tensordot, 2), work=contraction_work),
    Op("einsum", meta=_einsum_meta, work=contraction_work),
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
    Op("linalg.vector_norm", _vector_norm, reduction),
]


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
# Matrix rules follow Giles (2008), "An extended collection of matrix derivative results", and the
# complex forms of PyTorch's linalg backward formulas (gradient = dL/dRe + i dL/dIm). They are
# batched over leading dimensions and written with dnp functions, so they differentiate again.
# The factorizations' rules (eigh, svd, qr, eig) assume distinct eigen/singular values and losses
# that do not depend on the eigenvectors' phases (gauge invariance).
def _mm(a, b):
    return np.linalg.matmul(a, b)


def _t(x):
    return np.linalg.matrix_transpose(x)


def _h(x):
    return conj(np.linalg.matrix_transpose(x))


def _col(v):  # (..., n) -> (..., n, 1)
    return np.expand_dims(v, -1)


def _row(v):  # (..., n) -> (..., 1, n)
    return np.expand_dims(v, -2)


def _eye(n, like, m=None, k=0):
    return np.eye(n, m, k, dtype=bool, device=like.device)


def _diag_embed(v):
    return _row(v) * _eye(v.shape[-1], v)


def _sum_to(g, shape):
    """``g`` summed over the axes it was broadcast along to reach ``shape`` (same or more dims)."""
    if g.ndim > len(shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def _real_like(g, x):
    return g.real if g.dtype.kind == "c" and np.result_type(x).kind != "c" else g


def _sgn(x):
    """x / |x| (the derivative of |x|); a constant for real ``x``."""
    return x / np.abs(x) if x.dtype.kind == "c" else np.sign(x)


def _herm_project(gh, lower=True):
    """The gradient wrt ``a`` of a function of the Hermitian matrix NumPy reads from ``a``'s lower
    (or upper) triangle, given its gradient ``gh`` as if all of that matrix's entries were free."""
    n = gh.shape[-1]
    strict = np.tri(n, n, -1, dtype=bool, device=gh.device)
    strict = strict if lower else _t(strict)
    return (gh + _h(gh)) * strict + np.real(gh) * _eye(n, gh)


def _live(g):
    """``g``, or None for an output that received no gradient (zeros with no history): the
    factorizations skip that output's terms (the eigenvector part of eigh, an SVD in lstsq)."""
    if g is None or (g._ag is None and not bool(np.any(g))):
        return None
    return g


def _safe_denominator(d):
    """``d + (d == 0)`` and the mask ``d != 0`` (ties and the diagonal give zero, not inf)."""
    zero = d == 0
    return d + zero, ~zero


# --- einsum and the products expressed as einsums ----------------------------------------------
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _tokens(term):
    left, dots, right = term.partition("...")
    return [*left, *(["..."] if dots else []), *right]


def _sublist(sub):
    return ["..." if s is Ellipsis else _LETTERS[s] for s in sub]


def _einsum_parse(args):
    """(input terms, output term, operands, operand positions in ``args``) for both call forms;
    terms are lists of labels, with '...' for an ellipsis."""
    if isinstance(args[0], str):
        inputs, arrow, output = args[0].replace(" ", "").partition("->")
        terms = [_tokens(t) for t in inputs.split(",")]
        operands, positions = list(args[1:]), list(range(1, len(args)))
        if arrow:
            return terms, _tokens(output), operands, positions
    else:
        terms = [_sublist(s) for s in args[1::2]]
        operands, positions = list(args[0::2]), list(range(0, len(args), 2))
        if len(args) % 2:
            return terms, _sublist(args[-1]), operands[:-1], positions[:-1]
    labels = [c for t in terms for c in t if c != "..."]
    output = ["..."] * any("..." in t for t in terms)
    return (
        terms,
        output + sorted(c for c in set(labels) if labels.count(c) == 1),
        operands,
        positions,
    )


def _einsum_grad(terms, output, operands, i, g, optimize=False):
    """The gradient of ``einsum(terms -> output)`` wrt ``operands[i]``: an einsum of ``g`` with the
    other operands (conjugated), identities for labels repeated in operand i (diagonals, traces),
    ones for labels only operand i has (sums), then ellipsis broadcasting undone."""
    x = operands[i]
    shape = tuple(np.shape(x))
    sizes = {}
    for t, op in zip(terms, operands, strict=True):
        s = np.shape(op)
        n_ell = len(s) - len(t) + ("..." in t)
        k = 0
        for tok in t:
            if tok == "...":
                k += n_ell
            else:
                sizes[tok] = max(sizes.get(tok, 1), s[k])
                k += 1
    used = set(sizes) | set(output)
    fresh = (c for c in _LETTERS if c not in used)
    target, extra_subs, extra_ops, seen = [], [], [], []
    for tok in terms[i]:
        if tok != "..." and tok in seen:
            f = next(fresh)
            target.append(f)
            extra_subs.append(tok + f)
            extra_ops.append(_eye(sizes[tok], g))
        else:
            target.append(tok)
            if tok != "...":
                seen.append(tok)
    others = [j for j in range(len(operands)) if j != i]
    subs = ["".join(output), *("".join(terms[j]) for j in others), *extra_subs]
    have = set("".join(subs))
    for tok in seen:
        if tok not in have:
            subs.append(tok)
            extra_ops.append(np.ones(sizes[tok], dtype=bool, device=g.device))
    ellipsis = any("..." in s for s in subs)
    own = "..." in target
    out = ([] if own or not ellipsis else ["..."]) + [t for t in target if ellipsis or t != "..."]
    spec = ",".join(subs) + "->" + "".join(out)
    opt = optimize if isinstance(optimize, (bool, str)) else True
    ops = [conj(as_array(operands[j])) for j in others]
    r = np.einsum(spec, g, *ops, *extra_ops, optimize=opt)
    if ellipsis or own:  # the ellipsis block: add missing axes, sum extra leading ones
        p = target.index("...") if own else 0
        q = len(target) - p - 1 if own else len(target)
        n_x, n_r = len(shape) - p - q if own else 0, (r.ndim - p - q) if ellipsis else 0
        if n_r < n_x:
            r = r.reshape(r.shape[:p] + (1,) * (n_x - n_r) + r.shape[p:])
        elif n_r > n_x:
            r = r.sum(axis=tuple(range(p, p + n_r - n_x)))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and r.shape[k] != 1)
    if axes:
        r = r.sum(axis=axes, keepdims=True)
    if r.shape != shape:
        r = np.broadcast_to(r, shape)
    return _real_like(r, x)


def _einsum_rule(k):
    def rule(g, ans, *args, out=None, optimize=False, **kwargs):
        terms, output, operands, positions = _einsum_parse(args)
        return _einsum_grad(terms, output, operands, positions.index(k), g, optimize)

    return rule


def _spec_rule(spec, i):
    """A rule for argument ``i`` of a product that is ``einsum(spec(*args, **kwargs), a, b)``."""

    def rule(g, ans, *args, **kwargs):
        terms, output = spec(*args, **kwargs)
        return _einsum_grad(terms, output, list(args[:2]), i, g)

    return rule


def _letters(n, start=0):
    return list(_LETTERS[start : start + n])


def _dot_spec(a, b, out=None):
    na, nb = np.ndim(a), np.ndim(b)
    ta, tb = _letters(na), _letters(nb, na)
    if na == 0 or nb == 0:
        return [ta, tb], ta + tb
    k = max(nb - 2, 0)  # b's contracted axis
    tb[k] = ta[-1]
    return [ta, tb], ta[:-1] + tb[:k] + tb[k + 1 :]


def _inner_spec(a, b):
    na, nb = np.ndim(a), np.ndim(b)
    ta, tb = _letters(na), _letters(nb, na)
    if na and nb:
        tb[-1] = ta[-1]
        return [ta, tb], ta[:-1] + tb[:-1]
    return [ta, tb], ta + tb


def _tensordot_spec(a, b, axes=2):
    na, nb = np.ndim(a), np.ndim(b)
    try:
        axes_a, axes_b = axes
    except TypeError:
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    ta, tb = _letters(na), _letters(nb, na)
    for i, j in zip(axes_a, axes_b, strict=True):
        tb[j % nb] = ta[i % na]
    drop_a = {i % na for i in axes_a}
    drop_b = {j % nb for j in axes_b}
    return [ta, tb], [c for i, c in enumerate(ta) if i not in drop_a] + [
        c for j, c in enumerate(tb) if j not in drop_b
    ]


def _linalg_tensordot_spec(x1, x2, axes=2):
    return _tensordot_spec(x1, x2, axes)


def _matmul_spec(x1, x2, **kwargs):
    ta = ["...", "i", "j"] if np.ndim(x1) > 1 else ["j"]
    tb = ["...", "j", "k"] if np.ndim(x2) > 1 else ["j"]
    out = (["..."] if "..." in ta + tb else []) + ["i"] * (len(ta) > 1) + ["k"] * (len(tb) > 1)
    return [ta, tb], out


def _outer_rule(i):
    def rule(g, ans, a, b, out=None):
        x, y = (a, b) if i == 0 else (b, a)
        sx = np.shape(x)
        y = as_array(y).reshape(-1)
        gm = g if i == 0 else _t(g)
        return _real_like(_mm(gm, conj(y)).reshape(sx), x)

    return rule


def _kron_rule(i):
    def rule(g, ans, a, b):
        n = max(np.ndim(a), np.ndim(b))
        sa = (1,) * (n - np.ndim(a)) + tuple(np.shape(a))
        sb = (1,) * (n - np.ndim(b)) + tuple(np.shape(b))
        gi = g.reshape(tuple(d for pair in zip(sa, sb, strict=True) for d in pair))
        ta, tb = _letters(n), _letters(n, n)
        tg = [c for pair in zip(ta, tb, strict=True) for c in pair]
        x = (a, b)[i]
        other = as_array((b, a)[i]).reshape((sb, sa)[i])
        spec = f"{''.join(tg)},{''.join((tb, ta)[i])}->{''.join((ta, tb)[i])}"
        return _real_like(np.einsum(spec, gi, conj(other)).reshape(np.shape(x)), x)

    return rule


def _vdot_a(g, ans, a, b):
    return _real_like((np.conjugate(g) * as_array(b)).reshape(np.shape(a)), a)


def _vdot_b(g, ans, a, b):
    return _real_like((g * as_array(a)).reshape(np.shape(b)), b)


def _vecdot_rule(i):
    def rule(g, ans, x1, x2, axis=-1, **kwargs):
        shape = numpy.broadcast_shapes(np.shape(x1), np.shape(x2))
        ge = expand_reduced(g, shape, normalize_axis_index(axis, len(shape)), False)
        return unbroadcast(np.conjugate(ge) * x2 if i == 0 else ge * x1, (x1, x2)[i])

    return rule


def _cross_grad(i, g, a, b, axisa, axisb, axisc):
    """cross is bilinear: <g, a x b> = <a, conj(b) x g> = <b, g x conj(a)> (conjugated)."""
    am, bm = np.moveaxis(as_array(a), axisa, -1), np.moveaxis(as_array(b), axisb, -1)
    pad = [
        np.eye(2, 3, dtype=bool, device=g.device) if x.shape[-1] == 2 else None for x in (am, bm)
    ]
    a3, b3 = (
        x if p is None else np.einsum("...i,ik->...k", x, p)
        for x, p in zip((am, bm), pad, strict=True)
    )
    if am.shape[-1] == bm.shape[-1] == 2:  # the result is the z component
        ez = np.asarray(numpy.array([0, 0, 1], bool), device=g.device)
        gm = np.einsum("...,k->...k", g, ez)
    else:
        gm = np.moveaxis(g, axisc, -1)
    gx = np.cross(conj(b3), gm) if i == 0 else np.cross(gm, conj(a3))
    x = (am, bm)[i]
    if pad[i] is not None:
        gx = np.einsum("...k,ik->...i", gx, pad[i])
    gx = _real_like(_sum_to(gx, x.shape), x)
    return np.moveaxis(gx, -1, (axisa, axisb)[i])


def _cross_rule(i):
    def rule(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
        if axis is not None:
            axisa = axisb = axisc = axis
        return _cross_grad(i, g, a, b, axisa, axisb, axisc)

    return rule


def _linalg_cross_rule(i):
    return lambda g, ans, x1, x2, axis=-1: _cross_grad(i, g, x1, x2, axis, axis, axis)


def _multi_dot_vjp(g, ans, arrays, out=None):
    mats = [as_array(x) for x in arrays]
    first, last = mats[0].ndim == 1, mats[-1].ndim == 1
    if first:
        mats[0] = mats[0].reshape(1, -1)
    if last:
        mats[-1] = mats[-1].reshape(-1, 1)
    gm = g.reshape(mats[0].shape[0], mats[-1].shape[1])
    prefix = [None] * len(mats)
    acc = None
    for k in range(len(mats)):  # prefix[k] = mats[0] @ ... @ mats[k-1]
        prefix[k] = acc
        acc = mats[k] if acc is None else _mm(acc, mats[k])
    grads, acc = [None] * len(mats), None
    for k in reversed(range(len(mats))):  # acc = mats[k+1] @ ... @ mats[-1]
        gk = gm if acc is None else _mm(gm, _h(acc))
        gk = gk if prefix[k] is None else _mm(_h(prefix[k]), gk)
        grads[k] = _real_like(gk.reshape(np.shape(arrays[k])), arrays[k])
        acc = mats[k] if acc is None else _mm(mats[k], acc)
    return grads


# --- numpy.linalg ------------------------------------------------------------------------------
def _inv_grad(g, ainv):
    """The gradient wrt ``a`` of ``inv(a)``, given ``inv(a)``: -inv(a)^H g inv(a)^H."""
    ainv_h = _h(ainv)
    return -_mm(_mm(ainv_h, g), ainv_h)


def _inv_vjp(g, ans, a):
    return unbroadcast(_inv_grad(g, ans), a)


def _det_vjp(g, ans, a):
    return unbroadcast(np.expand_dims(g * conj(ans), (-2, -1)) * _h(np.linalg.inv(a)), a)


def _slogdet_vjp(g, ans, a):
    """d logabsdet = Re tr(a^-1 da); d sign = i sign Im tr(a^-1 da) (constant for real a)."""
    g_sign, g_log = g
    if ans.sign.dtype.kind == "c":
        g_log = g_log - 1j * np.imag(np.conjugate(g_sign) * ans.sign)
    return unbroadcast(np.expand_dims(g_log, (-2, -1)) * _h(np.linalg.inv(a)), a)


def _solve_a(g, ans, a, b):
    gb = _solve_b(g, ans, a, b, fit=False)
    if np.ndim(b) == 1:
        return unbroadcast(-_col(gb) * _row(conj(ans)), a)
    return unbroadcast(-_mm(gb, _h(ans)), a)


def _solve_b(g, ans, a, b, fit=True):
    vec = np.ndim(b) == 1  # NumPy 2: b is a vector only when 1-D
    gb = np.linalg.solve(_h(a), _col(g) if vec else g)
    gb = gb[..., 0] if vec else gb
    return unbroadcast(gb, b) if fit else gb


def _cholesky_vjp(g, ans, a, upper=False, **kwargs):
    """Murray (2016) / PyTorch: with a = L L^H, phi(P) = tril(P) with a halved diagonal,
    grad = L^-H sym(phi(L^H gL)) L^-1, read back onto the triangle NumPy uses."""
    low, g_low = (_h(ans), _h(g)) if upper else (ans, g)
    n = low.shape[-1]
    p = _mm(_h(low), g_low)
    strict = np.tri(n, n, -1, dtype=bool, device=g.device)
    s = (p * strict + _h(p * strict) + np.real(p) * _eye(n, g)) * 0.5
    linv = np.linalg.inv(low)
    gh = _mm(_mm(_h(linv), s), linv)
    return unbroadcast(_herm_project(gh, not upper), a)


def _eigh_grad(w, v, gw, gv):
    """V (diag(gw) + F o (V^H gv)) V^H with F_ij = 1/(w_j - w_i) off the diagonal."""
    vh = _h(v)
    inner = _diag_embed(gw)
    if gv is not None:
        den, mask = _safe_denominator(_row(w) - _col(w))
        inner = inner + _mm(vh, gv) * mask / den
    return _mm(_mm(v, inner), vh)


def _eigh_vjp(g, ans, a, UPLO="L"):  # noqa: N803  # NumPy's argument name
    w, v = ans
    gw, gv = g
    return unbroadcast(_herm_project(_eigh_grad(w, v, gw, _live(gv)), UPLO == "L"), a)


def _eigvalsh_vjp(g, ans, a, UPLO="L"):  # noqa: N803
    v = np.linalg.eigh(a, UPLO).eigenvectors
    return unbroadcast(_herm_project(_eigh_grad(ans, v, g, None), UPLO == "L"), a)


def _eig_grad(w, v, gw, gv):
    """PyTorch's linalg_eig_backward: V^-H (diag(gw) + (V^H gv - V^H V diag(Re diag(V^H gv)))
    / conj(E)) V^H with E_ij = w_j - w_i, for eigenvectors of unit norm."""
    vh = _h(v)
    inner = _diag_embed(gw)
    if gv is not None:
        vhgv = _mm(vh, gv)
        re_diag = np.real(np.linalg.diagonal(vhgv))
        den, mask = _safe_denominator(conj(_row(w) - _col(w)))
        inner = inner + (vhgv - _mm(vh, v * _row(re_diag))) * mask / den
    return np.linalg.solve(vh, _mm(inner, vh))


def _eig_vjp(g, ans, a):
    w, v = ans
    gw, gv = g
    return unbroadcast(_eig_grad(w, v, gw, _live(gv)), a)


def _eigvals_vjp(g, ans, a):
    return unbroadcast(_eig_grad(ans, np.linalg.eig(a).eigenvectors, g, None), a)


def _svd_grad(u, s, vh, gu, gs, gvh):
    """PyTorch's svd_backward for the reduced SVD a = U diag(s) Vh (distinct nonzero s)."""
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    inner = _diag_embed(gs) if gs is not None else 0
    if gu is not None:
        uh, v = _h(u), _h(vh)
        j, kk = _mm(uh, gu), _mm(vh, _h(gvh))
        den, mask = _safe_denominator(_row(s * s) - _col(s * s))
        inner = inner + ((j - _h(j)) * _row(s) + _col(s) * (kk - _h(kk))) * mask / den
        if j.dtype.kind == "c":  # the phase of U's columns against V's
            d = np.linalg.diagonal(j)
            inner = inner + _diag_embed((d - np.conjugate(d)) * 0.5 / s)
    ga = _mm(_mm(u, inner), vh)
    if gu is not None and m > k:
        ga = ga + _mm((gu - _mm(u, _mm(uh, gu))) / _row(s), vh)
    if gu is not None and n > k:
        ga = ga + _mm(u, (gvh - _mm(_mm(gvh, v), vh)) / _col(s))
    return ga


def _svdvals_grad(g, a, hermitian=False):
    u, _, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    return _mm(u * _row(g), vh)


def _svd_vjp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        ga = _svdvals_grad(g, a, hermitian)
    else:
        (u, s, vh), (gu, gs, gvh) = ans, g
        k = s.shape[-1]
        if u.shape[-1] != k:  # full_matrices: the extra columns are not determined by a
            u, gu = u[..., :k], gu[..., :k]
        if vh.shape[-2] != k:
            vh, gvh = vh[..., :k, :], gvh[..., :k, :]
        if _live(gu) is None and _live(gvh) is None:
            gu = gvh = None
        ga = _svd_grad(u, s, vh, gu, gs, gvh)
    return unbroadcast(_herm_project(ga) if hermitian else ga, a)


def _svdvals_vjp(g, ans, x):
    return unbroadcast(_svdvals_grad(g, x), x)


def _qr_grad(q, r, gq, gr):
    """a = QR with m >= n (reduced): (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q."""
    m = _mm(r, _h(gr)) - _mm(_h(gq), q)
    n = m.shape[-1]
    strict = np.tri(n, n, -1, dtype=bool, device=m.device)
    low = m * strict
    sym = low + _h(low) + np.real(m) * _eye(n, m)
    return _h(np.linalg.solve(r, _h(gq + _mm(q, sym))))


def _qr_vjp(g, ans, a, mode="reduced"):
    rows, cols = np.shape(a)[-2:]
    if mode == "r":
        q, r = np.linalg.qr(a)
        gq, gr = np.zeros_like(q), g
    elif mode == "reduced" or (mode == "complete" and rows <= cols):
        (q, r), (gq, gr) = ans, g
    else:
        raise NotImplementedError(f"dnp.linalg.qr: no gradient for mode={mode!r} with M > N")
    if rows >= cols:
        return unbroadcast(_qr_grad(q, r, gq, gr), a)
    # wide: a = Q [X | Y] with X square; Q depends on X only
    y, gr_x, gr_y = a[..., rows:], gr[..., :rows], gr[..., rows:]
    gx = _qr_grad(q, r[..., :rows], gq + _mm(y, _h(gr_y)), gr_x)
    return unbroadcast(np.concatenate([gx, _mm(q, gr_y)], axis=-1), a)


def _pinv_grad(g, p, a):
    """Golub & Pereyra (full rank): with P = pinv(a),
    grad = -P^H g P^H + (I - a P) g^H P P^H + P^H P g^H (I - P a)."""
    ph, gh = _h(p), _h(g)
    left = _eye(a.shape[-2], g) - _mm(a, p)
    right = _eye(a.shape[-1], g) - _mm(p, a)
    return -_mm(_mm(ph, g), ph) + _mm(_mm(left, gh), _mm(p, ph)) + _mm(_mm(ph, p), _mm(gh, right))


def _pinv_vjp(g, ans, a, rcond=None, hermitian=False, **kwargs):
    ga = _pinv_grad(g, ans, as_array(a))
    return unbroadcast(_herm_project(ga) if hermitian else ga, a)


def _lstsq_rule(i):
    """x = pinv(a) b for a of full rank; also the residuals' and singular values' parts."""

    def rule(g, ans, a, b, rcond=None):
        gx, g_res, _, gs = g
        gs = _live(gs)
        x, res = ans[0], ans[1]
        a = as_array(a)
        vec = np.ndim(b) == 1
        xm, gxm = (_col(x), _col(gx)) if vec else (x, gx)
        bm = _col(as_array(b)) if vec else as_array(b)
        if a.shape[-2] < a.shape[-1]:  # underdetermined: x = pinv(a) b, the minimum-norm solution
            p = np.linalg.pinv(a)
            if i == 1:
                gb = _mm(_h(p), gxm)
                return unbroadcast(gb[..., 0] if vec else gb, b)
            ga = _pinv_grad(_mm(gxm, _h(bm)), p, a)
        else:  # full column rank: z = (a^H a)^-1 gx, r = b - a x
            z = np.linalg.solve(_mm(_h(a), a), gxm)
            resid = bm - _mm(a, xm)
            if i == 1:
                gb = _mm(a, z)
                if res.shape[-1]:
                    gb = gb + 2 * resid * g_res
                return unbroadcast(gb[..., 0] if vec else gb, b)
            ga = _mm(resid, _h(z)) - _mm(_mm(a, z), _h(xm))
            if res.shape[-1]:
                ga = ga - 2 * _mm(resid * g_res, _h(xm))
        if gs is not None:
            ga = ga + _svdvals_grad(gs, a)
        return unbroadcast(ga, a)

    return rule


def _matrix_power_vjp(g, ans, a, n):
    if n == 0:
        return np.zeros_like(a)
    base = np.linalg.inv(a) if n < 0 else as_array(a)
    negative, n = n < 0, abs(n)
    powers = [None] * n  # powers[k] = base^k (k >= 1)
    acc = None
    for k in range(1, n):
        acc = base if acc is None else _mm(acc, base)
        powers[k] = _h(acc)
    gb = 0
    for k in range(n):  # sum_k (B^H)^k g (B^H)^(n-1-k)
        term = g if k == 0 else _mm(powers[k], g)
        gb = gb + (term if n - 1 - k == 0 else _mm(term, powers[n - 1 - k]))
    return unbroadcast(_inv_grad(gb, base) if negative else gb, a)


def _tensorinv_vjp(g, ans, a, ind=2):
    shape = np.shape(a)
    rows = math.prod(shape[ind:])
    ainv = ans.reshape(rows, -1)
    return unbroadcast(_inv_grad(g.reshape(rows, -1), ainv).reshape(shape), a)


def _tensorsolve_parts(a, b, axes):
    a = as_array(a)
    order = list(range(a.ndim))
    if axes is not None:
        for k in axes:
            order.remove(k)
            order.insert(a.ndim, k)
    return a, order, math.prod(np.shape(b))


def _tensorsolve_b(g, ans, a, b, axes=None, fit=True):
    a, order, nb = _tensorsolve_parts(a, b, axes)
    am = np.transpose(a, order).reshape(nb, -1)
    gb = np.linalg.solve(_h(am), g.reshape(-1)).reshape(np.shape(b))
    return unbroadcast(gb, b) if fit else gb


def _tensorsolve_a(g, ans, a, b, axes=None):
    gb = _tensorsolve_b(g, ans, a, b, axes, fit=False)
    a, order, nb = _tensorsolve_parts(a, b, axes)
    gm = -_col(gb.reshape(-1)) * _row(conj(ans).reshape(-1))
    moved = tuple(a.shape[k] for k in order)
    return unbroadcast(
        np.transpose(gm.reshape(moved), tuple(int(k) for k in numpy.argsort(order))), a
    )


def _trace_vjp(g, ans, x, offset=0, dtype=None, **kwargs):
    n, m = np.shape(x)[-2:]
    return unbroadcast(np.expand_dims(g, (-2, -1)) * _eye(n, g, m, offset), x)


def _diagonal_vjp(g, ans, x, offset=0, **kwargs):
    n, m = np.shape(x)[-2:]
    size = g.shape[-1]
    if offset >= 0:  # element d is (d, d + offset)
        placed = np.einsum("...d,di->...i", g, _eye(size, g, n))
        return unbroadcast(np.einsum("...i,ij->...ij", placed, _eye(n, g, m, offset)), x)
    placed = np.einsum("...d,dj->...j", g, _eye(size, g, m))
    return unbroadcast(np.einsum("...j,ij->...ij", placed, _eye(n, g, m, offset)), x)


# --- norms -------------------------------------------------------------------------------------
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
        return ge * _moved(x, axes, lambda m: _mm(*np.linalg.svd(m, full_matrices=False)[::2]))
    if ord in (2, -2):
        k = 0 if ord == 2 else -1

        def top(m):
            u, _, vh = np.linalg.svd(m, full_matrices=False)
            return _col(u[..., k]) * _row(vh[..., k, :])

        return ge * _moved(x, axes, top)
    # 1 / -1: max / min column sum of |x|; inf / -inf: rows
    summed, other = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    hit = sums == expand_reduced(ans, x.shape, axes, keepdims)
    return ge * _sgn(x) * (hit / np.sum(hit, axis=other, keepdims=True))


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


def _vector_norm_vjp(g, ans, x, axis=None, keepdims=False, ord=2, **kwargs):  # noqa: A002
    axes = normalize_axis_tuple(range(np.ndim(x)) if axis is None else axis, np.ndim(x))
    return unbroadcast(_vector_norm_grad(g, ans, x, axes, keepdims, ord), x)


def _matrix_norm_vjp(g, ans, x, keepdims=False, ord="fro", **kwargs):  # noqa: A002
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return unbroadcast(_matrix_norm_grad(g, ans, x, axes, keepdims, ord), x)


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
        gs = _col(g / s_small) * big - _col(g * s_big / s_small**2) * small
        return unbroadcast(_mm(u * _row(gs), vh), x)
    axes = (x.ndim - 2, x.ndim - 1)
    xinv = np.linalg.inv(x)
    n1, n2 = np.linalg.norm(x, p, axes), np.linalg.norm(xinv, p, axes)
    g1 = _matrix_norm_grad(g * n2, n1, x, axes, False, p)
    g2 = _matrix_norm_grad(g * n1, n2, xinv, axes, False, p)
    return unbroadcast(g1 + _inv_grad(g2, xinv), x)


VJPS = {
    "dot": (_spec_rule(_dot_spec, 0), _spec_rule(_dot_spec, 1)),
    "vdot": (_vdot_a, _vdot_b),
    "inner": (_spec_rule(_inner_spec, 0), _spec_rule(_inner_spec, 1)),
    "outer": (_outer_rule(0), _outer_rule(1)),
    "tensordot": (_spec_rule(_tensordot_spec, 0), _spec_rule(_tensordot_spec, 1)),
    "einsum": tuple(_einsum_rule(k) for k in range(2 * len(_LETTERS) + 1)),
    "kron": (_kron_rule(0), _kron_rule(1)),
    "cross": (_cross_rule(0), _cross_rule(1)),
    "linalg.cholesky": (_cholesky_vjp,),
    "linalg.cond": (_cond_vjp,),
    "linalg.cross": (_linalg_cross_rule(0), _linalg_cross_rule(1)),
    "linalg.det": (_det_vjp,),
    "linalg.diagonal": (_diagonal_vjp,),
    "linalg.eig": (_eig_vjp,),
    "linalg.eigh": (_eigh_vjp,),
    "linalg.eigvals": (_eigvals_vjp,),
    "linalg.eigvalsh": (_eigvalsh_vjp,),
    "linalg.inv": (_inv_vjp,),
    "linalg.lstsq": (_lstsq_rule(0), _lstsq_rule(1)),
    "linalg.matmul": (_spec_rule(_matmul_spec, 0), _spec_rule(_matmul_spec, 1)),
    "linalg.matrix_norm": (_matrix_norm_vjp,),
    "linalg.matrix_power": (_matrix_power_vjp,),
    "linalg.matrix_transpose": (lambda g, ans, x: unbroadcast(_t(g), x),),
    "linalg.multi_dot": (_multi_dot_vjp,),
    "linalg.norm": (_norm_vjp,),
    "linalg.outer": (_outer_rule(0), _outer_rule(1)),
    "linalg.pinv": (_pinv_vjp,),
    "linalg.qr": (_qr_vjp,),
    "linalg.slogdet": (_slogdet_vjp,),
    "linalg.solve": (_solve_a, _solve_b),
    "linalg.svd": (_svd_vjp,),
    "linalg.svdvals": (_svdvals_vjp,),
    "linalg.tensordot": (
        _spec_rule(_linalg_tensordot_spec, 0),
        _spec_rule(_linalg_tensordot_spec, 1),
    ),
    "linalg.tensorinv": (_tensorinv_vjp,),
    "linalg.tensorsolve": (_tensorsolve_a, _tensorsolve_b),
    "linalg.trace": (_trace_vjp,),
    "linalg.vecdot": (_vecdot_rule(0), _vecdot_rule(1)),
    "linalg.vector_norm": (_vector_norm_vjp,),
}
# Results that carry no gradient: a contraction order (einsum_path), an integer rank.
NONDIFFERENTIABLE = frozenset({"einsum_path", "linalg.matrix_rank"})
NO_GRADIENT: dict[str, str] = {}
attach_vjps(ROWS, VJPS)
