"""NumPy's floating-point error state (``numpy.geterr``), read cheaply: what ``dnp.jit`` keys
and replays, and what kernels ask before opening an ``errstate`` block of their own."""

from __future__ import annotations

import numpy

try:  # NumPy's floating-point error state is one context variable: a new value when it changes
    from numpy._core._ufunc_config import _extobj_contextvar as _EXTOBJ
except ImportError:  # pragma: no cover  # another layout: ask geterr() every time
    _EXTOBJ = None
_ERRSTATES: dict[int, tuple] = {}  # id(state object) -> (it, its geterr() items)


def errstate() -> tuple:
    """``numpy.geterr()`` as a tuple of items (remembered per state object: geterr costs a
    microsecond, this lookup a tenth of one)."""
    if _EXTOBJ is None:
        return tuple(numpy.geterr().items())
    obj = _EXTOBJ.get()
    hit = _ERRSTATES.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    state = tuple(numpy.geterr().items())
    if len(_ERRSTATES) >= 64:
        _ERRSTATES.clear()
    _ERRSTATES[id(obj)] = (obj, state)  # held: its id is not reused while it is here
    return state


def ignores(kind: str) -> bool:
    """Whether NumPy ignores floating-point errors of ``kind`` ('under', 'over', ...) now."""
    return (kind, "ignore") in errstate()
