"""The cost model: how much work a call is, what ops cost as measured, and which calls are heavy.

Work is counted in units: elements of an add on float64 (``_host.UNIT_NS`` each). A call's work
is the elements its inputs hold, or its row's own estimate (``Op.work``: contractions count their
multiply-adds). Each op's weight (seconds per unit of its work, relative to the unit) is measured
as it runs, inline and on the workers (``timed``, ``observe``). ``heavy`` tells dispatch which
calls are worth pushing: their weighed work reaches the inline limit (``_settings``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import perf_counter, thread_time
from typing import Any

from ._host import UNIT_NS
from ._settings import SETTINGS, WORKER_IDS

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
    """Whether a call's work (``weighed``) reaches the inline limit. (Below ``MEASURE_FROM``
    elements, a row without a work estimate weighs its size: nothing more to work out.)"""
    limit = SETTINGS.inline_limit
    if size >= limit:
        return True
    if size < MEASURE_FROM and op.work is None:
        return False
    return weighed(op, size, work(op, size, xargs)) >= limit
