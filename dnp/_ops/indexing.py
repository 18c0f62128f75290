"""Indexing routines: take, put, choose, compress, where, select, index helpers.

Ops that select by a mask (``nonzero``, ``compress``, ``extract``, one-argument ``where``) have
results whose length is read from the data: their rule is None. The in-place ops (``put``,
``putmask``, ``place``, ``put_along_axis``, ``fill_diagonal``) return None and write through to
their target, which may be a view. Metadata rules take shapes from the arguments' shapes and
dtypes from the op on one-element stand-ins (index stand-ins are zeros: in bounds for any
non-empty axis, so an index out of bounds raises when the op runs).
"""

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._dispatch import dispatch
from .._meta import (
    Meta,
    as_numpy,
    bound,
    check_out,
    elementwise,
    is_array,
    probe,
    resized,
    run_bound,
    shape_of,
    small,
    standin,
)
from .._ndarray import ndarray
from ._grad import np, unbroadcast
from ._row import Op


# --- gradient helpers (shared with manipulation.py and methods.py) -------------------------------
def _is_basic(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in keys)


def _scatter_forward(xp, g, shape, key):
    z = xp.zeros(shape, g.dtype)
    if _is_basic(key):
        z[key] = g
    elif hasattr(xp.add, "at"):
        xp.add.at(z, key, g)
    else:  # older CuPy
        import cupyx

        cupyx.scatter_add(z, key, g)
    return z


# ``scatter(g, shape, key)``: zeros of ``shape`` with ``g`` added at ``key`` (repeated indices
# add up); the gradient of ``x[key]``. Its own gradient is ``gg[key]``, so it differentiates again.
_SCATTER = Op(
    "ndarray.__getitem__ (backward)",
    _scatter_forward,
    lambda op, args, kwargs: Meta(tuple(args[1]), numpy.dtype(args[0].dtype)),
    vjp=(lambda gg, ans, g, shape, key: gg[key], None, None),
)


def scatter(g, shape, key):
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices add up)."""
    return dispatch(_SCATTER, (g, tuple(shape), key), {})


def flat_scatter(g, x, key):
    """The gradient of ``x.ravel()[key]`` (shaped like ``x``)."""
    return np.reshape(scatter(g, (np.size(x),), key), np.shape(x))


def zero_at(g, key):
    """``g`` with the positions ``key`` zeroed (the gradient of what an assignment overwrote)."""
    mask = np.ones(g.shape, dtype=bool, device=g.device)
    mask[key] = False
    return np.where(mask, g, 0)


def _host_key(key):
    if isinstance(key, ndarray):
        return key.asnumpy()
    if isinstance(key, (tuple, list)):
        return type(key)(_host_key(k) for k in key)
    return key


def _last_writes(positions):
    """Where an assignment to flat ``positions`` is the last write there (NumPy: the last wins)."""
    p = numpy.ravel(positions)
    _, first_from_end = numpy.unique(p[::-1], return_index=True)
    if first_from_end.size == p.size:
        return None
    mask = numpy.zeros(p.size, bool)
    mask[p.size - 1 - first_from_end] = True
    return mask.reshape(numpy.shape(positions))


def written_values(g, shape, key, flat=False):
    """``g[key]`` (``g.ravel()[key]`` if ``flat``), zero where a later write to the same place
    in ``a[key] = v`` overwrote the value (repeated indices)."""
    gv = g.ravel()[key] if flat else g[key]
    if _is_basic(key):
        return gv
    where = numpy.arange(int(numpy.prod(shape))).reshape((-1,) if flat else shape)
    last = _last_writes(where[_host_key(key)])
    return gv if last is None else np.where(np.asarray(last, device=g.device), gv, 0)


def to_shape(g, v):
    """``g`` summed back to the shape of ``v``, which was broadcast (also with extra 1s) to it."""
    shape = np.shape(v)
    if g.ndim < len(shape):
        g = g.reshape((1,) * (len(shape) - g.ndim) + g.shape)
    return np.reshape(unbroadcast(g, v), shape)


def cycled(g, v):
    """The gradient of ``v`` cycled (``resize``-like) to fill the 1-d ``g``, shaped like ``v``."""
    n = np.size(v)
    g = g.ravel()
    if n == 0:
        return np.zeros(np.shape(v), g.dtype)
    k = -(-g.size // n) or 1
    if k * n != g.size:
        g = np.concatenate([g, np.zeros(k * n - g.size, g.dtype)])
    return to_shape(g.reshape(k, n).sum(axis=0), v)


def along_axis_key(shape, indices, axis):
    """The fancy index that ``take_along_axis(a, indices, axis)`` is, for ``a`` of ``shape``."""
    ndim = len(shape)
    key = []
    for d in range(ndim):
        if d == axis:
            key.append(indices)
        else:
            s = [1] * ndim
            s[d] = shape[d]
            key.append(np.arange(shape[d]).reshape(s))
    return tuple(key)


def _wrapped(indices, n, mode):
    indices = np.asarray(indices)
    if mode == "wrap":
        return indices % n
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return np.where(indices < 0, indices + n, indices)


# --- taking -------------------------------------------------------------------------------------
def _small_index(x):
    """An index argument's stand-in: zeros (in bounds on any non-empty axis), at most one per
    axis, of the index's own kind (a list stays a list: NumPy converts index lists more
    leniently than arrays)."""
    if type(x) in (list, tuple):
        return small(x).tolist()
    if isinstance(x, (int, float, numpy.generic)):
        return type(x)(0)
    return small(x)


def _with_out(params: dict, meta: Meta) -> Meta:
    """``meta``, or the ``out=`` array's dtype after NumPy's check of its shape."""
    out = params.get("out")
    check_out(out, meta.shape)
    return meta if out is None else Meta(meta.shape, out.dtype)


def _take_meta(op, args, kwargs):
    """The indices' shape in place of ``axis`` (of the flattened array with axis None)."""
    params = bound(op, args, kwargs)
    a, indices = shape_of(params["a"]) or (1,), shape_of(params["indices"])  # 0-d: read as 1-d
    tiny = dict(params, a=small(params["a"]), indices=_small_index(params["indices"]), out=None)
    axis = params.get("axis")
    if axis is None:
        shape = indices
    else:
        axis = normalize_axis_index(axis, len(a))
        shape = a[:axis] + indices + a[axis + 1 :]
    return _with_out(params, resized(run_bound(op, tiny), shape))


# CuPy differs from NumPy in argument names or defaults ('wrap' for NumPy's 'raise').
def _take_along_axis(xp, arr, indices, axis=-1):
    return xp.take_along_axis(arr, indices, axis)


def _take_along_axis_meta(op, args, kwargs):
    """The indices broadcast against the array with ``axis`` left to them (the flattened array
    with axis None)."""
    params = bound(op, args, kwargs)
    arr, indices = shape_of(params["arr"]), shape_of(params["indices"])
    tiny = dict(params, arr=small(params["arr"]), indices=_small_index(params["indices"]))
    result = run_bound(op, tiny)
    axis = params.get("axis", -1)
    if axis is None:
        return resized(result, indices)
    axis = normalize_axis_index(axis, len(arr))
    return resized(result, numpy.broadcast_shapes(indices, arr[:axis] + (1,) + arr[axis + 1 :]))


def _take_vjp(g, ans, a, indices, axis=None, out=None, mode="raise"):
    if axis is None:
        return flat_scatter(g, a, (_wrapped(indices, np.size(a), mode),))
    axis %= a.ndim
    key = (slice(None),) * axis + (_wrapped(indices, a.shape[axis], mode),)
    return scatter(g, a.shape, key)


def _take_along_axis_vjp(g, ans, arr, indices, axis=-1):
    if axis is None:
        return flat_scatter(g, arr, (np.asarray(indices),))
    axis %= arr.ndim
    return scatter(
        g, arr.shape, along_axis_key(arr.shape, _wrapped(indices, arr.shape[axis], ""), axis)
    )


ROWS = [
    Op("take", meta=_take_meta, vjp=(_take_vjp, None), fills_out=True),
    Op(
        "take_along_axis", _take_along_axis, _take_along_axis_meta, vjp=(_take_along_axis_vjp, None)
    ),
]


# --- choosing and selecting ----------------------------------------------------------------------
def _choose_meta(op, args, kwargs):
    """The index array broadcast against every choice (an array's choices: along its first
    axis); the dtype from the op on one element of each (of one, for an array of choices)."""
    params = bound(op, args, kwargs)
    choices = params["choices"]
    if is_array(choices):
        shapes = [choices.shape[1:]]
        tiny_choices = small(choices)  # one choice of the dtype they share; indices are zeros
    else:
        shapes = [shape_of(c) for c in choices]
        tiny_choices = [small(c) for c in choices]
    shape = numpy.broadcast_shapes(shape_of(params["a"]), *shapes)
    tiny = dict(params, a=_small_index(params["a"]), choices=tiny_choices, out=None)
    return _with_out(params, resized(run_bound(op, tiny), shape))


def _choose_vjp(g, ans, a, choices, out=None, mode="raise"):
    n = len(choices)
    a = _wrapped(a, n, mode) if mode != "raise" else np.asarray(a)
    if isinstance(choices, ndarray):
        picked = np.arange(n).reshape((n,) + (1,) * g.ndim) == a
        return to_shape(np.where(picked, g, 0), choices)
    return [
        to_shape(np.where(a == j, g, 0), c) if isinstance(c, ndarray) else None
        for j, c in enumerate(choices)
    ]


def _compress_vjp(g, ans, condition, a, axis=None, out=None):
    kept = np.flatnonzero(np.asarray(condition))
    if axis is None:
        return flat_scatter(g, a, (kept,))
    axis %= a.ndim
    return scatter(g, a.shape, (slice(None),) * axis + (kept,))


def _extract_vjp(g, ans, condition, arr):
    return flat_scatter(g, arr, (np.flatnonzero(np.asarray(condition)),))


def _select_meta(op, args, kwargs):
    """The conditions broadcast together, and against the choices and the default when those
    are not scalars."""
    params = bound(op, args, kwargs)
    condlist, choicelist = params["condlist"], params["choicelist"]
    default = params.get("default", 0)
    tiny = dict(params, condlist=[small(c) for c in condlist])
    tiny["choicelist"] = [small(c) for c in choicelist]
    if "default" in params:
        tiny["default"] = small(default)
    result = run_bound(op, tiny)
    conds = numpy.broadcast_shapes(*map(shape_of, condlist))
    choices = numpy.broadcast_shapes(*map(shape_of, choicelist), shape_of(default))
    return resized(result, numpy.broadcast_shapes(conds, choices) if choices else conds)


def _select_masks(condlist):
    taken, masks = None, []
    for c in condlist:
        c = np.asarray(c)
        masks.append(c if taken is None else c & ~taken)
        taken = c if taken is None else taken | c
    return masks, taken


def _select_vjp(g, ans, condlist, choicelist, default=0):
    masks, _ = _select_masks(condlist)
    return [
        to_shape(np.where(m, g, 0), c) if isinstance(c, ndarray) else None
        for m, c in zip(masks, choicelist, strict=False)
    ]


def _select_default_vjp(g, ans, condlist, choicelist, default=0):
    _, taken = _select_masks(condlist)
    return to_shape(np.where(taken, 0, g), default)


def _where_meta(op, args, kwargs):
    """``where(cond)`` is ``nonzero(cond)`` (data-dependent); ``where(cond, x, y)`` broadcasts."""
    return None if len(args) == 1 else elementwise(op, args, kwargs)


def _where_vjp(which):
    def rule(g, ans, condition, x=None, y=None):
        return unbroadcast(
            np.where(condition, g, 0) if which else np.where(condition, 0, g), (x, y)[1 - which]
        )

    return rule


ROWS += [
    Op("choose", meta=_choose_meta, vjp=(None, _choose_vjp)),
    Op("select", meta=_select_meta, vjp=(None, _select_vjp, _select_default_vjp)),
    Op("where", meta=_where_meta, vjp=(None, _where_vjp(1), _where_vjp(0))),
    Op("compress", meta=None, vjp=(None, _compress_vjp)),
    Op("extract", meta=None, vjp=(None, _extract_vjp)),
]
ROWS += [
    Op(name, meta=None, differentiable=False)
    for name in ("nonzero", "argwhere", "flatnonzero", "mask_indices")
]


# --- diagonals -----------------------------------------------------------------------------------
def _diag_key(shape, offset, axis1, axis2):
    """(moved shape, key): ``diagonal`` is ``moveaxis(a, (axis1, axis2), (-2, -1))[key]``."""
    n = len(shape)
    axis1, axis2 = axis1 % n, axis2 % n
    rest = [s for d, s in enumerate(shape) if d not in (axis1, axis2)]
    n1, n2 = shape[axis1], shape[axis2]
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(0, min(n1 - r0, n2 - c0))
    key = (Ellipsis, np.arange(r0, r0 + length), np.arange(c0, c0 + length))
    return (*rest, n1, n2), key, (axis1, axis2)


def diagonal_vjp(g, ans, a, offset=0, axis1=0, axis2=1):
    moved, key, axes = _diag_key(a.shape, offset, axis1, axis2)
    return np.moveaxis(scatter(g, moved, key), (-2, -1), axes)


def _trace_meta(op, args, kwargs):
    """The array without the two axes of its diagonals (a sum over each)."""
    params = bound(op, args, kwargs)
    shape = shape_of(params["a"])
    result = run_bound(op, dict(params, a=small(params["a"]), out=None))
    axes = {
        normalize_axis_index(params.get(k, d), len(shape)) for k, d in (("axis1", 0), ("axis2", 1))
    }
    kept = tuple(n for i, n in enumerate(shape) if i not in axes)
    return _with_out(params, resized(result, kept))


def _trace_vjp(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    moved, key, axes = _diag_key(a.shape, offset, axis1, axis2)
    g = np.broadcast_to(np.expand_dims(g, -1), (*moved[:-2], key[1].size))
    return unbroadcast(np.moveaxis(scatter(g, moved, key), (-2, -1), axes), a)


ROWS += [Op("trace", meta=_trace_meta, vjp=(_trace_vjp,))]


# --- index helpers -------------------------------------------------------------------------------
def _indices_of(op, params: dict, length: int):
    """The op's index arrays (a tuple) on a one-element stand-in, each ``length`` long."""
    result = run_bound(op, dict(params, arr=small(params["arr"])))
    return tuple(resized(r, (length,)) for r in result)


def _diag_indices_from_meta(op, args, kwargs):
    """One index array per axis, as long as the (equal) axes."""
    params = bound(op, args, kwargs)
    shape = shape_of(params["arr"])
    if len(shape) >= 2 and len(set(shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return _indices_of(op, params, shape[0] if shape else 0)


def _tril_count(n: int, m: int, k: int) -> int:
    """How many (i, j), 0 <= i < n, 0 <= j < m, have j <= i + k (row i has i + k + 1 of them,
    none below 0 and at most m)."""
    m = max(m, 0)
    start = min(max(-k, 0), n)  # rows before have none
    full = min(max(m - k - 1, start), n)  # rows from here have all m
    partial = full - start
    return partial * (k + 1) + (start + full - 1) * partial // 2 + (n - full) * m


def _triangle_indices_meta(upper: bool):
    """tril_indices_from, triu_indices_from: two index arrays of the triangle's length."""

    def rule(op, args, kwargs):
        params = bound(op, args, kwargs)
        shape = shape_of(params["arr"])
        if len(shape) != 2:
            raise ValueError("input array must be 2-d")
        n, m = shape
        k = params.get("k", 0)
        return _indices_of(
            op, params, n * m - _tril_count(n, m, k - 1) if upper else _tril_count(n, m, k)
        )

    return rule


def _ravel_multi_index(xp, multi_index, dims, mode="raise", order="C"):
    return xp.ravel_multi_index(multi_index, dims, mode=mode, order=order)


def _ravel_multi_index_meta(op, args, kwargs):
    """The index arrays broadcast together (the rows of an array of them)."""
    params = bound(op, args, kwargs)
    index = params["multi_index"]
    if is_array(index):
        shape = index.shape[1:]
        tiny = standin(index.shape[:1] + (1,) * (index.ndim - 1), index.dtype)
    else:
        shape = numpy.broadcast_shapes(*map(shape_of, index))
        tiny = type(index)(_small_index(i) for i in index)
    return resized(run_bound(op, dict(params, multi_index=tiny)), shape)


def _unravel_index(xp, indices, shape, order="C"):
    return xp.unravel_index(indices, shape, order=order)


def _unravel_index_meta(op, args, kwargs):
    """One array of the indices' shape per dimension."""
    params = bound(op, args, kwargs)
    result = run_bound(op, dict(params, indices=_small_index(params["indices"])))
    return tuple(resized(r, shape_of(params["indices"])) for r in result)


def _ix_meta(op, args, kwargs):
    """Argument k's length along axis k of len(args) axes; a boolean argument stands for its
    nonzero positions, so its length is read from the data."""
    for a in map(as_numpy, args):
        if is_array(a) and a.dtype == bool:
            return None
    result = run_bound(op, {"args": tuple(_small_index(a) for a in args)})
    n = len(args)
    return tuple(
        resized(r, (1,) * k + shape_of(a) + (1,) * (n - k - 1))
        for k, (r, a) in enumerate(zip(result, args, strict=True))
    )


ROWS += [
    Op("diag_indices_from", meta=_diag_indices_from_meta, differentiable=False),
    Op("tril_indices_from", meta=_triangle_indices_meta(False), differentiable=False),
    Op("triu_indices_from", meta=_triangle_indices_meta(True), differentiable=False),
    Op("ravel_multi_index", _ravel_multi_index, _ravel_multi_index_meta, differentiable=False),
    Op("unravel_index", _unravel_index, _unravel_index_meta, differentiable=False, c_ordered=False),
    Op("ix_", meta=_ix_meta, differentiable=False, aliases=True),  # views of its 1-d inputs
]
ROWS += [
    Op(name, meta=probe, differentiable=False)
    for name in ("diag_indices", "tril_indices", "triu_indices")
]


# --- writing in place: rules see the old value of the written array; its gradient is zero where
# written.
def _put_key(a, ind, mode):
    return (_wrapped(ind, np.size(a), mode).ravel(),)


def _fill_diagonal_key(a, wrap):
    if a.ndim == 2:
        step = a.shape[1] + 1
        end = None if wrap else a.shape[1] * a.shape[1]
    else:
        step = 1 + int(numpy.cumprod(a.shape[:-1]).sum())
        end = None
    return (slice(None, end, step),)


def _flat_zero_at(g, key):
    return np.reshape(zero_at(g.ravel(), key), g.shape)


def _along_axis_put_key(arr, indices, axis):
    if axis is None:
        return None
    axis %= arr.ndim
    return along_axis_key(arr.shape, _wrapped(indices, arr.shape[axis], ""), axis)


def _put(xp, a, ind, v, mode="raise"):
    return xp.put(a, ind, v, mode=mode)


def _put_along_axis_meta(op, args, kwargs):
    """``probe``; with axis=None NumPy writes through ``arr.flat``, read-only on stand-ins."""
    axis = args[3] if len(args) > 3 else kwargs.get("axis")
    return None if axis is None else probe(op, args, kwargs)


ROWS += [
    Op(
        "put",
        _put,
        None,
        inplace=True,
        vjp=(
            lambda g, ans, a, ind, v, mode="raise": _flat_zero_at(g, _put_key(a, ind, mode)),
            None,
            lambda g, ans, a, ind, v, mode="raise": cycled(
                written_values(g, a.shape, _put_key(a, ind, mode), flat=True), v
            ),
        ),
    ),
    Op(
        "put_along_axis",
        meta=_put_along_axis_meta,
        inplace=True,
        vjp=(
            lambda g, ans, arr, indices, values, axis: (
                _flat_zero_at(g, (np.asarray(indices).ravel(),))
                if axis is None
                else zero_at(g, _along_axis_put_key(arr, indices, axis))
            ),
            None,
            lambda g, ans, arr, indices, values, axis: to_shape(
                g.ravel()[np.asarray(indices)]
                if axis is None
                else g[_along_axis_put_key(arr, indices, axis)],
                values,
            ),
        ),
    ),
    Op(
        "putmask",
        meta=None,
        inplace=True,
        vjp=(
            lambda g, ans, a, mask, values: np.where(mask, 0, g),
            None,
            lambda g, ans, a, mask, values: cycled(np.where(mask, g, 0), values),
        ),
    ),
    Op(
        "place",
        meta=None,
        inplace=True,
        vjp=(
            lambda g, ans, arr, mask, vals: np.where(mask, 0, g),
            None,
            lambda g, ans, arr, mask, vals: cycled(g.ravel()[np.flatnonzero(mask)], vals),
        ),
    ),
    Op(
        "fill_diagonal",
        meta=None,
        inplace=True,
        vjp=(
            lambda g, ans, a, val, wrap=False: _flat_zero_at(g, _fill_diagonal_key(a, wrap)),
            lambda g, ans, a, val, wrap=False: cycled(g.ravel()[_fill_diagonal_key(a, wrap)], val),
        ),
    ),
]
