"""Every conformance case again, with every op pushed through the threaded engine.

``inline_limit=0`` sends every op whose inputs are dnp arrays to the workers (none runs inline
for being small), so the whole op table meets the engine: outputs made from metadata rules,
views of pending arrays, ``out=`` and in-place writes, errors raised at sync points.
"""

import importlib
import pathlib

import pytest

import dnp
from tests.conformance import compare

# Every table of cases in tests/ops (a new one joins by being there).
MODULES = [
    importlib.import_module(f"tests.ops.{path.stem}")
    for path in sorted((pathlib.Path(__file__).parent.parent / "ops").glob("test_*.py"))
]
CASES = [(m.__name__.rpartition(".")[2][5:], c) for m in MODULES for c in m.CASES]


@pytest.mark.parametrize("c", [c for _, c in CASES], ids=[f"{m}-{c.id}" for m, c in CASES])
def test_every_case_through_the_engine(c, forced):
    compare(c.body, "cpu", c.rtol, c.atol)
    dnp.waitall()  # nothing failed unseen
