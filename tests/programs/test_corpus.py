"""The corpus of whole NumPy programs (``corpus.py``), each run with NumPy and with dnp: the same
printed output, and the same values (to rounding)."""

import contextlib
import io

import numpy
import pytest

import dnp
from tests.programs.corpus import PROGRAMS


def run(program, np):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        values = program(np)
    return out.getvalue(), values


def host(x):
    return x.asnumpy() if isinstance(x, dnp.ndarray) else numpy.asarray(x)


ENGINES = {
    "threaded": contextlib.nullcontext,
    "every-op-pushed": lambda: dnp.engine.engine("threaded", inline_limit=0),
    "naive": lambda: dnp.engine.engine("naive"),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_a_numpy_program_runs_unchanged(program, engine):
    text, expected = run(program, numpy)
    with ENGINES[engine]():
        got_text, got = run(program, dnp)
    assert got_text == text
    for e, g in zip(
        expected if isinstance(expected, tuple) else (expected,),
        got if isinstance(got, tuple) else (got,),
        strict=True,
    ):
        e, g = numpy.asarray(e), host(g)
        assert g.dtype == e.dtype and g.shape == e.shape
        if e.dtype.kind in "fc":
            numpy.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)
        else:
            numpy.testing.assert_array_equal(g, e)
