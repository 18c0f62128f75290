"""Quantiles: ``quantile``, ``percentile`` and their nan forms (medians are reductions, in
``reductions.py``, with this module's gradient).

Shape: ``q``'s, then the reduced shape; dtype from one-element stand-ins. NumPy may lay the result
out other than in C order (``c_ordered=False``). On a backend without ``nanquantile`` (CuPy),
it is computed from the sorted valid values.

Gradients: the result is a combination of two order statistics with weights fixed by q and the
count, so the gradient goes through the sort to those elements (every method; ties give it to
one of the tied elements). The gradient with respect to q is the slope between them (continuous
methods; zero for the discrete ones, piecewise constant in q).
"""

import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import Meta, _quiet_call, _shape_of, is_array
from ._grad import np
from ._reduced import fit_to, on_lists, one_element_standin, reduced_axes, to_last
from ._row import Op

QUANTILES = ["percentile", "nanpercentile", "quantile", "nanquantile"]


def _quantile_meta(nan=False):
    """The quantiles' rule (``nan``: their nan forms'): ``q``'s shape, then the reduced shape;
    the dtype from one-element stand-ins of ``a`` and ``q``."""

    def rule(op, args, kwargs):
        params = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
        a, q = params["a"], params["q"]
        shape = _shape_of(a) or ()
        axis, keepdims = params.get("axis"), params.get("keepdims", False)
        axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
        kept = [
            1 if i in axes else n for i, n in enumerate(shape) if keepdims is True or i not in axes
        ]
        q_shape = _shape_of(q) or ()
        if nan and len(q_shape) > 1 and len(axes) > 1 and axis is not None:
            return None  # NumPy's nan* quantiles lay these results out in their own way: let it run
        out = params.pop("out", None)
        params.pop("weights", None)  # weights select among the data: they do not change the dtype
        params["a"] = one_element_standin(a)
        # An array q is a strong (non-weak) operand: keep its dtype but drop its size.
        if is_array(q) or type(q) in (list, tuple):
            params["q"] = numpy.full(
                (), 0.5, numpy.asarray(q).dtype if not is_array(q) else q.dtype
            )
        dtype = numpy.asarray(_quiet_call(op.numpy_function(), (), params)).dtype
        return Meta(q_shape + tuple(kept), out.dtype if out is not None else dtype)

    return rule


# nanquantile methods computed from the sorted valid values when the backend has no nanquantile.
_NAN_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _in_unit_range(xp, q) -> bool:
    q = xp.asarray(q)
    return bool(xp.all((q >= 0) & (q <= 1)))  # NaN is out of range too


def _nanquantile_sorted(
    xp,
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=False,
    method="linear",
    keepdims=False,
    *,
    weights=None,
):
    """NumPy's nanquantile on a backend without one (CuPy): sort (NaNs go last), count the valid
    values of each slice, and pick or interpolate at ``q * (count - 1)`` among them."""
    if weights is not None or method not in _NAN_QUANTILE_METHODS:
        raise NotImplementedError(f"nanquantile(method={method!r}, weights=...) on this device")
    a = xp.asarray(a)
    # A Python number q is weak (float32 data stays float32); an array q takes part in the dtype.
    weak = type(q) in (int, float)
    q = xp.asarray(q)
    if not _in_unit_range(xp, q):
        raise ValueError("Quantiles must be in the range [0, 1]")
    small_q = 0.5 if weak else numpy.full((), 0.5, q.dtype)
    dtype = numpy.nanquantile(numpy.zeros(1, a.dtype), small_q, method=method).dtype
    axes = normalize_axis_tuple(range(a.ndim) if axis is None else axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    x = xp.transpose(a, kept + list(axes)).reshape([a.shape[i] for i in kept] + [-1])
    x = xp.sort(x, axis=-1)
    count = xp.sum(~xp.isnan(x), axis=-1, keepdims=True)
    index = (count - 1) * q.reshape(-1).astype("float64")
    lo, hi = xp.floor(index), xp.ceil(index)
    if method == "nearest":
        lo = hi = xp.around(index)
    elif method in ("lower", "higher"):
        lo = hi = lo if method == "lower" else hi
    take = lambda i: xp.take_along_axis(x, xp.maximum(i, 0).astype(xp.intp), axis=-1)
    below, above = take(lo), take(hi)
    if method in ("linear", "midpoint"):
        gamma = index - lo if method == "linear" else xp.where(hi > lo, 0.5, 0.0)
        gamma = gamma.astype(dtype)
        diff = above - below
        # NumPy's lerp: from the nearer end, so t = 0 and t = 1 give the data exactly.
        below = xp.where(gamma >= 0.5, above - diff * (1 - gamma), below + diff * gamma)
    result = xp.where(count > 0, below, xp.nan).astype(dtype)
    result = xp.moveaxis(result, -1, 0).reshape(q.shape + result.shape[:-1])
    if keepdims:
        result = xp.expand_dims(result, tuple(q.ndim + i for i in axes))
    if out is not None:
        out[...] = result
        return out
    return result


def _nan_quantile(name):
    """The backend's nanquantile/nanpercentile, or ``_nanquantile_sorted`` where it has none."""

    def forward(xp, a, q, *args, **kwargs):
        fn = getattr(xp, name, None)
        if fn is not None:
            return fn(a, q, *args, **kwargs)
        if name == "nanpercentile":
            q = q / 100 if type(q) in (int, float) else xp.asarray(q) / 100
            if not _in_unit_range(xp, q):
                raise ValueError("Percentiles must be in the range [0, 100]")
        return _nanquantile_sorted(xp, a, q, *args, **kwargs)

    return forward


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
# The virtual index of each continuous method (NumPy's _QuantileMethods) is affine in q:
# ``(n + slope) * q + intercept``; the other methods are piecewise constant in q.
_Q_INDEX = {
    "linear": (-1.0, 0.0),
    "interpolated_inverted_cdf": (0.0, -1.0),
    "hazen": (0.0, -0.5),
    "weibull": (1.0, -1.0),
    "median_unbiased": (1 / 3, -2 / 3),
    "normal_unbiased": (1 / 4, -5 / 8),
}


def _positions(n, q, method, ndim):
    """Host arrays (Q, kept..., 1): the two order statistics each quantile interpolates between
    and the weight of the upper one, from NumPy's own tables (``n``: an int or per-slice counts)."""
    from numpy.lib._function_base_impl import _QuantileMethods

    props = _QuantileMethods[method]
    q = q.reshape((-1,) + (1,) * ndim)
    index = numpy.asarray(props["get_virtual_index"](n, q))
    last = numpy.maximum(numpy.asarray(n) - 1, 0)
    if index.dtype.kind in "iu":
        lo = hi = numpy.clip(index, 0, last)
        gamma = numpy.zeros(index.shape)
    else:
        lo = numpy.floor(index)
        gamma = numpy.asarray(props["fix_gamma"](index - lo, index), dtype=float)
        lo, hi = numpy.clip(lo, 0, last), numpy.clip(lo + 1, 0, last)
    shape = numpy.broadcast_shapes(lo.shape, numpy.shape(last))
    return [
        numpy.broadcast_to(v, shape) for v in (lo.astype(numpy.intp), hi.astype(numpy.intp), gamma)
    ]


def _quantile_setup(a, q, axis, method, nan, scale):
    """The data as (kept..., n), the inverse reshaper, host q (Q,), and the positions."""
    axes = reduced_axes(axis, np.ndim(a))
    flat, back = to_last(a, axes)
    qh = numpy.asarray(q.asnumpy() if isinstance(q, np.ndarray) else q, dtype=float).reshape(-1)
    n = flat.shape[-1]
    if nan:
        n = numpy.asarray(np.sum(~np.isnan(flat), axis=-1, keepdims=True).asnumpy())
    lo, hi, gamma = _positions(n, qh / scale, method, flat.ndim)
    return flat, back, qh, n, lo, hi, gamma


def _quantile_vjp(nan=False, scale=1.0):
    """The gradient with respect to ``a``: through the sort to the two order statistics."""

    def rule(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, **kwargs):  # fmt: skip
        flat, back, qh, n, lo, hi, gamma = _quantile_setup(a, q, axis, method, nan, scale)
        gq = np.reshape(g, (qh.size,) + flat.shape[:-1] + (1,))
        if weights is not None:  # inverted_cdf on weights: the result is one of the elements
            hit = flat == np.reshape(ans, gq.shape)
            count = np.maximum(np.sum(hit, axis=-1, keepdims=True), 1)
            return fit_to(back(np.sum(np.where(hit, gq / count, 0), axis=0)), a)
        dev = flat.device
        j = np.arange(flat.shape[-1], device=dev)
        lo, hi, gamma = (np.asarray(v, device=dev) for v in (lo, hi, gamma))
        if method in _Q_INDEX:  # gamma as a function of q: second derivatives through q
            slope, intercept = _Q_INDEX[method]
            qd = q if isinstance(q, np.ndarray) else np.asarray(q, dtype=float, device=dev)
            qd = np.reshape(qd, (-1,) + (1,) * flat.ndim) / scale
            gamma = np.asarray(n + slope, dtype=float, device=dev) * qd + intercept - lo
        weight = np.where(j == lo, 1 - gamma, 0) + np.where(j == hi, gamma, 0)
        if nan:
            weight = weight * np.asarray(n > 0, device=dev)
        in_order = np.sum(gq * weight.astype(flat.dtype), axis=0)
        order = np.argsort(flat, axis=-1)
        return fit_to(back(np.take_along_axis(in_order, np.argsort(order, axis=-1), axis=-1)), a)

    return rule


def median_vjp(nan=False):
    """The gradient of ``median`` (``nanmedian``): the quantile's at q = 0.5."""
    rule = _quantile_vjp(nan=nan)

    def median(g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
        return rule(g, ans, a, 0.5, axis, keepdims=keepdims)

    return median


def _quantile_q_vjp(nan=False, scale=1.0):
    """The gradient with respect to ``q``: the slope of the virtual index times the difference
    of the two order statistics (zero for the discrete methods)."""

    def rule(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, **kwargs):  # fmt: skip
        if weights is not None or method not in _Q_INDEX:
            return np.zeros_like(q)
        flat, back, qh, n, lo, hi, gamma = _quantile_setup(a, q, axis, method, nan, scale)
        gq = np.reshape(g, (qh.size,) + flat.shape[:-1] + (1,))
        dev = flat.device
        data = np.broadcast_to(np.sort(flat, axis=-1), (qh.size,) + flat.shape)
        at = lambda i: np.asarray(numpy.broadcast_to(i, gq.shape), device=dev)  # noqa: E731
        take = lambda i: np.take_along_axis(data, at(i), axis=-1)  # noqa: E731
        slope = np.asarray((n + _Q_INDEX[method][0]) / scale, dtype=float, device=dev)
        dq = (take(hi) - take(lo)) * slope
        return fit_to(np.reshape(np.sum(gq * dq, axis=tuple(range(1, gq.ndim))), np.shape(q)), q)

    return rule


ROWS = [
    Op(
        "quantile",
        meta=_quantile_meta(),
        vjp=on_lists(_quantile_vjp(), _quantile_q_vjp()),
        c_ordered=False,
    ),
    Op(
        "percentile",
        meta=_quantile_meta(),
        vjp=on_lists(_quantile_vjp(scale=100.0), _quantile_q_vjp(scale=100.0)),
        c_ordered=False,
    ),
    Op(
        "nanquantile",
        _nan_quantile("nanquantile"),
        _quantile_meta(nan=True),
        vjp=on_lists(_quantile_vjp(nan=True), _quantile_q_vjp(nan=True)),
        c_ordered=False,
    ),
    Op(
        "nanpercentile",
        _nan_quantile("nanpercentile"),
        _quantile_meta(nan=True),
        vjp=on_lists(_quantile_vjp(nan=True, scale=100.0), _quantile_q_vjp(nan=True, scale=100.0)),
        c_ordered=False,
    ),
]
