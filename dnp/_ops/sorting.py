"""Sorting and searching: sort, argsort, lexsort, partition, searchsorted.

CuPy sorts stably, takes ``kind`` None or 'stable' only, and has no ``order``/``stable``
arguments; the forwards reduce NumPy's arguments to what every backend takes. dnp arrays have no
fields, so ``order=`` raises NumPy's error for unstructured arrays. ``partition`` results are
only partly ordered: which order each side comes in is the backend's choice, as in NumPy.
"""

import math
import operator

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, _quiet_call, is_array, same, shape_of, shaped, signature_of, small_ones
from ._grad import np, to_input
from ._row import Op
from .creation import backend_array, on_arrays


# --- sort, argsort, sort_complex ----------------------------------------------------------------
def _sorted(op, args, kwargs):
    """``sort``/``argsort``: the input's shape (flat for ``axis=None``); the dtype and NumPy's
    checks of the other arguments from the call on a one-element stand-in, not a full-size sort."""
    kwargs = {k: v for k, v in kwargs.items() if k != "descending"}  # the array API's; no NumPy
    params = signature_of(op.numpy_function()).bind(*args, **kwargs).arguments
    a = params["a"] if is_array(params["a"]) else numpy.asarray(params["a"])
    params["a"] = numpy.zeros((1,) * a.ndim, a.dtype)
    dtype = _quiet_call(op.kernel(numpy), (), params).dtype
    return Meta((a.size,) if params.get("axis", -1) is None else a.shape, dtype)


def _no_order(order) -> None:
    if order is not None:
        raise ValueError("Cannot specify order when the array has no fields.")


def _kind(kind, stable):
    """NumPy's sort options as a kind every backend takes: None (its default) or 'stable'."""
    if kind is None:
        return "stable" if stable else None
    if stable is not None:
        raise ValueError(
            "`kind` and keyword parameters can't be provided at the same time. "
            "Use only one of them."
        )
    # NumPy reads the first letter: quick/heap sorts are unstable (any order of ties is right),
    # merge/stable sorts are stable.
    first = kind[:1].lower()
    if first in ("q", "h"):
        return None
    if first in ("m", "s"):
        return "stable"
    raise ValueError(f"sort kind must be one of 'quick', 'heap', or 'stable' (got {kind!r})")


def _fields(a, order) -> dict:
    """``order=`` for NumPy, where ``a`` has fields to order by (structured arrays live on the
    CPU only); NumPy's error for an array without fields."""
    if order is None:
        return {}
    if a.dtype.names is None:
        _no_order(order)
    return {"order": order}


def _ordering(values: bool):
    """``sort`` (``values``) or ``argsort``: NumPy's, and the array API's ``descending=``
    (stable: equal elements keep their order, largest first)."""
    name = "sort" if values else "argsort"

    def forward(xp, a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
        a = backend_array(xp, a)
        by = _fields(a, order)
        kind = _kind(kind, stable)
        if not descending:
            return getattr(xp, name)(a, axis=axis, kind=kind, **by)
        if axis is None:
            a, axis = a.ravel(), -1
        indices = _descending(xp, a, axis)
        return xp.take_along_axis(a, indices, axis=axis) if values else indices

    return forward


def _descending(xp, a, axis):
    """The indices that sort ``a`` along ``axis`` largest first, equal elements in their order:
    the stable ascending order of the reversed array, reversed, counted from the other end (as
    array-api-compat does; NaNs come first, as they come last ascending)."""
    if a.ndim == 0:
        return xp.argsort(a, axis=axis)  # NumPy's error for a 0-d array and an axis
    flipped = xp.argsort(xp.flip(a, axis=axis), axis=axis, kind="stable")
    return (a.shape[axis] - 1) - xp.flip(flipped, axis=axis)


def _permuted_back(g, ans, a, axis):
    """The gradient of a permutation of ``a`` along ``axis`` (``ans``: the permuted values).

    Equal values are matched through stable sorts of both, so this holds for any order the
    backend produced (a sort, a partition): ``ans[q[i]] == a[p[i]]`` with ``p``, ``q`` their
    argsorts, hence ``grad_a[p[i]] = g[q[i]]``.
    """
    if axis is None:
        return _permuted_back(g, ans, np.ravel(a), -1).reshape(np.shape(a))
    p = np.argsort(a, axis=axis, kind="stable")
    q = np.argsort(ans, axis=axis, kind="stable")
    return np.take_along_axis(np.take_along_axis(g, q, axis), np.argsort(p, axis=axis), axis)


def _sort_vjp(g, ans, a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    if axis is None:
        return _sort_vjp(g, ans, np.ravel(a), -1, descending=descending).reshape(np.shape(a))
    # sort(a) == take_along_axis(a, p)
    p = np.argsort(a, axis=axis, kind="stable", descending=descending)
    return np.take_along_axis(g, np.argsort(p, axis=axis), axis)


ROWS = [
    Op("sort", _ordering(values=True), _sorted, vjp=(_sort_vjp,)),
    Op("argsort", _ordering(values=False), _sorted, differentiable=False),  # indices
    Op(
        "sort_complex",
        on_arrays("sort_complex"),
        shaped(same),
        vjp=(lambda g, ans, a: to_input(_permuted_back(g, ans, a, -1), a),),
    ),
]


# --- partition, argpartition ----------------------------------------------------------------------
def _select(name):
    def forward(xp, a, kth, axis=-1, kind="introselect", order=None):
        _no_order(order)
        if kind != "introselect":
            raise ValueError(f"select kind must be 'introselect' (got {kind!r})")
        return getattr(xp, name)(backend_array(xp, a), kth, axis=axis)

    return forward


def _selected(op, args, kwargs):
    """``partition``/``argpartition``: the input's shape (flat for ``axis=None``); ``kth`` checked
    against the axis here; the dtype and NumPy's checks of the rest from the call on a
    one-element array with a zero ``kth`` of the same type."""
    if len(args) == 2:  # a and kth, the options by name (most calls): nothing to bind
        p = {"a": args[0], "kth": args[1], **kwargs}
    else:
        p = signature_of(op.numpy_function()).bind(*args, **kwargs).arguments
    a = p["a"] if is_array(p["a"]) else numpy.asarray(p["a"])
    given = p["kth"]
    kth = given if is_array(given) else numpy.asarray(given)
    tiny = {**p, "a": numpy.zeros((1,) * a.ndim, a.dtype), "kth": numpy.zeros(kth.shape, kth.dtype)}
    dtype = _quiet_call(op.kernel(numpy), (), tiny).dtype
    axis = p.get("axis", -1)
    n = a.size if axis is None else a.shape[normalize_axis_index(axis, a.ndim)]
    if a.size and not is_array(given):  # kth's values, where they are not array data
        for k in numpy.ravel(kth).tolist():
            if not -n <= k < n:
                raise ValueError(f"kth(={k + n if k < 0 else k}) out of bounds ({n})")
    return Meta((a.size,) if axis is None else a.shape, dtype)


ROWS += [
    Op(
        "partition",
        _select("partition"),
        _selected,
        vjp=(lambda g, ans, a, kth, axis=-1, *args, **kw: _permuted_back(g, ans, a, axis),),
    ),
    Op("argpartition", _select("argpartition"), _selected, differentiable=False),  # indices
]


# --- lexsort, searchsorted: indices -------------------------------------------------------------
def _lexsort(xp, keys, axis=-1):
    """Stable sorts by each key in turn, the last key last (it is the primary one).

    CuPy's lexsort takes a single 2-d array and no ``axis``; a sequence of 1-d keys of mixed
    dtypes, or N-d keys, would not fit it. Stable sorts make the order unique, so this is NumPy's.
    """
    if isinstance(keys, (list, tuple)):
        keys = [xp.asarray(k) for k in keys]
    elif getattr(keys, "ndim", 1) == 0:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if len(keys) == 0:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shape = keys[0].shape
    if any(k.shape != shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    axis = operator.index(axis)  # NumPy takes no axis=None here
    if not shape:  # 0-d keys: NumPy's answer is index 0
        return xp.zeros((), dtype=xp.intp)
    order = xp.argsort(keys[0], axis=axis, kind="stable")
    for key in keys[1:]:
        ranked = xp.take_along_axis(key, order, axis=axis)
        order = xp.take_along_axis(order, xp.argsort(ranked, axis=axis, kind="stable"), axis=axis)
    return order


def _lexsort_meta(op, args, kwargs):
    """The keys' shape (the keys of a sequence, or the rows of an array); the dtype and NumPy's
    checks from the call on one-element keys."""
    p = signature_of(numpy.lexsort).bind(*args, **kwargs).arguments
    keys = p["keys"]
    if isinstance(keys, (list, tuple)):
        keys = [k if is_array(k) else numpy.asarray(k) for k in keys]
        tiny = [numpy.zeros((1,) * k.ndim, k.dtype) for k in keys]
    else:
        keys = keys if is_array(keys) else numpy.asarray(keys)
        tiny = numpy.zeros((1,) * keys.ndim, keys.dtype)
    dtype = _quiet_call(op.kernel(numpy), (tiny,), {"axis": p.get("axis", -1)}).dtype
    if type(keys) is not list:
        return Meta(keys.shape[1:], dtype)
    if any(k.shape != keys[0].shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    return Meta(keys[0].shape, dtype)


def _searchsorted_meta(op, args, kwargs):
    """The shape of ``v``; the dtype and NumPy's checks from the call on one-element arrays
    (a zero ``sorter``)."""
    if len(args) == 2:  # a and v, the options by name (most calls): nothing to bind
        p = {"a": args[0], "v": args[1], **kwargs}
    else:
        p = signature_of(numpy.searchsorted).bind(*args, **kwargs).arguments
    a, v, sorter = p["a"], p["v"], p.get("sorter")
    tiny = {**p, "a": small_ones(a), "v": small_ones(v)}
    if sorter is not None:
        s = sorter if is_array(sorter) else numpy.asarray(sorter)
        tiny["sorter"] = numpy.zeros((1,) * s.ndim, s.dtype)
    dtype = numpy.asarray(_quiet_call(op.kernel(numpy), (), tiny)).dtype
    if sorter is not None and s.size != math.prod(shape_of(a)):
        raise ValueError("sorter.size must equal a.size")
    return Meta(shape_of(v), dtype)


def _searchsorted(xp, a, v, side="left", sorter=None):
    """On NumPy arrays, the method itself: ``numpy.searchsorted``'s wrapper around it takes
    more than half of a small call's time."""
    if type(a) is numpy.ndarray:
        return a.searchsorted(v, side=side, sorter=sorter)
    return xp.searchsorted(backend_array(xp, a), backend_array(xp, v), side=side, sorter=sorter)


ROWS += [
    Op("lexsort", _lexsort, _lexsort_meta, differentiable=False),
    Op("searchsorted", _searchsorted, _searchsorted_meta, differentiable=False),
]
