"""Two things the engine learns as a program runs: what each op costs (which decides what is
pushed), and which pending outputs nothing can see any more (whose memory a later op reuses)."""

import sys
import threading
import warnings

import numpy
import pytest

import dnp
from dnp import _ops
from dnp._engine import _cost, _host, _pool, _settings, _threaded, _vars
from tests.conformance import assert_same
from tests.engine.by_hand import Gate, opened_when_blocked, push_by_hand

# float64 elements: not light (so outputs may take memory only pending ops hold), and pooled
BIG = max(2 * _threaded.BULK_ELEMENTS, _pool.MIN_BYTES // 8)


def gated(x: dnp.ndarray) -> threading.Event:
    """Hold every op on ``x`` back until the returned gate opens: a task that writes ``x``
    (nothing) waits for it. Everything pushed meanwhile is pending when the next op is pushed."""
    gate = threading.Event()
    push_by_hand(gate.wait, "gate", [x])
    return gate


def owner_id(a: dnp.ndarray) -> int:
    return id(_vars.owner_of(a._buf))


# --- what ops cost ------------------------------------------------------------------------------
def test_observe_folds_timings_into_a_weight_relative_to_a_cheap_op(monkeypatch):
    monkeypatch.setattr(_cost, "WEIGHTS", {})
    monkeypatch.setattr(_cost, "_warming", {})
    op = _ops.OPS["sin"]
    per_element = _host.UNIT_NS * 1e-9
    for _ in range(_cost.WARMUP_RUNS):  # cold runs (first-touch page faults): left out
        _cost.observe(op, 1000, 1000 * per_element * 500)
        assert op not in _cost.WEIGHTS
    _cost.observe(op, 1000, 1000 * per_element * 8)
    assert _cost.WEIGHTS[op] == pytest.approx(8.0)
    _cost.observe(op, 1000, 1000 * per_element * 24)  # slower: an eighth of the way
    assert _cost.WEIGHTS[op] == pytest.approx(10.0)
    _cost.observe(op, 1000, 1000 * per_element * 4)  # faster: replaces the estimate
    assert _cost.WEIGHTS[op] == pytest.approx(4.0)
    _cost.observe(op, 1000, 1000 * per_element / 10)  # cheaper than the reference: weight 1
    assert _cost.WEIGHTS[op] == pytest.approx(1.0)


def test_an_expensive_op_is_pushed_where_a_cheap_one_runs_inline(monkeypatch, costs, pushed):
    """With sin weighed at 64 times an add and an inline limit of 16 times MEASURE_FROM, sin on
    MEASURE_FROM elements is pushed and the add is not; below MEASURE_FROM elements, weights
    are not consulted."""
    costs[_ops.OPS["sin"]] = 64.0
    monkeypatch.setattr(_settings.SETTINGS, "inline_limit", 16 * _cost.MEASURE_FROM)
    x = dnp.asarray(numpy.linspace(0.0, 1.0, _cost.MEASURE_FROM))
    s = dnp.sin(x)
    s.wait_to_read()  # x is free again (an op on memory pending ops use is always pushed)
    a = x + 1.0
    small = dnp.sin(x[: _cost.MEASURE_FROM // 2])
    assert pushed == ["sin"]
    numpy.testing.assert_array_equal(s.asnumpy(), numpy.sin(x.asnumpy()))
    numpy.testing.assert_array_equal(a.asnumpy(), x.asnumpy() + 1.0)
    numpy.testing.assert_array_equal(small.asnumpy(), numpy.sin(x.asnumpy()[: x.size // 2]))


def test_contractions_are_weighed_per_multiply_add(monkeypatch, costs):
    """A matmul's cost per element read grows with its inner dimension; per multiply-add (its
    work, ``Op.work``) it does not. Contractions are timed and weighed per multiply-add, and a
    weight below an add's counts: BLAS does a multiply-add in a fraction of an add's time, and
    a 128x128 product weighed as 2e6 adds was pushed where running it inline was faster."""
    matmul = _ops.OPS["matmul"]
    square = [numpy.ones((64, 64)), numpy.ones((64, 64))]
    size, madds = 2 * 64 * 64, 64**3
    assert _cost.work(matmul, size, square) == madds
    monkeypatch.setattr(_cost, "MEASURE_FROM", madds)
    monkeypatch.setattr(_settings.SETTINGS, "inline_limit", madds)
    assert _cost.heavy(matmul, size, square)  # not measured yet: weighs 1
    costs[matmul] = 0.25
    assert not _cost.heavy(matmul, size, square)
    observed = []
    monkeypatch.setattr(_cost, "observe", lambda *timing: observed.append(timing))
    _cost.timed(matmul, madds, numpy.matmul, *square)
    assert [(op, units) for op, units, _ in observed] == [(matmul, madds)]


def test_weights_below_an_add_count_for_contractions_only(monkeypatch):
    monkeypatch.setattr(_cost, "WEIGHTS", {})
    monkeypatch.setattr(_cost, "WARMUP_RUNS", 0)
    unit = _host.UNIT_NS * 1e-9
    matmul, add = _ops.OPS["matmul"], _ops.OPS["add"]
    _cost.observe(matmul, 1000, 1000 * unit / 4)
    _cost.observe(add, 1000, 1000 * unit / 4)
    assert _cost.WEIGHTS[matmul] == pytest.approx(0.25)
    assert _cost.WEIGHTS[add] == 1.0


class FakeClock:
    """A clock that advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("where", ["inline", "worker"])
def test_ops_are_timed_where_they_run(monkeypatch, where):
    """Inline, a call's cost is its wall-clock time; a worker times by its own CPU time: its
    kernel ends while the pushing thread holds the GIL, and the wait that follows is not the op's
    cost (by the wall clock, a sin of 1 ms measured the 0.2 s the pusher then ran). The clocks
    here are fake: the weight follows from them, not from how fast or busy the machine is."""
    monkeypatch.setattr(_cost, "WEIGHTS", {})
    monkeypatch.setattr(_cost, "_warming", {})
    size = 2 * _cost.MEASURE_FROM
    per_weight = size * _host.UNIT_NS * 1e-9  # seconds a call on size elements takes per unit
    monkeypatch.setattr(_cost, "perf_counter", FakeClock(40 * per_weight))  # wall clock
    monkeypatch.setattr(_cost, "thread_time", FakeClock(5 * per_weight))  # this thread's CPU time
    x = dnp.asarray(numpy.linspace(0.0, 1.0, size))
    limit = 0 if where == "worker" else sys.maxsize
    with dnp.engine.engine("threaded", inline_limit=limit):
        for _ in range(_cost.WARMUP_RUNS + 1):
            dnp.exp(x).wait_to_read()
        dnp.exp(x[: _cost.MEASURE_FROM - 1]).wait_to_read()  # a view (no work), a call too small
    assert list(_cost.WEIGHTS) == [_ops.OPS["exp"]]
    assert _cost.WEIGHTS[_ops.OPS["exp"]] == pytest.approx(5.0 if where == "worker" else 40.0)


def test_ready_ops_beyond_a_bound_make_the_pusher_wait():
    """Independent ops pushed faster than the workers run them wait for room once MAX_READY are
    ready or running: each holds an output, and more could not run sooner."""
    gate = Gate()
    a, b = dnp.zeros(4), dnp.zeros(4)
    x = dnp.asarray(numpy.arange(8.0))
    made, when_blocked = [], []
    with (
        dnp.engine.engine("threaded", num_workers=2, inline_limit=0),
        opened_when_blocked(gate, lambda: when_blocked.append(len(made))),
    ):
        push_by_hand(gate.wait, "gate", [a])  # both workers held: nothing else runs
        push_by_hand(gate.wait, "gate", [b])
        for i in range(3 * _threaded.MAX_READY):
            made.append(x + float(i))
    assert when_blocked == [_threaded.MAX_READY - 2]  # the gates count: they are ready or running
    assert len(made) == 3 * _threaded.MAX_READY
    for i, m in enumerate(made):
        numpy.testing.assert_array_equal(m.asnumpy(), numpy.arange(8.0) + i)


def test_pushed_ufuncs_take_their_outputs_as_numpy_allows(forced):
    """A pushed ufunc gets its outputs after its inputs (no dict kept per pending op), except
    where NumPy deprecates that (maximum, minimum): a warning there would fail the op here."""
    x = numpy.linspace(-1.0, 1.0, BIG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in the workers too: the filters are the process's
        for name in ("maximum", "minimum", "add", "divmod"):  # divmod: two outputs
            got = getattr(dnp, name)(dnp.asarray(x), 0.5)
            assert_same(getattr(numpy, name)(x, 0.5), got)


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_ops_that_fill_out_write_into_the_output_the_engine_made(forced, mode):
    """take (a row with ``fills_out``) writes into the output pushed with it, here memory that
    only pending ops hold: NumPy's values, and NumPy's error."""
    assert [op.name for op in _ops.OPS.values() if op.fills_out] == ["take"]
    table = numpy.arange(-3, 4, dtype=numpy.int64)
    index = numpy.arange(BIG, dtype=numpy.int64) % 9 - 1  # -1 .. 7: out of range at both ends
    x = dnp.asarray(index)
    gate = gated(x)
    got = dnp.take(dnp.asarray(table), (x + 1) - 1, mode=mode)  # x + 1: dead, reused
    gate.set()
    if mode == "raise":
        with pytest.raises(IndexError):
            got.asnumpy()
        return
    assert_same(numpy.take(table, index, mode=mode), got)


# --- memory that only pending ops hold ----------------------------------------------------------
def chain(xp, y, steps: int = 12):
    for i in range(steps):
        y = xp.sin(y) if i % 2 else y * 1.5 + 0.25
    return y


def test_a_pending_chain_cycles_through_a_few_blocks(forced):
    start = numpy.linspace(-1.0, 1.0, BIG)
    x = dnp.asarray(start)
    gate = gated(x)
    y = x
    owners = set()
    for i in range(12):
        y = dnp.sin(y) if i % 2 else y * 1.5 + 0.25
        owners.add(owner_id(y))
    gate.set()
    numpy.testing.assert_array_equal(y.asnumpy(), chain(numpy, start))
    # 18 outputs, without reuse each in its own block; an add's output cannot reuse what its
    # multiply read (y is still bound then), the others can.
    assert len(owners) == 7


@pytest.mark.parametrize("keep", ["array", "view", "second reader", "numpy view"])
def test_memory_anything_else_holds_is_not_reused(forced, keep):
    """An intermediate result that is still visible (an array, a view of it, another pending
    op that reads it, a NumPy view of a synced one) keeps its memory from later ops."""
    start = numpy.linspace(-1.0, 1.0, BIG)
    x = dnp.asarray(start)
    if keep == "numpy view":
        kept = dnp.sin(x)
        seen = numpy.asarray(kept)  # a sync: the NumPy array shares the buffer
        expected_seen = numpy.sin(start)
        gate = gated(kept)
        y = kept * 1.0
        del kept
    else:
        gate = gated(x)
        y = dnp.sin(x)
        if keep == "array":
            seen = y
        elif keep == "view":
            seen = y.reshape(2, -1)
        else:
            seen = y + 0.0  # pending, reads y
        expected_seen = numpy.sin(start).reshape(seen.shape)
    for _ in range(6):
        y = dnp.sin(y) * 0.5
    gate.set()
    numpy.testing.assert_array_equal(numpy.asarray(seen), expected_seen)
    assert numpy.all(numpy.isfinite(y.asnumpy()))


def test_programs_with_reused_memory_match_numpy(forced):
    """Random straight-line programs over a few large arrays (some kept, some dropped, some
    viewed, some failing), pushed behind a gate: NumPy's values and errors."""
    rng = numpy.random.default_rng(7)
    unary = [numpy.sin, numpy.cos, numpy.negative, numpy.abs, numpy.tanh]
    for _ in range(25):
        start = rng.standard_normal(BIG)
        x = dnp.asarray(start)
        gate = gated(x)
        env_np, env = [start], [x]
        fails = []
        for _step in range(int(rng.integers(4, 16))):
            i = int(rng.integers(len(env)))
            kind = int(rng.integers(5))
            if kind == 0:
                f = unary[int(rng.integers(len(unary)))]
                env_np.append(f(env_np[i]))
                env.append(getattr(dnp, f.__name__)(env[i]))
            elif kind == 1:
                j = int(rng.integers(len(env)))
                env_np.append(env_np[i] * env_np[j])
                env.append(env[i] * env[j])
            elif kind == 2:
                env_np.append(env_np[i][::-1] + 1.0)
                env.append(env[i][::-1] + 1.0)
            elif kind == 3 and len(env) > 2:  # drop one: its memory may be reused
                del env_np[i], env[i]
            else:
                with numpy.errstate(divide="raise"):
                    bad = env[i] / 0.0
                fails.append(bad)
        gate.set()
        for got, want in zip(env, env_np, strict=True):
            numpy.testing.assert_array_equal(got.asnumpy(), want)
        for bad in fails:
            with pytest.raises(FloatingPointError, match="divide"):
                bad.asnumpy()
    dnp.waitall()
