"""Numerical routines: differences, integration, interpolation, polynomials, windows, bit packing,
and the functional helpers that call user functions (``piecewise``, ``apply_along_axis``, ...)."""

from __future__ import annotations

import collections.abc

from numpy import ndindex
from numpy.lib.array_utils import normalize_axis_index

from .._backend import device_of_buffer
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


# --- polynomials CuPy lacks: NumPy's algorithms written against ``xp`` ---------------------------
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
ROWS += [
    Op(name, meta=probe)
    for name in (
        "convolve correlate diff ediff1d interp unwrap trapezoid packbits unpackbits "
        "polyadd polysub polyval"
    ).split()
]
ROWS += [
    Op(name, meta=_window_meta, creation=True)
    for name in "bartlett blackman hamming hanning kaiser".split()
]
ROWS += [
    Op("gradient", _gradient, probe),
    Op("polyder", _polyder, probe),
    Op("polyint", _polyint, probe),
    # Data-dependent results: the dtype of real_if_close and poly (real when the roots pair up),
    # the lengths of roots, of polymul's product and polydiv's remainder (leading zeros dropped),
    # the rank-dependent residuals of polyfit.
    Op("real_if_close", meta=None),
    Op("poly", meta=None),
    Op("roots", meta=None),
    Op("polymul", meta=None),
    Op("polydiv", _polydiv, None),
    Op("polyfit", meta=None),
    # User functions run here, on dnp arrays, so the result is known only once they have run.
    Op("piecewise", _piecewise, None),
    Op("apply_along_axis", _apply_along_axis, None),
    Op("apply_over_axes", _apply_over_axes, None),
]
