"""The dependency scheduler: Vars, tasks, worker threads, waits.

A ``Var`` is the dependency state of one memory owner (a backend buffer that owns its memory;
views share their base's Var). It exists only while ops on that memory are pending, or while it
holds an error. A task may start when the last writer of each Var it reads has finished
(read-after-write) and, for each Var it writes, the last writer and every reader since have
finished (write-after-write, write-after-read). Everything below runs under one lock; the work
itself runs outside it, on worker threads (NumPy releases the GIL in its loops).

Bulks (MXNet's bulk execution): a light op (little data) whose only dependency is a light task
that has not started joins that task instead of becoming a task of its own; the worker runs the
bulk's ops in push order and releases them together. Each op keeps its own name, caller, errstate
and error, so a failure in a bulk fails what it fails and nothing more. Scheduling, waking a
worker and releasing cost more than a small op's work; a bulk pays them once.

Hand-over: a worker needs the GIL to start a task, and the pushing thread holds it while it goes
on pushing. The first op pushed to idle workers, if it is long (half a millisecond or so), is
handed over: the pushing thread waits (about 0.1 ms) until a worker has started it, instead of
leaving every worker idle until it next blocks.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
import weakref
from collections.abc import Callable
from sys import getrefcount
from time import perf_counter, thread_time
from typing import Any

import numpy

from . import _errors, _host, _pool

KINDS = ("threaded", "naive")


def default_workers() -> int:
    return int(os.environ.get("DNP_NUM_WORKERS", 0)) or os.cpu_count() or 1


# The thresholds, from what this host's CPU costs (``_host``: measured at start-up, in a fraction
# of a millisecond). Work is counted in units: elements of an add on float64 (UNIT_NS each).
UNIT_NS = _host.unit_seconds() * 1e9
# Work from which a ready op is pushed: INLINE_SECONDS of it on this host. A pushed op costs the
# pushing thread about 8 us and, in a chain of dependent ops, the worker as much again per op (its
# own Python, waiting for the GIL), while the other core's Python slows its kernel: chains of
# 128x128 matmuls (0.09 ms each) ran 25% slower pushed than inline, chains of sin on 1e5 elements
# (0.5 ms each) 1.5 times faster. (The other cost, waking a worker, is no base: measured here it
# was 11 us with the cores busy and 33-51 us with them idle, as they wake from sleep states.)
INLINE_SECONDS = 150e-6
INLINE_LIMIT = int(INLINE_SECONDS * 1e9 / UNIT_NS)


class Settings:
    """The engine in use: ``kind``, worker threads, and the inline limit (units of work)."""

    __slots__ = ("threaded", "workers", "inline_limit")

    def __init__(self) -> None:
        kind = os.environ.get("DNP_ENGINE", "threaded").strip().lower() or "threaded"
        if kind not in KINDS:
            raise ValueError(f"DNP_ENGINE={kind!r}: expected one of {KINDS}")
        self.threaded = kind == "threaded"
        self.workers = default_workers()
        # Ops whose work (``heavy``) is less than this run inline when their inputs are ready.
        self.inline_limit = int(os.environ.get("DNP_INLINE_LIMIT", INLINE_LIMIT))


SETTINGS = Settings()


# What ops cost, measured as they run (inline and on the workers): seconds per unit of their work
# (elements read; multiply-adds for contractions, ``Op.work``) as a weight relative to the unit
# (UNIT_NS). ``heavy`` counts a call's work times its op's weight, so sin on 1e5 elements (about
# 0.8 ms) is pushed while an add on as many (about 20 us) runs inline. Ops not measured yet weigh
# 1; elementwise ops cheaper than an add weigh 1 too, contractions their measured fraction (a
# multiply-add in BLAS is a few times cheaper than an add's element).
# Work from which calls are timed and weights count, MEASURE_SECONDS of it: on less, pushing does
# not pay on 2 cores (chains of sin on 1e4 elements, pushed, ran at a third of NumPy's speed), and
# a call's own overhead (1-3 us) blurs its kernel's cost.
MEASURE_SECONDS = 6e-6
MEASURE_FROM = int(MEASURE_SECONDS * 1e9 / UNIT_NS)
WEIGHTS: dict = {}
# An op's first timed runs are left out of its weight: they run on cold caches and write memory
# the allocator has just mapped (a page fault every 4 KiB), which made an add on 1e5 elements look
# six times dearer than it is; pushed for that, its outputs then took fresh memory in turn.
WARMUP_RUNS = 2
_warming: dict = {}  # op -> timed runs left out so far


def observe(op, units: int, seconds: float) -> None:
    """Fold one timed run of ``op`` on ``units`` of work into its weight. A faster run replaces
    the estimate (it is closer to the op's own cost); a slower one moves it an eighth of the way
    (a core shared with other threads, a cold cache): ops timed on busy workers would otherwise
    look dearer, get pushed more, and keep the cores busier still."""
    if op not in WEIGHTS:
        runs = _warming.get(op, 0)
        if runs < WARMUP_RUNS:
            _warming[op] = runs + 1
            return
    w = seconds * 1e9 / (units * UNIT_NS)
    if w < 1.0 and op.work is None:
        w = 1.0
    old = WEIGHTS.get(op)
    WEIGHTS[op] = w if old is None or w < old else old + (w - old) / 8


def work(op, size: int, xargs) -> int:
    """A call's work in units: the elements its inputs hold (``size``), or the row's own
    estimate from its arguments (``Op.work``: contractions)."""
    return size if op.work is None else op.work(xargs)


def timed(op, units: int, fn: Callable, /, *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)``, ``units`` of the work of ``op``; timed into the op's weight
    (``observe``) when that is enough work to tell. A worker times by its CPU time: the wall
    clock there also counts the wait for the GIL after the kernel, which the pushing thread
    holds while it pushes (an add of 35 us measured 200)."""
    if units < MEASURE_FROM:
        return fn(*args, **kwargs)
    clock = thread_time if threading.get_ident() in WORKER_IDS else perf_counter
    start = clock()
    res = fn(*args, **kwargs)
    observe(op, units, clock() - start)
    return res


def weighed(op, size: int, units: int) -> float:
    """A call's work as the thresholds count it: its ``units`` (``work``) times the op's
    measured weight (from ``MEASURE_FROM`` units on), or the elements its inputs hold
    (``size``), whichever is more."""
    if units < MEASURE_FROM:
        return size
    w = units * WEIGHTS.get(op, 1.0)
    return w if w > size else size


def heavy(op, size: int, xargs) -> bool:
    """Whether a call's work (``weighed``) reaches the inline limit."""
    limit = SETTINGS.inline_limit
    return size >= limit or weighed(op, size, work(op, size, xargs)) >= limit


# Work from which the first op pushed to idle workers is handed over (``_hand_over``): four
# times the inline limit. The pushing thread waits a hand-off for a worker to start it, and the
# worker gains at most the op's own time (it then waits for the GIL until the pushing thread
# blocks): 128x128 matmul chains (0.1 ms a product) ran 4% slower for it; chains of sin on 1e5
# elements (0.6 ms each) faster.
HAND_OVER_UNITS = 4 * INLINE_LIMIT
# Seconds the pushing thread waits at most for a worker to start a handed-over op: a woken
# worker starts in microseconds, and another thread's hand-over may have taken the slot. (Tests
# set it longer: a worker delayed by a busy machine must not make them fail.)
HAND_OVER_WAIT = 0.005


# Ops in flight, or bytes of outputs they will write, beyond these make the pushing thread wait
# (back-pressure): memory stays bounded, and freed buffers get reused while still warm.
MAX_IN_FLIGHT = 256
MAX_BYTES_IN_FLIGHT = _pool.CAP_BYTES  # an eighth of memory, at most 4 GiB
# Ready ops (running, or waiting for a worker and nothing else) beyond this also make it wait:
# more cannot run sooner, and each holds an output. Independent ops pushed faster than the
# workers run them (a loop of x + y on 1e5 elements) otherwise filled the queue with 256 outputs,
# whose memory cycled out of the caches: the ops ran slower and so looked dear enough to push.
MAX_READY = 16
# Bulks: ops reading and writing fewer elements than this (half of MEASURE_FROM) are light; a
# bulk holds at most BULK_MAX ops after its first (a sync point waits for the whole bulk).
BULK_ELEMENTS = MEASURE_FROM // 2
BULK_MAX = 32


# Vars by id of their owner, which a Var keeps alive while ops on it are pending; an errored Var
# holds a weak reference instead and is dropped with its owner (weakref callback).
VARS: dict[int, Var] = {}


class Var:
    """Dependency state of one memory owner: its pending writer and readers, or its error."""

    __slots__ = ("key", "owner", "ref", "writer", "readers", "error", "held")

    def __init__(self, owner, writer: Task | None = None) -> None:
        self.key = id(owner)
        self.owner = owner  # alive while ops on it are pending (its id is the key)
        self.ref = None  # a weak reference to the owner instead, once the Var holds an error
        self.writer = writer
        self.readers: set[Task] = set()
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


class Task:
    """One pushed op: what to run, what it waits for, who waits for it; and the ops that joined
    it (``bulk``), which run after it and are released with it."""

    __slots__ = (
        "fn",
        "op",
        "size",
        "where",
        "ctx",
        "reads",
        "writes",
        "args",
        "kwargs",
        "nbytes",
        "error",
        "waiting",
        "dependents",
        "light",
        "bulk",
        "held",
    )

    def __init__(
        self,
        fn: Callable,
        args: tuple,
        kwargs: dict,
        op,
        size: int,
        where: tuple,
        nbytes: int,
        light: bool,
    ) -> None:
        self.fn, self.args, self.kwargs, self.op, self.size = fn, args, kwargs, op, size
        self.where, self.nbytes, self.light = where, nbytes, light
        self.ctx = contextvars.copy_context()  # the caller's errstate, default device...
        self.reads: list[Var] = []
        self.writes: list[Var] = []
        self.error: BaseException | None = None
        self.waiting = 0
        self.dependents: list[Task] | None = None  # made for the first one
        self.bulk: list[Task] | None = None
        self.held: list[Var] | None = None  # a Var per reference its arguments hold (counted)


_lock = threading.Lock()
_changed = threading.Condition(_lock)
_queue: queue.SimpleQueue = queue.SimpleQueue()
_workers: list[threading.Thread] = []
_in_flight = 0
_ready = 0  # tasks (bulks count once) ready or running, not yet finished
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


def unreadable(v: Var | None) -> bool:
    """Whether a read of the memory ``v`` (its Var, or None) tracks must wait: a pending op
    writes it, or it holds an error. Pending reads alone do not stop another read."""
    return v is not None and (v.writer is not None or v.error is not None)


def _var(owner) -> Var:
    key = id(owner)
    v = VARS.get(key)
    if v is None:
        v = VARS[key] = Var(owner)
    return v


def push(
    fn: Callable,
    args: tuple,
    kwargs: dict,
    op,
    size: int,
    reads: list,
    writes: list,
    fresh: list,
    nbytes: int = 0,
    light: bool = False,
    long: bool = False,
) -> None:
    """Schedule ``fn(*args, **kwargs)``, ``size`` units of the work of ``op``, which reads
    ``reads`` and writes ``writes`` (memory owners) and fills ``fresh``: owners of outputs made
    for it, of ``nbytes`` in all, that nothing waits on yet.
    ``light``: little work (``BULK_ELEMENTS``): it may join a bulk. Otherwise the references its
    arguments hold to arrays are counted on their Vars until it finishes (``dead_input``).
    ``long``: work enough to hand over to an idle worker (``HAND_OVER_UNITS``)."""
    global _in_flight, _bytes_in_flight, _ready
    task = Task(fn, args, kwargs, op, size, _errors.caller(), nbytes, light)
    deps: set[Task] = set()
    found = VARS.get
    with _lock:
        while (
            _in_flight >= MAX_IN_FLIGHT
            or _ready >= MAX_READY
            or (_in_flight and _bytes_in_flight + nbytes > MAX_BYTES_IN_FLIGHT)
        ):
            _wait_changed()
        if not _workers:
            _start_workers(SETTINGS.workers)
        rvars, wvars = task.reads, task.writes
        for owner in reads:  # a later writer must wait for this read (write-after-read)
            v = found(id(owner)) or _var(owner)  # _var, with its common case inline
            if v.error is not None and task.error is None:
                task.error = v.error
            if v.writer is not None:
                deps.add(v.writer)
            rvars.append(v)
        for owner in writes:
            v = found(id(owner)) or _var(owner)
            if v.error is not None and task.error is None:
                task.error = v.error  # a write into a failed array keeps it failed
            if v.writer is not None:
                deps.add(v.writer)
            deps.update(v.readers)
            wvars.append(v)
        unit = task  # the task its Vars wait on: itself, or the bulk it joins
        if light and len(deps) == 1:
            (d,) = deps
            if d.waiting and d.light and (d.bulk is None or len(d.bulk) < BULK_MAX):
                unit = d
        for v in rvars:
            v.readers.add(unit)
        for v in wvars:
            v.readers.clear()
            v.writer = unit
        for owner in fresh:
            v = VARS[id(owner)] = Var(owner, unit)
            wvars.append(v)
        if not light:
            task.held = _count_held(args, kwargs)
        _in_flight += 1
        _bytes_in_flight += nbytes
        if unit is not task:
            if unit.bulk is None:
                unit.bulk = [task]
            else:
                unit.bulk.append(task)
            return
        for d in deps:
            if d.dependents is None:
                d.dependents = [task]
            else:
                d.dependents.append(task)
        task.waiting = len(deps)
        if not deps:
            _ready += 1
        first = long and not deps and _in_flight == 1
    if first:
        _hand_over(task)
    elif not deps:
        _queue.put(task)


# The task a pushing thread waits to see started, and the event that says so (``_hand_over``).
_handed: tuple[Task, threading.Event] | None = None


def _hand_over(task: Task) -> None:
    """Queue ``task``, the only op in flight (every worker is idle), and wait until a worker has
    started it. A woken worker needs the GIL to start, and the pushing thread holds it while it
    goes on pushing: without this, the first op of a burst would start only when that thread next
    blocks (a sync point, after the whole burst) or at the interpreter's switch interval (5 ms).
    Only the first, and only a long one (``HAND_OVER_UNITS``): a second woken worker would
    compete with the pushing thread for the cores."""
    global _handed
    started = threading.Event()
    _handed = (task, started)
    _queue.put(task)
    started.wait(HAND_OVER_WAIT)


def _count_held(args: tuple, kwargs: dict) -> list[Var]:
    """Count, on their Vars, the arrays a task's arguments hold (under ``_lock``)."""
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
    pending tasks' arguments hold (``Var.held``); under ``_lock``, so that a task's references
    and their count go together (a running task's call holds more: the check fails)."""
    if not _pool.EXACT_REFCOUNTS:
        return None
    with _lock:
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


def _reusable(u, p: Task, shape: tuple, dtype) -> bool:
    """Whether ``u``, an argument of ``p``, is free to be written after ``p`` (``dead_input``)."""
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
    pooled = _pool.owns(r)
    # Besides the counted references: the pool's list and the Var hold r; a view holds its base;
    # and there are the caller's loop name for u, the names here and getrefcount's argument.
    if r is u:
        return getrefcount(u) == pooled + 1 + rv.held + 4
    return getrefcount(r) == pooled + 1 + 1 + 2 and getrefcount(u) == rv.held + 3


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
        handed = _handed
        if handed is not None and handed[0] is task:
            handed[1].set()
        if task is _STOP:
            WORKER_IDS.discard(threading.get_ident())
            return
        while task is not None:
            _run(task)
            if task.bulk is not None:
                _run_bulk(task)
            task = _finish(task)


def _run(task: Task) -> None:
    if task.error is None:
        try:
            if task.held is None:  # light: too small to time
                task.ctx.run(task.fn, *task.args, **task.kwargs)
            else:
                task.ctx.run(timed, task.op, task.size, task.fn, *task.args, **task.kwargs)
        except BaseException as exc:  # stored on what it writes; raised at a sync point
            task.error = _errors.record(exc, task.op.name, task.where)
    # Free the inputs as soon as the work is done (counted ones in _finish, with their count).
    if task.held is None:
        task.fn = task.args = task.kwargs = task.ctx = None


def _run_bulk(head: Task) -> None:
    """Run the ops that joined ``head``, in order; one touching what an earlier op of the bulk
    failed to write inherits that error instead of running (as a task of its own would)."""
    failed = dict.fromkeys(head.writes, head.error) if head.error is not None else {}
    for t in head.bulk:
        if failed and t.error is None:
            for v in t.reads + t.writes:
                if v in failed:
                    t.error = failed[v]
                    break
        _run(t)
        if t.error is not None:
            for v in t.writes:
                failed[v] = t.error


def _finish(task: Task):
    """Mark ``task`` (and its bulk) done; release its dependents. Returns one ready dependent to
    run next."""
    global _in_flight, _bytes_in_flight, _ready
    ready: list[Task] = []
    ops = [task] if task.bulk is None else [task, *task.bulk]
    with _lock:
        failed: dict[Var, BaseException] = {}
        touched: list[Var] = []
        for t in ops:  # first every op's writer and error, then which Vars went idle
            for v in t.reads:
                v.readers.discard(task)
            touched += t.reads
            for v in t.writes:
                if v.writer is task:
                    v.writer = None
                if t.error is not None:
                    failed[v] = t.error
                    if v.error is None:
                        v.fail(t.error)
            touched += t.writes
            _in_flight -= 1
            _bytes_in_flight -= t.nbytes
            if t.held is not None:
                for v in t.held:
                    v.held -= 1
                t.fn = t.args = t.kwargs = t.ctx = t.held = None
            t.reads = t.writes = None
        wake = _waiting_room > 0
        for v in touched:
            if v.writer is None and not v.readers:  # v.idle(), inline: once per Var touched
                if _watched and v in _watched:
                    wake = True
                if (v.error is None or v.ref is None) and VARS.get(v.key) is v:
                    del VARS[v.key]  # idle: dropped (a failed one stays while its owner lives)
        for d in task.dependents or ():
            # Only ops touching what a failed op wrote inherit its error: one that merely had
            # to wait for it to read first (write-after-read) runs as usual. (A bulk's later ops
            # depend on its first alone: they cannot touch what another task wrote.)
            if failed and d.error is None:
                for v in d.reads + d.writes:
                    if v in failed:
                        d.error = failed[v]
                        break
            d.waiting -= 1
            if d.waiting == 0:
                ready.append(d)
        task.dependents = task.bulk = None
        _ready += len(ready) - 1
        if wake or (_waiting_all and not _in_flight):
            _changed.notify_all()
    for d in ready[1:]:
        _queue.put(d)
    return ready[0] if ready else None


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
