"""Reductions to one value per slice: sums and products, extrema (and medians), the index of an
extremum, truth tests, counts. Shape from ``axis``/``keepdims``, dtype from a one-element
stand-in (``_meta.reduction``).

Gradients (dnp code, differentiable again with create_graph=True):
- max/min/amax/amin/nanmax/nanmin (and ptp): the gradient is split equally among the elements tied
  for the extremum (a subgradient; PyTorch's amax rule). Elements masked out by where=, NaNs in
  the nan* forms, and results equal to initial= get none.
- nan* forms: NaN elements get zero gradient.
- prod: products of all the other elements (exclusive scans, no division), exact with zeros in
  the data.
- median: a quantile's (``quantiles.py``).
"""

import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import reduction
from ._grad import conj, np
from ._reduced import (
    expand,
    fit_to,
    on_lists,
    read_mask,
    reduced_axes,
    to_last,
    zero_outside,
)
from ._row import Op
from .quantiles import median_vjp

SUMS = ["sum", "prod", "nansum", "nanprod"]
EXTREMA = ["max", "min", "amax", "amin", "ptp", "nanmax", "nanmin", "median", "nanmedian"]
ARG_EXTREMA = ["argmax", "argmin", "nanargmax", "nanargmin"]
TRUTH = ["all", "any"]

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
    # Where the array has the reduction as a method with the function's parameters (after
    # ``a``: sum, prod, max, min, all, any), calling it skips NumPy's Python-level wrapper, a
    # few microseconds on small arrays; NumPy's scalars (a 0-d result) have the same methods.
    method = hasattr(numpy.ndarray, name)
    fold = numpy.add.reduce if name == "sum" else None

    def forward(xp, *args, **kwargs):
        fn = getattr(xp, name)
        if len(args) < 5 and "where" not in kwargs and "initial" not in kwargs:
            a = args[0]
            if fold is not None and _plain_sum(args, kwargs):
                return fold(a, kwargs.get("axis"), None, None, kwargs.get("keepdims", False))
            if method and (type(a) is xp.ndarray or isinstance(a, numpy.generic)):
                return getattr(a, name)(*args[1:], **kwargs)
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


def _plain_sum(args: tuple, kwargs: dict) -> bool:
    """A sum of one float NumPy array over ``axis`` (and ``keepdims``) only: what
    ``ndarray.sum`` hands to ``numpy.add.reduce``."""
    return (
        len(args) == 1
        and type(args[0]) is numpy.ndarray
        and args[0].dtype.kind in "fc"
        and kwargs.keys() <= {"axis", "keepdims"}
    )


def _add_reduce(a, axis=None, keepdims=False):
    return numpy.add.reduce(a, axis, None, None, keepdims)


def _sum_replay(xp, args, kwargs):
    """``numpy.add.reduce`` for plain sums of arrays of at least one dimension (a replay may
    hand a 0-d one over as a NumPy scalar): itself where the call names an axis or the array
    has one (its default axis is 0, sum's None)."""
    if xp is not numpy or not _plain_sum(args, kwargs) or not args[0].ndim:
        return None
    return numpy.add.reduce if "axis" in kwargs or args[0].ndim == 1 else _add_reduce


def _count_nonzero(xp, a, axis=None, *, keepdims=False):
    # CuPy's count_nonzero has no keepdims: put the reduced axes back as length-1 axes.
    count = xp.count_nonzero(a, axis=axis)
    if not keepdims:
        return count
    ndim = xp.ndim(a)
    axes = normalize_axis_tuple(range(ndim) if axis is None else axis, ndim)
    return xp.expand_dims(xp.asarray(count), axes)


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
_NO_INITIAL = (None, numpy._NoValue)


def _sum_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return fit_to(zero_outside(expand(g, a, axis, keepdims), read_mask(a, where, nan)), a)

    return rule


def _exclusive_cumprod(x):
    """``prod(x[..., :i])`` at ``i`` along the last axis."""
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype, device=x.device)
    return np.concatenate([ones, np.cumprod(x[..., :-1], axis=-1)], axis=-1)


def _prod_of_others(x, axes):
    """The product over ``axes`` of all the elements but each one, shaped like ``x``."""
    flat, back = to_last(x, axes)
    if flat.shape[-1] == 0:
        return back(flat)
    left = _exclusive_cumprod(flat)
    right = np.flip(_exclusive_cumprod(np.flip(flat, axis=-1)), axis=-1)
    return back(left * right)


def _prod_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        mask = read_mask(a, where, nan)
        x = a if mask is True else np.where(mask, a, 1)
        others = _prod_of_others(x, reduced_axes(axis, np.ndim(a)))
        if initial not in _NO_INITIAL:
            others = others * initial
        return fit_to(zero_outside(expand(g, a, axis, keepdims) * conj(others), mask), a)

    return rule


def _tied(ge, extremum, a, axis, where=True):
    """``ge`` (kept dims) split equally among the elements of ``a`` equal to ``extremum``."""
    mask = a == extremum
    if where is not True and where is not numpy._NoValue:
        mask = mask & where
    count = np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    return np.where(mask, ge / count, 0)


def _extremum_vjp(g, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    ge, extremum = expand(g, a, axis, keepdims), expand(ans, a, axis, keepdims)
    return fit_to(_tied(ge, extremum, a, axis, where), a)


def _ptp_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    ge = expand(g, a, axis, keepdims)
    high, low = np.max(a, axis=axis, keepdims=True), np.min(a, axis=axis, keepdims=True)
    return fit_to(_tied(ge, high, a, axis) - _tied(ge, low, a, axis), a)


def _reduction_row(name, *vjp, **facts):
    forward = _folding(name) if name in _FOLDS else None
    return Op(name, forward, reduction, vjp=on_lists(*vjp) if vjp else None, **facts)


ROWS = [
    _reduction_row("sum", _sum_vjp(), replay=_sum_replay),
    _reduction_row("nansum", _sum_vjp(nan=True)),
    _reduction_row("prod", _prod_vjp()),
    _reduction_row("nanprod", _prod_vjp(nan=True)),
    *(_reduction_row(n, _extremum_vjp) for n in ("max", "min", "amax", "amin", "nanmax", "nanmin")),
    _reduction_row("ptp", _ptp_vjp),
    # NumPy may lay a median out other than in C order (as any quantile).
    _reduction_row("median", median_vjp(), c_ordered=False),
    _reduction_row("nanmedian", median_vjp(nan=True), c_ordered=False),
    # Integer and boolean results: no gradient.
    *(_reduction_row(name, differentiable=False) for name in ARG_EXTREMA + TRUTH),
    Op("count_nonzero", _count_nonzero, reduction, differentiable=False),
]
