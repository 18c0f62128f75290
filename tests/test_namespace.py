"""The namespace is complete and every row is exercised against NumPy."""

import importlib
import inspect
import pathlib
import subprocess
import sys

import numpy

import dnp
from dnp._ops import OPS
from dnp._ops.methods import FUNCTION_METHODS


def _all_cases():
    names = set()
    for path in sorted((pathlib.Path(__file__).parent / "ops").glob("test_*.py")):
        module = importlib.import_module(f"tests.ops.{path.stem}")
        names |= {c.name for c in getattr(module, "CASES", [])}
    return names


def test_every_row_has_a_conformance_case():
    missing = sorted(set(OPS) - _all_cases())
    assert not missing, f"rows without a conformance case in tests/ops: {missing}"


def test_cases_name_real_rows():
    unknown = sorted(_all_cases() - set(OPS))
    assert not unknown, f"cases naming no row (typo?): {unknown}"


def test_function_methods_have_function_rows():
    for name in FUNCTION_METHODS:
        assert name in OPS or isinstance(getattr(dnp, name), dnp.ufunc), name
        assert callable(getattr(dnp.ndarray, name))


def test_numpy_aliases_resolve_to_the_same_function():
    for alias, canonical in (
        ("concat", "concatenate"),
        ("permute_dims", "transpose"),
        ("abs", "absolute"),
        ("true_divide", "divide"),
    ):
        if hasattr(numpy, alias):
            assert getattr(dnp, alias) is getattr(dnp, canonical)


def test_dtypes_are_numpys():
    for name in ("float32", "float64", "int8", "uint64", "complex128", "bool", "intp"):
        assert getattr(dnp, name) is getattr(numpy, name)
    assert dnp.pi == numpy.pi and dnp.newaxis is None and numpy.isnan(dnp.nan)


def test_import_loads_only_what_it_uses():
    """``import dnp`` leaves NumPy's lazily loaded submodules and SciPy unloaded (about 110 ms
    of every script's start; ``benchmarks/bench_startup.py`` times it), but numpy.char, whose
    names the char rows copy (1 ms); dnp.testing and dnp.polynomial load on first use, as
    numpy.testing and numpy.polynomial do."""
    code = (
        "import sys, dnp\n"
        "lazy = ('scipy', 'numpy.testing', 'numpy.f2py', 'numpy.ma', 'numpy.polynomial', "
        "'dnp.testing', 'dnp.polynomial')\n"
        "print(','.join(m for m in lazy if m in sys.modules))\n"
        "dnp.testing.assert_array_equal(dnp.ones(2), [1.0, 1.0])\n"
        "print('dnp.testing' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, testing_after = out.stdout.splitlines()
    assert loaded == "" and testing_after == "True"


def _public_functions():
    for module, np_module in ((dnp, numpy), (dnp.linalg, numpy.linalg), (dnp.fft, numpy.fft)):
        for name in sorted(dir(module)):
            fn = getattr(module, name)
            if not name.startswith("_") and hasattr(fn, "_dnp_op") or isinstance(fn, dnp.ufunc):
                yield f"{module.__name__}.{name}", fn, getattr(np_module, name, None)


def test_every_public_function_carries_numpys_signature():
    """IDEs, help() and the array API's signature tests read real parameters: NumPy's, plus the
    keyword-only ones dnp adds (the array API's descending=, dtype=)."""
    checked = 0
    for qualname, fn, theirs in _public_functions():
        try:
            expected = inspect.signature(theirs) if theirs is not None else None
        except (TypeError, ValueError):  # NumPy's has none
            expected = None
        got = inspect.signature(fn)
        if expected is None:
            continue
        checked += 1
        assert set(expected.parameters) <= set(got.parameters), qualname
    assert checked > 350  # the functions NumPy gives signatures (ufuncs among them)
    assert "descending" in inspect.signature(dnp.sort).parameters
    assert "dtype" in inspect.signature(dnp.fft.fftfreq).parameters
    assert list(inspect.signature(dnp.vecdot).parameters)[:2] == ["x1", "x2"]
