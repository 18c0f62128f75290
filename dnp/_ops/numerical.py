"""Numerical routines: differences, integration, interpolation, polynomials, windows, bit packing,
and the functional helpers that call user functions (``piecewise``, ``apply_along_axis``, ...)."""

from __future__ import annotations

import collections.abc
import functools
import math
import operator
import warnings

import numpy
from numpy import finfo, mintypecode, ndindex
from numpy.exceptions import RankWarning
from numpy.lib.array_utils import normalize_axis_index

from .._backend import device_of_buffer
from .._dispatch import dispatch
from .._meta import elementwise, probe
from .._ndarray import _new, ndarray
from ._grad import as_array, conj, np, to_input
from ._row import Op, attach_vjps


def _window_meta(op, args, kwargs):
    """``probe`` without the creation keywords, which NumPy's window functions do not take."""
    return probe(op, args, {k: v for k, v in kwargs.items() if k not in ("device", "like")})


def _gradient(xp, f, *varargs, **kwargs):
    # NumPy 2.x returns a tuple for several axes; CuPy returns a list.
    res = xp.gradient(f, *varargs, **kwargs)
    return tuple(res) if isinstance(res, list) else res


def _unpackbits(xp, a, axis=None, count=None, bitorder="big"):
    # CuPy's unpackbits has no count: unpack everything, then trim or zero-pad along the axis.
    bits = xp.unpackbits(a, axis=axis, bitorder=bitorder)
    if count is None:
        return bits
    count = operator.index(count)
    ax = -1 if axis is None else axis
    n = bits.shape[ax]
    if count < 0:
        if -count > n:
            raise ValueError("-count larger than number of elements")
        count += n
    if count > n:
        pad_shape = list(bits.shape)
        pad_shape[ax] = count - n
        return xp.concatenate((bits, xp.zeros(pad_shape, bits.dtype)), axis=ax)
    index = [slice(None)] * bits.ndim
    index[ax] = slice(0, count)
    return bits[tuple(index)]


# --- polynomials: NumPy's algorithms written against ``xp`` ---------------------------------------
# CuPy lacks polyder, polyint and polydiv, and its others differ: no list inputs, roots and poly
# only for Hermitian companion matrices (roots unordered), polymul keeps a 0-length product.
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


def _poly_coeffs(xp, c):
    """``numpy.poly1d(c).coeffs``: 1-d, leading zeros dropped, at least one coefficient."""
    c = xp.atleast_1d(xp.asarray(c))
    if c.ndim > 1:
        raise ValueError("Polynomial must be 1d only.")
    c = xp.trim_zeros(c, trim="f")
    return c if len(c) else xp.zeros((1,), c.dtype)


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


def _polymul(xp, a1, a2):
    return xp.convolve(_poly_coeffs(xp, a1), _poly_coeffs(xp, a2))


def _polyval(xp, p, x):
    p = xp.asarray(p)
    x = xp.asarray(x)
    y = xp.zeros_like(x)
    for pv in p:
        y = y * x + pv
    return y


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


def _polyder(xp, p, m=1):
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = xp.asarray(p)
    y = p[:-1] * xp.arange(len(p) - 1, 0, -1)
    return p if m == 0 else _polyder(xp, y, m - 1)


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


# --- functional helpers: user functions see dnp arrays, written in dnp code ---------------------
def _to_dnp(buf):
    return _new(buf, device_of_buffer(buf))


def _wrap_args(xp, args, kwargs):
    """Extra arguments for a user function: dispatch unwrapped dnp arrays; give them back."""
    wrap = lambda x: _to_dnp(x) if isinstance(x, xp.ndarray) else x  # noqa: E731
    return tuple(map(wrap, args)), {k: wrap(v) for k, v in kwargs.items()}


def _to_backend(xp, res):
    """A user function's result (dnp arrays, scalars, sequences of them) as a backend array."""
    if isinstance(res, ndarray):
        return res._ready()  # the user function's ops may still be running
    if isinstance(res, (list, tuple)):
        return xp.asarray([_to_backend(xp, r) for r in res])
    return xp.asarray(res)


def _piecewise(xp, x, condlist, funclist, *args, **kw):
    args, kw = _wrap_args(xp, args, kw)
    x = xp.asarray(x)
    n2 = len(funclist)
    # NumPy's undocumented rule: a single condition is promoted to a list of one condition.
    if xp.isscalar(condlist) or (not isinstance(condlist[0], (list, xp.ndarray)) and x.ndim != 0):
        condlist = [condlist]
    condlist = xp.asarray(condlist, dtype=bool)
    n = len(condlist)
    if n == n2 - 1:  # the "otherwise" condition
        condelse = ~xp.any(condlist, axis=0, keepdims=True)
        condlist = xp.concatenate([condlist, condelse], axis=0)
        n += 1
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = xp.zeros_like(x)
    for cond, func in zip(condlist, funclist, strict=True):
        if not isinstance(func, collections.abc.Callable):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = _to_backend(xp, func(_to_dnp(vals), *args, **kw))
    return y


def _apply_along_axis(xp, func1d, axis, arr, *args, **kwargs):
    args, kwargs = _wrap_args(xp, args, kwargs)
    arr = xp.asarray(arr)
    axis = normalize_axis_index(axis, arr.ndim)
    dims = list(range(arr.ndim))
    inarr_view = xp.transpose(arr, dims[:axis] + dims[axis + 1 :] + [axis])
    # The trailing Ellipsis keeps 0-d slices arrays (NumPy gh-8642).
    inds = (ind + (Ellipsis,) for ind in ndindex(inarr_view.shape[:-1]))
    try:
        ind0 = next(inds)
    except StopIteration:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0") from None
    call = lambda ind: _to_backend(xp, func1d(_to_dnp(inarr_view[ind]), *args, **kwargs))  # noqa: E731
    res = call(ind0)
    buff = xp.zeros(inarr_view.shape[:-1] + res.shape, res.dtype)
    bd = list(range(buff.ndim))
    permute = bd[:axis] + bd[buff.ndim - res.ndim :] + bd[axis : buff.ndim - res.ndim]
    buff[ind0] = res
    for ind in inds:
        buff[ind] = call(ind)
    return xp.transpose(buff, permute)


def _apply_over_axes(xp, func, a, axes):
    val = xp.asarray(a)
    if xp.asarray(axes).ndim == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = val.ndim + axis
        res = _to_backend(xp, func(_to_dnp(val), axis))
        if res.ndim != val.ndim:
            res = xp.expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


ROWS = [Op(name, meta=elementwise) for name in "angle sinc i0 fix nan_to_num".split()]
_PROBED = "convolve correlate diff ediff1d interp unwrap trapezoid packbits"
ROWS += [Op(name, meta=probe) for name in _PROBED.split()]
ROWS += [
    Op(name, meta=_window_meta, creation=True)
    for name in "bartlett blackman hamming hanning kaiser".split()
]
ROWS += [
    Op("gradient", _gradient, probe),
    Op("unpackbits", _unpackbits, probe),
    Op("polyadd", _polyadd, probe),
    Op("polysub", _polysub, probe),
    Op("polyval", _polyval, probe),
    Op("polyder", _polyder, probe),
    Op("polyint", _polyint, probe),
    # Data-dependent results: the dtype of real_if_close and poly (real when the roots pair up),
    # the lengths of roots, of polymul's product and polydiv's remainder (leading zeros dropped),
    # the rank-dependent residuals of polyfit.
    Op("real_if_close", meta=None),
    Op("poly", _poly, None),
    Op("roots", _roots, None),
    Op("polymul", _polymul, None),
    Op("polydiv", _polydiv, None),
    Op("polyfit", _polyfit, None),
    # User functions run here, on dnp arrays, so the result is known only once they have run.
    Op("piecewise", _piecewise, None),
    Op("apply_along_axis", _apply_along_axis, None),
    Op("apply_over_axes", _apply_over_axes, None),
]


def _host(xp, x):
    return xp.asnumpy(x) if xp is not numpy and isinstance(x, xp.ndarray) else x


def _vectorized_call(xp, vec, *args, **kwargs):
    """NumPy's vectorize loop, on the host: it calls a Python function once per element."""
    result = vec(*(_host(xp, a) for a in args), **{k: _host(xp, v) for k, v in kwargs.items()})
    if isinstance(result, tuple):
        return tuple(xp.asarray(r) for r in result)
    return xp.asarray(result)


_VECTORIZE = Op("vectorize.__call__", _vectorized_call, None)
ROWS.append(_VECTORIZE)


class vectorize:
    """A Python function applied elementwise with broadcasting. See `numpy.vectorize`.

    As in NumPy, the function runs once per element in Python (on the host, for GPU arrays) and
    receives NumPy scalars; the result is a dnp array on the inputs' device.
    """

    def __init__(self, pyfunc, otypes=None, doc=None, excluded=None, cache=False, signature=None):
        self._vec = numpy.vectorize(pyfunc, otypes, doc, excluded, cache, signature)
        self.pyfunc = pyfunc
        self.__doc__ = self._vec.__doc__

    def __call__(self, *args, **kwargs):
        return dispatch(_VECTORIZE, (self._vec, *args), kwargs)


# --- gradients ---------------------------------------------------------------------------------


def _host_array(x):
    return x.asnumpy() if isinstance(x, ndarray) else numpy.asarray(x)


def _slice(x, axis, start, stop):
    return x[(slice(None),) * (axis % x.ndim) + (slice(start, stop),)]


def _diff_adjoint(g, n, axis):
    """The adjoint of ``diff(., n, axis)``: each difference's transpose is ``-diff`` of g
    padded with a zero at each end."""
    for _ in range(n):
        zero = numpy.zeros((), g.dtype)  # an int 0 would promote float32 to float64
        g = -np.diff(g, axis=axis, prepend=zero, append=zero)
    return g


_NO_VALUE = numpy._NoValue  # diff's default for prepend and append


def _diff_part(g, ans, a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE, *, part):
    full = _diff_adjoint(g, n, axis)
    axis %= full.ndim
    before = 0 if prepend is _NO_VALUE else (np.shape(prepend) or (1,) * full.ndim)[axis]
    after = 0 if append is _NO_VALUE else (np.shape(append) or (1,) * full.ndim)[axis]
    m = full.shape[axis]
    x, lo, hi = {
        "a": (a, before, m - after),
        "prepend": (prepend, 0, before),
        "append": (append, m - after, m),
    }[part]
    return to_input(_slice(full, axis, lo, hi), x)


def _ediff1d_part(g, ans, ary, to_end=None, to_begin=None, *, part):
    before = 0 if to_begin is None else np.size(to_begin)
    after = 0 if to_end is None else np.size(to_end)
    m = g.shape[0]
    if part == "ary":
        grad = _diff_adjoint(_slice(g, 0, before, m - after), 1, 0)
        return to_input(grad.reshape(np.shape(ary)), ary)
    x, lo, hi = (to_begin, 0, before) if part == "to_begin" else (to_end, m - after, m)
    return to_input(_slice(g, 0, lo, hi).reshape(np.shape(x)), x)


# convolve(a, v, mode) is a slice of the full convolution at this offset; correlate's too.
def _conv_offset(n, k, mode):
    return {"full": 0, "same": (min(n, k) - 1) // 2, "valid": min(n, k) - 1}[mode]


def _corr_offset(n, k, mode):
    same = (k - 1) // 2 if n >= k else n // 2
    return {"full": 0, "same": same, "valid": min(n, k) - 1}[mode]


def _full_grad(g, n, k, offset):
    """g placed in zeros of the full result's length n + k - 1, at ``offset``."""
    full = n + k - 1
    after = full - offset - len(g)
    return np.concatenate([np.zeros_like(g, shape=(offset,)), g, np.zeros_like(g, shape=(after,))])


def _convolve_part(g, ans, a, v, mode="full", *, part):
    n, k = np.size(a), np.size(v)
    G = _full_grad(g, n, k, _conv_offset(n, k, mode))
    # d(a * v)/da is correlation with v (conjugated: numpy.correlate conjugates its second).
    other, x = (v, a) if part == 0 else (a, v)
    return to_input(np.correlate(G, other, "valid"), x)


def _correlate_part(g, ans, a, v, mode="valid", *, part):
    # correlate(a, v) = convolve(a, w) with w = conj(v[::-1]); grad_v = conj(grad_w)[::-1].
    n, k = np.size(a), np.size(v)
    G = _full_grad(g, n, k, _corr_offset(n, k, mode))
    if part == 0:
        return to_input(np.correlate(G, np.conjugate(np.flip(v)), "valid"), a)
    return to_input(np.flip(np.conjugate(np.correlate(G, a, "valid"))), v)


def _trapezoid_weights(x, dx, n, ndim, axis):
    """w with trapezoid(y) = sum(w * y, axis): half the spacing on each side of each point."""
    if x is None:
        w = numpy.ones(n)
        w[0] = w[-1] = 0.5
        return _along_axis(w, ndim, axis) * dx  # dx may be an array with a gradient
    x = as_array(x)
    if x.ndim == 1:
        x = np.reshape(x, tuple(-1 if i == axis else 1 for i in range(ndim)))
    d = np.diff(x, axis=axis)
    zero = np.zeros_like(_slice(d, axis, 0, 1))
    return (np.concatenate([zero, d], axis=axis) + np.concatenate([d, zero], axis=axis)) / 2


def _along_axis(w, ndim, axis):
    return numpy.reshape(w, (-1,) + (1,) * (ndim - 1 - axis))


def _trapezoid_y(g, ans, y, x=None, dx=1.0, axis=-1):
    axis %= np.ndim(y)
    w = _trapezoid_weights(x, dx, np.shape(y)[axis], np.ndim(y), axis)
    return to_input(np.expand_dims(g, axis) * conj(w), y)


def _trapezoid_x(g, ans, y, x=None, dx=1.0, axis=-1):
    nd = np.ndim(y)
    axis %= nd
    mid = (_slice(y, axis, 1, None) + _slice(y, axis, 0, -1)) / 2  # d out / d diff(x)
    grad = _diff_adjoint(np.expand_dims(g, axis) * conj(mid), 1, axis)
    if np.ndim(x) == 1 and nd > 1:
        grad = np.sum(grad, axis=tuple(i for i in range(nd) if i != axis))
    return to_input(grad, x)


def _trapezoid_dx(g, ans, y, x=None, dx=1.0, axis=-1):
    if x is not None:
        return None  # dx is not used
    axis %= np.ndim(y)
    mid = (_slice(y, axis, 1, None) + _slice(y, axis, 0, -1)) / 2
    return to_input(np.sum(np.expand_dims(g, axis) * conj(mid)), dx)


def _interp_grid(x, xp, period):
    """The sample points interp uses (host), the index into fp behind each, and x as interp
    uses it (dnp: reduced modulo the period, where given)."""
    xpn = numpy.asarray(_host_array(xp), dtype=float).ravel()
    idx = numpy.arange(len(xpn))
    xd = np.ravel(as_array(x))
    if period is not None:  # NumPy's: both reduced, xp sorted, one point added at each end
        period = abs(float(period))
        xd = np.remainder(xd, period)
        xpn = xpn % period
        idx = numpy.argsort(xpn, kind="stable")
        xpn = xpn[idx]
        xpn = numpy.concatenate([xpn[-1:] - period, xpn, xpn[:1] + period])
        idx = numpy.concatenate([idx[-1:], idx, idx[:1]])
    xn = numpy.asarray(_host_array(xd), dtype=float)
    j = numpy.clip(numpy.searchsorted(xpn, xn, side="right") - 1, 0, max(len(xpn) - 2, 0))
    return xpn, idx, xd, xn, j


def _interp_fp(g, ans, x, xp, fp, left=None, right=None, period=None):
    """interp is linear in fp: each x mixes its segment's two ends (hat functions)."""
    xpn, idx, xd, xn, j = _interp_grid(x, xp, period)
    m = np.size(fp)
    if len(xpn) > 1:  # t in dnp ops: the weights depend on x (mixed second derivatives)
        lo, hi = xpn[j].astype(xn.dtype), xpn[j + 1]
        t = np.clip((xd - lo) / (hi - lo), 0.0, 1.0)
    else:
        t = np.zeros_like(xd, dtype=float)
    gf = np.ravel(g)
    if period is None and left is not None:  # left/right replace fp[0]/fp[-1] outside
        gf = np.where(xn < xpn[0], 0, gf)
    if period is None and right is not None:
        gf = np.where(xn > xpn[-1], 0, gf)
    lo_i, hi_i = idx[j], idx[numpy.minimum(j + 1, len(xpn) - 1)]

    def scatter(w):  # bincount sums the weights of each fp index (positional: they carry g)
        return np.bincount(lo_i, w * (1 - t), m) + np.bincount(hi_i, w * t, m)

    grad = scatter(gf.real) + 1j * scatter(gf.imag) if np.iscomplexobj(gf) else scatter(gf)
    return to_input(grad, fp)


def _interp_x(g, ans, x, xp, fp, left=None, right=None, period=None):
    """The slope of the segment each x falls in (zero outside [xp[0], xp[-1]])."""
    xpn, idx, xd, xn, j = _interp_grid(x, xp, period)
    if len(xpn) < 2:
        return np.zeros_like(x)
    f = np.take(as_array(fp), idx)
    slope = (np.take(f, j + 1) - np.take(f, j)) / (xpn[j + 1] - xpn[j])
    inside = (xn >= xpn[0]) & (xn <= xpn[-1])
    grad = np.ravel(g) * np.where(inside, conj(slope), 0)
    return to_input(np.reshape(grad, np.shape(x)), x)


def _interp_outside(side):
    """left/right: the values of interp below xp[0] / above xp[-1]."""

    def rule(g, ans, x, xp, fp, left=None, right=None, period=None):
        xpn = numpy.asarray(_host_array(xp), dtype=float)
        xn = numpy.asarray(_host_array(x), dtype=float)
        out = xn < xpn[0] if side == "left" else xn > xpn[-1]
        return to_input(np.sum(np.where(out, g, 0)), left if side == "left" else right)

    return rule


def _sinc_vjp(g, ans, x):
    zero = x == 0
    safe = np.where(zero, 1, x)
    d = (np.cos(numpy.pi * safe) - np.sinc(safe)) / safe
    return to_input(g * conj(np.where(zero, 0, d)), x)


def _angle_vjp(g, ans, z, deg=False):
    if not np.iscomplexobj(z):
        return np.zeros_like(g)  # 0 or pi: locally constant
    # angle = atan2(y, x): d/dx = -y/|z|^2, d/dy = x/|z|^2, i.e. i / conj(z).
    scale = 180 / numpy.pi if deg else 1
    return g * (1j * scale) / np.conjugate(z)


def _nan_to_num_vjp(g, ans, x, *args, **kwargs):
    if np.iscomplexobj(x):
        re = np.where(np.isfinite(x.real), g.real, 0)
        im = np.where(np.isfinite(x.imag), g.imag, 0)
        return re + 1j * im
    return to_input(np.where(np.isfinite(x), g, 0), x)


def _real_if_close_vjp(g, ans, a, tol=100):
    if np.iscomplexobj(a) and not np.iscomplexobj(ans):
        return np.asarray(g, dtype=np.result_type(a))  # only the real part was kept
    return to_input(g, a)


def _polyval_p(g, ans, p, x):
    x = as_array(x)
    powers = np.vander(np.ravel(x), np.size(p))  # column i: x ** (len(p) - 1 - i)
    return to_input(np.sum(np.conjugate(powers) * np.reshape(g, (-1, 1)), axis=0), p)


def _polyval_x(g, ans, p, x):
    return to_input(g * conj(np.polyval(np.polyder(p), x)), x)


def _tail(g, a):
    """The gradient of coefficients ``a`` aligned at the end of the longer ``g`` (polyadd)."""
    n = max(np.size(a), 1)
    return to_input(_slice(g, 0, g.shape[0] - n, None).reshape(np.shape(a)), a)


def _polyder_vjp(g, ans, p, m=1):
    for step in reversed(range(int(m))):
        length = np.size(p) - step  # the length before this step's derivative
        g = g * numpy.arange(length - 1, 0, -1).astype(g.real.dtype)
        g = np.concatenate([g, np.zeros_like(g, shape=(1,))])
    return to_input(g, p)


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


def _leading_zeros(a) -> int:
    nz = numpy.flatnonzero(numpy.atleast_1d(_host_array(a)))
    return int(nz[0]) if len(nz) else max(np.size(a) - 1, 0)


def _polymul_part(g, ans, a1, a2, *, part):
    # polymul = convolve of the coefficients without their leading zeros.
    a, b = (a1, a2) if part == 0 else (a2, a1)
    za, zb = _leading_zeros(a), _leading_zeros(b)
    b = _slice(b if np.ndim(b) else np.reshape(b, (1,)), 0, zb, None)
    grad = np.correlate(g, b, "valid")
    grad = np.concatenate([np.zeros_like(grad, shape=(za,)), grad])
    return to_input(grad.reshape(np.shape(a)), a)


def _unwrap_vjp(g, ans, p, *args, **kwargs):
    return to_input(g, p)  # p plus a locally constant multiple of the period


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


def _stencil(m, spacing, edge_order):
    """numpy.gradient's stencil along an axis of length m, read off by probing it with three
    vectors (each row mixes at most three neighbouring points, so every row meets each probe
    once): interior rows (a, b, c) for f[i-1], f[i], f[i+1]; the first and last rows' weights."""
    probes = (numpy.arange(m)[None, :] % 3 == numpy.arange(3)[:, None]).astype(float)
    rows = numpy.gradient(probes, spacing, axis=1, edge_order=edge_order)  # rows[r][i]
    i = numpy.arange(1, m - 1)
    inner = [rows[(i + d) % 3, i] for d in (-1, 0, 1)]
    width = min(3, m)
    first = numpy.array([rows[j % 3, 0] for j in range(width)])
    last = numpy.array([rows[j % 3, m - 1] for j in range(m - width, m)])
    return inner, first, last


def _stencil_adjoint(g, axis, m, spacing, edge_order):
    """The transpose of numpy.gradient's stencil along ``axis`` applied to ``g``."""
    inner, first, last = _stencil(m, spacing, edge_order)
    dtype = numpy.finfo(g.dtype).dtype
    shape = lambda w: _along_axis(w.astype(dtype), g.ndim, axis)  # noqa: E731
    zeros = lambda n: np.zeros_like(_slice(g, axis, 0, 1), shape=_with(g.shape, axis, n))  # noqa: E731
    width = len(first)
    out = np.concatenate([_slice(g, axis, 0, 1) * shape(first), zeros(m - width)], axis=axis)
    out = out + np.concatenate([zeros(m - width), _slice(g, axis, m - 1, m) * shape(last)], axis)
    if m > 2:
        gi = _slice(g, axis, 1, m - 1)
        for k, w in enumerate(inner):  # column i - 1 + k gets a, b, c times row i
            part = [zeros(k), gi * shape(w), zeros(2 - k)]
            out = out + np.concatenate(part, axis=axis)
    return out


def _with(shape, axis, n):
    shape = list(shape)
    shape[axis] = n
    return tuple(shape)


def _gradient_vjp(g, ans, f, *varargs, axis=None, edge_order=1):
    nd = np.ndim(f)
    axes = list(range(nd)) if axis is None else [axis] if numpy.ndim(axis) == 0 else list(axis)
    axes = [normalize_axis_index(a, nd) for a in axes]
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and numpy.ndim(_host_array(varargs[0])) == 0:
        spacings = [_host_array(varargs[0])] * len(axes)
    else:
        spacings = [_host_array(v) for v in varargs]
    gs = g if isinstance(g, (tuple, list)) else (g,)
    total = None
    for gk, ax, dx in zip(gs, axes, spacings, strict=True):
        part = _stencil_adjoint(gk, ax, np.shape(f)[ax], dx, edge_order)
        total = part if total is None else total + part
    return to_input(total, f)


# i0' = i1, which NumPy lacks: its power series for |x| <= 20 (45 terms; all positive, so no
# cancellation) and its asymptotic expansion beyond (25 terms), both to about 2e-15 relative.
_I1_SERIES = [1 / (math.factorial(k) * math.factorial(k + 1)) for k in range(46)]
_I1_ASYMPTOTIC = [1.0]
for _k in range(1, 26):
    _I1_ASYMPTOTIC.append(_I1_ASYMPTOTIC[-1] * ((2 * _k - 1) ** 2 - 4) / (8 * _k))


def _horner(coefficients, t):
    s = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        s = s * t + c
    return s


def _i1(x):
    """The modified Bessel function of the first kind of order 1, in dnp ops."""
    small = np.abs(x) <= 20
    xs = np.where(small, x, 0.0)  # each branch sees only its own range: no overflow or NaN
    series = _horner(_I1_SERIES, xs * xs / 4) * xs / 2
    xl = np.where(small, 21.0, np.abs(x))
    scale = np.exp(xl) / np.sqrt((2 * numpy.pi) * xl)
    asymptotic = np.sign(x) * scale * _horner(_I1_ASYMPTOTIC, 1 / xl)
    return np.where(small, series, asymptotic)


def _roots_vjp(g, ans, p):
    """A simple root r of p moves by -r ** (N - 1 - i) / p'(r) per unit of p[i]."""
    if np.size(ans) == 0:
        return np.zeros_like(p)
    powers = np.vander(ans, np.size(p))  # (roots, N): r ** (N - 1 - i)
    slope = np.polyval(np.polyder(p), ans)
    return to_input(-np.sum(np.conjugate(powers / slope[:, None]) * g[:, None], axis=0), p)


def _poly_vjp(g, ans, seq_of_zeros):
    """d a / d z_j = -[0, q_j], q_j = a / (x - z_j) by synthetic division (of the result)."""
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


# --- functional helpers: the forward runs the user's functions outside the tape, so the rules
# run them again in dnp ops on a variable for the input, under record, and differentiate that.
def _rerun_vjp(g, x, forward):
    """The VJP of ``forward`` (dnp ops on a dnp array) at ``x`` for the result gradient ``g``."""
    from .. import autograd

    outer = autograd.is_recording()  # create_graph: the variable stays connected to x
    v = autograd._variable(x)
    with autograd.record():
        y = forward(v)
    if not isinstance(y, ndarray) or y._ag is None:
        return np.zeros_like(x)  # the functions' results do not depend on x
    return autograd.grad(y, v, g, retain_graph=outer, create_graph=outer)


def _piecewise_vjp(g, ans, x, condlist, funclist, *args, **kw):
    conds = numpy.asarray(_host_array(condlist) if isinstance(condlist, ndarray) else condlist)
    xn = _host_array(x)
    if numpy.ndim(conds) == 0 or (numpy.ndim(conds) == xn.ndim and xn.ndim != 0):
        conds = conds[None] if numpy.ndim(conds) == xn.ndim else numpy.asarray([conds])
    conds = numpy.asarray([numpy.asarray(_host_array(c), dtype=bool) for c in conds])
    if len(conds) == len(funclist) - 1:
        conds = numpy.concatenate([conds, ~numpy.any(conds, axis=0, keepdims=True)], axis=0)

    def forward(v):
        y = np.zeros_like(v)
        for cond, func in zip(conds, funclist, strict=True):
            if callable(func) and cond.any():
                part = np.zeros_like(v)  # one write per array: the tape saves what it writes
                part[cond] = func(v[cond], *args, **kw)
                y = np.where(cond, part, y)
            elif not callable(func):
                y = np.where(cond, func, y)
        return y

    return _rerun_vjp(g, x, forward)


def _apply_along_axis_vjp(g, ans, func1d, axis, arr, *args, **kwargs):
    nd = np.ndim(arr)
    axis = normalize_axis_index(axis, nd)

    def forward(v):
        moved = np.moveaxis(v, axis, -1)
        lead = moved.shape[:-1]
        res = [func1d(moved[ind + (Ellipsis,)], *args, **kwargs) for ind in ndindex(lead)]
        res = [r if isinstance(r, ndarray) else np.asarray(r) for r in res]
        buff = np.reshape(np.stack(res), moved.shape[:-1] + res[0].shape)
        bd = list(range(buff.ndim))
        rd = res[0].ndim
        return np.transpose(buff, bd[:axis] + bd[buff.ndim - rd :] + bd[axis : buff.ndim - rd])

    return _rerun_vjp(g, arr, forward)


def _apply_over_axes_vjp(g, ans, func, a, axes):
    def forward(val):
        for axis in numpy.atleast_1d(axes):
            axis = int(axis) + val.ndim if axis < 0 else int(axis)
            res = func(val, axis)
            val = res if res.ndim == val.ndim else np.expand_dims(res, axis)
        return val

    return _rerun_vjp(g, a, forward)


def _parts(fn, names):
    return tuple(functools.partial(fn, part=name) for name in names)


VJPS = {
    "gradient": (_gradient_vjp,),  # not with respect to the spacings
    "diff": (*_parts(_diff_part, ("a",)), None, None, *_parts(_diff_part, ("prepend", "append"))),
    "ediff1d": _parts(_ediff1d_part, ("ary", "to_end", "to_begin")),
    "convolve": _parts(_convolve_part, (0, 1)),
    "correlate": _parts(_correlate_part, (0, 1)),
    "trapezoid": (_trapezoid_y, _trapezoid_x, _trapezoid_dx),
    "interp": (_interp_x, None, _interp_fp, _interp_outside("left"), _interp_outside("right")),
    "unwrap": (_unwrap_vjp,),
    "sinc": (_sinc_vjp,),
    "i0": (lambda g, ans, x: g * _i1(x),),
    "angle": (_angle_vjp,),
    "nan_to_num": (_nan_to_num_vjp,),
    "real_if_close": (_real_if_close_vjp,),
    "polyval": (_polyval_p, _polyval_x),
    "polyadd": (lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: _tail(g, a2)),
    "polysub": (lambda g, ans, a1, a2: _tail(g, a1), lambda g, ans, a1, a2: _tail(-g, a2)),
    "polymul": _parts(_polymul_part, (0, 1)),
    "polyder": (_polyder_vjp,),
    "polyint": (_polyint_p, None, _polyint_k),
    "polyfit": (None, _polyfit_y),
    "roots": (_roots_vjp,),  # simple roots
    "poly": (_poly_vjp,),  # 1-d sequences of zeros
    "piecewise": (_piecewise_vjp,),
    "apply_along_axis": (None, None, _apply_along_axis_vjp),
    "apply_over_axes": (None, _apply_over_axes_vjp),
    "polydiv": _parts(_polydiv_part, (0, 1)),
}
NONDIFFERENTIABLE = frozenset(
    {"fix"}  # locally constant: zero gradient almost everywhere
    | {"bartlett", "blackman", "hamming", "hanning", "kaiser"}  # windows: from a length
    | {"packbits", "unpackbits"}  # integer bits
)
NO_GRADIENT = {
    "vectorize.__call__": "runs a Python function per element on the host",
}
attach_vjps(ROWS, VJPS)
