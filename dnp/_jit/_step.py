"""One op of a trace (``Step``), the names its call reads and defines (``NAME``), and NumPy's
errstate it ran under (``errstate``)."""

from __future__ import annotations

import re

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


class Step:
    """One op of the trace: ``call`` (its kernel's call, with the program's names of what it
    reads), the names it ``reads`` and ``defines`` (one per array it made; ``multi``: it returns
    a sequence), whether it writes in place (``effect``), and its op (a row) and call site."""

    __slots__ = (
        "kernel",
        "call",
        "reads",
        "defines",
        "multi",
        "effect",
        "op",
        "where",
        "errstate",
        "writes",
    )

    def __init__(self, kernel, call, reads, defines, multi, effect, op, where) -> None:
        self.kernel, self.call, self.reads, self.defines = kernel, call, reads, defines
        self.multi, self.effect, self.op, self.where = multi, effect, op, where
        self.errstate = errstate()  # numpy.errstate inside f: the replay sets it around the step
        self.writes: set[int] = set()  # ids of the memory owners it writes into


NAME = re.compile(r"\b[tvn]\d+(?:_\w+)?\b")
