"""Rearranging and resizing: ``tile``, ``repeat``, ``roll``, ``pad``, ``resize``, ``insert``,
``delete``, ``trim_zeros``.

Shapes from the arguments' shapes and the values of the counts, widths and indices given as host
data (numbers, lists, slices); given as arrays, those are data, and the rule leaves the result to
them (None). The dtype (and NumPy's checks) from the op on one-element stand-ins. Gradients: the
adjoint of each rearrangement (sums over the copies, slices of the padding, scatters back).
"""

import math

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, bound, is_array, resized, run_bound, shape_of, small
from .._ndarray import to_host
from ._grad import np
from ._row import Op
from .indexing import cycled, flat_scatter, scatter, to_shape


# --- forwards: CuPy lacks the function or names its parameters otherwise ------------------------
def _delete(xp, arr, obj, axis=None):
    return xp.delete(arr, obj, axis)  # CuPy names obj 'indices'


def _insert(xp, arr, obj, values, axis=None):
    """NumPy's ``insert`` (CuPy has none), step for step."""
    arr = xp.asarray(arr)
    order = "F" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "C"
    if axis is None:
        arr, axis = arr.ravel(), 0
    axis = normalize_axis_index(axis, arr.ndim)
    n = arr.shape[axis]
    before = [slice(None)] * arr.ndim
    if isinstance(obj, slice):
        indices = xp.arange(*obj.indices(n), dtype=xp.intp)
    else:
        indices = xp.array(obj)
        if indices.dtype == bool:
            if indices.ndim != 1:
                raise ValueError("boolean array argument obj to insert must be one dimensional")
            indices = xp.flatnonzero(indices)
        elif indices.ndim > 1:
            raise ValueError("index array argument obj to insert must be one dimensional or scalar")
    shape = list(arr.shape)
    if indices.size == 1:
        index = indices.item()
        if index < -n or index > n:
            raise IndexError(f"index {obj} is out of bounds for axis {axis} with size {n}")
        index += n if index < 0 else 0
        values = xp.array(values, ndmin=arr.ndim, dtype=arr.dtype)
        if indices.ndim == 0:  # a scalar index inserts ``values`` like a[:, i:i+1] = values
            values = xp.moveaxis(values, 0, axis)
        numnew = values.shape[axis]
        shape[axis] += numnew
        new = xp.empty(shape, arr.dtype, order)
        after = list(before)
        before[axis], after[axis] = slice(None, index), slice(index, None)
        new[tuple(before)] = arr[tuple(before)]
        before[axis] = slice(index, index + numnew)
        new[tuple(before)] = values
        before[axis] = slice(index + numnew, None)
        new[tuple(before)] = arr[tuple(after)]
        return new
    if indices.size == 0 and not isinstance(obj, xp.ndarray):
        indices = indices.astype(xp.intp)  # an empty list is an empty index, not a float array
    indices = xp.where(indices < 0, indices + n, indices)
    numnew = len(indices)
    indices[xp.argsort(indices, kind="stable")] += xp.arange(numnew)
    shape[axis] += numnew
    keep = xp.ones(shape[axis], dtype=bool)
    keep[indices] = False
    new = xp.empty(shape, arr.dtype, order)
    old = list(before)
    before[axis], old[axis] = indices, keep
    new[tuple(before)] = values
    new[tuple(old)] = arr
    return new


# --- metadata -----------------------------------------------------------------------------------
def _ints(values) -> tuple | None:
    """``values`` (a number or a sequence of them) as a tuple of ints; None if one is not an
    integer (NumPy raises for those, and the rule leaves it to the op)."""
    values = tuple(values) if numpy.ndim(values) else (values,)
    if all(isinstance(v, (int, numpy.integer)) and not isinstance(v, bool) for v in values):
        return tuple(int(v) for v in values)
    return None


def _tile_meta(op, args, kwargs):
    """``tile(A, reps)``: A and reps padded with leading ones to the same length, multiplied."""
    params = bound(op, args, kwargs)
    a, reps = params["A"], params["reps"]
    reps = None if is_array(reps) else _ints(reps)
    if reps is None:
        return None
    result = run_bound(op, {"A": small(a), "reps": tuple(min(r, 1) for r in reps)})
    shape = shape_of(a)
    d = max(len(shape), len(reps))
    shape, reps = (1,) * (d - len(shape)) + shape, (1,) * (d - len(reps)) + reps
    return resized(result, (n * r for n, r in zip(shape, reps, strict=True)))


def _repeat_meta(op, args, kwargs):
    """``repeat(a, repeats, axis)``: the axis (or the flattened array) ``repeats`` times as long,
    or as long as the sum of one count per element."""
    params = bound(op, args, kwargs)
    a, repeats, axis = params["a"], params["repeats"], params.get("axis")
    if is_array(repeats):
        return None
    counts = numpy.asarray(repeats)
    result = run_bound(op, {**params, "a": small(a), "repeats": counts.dtype.type(0)})
    if counts.ndim > 1:
        raise ValueError("object too deep for desired array")
    shape = shape_of(a)
    if axis is None or not shape:  # flattened (a 0-d array has one axis to repeat along)
        shape = (math.prod(shape),)
    axis = normalize_axis_index(axis or 0, len(shape))
    n = shape[axis]
    if counts.size == 1:
        n *= int(counts.ravel()[0])
        if n < 0:
            raise ValueError("negative dimensions are not allowed")
    elif counts.size == n:
        if (counts < 0).any():
            raise ValueError("repeats may not contain negative values.")
        n = int(counts.sum())
    else:
        raise ValueError(
            f"operands could not be broadcast together with shape ({n},) ({counts.size},)"
        )
    return resized(result, (*shape[:axis], n, *shape[axis + 1 :]))


def _roll_meta(op, args, kwargs):
    """``roll``: the array's shape; ``shift`` and ``axis`` must broadcast to one dimension."""
    params = bound(op, args, kwargs)
    shift, axis = params["shift"], params.get("axis")
    stand = {**params, "a": small(params["a"]), "shift": small(shift) if is_array(shift) else shift}
    result = run_bound(op, stand)
    if axis is not None and len(numpy.broadcast_shapes(shape_of(shift), shape_of(axis))) > 1:
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    return resized(result, shape_of(params["a"]))


def _pad_meta(op, args, kwargs):
    """``pad``: each axis longer by its widths before and after (broadcast to one pair per axis);
    the op runs on a stand-in padded by at most one element per side."""
    params = bound(op, args, kwargs)
    array, width = params["array"], params["pad_width"]
    if is_array(width):
        return None
    width = numpy.asarray(width)
    tiny = numpy.minimum(width, 1) if width.dtype.kind in "iu" else width
    result = run_bound(op, {**params, "array": small(array), "pad_width": tiny})
    shape = shape_of(array)
    pairs = numpy.broadcast_to(width, (len(shape), 2)).tolist()
    return resized(result, (n + b + a for n, (b, a) in zip(shape, pairs, strict=True)))


def _resize_meta(op, args, kwargs):
    """``resize(a, new_shape)``: ``new_shape``."""
    params = bound(op, args, kwargs)
    new_shape = params["new_shape"]
    new_shape = None if is_array(new_shape) else _ints(new_shape)
    if new_shape is None:
        return None
    tiny = tuple(min(n, 1) for n in new_shape)
    result = run_bound(op, {"a": small(params["a"]), "new_shape": tiny})
    return resized(result, new_shape)


def _index_count(obj, n):
    """How many positions along an axis of length ``n`` index ``obj`` (an int, slice, list or
    boolean list) selects, distinct ones counted once; NumPy's errors for bad ones. None for
    indices that are not integers or booleans (NumPy decides)."""
    if isinstance(obj, slice):
        return len(range(*obj.indices(n)))
    index = numpy.asarray(obj)
    if index.dtype == bool:
        if index.shape != (n,):
            raise ValueError(
                f"boolean array argument obj to delete must be one dimensional and match the axis "
                f"length of {n}"
            )
        return int(index.sum())
    if index.size == 0:
        return 0
    if index.dtype.kind not in "iu":
        return None
    if index.min() < -n or index.max() >= n:
        bad = index.min() if index.min() < -n else index.max()
        raise IndexError(f"index {bad} is out of bounds for axis 0 with size {n}")
    return len(numpy.unique(index % n))


def _delete_meta(op, args, kwargs):
    """``delete(arr, obj, axis)``: the axis (or the flattened array) without the positions
    ``obj`` selects."""
    params = bound(op, args, kwargs)
    arr, obj, axis = params["arr"], params["obj"], params.get("axis")
    if is_array(obj):
        return None
    result = run_bound(op, {"arr": small(arr), "obj": slice(0, 0), "axis": axis})
    shape = shape_of(arr)
    if axis is None:
        shape, axis = (math.prod(shape),), 0
    axis = normalize_axis_index(axis, len(shape))
    n = shape[axis]
    removed = _index_count(obj, n)
    if removed is None:
        return None
    return resized(result, (*shape[:axis], n - removed, *shape[axis + 1 :]))


def _assignable(shape, slot):
    """NumPy's ValueError unless values of ``shape`` can be assigned to ``slot`` (broadcast to
    it, leading axes of length one dropped)."""
    fits = shape
    while len(fits) > len(slot) and fits[0] == 1:
        fits = fits[1:]
    try:
        fits = len(fits) <= len(slot) and numpy.broadcast_shapes(fits, slot) == slot
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"could not broadcast input array from shape {shape} into shape {slot}")


def _insert_meta(op, args, kwargs):
    """``insert(arr, obj, values, axis)``: the axis (or the flattened array) longer by the
    entries inserted: one per index, or for one index as many as ``values`` has along the axis
    (NumPy's ``insert`` step for step)."""
    params = bound(op, args, kwargs)
    arr, obj, values, axis = params["arr"], params["obj"], params["values"], params.get("axis")
    if is_array(obj):
        return None
    shape = shape_of(arr)
    dtype = numpy.asarray(small(arr)).dtype
    if axis is None:
        shape, axis = (math.prod(shape),), 0
    axis = normalize_axis_index(axis, len(shape))
    n = shape[axis]
    if isinstance(obj, slice):
        index = numpy.arange(*obj.indices(n))
    else:
        index = numpy.asarray(obj)
        if index.dtype == bool:
            if index.ndim != 1:
                raise ValueError("boolean array argument obj to insert must be one dimensional")
            index = numpy.flatnonzero(index)
        elif index.ndim > 1:
            raise ValueError("index array argument obj to insert must be one dimensional or scalar")
    if index.size and index.dtype.kind not in "iu":
        return None
    v = shape_of(values)
    if index.size == 1:
        at = int(index.ravel()[0])
        if not -n <= at <= n:
            raise IndexError(f"index {obj} is out of bounds for axis {axis} with size {n}")
        v = (1,) * (len(shape) - len(v)) + v  # ndmin
        if index.ndim == 0:  # a scalar index inserts ``values`` like a[:, i:i+1] = values
            v = (*v[1 : axis + 1], v[0], *v[axis + 1 :])
        new = v[axis]
    else:
        new = index.size
        at = index.astype(numpy.intp)  # NumPy's positions in the result
        at[at < 0] += n
        at[numpy.argsort(at, kind="stable")] += numpy.arange(new)
        bad = at[(at < -(n + new)) | (at >= n + new)]
        if bad.size:
            raise IndexError(f"index {bad[0]} is out of bounds for axis 0 with size {n + new}")
    _assignable(v, (*shape[:axis], new, *shape[axis + 1 :]))
    return Meta((*shape[:axis], n + new, *shape[axis + 1 :]), dtype)


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------


def _pad_width(pad_width, ndim):
    return numpy.broadcast_to(numpy.asarray(to_host(pad_width), dtype=numpy.intp), (ndim, 2))


def _pad_vjp(g, ans, array, pad_width, mode="constant", **kwargs):
    width = _pad_width(pad_width, array.ndim)
    if mode in ("constant", "empty"):
        return g[tuple(slice(b, b + n) for (b, _), n in zip(width, array.shape, strict=True))]
    if mode in ("edge", "reflect", "symmetric", "wrap") and kwargs.get("reflect_type") != "odd":
        where = numpy.pad(numpy.arange(array.size).reshape(array.shape), width, mode, **kwargs)
        return flat_scatter(g.ravel(), array, (np.asarray(where.ravel(), device=g.device),))
    if mode in ("reflect", "symmetric", "linear_ramp", "mean"):
        # Linear in the array, one axis after the other (as NumPy pads): each axis's pass maps
        # every 1-d fiber by the same matrix, NumPy's pad of an identity; undo them in reverse.
        for axis in reversed(range(array.ndim)):
            m = _pad_matrix(array.shape[axis], width[axis], mode, kwargs, axis, array.ndim)
            m = np.asarray(m, dtype=g.real.dtype, device=g.device)
            g = np.moveaxis(np.matmul(np.moveaxis(g, axis, -1), m), -1, axis)
        return g
    raise NotImplementedError(f"dnp.pad has no gradient for mode={mode!r}")


def _pad_matrix(n, width, mode, kwargs, axis, ndim):
    """(padded n, n): NumPy's ``pad`` along one axis as a matrix (constant terms left out)."""
    kw = {}
    if kwargs.get("stat_length") is not None:
        before, after = numpy.broadcast_to(numpy.asarray(kwargs["stat_length"]), (ndim, 2))[axis]
        kw["stat_length"] = ((int(before), int(after)), (1, 1))
    if "reflect_type" in kwargs:
        kw["reflect_type"] = kwargs["reflect_type"]
    return numpy.pad(numpy.eye(n), ((int(width[0]), int(width[1])), (0, 0)), mode, **kw)


def _tile_vjp(g, ans, A, reps):
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    d = max(A.ndim, len(reps))
    shape = (1,) * (d - A.ndim) + A.shape
    reps = (1,) * (d - len(reps)) + reps
    inter = [n for pair in zip(reps, shape, strict=True) for n in pair]
    return np.reshape(g.reshape(inter).sum(axis=tuple(range(0, 2 * d, 2))), A.shape)


def _repeat_vjp(g, ans, a, repeats, axis=None):
    if axis is None:
        a_shape, g, axis = (a.size,), g.ravel(), 0
    else:
        a_shape, axis = a.shape, axis % a.ndim
    r = to_host(repeats)
    if numpy.ndim(r) == 0 or numpy.size(r) == 1:
        r = int(numpy.ravel(r)[0])
        g = g.reshape((*a_shape[:axis], a_shape[axis], r, *a_shape[axis + 1 :])).sum(axis=axis + 1)
    else:
        where = numpy.repeat(numpy.arange(a_shape[axis]), r)
        key = (slice(None),) * axis + (np.asarray(where, device=g.device),)
        g = scatter(g, a_shape, key)
    return np.reshape(g, a.shape)


def _negated(shift):
    shift = numpy.negative(to_host(shift))
    return int(shift) if numpy.ndim(shift) == 0 else tuple(shift.tolist())


def _resize_vjp(g, ans, a, new_shape):
    return cycled(g, a)


def _insert_map(arr, obj, axis):
    """Positions along the (flattened) axis: -1 for inserted entries, else the source index."""
    n = arr.size if axis is None else arr.shape[axis]
    pos = numpy.insert(numpy.arange(n), to_host(obj), -1)
    return pos >= 0


def _insert_arr_vjp(g, ans, arr, obj, values, axis=None):
    keep = np.asarray(_insert_map(arr, obj, axis), device=g.device)
    return np.reshape(np.compress(keep, g, axis=0 if axis is None else axis), arr.shape)


def _insert_values_vjp(g, ans, arr, obj, values, axis=None):
    ax = 0 if axis is None else axis % arr.ndim
    new = np.compress(np.asarray(~_insert_map(arr, obj, axis), device=g.device), g, axis=ax)
    if numpy.ndim(to_host(obj)) == 0 and not isinstance(obj, slice):
        v = np.shape(values)
        v = (1,) * (max(arr.ndim, 1) - len(v)) + tuple(v)
        return np.reshape(to_shape(np.moveaxis(new, ax, 0), np.zeros(v)), np.shape(values))
    return to_shape(new, values)


def _delete_vjp(g, ans, arr, obj, axis=None):
    n = arr.size if axis is None else arr.shape[axis]
    kept = np.asarray(numpy.delete(numpy.arange(n), to_host(obj)), device=g.device)
    if axis is None:
        return np.reshape(scatter(g, (n,), (kept,)), arr.shape)
    axis %= arr.ndim
    return scatter(g, arr.shape, (slice(None),) * axis + (kept,))


def _trim_zeros_vjp(g, ans, filt, trim="fb", axis=None):
    data = numpy.asarray(to_host(filt))
    nz = numpy.argwhere(data)
    axes = range(data.ndim) if axis is None else numpy.atleast_1d(axis).tolist()
    key = [slice(None)] * data.ndim
    for ax in axes:
        if not nz.size:
            start = stop = 0
        else:
            start = nz[:, ax].min() if "f" in trim.lower() else 0
            stop = nz[:, ax].max() + 1 if "b" in trim.lower() else data.shape[ax]
        key[ax] = slice(int(start), int(stop))
    return scatter(g, data.shape, tuple(key))


ROWS = [
    # NumPy may lay a tiled array out other than in C order.
    Op("tile", meta=_tile_meta, vjp=(_tile_vjp,), c_ordered=False),
    Op("repeat", meta=_repeat_meta, vjp=(_repeat_vjp,)),
    Op(
        "roll",
        meta=_roll_meta,
        vjp=(lambda g, ans, a, shift, axis=None: np.roll(g, _negated(shift), axis),),
    ),
    Op("pad", meta=_pad_meta, vjp=(_pad_vjp,)),
    Op("resize", meta=_resize_meta, vjp=(_resize_vjp,)),
    Op("insert", _insert, _insert_meta, vjp=(_insert_arr_vjp, None, _insert_values_vjp)),
    Op("delete", _delete, _delete_meta, vjp=(_delete_vjp,)),
    # The result's shape depends on the data; it may be (a view of) the input.
    Op("trim_zeros", meta=None, vjp=(_trim_zeros_vjp,), aliases=True),
]
