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
    "copy view reshape transpose flatten sort partition argpartition fill compress byteswap resize"
).split()


def _method(name):
    return lambda xp, a, *args, **kwargs: getattr(a, name)(*args, **kwargs)


def _astype_meta(op, args, kwargs):
    a, *rest = args
    dtype = rest[0] if rest else kwargs["dtype"]
    return Meta(a.shape, numpy.dtype(dtype))


def _has_bool_array(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(getattr(k, "dtype", None) == bool or isinstance(k, list) for k in keys)


def _index_meta(op, args, kwargs):
    """Basic and integer indexing: probe; a boolean mask makes the shape depend on the data."""
    return None if _has_bool_array(args[1]) else probe(op, args, kwargs)


def _setitem(xp, a, key, value):
    a[key] = value


ROWS = [Op(f"ndarray.{name}", _method(name), probe) for name in OWN_METHODS]
ROWS += [
    Op("ndarray.astype", _method("astype"), _astype_meta),
    Op("ndarray.__getitem__", lambda xp, a, key: a[key], _index_meta),
    Op("ndarray.__setitem__", _setitem, _index_meta),
]
