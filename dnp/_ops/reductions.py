"""Reductions and statistics: sums, extrema, moments, ``nan*`` variants, quantiles, histograms."""

import inspect
import math

import numpy
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy.lib.stride_tricks import as_strided

import dnp as np  # VJP rules are dnp code (see _grad.py)

from ._grad import expand_reduced
from ._meta import Meta, _is_array, _quiet_call, _shape_of, describe, reduction, standin
from ._row import Op, attach_vjps

# (a, axis=None, ..., keepdims=...): shape from axis/keepdims, dtype from a one-element stand-in.
SUMS = ["sum", "prod", "nansum", "nanprod"]
EXTREMA = ["max", "min", "amax", "amin", "ptp", "nanmax", "nanmin", "median", "nanmedian"]
ARG_EXTREMA = ["argmax", "argmin", "nanargmax", "nanargmin"]
TRUTH = ["all", "any"]
REDUCTIONS = SUMS + EXTREMA + ARG_EXTREMA + TRUTH
MOMENTS = ["mean", "std", "var", "nanmean", "nanstd", "nanvar"]
SCANS = ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum", "cumulative_prod"]
QUANTILES = ["percentile", "nanpercentile", "quantile", "nanquantile"]
# The result's shape depends on the data (bincount's length) or on bins given as edges or rules.
DATA_SHAPED = ["histogram2d", "histogramdd", "bincount"]


def _reduction_meta(op, args, kwargs):
    """``reduction``, with array-like ``where=`` and ``mean=`` (std, var) as 0-d stand-ins.

    The shared rule only replaces a ``where`` that is an array, not a list of booleans, and passes
    ``mean`` (shaped like the kept-dims result) on to a smaller stand-in it does not broadcast to.
    """
    where, mean = kwargs.get("where"), kwargs.get("mean")
    if where is not None and not isinstance(where, bool):
        kwargs = {**kwargs, "where": True}
    if _is_array(mean):
        kwargs = {**kwargs, "mean": numpy.zeros((), mean.dtype)}
    return reduction(op, args, kwargs)


def _small_standin(a):
    """A one-element stand-in with ``a``'s dtype and number of dimensions."""
    shape = _shape_of(a) or ()
    return standin((1,) * len(shape), a.dtype if _is_array(a) else numpy.asarray(a).dtype)


def _scan_meta(op, args, kwargs):
    """The input's shape (flattened where ``axis`` is None), one longer along the axis with
    ``include_initial``; the dtype and argument checks from the op on a one-element stand-in."""
    bound = inspect.signature(op.numpy_function()).bind(*args, **kwargs)
    params = bound.arguments
    a_name = next(iter(params))
    a, axis, out = params[a_name], params.get("axis"), params.pop("out", None)
    params[a_name] = _small_standin(a)
    small = _quiet_call(op.numpy_function(), bound.args, bound.kwargs)
    shape = _shape_of(a) or ()
    shape = (math.prod(shape),) if axis is None else shape
    if params.get("include_initial"):
        ax = 0 if axis is None else normalize_axis_index(axis, len(shape))
        shape = (*shape[:ax], shape[ax] + 1, *shape[ax + 1 :])
    return Meta(shape, out.dtype if out is not None else small.dtype)


def _digitize_meta(op, args, kwargs):
    """One bin index (intp) per element of ``x``."""
    x = args[0] if args else kwargs["x"]
    return Meta(_shape_of(x) or (), numpy.dtype(numpy.intp))


def _ones_standin(x, shape=None):
    """Like ``standin`` but filled with ones; ``shape`` replaces the array's own."""
    if not _is_array(x):
        return x
    shape = x.shape if shape is None else shape
    return as_strided(numpy.ones(1, x.dtype), shape, (0,) * len(shape), writeable=True)


def _probe_ones(op, args, kwargs):
    """``probe`` on stand-ins filled with ones: zeros would make weights sum to zero (an error)."""
    args = [_ones_standin(a) for a in args]
    kwargs = {k: _ones_standin(v) for k, v in kwargs.items()}
    return describe(_quiet_call(op.kernel(numpy), args, kwargs))


def _histogram_meta(op, args, kwargs):
    """A number of bins fixes the shapes, and a one-element run of the op gives the dtypes; edges
    (whose checks read their values) and rules such as ``'auto'`` leave the result to the data."""
    params = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    if type(params.get("bins", 10)) is not int:
        return None
    for name in ("a", "weights"):
        if type(params.get(name)) in (list, tuple):
            params[name] = numpy.asarray(params[name])  # host data: its dtype, not its values
    small = {k: _ones_standin(v, (1,)) for k, v in params.items()}
    return describe(_quiet_call(op.numpy_function(), (), small))


def _quantile_meta(op, args, kwargs):
    """``q``'s shape, then the reduced shape; dtype from one-element stand-ins of ``a``, ``q``."""
    params = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    a, q = params["a"], params["q"]
    shape = _shape_of(a) or ()
    axis, keepdims = params.get("axis"), params.get("keepdims", False)
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    kept = [1 if i in axes else n for i, n in enumerate(shape) if keepdims is True or i not in axes]
    q_shape = _shape_of(q) or ()
    if op.name.startswith("nan") and len(q_shape) > 1 and len(axes) > 1 and axis is not None:
        return None  # NumPy's nan* quantiles lay these results out in their own way: let it run
    out = params.pop("out", None)
    params.pop("weights", None)  # weights select among the data: they do not change the dtype
    params["a"] = _small_standin(a)
    # An array q is a strong (non-weak) operand: keep its dtype but drop its size.
    if _is_array(q) or type(q) in (list, tuple):
        params["q"] = numpy.full((), 0.5, numpy.asarray(q).dtype if not _is_array(q) else q.dtype)
    dtype = numpy.asarray(_quiet_call(op.numpy_function(), (), params)).dtype
    return Meta(q_shape + tuple(kept), out.dtype if out is not None else dtype)


# The ufunc each reduction folds with, and its identity (None: none, so where= needs initial=).
_FOLDS = {
    "sum": ("add", 0),
    "nansum": ("add", 0),
    "prod": ("multiply", 1),
    "nanprod": ("multiply", 1),
    "max": ("maximum", None),
    "amax": ("maximum", None),
    "nanmax": ("fmax", None),
    "min": ("minimum", None),
    "amin": ("minimum", None),
    "nanmin": ("fmin", None),
    "all": ("logical_and", True),
    "any": ("logical_or", False),
}


# Reductions the backend array has as methods with the function's parameters (after ``a``):
# calling the method skips NumPy's Python-level wrapper, a few microseconds on small arrays.
_ARRAY_METHODS = frozenset("sum prod max min all any mean std var".split())


def _folding(name):
    """``xp.<name>`` with NumPy's ``where=`` and ``initial=``, which CuPy's reductions lack.

    Masked-out elements become the identity (or ``initial``, for ops without one) and ``initial`` is
    folded into the result with the op's ufunc. Calls without either go straight to the backend.
    """
    ufunc, identity = _FOLDS[name]
    signature = inspect.signature(getattr(numpy, name))
    method = name in _ARRAY_METHODS

    def forward(xp, *args, **kwargs):
        fn = getattr(xp, name)
        if len(args) < 5 and "where" not in kwargs and "initial" not in kwargs:
            if method and type(args[0]) is xp.ndarray:
                return getattr(args[0], name)(*args[1:], **kwargs)
            return fn(*args, **kwargs)
        params = signature.bind(*args, **kwargs).arguments
        a = xp.asarray(params.pop("a"))
        where = params.pop("where", True)
        initial = params.pop("initial", numpy._NoValue)
        if where is not True:
            fill = initial if identity is None else identity
            if fill is numpy._NoValue:
                raise ValueError(
                    f"reduction operation '{ufunc}' does not have an identity, so to use a where "
                    "mask one has to specify 'initial'"
                )
            mask = xp.broadcast_to(xp.asarray(where), a.shape)
            a = xp.where(mask, a, xp.asarray(fill, a.dtype))
        if initial is numpy._NoValue:
            return fn(a, **params)
        out = params.pop("out", None)
        axis = params.get("axis")
        axes = normalize_axis_tuple(range(a.ndim) if axis is None else axis, a.ndim)
        if identity is None and any(a.shape[i] == 0 for i in axes):
            # Nothing to reduce: the result is initial, so reduce one element that is initial.
            a = xp.full([1 if i in axes else n for i, n in enumerate(a.shape)], initial, a.dtype)
        return getattr(xp, ufunc)(fn(a, **params), initial, out=out)

    return forward


def _moments(name):
    """``xp.<name>`` (mean, var, std and their nan forms) with NumPy's ``where=``, and for var/std
    ``mean=`` and ``correction=``, which CuPy lacks: sums over the selected elements (NaNs
    deselected for the nan forms) in the precision NumPy uses, divided by their count."""
    signature = inspect.signature(getattr(numpy, name))
    moment = name.removeprefix("nan")
    method = name in _ARRAY_METHODS

    def forward(xp, *args, **kwargs):
        fn = getattr(xp, name)
        if not kwargs.keys() & {"where", "mean", "correction"}:  # keyword-only in NumPy
            if method and type(args[0]) is xp.ndarray:
                return getattr(args[0], name)(*args[1:], **kwargs)
            return fn(*args, **kwargs)
        params = signature.bind(*args, **kwargs).arguments
        correction = params.pop("correction", numpy._NoValue)
        if correction is not numpy._NoValue:
            if "ddof" in params:
                raise ValueError("ddof and correction can't be provided simultaneously.")
            params["ddof"] = correction
        where, mean = params.pop("where", True), params.pop("mean", None)
        if where is True and mean is None:
            return fn(**params)
        a, axis = xp.asarray(params["a"]), params.get("axis")
        dtype, out, keepdims = params.get("dtype"), params.get("out"), params.get("keepdims", False)
        result_dtype = getattr(numpy, name)(numpy.ones(1, a.dtype), dtype=dtype).dtype
        work = numpy.result_type(numpy.mean(numpy.ones(1, a.dtype), dtype=dtype), numpy.float32)
        x = a.astype(work)
        mask = xp.broadcast_to(xp.asarray(where), a.shape)
        if name.startswith("nan"):
            mask = mask & ~xp.isnan(x)
        count = xp.sum(mask, axis=axis, keepdims=True).astype(x.real.dtype)
        if mean is None:
            mean = xp.sum(xp.where(mask, x, 0), axis=axis, keepdims=True) / count
        if moment == "mean":
            result = mean if keepdims is True else xp.squeeze(mean, axis)
        else:
            dev = xp.where(mask, x - mean, 0)
            square = (dev * dev.conj()).real if dev.dtype.kind == "c" else dev * dev
            dof = xp.maximum(count - params.get("ddof", 0), 0)
            result = xp.sum(square, axis=axis, keepdims=True) / dof
            if name.startswith("nan"):
                result = xp.where(dof > 0, result, xp.nan)
            result = result if moment == "var" else xp.sqrt(result)
            result = result if keepdims is True else xp.squeeze(result, axis)
        if out is not None:
            out[...] = result
            return out
        return result.astype(result_dtype)

    return forward


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


def _count_nonzero(xp, a, axis=None, *, keepdims=False):
    # CuPy's count_nonzero has no keepdims: put the reduced axes back as length-1 axes.
    count = xp.count_nonzero(a, axis=axis)
    if not keepdims:
        return count
    ndim = xp.ndim(a)
    axes = normalize_axis_tuple(range(ndim) if axis is None else axis, ndim)
    return xp.expand_dims(xp.asarray(count), axes)


def _histogram_bin_edges(xp, a, bins=10, range=None, weights=None):  # noqa: A002  # NumPy's name
    # CuPy has no histogram_bin_edges; the edges are histogram's second result.
    return xp.histogram(a, bins, range, weights=weights)[1]


ROWS = [
    Op(name, _folding(name) if name in _FOLDS else None, _reduction_meta) for name in REDUCTIONS
]
ROWS += [Op(name, _moments(name), _reduction_meta) for name in MOMENTS]
ROWS += [Op(name, meta=_scan_meta) for name in SCANS]
ROWS += [Op(name, meta=_quantile_meta) for name in ("quantile", "percentile")]
ROWS += [Op(name, _nan_quantile(name), _quantile_meta) for name in ("nanquantile", "nanpercentile")]
ROWS += [Op(name, meta=None) for name in DATA_SHAPED]
ROWS += [
    Op("count_nonzero", _count_nonzero, _reduction_meta),
    Op("histogram", meta=_histogram_meta),
    Op("histogram_bin_edges", _histogram_bin_edges, _histogram_meta),
    Op("average", meta=_probe_ones),
    Op("cov", meta=_probe_ones),
    Op("corrcoef", meta=_probe_ones),
    Op("digitize", meta=_digitize_meta),
]


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
def _sum_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    return np.broadcast_to(expand_reduced(g, np.shape(a), axis, keepdims), np.shape(a))


VJPS = {"sum": (_sum_vjp,)}
attach_vjps(ROWS, VJPS)
