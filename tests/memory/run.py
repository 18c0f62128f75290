"""Run programs of ``programs.py`` with NumPy, then repeatedly with dnp, and compare bit for bit.

``python -X faulthandler -m tests.memory.run REPEATS NAME...``: the engine is dnp's default
one, as set by the environment (``DNP_NUM_WORKERS``, ``DNP_INLINE_LIMIT=0`` to push every op).
Prints one line per program and exits 0 when every run matched; an assertion names the first
run that did not. Run in a process of its own by ``test_memory_safety.py``: a heap corrupted by
the engine aborts it (glibc's checks) or crashes it (faulthandler prints where).
"""

from __future__ import annotations

import sys

import numpy

import dnp
from tests.memory.programs import PROGRAMS


def outputs(result) -> list[numpy.ndarray]:
    """A program's results as NumPy arrays (dnp's are read here: a sync point)."""
    items = result if isinstance(result, tuple) else (result,)
    return [numpy.asarray(r.asnumpy() if isinstance(r, dnp.ndarray) else r) for r in items]


def check(name: str, repeats: int) -> None:
    program = PROGRAMS[name]
    expected = outputs(program(numpy))
    for run in range(repeats):
        got = outputs(program(dnp))
        assert len(got) == len(expected), f"{name}: {len(got)} results, NumPy gave {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            where = f"{name}, run {run}, result {i}"
            assert g.dtype == e.dtype, f"{where}: dtype {g.dtype}, NumPy's {e.dtype}"
            assert g.shape == e.shape, f"{where}: shape {g.shape}, NumPy's {e.shape}"
            if g.tobytes() != e.tobytes():
                wrong = numpy.flatnonzero(
                    g.reshape(-1).view(numpy.uint8) != e.reshape(-1).view(numpy.uint8)
                ).size
                raise AssertionError(f"{where}: {wrong} bytes differ from NumPy's")
    dnp.waitall()
    print(f"{name}: {repeats} runs, bit for bit", flush=True)


def main(argv: list[str]) -> None:
    repeats = int(argv[0])
    for name in argv[1:]:
        check(name, repeats)


if __name__ == "__main__":
    main(sys.argv[1:])
