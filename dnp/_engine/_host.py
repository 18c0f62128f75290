"""What this host's CPU costs, measured when the engine loads: the base of every threshold.

Two costs decide when the engine pushes an op rather than run it in the caller: the time of the
unit of work (an add, per float64 element: ``_core.heavy`` weighs every op against it) and the
time from pushing an op to a worker starting it (a hand-off: a queue, a woken thread, the GIL).
Both differ between hosts by several times (SIMD width, caches, the scheduler of a VM), so they
are measured here, in about a millisecond, rather than tuned on one CPU; the thresholds follow
from them in ``_core``. Each is the fastest of a few runs: another process using the cores can
only slow a run down.
"""

from __future__ import annotations

import queue
import threading
from time import perf_counter

import numpy

RUNS = 15
UNIT_ELEMENTS = 1 << 15  # in the caches: what an add costs, not what memory does


def unit_seconds() -> float:
    """Seconds per element of ``numpy.add`` on float64 arrays."""
    a = numpy.linspace(0.0, 1.0, UNIT_ELEMENTS)
    out = numpy.empty_like(a)
    best = float("inf")
    for _ in range(RUNS):
        start = perf_counter()
        numpy.add(a, a, out=out)
        best = min(best, perf_counter() - start)
    return best / UNIT_ELEMENTS


def hand_off_seconds() -> float:
    """Seconds from putting a task on a queue to a waiting thread having run it (and the putter
    knowing): what starting an op on an idle worker costs at least."""
    tasks: queue.SimpleQueue = queue.SimpleQueue()

    def worker() -> None:
        while (done := tasks.get()) is not None:
            done.set()

    thread = threading.Thread(target=worker, name="dnp-calibration", daemon=True)
    thread.start()
    best = float("inf")
    try:
        for _ in range(RUNS):
            done = threading.Event()
            start = perf_counter()
            tasks.put(done)
            done.wait()
            best = min(best, perf_counter() - start)
    finally:
        tasks.put(None)
        thread.join()
    return best
