"""Replay: the generated program of a trace (``Program``), run on each call of its signature
(``Plan``), and the rebuilding of ``f``'s result around its outputs (``rebuilder``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _dispatch
from .._backend import CPU
from .._engine._errors import annotate
from .._engine._vars import VARS, owner_of, pending
from .._ndarray import _new, ndarray
from .._ops import Op


class Rerun(Exception):
    """A replay raised before writing anything its caller can see: ``f`` runs instead, and
    raises the error (or handles it) as it does."""


class Out:
    """Where an output array goes in the structure ``f`` returns: its index among the outputs."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def rebuilder(spec: Any, device) -> Callable:
    """A function of the program's output buffers that returns them as dnp arrays, in the
    structure ``f`` returned (generated, like the program: it runs on every call; ``spec`` is
    that structure made by ``dnp.tree``, written out here as source, which is faster than
    ``tree.unflatten``)."""
    namespace: dict[str, Any] = {"_new": _new, "_dev": device}

    def value(x) -> str:
        name = f"v{len(namespace)}"
        namespace[name] = x
        return name

    def expr(x) -> str:
        t = type(x)
        if t is Out:
            return f"_new(r[{x.index}], _dev)"
        if t is tuple:
            return f"({''.join(expr(v) + ', ' for v in x)})"
        if t is list:
            return f"[{', '.join(map(expr, x))}]"
        if t is dict:
            return "{" + ", ".join(f"{value(k)}: {expr(v)}" for k, v in x.items()) + "}"
        if isinstance(x, tuple) and hasattr(t, "_fields"):  # a named tuple
            return f"{value(t)}({', '.join(map(expr, x))})"
        return value(x)

    exec(f"def rebuild(r):\n    return {expr(spec)}", namespace)  # noqa: S102  # made above
    return namespace["rebuild"]


class Program:
    """The generated function, and which op of ``f`` each of its lines runs (for errors)."""

    def __init__(self, fn: Callable, source: str, lines: dict, label: str) -> None:
        self.fn, self.source, self.lines, self.label = fn, source, lines, label

    def __call__(self, xp, *buffers):  # the forward of the op the engine runs
        return self.fn(*buffers)

    def note(self, exc: BaseException) -> None:
        """Name the op that raised and where ``f`` called it when it was traced."""
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self.fn.__code__ and tb.tb_lineno in self.lines:
                name, (file, line) = self.lines[tb.tb_lineno]
                where = f"traced at {file}:{line}"
                annotate(exc, f"raised by dnp.{name} in a replay of jit({self.label}), {where}")
                return
            tb = tb.tb_next


class Plan:
    """A replayable trace: its program, the arrays it captured, how to return its outputs, and
    which parameters' memory it writes into (by position: inputs, then captured arrays)."""

    def __init__(
        self, program, captured: tuple, rebuild: Callable, device, writes, draws: bool = False
    ) -> None:
        self.program, self.captured, self.rebuild, self.device = program, captured, rebuild, device
        self.writes = sorted(writes)
        self.draws = draws  # a replay that drew cannot rerun f: the draws would shift
        self.op = Op(f"jit({program.label})", program, None)  # no rule: it runs when called

    def run(self, arrays: list[ndarray]) -> Any:
        """Run the program now when its inputs are ready CPU memory (the common case), else as
        an op of the engine, which waits for them (and their readers) first, or launches it on
        a GPU stream."""
        if self.device is CPU:
            bufs = [a._buf for a in arrays]
            for c in self.captured:
                bufs.append(c._buf)
            if not VARS or not any(pending(owner_of(b)) for b in bufs):
                try:
                    out = self.program.fn(*bufs)
                except Exception as exc:
                    self._failed(exc)
                    raise
                finally:
                    self._written(bufs)
                return self.rebuild(out)
        try:
            flat = _dispatch.run(self.op, (*arrays, *self.captured), {})
        except Exception as exc:
            self._failed(exc)
            raise
        finally:
            self._written([a._buf for a in (*arrays, *self.captured)])
        return self.rebuild([a._buf for a in flat])

    def _failed(self, exc: Exception) -> None:
        """A replay raised: without writes into its parameters (or draws) nothing of it is seen,
        and ``f`` runs instead (``Rerun``); else the error goes to the caller, naming the op."""
        if not self.writes and not self.draws:
            raise Rerun from exc
        self.program.note(exc)

    def _written(self, bufs: list) -> None:
        """Written in place, as by the ops f ran: arrays the tape saved are now stale."""
        if self.writes and _dispatch.VERSIONS.on:
            _dispatch.VERSIONS.bump(*[owner_of(bufs[i]) for i in self.writes])
