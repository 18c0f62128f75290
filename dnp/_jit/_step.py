"""One op of a trace (``Step``) and the names its call reads and defines (``NAME``)."""

from __future__ import annotations

import re

from .._fpstate import errstate


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

    def arguments(self) -> list[str]:
        """Its call's argument expressions as the program writes them, split at each ", " (a
        tuple among them comes in pieces, which match no ``OPERAND``)."""
        return self.call[self.call.index("(") + 1 : -1].split(", ")


NAME = re.compile(r"\b[tvn]\d+(?:_\w+)?\b")
OPERAND = re.compile(r"[tavcn]\d+(?:_\w+)?$")  # an argument that is a name (or a value)
