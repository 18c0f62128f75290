"""``ndarray`` methods that are not ``dnp.<name>(a, ...)`` with the array first, and indexing.

Methods whose NumPy function takes the array first with the same parameters (``a.sum(axis)`` is
``np.sum(a, axis)``) are not rows: ``FUNCTION_METHODS`` lists them and the namespace binds them to
the function's row. The rest call the backend array's method of the same name.
"""

import numpy

from .._meta import Meta, probe
from .._ndarray import ndarray
from ._grad import np
from ._row import Op, attach_vjps
from .indexing import (
    _compress_vjp,
    cycled,
    flat_scatter,
    scatter,
    to_shape,
    written_values,
    zero_at,
)
from .manipulation import _ravel_order, cast_back, cast_meta

FUNCTION_METHODS = (
    "all any argmax argmin argsort choose clip conj conjugate cumprod cumsum diagonal dot max "
    "mean min nonzero prod put ravel repeat round searchsorted squeeze std sum swapaxes take "
    "trace var"
).split()

# Backend-method rows: different defaults or argument order from the function, or method-only.
OWN_METHODS = (
    "copy reshape transpose flatten sort partition argpartition fill compress byteswap".split()
)


def _method(name):
    return lambda xp, a, *args, **kwargs: getattr(a, name)(*args, **kwargs)


def _astype_meta(op, args, kwargs):
    a, *rest = args
    return cast_meta(a, rest[0] if rest else kwargs["dtype"])


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


ROWS = [Op(f"ndarray.{name}", _method(name), probe) for name in OWN_METHODS]
ROWS += [
    Op("ndarray.astype", _method("astype"), _astype_meta),
    Op("ndarray.view", _method("view"), _view_meta),
    Op("ndarray.__getitem__", lambda xp, a, key: a[key], _index_meta),
    Op("ndarray.__setitem__", _setitem, _index_meta),
    Op("ndarray.__contains__", _method("__contains__"), None),  # a Python bool: reads data
    # ``a.flat[key]``: indexes the array as if it were 1-d, in C order.
    Op("ndarray.flat.__getitem__", lambda xp, a, key: a.flat[key], None),
    Op("ndarray.flat.__setitem__", _flat_setitem, None),
]
for _op in ROWS:
    _op.inplace = _op.name in (
        "ndarray.__setitem__",
        "ndarray.flat.__setitem__",
        "ndarray.fill",
        "ndarray.sort",
        "ndarray.partition",
    )


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


VJPS = {
    "ndarray.__getitem__": (_getitem_vjp,),
    "ndarray.__setitem__": (
        lambda g, ans, a, key, value: zero_at(g, key),
        None,
        lambda g, ans, a, key, value: cast_back(
            to_shape(written_values(g, a.shape, _dnp_key(key, g)), value), value
        ),
    ),
    "ndarray.flat.__getitem__": (lambda g, ans, a, key: flat_scatter(g, a, _flat_key(key, g)),),
    "ndarray.flat.__setitem__": (
        lambda g, ans, a, key, value: np.reshape(zero_at(g.ravel(), _flat_key(key, g)), g.shape),
        None,
        lambda g, ans, a, key, value: cast_back(
            cycled(written_values(g, a.shape, _flat_key(key, g), flat=True), value), value
        ),
    ),
    "ndarray.copy": (lambda g, ans, a, *args, **kwargs: g,),
    "ndarray.astype": (lambda g, ans, a, *args, **kwargs: cast_back(g, a),),
    "ndarray.view": (_view_vjp,),
    "ndarray.reshape": (
        lambda g, ans, a, *shape, **kwargs: np.reshape(g, a.shape, order=kwargs.get("order", "C")),
    ),
    "ndarray.flatten": (
        lambda g, ans, a, order="C": np.reshape(g, a.shape, order=_ravel_order(a, order)),
    ),
    "ndarray.transpose": (_transpose_method_vjp,),
    "ndarray.compress": (
        lambda g, ans, a, condition, axis=None, out=None: _compress_vjp(g, ans, condition, a, axis),
    ),
    "ndarray.fill": (
        lambda g, ans, a, value: None,
        lambda g, ans, a, value: to_shape(g.sum(), value),
    ),
    "ndarray.sort": (_permuted_vjp(_sort_order),),
    "ndarray.partition": (_permuted_vjp(_partition_order),),
}
NONDIFFERENTIABLE = frozenset({"ndarray.argpartition", "ndarray.byteswap", "ndarray.__contains__"})
attach_vjps(ROWS, VJPS)
