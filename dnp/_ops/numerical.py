"""Numerical routines: differences, integration, interpolation, polynomials, windows, bit packing,
and the functional helpers that call user functions (``piecewise``, ``apply_along_axis``, ...)."""

from __future__ import annotations

import collections.abc
import operator
import warnings

import numpy
from numpy import finfo, mintypecode, ndindex
from numpy.exceptions import RankWarning
from numpy.lib.array_utils import normalize_axis_index

from .._backend import device_of_buffer
from .._dispatch import dispatch
from .._ndarray import _new, ndarray
from ._meta import elementwise, probe
from ._row import Op


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
        return res._buf
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
