"""Random straight-line programs: the threaded engine, the naive engine and NumPy agree bit for bit.

Hypothesis writes programs over a pool of arrays: elementwise ops, reductions, matmul, views
(transposes, reshapes, slices), slice reads and writes, in-place operators, ``out=``, and ops that
raise (at the call, from the shapes; or later, from the data: a division by zero under
``errstate(divide='raise')``). Each program runs with NumPy, with
dnp on the naive engine and with dnp on the threaded engine with every op pushed to the workers.
Every array's final values, and every step's exception type, must be the same in all three runs.
"""

import contextlib

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp

SHAPE = (6, 8)
STEPS = [
    "unary",
    "binary",
    "scalar",
    "reduce",
    "matmul",
    "transpose",
    "reshape",
    "slice",
    "setitem",
    "iadd",
    "out",
    "bad_shapes",
    "bad_data",
    "use_failed",
]
UNARY = ["exp", "sin", "tanh", "negative", "absolute", "square", "sqrt", "log1p"]
BINARY = ["add", "subtract", "multiply", "maximum", "hypot"]
REDUCE = ["sum", "mean", "max", "prod"]


ERRORS = (ValueError, FloatingPointError)


class Failed:
    """A value whose computation raised (the exception type), as every run sees it."""

    def __init__(self, kind):
        self.kind = kind


def run(xp, program, seed):
    """Run ``program`` with array module ``xp``; the final values and each step's outcome."""
    with numpy.errstate(all="ignore"):  # the workers run in the caller's context: theirs too
        return _run(xp, program, seed)


def _run(xp, program, seed):
    rng = numpy.random.default_rng(seed)
    pool = [xp.asarray(rng.uniform(-2, 2, SHAPE)) for _ in range(3)]
    tainted = [False] * 3  # made by a step that raised (or, on the threaded engine, will)
    outcomes = []

    def pick(i, *, shape=None):
        items = [p for p, bad in zip(pool, tainted, strict=True) if not bad]
        if shape is not None:
            items = [p for p in items if p.shape == shape]
        return items[i % len(items)] if items else None

    for kind, i, j, k in program:
        new, bad = None, kind in ("bad_shapes", "bad_data", "use_failed")
        try:
            a = pick(i)
            if kind == "unary":
                new = getattr(xp, UNARY[k % len(UNARY)])(a)
            elif kind == "binary":
                b = pick(j, shape=a.shape) if k % 2 else pick(j, shape=a.shape[-1:])
                b = a if b is None else b
                new = getattr(xp, BINARY[k % len(BINARY)])(a, b)
            elif kind == "scalar":
                new = a * (1.0 + k / 7) - 0.25
            elif kind == "reduce":
                axis = k % (a.ndim + 1) - 1  # -1: all axes
                reduce = getattr(xp, REDUCE[j % len(REDUCE)])
                new = xp.asarray(reduce(a, axis=None if axis < 0 else axis))
            elif kind == "matmul":
                new = a @ a.T if a.ndim == 2 else a * 1.0
            elif kind == "transpose":
                new = a.T
            elif kind == "reshape":
                new = a.reshape(-1) if a.ndim != 1 else a.reshape(2, -1) if a.size % 2 == 0 else a
            elif kind == "slice":
                if a.ndim == 2:
                    new = a[1 : 1 + k % 3, :: 1 + j % 2]
                else:
                    new = a[1:] if a.ndim == 1 else a[...]
            elif kind == "setitem":
                if a.ndim >= 1 and a.shape[0] > 1:
                    a[k % a.shape[0]] = float(j % 5)
                    a[::2] = a[::2] * 0.5
                new = None
            elif kind == "iadd":
                b = pick(j, shape=a.shape)
                if b is not None and b is not a:
                    a += b
                else:
                    a *= 0.5
                new = None
            elif kind == "out":
                b = pick(j, shape=a.shape)
                if b is not None:
                    xp.multiply(a, 0.75, out=b)
                new = None
            elif kind == "bad_shapes":  # raises at the call, on every engine
                new = a + xp.ones(a.shape[-1:] + (3,))
            elif kind == "bad_data":  # fails only when it runs: the caller's errstate says raise
                with numpy.errstate(divide="raise"):
                    new = a / 0.0
            else:  # use_failed: an op reading a failed value inherits its error
                failed = [p for p, t in zip(pool, tainted, strict=True) if t]
                source = failed[j % len(failed)] if failed else a
                if isinstance(source, Failed):
                    raise source.kind("inherited")
                new = source + 1.0
            outcomes.append("ok")
        except ERRORS as exc:
            outcomes.append(type(exc).__name__)
            new, bad = Failed(type(exc)), True
        if isinstance(new, numpy.generic):  # NumPy's scalar results are dnp's 0-d arrays
            new = numpy.asarray(new)
        if new is not None:
            pool.append(new)
            tainted.append(bad)
    return [_settle(p) for p in pool], outcomes


def _settle(value):
    """The value, or the type of the error its computation raised (here, at a sync point)."""
    if isinstance(value, Failed):
        return value.kind.__name__
    try:
        return numpy.asarray(value.asnumpy() if isinstance(value, dnp.ndarray) else value)
    except ERRORS as exc:
        return type(exc).__name__


def _threaded_run(program, seed, fast_path: bool):
    """The threaded run: an error surfaces at the step (at the call) or at the sync of the
    value it made; a value inheriting one fails as ``use_failed`` does with NumPy.
    ``fast_path``: with the suite's metadata check off, calls take dispatch's fast path."""
    checked = dnp._dispatch.CHECK_META
    dnp._dispatch.CHECK_META = checked and not fast_path
    try:
        with dnp.engine.engine("threaded", num_workers=2, inline_limit=0):
            values, outcomes = run(dnp, program, seed)
            with contextlib.suppress(*ERRORS):
                dnp.waitall()  # failed values nothing read: reported here, compared by value
    finally:
        dnp._dispatch.CHECK_META = checked
    return values, outcomes


steps = st.tuples(
    st.sampled_from(STEPS), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50)
)


@settings(max_examples=400)  # cheap: many programs in every CI run
@given(program=st.lists(steps, min_size=1, max_size=30), seed=st.integers(0, 2**16))
def test_threaded_equals_naive_equals_numpy(program, seed):
    np_values, np_outcomes = run(numpy, program, seed)
    with dnp.engine.engine("naive"):
        naive_values, naive_outcomes = run(dnp, program, seed)
    assert naive_outcomes == np_outcomes
    # On the threaded engine, errors from the data surface later; all others at the step.
    at_call = [o if o != "FloatingPointError" else "ok" for o in np_outcomes]
    for fast_path in (False, True):
        threaded_values, threaded_outcomes = _threaded_run(program, seed, fast_path)
        for ref, naive, threaded in zip(np_values, naive_values, threaded_values, strict=True):
            if isinstance(ref, str):  # its computation raised
                assert naive == ref and threaded == ref
                continue
            assert naive.dtype == ref.dtype and threaded.dtype == ref.dtype
            numpy.testing.assert_array_equal(naive, ref)
            numpy.testing.assert_array_equal(threaded, ref)
        assert [o if o != "FloatingPointError" else "ok" for o in threaded_outcomes] == at_call
