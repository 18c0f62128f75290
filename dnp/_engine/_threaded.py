"""The threaded engine: a dependency scheduler that runs CPU ops on worker threads.

It implements the engine's interface (``dnp/_engine/__init__.py``): ``push`` a function with the
memory owners it reads and writes, ``wait`` for one owner, ``wait_all``. A task may start when
the last writer of each Var it reads has finished (read-after-write) and, for each Var it writes,
the last writer and every reader since have finished (write-after-write, write-after-read): the
readiness test of ``_vars``, made edges between tasks. Everything below runs under one lock
(``_vars.LOCK``); the work itself runs outside it, on worker threads (NumPy releases the GIL in
its loops).

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
import queue
import threading
from collections.abc import Callable

from . import _errors, _pool
from ._cost import MEASURE_FROM, timed
from ._settings import INLINE_LIMIT, SETTINGS, WORKER_IDS
from ._vars import LOCK, VARS, Var, var_of

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


_changed = threading.Condition(LOCK)
_queue: queue.SimpleQueue = queue.SimpleQueue()
_workers: list[threading.Thread] = []
_in_flight = 0
_ready = 0  # tasks (bulks count once) ready or running, not yet finished
_bytes_in_flight = 0


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
    with LOCK:
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
            v = found(id(owner)) or var_of(owner)  # var_of, with its common case inline
            if v.error is not None and task.error is None:
                task.error = v.error
            if v.writer is not None:
                deps.add(v.writer)
            rvars.append(v)
        for owner in writes:
            v = found(id(owner)) or var_of(owner)
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
            task.held = _pool.count_held(args, kwargs)
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


_STOP = object()


def set_workers(n: int) -> None:
    """Keep ``n`` worker threads (extra ones stop after their current task)."""
    with LOCK:
        while len(_workers) > n:
            _workers.pop()
            _queue.put(_STOP)
        _start_workers(n)


def _start_workers(n: int) -> None:
    while len(_workers) < n:
        t = threading.Thread(target=_work, name=f"dnp-worker-{len(_workers)}", daemon=True)
        _workers.append(t)
        t.start()


# Who waits on _changed, so that a finishing task wakes them only when what they wait for
# happened (a woken thread competes with the workers for the GIL): threads waiting for a Var to
# go idle (counted per Var), for every op to finish, or for room to push.
_watched: dict[Var, int] = {}
_waiting_all = 0
_waiting_room = 0


def _wait_changed(var: Var | None = None, everything: bool = False) -> None:
    """Wait (holding ``LOCK``) until ``var`` may be idle, every op may have finished
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
    with LOCK:
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
    with LOCK:
        while not v.idle():
            _wait_changed(v)
    if v.error is not None:  # the array stays failed: later syncs raise again
        raise _errors.reported(v.error)


def wait_all() -> None:
    """Block until every pushed op has finished; raise the first error not yet raised."""
    with LOCK:
        while _in_flight:
            _wait_changed(everything=True)
    _errors.raise_unreported()
