"""The GPU side of the executor (``dnp/_engine/_gpu.py``) on the simulated device of
``tests/simulated_gpu.py``, so that its ordering is checked on every machine: a kernel on one
stream that touches memory written (or, for a write, read) on another without an ordering
raises ``Race``. (Values are exact here, as the simulated kernels run at once.)

The real CuPy path runs in the GPU lane (``-m gpu``) where a GPU is present.
"""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp
from dnp import _dispatch
from dnp._engine import _gpu
from dnp._engine._vars import owner_of
from dnp._ndarray import _new
from tests.engine.test_differential import run, steps
from tests.simulated_gpu import Race, SimulatedCuda, simulated_gpu
from tests.test_jit import mlp_inputs, mlp_loss


@pytest.fixture
def device():
    with simulated_gpu(default=False) as (dev, sim):
        yield dev, sim


def on(dev, values) -> dnp.ndarray:
    return _new(dev.xp.array(values, dtype=float), dev)


def program(xp, a, b, c):
    """Independent chains, joins, in-place writes, out=, reads of pending data."""
    x = xp.sin(a) * 2.0
    y = xp.exp(b) - 1.0
    z = xp.tanh(c)
    x += y  # write after read: y's chain and x's chain meet
    w = xp.multiply(z, 3.0)
    xp.add(z, x, out=w)  # out= into a buffer read before
    s = xp.stack([x, y, z, w]).sum(axis=0)
    return s @ s, x, w


def test_independent_ops_use_several_streams_in_order(device):
    dev, sim = device
    rng = numpy.random.default_rng(0)
    hosts = [rng.standard_normal(64) for _ in range(3)]
    got = program(dnp, *(on(dev, h) for h in hosts))
    want = program(numpy, *(h.copy() for h in hosts))
    for g, w in zip(got, want, strict=True):
        numpy.testing.assert_array_equal(dev.asnumpy(g._buf), w)
    assert len({s.name for s in sim.streams if s.time}) > 1, "everything ran on one stream"
    dnp.waitall()
    assert not _gpu.streams_of(dev).uses  # every op completed, nothing kept


def test_the_checker_catches_a_missing_wait(device, monkeypatch):
    dev, sim = device
    monkeypatch.setattr(_gpu.DeviceStreams, "_wait", staticmethod(lambda *a: None))
    a, b = on(dev, [1.0, 2.0]), on(dev, [3.0, 4.0])
    with pytest.raises(Race):
        x = dnp.sin(a)  # stream 0
        y = dnp.cos(b)  # stream 1
        x += y  # x's stream reads y, written on stream 1: needs y's event


def test_the_checker_forgets_freed_memory():
    """A freed array's records go with it, so an array given its id later has no history."""
    sim = SimulatedCuda()
    a = numpy.ones(3)
    with sim.Stream():
        sim.kernel("write", [], [a])
    key = id(a)
    assert key in sim.last_write
    del a
    assert key not in sim.last_write and key not in sim.reads


def test_long_programs_keep_bounded_records(device, monkeypatch):
    dev, sim = device
    monkeypatch.setattr(_gpu, "KEPT_LIMIT", 16)
    x = on(dev, numpy.ones(8))
    for _ in range(200):
        x = x * 1.5 - 0.5
    state = _gpu.streams_of(dev)
    assert len(state.kept) <= 17
    numpy.testing.assert_array_equal(dev.asnumpy(x._buf), numpy.ones(8))


def test_the_naive_engine_runs_gpu_ops_on_the_current_stream(device):
    dev, sim = device
    with dnp.engine.engine("naive"):
        x = dnp.sin(on(dev, [0.5, 1.0]))
    numpy.testing.assert_array_equal(dev.asnumpy(x._buf), numpy.sin([0.5, 1.0]))
    assert not sim.streams  # no stream was made
    assert _dispatch.GPU is _gpu.push


@settings(max_examples=150)
@given(program=st.lists(steps, min_size=1, max_size=30), seed=st.integers(0, 2**16))
def test_random_programs_on_the_simulated_device_are_ordered_and_exact(program, seed):
    want, want_outcomes = run(numpy, program, seed)
    with simulated_gpu():
        got, outcomes = run(dnp, program, seed)  # a misordered kernel raises Race
    assert outcomes == want_outcomes
    for g, w in zip(got, want, strict=True):
        if isinstance(w, str):  # its computation raised
            assert g == w
            continue
        assert g.dtype == w.dtype
        numpy.testing.assert_array_equal(g, w)


def test_a_jitted_gradient_on_the_simulated_device_is_ordered_and_exact(device):
    dev, sim = device
    eager = dnp.autograd.value_and_grad(mlp_loss, (0, 1, 2, 3))
    jitted = dnp.jit(dnp.autograd.value_and_grad(mlp_loss, (0, 1, 2, 3)))
    for _ in range(3):  # the trace, then replays: one kernel of the engine on a stream
        args = mlp_inputs()
        before = sim.kernels
        value, grads = jitted(*(on(dev, a.asnumpy()) for a in args))
        assert sim.kernels > before  # the replay ran its kernels on the device
        want_value, want_grads = eager(*args)
        assert value.device == dev
        numpy.testing.assert_array_equal(dev.asnumpy(value._buf), want_value.asnumpy())
        for g, w in zip(grads, want_grads, strict=True):
            numpy.testing.assert_array_equal(dev.asnumpy(g._buf), w.asnumpy())
    assert jitted.traces == 1 and jitted.eager_reasons == []


def test_a_trace_making_arrays_on_another_device_runs_eagerly(device):
    dev, sim = device
    jitted = dnp.jit(lambda x: (x * 2.0, dnp.ones(3, device=dev)))
    for _ in range(2):
        doubled, ones = jitted(dnp.ones(3))
        assert doubled.device == dnp.ones(1).device and ones.device == dev
    (why,) = jitted.eager_reasons
    assert "another device" in why


def test_a_sync_point_waits_for_the_event_of_the_last_writer(device):
    dev, sim = device
    x = dnp.sin(on(dev, [0.5, 1.0]))
    writer = _gpu.streams_of(dev).uses[id(owner_of(x._buf))].writer
    assert not writer[1].done
    numpy.testing.assert_array_equal(x.asnumpy(), numpy.sin([0.5, 1.0]))
    assert writer[1].done  # the host waited for it, not only for the legacy stream


@pytest.mark.gpu
def test_the_stream_pool_on_a_real_gpu():
    rng = numpy.random.default_rng(1)
    hosts = [rng.standard_normal(4096) for _ in range(3)]
    state = _gpu.streams_of(dnp.get_device("gpu"))
    picked, pick = [], state._pick
    state._pick = lambda reads: picked.append(s := pick(reads)) or s
    try:
        got = program(dnp, *(dnp.asarray(h, device="gpu") for h in hosts))
    finally:
        del state._pick
    want = program(numpy, *(h.copy() for h in hosts))
    assert len({id(s) for s in picked}) > 1, "independent ops all ran on one stream"
    for g, w in zip(got, want, strict=True):  # CUDA's sin/exp/tanh may differ in the last bit
        numpy.testing.assert_allclose(g.asnumpy(), w, rtol=1e-12)
    dnp.waitall()
    assert not state.uses
