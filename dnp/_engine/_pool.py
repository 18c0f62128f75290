"""Buffer reuse: recycled memory for the outputs of pushed ops (MXNet's pooled storage, in
miniature), and inputs that only pending ops still hold.

The engine makes an op's outputs when the op is pushed, so a chain of ops holds all its outputs
at once and the allocator never hands back memory just freed. Each fresh large buffer then costs
page faults (the kernel zeroes every page), which on a 2-core machine ate most of what running
branches in parallel gains. The pool keeps blocks of ``MIN_BYTES`` and up after use and hands a
free one of the same size to the next output (unless memory that only pending ops hold can take
it: ``dead_input``). A block is free when nothing but the pool refers to it: every array made
from it (views included) holds a reference to it as its base, and so does every pending op
using it. Unused blocks beyond ``CAP_BYTES`` are released.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from typing import Any

import numpy

from ._vars import LOCK, VARS, Var, owner_of

MIN_BYTES = 1 << 17  # where glibc starts giving each allocation fresh pages (mmap)


def _cap() -> int:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: a fixed guess
        memory = 8 << 30
    return min(memory // 8, 4 << 30)


CAP_BYTES = _cap()
_blocks: dict[int, list[numpy.ndarray]] = {}
_next: dict[int, int] = {}  # per size, where to look for a free block first
_ids: set[int] = set()  # of every block (each kept alive by its list)
_held = 0  # bytes of all blocks, in use or free
_lock = threading.Lock()
# References to a free block while it is examined: its list, the loop variable, getrefcount's.
_FREE_REFS = 3
# Reference counts prove a block free only where they are exact: under the GIL. A free-threaded
# CPython defers and biases them, so there nothing is reused (blocks or dead inputs).
EXACT_REFCOUNTS = getattr(sys, "_is_gil_enabled", lambda: True)()


def empty(shape: tuple[int, ...], dtype: numpy.dtype, forget) -> numpy.ndarray:
    """An uninitialized C-ordered array, from a free block when there is one. ``forget(block)``
    drops what the engine kept about a block's previous use (a stored error)."""
    global _held
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES or not EXACT_REFCOUNTS:
        return numpy.empty(shape, dtype)
    with _lock:
        same = _blocks.setdefault(nbytes, [])
        # Blocks come free about in the order they were handed out: look from after the last
        # one handed out, not from the start (past every block still in use).
        start = _next.get(nbytes, 0)
        count = len(same)
        for i in range(count):
            at = (start + i) % count
            block = same[at]
            if sys.getrefcount(block) == _FREE_REFS:
                forget(block)
                _next[nbytes] = at + 1
                break
        else:
            if _held + nbytes > CAP_BYTES:
                _release_free()
            block = numpy.empty(nbytes, numpy.uint8)
            same.append(block)
            _ids.add(id(block))
            _held += nbytes
    return block.view(dtype).reshape(shape)


def owns(obj) -> bool:
    """Whether ``obj`` is one of the pool's blocks."""
    return id(obj) in _ids


def _release_free() -> None:
    """Let go of every free block (under ``_lock``)."""
    global _held
    for nbytes, same in _blocks.items():
        kept = []
        for block in same:
            if sys.getrefcount(block) == _FREE_REFS:
                _held -= nbytes
                _ids.discard(id(block))
            else:
                kept.append(block)
        same[:] = kept
    _next.clear()


def count_held(args: tuple, kwargs: dict) -> list[Var]:
    """Count, on their Vars, the arrays a task's arguments hold (under ``LOCK``)."""
    held = []
    for a in (*args, *kwargs.values()) if kwargs else args:
        if type(a) is numpy.ndarray:
            v = VARS.get(id(a if a.base is None else owner_of(a)))
            if v is not None:
                v.held += 1
                held.append(v)
    return held


def dead_input(reads: list, shape: tuple, dtype) -> Any:
    """An array that an op about to be pushed, reading ``reads``, may write its output (of
    ``shape`` and ``dtype``, C order) into; or None. It is one the pending writer of one of
    those inputs reads, that no other op has read since it was last written, and that nothing
    refers to but the arguments of pending ops, all of which the new op runs after (ops that
    touched that memory earlier, which its last writer waited for). So nothing can tell (NumPy
    elides temporaries alike, at run time), and a chain of ops cycles through a few warm blocks
    instead of a cold one per op.

    That nothing else refers to it is read off reference counts, against the references that
    pending tasks' arguments hold (``Var.held``, ``count_held``); under ``LOCK``, so that a
    task's references and their count go together (a running task's call holds more: the check
    fails)."""
    if not EXACT_REFCOUNTS:
        return None
    with LOCK:
        for o in reads:
            v = VARS.get(id(o))
            p = v.writer if v is not None else None
            if p is None or p.held is None:  # none; or its references are not counted
                continue
            for u in p.args:
                if _reusable(u, p, shape, dtype):
                    return u
            for u in p.kwargs.values():
                if _reusable(u, p, shape, dtype):
                    return u
    return None


def _reusable(u, p, shape: tuple, dtype) -> bool:
    """Whether ``u``, an argument of task ``p``, is free to be written after ``p``
    (``dead_input``)."""
    if type(u) is not numpy.ndarray or u.shape != shape or u.dtype != dtype:
        return False
    r = u if u.base is None else u.base
    rv = VARS.get(id(r))
    if (
        rv is None
        or rv.error is not None
        or len(rv.readers) != 1
        or p not in rv.readers
        or type(r) is not numpy.ndarray
        or r.base is not None
        or not u.flags.c_contiguous
        or not u.flags.writeable
    ):
        return False
    pooled = owns(r)
    # Besides the counted references: the pool's list and the Var hold r; a view holds its base;
    # and there are the caller's loop name for u, the names here and getrefcount's argument.
    if r is u:
        return sys.getrefcount(u) == pooled + 1 + rv.held + 4
    return sys.getrefcount(r) == pooled + 1 + 1 + 2 and sys.getrefcount(u) == rv.held + 3
