"""Reductions and statistics: sums, extrema, moments, ``nan*`` variants, quantiles, histograms."""

import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.lib.stride_tricks import as_strided

from ._meta import Meta, _is_array, _quiet_call, _shape_of, describe, probe, reduction, standin
from ._row import Op

# (a, axis=None, ..., keepdims=...): shape from axis/keepdims, dtype from a one-element stand-in.
SUMS = ["sum", "prod", "mean", "nansum", "nanprod", "nanmean"]
EXTREMA = ["max", "min", "amax", "amin", "ptp", "nanmax", "nanmin", "median", "nanmedian"]
ARG_EXTREMA = ["argmax", "argmin", "nanargmax", "nanargmin"]
TRUTH = ["all", "any"]
REDUCTIONS = SUMS + EXTREMA + ARG_EXTREMA + TRUTH
MOMENTS = ["std", "var", "nanstd", "nanvar"]
SCANS = ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum", "cumulative_prod"]
QUANTILES = ["percentile", "nanpercentile", "quantile", "nanquantile"]
# The result's shape (or its values' count) depends on the data or on a bins rule read from it.
DATA_SHAPED = ["histogram", "histogram2d", "histogramdd", "histogram_bin_edges", "bincount"]


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


def _ones_standin(x):
    if not _is_array(x):
        return x
    return as_strided(numpy.ones(1, x.dtype), x.shape, (0,) * x.ndim, writeable=True)


def _probe_ones(op, args, kwargs):
    """``probe`` on stand-ins filled with ones: zeros would make weights sum to zero (an error)."""
    args = [_ones_standin(a) for a in args]
    kwargs = {k: _ones_standin(v) for k, v in kwargs.items()}
    return describe(_quiet_call(op.kernel(numpy), args, kwargs))


def _quantile_meta(op, args, kwargs):
    """``q``'s shape, then the reduced shape; dtype from one-element stand-ins of ``a``, ``q``."""
    params = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    a, q = params["a"], params["q"]
    shape = _shape_of(a) or ()
    axis, keepdims = params.get("axis"), params.get("keepdims", False)
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    kept = [1 if i in axes else n for i, n in enumerate(shape) if keepdims is True or i not in axes]
    out = params.pop("out", None)
    params.pop("weights", None)  # weights select among the data: they do not change the dtype
    params["a"] = standin(
        (1,) * len(shape), numpy.asarray(a).dtype if not _is_array(a) else a.dtype
    )
    # An array q is a strong (non-weak) operand: keep its dtype but drop its size.
    if _is_array(q) or type(q) in (list, tuple):
        params["q"] = numpy.full((), 0.5, numpy.asarray(q).dtype if not _is_array(q) else q.dtype)
    dtype = numpy.asarray(_quiet_call(op.numpy_function(), (), params)).dtype
    return Meta((_shape_of(q) or ()) + tuple(kept), out.dtype if out is not None else dtype)


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


def _folding(name):
    """``xp.<name>`` with NumPy's ``where=`` and ``initial=``, which CuPy's reductions lack.

    Masked-out elements become the identity (or ``initial``, for ops without one) and ``initial`` is
    folded into the result with the op's ufunc. Calls without either go straight to the backend.
    """
    ufunc, identity = _FOLDS[name]
    signature = inspect.signature(getattr(numpy, name))

    def forward(xp, *args, **kwargs):
        fn = getattr(xp, name)
        if len(args) < 5 and "where" not in kwargs and "initial" not in kwargs:
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
ROWS += [Op(name, meta=_reduction_meta) for name in MOMENTS]
ROWS += [Op(name, meta=probe) for name in SCANS]
ROWS += [Op(name, meta=_quantile_meta) for name in QUANTILES]
ROWS += [Op(name, meta=None) for name in DATA_SHAPED if name != "histogram_bin_edges"]
ROWS += [
    Op("count_nonzero", _count_nonzero, _reduction_meta),
    Op("histogram_bin_edges", _histogram_bin_edges, meta=None),
    Op("average", meta=_probe_ones),
    Op("cov", meta=_probe_ones),
    Op("corrcoef", meta=_probe_ones),
    Op("digitize", meta=probe),
]
