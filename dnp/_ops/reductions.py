"""Reductions and statistics: sums, extrema, moments, ``nan*`` variants, quantiles, histograms."""

import inspect
import math

import numpy
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy.lib.stride_tricks import as_strided

from .._meta import (
    Meta,
    _quiet_call,
    _shape_of,
    check_out,
    describe,
    is_array,
    reduction,
    standin,
)
from ._grad import conj, expand_reduced, np, shape_dtype, unbroadcast
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


def _small_standin(a):
    """A one-element stand-in with ``a``'s dtype and number of dimensions."""
    shape = _shape_of(a) or ()
    return standin((1,) * len(shape), a.dtype if is_array(a) else numpy.asarray(a).dtype)


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
    check_out(out, shape)
    return Meta(shape, out.dtype if out is not None else small.dtype)


def _digitize_meta(op, args, kwargs):
    """One bin index (intp) per element of ``x``."""
    x = args[0] if args else kwargs["x"]
    return Meta(_shape_of(x) or (), numpy.dtype(numpy.intp))


def _ones_standin(x, shape=None):
    """Like ``standin`` but filled with ones; ``shape`` replaces the array's own."""
    if not is_array(x):
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
    if is_array(q) or type(q) in (list, tuple):
        params["q"] = numpy.full((), 0.5, numpy.asarray(q).dtype if not is_array(q) else q.dtype)
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


ROWS = [Op(name, _folding(name) if name in _FOLDS else None, reduction) for name in REDUCTIONS]
ROWS += [Op(name, _moments(name), reduction) for name in MOMENTS]
ROWS += [Op(name, meta=_scan_meta) for name in SCANS]
ROWS += [Op(name, meta=_quantile_meta) for name in ("quantile", "percentile")]
ROWS += [Op(name, _nan_quantile(name), _quantile_meta) for name in ("nanquantile", "nanpercentile")]
ROWS += [Op(name, meta=None) for name in DATA_SHAPED]
ROWS += [
    Op("count_nonzero", _count_nonzero, reduction),
    Op("histogram", meta=_histogram_meta),
    Op("histogram_bin_edges", _histogram_bin_edges, _histogram_meta),
    Op("average", meta=_probe_ones),
    Op("cov", meta=_probe_ones),
    Op("corrcoef", meta=_probe_ones),
    Op("digitize", meta=_digitize_meta),
]


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
# Rules are dnp code (differentiable again with create_graph=True). Conventions:
# - max/min/amax/amin/nanmax/nanmin (and ptp, and quantiles with weights=): the gradient is split
#   equally among the elements tied for the extremum (a subgradient; PyTorch's amax rule).
#   Elements masked out by where=, NaNs in the nan* forms, and results equal to initial= get none.
# - nan* forms: NaN elements get zero gradient.
# - prod/cumprod: products of all the other elements (exclusive scans, no division), exact with
#   zeros in the data.
# - quantiles: the result is a combination of two order statistics with weights fixed by q and
#   the count, so the gradient goes through the sort to those elements (every method; ties give
#   it to one of the tied elements). The gradient with respect to q is the slope between them
#   (continuous methods; zero for the discrete ones, piecewise constant in q).
_UNSET = (None, numpy._NoValue)


def _axes(axis, ndim):
    return tuple(range(ndim)) if axis is None else normalize_axis_tuple(axis, ndim)


def _expand(g, a, axis, keepdims):
    """A reduction's output gradient with length-1 axes where ``a`` was reduced."""
    return expand_reduced(g, shape_dtype(a)[0], axis, keepdims is True)


def _fit(grad, a):
    """``grad`` as the gradient of input ``a``: its shape, real for real ``a``, its dtype."""
    shape, dtype = shape_dtype(a)
    if grad.shape != shape:
        grad = np.broadcast_to(grad, shape)
    if grad.dtype.kind == "c" and dtype.kind != "c":
        grad = grad.real
    if dtype.kind in "fc" and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _masked(grad, mask):
    """``grad`` where ``mask`` (True: everywhere), zero elsewhere."""
    return grad if mask is True else np.where(mask, grad, 0)


def _mask(a, where=True, nan=False):
    """The elements a reduction reads: ``where=``, without NaNs for the nan* forms."""
    if where is numpy._NoValue:
        where = True
    if nan:
        keep = ~np.isnan(a)
        return keep if where is True else keep & where
    if where is True:
        return True
    return np.broadcast_to(np.asarray(where, device=a.device), a.shape)  # on a's device


def _count(a, axis, mask):
    """The number of elements each result reduces (an int, or an array with kept dims)."""
    if mask is True:
        shape = shape_dtype(a)[0]
        return math.prod(shape[i] for i in _axes(axis, len(shape)))
    return np.sum(mask, axis=axis, keepdims=True)


def _sum_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return _fit(_masked(_expand(g, a, axis, keepdims), _mask(a, where, nan)), a)

    return rule


def _mean_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        mask = _mask(a, where, nan)
        count = _count(a, axis, mask)
        if mask is not True:
            count = np.maximum(count, 1)
        return _fit(_masked(_expand(g, a, axis, keepdims) / count, mask), a)

    return rule


def _moment_vjp(nan=False, std=False):
    """var: ``2 g (a - mean) / (count - ddof)``; std: ``g (a - mean) / ((count - ddof) std)``.
    (For complex data too: ``|a - mean|^2`` has gradient ``2 (a - mean)``.) A ``mean=`` passed
    in is a constant (keyword arguments carry no gradient)."""

    def rule(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        mask = _mask(a, kwargs.get("where", True), nan)
        if kwargs.get("correction", numpy._NoValue) is not numpy._NoValue:
            ddof = kwargs["correction"]
        mean = kwargs.get("mean", numpy._NoValue)
        if mean is numpy._NoValue:
            where = {} if mask is True else {"where": mask}
            mean = np.mean(a, axis=axis, keepdims=True, **where)
        dev = _masked(a - mean, mask)
        dof = _count(a, axis, mask) - ddof
        ge = _expand(g, a, axis, keepdims)
        if std:
            return _fit(ge * dev / (dof * _expand(ans, a, axis, keepdims)), a)
        return _fit(2 * ge * dev / dof, a)

    return rule


def _tied(ge, extremum, a, axis, where=True):
    """``ge`` (kept dims) split equally among the elements of ``a`` equal to ``extremum``."""
    mask = a == extremum
    if where is not True and where is not numpy._NoValue:
        mask = mask & where
    count = np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    return np.where(mask, ge / count, 0)


def _extremum_vjp(g, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    ge, extremum = _expand(g, a, axis, keepdims), _expand(ans, a, axis, keepdims)
    return _fit(_tied(ge, extremum, a, axis, where), a)


def _ptp_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    ge = _expand(g, a, axis, keepdims)
    high, low = np.max(a, axis=axis, keepdims=True), np.min(a, axis=axis, keepdims=True)
    return _fit(_tied(ge, high, a, axis) - _tied(ge, low, a, axis), a)


def _to_last(x, axes):
    """``x`` with ``axes`` moved to the end and flattened into one, (kept..., n); the inverse."""
    kept = [i for i in range(x.ndim) if i not in axes]
    order = kept + list(axes)
    moved = np.transpose(x, order)
    n = math.prod(x.shape[i] for i in axes)
    flat = np.reshape(moved, moved.shape[: len(kept)] + (n,))
    inverse = numpy.argsort(order).tolist()
    return flat, lambda y: np.transpose(np.reshape(y, moved.shape), inverse)


def _shift(x, d, fill):
    """``y[..., i] = x[..., i + d]`` along the last axis, ``fill`` past the end (0 < d <= n)."""
    pad = np.full(x.shape[:-1] + (d,), fill, dtype=x.dtype, device=x.device)
    return np.concatenate([x[..., d:], pad], axis=-1)


def _exclusive_cumprod(x):
    """``prod(x[..., :i])`` at ``i`` along the last axis."""
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype, device=x.device)
    return np.concatenate([ones, np.cumprod(x[..., :-1], axis=-1)], axis=-1)


def _prod_of_others(x, axes):
    """The product over ``axes`` of all the elements but each one, shaped like ``x``."""
    flat, back = _to_last(x, axes)
    if flat.shape[-1] == 0:
        return back(flat)
    left = _exclusive_cumprod(flat)
    right = np.flip(_exclusive_cumprod(np.flip(flat, axis=-1)), axis=-1)
    return back(left * right)


def _prod_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        mask = _mask(a, where, nan)
        x = a if mask is True else np.where(mask, a, 1)
        others = _prod_of_others(x, _axes(axis, np.ndim(a)))
        if initial not in _UNSET:
            others = others * initial
        return _fit(_masked(_expand(g, a, axis, keepdims) * conj(others), mask), a)

    return rule


def _cumprod_grad(g, x, ans, axis):
    """The gradient of ``ans = cumprod(x, axis)``: ``conj(prod(x[:i])) * s[i]`` with
    ``s[i] = sum_{k >= i} g[k] conj(prod(x[i+1:k+1]))``, which solves ``s[i] = g[i] +
    conj(x[i+1]) s[i+1]``; an associative scan (log2(n) steps) solves that without division."""
    g, x, ans = (np.moveaxis(v, axis, -1) for v in (g, x, ans))
    n = x.shape[-1]
    if n == 0:
        return np.moveaxis(g, -1, axis)
    ones = np.ones(x.shape[:-1] + (1,), dtype=ans.dtype, device=ans.device)
    left = np.concatenate([ones, ans[..., :-1]], axis=-1)
    coef, total, d = _shift(conj(x), 1, 0), g, 1
    while d < n:  # invariant: s[i] = total[i] + coef[i] * s[i + d] (s is 0 past the end)
        total = total + coef * _shift(total, d, 0)
        coef = coef * _shift(coef, d, 0)
        d *= 2
    return np.moveaxis(conj(left) * total, -1, axis)


def _rcumsum(g, axis):
    """``g[i:].sum()`` at ``i`` along ``axis``: the gradient of a cumulative sum."""
    return np.flip(np.cumsum(np.flip(g, axis=axis), axis=axis), axis=axis)


def _drop_first(v, axis):
    return v[(slice(None),) * axis + (slice(1, None),)]


def _scan_vjp(kind, nan=False, initial=False):
    """cumsum/cumprod and their nan and cumulative_* forms: ``axis=None`` scans the flattened
    array; ``include_initial`` puts the initial value (no gradient) first."""

    def rule(g, ans, a, axis=None, dtype=None, out=None, include_initial=False):
        x = a.ravel() if axis is None else a
        ax = 0 if axis is None else normalize_axis_index(axis, np.ndim(a))
        if include_initial:
            g, ans = _drop_first(g, ax), _drop_first(ans, ax)
        mask = _mask(x, True, nan)
        if kind == "sum":
            grad = _rcumsum(g, ax)
        else:
            grad = _cumprod_grad(g, x if mask is True else np.where(mask, x, 1), ans, ax)
        return _fit(np.reshape(_masked(grad, mask), np.shape(a)), a)

    if initial:
        return lambda g, ans, x, **kwargs: rule(g, ans, x, **kwargs)
    return rule


# Quantiles: the virtual index of each continuous method (NumPy's _QuantileMethods) is affine in
# q: ``(n + slope) * q + intercept``; the other methods are piecewise constant in q.
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
    axes = _axes(axis, np.ndim(a))
    flat, back = _to_last(a, axes)
    qh = numpy.asarray(q.asnumpy() if isinstance(q, np.ndarray) else q, dtype=float).reshape(-1)
    n = flat.shape[-1]
    if nan:
        n = numpy.asarray(np.sum(~np.isnan(flat), axis=-1, keepdims=True).asnumpy())
    lo, hi, gamma = _positions(n, qh / scale, method, flat.ndim)
    return flat, back, qh, n, lo, hi, gamma


def _quantile_vjp(nan=False, scale=1.0, median=False):
    """The gradient with respect to ``a``: through the sort to the two order statistics."""

    def rule(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, **kwargs):  # fmt: skip
        flat, back, qh, n, lo, hi, gamma = _quantile_setup(a, q, axis, method, nan, scale)
        gq = np.reshape(g, (qh.size,) + flat.shape[:-1] + (1,))
        if weights is not None:  # inverted_cdf on weights: the result is one of the elements
            hit = flat == np.reshape(ans, gq.shape)
            count = np.maximum(np.sum(hit, axis=-1, keepdims=True), 1)
            return _fit(back(np.sum(np.where(hit, gq / count, 0), axis=0)), a)
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
        return _fit(back(np.take_along_axis(in_order, np.argsort(order, axis=-1), axis=-1)), a)

    if median:
        return lambda g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False: rule(
            g, ans, a, 0.5, axis, keepdims=keepdims
        )
    return rule


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
        return _fit(np.reshape(np.sum(gq * dq, axis=tuple(range(1, gq.ndim))), np.shape(q)), q)

    return rule


def _average_weights(a, axis, w):
    """The weights as ``average`` broadcasts them against ``a``, and the way back to ``w``."""
    if np.shape(w) == np.shape(a):
        return w, lambda gw: gw
    axes = normalize_axis_tuple(axis, np.ndim(a))
    order = numpy.argsort(axes).tolist()
    wt = np.transpose(w, order)
    shape = tuple(s if i in axes else 1 for i, s in enumerate(np.shape(a)))
    inverse = numpy.argsort(order).tolist()
    return np.reshape(wt, shape), lambda gw: np.transpose(np.reshape(gw, wt.shape), inverse)


def _average_a(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    if returned:
        g, ans = g[0], ans[0]
    ge = _expand(g, a, axis, keepdims)
    if weights is None:
        return _fit(ge / _count(a, axis, True), a)
    w, _ = _average_weights(a, axis, weights)
    return _fit(ge * conj(w / np.sum(w, axis=axis, keepdims=True)), a)


def _average_w(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    g_scale = None
    if returned:
        (g, g_scale), ans = g, ans[0]
    w, back = _average_weights(a, axis, weights)
    total = np.sum(w, axis=axis, keepdims=True)
    grad = _expand(g, a, axis, keepdims) * conj((a - _expand(ans, a, axis, keepdims)) / total)
    if g_scale is not None:
        grad = grad + _expand(g_scale, a, axis, keepdims)
    return _fit(
        back(unbroadcast(np.broadcast_to(grad, np.broadcast_shapes(grad.shape, w.shape)), w)),
        weights,
    )


def _cov_data(m, y, rowvar):
    """NumPy's variables-by-observations matrix, and how to split its gradient back."""
    parts, backs = [], []
    for v in (m,) if y is None else (m, y):
        x = np.reshape(v, (1, -1)) if np.ndim(v) < 2 else v
        flip = not rowvar and x.shape[0] != 1
        parts.append(x.T if flip else x)
        backs.append((x.shape[1] if flip else x.shape[0], flip, np.shape(v)))
    return (parts[0] if y is None else np.concatenate(parts, axis=0)), backs


def _cov_grads(g, m, y, rowvar, bias, ddof, fweights, aweights):
    """Gradients of ``cov`` wrt ``m`` and ``y``: with ``C = Xc W Xc^H / f`` (``Xc`` centred with
    weights ``W``), ``dXc = (G + G^H) Xc W / f``, then the adjoint of the centring."""
    x, backs = _cov_data(m, y, rowvar)
    w = None
    for v in (fweights, aweights):
        if v is not None:
            v = np.asarray(v, dtype=float, device=x.device)
            w = v if w is None else w * v
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = x.shape[1]
    if w is None:
        total, mean = nobs, np.mean(x, axis=1, keepdims=True)
        fact = nobs - ddof
    else:
        total = np.sum(w)
        mean = np.sum(x * w, axis=1, keepdims=True) / total
        if ddof == 0:
            fact = total
        elif aweights is None:
            fact = total - ddof
        else:
            fact = total - ddof * np.sum(w * np.asarray(aweights, device=x.device)) / total
    nv = x.shape[0]
    g = np.reshape(g, (nv, nv))
    g = g + np.conjugate(g).T if np.iscomplexobj(g) else g + g.T
    xc = x - mean
    dxc = g @ (xc if w is None else xc * w) / fact
    dx = dxc - (np.mean(dxc, axis=1, keepdims=True) if w is None else
                np.sum(dxc, axis=1, keepdims=True) * w / total)  # fmt: skip
    grads, start = [], 0
    for size, flip, shape in backs:
        part = dx[start : start + size]
        grads.append(np.reshape((part.T if flip else part), shape))
        start += size
    return grads


def _cov_vjp(i):
    def rule(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
             **kwargs):  # fmt: skip
        return _fit(_cov_grads(g, m, y, rowvar, bias, ddof, fweights, aweights)[i], (m, y)[i])

    return rule


def _corrcoef_vjp(i):
    """``R = C / (s s^T)``, ``s = sqrt(diag C)``: ``gC = G / (s s^T) - diag(T / (2 diag C))`` with
    ``T`` the row plus column sums of ``Re(conj(G) R)``; then cov's rule."""

    def rule(g, ans, x, y=None, rowvar=True, **kwargs):
        if np.ndim(ans) == 0:  # one variable: NumPy returns c / c
            return _fit(np.zeros(np.shape((x, y)[i]), device=ans.device), (x, y)[i])
        c = np.cov(x, y, rowvar)
        d = np.real(np.diagonal(c))
        s = np.sqrt(d)
        t = np.real(np.conjugate(g) * ans) if np.iscomplexobj(g) else g * ans
        t = np.sum(t, axis=0) + np.sum(t, axis=1)
        eye = np.eye(d.shape[0], dtype=d.dtype, device=d.device)
        gc = g / (s[:, None] * s[None, :]) - eye * (t / (2 * d))[:, None]
        return _fit(_cov_grads(gc, x, y, rowvar, False, None, None, None)[i], (x, y)[i])

    return rule


def _on_lists(rule, i):
    """``rule`` for argument ``i``, which may be a list of arrays as NumPy allows
    (``np.sum([x, y])``, ``np.max([x, y], axis=0)``): the gradient with respect to their stack,
    one gradient per element."""

    def wrapped(g, ans, *args, **kwargs):
        items = args[i]
        if type(items) not in (list, tuple):
            return rule(g, ans, *args, **kwargs)
        stacked = np.stack(items)
        grad = rule(g, ans, *args[:i], stacked, *args[i + 1 :], **kwargs)
        return [_fit(grad[j], item) for j, item in enumerate(items)]

    return wrapped


VJPS = {
    "sum": (_sum_vjp(),),
    "nansum": (_sum_vjp(nan=True),),
    "prod": (_prod_vjp(),),
    "nanprod": (_prod_vjp(nan=True),),
    "mean": (_mean_vjp(),),
    "nanmean": (_mean_vjp(nan=True),),
    "var": (_moment_vjp(),),
    "nanvar": (_moment_vjp(nan=True),),
    "std": (_moment_vjp(std=True),),
    "nanstd": (_moment_vjp(nan=True, std=True),),
    **{name: (_extremum_vjp,) for name in ("max", "min", "amax", "amin", "nanmax", "nanmin")},
    "ptp": (_ptp_vjp,),
    "median": (_quantile_vjp(median=True),),
    "nanmedian": (_quantile_vjp(nan=True, median=True),),
    "quantile": (_quantile_vjp(), _quantile_q_vjp()),
    "nanquantile": (_quantile_vjp(nan=True), _quantile_q_vjp(nan=True)),
    "percentile": (_quantile_vjp(scale=100.0), _quantile_q_vjp(scale=100.0)),
    "nanpercentile": (_quantile_vjp(nan=True, scale=100.0), _quantile_q_vjp(nan=True, scale=100.0)),
    "cumsum": (_scan_vjp("sum"),),
    "cumprod": (_scan_vjp("prod"),),
    "nancumsum": (_scan_vjp("sum", nan=True),),
    "nancumprod": (_scan_vjp("prod", nan=True),),
    "cumulative_sum": (_scan_vjp("sum", initial=True),),
    "cumulative_prod": (_scan_vjp("prod", initial=True),),
    "average": (_average_a, None, _average_w),
    "cov": (_cov_vjp(0), _cov_vjp(1)),
    "corrcoef": (_corrcoef_vjp(0), _corrcoef_vjp(1)),
    "bincount": (None, lambda g, ans, x, weights=None, minlength=0: _fit(np.take(g, x), weights)),
}
# Integer, boolean and bin-edge results, which carry no gradient.
NONDIFFERENTIABLE = frozenset(
    ARG_EXTREMA
    + TRUTH
    + ["count_nonzero", "histogram", "histogram2d", "histogramdd", "histogram_bin_edges"]
    + ["digitize"]
)
NO_GRADIENT: dict[str, str] = {}
VJPS = {
    name: tuple(None if rule is None else _on_lists(rule, i) for i, rule in enumerate(rules))
    for name, rules in VJPS.items()
}
attach_vjps(ROWS, VJPS)
