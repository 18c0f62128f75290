"""Helpers shared by the reductions' modules (sums and extrema, statistics, quantiles, scans,
histograms, the ufuncs' reduce): small stand-ins for metadata rules; for gradients, the reduced
axes, the output gradient expanded back over them, the elements a reduction reads, the gradient
fitted to its input, and rules that take lists of arrays as NumPy does."""

from __future__ import annotations

import math

import numpy
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.lib.stride_tricks import as_strided

from .._meta import is_array, shape_of, standin
from ._grad import expand_reduced, np, shape_dtype


def ones_standin(x, shape=None):
    """Like ``standin`` but filled with ones (zeros would make weights sum to zero, an error);
    ``shape`` replaces the array's own. Anything but an array passes through."""
    if not is_array(x):
        return x
    shape = x.shape if shape is None else shape
    return as_strided(numpy.ones(1, x.dtype), shape, (0,) * len(shape), writeable=True)


def one_element_standin(a):
    """A one-element stand-in with ``a``'s dtype and number of dimensions (``a`` may be host
    data)."""
    return standin((1,) * len(shape_of(a)), a.dtype if is_array(a) else numpy.asarray(a).dtype)


def reduced_axes(axis, ndim: int) -> tuple[int, ...]:
    """The axes ``axis`` names (None: all), non-negative and in increasing order."""
    return tuple(range(ndim)) if axis is None else tuple(sorted(normalize_axis_tuple(axis, ndim)))


def to_last(x, axes):
    """``x`` with ``axes`` moved to the end and flattened into one, (kept..., n); the inverse."""
    shape = shape_dtype(x)[0]
    kept = [i for i in range(len(shape)) if i not in axes]
    order = kept + list(axes)
    moved = np.transpose(x, order)
    n = math.prod(shape[i] for i in axes)
    flat = np.reshape(moved, moved.shape[: len(kept)] + (n,))
    inverse = numpy.argsort(order).tolist()
    return flat, lambda y: np.transpose(np.reshape(y, moved.shape), inverse)


def expand(g, a, axis, keepdims):
    """A reduction's output gradient with length-1 axes where ``a`` was reduced."""
    return expand_reduced(g, shape_dtype(a)[0], axis, keepdims is True)


def fit_to(grad, a):
    """``grad`` as the gradient of input ``a``: its shape, real for real ``a``, its dtype."""
    shape, dtype = shape_dtype(a)
    if grad.shape != shape:
        grad = np.broadcast_to(grad, shape)
    if grad.dtype.kind == "c" and dtype.kind != "c":
        grad = grad.real
    if dtype.kind in "fc" and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def zero_outside(grad, mask):
    """``grad`` where ``mask`` (True: everywhere), zero elsewhere."""
    return grad if mask is True else np.where(mask, grad, 0)


def read_mask(a, where=True, nan=False):
    """The elements a reduction reads: ``where=``, without NaNs for the nan* forms."""
    if where is numpy._NoValue:
        where = True
    if nan:
        keep = ~np.isnan(a)
        return keep if where is True else keep & where
    if where is True:
        return True
    return np.broadcast_to(np.asarray(where, device=a.device), a.shape)  # on a's device


def reduced_count(a, axis, mask):
    """The number of elements each result reduces (an int, or an array with kept dims)."""
    if mask is True:
        shape = shape_dtype(a)[0]
        return math.prod(shape[i] for i in reduced_axes(axis, len(shape)))
    return np.sum(mask, axis=axis, keepdims=True)


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
        return [fit_to(grad[j], item) for j, item in enumerate(items)]

    return wrapped


def on_lists(*rules):
    """A reduction's gradient rules (one per positional argument, None for none), each taking
    its argument as a list of arrays too."""
    return tuple(None if rule is None else _on_lists(rule, i) for i, rule in enumerate(rules))
