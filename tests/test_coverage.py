"""``python -m dnp.coverage`` reports dnp's namespace as it is."""

import re
import subprocess
import sys

import numpy

import dnp
from dnp import coverage

SUMMARY = re.compile(
    r"covered (\d+) of (\d+) NumPy \S+ callables \(([\d.]+)%\); (\d+) missing; "
    r"(\d+) excluded on purpose"
)


def _has(qualname: str) -> bool:
    prefix, _, name = qualname.rpartition(".")
    try:
        return hasattr(coverage._module(prefix, dnp), name)
    except AttributeError:  # dnp has no such submodule
        return False


def test_script_reports_dnp_namespace():
    run = subprocess.run(
        [sys.executable, "-m", "dnp.coverage", "--verbose"],
        capture_output=True,
        text=True,
        check=True,
    )
    *rows, summary = run.stdout.strip().splitlines()
    scipy_lines = [r for r in rows if r.startswith("module scipy.")]
    modules = [r for r in rows if r.startswith("module ") and r not in scipy_lines]
    rows = [r for r in rows if not r.startswith("module ")]
    # dnp.scipy: every name of coverage.SCIPY, one line per SciPy module.
    assert len(scipy_lines) == len(coverage.SCIPY)
    for line, (module, names) in zip(scipy_lines, coverage.SCIPY.items(), strict=True):
        assert line.startswith(f"module scipy.{module}: covered {len(names)} of the {len(names)} ")
    counted = {m.split(":")[0].removeprefix("module numpy").lstrip(".") for m in modules}
    assert counted == set(coverage.MODULES) | set(coverage.SKIPPED_MODULES)
    table = {}
    for row in rows:
        name, state = row.split()[:2]
        table[name] = state
    assert len(table) == len(rows), "a name is listed twice"
    np_names = [n for n in dir(numpy) if not n.startswith("_") and callable(getattr(numpy, n))]
    assert set(np_names) <= set(table)
    assert "linalg.inv" in table and "fft.fft" in table
    for name, state in table.items():
        expected = (
            "covered" if _has(name) else ("excluded" if name in coverage.EXCLUDED else "missing")
        )
        assert state == expected, name
    covered, considered, pct, missing, excluded = SUMMARY.fullmatch(summary).groups()
    states = list(table.values())
    assert int(covered) == states.count("covered")
    assert int(missing) == states.count("missing")
    assert int(excluded) == states.count("excluded")
    assert int(considered) == int(covered) + int(missing)
    assert abs(float(pct) - 100 * int(covered) / int(considered)) < 0.051


def test_main_returns_zero_and_prints_the_summary(capsys):
    assert coverage.main([]) == 0
    assert SUMMARY.fullmatch(capsys.readouterr().out.strip().splitlines()[-1])


def test_exclusions_name_numpy_callables():
    # Extended-precision names exist only where the platform's long double is wider than double.
    stale = set(coverage.EXCLUDED) - set(coverage.numpy_callables())
    assert stale <= {"float128", "complex256"}, stale
    assert all(coverage.EXCLUDED.values())


def test_numeric_functions_are_not_excluded():
    for name in ("add", "sum", "linalg.inv", "fft.fft", "vectorize", "einsum", "poly1d"):
        assert name not in coverage.EXCLUDED
        assert coverage.status(name) == ("covered" if _has(name) else "missing")
