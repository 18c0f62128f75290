"""``dnp.engine``: which executor runs dnp's ops, and waiting for them.

- ``threaded`` (the default): ops on pending or large inputs are pushed to worker threads and
  run in parallel when independent; the caller gets its result arrays at once. Values are read
  at sync points (``asnumpy()``, ``item()``, ``print``, ``float()``..., ``wait_to_read()``,
  ``waitall()``), which wait for the work and raise its errors.
- ``naive``: every op runs at once in the calling thread (the reference the threaded engine is
  tested against; good for debugging).

Set with ``DNP_ENGINE=naive|threaded`` and ``DNP_NUM_WORKERS=N`` in the environment, or in code
with ``set_engine`` or the ``engine`` context manager. The engine only changes when work runs,
never the results.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ._engine import _gpu, _threaded
from ._engine._settings import KINDS, SETTINGS


def wait_all() -> None:
    """Wait for every pushed op, on the CPU and on GPU streams; raise the first error that no
    sync point has raised yet."""
    _threaded.wait_all()
    _gpu.wait_all()


def waitall() -> None:
    """Wait for every pushed op; raise the first error that no sync point has raised yet."""
    wait_all()


def get_engine() -> dict:
    """The current settings: ``{'kind', 'num_workers', 'inline_limit'}``."""
    s = SETTINGS
    return {
        "kind": "threaded" if s.threaded else "naive",
        "num_workers": s.workers,
        "inline_limit": s.inline_limit,
    }


def set_engine(
    kind: str | None = None, *, num_workers: int | None = None, inline_limit: int | None = None
) -> dict:
    """Switch engine (after waiting for pending work); returns the previous settings.

    ``num_workers``: CPU worker threads (default: the number of cores). ``inline_limit``: ops
    on ready inputs whose work is less run inline in the caller (0 pushes every op; for tests).
    Work is counted in elements of an add on float64; an op measured to cost w times an add per
    element counts its elements w times (a contraction its multiply-adds). The default is
    measured on the host when dnp loads: the work of ten hand-offs of an op to a worker.
    """
    previous = get_engine()
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown engine {kind!r}: expected one of {KINDS}")
    if num_workers is not None and num_workers < 1:
        raise ValueError(f"num_workers must be at least 1, not {num_workers}")
    wait_all()
    s = SETTINGS
    if kind is not None:
        s.threaded = kind == "threaded"
    if num_workers is not None:
        _threaded.set_workers(num_workers)
        s.workers = num_workers
    if inline_limit is not None:
        s.inline_limit = int(inline_limit)
    return previous


@contextlib.contextmanager
def engine(
    kind: str | None = None, *, num_workers: int | None = None, inline_limit: int | None = None
) -> Iterator[None]:
    """``with dnp.engine.engine('naive'):`` runs the block on that engine, then restores."""
    previous = set_engine(kind, num_workers=num_workers, inline_limit=inline_limit)
    try:
        yield
    finally:
        set_engine(
            previous["kind"],
            num_workers=previous["num_workers"],
            inline_limit=previous["inline_limit"],
        )


__all__ = ["engine", "get_engine", "set_engine", "waitall"]
