"""``scipy.linalg``'s triangular and Cholesky solvers, LU, ``block_diag`` and ``expm``
(``dnp.scipy.linalg``): SciPy's functions on the CPU; on a GPU, compositions of CuPy and
cupyx.scipy that give SciPy's dtypes, stacks and broadcasting (cupyx's functions take one matrix
and have no Cholesky; ``expm`` is a batched scaling and squaring written here).

SciPy takes stacks of matrices (``(..., M, M)``) and broadcasts a solve's batch dimensions; a
right-hand side ``b`` of one dimension is a vector. The metadata rules are shape rules: the
shapes from those batch and core dimensions, the dtype (and ``cho_factor``'s ``lower``) from
SciPy run on ones with one element per axis (a 1x1 identity: well conditioned, free).

Gradients are batched and written with dnp functions, so they differentiate again; a rule sends
gradient only to the triangle the function reads (a unit diagonal gets none).
``cho_factor``'s ``c`` keeps in its other triangle what LAPACK leaves there (``a``'s entries):
no gradient flows through them. The LU rules (PyTorch's ``linalg_lu_backward``) are for square
matrices, and read the pivots' values (a sync); pivots and ``lower`` carry no gradient.
"""

from __future__ import annotations

import numpy

from .._meta import FLOAT32_64, Meta, bound, run_bound, shape_of, small_ones
from ._grad import as_array, conj, host_values, np, shape_dtype, unbroadcast
from ._matrices import col, eye, mh, mm, mt, row
from ._row import Op
from .decompositions import cholesky_vjp
from .manipulation import Variadic

_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2, "n": 0, "t": 1, "c": 2}


def _scipy_linalg():
    import scipy.linalg  # loaded on first use (``import dnp`` does not load SciPy)

    return scipy.linalg


# --- metadata rules ---------------------------------------------------------------------------
def _ones(x, ndim=None):
    """An array argument as ones with one element per axis (a 1x1 identity as a matrix)."""
    x = numpy.asarray(x) if not hasattr(x, "dtype") else x
    return numpy.ones((1,) * (x.ndim if ndim is None else ndim), x.dtype)


def _square(a, error=ValueError):
    """The shape of ``a`` as SciPy takes it (a scalar or a vector as one row), which must end in
    a square matrix."""
    s = shape_of(a)
    s = (1,) * (2 - len(s)) + s
    if s[-1] != s[-2]:
        raise error(f"expected square matrices, got shape {s}")
    return s


def _solved(a, b):
    """The shape of a solve of ``a`` (..., M, M) against ``b``: (M,) a vector, else (..., M, K)
    with the batch dimensions broadcast."""
    sa, sb = _square(a), shape_of(b)
    n = sa[-1]
    if len(sb) == 1:
        if sb[0] != n:
            raise ValueError(f"shapes of a {sa} and b {sb} are incompatible")
        return sa[:-2] + (n,)
    if len(sb) < 1 or sb[-2] != n:
        raise ValueError(f"shapes of a {sa} and b {sb} are incompatible")
    return numpy.broadcast_shapes(sa[:-2], sb[:-2]) + sb[-2:]


def _dtype_of(op, params):
    return numpy.asarray(run_bound(op, params)).dtype


def _solve_triangular_meta(op, args, kwargs):
    p = bound(op, args, kwargs)
    shape = _solved(p["a"], p["b"])
    p["a"], p["b"] = _ones(p["a"], 2), _ones(p["b"], min(len(shape_of(p["b"])), 2))
    return Meta(shape, _dtype_of(op, p))


def _cholesky_meta(op, args, kwargs):
    p = bound(op, args, kwargs)
    shape = _square(p["a"])
    p["a"] = _ones(p["a"])
    tiny = run_bound(op, p)
    if isinstance(tiny, (tuple, list)):  # cho_factor: (c, lower); a stack: [c, lowers]
        lower = tiny[1]
        if isinstance(lower, numpy.ndarray):
            lower = Meta(shape[:-2], lower.dtype)
        return type(tiny)((Meta(shape, tiny[0].dtype), lower))
    return Meta(shape, tiny.dtype)


def _factor_solve_meta(op, args, kwargs):
    """cho_solve((c, lower), b) and lu_solve((lu, piv), b)."""
    p = bound(op, args, kwargs)
    pair_name, b_name = list(p)[:2]
    factor, second = p[pair_name]
    shape = _solved(factor, p[b_name])
    if op.name.endswith("lu_solve"):
        second = numpy.zeros((1,), numpy.asarray(second).dtype)  # pivot 0: no interchange
    p[pair_name] = (_ones(factor, 2), second)
    p[b_name] = _ones(p[b_name], min(len(shape_of(p[b_name])), 2))
    return Meta(shape, _dtype_of(op, p))


def _lu_factor_meta(op, args, kwargs):
    p = bound(op, args, kwargs)
    s = shape_of(p["a"])
    p["a"] = _ones(p["a"])
    tiny = run_bound(op, p)  # (lu, piv); a list for a stack
    lu, piv = tiny
    core = ((1,) + s)[-2:]  # a vector (a scalar) is one column: one pivot
    return type(tiny)((Meta(s, lu.dtype), Meta(s[:-2] + (min(core),), piv.dtype)))


def _block_diag_meta(op, args, kwargs):
    shapes = [shape_of(a) for a in args] or [(1, 0)]
    shapes = [(1,) * (2 - len(s)) + s for s in shapes]
    batch = numpy.broadcast_shapes(*(s[:-2] for s in shapes))
    tiny = op.kernel(numpy)(*map(small_ones, args))
    return Meta(batch + (sum(s[-2] for s in shapes), sum(s[-1] for s in shapes)), tiny.dtype)


def _expm_meta(op, args, kwargs):
    p = bound(op, args, kwargs)
    shape = _square(p["A"], numpy.linalg.LinAlgError)
    p["A"] = _ones(p["A"])
    return Meta(shape, _dtype_of(op, p))


# --- forwards: SciPy on the CPU (``overwrite_*`` always False: dnp's arrays are never written by
# a function that is not in place); on a GPU, compositions of CuPy and cupyx.scipy (``lib``)
# giving SciPy's dtypes, stacks and broadcasting, which cupyx's 2-d functions lack -------------
def _lapack_dtype(*dtypes) -> numpy.dtype:
    """The dtype SciPy's LAPACK wrappers compute inputs of ``dtypes`` in."""
    d = numpy.result_type(*dtypes)
    if d.kind == "c":
        return numpy.dtype(numpy.complex64 if d.itemsize <= 8 else numpy.complex128)
    if d.kind == "b" or (d.kind == "f" and d.itemsize <= 4):
        return numpy.dtype(numpy.float32)
    return numpy.dtype(numpy.float64)


def _cupyx_linalg():
    import cupyx.scipy.linalg

    return cupyx.scipy.linalg


def _mh(xp, x):
    return xp.conj(xp.swapaxes(x, -1, -2))


def _columns(xp, a, b, dtype):
    """``a`` and ``b`` (a vector as one column) in ``dtype``, their batch dimensions broadcast;
    and whether ``b`` was a vector."""
    vec = b.ndim == 1
    rhs = (b[:, None] if vec else b).astype(dtype, copy=False)
    a = a.astype(dtype, copy=False)
    batch = numpy.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    return (
        xp.broadcast_to(a, batch + a.shape[-2:]),
        xp.broadcast_to(rhs, batch + rhs.shape[-2:]),
        vec,
    )


def _each(xp, fn, *stacks):
    """``fn`` on each matrix of same-batch ``stacks``, the results stacked (cupyx's functions
    take one matrix)."""
    batch = stacks[0].shape[:-2]
    if not batch:
        return fn(*stacks)
    outs = [fn(*(s[i] for s in stacks)) for i in numpy.ndindex(batch)]
    if isinstance(outs[0], tuple):
        return [xp.stack(o).reshape(batch + o[0].shape) for o in zip(*outs, strict=True)]
    return xp.stack(outs).reshape(batch + outs[0].shape)


def _solve_triangular(
    xp, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True
):
    if xp is numpy:
        if not check_finite and _plain_triangular(a, b):
            return _trtrs(a, b, _SCIPY_TRANS.get(trans, trans), lower, unit_diagonal)
        return _scipy_linalg().solve_triangular(
            a, b, trans, lower, unit_diagonal, False, check_finite
        )
    return _solve_triangular_on(
        xp, _cupyx_linalg(), a, b, trans, lower, unit_diagonal, check_finite
    )


_TRTRS: dict = {}  # dtype -> LAPACK's trtrs for it
_SCIPY_TRANS = {"N": 0, "T": 1, "C": 2}  # SciPy's own mapping (no lower-case names, unlike _TRANS)


def _plain_triangular(a, b) -> bool:
    """A square real float32/float64 matrix and a non-empty right-hand side (a vector or a
    matrix) of its dtype and rows: what SciPy's solve_triangular hands to LAPACK unchanged."""
    return (
        type(a) is numpy.ndarray
        and type(b) is numpy.ndarray
        and a.dtype in FLOAT32_64
        and b.dtype == a.dtype
        and a.ndim == 2
        and a.shape[0] == a.shape[1]
        and b.ndim in (1, 2)
        and b.shape[0] == a.shape[0]
        and b.size > 0
    )


def _trtrs(a, b, trans, lower, unit_diagonal):
    """``scipy.linalg.solve_triangular(a, b, ..., check_finite=False)`` for ``_plain_triangular``
    arguments: its own LAPACK call (so its values and errors), without the dozen microseconds
    of its wrappers (batching, array-API dispatch, validation). Written out, as SciPy's
    ``_basic._solve_triangular`` does it, because that function is private."""
    trtrs = _TRTRS.get(a.dtype)
    if trtrs is None:
        (trtrs,) = _scipy_linalg().get_lapack_funcs(("trtrs",), (a, b))
        _TRTRS[a.dtype] = trtrs
    if a.flags.f_contiguous or trans == 2:
        x, info = trtrs(a, b, overwrite_b=False, lower=lower, trans=trans, unitdiag=unit_diagonal)
    else:  # the transposed system: trtrs expects Fortran order
        x, info = trtrs(
            a.T, b, overwrite_b=False, lower=not lower, trans=not trans, unitdiag=unit_diagonal
        )
    if info == 0:
        return x
    if info > 0:
        raise numpy.linalg.LinAlgError(f"singular matrix: resolution failed at diagonal {info - 1}")
    raise ValueError(f"illegal value in {-info}-th argument of internal trtrs")


def _solve_triangular_on(xp, lib, a, b, trans, lower, unit_diagonal, check_finite):
    a, rhs, vec = _columns(xp, a, b, _lapack_dtype(a.dtype, b.dtype))
    x = lib.solve_triangular(a, rhs, _TRANS[trans], lower, unit_diagonal, False, check_finite)
    return x[..., 0] if vec else x


def _cholesky_on(xp, a, lower):
    """The Cholesky factor of the Hermitian matrix in ``a``'s lower (upper) triangle, from the
    backend's ``linalg.cholesky`` (which reads the lower one)."""
    a = xp.atleast_2d(a).astype(_lapack_dtype(a.dtype), copy=False)
    factor = xp.linalg.cholesky(a if lower else _mh(xp, a))
    if not bool(xp.isfinite(factor).all()):  # CuPy returns NaNs where SciPy raises (a sync)
        raise numpy.linalg.LinAlgError("the matrix is not positive definite")
    return factor if lower else _mh(xp, factor)


def _check_finite(xp, check, *arrays):
    """SciPy's ValueError for ``check_finite=True`` and an array holding inf or NaN."""
    if check and not all(bool(xp.isfinite(a).all()) for a in arrays):
        raise ValueError("array must not contain infs or NaNs")


def _cholesky(xp, a, lower=False, overwrite_a=False, check_finite=True):
    if xp is numpy:
        return _scipy_linalg().cholesky(a, lower, False, check_finite)
    _check_finite(xp, check_finite, a)
    return _cholesky_on(xp, a, lower)


def _cho_factor(xp, a, lower=False, overwrite_a=False, check_finite=True):
    if xp is numpy:
        return _scipy_linalg().cho_factor(a, lower, False, check_finite)
    _check_finite(xp, check_finite, a)
    return _cho_factor_on(xp, a, lower)


def _cho_factor_on(xp, a, lower):
    a = xp.atleast_2d(a)
    factor = _cholesky_on(xp, a, lower)
    n = a.shape[-1]
    mask = xp.tri(n, n, 0, dtype=bool)
    c = xp.where(mask if lower else mask.T, factor, a)  # the other triangle: a's, as LAPACK's
    if a.ndim > 2:
        return [c, xp.full(a.shape[:-2], bool(lower))]
    return c, bool(lower)


def _cho_solve(xp, c_and_lower, b, overwrite_b=False, check_finite=True):
    if xp is numpy:
        return _scipy_linalg().cho_solve(c_and_lower, b, False, check_finite)
    _check_finite(xp, check_finite, c_and_lower[0], b)
    return _cho_solve_on(xp, c_and_lower, b)


def _cho_solve_on(xp, c_and_lower, b):
    c, lower = c_and_lower
    lower = xp.asarray(lower)[..., None, None]  # a bool, or one per matrix of a stack
    low = xp.where(lower, xp.tril(c), _mh(xp, xp.triu(c)))  # a = low low^H
    low, rhs, vec = _columns(xp, low, b, _lapack_dtype(c.dtype, b.dtype))
    x = xp.linalg.solve(_mh(xp, low), xp.linalg.solve(low, rhs))
    return x[..., 0] if vec else x


def _lu_factor(xp, a, overwrite_a=False, check_finite=True):
    if xp is numpy:
        return _scipy_linalg().lu_factor(a, False, check_finite)
    return _lu_factor_on(xp, _cupyx_linalg(), a, check_finite)


def _lu_factor_on(xp, lib, a, check_finite):
    shape = a.shape
    a = a.astype(_lapack_dtype(a.dtype), copy=False).reshape(shape + (1,) * (2 - a.ndim))
    lu, piv = _each(xp, lambda m: tuple(lib.lu_factor(m, False, check_finite)), a)
    lu = lu.reshape(shape)  # SciPy factors a vector as one column
    return [lu, piv] if len(shape) > 2 else (lu, piv)


def _lu_solve(xp, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    if xp is numpy:
        return _scipy_linalg().lu_solve(lu_and_piv, b, trans, False, check_finite)
    return _lu_solve_on(xp, _cupyx_linalg(), lu_and_piv, b, trans, check_finite)


def _lu_solve_on(xp, lib, lu_and_piv, b, trans, check_finite):
    lu, piv = lu_and_piv
    lu, rhs, vec = _columns(xp, xp.atleast_2d(lu), b, _lapack_dtype(lu.dtype, b.dtype))
    piv = xp.broadcast_to(piv, lu.shape[:-1])
    x = _each(
        xp,
        lambda m, p, r: lib.lu_solve((m, p[:, 0]), r, trans, False, check_finite),
        lu,
        piv[..., None],
        rhs,
    )
    return x[..., 0] if vec else x


def _block_diag(xp, *arrs):
    if xp is numpy:
        return _scipy_linalg().block_diag(*arrs)
    return _block_diag_on(xp, *arrs)


def _block_diag_on(xp, *arrs):
    arrs = [xp.asarray(a) for a in arrs] or [xp.zeros((1, 0))]
    arrs = [a.reshape((1,) * (2 - a.ndim) + a.shape) for a in arrs]
    batch = numpy.broadcast_shapes(*(a.shape[:-2] for a in arrs))
    rows, cols = sum(a.shape[-2] for a in arrs), sum(a.shape[-1] for a in arrs)
    out = xp.zeros(batch + (rows, cols), numpy.result_type(*(a.dtype for a in arrs)))
    r = c = 0
    for a in arrs:
        out[..., r : r + a.shape[-2], c : c + a.shape[-1]] = a
        r, c = r + a.shape[-2], c + a.shape[-1]
    return out


def _expm(xp, A):  # noqa: N803  # SciPy's argument name
    if xp is numpy:
        return _scipy_linalg().expm(A)
    return _expm_on(xp, A)


# The [13/13] Pade approximant's coefficients (Higham 2005, Algorithm 2.3), and theta_13.
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
    129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
    40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def _expm_on(xp, a):
    """Scaling and squaring with the [13/13] Pade approximant, batched (cupyx's expm takes one
    real matrix): one scaling for the whole stack, from its largest 1-norm."""
    a = xp.atleast_2d(a)  # SciPy's: a scalar or a vector as a row
    if a.shape[-1] != a.shape[-2]:
        raise numpy.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    if a.dtype.kind in "biu":
        a = a.astype(numpy.float64)
    elif a.dtype == numpy.float16:
        a = a.astype(numpy.float32)
    if a.size == 0:
        return a.copy()
    norm = float(xp.abs(a).sum(axis=-2).max())  # the largest 1-norm
    s = max(0, int(numpy.ceil(numpy.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / a.dtype.type(2**s)
    b = [a.dtype.type(v) for v in _PADE13]
    eye = xp.eye(a.shape[-1], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a2 @ a4
    u = a @ (
        a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
    )
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    x = xp.linalg.solve(v - u, v + u)
    for _ in range(s):
        x = x @ x
    return x


# --- gradients: ``rule(g, ans, *args, **kwargs)``; ``flags`` and ``kwargs`` take SciPy's
# overwrite_* and check_finite, which change no value -------------------------------------------
def _triangle(x, lower, unit_diagonal=False):
    """The part of ``x`` on the triangle a triangular solve reads (strict with a unit diagonal)."""
    if lower:
        return np.tril(x, -1 if unit_diagonal else 0)
    return np.triu(x, 1 if unit_diagonal else 0)


def _adjoint_solve(solve, g, trans, complex_a, b):
    """``op(A)^-H g`` from ``solve(g, trans)`` = ``op_trans(A)^-1 g``, op(A) = A, A^T or A^H for
    trans 0, 1, 2 (for complex A, A^-T g is conj(A^-1 conj(g))). For a vector ``b`` solved
    against a stack, ``g`` (..., M) holds vectors: solved as columns."""
    if len(shape_of(b)) == 1 and g.ndim > 1:
        return _adjoint_solve(solve, col(g), trans, complex_a, None)[..., 0]
    if trans == 0:
        return solve(g, 2)
    if trans == 2 or not complex_a:
        return solve(g, 0)
    return np.conjugate(solve(np.conjugate(g), 0))


def _outer_grad(gb, x, b):
    """The gradient wrt the matrix M of x = M^-1 b, given gb = M^-H g: -gb x^H."""
    return -col(gb) * row(conj(x)) if len(shape_of(b)) == 1 else -mm(gb, mh(x))


def _untransposed(gm, trans):
    """The gradient wrt A given that wrt op(A) (A, A^T, A^H for trans 0, 1, 2)."""
    return gm if trans == 0 else (mt(gm) if trans == 1 else mh(gm))


def _st_solver(a, lower, unit_diagonal):
    def solve(g, trans):
        return np.scipy.linalg.solve_triangular(
            a, g, trans=trans, lower=lower, unit_diagonal=unit_diagonal
        )

    return solve


def _st_b(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, *flags, **kwargs):
    solve = _st_solver(a, lower, unit_diagonal)
    return unbroadcast(_adjoint_solve(solve, g, _TRANS[trans], _complex(a), b), b)


def _st_a(g, ans, a, b, trans=0, lower=False, unit_diagonal=False, *flags, **kwargs):
    trans = _TRANS[trans]
    gb = _adjoint_solve(_st_solver(a, lower, unit_diagonal), g, trans, _complex(a), b)
    ga = _untransposed(_outer_grad(gb, ans, b), trans)
    return unbroadcast(_triangle(ga, lower, unit_diagonal), a)


def _complex(x) -> bool:
    return shape_dtype(x)[1].kind == "c"


def _cholesky_a(g, ans, a, lower=False, *flags, **kwargs):
    return cholesky_vjp(g, ans, a, upper=not lower)


def _cho_factor_a(g, ans, a, lower=False, *flags, **kwargs):
    tri = np.tril if lower else np.triu
    return cholesky_vjp(tri(g[0]), tri(ans[0]), a, upper=not lower)


def _cho_adjoint(c_and_lower, g, b):
    """A^-1 g (A Hermitian); vectors of a vector ``b`` solved against a stack as columns."""
    solve = np.scipy.linalg.cho_solve
    if len(shape_of(b)) == 1 and g.ndim > 1:
        return solve(c_and_lower, col(g))[..., 0]
    return solve(c_and_lower, g)


def _cho_solve_b(g, ans, c_and_lower, b, *flags, **kwargs):
    return unbroadcast(_cho_adjoint(c_and_lower, g, b), b)


def _cho_solve_c(g, ans, c_and_lower, b, *flags, **kwargs):
    """A = L L^H (U^H U): gL = (gA + gA^H) L on L's triangle, gU = U (gA + gA^H) on U's."""
    c, lower = c_and_lower
    ga = _outer_grad(_cho_adjoint(c_and_lower, g, b), ans, b)
    sym = ga + mh(ga)
    gc = _by_lower(
        lower, lambda: np.tril(mm(sym, np.tril(c))), lambda: np.triu(mm(np.triu(c), sym))
    )
    return (unbroadcast(gc, c), None)


def _by_lower(lower, if_lower, if_upper):
    """``if_lower()`` or ``if_upper()`` by ``lower``: a bool, or one per matrix of a stack (as
    cho_factor gives for a stack)."""
    if isinstance(lower, (bool, numpy.bool_)):
        return if_lower() if lower else if_upper()
    return np.where(np.expand_dims(np.asarray(lower), (-2, -1)), if_lower(), if_upper())


def _permutation(piv, lu):
    """P of a = P L U from LAPACK's pivots (row i swapped with row piv[i]), as a matrix in
    ``lu``'s dtype on its device (read from the pivots' values: a sync)."""
    p = host_values(piv)
    n = lu.shape[-1]
    perm = numpy.broadcast_to(numpy.arange(n), p.shape[:-1] + (n,)).copy()
    for i in range(p.shape[-1]):  # perm: a[perm] = L U
        j = p[..., i : i + 1]
        pi = perm[..., i : i + 1].copy()
        perm[..., i : i + 1] = numpy.take_along_axis(perm, j, -1)
        numpy.put_along_axis(perm, j, pi, -1)
    pmat = numpy.eye(n, dtype=lu.dtype)[numpy.argsort(perm, axis=-1)]  # P Y = Y[argsort(perm)]
    return np.asarray(pmat, device=lu.device)


def _lu_factor_a(g, ans, a, *flags, **kwargs):
    """PyTorch's linalg_lu_backward (square): P L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H."""
    lu, piv = ans
    if lu.ndim < 2 or lu.shape[-1] != lu.shape[-2]:
        raise NotImplementedError("dnp.scipy.linalg.lu_factor: no gradient for a non-square a")
    n = lu.shape[-1]
    g_lu = g[0]
    low = np.tril(lu, -1) + eye(n, lu)
    inner = np.tril(mm(mh(low), np.tril(g_lu, -1)), -1) + np.triu(
        mm(np.triu(g_lu), mh(np.triu(lu)))
    )
    st = np.scipy.linalg.solve_triangular
    z = mh(st(lu, mh(inner), lower=False))  # inner U^-H
    y = st(lu, z, trans=2, lower=True, unit_diagonal=True)  # L^-H z
    return unbroadcast(mm(_permutation(piv, lu), y), a)


def _lu_solve_b(g, ans, lu_and_piv, b, trans=0, *flags, **kwargs):
    def solve(rhs, t):
        return np.scipy.linalg.lu_solve(lu_and_piv, rhs, trans=t)

    return unbroadcast(_adjoint_solve(solve, g, _TRANS[trans], _complex(lu_and_piv[0]), b), b)


def _lu_solve_lu(g, ans, lu_and_piv, b, trans=0, *flags, **kwargs):
    """a = P L U: gL = P^T gA U^H on L's strict lower triangle, gU = L^H P^T gA on U's."""
    lu, piv = lu_and_piv
    trans = _TRANS[trans]

    def solve(rhs, t):
        return np.scipy.linalg.lu_solve(lu_and_piv, rhs, trans=t)

    gb = _adjoint_solve(solve, g, trans, _complex(lu), b)
    ga = _untransposed(_outer_grad(gb, ans, b), trans)
    n = lu.shape[-1]
    pga = mm(mt(_permutation(piv, lu)), ga)
    low = np.tril(lu, -1) + eye(n, lu)
    g_lu = np.tril(mm(pga, mh(np.triu(lu))), -1) + np.triu(mm(mh(low), pga))
    return (unbroadcast(g_lu, lu), None)


def _block_diag_rule(i):
    """The gradient wrt ``arrs[i]``: its block of ``g``."""

    def rule(g, ans, *arrs):
        shapes = [(1,) * (2 - len(s)) + s for s in map(shape_of, arrs)]
        r = sum(s[-2] for s in shapes[:i])
        c = sum(s[-1] for s in shapes[:i])
        rows, cols = shapes[i][-2:]
        part = g[..., r : r + rows, c : c + cols]
        shape = shape_of(arrs[i])
        if len(shape) < 2:  # a scalar or a vector, made a row: summed over the batch
            if part.ndim > 2:
                part = part.sum(axis=tuple(range(part.ndim - 2)))
            part = np.reshape(part, shape)
        return unbroadcast(part, arrs[i])

    return rule


def _expm_a(g, ans, A):  # noqa: N803  # SciPy's argument name
    """The adjoint of expm's Frechet derivative, L(A^H, g): the upper right block of
    expm([[A^H, g], [0, A^H]])."""
    ah = mh(as_array(A))
    n = ah.shape[-1]
    top = np.concatenate([ah, g], axis=-1)
    bottom = np.concatenate([np.zeros_like(top[..., :n]), ah], axis=-1)
    big = np.concatenate([top, bottom], axis=-2)
    return unbroadcast(np.scipy.linalg.expm(big)[..., :n, n:], A)


ROWS = [
    Op(
        "scipy.linalg.solve_triangular",
        _solve_triangular,
        _solve_triangular_meta,
        vjp=(_st_a, _st_b),
        c_ordered=False,
        threaded=True,
    ),
    Op(
        "scipy.linalg.cholesky",
        _cholesky,
        _cholesky_meta,
        vjp=(_cholesky_a,),
        c_ordered=False,
        threaded=True,
    ),
    Op(
        "scipy.linalg.cho_factor",
        _cho_factor,
        _cholesky_meta,
        vjp=(_cho_factor_a,),
        c_ordered=False,
        threaded=True,
    ),
    Op(
        "scipy.linalg.cho_solve",
        _cho_solve,
        _factor_solve_meta,
        vjp=(_cho_solve_c, _cho_solve_b),
        c_ordered=False,
        threaded=True,
    ),
    Op(
        "scipy.linalg.lu_factor",
        _lu_factor,
        _lu_factor_meta,
        vjp=(_lu_factor_a,),
        c_ordered=False,
        threaded=True,
    ),
    Op(
        "scipy.linalg.lu_solve",
        _lu_solve,
        _factor_solve_meta,
        vjp=(_lu_solve_lu, _lu_solve_b),
        c_ordered=False,
        threaded=True,
    ),
    Op("scipy.linalg.block_diag", _block_diag, _block_diag_meta, vjp=Variadic(_block_diag_rule)),
    Op("scipy.linalg.expm", _expm, _expm_meta, vjp=(_expm_a,), threaded=True),
]
