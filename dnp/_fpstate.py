"""NumPy's floating-point error state (``numpy.geterr``), read and set cheaply: what ``dnp.jit``
keys and replays, and what kernels ask before opening an ``errstate`` block of their own."""

from __future__ import annotations

from typing import Any

import numpy

try:  # NumPy's floating-point error state is one context variable: a new value when it changes
    from numpy._core._ufunc_config import _extobj_contextvar as _EXTOBJ
    from numpy._core._ufunc_config import _make_extobj
except ImportError:  # pragma: no cover  # another layout: ask geterr() every time
    _EXTOBJ = _make_extobj = None
_ERRSTATES: dict[int, tuple] = {}  # id(state object) -> (it, its geterr() items)
_BLOCKS: dict[tuple, tuple] = {}  # (id(state object), settings) -> (it, the block's state)


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


def enter(settings: tuple) -> Any:
    """Open a ``numpy.errstate(**dict(settings))`` block (``settings``: ``errstate()``'s
    items) until ``leave(token)``: what ``dnp.jit``'s replays run for an errstate block of
    ``f``'s. Its state object is made once per state it is entered from (a ``numpy.errstate``
    makes one at each entry: a microsecond)."""
    if _EXTOBJ is None:  # pragma: no cover  # another layout: numpy.errstate itself
        block = numpy.errstate(**dict(settings))
        block.__enter__()
        return block
    current = _EXTOBJ.get()
    hit = _BLOCKS.get((id(current), settings))
    if hit is None or hit[0] is not current:
        if len(_BLOCKS) >= 64:
            _BLOCKS.clear()
        hit = _BLOCKS[id(current), settings] = (current, _make_extobj(**dict(settings)))
    return _EXTOBJ.set(hit[1])


def leave(token: Any) -> None:
    """Close the block ``enter`` opened."""
    if _EXTOBJ is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _EXTOBJ.reset(token)
