"""Two things the engine learns as a program runs: what each op costs (which decides what is
pushed), and which pending outputs nothing can see any more (whose memory a later op reuses)."""

import threading
import time
import warnings

import numpy
import pytest

import dnp
from dnp import _ops
from dnp._engine import _core
from tests.conformance import assert_same
from tests.engine.by_hand import push_by_hand
from tests.threads import gil_kept, run_python

BIG = 1 << 15  # float64 elements: above the pool's smallest block, so outputs may be reused


def gated(x: dnp.ndarray) -> threading.Event:
    """Hold every op on ``x`` back until the returned gate opens: a task that writes ``x``
    (nothing) waits for it. Everything pushed meanwhile is pending when the next op is pushed."""
    gate = threading.Event()
    push_by_hand(gate.wait, "gate", [x])
    return gate


def owner_id(a: dnp.ndarray) -> int:
    return id(_core.owner_of(a._buf))


# --- what ops cost ------------------------------------------------------------------------------
def test_observe_folds_timings_into_a_weight_relative_to_a_cheap_op(monkeypatch):
    monkeypatch.setattr(_core, "WEIGHTS", {})
    monkeypatch.setattr(_core, "_warming", {})
    op = _ops.OPS["sin"]
    per_element = _core.REFERENCE_NS * 1e-9
    for _ in range(_core.WARMUP_RUNS):  # cold runs (first-touch page faults): left out
        _core.observe(op, 1000, 1000 * per_element * 500)
        assert op not in _core.WEIGHTS
    _core.observe(op, 1000, 1000 * per_element * 8)
    assert _core.WEIGHTS[op] == pytest.approx(8.0)
    _core.observe(op, 1000, 1000 * per_element * 24)  # slower: an eighth of the way
    assert _core.WEIGHTS[op] == pytest.approx(10.0)
    _core.observe(op, 1000, 1000 * per_element * 4)  # faster: replaces the estimate
    assert _core.WEIGHTS[op] == pytest.approx(4.0)
    _core.observe(op, 1000, 1000 * per_element / 10)  # cheaper than the reference: weight 1
    assert _core.WEIGHTS[op] == pytest.approx(1.0)


def test_an_expensive_op_is_pushed_where_a_cheap_one_runs_inline(monkeypatch, pushed):
    """With sin measured at 64 times an add, sin on MEASURE_FROM elements is pushed and the add
    is not; below MEASURE_FROM elements, weights are not consulted."""
    monkeypatch.setattr(_core, "WEIGHTS", {_ops.OPS["sin"]: 64.0})
    x = dnp.asarray(numpy.linspace(0.0, 1.0, _core.MEASURE_FROM))
    assert _core.MEASURE_FROM * 64 >= _core.SETTINGS.inline_limit > _core.MEASURE_FROM
    s = dnp.sin(x)
    s.wait_to_read()  # x is free again (an op on memory pending ops use is always pushed)
    a = x + 1.0
    small = dnp.sin(x[: _core.MEASURE_FROM // 2])
    assert pushed == ["sin"]
    numpy.testing.assert_array_equal(s.asnumpy(), numpy.sin(x.asnumpy()))
    numpy.testing.assert_array_equal(a.asnumpy(), x.asnumpy() + 1.0)
    numpy.testing.assert_array_equal(small.asnumpy(), numpy.sin(x.asnumpy()[: x.size // 2]))


def test_contractions_are_judged_by_their_work_not_by_a_weight(monkeypatch):
    """A matmul's cost per element read grows with its inner dimension: a weight measured on
    large square products says nothing of a thin one. Rows with their own estimate (Op.work)
    are neither weighed nor timed."""
    matmul = _ops.OPS["matmul"]
    monkeypatch.setattr(_core, "WEIGHTS", {matmul: 1e6})
    thin = [numpy.ones((_core.MEASURE_FROM, 2)), numpy.ones((2, 1))]
    assert matmul.work(thin) < _core.SETTINGS.inline_limit
    assert not _core.heavy(matmul, thin[0].size + thin[1].size, thin)
    monkeypatch.setattr(_core, "WEIGHTS", {})
    _core.timed(matmul, _core.MEASURE_FROM * 4, numpy.matmul, *thin)
    assert _core.WEIGHTS == {}


@pytest.mark.parametrize("where", ["inline", "worker"])
def test_ops_are_timed_where_they_run(monkeypatch, where):
    monkeypatch.setattr(_core, "WEIGHTS", {})
    monkeypatch.setattr(_core, "_warming", {})
    x = dnp.asarray(numpy.linspace(0.0, 1.0, 2 * _core.MEASURE_FROM))
    limit = 0 if where == "worker" else _core.SETTINGS.inline_limit
    with dnp.engine.engine("threaded", inline_limit=limit):
        for _ in range(_core.WARMUP_RUNS + 1):
            dnp.exp(x).wait_to_read()
        dnp.exp(x[:10]).wait_to_read()  # a view (no work) and a call too small to tell: untimed
    assert list(_core.WEIGHTS) == [_ops.OPS["exp"]]
    assert _core.WEIGHTS[_ops.OPS["exp"]] >= 1.0


def test_a_worker_times_the_kernel_not_its_wait_for_the_gil(monkeypatch):
    """A worker's kernel ends while the pushing thread holds the GIL; the wait that follows is
    not the op's cost (by the wall clock, a sin of 1 ms measured the 0.2 s the pusher ran)."""
    sin = _ops.OPS["sin"]
    monkeypatch.setitem(_core.WEIGHTS, sin, 64.0)  # long enough to be handed over at once
    x = dnp.asarray(numpy.linspace(0.0, 1.0, 1 << 20))
    dnp.waitall()
    with gil_kept():
        y = dnp.sin(x)
        run_python(0.2)
    y.wait_to_read()
    # By the wall clock: 0.2 s over 2**20 elements, a weight near 400 000, folded in by an eighth.
    assert _core.WEIGHTS[sin] <= 64.0


def test_ready_ops_beyond_a_bound_make_the_pusher_wait(forced):
    """Independent ops pushed faster than the workers run them wait for room once MAX_READY are
    ready or running: each holds an output, and more could not run sooner."""
    gate = threading.Event()
    a, b = dnp.zeros(4), dnp.zeros(4)
    push_by_hand(gate.wait, "gate", [a])  # both workers held
    push_by_hand(gate.wait, "gate", [b])
    x = dnp.asarray(numpy.arange(8.0))
    made = []

    def push_many():
        for i in range(3 * _core.MAX_READY):
            made.append(x + float(i))

    pusher = threading.Thread(target=push_many)
    pusher.start()
    try:
        deadline = time.monotonic() + 10
        while len(made) < _core.MAX_READY - 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        before_room = len(made)  # (asserted once the gates open: a failure shows the arrays)
    finally:
        gate.set()
        pusher.join(10)
    assert before_room == _core.MAX_READY - 2  # the gates count: two are running
    assert len(made) == 3 * _core.MAX_READY
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
