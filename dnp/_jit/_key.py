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


def _leaf(obj: Any) -> Any:
    """A leaf's part of the key; TypeError for one that cannot be keyed."""
    t = type(obj)
    if t is ndarray:
        buf = obj._buf
        return (buf.shape, buf.dtype, obj._device.name)
    if t is float or t is complex:  # by their bits: -0.0 == 0.0, and nan != nan
        return (t, repr(obj))
    if t in STATIC or isinstance(obj, (numpy.dtype, type)):
        return (t, obj)
    if t is slice:
        return (t, obj.start, obj.stop, obj.step)
    if isinstance(obj, numpy.generic):
        return (t, _leaf(obj.item()))
    raise TypeError(t.__name__)


def key_of(args: tuple, kwargs: dict) -> tuple[tuple, list[ndarray]] | None:
    """The call's cache key and its dnp arrays, in order; None when an argument cannot be keyed
    (NumPy arrays, objects)."""
    try:
        leaves, node = tree.keyed((args, kwargs) if kwargs else args, _leaf)
    except TypeError:
        return None
    arrays = [x for x in leaves if type(x) is ndarray]
    key = (is_training(), _default.get().name, errstate(), node)
    if len(arrays) > 1:  # the same buffer passed twice is one name in the trace
        ids = [id(a._buf) for a in arrays]
        if len(set(ids)) < len(ids):
            key += (tuple(ids.index(i) for i in ids),)
    return key, arrays
