"""``numpy.linalg``'s factorizations, solvers, inverses, determinants and eigenproblems.

They compute (O(n^3)), and zero stand-ins would make ``inv``/``solve``/``cholesky`` raise
LinAlgError, so their metadata rules are shape rules: the result shapes from the batch and core
dimensions, the dtypes from the NumPy forward run on ones of shape ``(1, ..., 1)`` (well
conditioned, and free: ``_meta.shaped``). ``eig``/``eigvals`` (real or complex result depending
on the eigenvalues) and ``lstsq`` (residuals empty or not depending on the rank) have
data-dependent results: ``meta=None``.

Gradients follow Giles (2008), "An extended collection of matrix derivative results", and the
complex forms of PyTorch's linalg backward formulas (gradient = dL/dRe + i dL/dIm). They are
batched over leading dimensions and written with dnp functions, so they differentiate again. The
factorizations' rules (eigh, svd, qr, eig) assume distinct eigen/singular values and losses that
do not depend on the eigenvectors' phases (gauge invariance).
"""

import math

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import batch, same, shape_of, shaped
from ._grad import as_array, conj, np, unbroadcast
from ._matrices import col, diag_embed, eye, inv_grad, mh, mm, mt, row
from ._row import Op


def _herm_project(gh, lower=True):
    """The gradient wrt ``a`` of a function of the Hermitian matrix NumPy reads from ``a``'s lower
    (or upper) triangle, given its gradient ``gh`` as if all of that matrix's entries were free."""
    n = gh.shape[-1]
    strict = np.tri(n, n, -1, dtype=bool, device=gh.device)
    strict = strict if lower else mt(strict)
    return (gh + mh(gh)) * strict + np.real(gh) * eye(n, gh)


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


# --- inverses and determinants ------------------------------------------------------------------
def _inv_vjp(g, ans, a):
    return unbroadcast(inv_grad(g, ans), a)


def _det_vjp(g, ans, a):
    return unbroadcast(np.expand_dims(g * conj(ans), (-2, -1)) * mh(np.linalg.inv(a)), a)


def _slogdet_vjp(g, ans, a):
    """d logabsdet = Re tr(a^-1 da); d sign = i sign Im tr(a^-1 da) (constant for real a)."""
    g_sign, g_log = g
    if ans.sign.dtype.kind == "c":
        g_log = g_log - 1j * np.imag(np.conjugate(g_sign) * ans.sign)
    return unbroadcast(np.expand_dims(g_log, (-2, -1)) * mh(np.linalg.inv(a)), a)


def _matrix_power_vjp(g, ans, a, n):
    if n == 0:
        return np.zeros_like(a)
    base = np.linalg.inv(a) if n < 0 else as_array(a)
    negative, n = n < 0, abs(n)
    powers = [None] * n  # powers[k] = base^k (k >= 1)
    acc = None
    for k in range(1, n):
        acc = base if acc is None else mm(acc, base)
        powers[k] = mh(acc)
    gb = 0
    for k in range(n):  # sum_k (B^H)^k g (B^H)^(n-1-k)
        term = g if k == 0 else mm(powers[k], g)
        gb = gb + (term if n - 1 - k == 0 else mm(term, powers[n - 1 - k]))
    return unbroadcast(inv_grad(gb, base) if negative else gb, a)


def _tensorinv_vjp(g, ans, a, ind=2):
    shape = np.shape(a)
    rows = math.prod(shape[ind:])
    ainv = ans.reshape(rows, -1)
    return unbroadcast(inv_grad(g.reshape(rows, -1), ainv).reshape(shape), a)


ROWS = [
    Op("linalg.inv", meta=shaped(same), vjp=(_inv_vjp,), threaded=True),
    Op("linalg.det", meta=shaped(batch), vjp=(_det_vjp,), threaded=True),
    Op(
        "linalg.slogdet",
        meta=shaped(lambda a: (batch(a), batch(a))),
        vjp=(_slogdet_vjp,),
        threaded=True,
    ),
    Op(
        "linalg.matrix_power",
        meta=shaped(same),
        vjp=(_matrix_power_vjp,),
        aliases=True,  # n=1 returns the input itself
        threaded=True,
    ),
    Op(
        "linalg.tensorinv",
        meta=shaped(lambda a, ind=2: shape_of(a)[ind:] + shape_of(a)[:ind]),
        vjp=(_tensorinv_vjp,),
        threaded=True,
    ),
]


# --- solvers ----------------------------------------------------------------------------------
def _solve(a, b):
    a, b = shape_of(a), shape_of(b)
    if len(b) == 1:
        return a[:-1]
    return numpy.broadcast_shapes(a[:-2], b[:-2]) + b[-2:]


def _solve_a(g, ans, a, b):
    gb = _solve_b(g, ans, a, b, fit=False)
    if np.ndim(b) == 1:
        return unbroadcast(-col(gb) * row(conj(ans)), a)
    return unbroadcast(-mm(gb, mh(ans)), a)


def _solve_b(g, ans, a, b, fit=True):
    vec = np.ndim(b) == 1  # NumPy 2: b is a vector only when 1-D
    gb = np.linalg.solve(mh(a), col(g) if vec else g)
    gb = gb[..., 0] if vec else gb
    return unbroadcast(gb, b) if fit else gb


def _tensorsolve(a, b, axes=None):
    a, b = list(shape_of(a)), shape_of(b)
    if axes is not None:
        moved = [a[i] for i in axes]
        a = [n for i, n in enumerate(a) if i not in normalize_axis_tuple(axes, len(a))] + moved
    return tuple(a[len(b) :])


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
    gb = np.linalg.solve(mh(am), g.reshape(-1)).reshape(np.shape(b))
    return unbroadcast(gb, b) if fit else gb


def _tensorsolve_a(g, ans, a, b, axes=None):
    gb = _tensorsolve_b(g, ans, a, b, axes, fit=False)
    a, order, nb = _tensorsolve_parts(a, b, axes)
    gm = -col(gb.reshape(-1)) * row(conj(ans).reshape(-1))
    moved = tuple(a.shape[k] for k in order)
    return unbroadcast(
        np.transpose(gm.reshape(moved), tuple(int(k) for k in numpy.argsort(order))), a
    )


ROWS += [
    Op("linalg.solve", meta=shaped(_solve, 2), vjp=(_solve_a, _solve_b), threaded=True),
    Op(
        "linalg.tensorsolve",
        meta=shaped(_tensorsolve, 2),
        vjp=(_tensorsolve_a, _tensorsolve_b),
        threaded=True,
    ),
]


# --- Cholesky, QR ---------------------------------------------------------------------------------
def cholesky_vjp(g, ans, a, upper=False, **kwargs):
    """Murray (2016) / PyTorch: with a = L L^H, phi(P) = tril(P) with a halved diagonal,
    grad = L^-H sym(phi(L^H gL)) L^-1, read back onto the triangle NumPy uses."""
    low, g_low = (mh(ans), mh(g)) if upper else (ans, g)
    n = low.shape[-1]
    p = mm(mh(low), g_low)
    strict = np.tri(n, n, -1, dtype=bool, device=g.device)
    s = (p * strict + mh(p * strict) + np.real(p) * eye(n, g)) * 0.5
    linv = np.linalg.inv(low)
    gh = mm(mm(mh(linv), s), linv)
    return unbroadcast(_herm_project(gh, not upper), a)


def _qr(a, mode="reduced"):
    a = shape_of(a)
    stack, (m, n) = a[:-2], a[-2:]
    k = min(m, n)
    return {
        "reduced": (stack + (m, k), stack + (k, n)),
        "complete": (stack + (m, m), stack + (m, n)),
        "r": stack + (k, n),
        "raw": (stack + (n, m), stack + (k,)),
    }[mode]


def _qr_grad(q, r, gq, gr):
    """a = QR with m >= n (reduced): (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q."""
    m = mm(r, mh(gr)) - mm(mh(gq), q)
    n = m.shape[-1]
    strict = np.tri(n, n, -1, dtype=bool, device=m.device)
    low = m * strict
    sym = low + mh(low) + np.real(m) * eye(n, m)
    return mh(np.linalg.solve(r, mh(gq + mm(q, sym))))


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
    gx = _qr_grad(q, r[..., :rows], gq + mm(y, mh(gr_y)), gr_x)
    return unbroadcast(np.concatenate([gx, mm(q, gr_y)], axis=-1), a)


ROWS += [
    Op("linalg.cholesky", meta=shaped(same), vjp=(cholesky_vjp,), threaded=True),
    Op("linalg.qr", meta=shaped(_qr), vjp=(_qr_vjp,), c_ordered=False, threaded=True),
]


# --- eigenproblems ------------------------------------------------------------------------------
def _eigvalsh(a, UPLO="L"):  # noqa: N803  # NumPy's argument name
    return shape_of(a)[:-1]


def _eigh_grad(w, v, gw, gv):
    """V (diag(gw) + F o (V^H gv)) V^H with F_ij = 1/(w_j - w_i) off the diagonal."""
    vh = mh(v)
    inner = diag_embed(gw)
    if gv is not None:
        den, mask = _safe_denominator(row(w) - col(w))
        inner = inner + mm(vh, gv) * mask / den
    return mm(mm(v, inner), vh)


def _eigh_vjp(g, ans, a, UPLO="L"):  # noqa: N803
    w, v = ans
    gw, gv = g
    return unbroadcast(_herm_project(_eigh_grad(w, v, gw, _live(gv)), UPLO == "L"), a)


def _eigvalsh_vjp(g, ans, a, UPLO="L"):  # noqa: N803
    v = np.linalg.eigh(a, UPLO).eigenvectors
    return unbroadcast(_herm_project(_eigh_grad(ans, v, g, None), UPLO == "L"), a)


def _eig_grad(w, v, gw, gv):
    """PyTorch's linalg_eig_backward: V^-H (diag(gw) + (V^H gv - V^H V diag(Re diag(V^H gv)))
    / conj(E)) V^H with E_ij = w_j - w_i, for eigenvectors of unit norm."""
    vh = mh(v)
    inner = diag_embed(gw)
    if gv is not None:
        vhgv = mm(vh, gv)
        re_diag = np.real(np.linalg.diagonal(vhgv))
        den, mask = _safe_denominator(conj(row(w) - col(w)))
        inner = inner + (vhgv - mm(vh, v * row(re_diag))) * mask / den
    return np.linalg.solve(vh, mm(inner, vh))


def _eig_vjp(g, ans, a):
    w, v = ans
    gw, gv = g
    return unbroadcast(_eig_grad(w, v, gw, _live(gv)), a)


def _eigvals_vjp(g, ans, a):
    return unbroadcast(_eig_grad(ans, np.linalg.eig(a).eigenvectors, g, None), a)


ROWS += [
    Op(
        "linalg.eigh",
        meta=shaped(lambda a, UPLO="L": (_eigvalsh(a), shape_of(a))),  # noqa: N803
        vjp=(_eigh_vjp,),
        threaded=True,
    ),
    Op("linalg.eigvalsh", meta=shaped(_eigvalsh), vjp=(_eigvalsh_vjp,), threaded=True),
    Op("linalg.eig", meta=None, vjp=(_eig_vjp,), threaded=True),
    Op("linalg.eigvals", meta=None, vjp=(_eigvals_vjp,), threaded=True),
]


# --- singular values, pseudo-inverse, least squares ---------------------------------------------
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    a = shape_of(a)
    stack, (m, n) = a[:-2], a[-2:]
    k = min(m, n)
    if not compute_uv:
        return stack + (k,)
    u, v = (m, n) if full_matrices else (k, k)
    return stack + (m, u), stack + (k,), stack + (v, n)


def _svd_grad(u, s, vh, gu, gs, gvh):
    """PyTorch's svd_backward for the reduced SVD a = U diag(s) Vh (distinct nonzero s)."""
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    inner = diag_embed(gs) if gs is not None else 0
    if gu is not None:
        uh, v = mh(u), mh(vh)
        j, kk = mm(uh, gu), mm(vh, mh(gvh))
        den, mask = _safe_denominator(row(s * s) - col(s * s))
        inner = inner + ((j - mh(j)) * row(s) + col(s) * (kk - mh(kk))) * mask / den
        if j.dtype.kind == "c":  # the phase of U's columns against V's
            d = np.linalg.diagonal(j)
            inner = inner + diag_embed((d - np.conjugate(d)) * 0.5 / s)
    ga = mm(mm(u, inner), vh)
    if gu is not None and m > k:
        ga = ga + mm((gu - mm(u, mm(uh, gu))) / row(s), vh)
    if gu is not None and n > k:
        ga = ga + mm(u, (gvh - mm(mm(gvh, v), vh)) / col(s))
    return ga


def _svdvals_grad(g, a, hermitian=False):
    u, _, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    return mm(u * row(g), vh)


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


def _transposed(a, *rest, **kwargs):  # pinv: (..., M, N) -> (..., N, M)
    a = shape_of(a)
    return a[:-2] + (a[-1], a[-2])


def _pinv_grad(g, p, a):
    """Golub & Pereyra (full rank): with P = pinv(a),
    grad = -P^H g P^H + (I - a P) g^H P P^H + P^H P g^H (I - P a)."""
    ph, gh = mh(p), mh(g)
    left = eye(a.shape[-2], g) - mm(a, p)
    right = eye(a.shape[-1], g) - mm(p, a)
    return -mm(mm(ph, g), ph) + mm(mm(left, gh), mm(p, ph)) + mm(mm(ph, p), mm(gh, right))


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
        xm, gxm = (col(x), col(gx)) if vec else (x, gx)
        bm = col(as_array(b)) if vec else as_array(b)
        if a.shape[-2] < a.shape[-1]:  # underdetermined: x = pinv(a) b, the minimum-norm solution
            p = np.linalg.pinv(a)
            if i == 1:
                gb = mm(mh(p), gxm)
                return unbroadcast(gb[..., 0] if vec else gb, b)
            ga = _pinv_grad(mm(gxm, mh(bm)), p, a)
        else:  # full column rank: z = (a^H a)^-1 gx, r = b - a x
            z = np.linalg.solve(mm(mh(a), a), gxm)
            resid = bm - mm(a, xm)
            if i == 1:
                gb = mm(a, z)
                if res.shape[-1]:
                    gb = gb + 2 * resid * g_res
                return unbroadcast(gb[..., 0] if vec else gb, b)
            ga = mm(resid, mh(z)) - mm(mm(a, z), mh(xm))
            if res.shape[-1]:
                ga = ga - 2 * mm(resid * g_res, mh(xm))
        if gs is not None:
            ga = ga + _svdvals_grad(gs, a)
        return unbroadcast(ga, a)

    return rule


ROWS += [
    Op("linalg.svd", meta=shaped(_svd), vjp=(_svd_vjp,), c_ordered=False, threaded=True),
    Op(
        "linalg.svdvals",
        lambda xp, x, /: xp.linalg.svd(x, compute_uv=False),
        shaped(lambda x: _svd(x, compute_uv=False)),
        vjp=(_svdvals_vjp,),
        threaded=True,
    ),
    Op(
        "linalg.pinv",
        meta=shaped(_transposed),
        vjp=(_pinv_vjp,),
        threaded=True,
    ),
    Op("linalg.lstsq", meta=None, vjp=(_lstsq_rule(0), _lstsq_rule(1)), threaded=True),
]
