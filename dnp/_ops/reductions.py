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
MOMENTS = ["std", "var", "nanstd", "nanvar"]
SCANS = ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum", "cumulative_prod"]
QUANTILES = ["percentile", "nanpercentile", "quantile", "nanquantile"]
# The result's shape (or its values' count) depends on the data or on a bins rule read from it.
DATA_SHAPED = ["histogram", "histogram2d", "histogramdd", "histogram_bin_edges", "bincount"]


def _moment_meta(op, args, kwargs):
    """``reduction``, with ``mean=`` (shaped like the kept-dims result) as a 0-d stand-in."""
    mean = kwargs.get("mean")
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


ROWS = [Op(name, meta=reduction) for name in SUMS + EXTREMA + ARG_EXTREMA + TRUTH]
ROWS += [Op(name, meta=_moment_meta) for name in MOMENTS]
ROWS += [Op(name, meta=probe) for name in SCANS]
ROWS += [Op(name, meta=_quantile_meta) for name in QUANTILES]
ROWS += [Op(name, meta=None) for name in DATA_SHAPED if name != "histogram_bin_edges"]
ROWS += [
    Op("count_nonzero", _count_nonzero, reduction),
    Op("histogram_bin_edges", _histogram_bin_edges, meta=None),
    Op("average", meta=_probe_ones),
    Op("cov", meta=_probe_ones),
    Op("corrcoef", meta=_probe_ones),
    Op("digitize", meta=probe),
]
