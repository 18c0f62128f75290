"""``ndarray`` methods that are not ``dnp.<name>(a, ...)`` with the array first, and indexing.

Methods whose NumPy function takes the array first with the same parameters (``a.sum(axis)`` is
``np.sum(a, axis)``) are not rows: ``FUNCTION_METHODS`` lists them and the namespace binds them to
the function's row. The rest call the backend array's method of the same name.
"""

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, is_array, probe, resized, small
from .._ndarray import ndarray
from . import _views
from ._grad import np
from ._row import Op
from .casting import astype_meta, cast_back
from .indexing import (
    _compress_vjp,
    cycled,
    flat_scatter,
    scatter,
    to_shape,
    written_values,
    zero_at,
)
from .manipulation import ravel_order

FUNCTION_METHODS = (
    "all any argmax argmin argsort choose clip conj conjugate cumprod cumsum diagonal dot max "
    "mean min nonzero prod put ravel repeat round searchsorted squeeze std sum swapaxes take "
    "trace var"
).split()


def _method(name):
    return lambda xp, a, *args, **kwargs: getattr(a, name)(*args, **kwargs)


# --- metadata -----------------------------------------------------------------------------------
def _on_small(op, args, kwargs):
    """The method on a one-element stand-in of the array (NumPy's checks of the arguments)."""
    return op.kernel(numpy)(small(args[0]), *args[1:], **kwargs)


def _same_meta(op, args, kwargs):
    """``copy``, ``byteswap``: the array's shape and dtype."""
    return resized(_on_small(op, args, kwargs), args[0].shape)


def _flatten_meta(op, args, kwargs):
    """``flatten``: one axis of all the elements."""
    return resized(_on_small(op, args, kwargs), (args[0].size,))


def _argpartition_meta(op, args, kwargs):
    """``argpartition(kth, axis=-1, ...)``: indices shaped like the array (flattened for
    ``axis=None``); NumPy's ValueError for ``kth`` out of range where it is host data."""
    a, *rest = args
    kth = rest[0] if rest else kwargs.get("kth")
    axis = rest[1] if len(rest) > 1 else kwargs.get("axis", -1)
    # kth as zeros: in range of the stand-in (an array's values are data, not read here)
    stand = small(kth) if is_array(kth) else numpy.zeros(numpy.shape(kth), numpy.asarray(kth).dtype)
    others = {k: v for k, v in kwargs.items() if k != "kth"}
    result = op.kernel(numpy)(small(a), stand, *rest[1:], **others)
    shape = (a.size,) if axis is None or a.ndim == 0 else a.shape
    n = shape[normalize_axis_index(axis or 0, len(shape))]
    if a.size and not is_array(kth):  # NumPy checks kth only on arrays with elements
        for k in numpy.ravel(kth).tolist():
            if not -n <= k < n:
                raise ValueError(f"kth(={k + n if k < 0 else k}) out of bounds ({n})")
    return resized(result, shape)


def _compress_meta(op, args, kwargs):
    """``compress(condition, axis=None, out=None)``: the axis (or the flattened array) cut to the
    nonzero entries of ``condition`` where it is host data; an array's entries are data."""
    a, *rest = args
    condition = rest[0] if rest else kwargs.get("condition")
    axis = rest[1] if len(rest) > 1 else kwargs.get("axis")
    out = rest[2] if len(rest) > 2 else kwargs.get("out")
    if is_array(condition):
        return None
    selected = numpy.flatnonzero(condition) if numpy.ndim(condition) == 1 else None
    if selected is None:
        raise ValueError("condition must be a 1-d array")
    shape = (a.size,) if axis is None or a.ndim == 0 else a.shape
    axis = normalize_axis_index(axis or 0, len(shape))
    n, shape = shape[axis], (*shape[:axis], selected.size, *shape[axis + 1 :])
    if out is not None and tuple(out.shape) != shape:
        raise ValueError("output array does not match result of ndarray.take")
    if selected.size and selected[-1] >= n:
        raise IndexError(f"index {selected[-1]} is out of bounds for axis {axis} with size {n}")
    return Meta(shape, a.dtype if out is None else out.dtype)


def _view_meta(op, args, kwargs):
    """A dtype view rescales the last axis; it needs that axis contiguous (strides are metadata)."""
    a, *rest = args
    dtype = rest[0] if rest else kwargs.get("dtype")
    if dtype is None or isinstance(dtype, type) and not issubclass(dtype, numpy.generic):
        return probe(op, args, kwargs)
    new, old = numpy.dtype(dtype), a.dtype
    if new.itemsize == old.itemsize:
        return Meta(a.shape, new)
    if a.ndim == 0 or a.strides[-1] != old.itemsize or (a.shape[-1] * old.itemsize) % new.itemsize:
        return probe(op, args, kwargs)  # NumPy's own error for these (or its 0-d rule)
    return Meta((*a.shape[:-1], a.shape[-1] * old.itemsize // new.itemsize), new)


def _has_bool_array(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(getattr(k, "dtype", None) == numpy.bool_ or isinstance(k, list) for k in keys)


def _index_meta(op, args, kwargs):
    """Basic and integer indexing: probe; a boolean mask makes the shape depend on the data,
    and so does an element of a string or bytes array its dtype (NumPy's scalar is as long as
    the string it holds: ``'ann'`` of a ``U8`` array is a ``U3``)."""
    if _has_bool_array(args[1]):
        return None
    meta = probe(op, args, kwargs)
    if isinstance(meta, Meta) and meta.shape == () and meta.dtype.kind in "SU":
        return None
    return meta


def _setitem(xp, a, key, value):
    a[key] = value


def _flat_setitem(xp, a, key, value):
    a.flat[key] = value


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
# In-place rows (``a[key] = v``, ``a.sort()``) see the old value of ``a`` as ``args[0]``.
def _getitem_vjp(g, ans, a, key):
    return scatter(g, a.shape, _dnp_key(key, g))


def _dnp_key(key, g):
    """NumPy arrays and lists of indices in ``key`` as dnp arrays on ``g``'s device."""
    if isinstance(key, tuple):
        return tuple(_dnp_key(k, g) for k in key)
    if isinstance(key, (list, numpy.ndarray)):
        return np.asarray(key, device=g.device)
    return key


def _flat_key(key, g):
    key = _dnp_key(key, g)
    if isinstance(key, ndarray) and key.dtype == bool:
        return key.ravel()
    return key


def _permuted_vjp(perm):
    def rule(g, ans, a, *args, **kwargs):
        axis = kwargs.get("axis", args[perm.axis_pos] if len(args) > perm.axis_pos else -1)
        order = perm(a, args, kwargs, axis)
        return np.take_along_axis(g, np.argsort(order, axis=axis), axis=axis)

    return rule


def _sort_order(a, args, kwargs, axis):
    return np.argsort(a, axis=axis, kind="stable")


def _partition_order(a, args, kwargs, axis):
    kth = args[0] if args else kwargs["kth"]
    return np.argpartition(a, kth, axis=axis)


_sort_order.axis_pos = 0
_partition_order.axis_pos = 1


def _transpose_method_vjp(g, ans, a, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
        axes = axes[0]
    if not axes:
        return np.transpose(g)
    return np.transpose(g, numpy.argsort([ax % a.ndim for ax in axes]).tolist())


def _view_vjp(g, ans, a, *args, **kwargs):
    if g.dtype == a.dtype:
        return g
    g = np.ascontiguousarray(g)
    if a.dtype.kind == "c" and g.dtype.kind == "f" and g.dtype.itemsize * 2 == a.dtype.itemsize:
        return g.view(a.dtype)  # complex viewed as (re, im) pairs
    if a.dtype.kind == "f" and g.dtype.kind == "c" and a.dtype.itemsize * 2 == g.dtype.itemsize:
        return g.view(a.dtype)  # pairs viewed as complex
    raise NotImplementedError(f"no gradient for viewing {a.dtype} as {g.dtype}")


def _setitem_value_vjp(g, ans, a, key, value):
    return cast_back(to_shape(written_values(g, a.shape, _dnp_key(key, g)), value), value)


def _flat_setitem_value_vjp(g, ans, a, key, value):
    written = written_values(g, a.shape, _flat_key(key, g), flat=True)
    return cast_back(cycled(written, value), value)


ROWS = [
    # Keeps the array's memory order (pushed only for C-ordered arrays).
    Op(
        "ndarray.copy",
        _method("copy"),
        _same_meta,
        vjp=(lambda g, ans, a, *args, **kwargs: g,),
        keeps_order=True,
    ),
    Op(
        "ndarray.reshape",
        _method("reshape"),
        probe,
        vjp=(
            lambda g, ans, a, *shape, **kwargs: np.reshape(
                g, a.shape, order=kwargs.get("order", "C")
            ),
        ),
        view=_views.reshape_method,
    ),
    Op(
        "ndarray.transpose",
        _method("transpose"),
        probe,
        vjp=(_transpose_method_vjp,),
        view=_views.of_first,
    ),
    Op(
        "ndarray.flatten",
        _method("flatten"),
        _flatten_meta,
        vjp=(lambda g, ans, a, order="C": np.reshape(g, a.shape, order=ravel_order(a, order)),),
    ),
    Op(
        "ndarray.sort",
        _method("sort"),
        None,
        vjp=(_permuted_vjp(_sort_order),),
        inplace=True,
    ),
    Op(
        "ndarray.partition",
        _method("partition"),
        None,
        vjp=(_permuted_vjp(_partition_order),),
        inplace=True,
    ),
    Op(
        "ndarray.argpartition",
        _method("argpartition"),
        _argpartition_meta,
        differentiable=False,
    ),
    Op(
        "ndarray.fill",
        _method("fill"),
        None,
        vjp=(lambda g, ans, a, value: None, lambda g, ans, a, value: to_shape(g.sum(), value)),
        inplace=True,
    ),
    Op(
        "ndarray.compress",
        _method("compress"),
        _compress_meta,
        vjp=(
            lambda g, ans, a, condition, axis=None, out=None: _compress_vjp(
                g, ans, condition, a, axis
            ),
        ),
    ),
    Op("ndarray.byteswap", _method("byteswap"), _same_meta, differentiable=False),
    Op(
        "ndarray.astype",
        _method("astype"),
        astype_meta,
        vjp=(lambda g, ans, a, *args, **kwargs: cast_back(g, a),),
        view=_views.astype_method,
    ),
    Op("ndarray.view", _method("view"), _view_meta, vjp=(_view_vjp,), view=_views.of_first),
    Op(
        "ndarray.__getitem__",
        lambda xp, a, key: a[key],
        _index_meta,
        vjp=(_getitem_vjp,),
        view=_views.getitem,
    ),
    Op(
        "ndarray.__setitem__",
        _setitem,
        _index_meta,
        vjp=(lambda g, ans, a, key, value: zero_at(g, key), None, _setitem_value_vjp),
        inplace=True,
    ),
    # A Python bool: reads data.
    Op("ndarray.__contains__", _method("__contains__"), None, differentiable=False),
    # ``a.flat[key]``: indexes the array as if it were 1-d, in C order.
    Op(
        "ndarray.flat.__getitem__",
        lambda xp, a, key: a.flat[key],
        None,
        vjp=(lambda g, ans, a, key: flat_scatter(g, a, _flat_key(key, g)),),
    ),
    Op(
        "ndarray.flat.__setitem__",
        _flat_setitem,
        None,
        vjp=(
            lambda g, ans, a, key, value: np.reshape(
                zero_at(g.ravel(), _flat_key(key, g)), g.shape
            ),
            None,
            _flat_setitem_value_vjp,
        ),
        inplace=True,
    ),
]
