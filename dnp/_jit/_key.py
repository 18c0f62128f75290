"""The signature of a call to a jitted function: the key its trace is kept under."""

from __future__ import annotations

from typing import Any

import numpy

from .. import tree
from .._backend import _default
from .._fpstate import errstate
from .._ndarray import ndarray
from .._tape import is_training

STATIC = frozenset((int, float, bool, complex, str, type(None), type(Ellipsis)))


def _signature(obj: Any, key: list, arrays: list) -> None:
    """Append ``obj``'s part of the cache key to ``key`` and its dnp arrays to ``arrays``: its
    structure (``dnp.tree``), then each leaf; raise TypeError for a leaf that cannot be keyed."""
    leaves, treedef = tree.flatten(obj)
    key.append(treedef.node)
    for x in leaves:
        if type(x) is ndarray:  # inline: this is on every call's path
            buf = x._buf
            key.append((buf.shape, buf.dtype, x._device.name))
            arrays.append(x)
        else:
            _leaf(x, key, arrays)


def _leaf(obj: Any, key: list, arrays: list) -> None:
    t = type(obj)
    if t is ndarray:
        buf = obj._buf
        key.append((buf.shape, buf.dtype, obj._device.name))
        arrays.append(obj)
    elif t is float or t is complex:  # by their bits: -0.0 == 0.0, and nan != nan
        key.append((t, repr(obj)))
    elif t in STATIC or isinstance(obj, (numpy.dtype, type)):
        key.append((t, obj))
    elif t is slice:
        key.append((t, obj.start, obj.stop, obj.step))
    elif isinstance(obj, numpy.generic):
        key.append(t)
        _leaf(obj.item(), key, arrays)
    else:
        raise TypeError(t.__name__)


def key_of(args: tuple, kwargs: dict) -> tuple[tuple, list[ndarray]] | None:
    """The call's cache key and its dnp arrays, in order; None when an argument cannot be keyed
    (NumPy arrays, objects)."""
    key: list = [is_training(), _default.get().name, errstate()]
    arrays: list[ndarray] = []
    try:
        for a in args:  # arrays inline: this is on every call's path
            if type(a) is ndarray:
                buf = a._buf
                key.append((buf.shape, buf.dtype, a._device.name))
                arrays.append(a)
            elif type(a) in STATIC:  # a number, a string, None: no structure to key
                _leaf(a, key, arrays)
            else:
                _signature(a, key, arrays)
        if kwargs:
            _signature(kwargs, key, arrays)
    except TypeError:
        return None
    if len(arrays) > 1:  # the same buffer passed twice is one name in the trace
        ids = [id(a._buf) for a in arrays]
        if len(set(ids)) < len(ids):
            key.append(tuple(ids.index(i) for i in ids))
    return tuple(key), arrays
