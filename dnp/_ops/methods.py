"""``ndarray`` methods that are not ``dnp.<name>(a, ...)`` with the array first, and indexing.

Methods whose NumPy function takes the array first with the same parameters (``a.sum(axis)`` is
``np.sum(a, axis)``) are not rows: ``FUNCTION_METHODS`` lists them and the namespace binds them to
the function's row. The rest call the backend array's method of the same name.
"""

import numpy

from ._meta import Meta, probe
from ._row import Op

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
    dtype = rest[0] if rest else kwargs["dtype"]
    return Meta(a.shape, numpy.dtype(dtype))


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
    """Basic and integer indexing: probe; a boolean mask makes the shape depend on the data."""
    return None if _has_bool_array(args[1]) else probe(op, args, kwargs)


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
