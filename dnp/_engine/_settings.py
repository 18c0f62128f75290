"""Which engine runs dnp's ops, with how many workers, and the inline limit (``dnp.engine``).

``threaded`` (the default) pushes ops on pending or large inputs to worker threads (CPU) and
CUDA streams (GPU); ``naive`` runs every op at once in the calling thread. Set by ``DNP_ENGINE``,
``DNP_NUM_WORKERS`` and ``DNP_INLINE_LIMIT`` in the environment, or by ``dnp.engine.set_engine``.
"""

from __future__ import annotations

import os

from ._host import UNIT_NS

KINDS = ("threaded", "naive")


def default_workers() -> int:
    return int(os.environ.get("DNP_NUM_WORKERS", 0)) or os.cpu_count() or 1


# The thresholds, from what this host's CPU costs (``_host``: measured at start-up, in a fraction
# of a millisecond). Work is counted in units: elements of an add on float64 (UNIT_NS each).
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

# The worker threads' idents (the threaded engine adds its workers): an op called there runs
# inline, and a run there is timed by its CPU time (``_cost.timed``).
WORKER_IDS: set[int] = set()
