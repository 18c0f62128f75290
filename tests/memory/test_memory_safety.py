"""The memory-safety lane: real NumPy programs (``programs.py``) run many times on the threaded
engine, every op pushed, with 1 and 2 workers, under glibc's heap checks, each result compared
with NumPy's bit for bit.

Each configuration runs in a process of its own (``run.py``), so a corrupted heap fails one test
instead of killing the suite: ``MALLOC_CHECK_=3`` (with glibc's debugging allocator preloaded,
which glibc 2.34 and later need for it) aborts at the first inconsistency it finds,
``MALLOC_PERTURB_`` fills freed and fresh memory with a byte pattern (a read of freed memory
gives garbage, not the old values), and faulthandler prints where a crash happened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.memory.programs import PROGRAMS

ROOT = Path(__file__).resolve().parents[2]
REPEATS = 6
_DEBUG_MALLOC = [
    p
    for p in (
        "/lib/x86_64-linux-gnu/libc_malloc_debug.so.0",
        "/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0",
        "/lib64/libc_malloc_debug.so.0",
    )
    if os.path.exists(p)
]


def heap_checked_env(workers: int, perturb: int) -> dict[str, str]:
    """The environment of a checked run: every op pushed to ``workers`` threads, glibc's heap
    checks on."""
    env = dict(os.environ)
    env.update(
        DNP_ENGINE="threaded",
        DNP_NUM_WORKERS=str(workers),
        DNP_INLINE_LIMIT="0",
        MALLOC_CHECK_="3",
        MALLOC_PERTURB_=str(perturb),
        PYTHONFAULTHANDLER="1",
    )
    if _DEBUG_MALLOC:
        env["LD_PRELOAD"] = " ".join(filter(None, (_DEBUG_MALLOC[0], env.get("LD_PRELOAD"))))
    return env


def run_checked(names: list[str], workers: int, repeats: int = REPEATS, perturb: int = 165):
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.memory.run", str(repeats), *names],
        cwd=ROOT,
        env=heap_checked_env(workers, perturb),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_is_memory_safe_and_exact(name, workers):
    done = run_checked([name], workers)
    assert done.returncode == 0, (
        f"{name} with {workers} worker(s) exited with {done.returncode}\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-6000:]}"
    )
    assert f"{name}: {REPEATS} runs, bit for bit" in done.stdout


def test_heap_checks_are_on():
    """The lane's checks are live: a double free in a checked process aborts it."""
    code = (
        "import ctypes; libc = ctypes.CDLL(None); libc.malloc.restype = ctypes.c_void_p; "
        "p = libc.malloc(64); libc.free(ctypes.c_void_p(p)); libc.free(ctypes.c_void_p(p))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=heap_checked_env(1, 165), capture_output=True
    )
    assert done.returncode != 0
