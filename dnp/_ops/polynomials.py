"""Polynomials as coefficient arrays (``numpy.poly*``, ``roots``): NumPy's algorithms written
against ``xp``, each with its metadata rule and gradient.

CuPy lacks polyder, polyint and polydiv, and its others differ: no list inputs, roots and poly
only for Hermitian companion matrices (roots unordered), polymul keeps a 0-length product. The
lengths of roots, of polymul's product and polydiv's remainder (leading zeros dropped), the
dtype of poly (real when the roots pair up) and polyfit's rank-dependent residuals depend on the
data: those rows have no metadata rule.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy
from numpy import finfo, mintypecode
from numpy.exceptions import RankWarning

from .._meta import bound, resized, run_bound, run_small, shape_of, small
from ._grad import as_array, conj, host_values, np, to_input
from ._row import Op


def _poly_coeffs(xp, c):
    """``numpy.poly1d(c).coeffs``: 1-d, leading zeros dropped, at least one coefficient."""
    c = xp.atleast_1d(xp.asarray(c))
    if c.ndim > 1:
        raise ValueError("Polynomial must be 1d only.")
    c = xp.trim_zeros(c, trim="f")
    return c if len(c) else xp.zeros((1,), c.dtype)


# --- sums and values -----------------------------------------------------------------------------
def _aligned(xp, a1, a2):
    """Two coefficient arrays padded with leading zeros to one length."""
    a1, a2 = xp.atleast_1d(xp.asarray(a1)), xp.atleast_1d(xp.asarray(a2))
    diff = len(a2) - len(a1)
    if diff > 0:
        a1 = xp.concatenate((xp.zeros(diff, a1.dtype), a1))
    elif diff < 0:
        a2 = xp.concatenate((xp.zeros(-diff, a2.dtype), a2))
    return a1, a2


def _polyadd(xp, a1, a2):
    return xp.add(*_aligned(xp, a1, a2))


def _polysub(xp, a1, a2):
    return xp.subtract(*_aligned(xp, a1, a2))


def _aligned_meta(op, args, kwargs):
    """polyadd, polysub: the coefficients aligned at the end (the shorter padded with leading
    zeros, which only a 1-d one takes), then combined; the dtype from the op on one coefficient
    each."""
    params = bound(op, args, kwargs)
    shapes = [shape_of(params[k]) or (1,) for k in ("a1", "a2")]  # atleast_1d
    n = max(s[0] for s in shapes)
    if any(s[0] != n and len(s) != 1 for s in shapes):
        raise ValueError("all the input arrays must have same number of dimensions")
    shape = numpy.broadcast_shapes(*((n,) + s[1:] for s in shapes))
    return resized(run_small(op, (small(params["a1"]), small(params["a2"])), {}), shape)


def _tail(g, a):
    """The gradient of coefficients ``a`` aligned at the end of the longer ``g`` (polyadd)."""
    n = max(np.size(a), 1)
    return to_input(g[g.shape[0] - n :].reshape(np.shape(a)), a)


def _polyval(xp, p, x):
    p = xp.asarray(p)
    x = xp.asarray(x)
    y = xp.zeros_like(x)
    for pv in p:
        y = y * x + pv
    return y


def _polyval_meta(op, args, kwargs):
    """x's shape, broadcast against each coefficient (y = y * x + p[i]); the dtype from the op on
    one coefficient and one point."""
    params = bound(op, args, kwargs)
    p, x = shape_of(params["p"]), shape_of(params["x"])
    result = run_small(op, (small(params["p"]), small(params["x"])), {})
    return resized(result, x if not p or not p[0] else numpy.broadcast_shapes(x, p[1:]))


def _polyval_p(g, ans, p, x):
    x = as_array(x)
    powers = np.vander(np.ravel(x), np.size(p))  # column i: x ** (len(p) - 1 - i)
    return to_input(np.sum(np.conjugate(powers) * np.reshape(g, (-1, 1)), axis=0), p)


def _polyval_x(g, ans, p, x):
    return to_input(g * conj(np.polyval(np.polyder(p), x)), x)


ROWS = [
    Op(
        "polyadd",
        _polyadd,
        _aligned_meta,
        vjp=(lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: _tail(g, a2)),
    ),
    Op(
        "polysub",
        _polysub,
        _aligned_meta,
        vjp=(lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: _tail(-g, a2)),
    ),
    Op("polyval", _polyval, _polyval_meta, vjp=(_polyval_p, _polyval_x)),
]


# --- derivatives and integrals -------------------------------------------------------------------
def _polyder(xp, p, m=1):
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = xp.asarray(p)
    y = p[:-1] * xp.arange(len(p) - 1, 0, -1)
    return p if m == 0 else _polyder(xp, y, m - 1)


def _polyder_meta(op, args, kwargs):
    """Each derivative drops the last coefficient (p[:-1] times the powers, broadcast against
    the last axis); m=0 returns the input. The dtype from the op on at most two coefficients."""
    params = bound(op, args, kwargs)
    m = int(params.get("m", 1))
    result = run_bound(op, dict(params, p=small(params["p"], 2), m=min(m, 1)))
    shape = shape_of(params["p"])
    for _ in range(m):
        n = max(shape[0] - 1, 0)
        shorter = numpy.broadcast_shapes((n,) + shape[1:], (n,))
        if shorter == shape:
            break
        shape = shorter
    return resized(result, shape)


def _polyder_vjp(g, ans, p, m=1):
    for step in reversed(range(int(m))):
        length = np.size(p) - step  # the length before this step's derivative
        g = g * numpy.arange(length - 1, 0, -1).astype(g.real.dtype)
        g = np.concatenate([g, np.zeros_like(g, shape=(1,))])
    return to_input(g, p)


def _polyint(xp, p, m=1, k=None):
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = xp.atleast_1d(xp.asarray(xp.zeros(m, float) if k is None else k))
    if len(k) == 1 and m > 1:
        k = k[0] * xp.ones(m, float)
    if len(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = xp.asarray(p)
    if m == 0:
        return p
    y = xp.concatenate((p / xp.arange(len(p), 0, -1), k[:1]))
    return _polyint(xp, y, m - 1, k=k[1:])


def _polyint_meta(op, args, kwargs):
    """Each integral appends a constant (m=0 returns the input); the dtype and NumPy's checks
    from the op on one coefficient, at most two integrals and two constants."""
    params = bound(op, args, kwargs)
    m, k = int(params.get("m", 1)), params.get("k")
    constants = (shape_of(k) or (1,))[0] if k is not None else m
    if constants < m and not (constants == 1 and m > 1):
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    tiny = dict(params, p=small(params["p"]), m=min(m, 2), k=None if k is None else small(k, 2))
    result = run_bound(op, tiny)
    shape = shape_of(params["p"])
    return resized(result, shape if m == 0 else (shape[0] + m,))


def _polyint_parts(g, p, m, k):
    """The gradients of p and of the integration constants k, steps undone last to first."""
    ks = []
    for step in reversed(range(int(m))):
        length = np.size(p) + step  # the length before this step's integral
        ks.append(g[-1])
        g = g[:-1] / numpy.arange(length, 0, -1).astype(g.real.dtype)
    return g, ks[::-1]


def _polyint_p(g, ans, p, m=1, k=None):
    return to_input(_polyint_parts(g, p, m, k)[0], p)


def _polyint_k(g, ans, p, m=1, k=None):
    ks = np.stack(_polyint_parts(g, p, m, k)[1])
    if np.size(k) == 1:
        return to_input(np.sum(ks).reshape(np.shape(k)), k)
    return to_input(np.concatenate([ks, np.zeros_like(ks, shape=(np.size(k) - len(ks),))]), k)


ROWS += [
    Op("polyder", _polyder, _polyder_meta, vjp=(_polyder_vjp,), aliases=True),  # m=0: p itself
    Op("polyint", _polyint, _polyint_meta, vjp=(_polyint_p, None, _polyint_k), aliases=True),
]


# --- products, quotients, roots and fits (data-dependent lengths and dtypes) ---------------------
def _polymul(xp, a1, a2):
    return xp.convolve(_poly_coeffs(xp, a1), _poly_coeffs(xp, a2))


def _leading_zeros(a) -> int:
    nz = numpy.flatnonzero(numpy.atleast_1d(host_values(a)))
    return int(nz[0]) if len(nz) else max(np.size(a) - 1, 0)


def _polymul_part(g, ans, a1, a2, *, part):
    # polymul = convolve of the coefficients without their leading zeros.
    a, b = (a1, a2) if part == 0 else (a2, a1)
    za, zb = _leading_zeros(a), _leading_zeros(b)
    b = (b if np.ndim(b) else np.reshape(b, (1,)))[zb:]
    grad = np.correlate(g, b, "valid")
    grad = np.concatenate([np.zeros_like(grad, shape=(za,)), grad])
    return to_input(grad.reshape(np.shape(a)), a)


def _polydiv(xp, u, v):
    u = xp.atleast_1d(xp.asarray(u)) + 0.0
    v = xp.atleast_1d(xp.asarray(v)) + 0.0
    w = u[0] + v[0]  # the common type
    m, n = len(u) - 1, len(v) - 1
    scale = 1.0 / v[0]
    q = xp.zeros((max(m - n + 1, 1),), w.dtype)
    r = u.astype(w.dtype)
    for k in range(m - n + 1):
        d = scale * r[k]
        q[k] = d
        r[k : k + n + 1] -= d * v
    # The remainder's leading zeros are dropped: its length depends on the data.
    while xp.allclose(r[0], 0, rtol=1e-14) and r.shape[-1] > 1:
        r = r[1:]
    return q, r


def _polydiv_part(g, ans, u, v, *, part):
    """q, r = polydiv(u, v): conv(q, v) matches u's first K = len(u) - len(v) + 1 coefficients
    (a triangular Toeplitz system L(v) q = u[:K]) and r holds the rest of u - conv(q, v)."""
    gq, gr = g
    m1, n1 = np.size(u), np.size(v)
    k = m1 - n1 + 1
    # r: the last len(r) coefficients of u - conv(q, v) (its leading zeros were dropped).
    G = np.concatenate([np.zeros_like(gr, shape=(m1 - gr.shape[0],)), gr])
    if k <= 0:  # deg u < deg v: q = 0, r = u
        return to_input(G, u) if part == 0 else np.zeros_like(v)
    q = ans[0]
    total_q = gq - np.correlate(G, v, "valid")
    # lam = L^-H total_q; L^H = J conj(L) J, and conj(L)^-1 w is the quotient of w (then n
    # zeros) by conj(v).
    padded = np.concatenate([np.flip(total_q), np.zeros_like(total_q, shape=(n1 - 1,))])
    lam = np.flip(np.polydiv(padded, np.conjugate(v))[0])
    if part == 0:
        return to_input(G + np.concatenate([lam, np.zeros_like(lam, shape=(n1 - 1,))]), u)
    big = np.concatenate([lam, np.zeros_like(lam, shape=(n1 - 1,))])
    return to_input(-np.correlate(G + big, q, "valid"), v)


def _poly(xp, seq_of_zeros):
    seq_of_zeros = xp.atleast_1d(xp.asarray(seq_of_zeros))
    sh = seq_of_zeros.shape
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        seq_of_zeros = xp.linalg.eigvals(seq_of_zeros)
    elif len(sh) == 1:
        seq_of_zeros = seq_of_zeros.astype(mintypecode(seq_of_zeros.dtype.char))
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if len(seq_of_zeros) == 0:
        return 1.0
    dt = seq_of_zeros.dtype
    a = xp.ones((1,), dtype=dt)
    for zero in seq_of_zeros:
        factor = xp.ones((2,), dtype=dt)
        factor[1] = -zero
        a = xp.convolve(a, factor, mode="full")
    if a.dtype.kind == "c":
        # Roots in conjugate pairs make a real polynomial.
        roots = xp.asarray(seq_of_zeros, complex)
        if xp.all(xp.sort(roots) == xp.sort(roots.conjugate())):
            a = a.real.copy()
    return a


def _poly_vjp(g, ans, seq_of_zeros):
    """1-d sequences of zeros: d a / d z_j = -[0, q_j], q_j = a / (x - z_j) by synthetic
    division (of the result)."""
    z = seq_of_zeros
    if np.ndim(z) != 1:
        raise NotImplementedError("dnp.poly: no gradient for a matrix (through its eigenvalues)")
    n = np.size(z)
    if n == 0:
        return np.zeros_like(z)
    q = ans[0] * np.ones_like(z)
    acc = g[1] * np.conjugate(q)
    for k in range(1, n):
        q = ans[k] + z * q
        acc = acc + g[k + 1] * np.conjugate(q)
    return to_input(-acc, z)


def _roots(xp, p):
    p = xp.atleast_1d(xp.asarray(p))
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    non_zero = xp.nonzero(xp.ravel(p))[0]
    if len(non_zero) == 0:
        return xp.array([])
    first, last = int(non_zero[0]), int(non_zero[-1])
    trailing_zeros = len(p) - last - 1  # roots at 0
    p = p[first : last + 1]
    if p.dtype.kind not in "fc":
        p = p.astype(float)
    n = len(p)
    if n > 1:
        companion = xp.diag(xp.ones((n - 2,), p.dtype), -1)
        companion[0, :] = -p[1:] / p[0]
        roots = xp.linalg.eigvals(companion)
    else:
        roots = xp.array([])
    return xp.concatenate((roots, xp.zeros(trailing_zeros, roots.dtype)))


def _roots_vjp(g, ans, p):
    """Simple roots: a root r of p moves by -r ** (N - 1 - i) / p'(r) per unit of p[i]."""
    if np.size(ans) == 0:
        return np.zeros_like(p)
    powers = np.vander(ans, np.size(p))  # (roots, N): r ** (N - 1 - i)
    slope = np.polyval(np.polyder(p), ans)
    return to_input(-np.sum(np.conjugate(powers / slope[:, None]) * g[:, None], axis=0), p)


def _polyfit(xp, x, y, deg, rcond=None, full=False, w=None, cov=False):
    order = int(deg) + 1
    x = xp.asarray(x) + 0.0
    y = xp.asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = len(x) * finfo(x.dtype).eps
    lhs = xp.vander(x, order)
    rhs = y
    if w is not None:
        w = xp.asarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs *= w[:, None]
        rhs *= w[:, None] if rhs.ndim == 2 else w
    # Scaling the columns improves the condition number.
    scale = xp.sqrt((lhs * lhs).sum(axis=0))
    lhs /= scale
    c, resids, rank, s = xp.linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", RankWarning, stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    vbase = xp.linalg.inv(xp.dot(lhs.T, lhs))
    vbase /= xp.outer(scale, scale)
    if cov == "unscaled":
        fac = 1
    else:
        if len(x) <= order:
            raise ValueError(
                "the number of data points must exceed order to scale the covariance matrix"
            )
        fac = resids / (len(x) - order)
    return c, (vbase * fac if y.ndim == 1 else vbase[:, :, None] * fac)


def _polyfit_y(g, ans, x, y, deg, rcond=None, full=False, w=None, cov=False):
    """polyfit is least squares: c = pinv(W V) W y, linear in y."""
    if full or cov:
        raise NotImplementedError("dnp.polyfit: the gradient is written for full=False, cov=False")
    lhs = np.vander(as_array(x).astype(g.real.dtype), int(deg) + 1)
    if w is not None:
        lhs = lhs * np.reshape(w, (-1, 1))
    grad = np.matmul(np.linalg.pinv(lhs).T, g)  # (len(x),) or (len(x), k)
    if w is not None:
        grad = grad * (np.reshape(w, (-1, 1)) if grad.ndim == 2 else w)
    return to_input(grad, y)


ROWS += [
    Op(
        "polymul",
        _polymul,
        None,
        vjp=(partial(_polymul_part, part=0), partial(_polymul_part, part=1)),
    ),
    Op(
        "polydiv",
        _polydiv,
        None,
        vjp=(partial(_polydiv_part, part=0), partial(_polydiv_part, part=1)),
    ),
    Op("poly", _poly, None, vjp=(_poly_vjp,)),
    Op("roots", _roots, None, vjp=(_roots_vjp,)),
    Op("polyfit", _polyfit, None, vjp=(None, _polyfit_y)),
]
