"""The threaded engine's contract: NumPy's results in program order, errors at sync points."""

import gc
import os
import pickle
import subprocess
import sys
import threading

import numpy
import pytest

import dnp
from dnp._engine import _cost, _pool, _settings, _threaded, _vars
from dnp._ops import OPS
from tests.engine.by_hand import Gate, filled_later, opened_when_blocked, push_by_hand
from tests.threads import gil_kept, run_threads

N = 300_000  # elements: outputs come from the pool


def ramp(n=N):
    return numpy.linspace(-1.0, 1.0, n)


# --- dependencies ------------------------------------------------------------------------------
# Each test holds its first op back behind a gate (filled_later): the later ops are pushed while
# it is pending, so one that ran before it would see its input's old values, whatever the timing.
def test_read_after_write_and_chains(forced):
    a = dnp.zeros(N)
    with opened_when_blocked(filled_later(a, ramp())):
        b = a * 2.0
        for _ in range(10):
            b = dnp.sin(b) + 0.5
    expected = ramp() * 2.0
    for _ in range(10):
        expected = numpy.sin(expected) + 0.5
    numpy.testing.assert_array_equal(b.asnumpy(), expected)


def test_write_after_read_waits_for_readers(forced):
    a, ones = dnp.asarray(ramp()), dnp.zeros(N)
    with opened_when_blocked(filled_later(ones, 1.0)):
        before = dnp.multiply(a, ones)  # reads a, once the gate opens
        a[...] = 0.0  # must not reach the multiply above
        a += 1.0
    numpy.testing.assert_array_equal(before.asnumpy(), ramp())
    numpy.testing.assert_array_equal(a.asnumpy(), numpy.ones(N))


@pytest.mark.parametrize("check_meta", [True, False])  # dispatch's general path and fast path
def test_reads_of_memory_pending_ops_only_read_run_at_once(pushed, monkeypatch, check_meta):
    """Pending reads do not stop another read: a small op reading such memory runs inline (an
    op pushed for it would make every later op on that memory wait for a worker, and be pushed
    too). What writes into that memory still waits for the pending readers."""
    monkeypatch.setattr(dnp._dispatch, "CHECK_META", check_meta)
    monkeypatch.setattr(_settings.SETTINGS, "inline_limit", sys.maxsize)  # nothing here is heavy
    a, b = dnp.asarray(ramp(1000)), dnp.asarray(numpy.ones(1000))
    gate = threading.Event()
    push_by_hand(gate.wait, "gate", [b], reads=(a,))  # a pending op reading a
    try:
        doubled = a * 2.0
        total = dnp.add(a, a)
        assert pushed == ["gate"]
        a[0] = 5.0  # a write: after the pending read
        assert pushed == ["gate", "ndarray.__setitem__"]
    finally:
        gate.set()
    numpy.testing.assert_array_equal(doubled.asnumpy(), ramp(1000) * 2.0)
    numpy.testing.assert_array_equal(total.asnumpy(), ramp(1000) + ramp(1000))
    assert a.asnumpy()[0] == 5.0


def test_write_after_write_in_program_order(forced):
    a = dnp.empty(N)
    src = dnp.zeros(N)
    with opened_when_blocked(filled_later(src, ramp())):
        dnp.add(src, 1.0, out=a)
        dnp.multiply(a, 3.0, out=a)
        a[::2] = -1.0
        numpy.subtract(a, 0.5, out=a)  # NumPy's function on dnp arrays dispatches to dnp
    expected = (ramp() + 1.0) * 3.0
    expected[::2] = -1.0
    numpy.testing.assert_array_equal(a.asnumpy(), expected - 0.5)


def test_views_share_their_base_dependency_state(forced):
    a = dnp.zeros(1000)
    with opened_when_blocked(filled_later(a, ramp(1000))):
        view = a.reshape(10, 100)[:, ::2]  # made at once, on the pending buffer
        view += 100.0  # a write through the view
        t = a.reshape(100, 10).T  # a view of the written base
        total = (t * 2.0).sum()
    expected = ramp(1000).copy()
    expected.reshape(10, 100)[:, ::2] += 100.0
    assert view.base is not None
    numpy.testing.assert_allclose(float(total), (expected * 2.0).sum(), rtol=1e-12)
    numpy.testing.assert_array_equal(a.asnumpy(), expected)


def test_advanced_indexing_of_a_pending_array_reads_its_values(forced):
    a, idx = dnp.zeros(100), dnp.asarray([5, 1, 99, 5])
    with opened_when_blocked(filled_later(a, ramp(100) + 1.0)):
        gathered = a[idx]
        masked = a[a > 1.5]  # its shape depends on the data: waits for it
    numpy.testing.assert_array_equal(gathered.asnumpy(), (ramp(100) + 1.0)[[5, 1, 99, 5]])
    numpy.testing.assert_array_equal(masked.asnumpy(), (ramp(100) + 1)[ramp(100) + 1 > 1.5])


def test_every_sync_point_sees_the_value(forced):
    readers = (
        lambda x: x.asnumpy()[()],
        lambda x: numpy.asarray(x)[()],
        lambda x: x.item(),
        lambda x: x.tolist(),
        lambda x: float(x),
        lambda x: int(x),
        lambda x: float(repr(x)[6:-1]),
        lambda x: float(str(x)),
        lambda x: numpy.from_dlpack(x)[()],
        lambda x: numpy.frombuffer(x.tobytes())[0],
        lambda x: pickle.loads(pickle.dumps(x)).item(),
        lambda x: 6.0 if x else 0.0,
    )
    for read in readers:
        x = dnp.zeros(())
        with opened_when_blocked(filled_later(x, 6.0)):  # 6.0 only once the sync waited
            assert read(x) == 6.0
    i = dnp.zeros((), dtype=numpy.int64)
    with opened_when_blocked(filled_later(i, 1)):
        assert [0.0, 6.0][i] == 6.0  # i.__index__
    x = x * 1.0
    x.wait_to_read()
    assert not _vars.pending(_vars.owner_of(x._buf))


def test_several_user_threads_each_see_their_own_program_order(forced):
    shared = dnp.asarray(ramp())
    results = {}

    def program(k):
        y = shared * float(k)
        for _ in range(20):
            y = y + 1.0
            y[0] = float(k)
        results[k] = y.asnumpy()

    run_threads(program, 6)
    assert len(results) == 6
    for k, got in results.items():
        expected = ramp() * float(k)
        for _ in range(20):
            expected = expected + 1.0
            expected[0] = float(k)
        numpy.testing.assert_array_equal(got, expected)


@pytest.fixture
def long_sin(monkeypatch, costs):
    """Elements on which sin is pushed and long enough to hand over, and cos is pushed but short
    (by the weights set here, not measured); the pusher waits as long as a busy machine may
    take to start a worker."""
    n = 2 * max(_cost.MEASURE_FROM, _threaded.BULK_ELEMENTS)  # weighed, and not light
    monkeypatch.setattr(_settings.SETTINGS, "inline_limit", n)
    monkeypatch.setattr(_threaded, "HAND_OVER_UNITS", 4 * n)
    monkeypatch.setattr(_threaded, "HAND_OVER_WAIT", 60.0)
    costs[OPS["sin"]] = 8.0  # 8n units
    costs[OPS["cos"]] = 1.0  # n units
    return n


def test_the_first_long_op_pushed_to_idle_workers_is_started_before_the_push_returns(
    monkeypatch, long_sin
):
    """A worker needs the GIL to start an op, and the pushing thread holds it while it runs
    Python (here for a second at a time): the first op of a burst, if long, is handed over (the
    pusher waits until a worker has started it), or it would start only at a sync point after
    the burst."""
    monkeypatch.setattr(_threaded, "_handed", None)
    x = ramp(long_sin)
    dnp.waitall()
    with gil_kept():
        y = dnp.sin(dnp.asarray(x))
        task, started = _threaded._handed
        assert task.op is OPS["sin"] and started.is_set()
    numpy.testing.assert_array_equal(y.asnumpy(), numpy.sin(x))


def test_only_the_first_long_op_pushed_to_idle_workers_is_handed_over(monkeypatch, long_sin):
    """Handing over costs the pusher a thread switch (about 0.1 ms): not worth it for a short op,
    nor once a worker is busy (a second one would compete with the pusher for the cores)."""
    handed = []
    hand_over = _threaded._hand_over

    def spy(task):
        handed.append(task.op.name)
        hand_over(task)

    monkeypatch.setattr(_threaded, "_hand_over", spy)
    x = dnp.asarray(ramp(long_sin))
    dnp.waitall()
    c = dnp.cos(x)  # pushed but short: not handed over
    dnp.waitall()
    y = dnp.sin(x)  # long, every worker idle: handed over
    gate = threading.Event()
    push_by_hand(gate.wait, "gate", [dnp.zeros(1)])  # in flight, however far y got
    w = dnp.sin(x)  # long, but not the only op in flight
    gate.set()
    assert handed == ["sin"]
    numpy.testing.assert_array_equal(c.asnumpy(), numpy.cos(ramp(long_sin)))
    for s in (y, w):
        numpy.testing.assert_array_equal(s.asnumpy(), numpy.sin(ramp(long_sin)))


# --- errors ------------------------------------------------------------------------------------
def failing(shape=(4,)):
    """A pushed division that raises when it runs (the caller's errstate travels with it):
    no metadata rule can see it coming."""
    with numpy.errstate(divide="raise"):
        return dnp.asarray(numpy.ones(shape)) / 0.0


def test_an_error_is_raised_at_the_sync_point_with_op_and_line(forced):
    with numpy.errstate(divide="raise"):
        bad = dnp.asarray(numpy.ones(4)) / 0.0
    line = sys._getframe().f_lineno - 1
    with pytest.raises(FloatingPointError) as err:
        bad.asnumpy()
    notes = "\n".join(getattr(err.value, "__notes__", [])) or str(err.value)
    assert "dnp.divide" in notes
    assert f"{__file__}:{line}" in notes
    with pytest.raises(FloatingPointError):  # the array stays failed
        bad.wait_to_read()
    dnp.waitall()  # already raised: not again


def _divide_by_zero_calls():
    """Ways into the engine (the dispatch fast path, keywords, the tape, a spread-out call),
    each with the line the error must name."""
    ones = dnp.asarray(numpy.ones(4))
    x = dnp.asarray(numpy.ones(4))
    x.attach_grad()
    line = sys._getframe().f_lineno
    yield "operator", ones / 0.0, line + 1
    yield "keywords", dnp.divide(ones, 0.0, dtype=numpy.float64), line + 2
    with dnp.autograd.record():
        yield "recorded", x / 0.0, line + 4
    spread = dnp.true_divide(  # the line where the call starts
        ones,
        0.0,
    )
    yield "spread", spread, line + 5


@pytest.mark.parametrize("check_meta", [False, True], ids=["fast path", "checked"])
def test_the_error_names_the_line_of_the_call_on_every_path(forced, monkeypatch, check_meta):
    monkeypatch.setattr(dnp._dispatch, "CHECK_META", check_meta)  # the suite's check: slow path
    with numpy.errstate(divide="raise"):
        calls = list(_divide_by_zero_calls())
    for how, bad, line in calls:
        with pytest.raises(FloatingPointError) as err:
            bad.asnumpy()
        notes = "\n".join(getattr(err.value, "__notes__", [])) or str(err.value)
        assert f"{__file__}:{line}" in notes, how


def test_ops_reading_a_failed_array_inherit_its_error(forced):
    worse = (failing() + 1.0).sum()
    with pytest.raises(FloatingPointError, match="divide by zero"):
        float(worse)
    dnp.waitall()


def test_arrays_in_a_list_argument_are_waited_for_on_the_fast_path(forced, monkeypatch):
    """``concatenate([x, y])`` through dispatch's fast path reads ``x`` after its pending
    writer (here a task that fills it once a gate opens), and an in-place write waits for it."""
    monkeypatch.setattr(dnp._dispatch, "CHECK_META", False)  # the suite's check: slow path
    x = dnp.asarray(numpy.zeros(4))
    y = dnp.asarray(numpy.ones(4))
    with opened_when_blocked(filled_later(x, 5.0)):
        joined = dnp.concatenate([x, y])
        stacked = dnp.stack([y, x])
        y += 1.0  # must not run before both have read y
    numpy.testing.assert_array_equal(joined.asnumpy(), [5.0] * 4 + [1.0] * 4)
    numpy.testing.assert_array_equal(stacked.asnumpy(), [[1.0] * 4, [5.0] * 4])
    numpy.testing.assert_array_equal(y.asnumpy(), [2.0] * 4)


def test_a_bulk_fails_what_its_failed_op_touches_and_nothing_more(forced):
    """Light ops behind a waiting light task join it (a bulk); an error inside it is each op's
    own, as on the naive engine."""
    gate = Gate()
    a = dnp.asarray(numpy.ones(4))
    with opened_when_blocked(gate), numpy.errstate(divide="raise"):
        push_by_hand(gate.wait, "gate", [a], light=True)  # runs, waits
        b = a * 2.0  # waits for the gate: the head of a bulk
        bad = b / 0.0
        good = b + 1.0
        worse = bad + 1.0
        also_good = good * 3.0
        head = _vars.VARS[id(_vars.owner_of(b._buf))].writer
        for x in (bad, good, worse, also_good):  # each joined the head, not a task of its own
            assert _vars.VARS[id(_vars.owner_of(x._buf))].writer is head
        assert len(head.bulk) == 4
    numpy.testing.assert_array_equal(good.asnumpy(), numpy.full(4, 3.0))
    numpy.testing.assert_array_equal(also_good.asnumpy(), numpy.full(4, 9.0))
    numpy.testing.assert_array_equal(b.asnumpy(), numpy.full(4, 2.0))
    for failed in (bad, worse):
        with pytest.raises(FloatingPointError) as err:
            failed.asnumpy()
        assert "dnp.divide" in "\n".join(getattr(err.value, "__notes__", [])) + str(err.value)
    dnp.waitall()


def test_waitall_raises_an_error_nothing_synced(forced):
    failing()  # the result is dropped at once
    with pytest.raises(FloatingPointError):
        dnp.waitall()
    dnp.waitall()  # reported once


def test_errors_nothing_synced_are_reported_at_exit():
    code = (
        "import dnp, numpy\n"
        "dnp.engine.set_engine(inline_limit=0)\n"
        "with numpy.errstate(divide='raise'):\n"
        "    dnp.ones(3) / 0.0\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "RuntimeWarning: dnp: an error no sync point raised: FloatingPointError" in run.stderr
    assert "dnp.divide, called at <string>:4" in run.stderr


def test_bad_input_still_raises_at_the_call(forced):
    a = dnp.asarray(ramp()) * 1.0
    with pytest.raises(ValueError):
        a + dnp.ones(3)  # the metadata rule sees it: NumPy's error, now
    with pytest.raises(ValueError, match="read-only"):
        dnp.broadcast_to(a, (2, N))[0, 0] = 1.0
    numpy.testing.assert_array_equal(a.asnumpy(), ramp())


def test_keyboard_interrupt_during_a_wait_leaves_the_engine_usable():
    """Ctrl-C in a wait for a pending op lands in the engine's timed wait on its condition
    (Python runs signal handlers between its rounds): its bookkeeping stays whole, the op still
    runs, and the engine goes on."""
    changed = _threaded._changed

    class Interrupted:  # the condition, as Ctrl-C during its wait leaves it
        def notify_all(self):
            changed.notify_all()

        def wait(self, timeout):
            changed.wait(timeout)
            raise KeyboardInterrupt

    a = dnp.zeros(N)
    gate = filled_later(a, ramp())
    _threaded._changed = Interrupted()
    try:
        with pytest.raises(KeyboardInterrupt):
            a.wait_to_read()  # the gate is closed: only the interrupt ends this wait
    finally:
        _threaded._changed = changed
        gate.set()
    assert not _threaded._watched
    numpy.testing.assert_array_equal(a.asnumpy(), ramp())
    assert float((dnp.asarray(ramp()) * 2.0).sum()) == pytest.approx(0.0, abs=1e-9)


# --- settings ----------------------------------------------------------------------------------
def test_engines_give_identical_results():
    def program():
        a = dnp.asarray(ramp())
        b = dnp.exp(a) * 3.0
        b[10:20] = a[:10]
        c = (b @ b) + dnp.tanh(a).sum()
        return numpy.concatenate([b.asnumpy(), [float(c)]])

    with dnp.engine.engine("naive"):
        naive = program()
    with dnp.engine.engine("threaded", num_workers=3, inline_limit=0):
        threaded = program()
    numpy.testing.assert_array_equal(naive, threaded)


def test_settings_from_the_environment_and_in_code():
    code = "import dnp; print(dnp.engine.get_engine())"
    env = {**os.environ, "DNP_ENGINE": "naive", "DNP_NUM_WORKERS": "3"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "'kind': 'naive'" in out.stdout and "'num_workers': 3" in out.stdout
    env["DNP_ENGINE"] = "eager"
    bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "DNP_ENGINE='eager'" in bad.stderr
    with pytest.raises(ValueError):
        dnp.engine.set_engine("eager")
    before = dnp.engine.get_engine()
    with dnp.engine.engine("naive", num_workers=1):
        assert dnp.engine.get_engine()["kind"] == "naive"
    assert dnp.engine.get_engine() == before


def test_random_streams_do_not_depend_on_the_engine_or_workers():
    def draws():
        rng = dnp.random.default_rng(42)
        noise = []
        busy = dnp.asarray(ramp())
        for _ in range(5):
            busy = dnp.sin(busy) * 1.5  # other work pushed in between
            noise.append(rng.normal(size=1000).asnumpy())
            noise.append(rng.integers(0, 100, size=10).asnumpy())
        return numpy.concatenate(noise)

    with dnp.engine.engine("naive"):
        reference = draws()
    for workers in (1, 2, 4):
        with dnp.engine.engine("threaded", num_workers=workers, inline_limit=0):
            numpy.testing.assert_array_equal(draws(), reference)


def test_a_failed_array_is_freed_with_its_error(forced):
    bad = failing()
    with pytest.raises(FloatingPointError):
        bad.asnumpy()
    key = id(_vars.owner_of(bad._buf))
    assert key in _vars.VARS  # the error stays with the array...
    del bad
    gc.collect()
    assert key not in _vars.VARS  # ...and goes with it


def test_recycled_output_memory_starts_clean(forced):
    """Large outputs come from a pool of blocks; a block reused after an array that failed
    carries neither its values nor its error."""
    side = 400  # 1.28 MB of float64: pooled
    bad = failing((side, side))
    failed_block = id(_vars.owner_of(bad._buf))
    with pytest.raises(FloatingPointError):
        bad.wait_to_read()
    del bad
    gc.collect()
    # All free now, the failed one among them (ids only: a reference would keep one in use).
    blocks = {id(b) for b in _pool._blocks[side * side * 8]}
    assert failed_block in blocks
    source = dnp.asarray(numpy.full((side, side), 3.0))
    fresh = [source * 2.0 for _ in blocks]
    assert {id(_vars.owner_of(f._buf)) for f in fresh} == blocks  # all recycled
    for f in fresh:
        numpy.testing.assert_array_equal(f.asnumpy(), numpy.full((side, side), 6.0))


def test_contractions_are_pushed_by_their_multiply_adds(monkeypatch, costs):
    from dnp._meta import contraction_work

    a, b, v = numpy.ones((64, 32)), numpy.ones((32, 16)), numpy.ones(32)
    assert contraction_work([a, b]) == 64 * 32 * 16
    assert contraction_work([a, v]) == 64 * 32
    assert contraction_work(["ij,jk->ik", a, b]) == 64 * 32 * 16
    assert contraction_work([v]) == 32
    for name in ("matmul", "dot", "inner", "tensordot", "einsum", "matvec", "vecmat"):
        assert OPS[name].work is contraction_work, name
    assert OPS["add"].work is None
    # With the inline limit between what 128x128 matmuls read and their multiply-adds, the
    # product is pushed (or run at once where BLAS is multithreaded), an add on as many elements
    # is not, and the product gives NumPy's values.
    rng = numpy.random.default_rng(0)
    x, w = rng.standard_normal((128, 128)), rng.standard_normal((128, 128))
    monkeypatch.setattr(_settings.SETTINGS, "inline_limit", contraction_work([x, w]))
    assert _cost.heavy(OPS["matmul"], x.size + w.size, [x, w])
    assert not _cost.heavy(OPS["add"], x.size + w.size, [x, w])
    dx, dw = dnp.asarray(x), dnp.asarray(w)
    numpy.testing.assert_array_equal(dnp.matmul(dx, dw).asnumpy(), x @ w)
