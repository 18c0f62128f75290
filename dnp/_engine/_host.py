"""What this host's CPU costs, measured when the engine loads: the base of every threshold.

The engine counts work in units: an add, per float64 element (``_cost.heavy`` weighs every op
against it, by its own timed runs). What an add costs differs between hosts by several times
(SIMD width, clock, caches), so the unit is measured here, in a fraction of a millisecond, and
the thresholds (``_settings``, ``_cost``, ``_threaded``) are times of work converted to units
with it, not element counts tuned on one CPU. The fastest of a few runs: another process on the
cores can only slow one.
"""

from __future__ import annotations

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


# Nanoseconds per unit of work on this host.
UNIT_NS = unit_seconds() * 1e9
