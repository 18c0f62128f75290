"""The dependency scheduler: Vars, tasks, worker threads, waits.

A ``Var`` is the dependency state of one memory owner (a backend buffer that owns its memory;
views share their base's Var). It exists only while ops on that memory are pending, or while it
holds an error. A task may start when the last writer of each Var it reads has finished
(read-after-write) and, for each Var it writes, the last writer and every reader since have
finished (write-after-write, write-after-read). Everything below runs under one lock; the work
itself runs outside it, on worker threads (NumPy releases the GIL in its loops).
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

from . import _errors, _pool

KINDS = ("threaded", "naive")


def default_workers() -> int:
    return int(os.environ.get("DNP_NUM_WORKERS", 0)) or os.cpu_count() or 1


class Settings:
    """The engine in use: ``kind``, worker threads, and the inline size limit (elements)."""

    __slots__ = ("threaded", "workers", "inline_limit")

    def __init__(self) -> None:
        kind = os.environ.get("DNP_ENGINE", "threaded").strip().lower() or "threaded"
        if kind not in KINDS:
            raise ValueError(f"DNP_ENGINE={kind!r}: expected one of {KINDS}")
        self.threaded = kind == "threaded"
        self.workers = default_workers()
        # Ops whose inputs hold fewer elements than this run inline when their inputs are ready:
        # a push costs about 20 us, more than a cheap ufunc on 100 000 elements (bench_overhead).
        self.inline_limit = int(os.environ.get("DNP_INLINE_LIMIT", 1 << 18))


SETTINGS = Settings()


def heavy(op, size: int, xargs) -> bool:
    """Whether a call's work reaches the inline limit: the elements its inputs hold (``size``),
    or the row's own estimate from its arguments (``Op.work``: contractions)."""
    limit = SETTINGS.inline_limit
    return size >= limit or (op.work is not None and op.work(xargs) >= limit)


# Ops in flight, or bytes of outputs they will write, beyond these make the pushing thread wait
# (back-pressure): memory stays bounded, and freed buffers get reused while still warm.
MAX_IN_FLIGHT = 256
MAX_BYTES_IN_FLIGHT = _pool.CAP_BYTES  # an eighth of memory, at most 4 GiB


# Vars by id of their owner. Owners stay alive while a pending task holds them; an errored Var
# is dropped with its owner (weakref callback).
VARS: dict[int, Var] = {}


class Var:
    """Dependency state of one memory owner: its pending writer and readers, or its error."""

    __slots__ = ("key", "ref", "writer", "readers", "error")

    def __init__(self, key: int) -> None:
        self.key = key
        self.ref = None  # a weak reference to the owner, once the Var holds an error
        self.writer: Task | None = None
        self.readers: set[Task] = set()
        self.error: BaseException | None = None

    def fail(self, error: BaseException, owner) -> None:
        """Hold ``error`` for as long as the owner lives (its id may be reused after)."""
        self.error = error
        try:
            self.ref = weakref.ref(owner, self._forget)
        except TypeError:  # an owner without weak references (bytes): dropped when idle
            self.ref = None

    def _forget(self, _ref, _vars=VARS) -> None:  # VARS bound now: it may be gone at exit
        if _vars.get(self.key) is self:
            _vars.pop(self.key, None)

    def idle(self) -> bool:
        return self.writer is None and not self.readers


class Task:
    """One pushed op: what to run, what it waits for, who waits for it."""

    __slots__ = (
        "fn",
        "name",
        "where",
        "ctx",
        "reads",
        "writes",
        "waiting",
        "dependents",
        "error",
        "done",
        "owners",
        "nbytes",
    )

    def __init__(self, fn: Callable[[], None], name: str, where: tuple, nbytes: int) -> None:
        self.fn, self.name, self.where, self.nbytes = fn, name, where, nbytes
        self.ctx = contextvars.copy_context()  # the caller's errstate, default device...
        self.reads: list[Var] = []
        self.writes: list[Var] = []
        self.waiting = 0
        self.dependents: list[Task] = []
        self.error: BaseException | None = None
        self.done = False
        self.owners: list = []  # what it writes (alive anyway while it is pending)


_lock = threading.Lock()
_changed = threading.Condition(_lock)
_queue: queue.SimpleQueue = queue.SimpleQueue()
_workers: list[threading.Thread] = []
_in_flight = 0
_bytes_in_flight = 0


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


def _var(owner) -> Var:
    key = id(owner)
    v = VARS.get(key)
    if v is None:
        v = VARS[key] = Var(key)
    return v


def push(
    fn: Callable[[], None], name: str, reads: list, writes: list, fresh: list, nbytes: int = 0
) -> None:
    """Schedule ``fn``, which reads ``reads`` and writes ``writes`` (memory owners) and fills
    ``fresh``: owners of outputs made for it, of ``nbytes`` in all, that nothing waits on yet."""
    global _in_flight, _bytes_in_flight
    w = _errors.caller()
    task = Task(fn, name, w, nbytes)
    deps: set[Task] = set()
    with _lock:
        while _in_flight >= MAX_IN_FLIGHT or (
            _in_flight and _bytes_in_flight + nbytes > MAX_BYTES_IN_FLIGHT
        ):
            _wait_changed()
        if len(_workers) < SETTINGS.workers:
            _start_workers(SETTINGS.workers)
        for owner in reads:  # a later writer must wait for this read (write-after-read)
            v = _var(owner)
            if v.error is not None and task.error is None:
                task.error = v.error
            if v.writer is not None:
                deps.add(v.writer)
            v.readers.add(task)
            task.reads.append(v)
        for owner in writes:
            v = _var(owner)
            if v.error is not None and task.error is None:
                task.error = v.error  # a write into a failed array keeps it failed
            if v.writer is not None:
                deps.add(v.writer)
            deps.update(v.readers)
            v.readers.clear()
            v.writer = task
            task.writes.append(v)
        for owner in fresh:
            v = VARS[id(owner)] = Var(id(owner))
            v.writer = task
            task.writes.append(v)
        task.owners = writes + fresh if writes else fresh
        deps.discard(task)
        for d in deps:
            d.dependents.append(task)
        task.waiting = len(deps)
        _in_flight += 1
        _bytes_in_flight += nbytes
    if not deps:
        _queue.put(task)


_STOP = object()


def set_workers(n: int) -> None:
    """Keep ``n`` worker threads (extra ones stop after their current task)."""
    with _lock:
        while len(_workers) > n:
            _workers.pop()
            _queue.put(_STOP)
        _start_workers(n)


def _start_workers(n: int) -> None:
    while len(_workers) < n:
        t = threading.Thread(target=_work, name=f"dnp-worker-{len(_workers)}", daemon=True)
        _workers.append(t)
        t.start()


WORKER_IDS: set[int] = set()  # the workers' thread idents (ops called there run inline)
# Who waits on _changed, so that a finishing task wakes them only when what they wait for
# happened (a woken thread competes with the workers for the GIL): threads waiting for a Var to
# go idle (counted per Var), for every op to finish, or for room to push.
_watched: dict[Var, int] = {}
_waiting_all = 0
_waiting_room = 0


def _wait_changed(var: Var | None = None, everything: bool = False) -> None:
    """Wait (holding ``_lock``) until ``var`` may be idle, every op may have finished
    (``everything``), or else a task finished. The timeout keeps Ctrl-C responsive; an
    interrupted wait leaves the engine usable."""
    global _waiting_all, _waiting_room
    if var is not None:
        _watched[var] = _watched.get(var, 0) + 1
    elif everything:
        _waiting_all += 1
    else:
        _waiting_room += 1
    try:
        _changed.wait(0.05)
    finally:
        if var is not None:
            if _watched[var] == 1:
                del _watched[var]
            else:
                _watched[var] -= 1
        elif everything:
            _waiting_all -= 1
        else:
            _waiting_room -= 1


def _work() -> None:
    WORKER_IDS.add(threading.get_ident())
    while True:
        task = _queue.get()
        if task is _STOP:
            WORKER_IDS.discard(threading.get_ident())
            return
        while task is not None:
            if task.error is None:
                try:
                    task.ctx.run(task.fn)
                except BaseException as exc:  # stored on what it writes; raised at a sync point
                    task.error = _errors.record(exc, task.name, task.where)
            task.fn = task.ctx = None  # free the inputs as soon as the work is done
            task = _finish(task)


def _finish(task: Task):
    """Mark ``task`` done; release its dependents. Returns one ready dependent to run next."""
    global _in_flight, _bytes_in_flight
    ready: list[Task] = []
    with _lock:
        task.done = True
        error = task.error
        wake = _waiting_room > 0
        for v in task.reads:
            v.readers.discard(task)
            if v.writer is None and not v.readers:
                wake = wake or v in _watched
                if v.error is None or v.ref is None:
                    _drop(v)
        for v, owner in zip(task.writes, task.owners):  # noqa: B905  # same length
            if v.writer is task:
                v.writer = None
            if error is not None and v.error is None:
                v.fail(error, owner)
            if v.writer is None and not v.readers:
                wake = wake or v in _watched
                if v.error is None or v.ref is None:
                    _drop(v)
        failed = set(task.writes) if error is not None else ()
        for d in task.dependents:
            # Only ops touching what the failed op wrote inherit its error: one that merely had
            # to wait for it to read first (write-after-read) runs as usual.
            if failed and d.error is None and not failed.isdisjoint(d.reads + d.writes):
                d.error = error
            d.waiting -= 1
            if d.waiting == 0:
                ready.append(d)
        task.dependents = task.reads = task.writes = task.owners = None
        _in_flight -= 1
        _bytes_in_flight -= task.nbytes
        if wake or (_waiting_all and not _in_flight):
            _changed.notify_all()
    for d in ready[1:]:
        _queue.put(d)
    return ready[0] if ready else None


def _drop(v: Var) -> None:
    if VARS.get(v.key) is v:
        del VARS[v.key]


def wait(owner) -> None:
    """Block until no op on ``owner``'s memory is pending; raise its error if it has one."""
    v = VARS.get(id(owner))
    if v is None:
        return
    with _lock:
        while not v.idle():
            _wait_changed(v)
    if v.error is not None:  # the array stays failed: later syncs raise again
        raise _errors.reported(v.error)


def wait_all() -> None:
    """Block until every pushed op has finished; raise the first error not yet raised."""
    with _lock:
        while _in_flight:
            _wait_changed(everything=True)
    _errors.raise_unreported()
