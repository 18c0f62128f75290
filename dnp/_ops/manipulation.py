"""Shape and layout: reshape, transpose, joining, splitting, tiling, flipping, padding.

Most rows use ``probe``: views are free to probe on stride-0 stand-ins, and copies (joining,
tiling, padding) get their exact shape from it. Where a shape-giving argument may itself be an
array (``repeat(a, repeats)``, ``split(a, indices)``), the result shape is read from that array's
data, so the rule answers None for that call. Forwards exist where CuPy lacks the function
(``block``, ``unstack``, ``insert``) or differs from NumPy in argument names, defaults or result
type (lists where NumPy returns tuples).
"""

import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_index

import dnp as np  # VJP rules are dnp code (see _grad.py)

from .._ndarray import ndarray
from ._grad import unbroadcast
from ._meta import Meta, elementwise, probe
from ._row import Op, attach_vjps


def _is_array(x) -> bool:
    return isinstance(x, (ndarray, numpy.ndarray))


def probe_unless_array(*params):
    """``probe``, or None (data-dependent) when one of ``params`` is given as an array."""

    def rule(op, args, kwargs):
        bound = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
        return None if any(_is_array(bound.get(p)) for p in params) else probe(op, args, kwargs)

    return rule


def _astype_meta(op, args, kwargs):
    x, dtype = args  # both positional-only
    return Meta(x.shape, numpy.dtype(dtype))


# --- forwards: CuPy differs from NumPy (names, defaults, lists for tuples) or lacks the function
def _reshape(xp, a, /, shape, order="C", *, copy=None):
    return xp.reshape(a, shape, order=order, copy=copy)  # CuPy names the shape 'newshape'


def _astype(xp, x, dtype, /, *, copy=True, device=None):
    # CuPy's astype has no device=; NumPy's checks it (only "cpu").
    kwargs = {} if device is None else {"device": device}
    return xp.astype(x, dtype, copy=copy, **kwargs)


_UNSET = object()  # NumPy tells "not given" from None for clip's bounds


def _clip(xp, a, a_min=_UNSET, a_max=_UNSET, out=None, *, min=_UNSET, max=_UNSET, **kwargs):
    """NumPy's bound checks; CuPy's clip takes the bounds positionally only (no min=/max=)."""
    if a_min is _UNSET and a_max is _UNSET:
        a_min, a_max = (None if b is _UNSET else b for b in (min, max))
    elif a_min is _UNSET or a_max is _UNSET:
        missing = "a_min" if a_min is _UNSET else "a_max"
        raise TypeError(f"clip() missing 1 required positional argument: '{missing}'")
    elif min is not _UNSET or max is not _UNSET:
        raise ValueError(
            "Passing `min` or `max` keyword argument when `a_min` and `a_max` are provided is "
            "forbidden."
        )
    return xp.clip(a, a_min, a_max, out=out, **kwargs)


def _as_tuple(fn):
    """NumPy's ``atleast_*d`` give one array for one input and a tuple for several; CuPy a list."""

    def forward(xp, *arys):
        res = getattr(xp, fn)(*arys)
        return tuple(res) if isinstance(res, list) else res

    return forward


def _broadcast_arrays(xp, *args, subok=False):
    return tuple(xp.broadcast_arrays(*args))


def _unstack(xp, x, /, *, axis=0):
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    return tuple(xp.moveaxis(x, axis, 0))


def _delete(xp, arr, obj, axis=None):
    return xp.delete(arr, obj, axis)  # CuPy names obj 'indices'


def _block_where(index) -> str:
    return "arrays" + "".join(f"[{i}]" for i in index if i is not None)


def _block_depths(xp, arrays, index=()):
    """NumPy's checks on ``block``'s nesting: (index of a bottom element, largest leaf ndim)."""
    if isinstance(arrays, tuple):
        raise TypeError(
            f"{_block_where(index)} is a tuple. Only lists can be used to arrange blocks, and "
            "np.block does not allow implicit conversion from tuple to ndarray."
        )
    if not isinstance(arrays, list):
        return index, xp.ndim(arrays)
    if not arrays:
        return (*index, None), 0
    first, ndim = _block_depths(xp, arrays[0], (*index, 0))
    for i, item in enumerate(arrays[1:], 1):
        sub, sub_ndim = _block_depths(xp, item, (*index, i))
        if len(sub) != len(first):
            raise ValueError(
                f"List depths are mismatched. First element was at depth {len(first)}, but there "
                f"is an element at depth {len(sub)} ({_block_where(sub)})"
            )
        if sub[-1] is None:  # an empty list at the bottom is reported below
            first = sub
        ndim = max(ndim, sub_ndim)
    return first, ndim


def _block_join(xp, arrays, depth, ndim):
    if depth:  # the innermost lists join along the last axis, the outermost along -depth
        return xp.concatenate([_block_join(xp, a, depth - 1, ndim) for a in arrays], axis=-depth)
    a = xp.asarray(arrays)
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


def _block(xp, arrays):
    bottom, leaf_ndim = _block_depths(xp, arrays)
    if bottom and bottom[-1] is None:
        raise ValueError(f"List at {_block_where(bottom)} cannot be empty")
    return _block_join(xp, arrays, len(bottom), max(leaf_ndim, len(bottom)))


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


# Views (free to probe on stride-0 stand-ins) and copies whose shape the probe computes exactly.
SHAPE_OPS = (
    "ravel transpose matrix_transpose swapaxes moveaxis rollaxis squeeze expand_dims real imag "
    "diagonal concatenate stack hstack vstack dstack column_stack row_stack "
    "roll flip fliplr flipud rot90 broadcast_to resize append copyto"
).split()

ROWS = [Op(name, meta=probe) for name in SHAPE_OPS]
ROWS += [Op(name, _as_tuple(name), probe) for name in ("atleast_1d", "atleast_2d", "atleast_3d")]
ROWS += [
    Op(name, meta=probe_unless_array("indices_or_sections"))
    for name in ("split", "array_split", "hsplit", "vsplit", "dsplit")
]
ROWS += [
    Op("reshape", _reshape, probe_unless_array("shape")),
    Op("astype", _astype, _astype_meta),
    Op("clip", _clip, probe),
    Op("round", meta=elementwise),  # elementwise in all but name: no need to compute on stand-ins
    Op("around", meta=elementwise),
    Op("repeat", meta=probe_unless_array("repeats")),
    Op("tile", meta=probe_unless_array("reps")),
    Op("pad", meta=probe_unless_array("pad_width")),
    Op("block", _block, probe),
    Op("unstack", _unstack, probe),
    Op("broadcast_arrays", _broadcast_arrays, probe),
    Op("insert", _insert, probe_unless_array("obj")),
    Op("delete", _delete, probe_unless_array("obj")),
    Op("trim_zeros", meta=None),
    # Python values read from the metadata.
    Op("shape", meta=None),
    Op("ndim", meta=None),
    Op("size", meta=None),
]


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
VJPS = {
    "broadcast_to": (lambda g, ans, a, shape, subok=False: unbroadcast(g, a),),
    "real": (lambda g, ans, x: g * (1 + 0j) if np.iscomplexobj(x) else g,),
}
attach_vjps(ROWS, VJPS)
