"""Vars: the dependency state of memory, and the readiness test every layer asks.

A ``Var`` is the dependency state of one memory owner (a backend buffer that owns its memory;
views share their base's Var): its pending writer and the readers since, or the error an op
left on it. It is made when an op on that memory is pushed (MXNet's NewVariable, on first use)
and exists only while ops on that memory are pending, or while it holds an error. ``VARS`` finds
it by its owner's id; ``LOCK`` guards every Var and the threaded engine's state.

The readiness test (``must_wait``): an op may read memory once no pending op writes it, and
write it once no pending op reads or writes it. The threaded engine makes those dependencies
edges between tasks; dispatch and ``dnp._execute`` ask it of a call's inputs before deciding to
run the call at once.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

# Vars by id of their owner, which a Var keeps alive while ops on it are pending; an errored Var
# holds a weak reference instead and is dropped with its owner (weakref callback).
VARS: dict[int, Var] = {}
LOCK = threading.Lock()


class Var:
    """Dependency state of one memory owner: its pending writer and readers, or its error."""

    __slots__ = ("key", "owner", "ref", "writer", "readers", "error", "held")

    def __init__(self, owner, writer=None) -> None:
        self.key = id(owner)
        self.owner = owner  # alive while ops on it are pending (its id is the key)
        self.ref = None  # a weak reference to the owner instead, once the Var holds an error
        self.writer = writer  # the pending task that writes it, or None
        self.readers: set = set()  # the pending tasks that read it since
        self.error: BaseException | None = None
        self.held = 0  # references to its memory in the arguments of pending tasks (counted ones)

    def fail(self, error: BaseException) -> None:
        """Hold ``error`` for as long as the owner lives (its id may be reused after)."""
        self.error = error
        try:
            self.ref = weakref.ref(self.owner, self._forget)
        except TypeError:  # an owner without weak references (bytes): dropped when idle
            self.ref = None
        else:
            self.owner = None

    def _forget(self, _ref, _vars=VARS) -> None:  # VARS bound now: it may be gone at exit
        if _vars.get(self.key) is self:
            _vars.pop(self.key, None)

    def idle(self) -> bool:
        return self.writer is None and not self.readers


def var_of(owner) -> Var:
    """The Var of ``owner``'s memory, made if it has none (under ``LOCK``)."""
    key = id(owner)
    v = VARS.get(key)
    if v is None:
        v = VARS[key] = Var(owner)
    return v


def owner_of(buf) -> Any:
    """The object that owns ``buf``'s memory (views share their base's dependency state)."""
    base = buf.base
    if base is None:
        return buf
    while getattr(base, "base", None) is not None:  # NumPy collapses chains; others may not
        base = base.base
    return base


def pending(owner) -> bool:
    """Whether ops on ``owner``'s memory are pending or it holds an error (no lock: a hint)."""
    return id(owner) in VARS


def must_wait(v: Var | None, write: bool) -> bool:
    """The readiness test: whether an op that reads (or, ``write``, writes) the memory ``v``
    tracks (its Var, or None) must wait: a pending op writes it, or it holds an error, or the op
    writes it and pending ops read it. Pending reads alone do not stop another read. (A Var
    exists only while ops on its memory are pending or it holds an error: for a write, that it
    exists is enough.)"""
    return v is not None and (v.writer is not None or v.error is not None or write)
