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

from .._meta import Meta, elementwise, is_array, probe
from .._ndarray import ndarray
from ._grad import np, unbroadcast
from ._row import Op, attach_vjps


def probe_unless_array(*params):
    """``probe``, or None (data-dependent) when one of ``params`` is given as an array."""

    def rule(op, args, kwargs):
        bound = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
        return None if any(is_array(bound.get(p)) for p in params) else probe(op, args, kwargs)

    return rule


def _astype_meta(op, args, kwargs):
    x, dtype = args  # both positional-only
    return cast_meta(x, dtype)


def cast_meta(x, dtype) -> Meta | None:
    """The result of casting array ``x`` to ``dtype``: its shape, and ``dtype``, sized from
    ``x``'s dtype where ``dtype`` leaves the size (``'U'``, ``'S'``) or the unit (``'M8'``) open;
    None (the data decides) for strings cast to a datetime of no unit."""
    target = numpy.dtype(dtype)
    unsized = target.kind in "SUV" and target.itemsize == 0
    generic = target.kind in "Mm" and numpy.datetime_data(target)[0] == "generic"
    if generic and x.dtype.kind in "SU":
        return None
    if unsized or generic:
        target = numpy.zeros(1, x.dtype).astype(target).dtype
    return Meta(x.shape, target)


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
    if not bottom:  # a lone array: NumPy returns a copy of it
        return xp.array(arrays)
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


for _op in ROWS:
    _op.inplace = _op.name == "copyto"


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
class Variadic:
    """Rules for ``f(*arrays)``: ``rules[i]`` is ``rule(i)``, for any number of arguments."""

    def __init__(self, rule) -> None:
        self.rule = rule

    def __len__(self) -> int:
        return 1 << 30

    def __getitem__(self, i):
        return self.rule(i)


def _shape(x):
    return numpy.shape(x) if not isinstance(x, ndarray) else x.shape


def _ndim(x):
    return len(_shape(x))


def cast_back(g, x):
    """``g`` (the gradient of a cast of ``x``) in ``x``'s dtype: real part for a real ``x``."""
    dt = np.result_type(x)
    if g.dtype.kind == "c" and dt.kind != "c":
        g = g.real
    return g if g.dtype == dt else g.astype(dt)


def _split_like(g, shapes, axis, prepared):
    """``g`` split along ``axis`` in pieces of the ``prepared`` shapes, reshaped to ``shapes``."""
    sizes = numpy.cumsum([s[axis] for s in prepared])[:-1].tolist()
    return [np.reshape(p, s) for p, s in zip(np.split(g, sizes, axis=axis), shapes, strict=True)]


def _join_vjp(prepare, axis_of):
    """The rule of a join of ``arrays``, reshaped by ``prepare``, along ``axis_of``."""

    def rule(g, ans, arrays, *args, **kwargs):
        if isinstance(arrays, ndarray):
            return np.stack(rule(g, ans, list(arrays.shape[0] * [arrays[0]]), *args, **kwargs))
        shapes = [_shape(a) for a in arrays]
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
        shapes = [_shape(a) for a in arrays]
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
    if depth:
        shapes = [_block_shape(a, depth - 1, ndim) for a in arrays]
        ax = ndim - depth
        return (*shapes[0][:ax], sum(s[ax] for s in shapes), *shapes[0][ax + 1 :])
    s = _shape(arrays)
    return (1,) * (ndim - len(s)) + tuple(s)


def _block_depth(arrays):
    depth, leaf = 0, arrays
    while isinstance(leaf, list):
        depth, leaf = depth + 1, leaf[0]
    return depth


def _block_leaf_ndim(arrays):
    if isinstance(arrays, list):
        return max(_block_leaf_ndim(a) for a in arrays)
    return _ndim(arrays)


def _block_grad(g, arrays, depth, ndim):
    if not depth:
        return (
            cast_back(np.reshape(g, _shape(arrays)), arrays)
            if isinstance(arrays, ndarray)
            else None
        )
    shapes = [_block_shape(a, depth - 1, ndim) for a in arrays]
    pieces = _split_like(g, shapes, ndim - depth, shapes)
    return [_block_grad(p, a, depth - 1, ndim) for p, a in zip(pieces, arrays, strict=True)]


def _block_vjp(g, ans, arrays):
    depth = _block_depth(arrays)
    return _block_grad(g, arrays, depth, max(_block_leaf_ndim(arrays), depth))


def _pad_width(pad_width, ndim):
    return numpy.broadcast_to(numpy.asarray(_host(pad_width), dtype=numpy.intp), (ndim, 2))


def _host(x):
    return x.asnumpy() if isinstance(x, ndarray) else x


def _pad_vjp(g, ans, array, pad_width, mode="constant", **kwargs):
    width = _pad_width(pad_width, array.ndim)
    if mode in ("constant", "empty"):
        return g[tuple(slice(b, b + n) for (b, _), n in zip(width, array.shape, strict=True))]
    if mode in ("edge", "reflect", "symmetric", "wrap") and kwargs.get("reflect_type") != "odd":
        from .indexing import flat_scatter

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
    r = _host(repeats)
    if numpy.ndim(r) == 0 or numpy.size(r) == 1:
        r = int(numpy.ravel(r)[0])
        g = g.reshape((*a_shape[:axis], a_shape[axis], r, *a_shape[axis + 1 :])).sum(axis=axis + 1)
    else:
        from .indexing import scatter

        where = numpy.repeat(numpy.arange(a_shape[axis]), r)
        key = (slice(None),) * axis + (np.asarray(where, device=g.device),)
        g = scatter(g, a_shape, key)
    return np.reshape(g, a.shape)


def _negated(shift):
    shift = numpy.negative(_host(shift))
    return int(shift) if numpy.ndim(shift) == 0 else tuple(shift.tolist())


def _transpose_vjp(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, numpy.argsort([ax % a.ndim for ax in axes]).tolist())


def _rollaxis_vjp(g, ans, a, axis, start=0):
    dims = numpy.broadcast_to(0, tuple(range(2, a.ndim + 2)))
    perm = [n - 2 for n in numpy.rollaxis(dims, axis, start).shape]
    return np.transpose(g, numpy.argsort(perm).tolist())


def _ravel_order(a, order):
    if order == "F" or (order in "AK" and a.flags.f_contiguous and not a.flags.c_contiguous):
        return "F"
    return "C"


def _resize_vjp(g, ans, a, new_shape):
    from .indexing import cycled

    return cycled(g, a)


def _insert_map(arr, obj, axis):
    """Positions along the (flattened) axis: -1 for inserted entries, else the source index."""
    n = arr.size if axis is None else arr.shape[axis]
    pos = numpy.insert(numpy.arange(n), _host(obj), -1)
    return pos >= 0


def _insert_arr_vjp(g, ans, arr, obj, values, axis=None):
    keep = np.asarray(_insert_map(arr, obj, axis), device=g.device)
    return np.reshape(np.compress(keep, g, axis=0 if axis is None else axis), arr.shape)


def _insert_values_vjp(g, ans, arr, obj, values, axis=None):
    from .indexing import to_shape

    ax = 0 if axis is None else axis % arr.ndim
    new = np.compress(np.asarray(~_insert_map(arr, obj, axis), device=g.device), g, axis=ax)
    if numpy.ndim(_host(obj)) == 0 and not isinstance(obj, slice):
        v = np.shape(values)
        v = (1,) * (max(arr.ndim, 1) - len(v)) + tuple(v)
        return np.reshape(to_shape(np.moveaxis(new, ax, 0), np.zeros(v)), np.shape(values))
    return to_shape(new, values)


def _delete_vjp(g, ans, arr, obj, axis=None):
    from .indexing import scatter

    n = arr.size if axis is None else arr.shape[axis]
    kept = np.asarray(numpy.delete(numpy.arange(n), _host(obj)), device=g.device)
    if axis is None:
        return np.reshape(scatter(g, (n,), (kept,)), arr.shape)
    axis %= arr.ndim
    return scatter(g, arr.shape, (slice(None),) * axis + (kept,))


def _append_vjp(which):
    def rule(g, ans, arr, values, axis=None):
        if axis is None:
            n = np.size(arr)
            part = g[:n] if which == 0 else g[n:]
            return cast_back(np.reshape(part, _shape((arr, values)[which])), (arr, values)[which])
        return _join_vjp(tuple, _concat_axis)(g, ans, [arr, values], axis)[which]

    return rule


def _copyto_dst(g, ans, dst, src, casting="same_kind", where=True):
    return np.where(where, 0, g)


def _copyto_src(g, ans, dst, src, casting="same_kind", where=True):
    from .indexing import to_shape

    return cast_back(to_shape(np.where(where, g, 0), src), src)


def _clip_bounds(a_min, a_max, kwargs):
    lo = kwargs.get("min") if a_min is _UNSET else a_min
    hi = kwargs.get("max") if a_max is _UNSET else a_max
    return lo, hi


def _clip_vjp(which):
    def rule(g, ans, a, a_min=_UNSET, a_max=_UNSET, out=None, **kwargs):
        lo, hi = _clip_bounds(a_min, a_max, kwargs)
        low = a if lo is None else np.maximum(a, lo)
        if which == 0:
            inside = np.ones(a.shape, bool)
            if lo is not None:
                inside = inside & (a >= lo)
            if hi is not None:
                inside = inside & (a <= hi)
            return unbroadcast(np.where(inside, g, 0), a)
        if which == 1:
            used = a < lo
            if hi is not None:
                used = used & (lo <= hi)
            return unbroadcast(np.where(used, g, 0), lo)
        return unbroadcast(np.where(low > hi, g, 0), hi)

    return rule


def _view_vjp(g, ans, *args, **kwargs):  # also used for squeeze/expand_dims-like reshapes
    return np.reshape(g, args[0].shape)


def _atleast_vjp(i):
    return lambda g, ans, *arys: np.reshape(g[i] if len(arys) > 1 else g, arys[i].shape)


def _broadcast_arrays_vjp(i):
    return lambda g, ans, *args, subok=False: unbroadcast(g[i], args[i])


def _unstack_vjp(g, ans, x, /, *, axis=0):
    return np.stack(list(g), axis=axis)


def _trim_zeros_vjp(g, ans, filt, trim="fb", axis=None):
    data = numpy.asarray(_host(filt))
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
    from .indexing import scatter

    return scatter(g, data.shape, tuple(key))


VJPS = {
    "broadcast_to": (lambda g, ans, a, shape, subok=False: unbroadcast(g, a),),
    "real": (lambda g, ans, x: g * (1 + 0j) if np.iscomplexobj(x) else g,),
    "imag": (lambda g, ans, val: unbroadcast(g * 1j, val),),
    "reshape": (
        lambda g, ans, a, shape=None, order="C", **kw: np.reshape(g, a.shape, order=order),
    ),
    "ravel": (lambda g, ans, a, order="C": np.reshape(g, a.shape, order=_ravel_order(a, order)),),
    "squeeze": (_view_vjp,),
    "expand_dims": (_view_vjp,),
    "transpose": (_transpose_vjp,),
    "matrix_transpose": (lambda g, ans, x: np.matrix_transpose(g),),
    "swapaxes": (lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2),),
    "moveaxis": (lambda g, ans, a, source, destination: np.moveaxis(g, destination, source),),
    "rollaxis": (_rollaxis_vjp,),
    "diagonal": (lambda g, ans, a, *args, **kwargs: _diagonal_vjp(g, ans, a, *args, **kwargs),),
    "atleast_1d": Variadic(_atleast_vjp),
    "atleast_2d": Variadic(_atleast_vjp),
    "atleast_3d": Variadic(_atleast_vjp),
    "broadcast_arrays": Variadic(_broadcast_arrays_vjp),
    "concatenate": (_concatenate_vjp,),
    "stack": (_stack_vjp,),
    "unstack": (_unstack_vjp,),
    "hstack": (_join_vjp(_at_least(1), _hstack_axis),),
    "vstack": (_join_vjp(_at_least(2), lambda p, *a, **k: 0),),
    "row_stack": (_join_vjp(_at_least(2), lambda p, *a, **k: 0),),
    "dstack": (_join_vjp(_at_least(3), lambda p, *a, **k: 2),),
    "column_stack": (_join_vjp(_column_prepare, lambda p, *a, **k: 1),),
    "block": (_block_vjp,),
    "split": (_split_vjp(lambda a, axis: axis),),
    "array_split": (_split_vjp(lambda a, axis: axis),),
    "hsplit": (_split_vjp(lambda a, axis: 1 if a.ndim > 1 else 0),),
    "vsplit": (_split_vjp(lambda a, axis: 0),),
    "dsplit": (_split_vjp(lambda a, axis: 2),),
    "roll": (lambda g, ans, a, shift, axis=None: np.roll(g, _negated(shift), axis),),
    "flip": (lambda g, ans, m, axis=None: np.flip(g, axis),),
    "fliplr": (lambda g, ans, m: np.fliplr(g),),
    "flipud": (lambda g, ans, m: np.flipud(g),),
    "rot90": (lambda g, ans, m, k=1, axes=(0, 1): np.rot90(g, -k, axes),),
    "resize": (_resize_vjp,),
    "append": (_append_vjp(0), _append_vjp(1)),
    "copyto": (_copyto_dst, _copyto_src),
    "astype": (lambda g, ans, x, dtype, **kwargs: cast_back(g, x),),
    "clip": (_clip_vjp(0), _clip_vjp(1), _clip_vjp(2)),
    "repeat": (_repeat_vjp,),
    "tile": (_tile_vjp,),
    "pad": (_pad_vjp,),
    "insert": (_insert_arr_vjp, None, _insert_values_vjp),
    "delete": (_delete_vjp,),
    "trim_zeros": (_trim_zeros_vjp,),
}


def _diagonal_vjp(*args, **kwargs):
    from .indexing import diagonal_vjp

    return diagonal_vjp(*args, **kwargs)


# Locally constant (zero gradient almost everywhere) or not arrays.
NONDIFFERENTIABLE = frozenset({"round", "around", "shape", "ndim", "size"})
attach_vjps(ROWS, VJPS)
