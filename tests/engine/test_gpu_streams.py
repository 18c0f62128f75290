"""The GPU side of the executor (``dnp/_engine/_gpu.py``) on a simulated device, so that its
ordering is checked on every machine: a device whose array module is NumPy, with the parts of
``cupy.cuda`` the engine uses (streams, events, device contexts) simulated by vector clocks.

Every kernel the device runs is logged with the stream it ran on and the memory it read and
wrote (seen by the simulated device itself, from the arrays the kernel was called with and
returned, not from the engine's bookkeeping). A kernel that touches memory last written, or
(for a write) read, on another stream must be ordered after that work: through an event its
stream waited for, a host synchronization, or the legacy default stream, which waits for all
blocking streams and which they wait for. Anything else is a race on a real GPU, and the checker
fails the test. (Values are exact here, as the simulated kernels run at once.)

The real CuPy path runs in the GPU lane (``-m gpu``) where a GPU is present.
"""

import contextlib
import types

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp
from dnp import _dispatch
from dnp._backend import Device
from dnp._engine import _gpu
from dnp._engine._vars import owner_of
from dnp._ndarray import _new
from tests.engine.test_differential import run, steps
from tests.test_jit import mlp_inputs, mlp_loss


class Race(AssertionError):
    pass


class Clock:
    """What one stream (or the legacy default stream) has seen: a position per stream."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.time = 0
        self.knows: dict[str, int] = {}


class SimulatedCuda:
    """``cupy.cuda`` as far as the engine uses it, with a happens-before log."""

    def __init__(self) -> None:
        self.legacy = Clock("legacy")
        self.host = {}  # what the host has waited for (events synchronized)
        self.streams: list[Clock] = []
        self.current: Clock = self.legacy
        self.last_write: dict[int, tuple[str, int]] = {}
        self.reads: dict[int, list[tuple[str, int]]] = {}
        self.kernels = 0
        sim = self

        class Event:
            def __init__(self, clock: Clock) -> None:
                self.knows = {**clock.knows, clock.name: clock.time}
                self.synced = False

            @property
            def done(self) -> bool:  # completion is only known once the host has waited
                return self.synced

            def synchronize(self) -> None:
                self.synced = True
                _merge(sim.host, self.knows)

        class Stream:
            def __init__(self, non_blocking: bool = False) -> None:
                assert not non_blocking, "the engine relies on blocking streams"
                self.clock = Clock(f"s{len(sim.streams)}")
                sim.streams.append(self.clock)

            def __enter__(self):
                self._outer, sim.current = sim.current, self.clock
                return self

            def __exit__(self, *exc):
                sim.current = self._outer

            def record(self):
                return Event(self.clock)

            def wait_event(self, event) -> None:
                _merge(self.clock.knows, event.knows)

            def synchronize(self) -> None:
                _merge(sim.host, {**self.clock.knows, self.clock.name: self.clock.time})

        self.Event, self.Stream = Event, Stream
        self.Device = lambda index=0: contextlib.nullcontext()

    # --- the log ---------------------------------------------------------------------------
    def kernel(self, name: str, reads: list, writes: list, made: tuple = ()) -> None:
        """Log a kernel on the current stream; ``made``: arrays it allocated, whose memory has
        no history (an id can be reused, but CuPy's pool hands freed memory back only to the
        stream that freed it)."""
        clock = self.current
        if clock is self.legacy:  # waits for all prior work on the blocking streams
            for s in self.streams:
                self.legacy.knows[s.name] = s.time
        else:  # and they wait for all prior work on it
            clock.knows["legacy"] = self.legacy.time
        seen = {**clock.knows}
        _merge(seen, self.host)
        for o in reads:
            self._ordered(name, clock, seen, self.last_write.get(id(o)), "wrote")
        for o in writes:
            self._ordered(name, clock, seen, self.last_write.get(id(o)), "wrote")
            for r in self.reads.get(id(o), []):
                self._ordered(name, clock, seen, r, "read")
        clock.time += 1
        here = (clock.name, clock.time)
        for o in reads:
            self.reads.setdefault(id(o), []).append(here)
        for o in (*writes, *made):
            self.last_write[id(o)] = here
            self.reads[id(o)] = []
        self.kernels += 1

    @staticmethod
    def _ordered(name, clock, seen, other, what) -> None:
        if other is None or other[0] == clock.name:
            return
        if seen.get(other[0], 0) < other[1]:
            raise Race(f"{name} on {clock.name} is not ordered after what {other} {what}")


def _merge(into: dict, other: dict) -> None:
    for k, v in other.items():
        if into.get(k, 0) < v:
            into[k] = v


def simulated_module(sim: SimulatedCuda):
    """NumPy as a device array module whose every function call, ufunc call and item
    assignment is a logged kernel; its arrays are ``SimArray``s."""

    def log(name, args, kwargs, res) -> None:
        reads = [owner_of(a) for a in _arrays((args, kwargs.get("where")))]
        inputs = {id(o) for o in reads}
        made = [o for o in map(owner_of, _arrays(res)) if id(o) not in inputs]  # not views
        writes = [owner_of(a) for a in _arrays(kwargs.get("out"))]
        sim.kernel(name, reads, writes, [o for o in made if id(o) not in map(id, writes)])

    class SimArray(numpy.ndarray):
        def __array_ufunc__(self, ufunc, method, *args, **kwargs):
            plain = [a.view(numpy.ndarray) if isinstance(a, SimArray) else a for a in args]
            outs = kwargs.get("out")
            if outs is not None:
                kwargs["out"] = tuple(
                    o.view(numpy.ndarray) if isinstance(o, SimArray) else o for o in outs
                )
            res = getattr(ufunc, method)(*plain, **kwargs)
            log(ufunc.__name__, args, {**kwargs, "out": outs}, res)
            if outs is not None:  # the out arrays themselves, as NumPy returns them
                return outs[0] if len(outs) == 1 else outs
            return _sim(res)

        def __setitem__(self, key, value):
            numpy.ndarray.__setitem__(self.view(numpy.ndarray), key, value)
            sim.kernel("setitem", [owner_of(v) for v in _arrays(value)], [owner_of(self)])

    def _sim(res):
        if type(res) is numpy.ndarray:
            return res.view(SimArray)
        if isinstance(res, tuple):
            return type(res)(*map(_sim, res)) if hasattr(res, "_fields") else tuple(map(_sim, res))
        return res

    def logged(name, fn):
        def kernel(*args, **kwargs):
            res = fn(*args, **kwargs)
            log(name, args, kwargs, res)
            return _sim(res)

        return kernel

    class Module(types.ModuleType):
        def __getattr__(self, name):
            value = getattr(numpy, name)
            if isinstance(value, types.ModuleType):
                sub = Module(f"sim.{name}")
                sub.__getattr__ = lambda n, v=value: _wrap_attr(v, n)
                return sub
            return logged(name, value) if callable(value) and not isinstance(value, type) else value

    def _wrap_attr(module, n):
        value = getattr(module, n)
        return logged(n, value) if callable(value) and not isinstance(value, type) else value

    xp = Module("sim")
    xp.cuda = sim
    xp.ndarray = SimArray
    xp.asnumpy = logged("asnumpy", lambda a, stream=None: numpy.array(a).view(numpy.ndarray))
    return xp


def _arrays(obj) -> list:
    if isinstance(obj, numpy.ndarray):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [a for x in obj for a in _arrays(x)]
    if isinstance(obj, dict):
        return [a for x in obj.values() for a in _arrays(x)]
    return []


@pytest.fixture
def device():
    sim = SimulatedCuda()
    dev = Device._make("gpu", 7, simulated_module(sim))
    yield dev, sim
    _gpu.DEVICES.pop(dev, None)


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
    sim = SimulatedCuda()
    dev = Device._make("gpu", 7, simulated_module(sim))
    try:
        want, want_outcomes = run(numpy, program, seed)
        with dnp.default_device(dev):
            got, outcomes = run(dnp, program, seed)  # a misordered kernel raises Race
    finally:
        _gpu.DEVICES.pop(dev, None)
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
