"""Joining and splitting: ``concatenate``, ``stack``, ``hstack``/``vstack``/``row_stack``/
``dstack``/``column_stack``, ``block``, ``append``; ``unstack`` and the splits, which make views.

A join's shape: its items promoted as the op promotes them (``atleast_2d`` for ``vstack``, ...),
their lengths along the joining axis summed, with concatenate's ValueError where the others
differ; the dtype (and NumPy's other checks) from the op on one-element stand-ins. Splits make
views (free to probe), unless the split points are an array (data). Gradients: a join's is split
back into its items' shapes; a split's is joined back.
"""

import math

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, bound, is_array, probe, resized, run_bound, shape_of, small
from .._ndarray import ndarray
from . import _views
from ._grad import np
from ._row import Op
from .casting import cast_back
from .manipulation import probe_unless_array


# --- forwards: CuPy lacks the function or returns lists where NumPy returns tuples ---------------
def _unstack(xp, x, /, *, axis=0):
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    moved = xp.moveaxis(x, axis, 0)  # x[i, ...]: 0-d views of a vector (iterating gives scalars)
    return tuple(moved[i, ...] for i in range(moved.shape[0]))


def _stack(xp, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """NumPy's ``stack``: arrays of one shape and dtype joined along a new axis by one
    ``concatenate`` of their views with that axis (NumPy's function spends twice as long on
    small arrays in its Python-level checks); any other call as NumPy makes it."""
    if (
        out is None
        and dtype is None
        and casting == "same_kind"
        and type(arrays) in (list, tuple)
        and arrays
        and all(type(a) is xp.ndarray for a in arrays)
    ):
        first = arrays[0]
        if all(a.shape == first.shape and a.dtype == first.dtype for a in arrays):
            axis = normalize_axis_index(axis, first.ndim + 1)
            index = (slice(None),) * axis + (None,)
            return xp.concatenate([a[index] for a in arrays], axis=axis)
    return xp.stack(arrays, axis=axis, out=out, dtype=dtype, casting=casting)


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
    if not bottom:  # a lone array: NumPy returns a copy of it
        return xp.array(arrays)
    return _block_join(xp, arrays, len(bottom), max(leaf_ndim, len(bottom)))


# --- metadata -----------------------------------------------------------------------------------
def _joined(shapes, axis):
    """The shape of arrays of ``shapes`` (as many dimensions each) joined along ``axis``, with
    concatenate's ValueError where their other lengths differ."""
    first = shapes[0]
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != len(first):
            raise ValueError(
                "all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {len(first)} dimension(s) and the array at index {i} has {len(s)} "
                "dimension(s)"
            )
        for d, (n, m) in enumerate(zip(first, s, strict=True)):
            if d != axis and n != m:
                raise ValueError(
                    "all the input array dimensions except for the concatenation axis must match "
                    f"exactly, but along dimension {d}, the array at index 0 has size {n} and the "
                    f"array at index {i} has size {m}"
                )
    return (*first[:axis], sum(s[axis] for s in shapes), *first[axis + 1 :])


def _items(seq):
    """The shapes of a join's items and stand-ins for them: a sequence's elements, or an
    array's subarrays along its first axis."""
    if is_array(seq):
        return [tuple(seq.shape[1:])] * seq.shape[0], small(seq)
    return [shape_of(x) for x in seq], [small(x) for x in seq]


def _join_meta(layout):
    """The rule of a join of its first argument's items: ``layout(shapes, params)`` gives their
    shapes as the op joins them and the axis it joins them along (``_joined``); ``out=`` must
    have the result's shape, and the result cast to its dtype under ``casting``."""

    def rule(op, args, kwargs):
        params = bound(op, args, kwargs)
        first = next(iter(params))
        shapes, stand = _items(params[first])
        if not shapes:
            raise ValueError("need at least one array to concatenate")
        shape = _joined(*layout(shapes, params))  # NumPy checks shapes before dtypes
        out = params.pop("out", None)
        if out is not None and params.get("dtype") is not None:
            raise TypeError(
                f"{op.name}() only takes `out` or `dtype` as an argument, but both were provided."
            )
        dtype = numpy.asarray(run_bound(op, {**params, first: stand})).dtype
        if out is None:
            return Meta(shape, dtype)
        casting = params.get("casting", "same_kind")
        if not numpy.can_cast(dtype, out.dtype, casting):
            raise TypeError(
                f"Cannot cast array data from {dtype!r} to {out.dtype!r} according to the rule "
                f"{casting!r}"
            )
        if tuple(out.shape) != shape:
            raise ValueError("Output array is the wrong shape")
        return Meta(shape, out.dtype)

    return rule


def _concatenated(shapes, params):
    axis = params.get("axis", 0)
    if axis is None:  # the items flattened
        return [(math.prod(s),) for s in shapes], 0
    if not shapes[0]:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, len(shapes[0]))
    if not all(shapes):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    return shapes, axis


def _stacked(shapes, params):
    if any(s != shapes[0] for s in shapes):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(params.get("axis", 0), len(shapes[0]) + 1)
    return [(*s[:axis], 1, *s[axis:]) for s in shapes], axis


def _along(n, axis):
    """The layout of a join of the items promoted to ``n`` dimensions (``atleast_<n>d``), along
    ``axis`` (a function of the promoted shapes)."""

    def layout(shapes, params):
        prepared = [_at_least(n)(s) for s in shapes]
        return prepared, axis(prepared)

    return layout


def _columns(shapes, params):
    return [_column_prepare(s) for s in shapes], 1


def _append_meta(op, args, kwargs):
    """``append(arr, values, axis)``: both flattened (``axis=None``) or joined along ``axis``."""
    params = bound(op, args, kwargs)
    arr, values, axis = params["arr"], params["values"], params.get("axis")
    result = run_bound(op, {**params, "arr": small(arr), "values": small(values)})
    shapes = [shape_of(arr), shape_of(values)]
    return resized(result, _joined(*_concatenated(shapes, {"axis": axis})))


def _small_leaves(arrays):
    return [_small_leaves(a) for a in arrays] if type(arrays) is list else small(arrays)


def _block_meta(op, args, kwargs):
    """``block``: NumPy's checks of the nesting (``_block_depths``), the blocks' shapes joined
    level by level (``_block_shape``); the dtype from ``block`` on stand-ins of the leaves."""
    (arrays,) = args
    bottom, leaf_ndim = _block_depths(numpy, arrays)
    dtype = numpy.asarray(run_bound(op, {"arrays": _small_leaves(arrays)})).dtype
    depth = len(bottom)
    return Meta(_block_shape(arrays, depth, max(leaf_ndim, depth)), dtype)


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
def _split_like(g, shapes, axis, prepared):
    """``g`` split along ``axis`` in pieces of the ``prepared`` shapes, reshaped to ``shapes``."""
    sizes = numpy.cumsum([s[axis] for s in prepared])[:-1].tolist()
    return [np.reshape(p, s) for p, s in zip(np.split(g, sizes, axis=axis), shapes, strict=True)]


def _join_vjp(prepare, axis_of):
    """The rule of a join of ``arrays``, reshaped by ``prepare``, along ``axis_of``."""

    def rule(g, ans, arrays, *args, **kwargs):
        if isinstance(arrays, ndarray):
            return np.stack(rule(g, ans, list(arrays.shape[0] * [arrays[0]]), *args, **kwargs))
        shapes = [shape_of(a) for a in arrays]
        prepared = [prepare(s) for s in shapes]
        grads = _split_like(g, shapes, axis_of(prepared, *args, **kwargs), prepared)
        return [
            cast_back(gi, a) if isinstance(a, ndarray) else None
            for gi, a in zip(grads, arrays, strict=True)
        ]

    return rule


def _at_least(n):
    def prepare(s):
        s = tuple(s)
        if len(s) >= n:
            return s
        if n == 3 and len(s) == 1:
            return (1, *s, 1)
        if n == 3 and len(s) == 2:
            return (*s, 1)
        return (1,) * (n - len(s)) + s

    return prepare


def _concat_axis(prepared, axis=0, *args, **kwargs):
    return axis


def _concatenate_vjp(g, ans, arrays, axis=0, *args, **kwargs):
    if axis is None:
        shapes = [shape_of(a) for a in arrays]
        sizes = [(int(numpy.prod(s)),) for s in shapes]
        grads = _split_like(g, sizes, 0, sizes)
        return [
            cast_back(np.reshape(gi, s), a) if isinstance(a, ndarray) else None
            for gi, s, a in zip(grads, shapes, arrays, strict=True)
        ]
    return _join_vjp(lambda s: tuple(s), _concat_axis)(g, ans, arrays, axis)


def _stack_vjp(g, ans, arrays, axis=0, *args, **kwargs):
    if isinstance(arrays, ndarray):
        return np.moveaxis(g, axis, 0)
    return [
        cast_back(gi, a) if isinstance(a, ndarray) else None
        for gi, a in zip(np.unstack(g, axis=axis), arrays, strict=True)
    ]


def _hstack_axis(prepared, *args, **kwargs):
    return 0 if len(prepared[0]) == 1 else 1


def _column_prepare(s):
    s = tuple(s)
    return (s[0], 1) if len(s) == 1 else _at_least(2)(s)


def _split_vjp(axis_of):
    def rule(g, ans, ary, indices_or_sections, axis=0):
        return np.concatenate(list(g), axis=axis_of(ary, axis))

    return rule


def _block_shape(arrays, depth, ndim):
    """The shape ``block`` makes of ``arrays`` nested ``depth`` deep, its leaves promoted to
    ``ndim`` dimensions (concatenate's ValueError for blocks that do not fit)."""
    if depth:
        return _joined([_block_shape(a, depth - 1, ndim) for a in arrays], ndim - depth)
    s = shape_of(arrays)
    return (1,) * (ndim - len(s)) + tuple(s)


def _block_depth(arrays):
    depth, leaf = 0, arrays
    while isinstance(leaf, list):
        depth, leaf = depth + 1, leaf[0]
    return depth


def _block_leaf_ndim(arrays):
    if isinstance(arrays, list):
        return max(_block_leaf_ndim(a) for a in arrays)
    return len(shape_of(arrays))


def _block_grad(g, arrays, depth, ndim):
    if not depth:
        return (
            cast_back(np.reshape(g, shape_of(arrays)), arrays)
            if isinstance(arrays, ndarray)
            else None
        )
    shapes = [_block_shape(a, depth - 1, ndim) for a in arrays]
    pieces = _split_like(g, shapes, ndim - depth, shapes)
    return [_block_grad(p, a, depth - 1, ndim) for p, a in zip(pieces, arrays, strict=True)]


def _block_vjp(g, ans, arrays):
    depth = _block_depth(arrays)
    return _block_grad(g, arrays, depth, max(_block_leaf_ndim(arrays), depth))


def _append_vjp(which):
    def rule(g, ans, arr, values, axis=None):
        if axis is None:
            n = np.size(arr)
            part = g[:n] if which == 0 else g[n:]
            return cast_back(np.reshape(part, shape_of((arr, values)[which])), (arr, values)[which])
        return _join_vjp(tuple, _concat_axis)(g, ans, [arr, values], axis)[which]

    return rule


def _unstack_vjp(g, ans, x, /, *, axis=0):
    return np.stack(list(g), axis=axis)


def _split(name, axis_of):
    """A split's row: views of the input (``axis_of(ary, axis)``: the axis it splits along)."""
    rule = probe_unless_array("indices_or_sections")
    return Op(name, meta=rule, vjp=(_split_vjp(axis_of),), view=_views.of_first)


_vstack = (_join_vjp(_at_least(2), lambda p, *a, **k: 0),)
ROWS = [
    Op("concatenate", meta=_join_meta(_concatenated), vjp=(_concatenate_vjp,)),
    Op("stack", _stack, _join_meta(_stacked), vjp=(_stack_vjp,)),
    Op(
        "hstack",
        meta=_join_meta(_along(1, lambda p: 0 if len(p[0]) == 1 else 1)),
        vjp=(_join_vjp(_at_least(1), _hstack_axis),),
    ),
    Op("vstack", meta=_join_meta(_along(2, lambda p: 0)), vjp=_vstack),
    Op("row_stack", meta=_join_meta(_along(2, lambda p: 0)), vjp=_vstack),
    Op(
        "dstack",
        meta=_join_meta(_along(3, lambda p: 2)),
        vjp=(_join_vjp(_at_least(3), lambda p, *a, **k: 2),),
    ),
    Op(
        "column_stack",
        meta=_join_meta(_columns),
        vjp=(_join_vjp(_column_prepare, lambda p, *a, **k: 1),),
    ),
    Op("block", _block, _block_meta, vjp=(_block_vjp,)),
    Op("append", meta=_append_meta, vjp=(_append_vjp(0), _append_vjp(1))),
    Op("unstack", _unstack, probe, vjp=(_unstack_vjp,), view=_views.of_first),
    _split("split", lambda a, axis: axis),
    _split("array_split", lambda a, axis: axis),
    _split("hsplit", lambda a, axis: 1 if a.ndim > 1 else 0),
    _split("vsplit", lambda a, axis: 0),
    _split("dsplit", lambda a, axis: 2),
]
