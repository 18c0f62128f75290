"""Where ``dnp.random`` draws from: NumPy's own generators, in program order.

A ``Stream`` wraps the NumPy object a dnp generator draws with on the CPU: a NumPy ``Generator``
(PCG64 and NumPy's samplers) behind ``dnp.random.Generator``, a NumPy ``RandomState`` (MT19937
and NumPy's legacy samplers) behind ``dnp.random.RandomState`` and the module functions. So a
seed gives NumPy's values, call after call.

A draw reads and advances its generator's state. It is a write to the generator, and draws
take that state in program order:
- a sampling op's result depends on more than its arguments, so it has no metadata rule
  (``meta=None``); the executor runs such an op at the call, in the calling thread, once its
  array parameters are ready, never later on a worker;
- ``dnp.jit`` replays it as a step that takes the stream's next ticket when the replay reaches
  it (the op's ``draws``), so a replay draws what the eager call would have;
- each call takes a ``Draw``, a ticket that draws once: running one op twice would shift every
  later value, so it raises instead.
Threads sharing a generator draw one call at a time (NumPy's lock), as they do in NumPy.

On a GPU a call seeds CuPy's Philox (cuRAND) with a 64-bit word derived from the seed and the
number of calls before it (``Draw.word``) and draws on the device: the same seed on the same
device gives the same values, CuPy's rather than NumPy's.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy

from .._ndarray import TRACES
from .._ops._row import Op


class Stream:
    """The NumPy generator a dnp generator draws with on the CPU (``source``), the seed its GPU
    draws derive from (``seed_seq``), and the number of calls made on it (``calls``).

    ``dnp.jit`` replays draws from the stream object a trace saw, so a generator keeps its
    stream for life (reseeding resets it in place), and a stream made while ``f`` is traced
    (``born_tracing``: ``f`` makes the generator it draws from) is not replayed."""

    __slots__ = ("source", "seed_seq", "calls", "_lock", "born_tracing")

    def __init__(self, source, seed_seq: numpy.random.SeedSequence, calls: int = 0) -> None:
        self.source = source
        self.seed_seq = seed_seq
        self.calls = calls
        self._lock = threading.Lock()
        self.born_tracing = TRACES.tracer is not None

    def reset(self, source, seed_seq: numpy.random.SeedSequence) -> None:
        """Draw from ``source`` afresh (a reseeding): a trace in progress cannot be replayed."""
        changed()
        with self._lock:
            self.source, self.seed_seq, self.calls = source, seed_seq, 0

    def take(self) -> Draw:
        """The next call's ticket (thread-safe: concurrent callers get distinct ones)."""
        with self._lock:
            k = self.calls
            self.calls = k + 1
        return Draw(self, k)


class Draw:
    """Call ``k`` on a stream: what a sampling op needs to draw, on the CPU or a GPU."""

    __slots__ = ("stream", "k", "drawn")

    def __init__(self, stream: Stream, k: int) -> None:
        self.stream, self.k, self.drawn = stream, k, False

    def source(self):
        """The NumPy generator to draw with, for this call's one draw."""
        if self.drawn:
            raise RuntimeError(
                "dnp.random: a sampling call drew twice; every later value would shift"
            )
        self.drawn = True
        return self.stream.source

    def word(self) -> int:
        """A 64-bit seed for this call (for backends that seed per call: cuRAND)."""
        seq = self.stream.seed_seq
        child = numpy.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, self.k))
        return int(child.generate_state(1, numpy.uint64)[0])

    def host_generator(self):
        """A NumPy generator of the stream's kind seeded for this call alone: a GPU call's draws
        that CuPy cannot make (they leave the CPU stream as it is)."""
        if isinstance(self.stream.source, numpy.random.RandomState):
            return numpy.random.RandomState(numpy.random.MT19937(self.word()))
        return numpy.random.Generator(numpy.random.PCG64(self.word()))


_local = threading.local()


def changed() -> None:
    """A generator's state is being set from Python: what ``f`` draws after it no longer
    continues the stream, so a trace in progress is not replayed."""
    tracer = TRACES.tracer
    if tracer is not None:
        tracer.untraceable("a dnp.random generator was seeded or had its state set while tracing")


# --- the sampling ops ---------------------------------------------------------------------------
# NumPy Generator methods that CuPy's RandomState names differently.
_CUPY_NAMES = {"random": "random_sample", "integers": "randint"}


def _draw_gpu(cupy, draw: Draw, method: str, args: tuple, kwargs: dict) -> Any:
    """Draw on the current GPU with cuRAND's Philox seeded for this call.

    Methods CuPy lacks (or keywords it does not take) draw on the host (``host_generator``) and
    copy the result to the device.
    """
    states = getattr(_local, "cupy_states", None)
    if states is None:
        states = _local.cupy_states = {}
    device = cupy.cuda.Device().id
    rs = states.get(device)
    if rs is None:
        from cupy.cuda import curand

        rs = states[device] = cupy.random.RandomState(method=curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)
    name = _CUPY_NAMES.get(method, method)
    if method == "integers" and kwargs.pop("endpoint", False):
        low, high = (0, args[0]) if len(args) < 2 or args[1] is None else args[:2]
        args = (low, high + 1, *args[2:])
    fn = getattr(rs, name, None)
    if fn is not None:
        rs.seed(draw.word())
        try:
            return fn(*args, **kwargs)
        except TypeError:  # a NumPy keyword CuPy does not take: fall back to the host
            pass
    host = [cupy.asnumpy(a) if isinstance(a, cupy.ndarray) else a for a in args]
    hkw = {k: cupy.asnumpy(v) if isinstance(v, cupy.ndarray) else v for k, v in kwargs.items()}
    res = getattr(draw.host_generator(), method)(*host, **hkw)
    return cupy.asarray(res) if isinstance(res, numpy.ndarray) else res


_OPS: dict[str, Op] = {}


def sampler(method: str) -> Op:
    """The op that draws with the stream's ``<method>``: ``dispatch(op, (draw, *params), kwargs)``.

    Its result depends on the data (``meta=None``), so it runs when it is called, in program
    order (``dnp.jit`` replays it taking a fresh ticket: ``draws``); it has no gradient rule
    (reparameterized samplers are built from it in ``_generator.py``), so a gradient that
    reaches one raises NotImplementedError naming it.
    """
    op = _OPS.get(method)
    if op is None:
        op = Op(f"random.{method}", _draw_method(method), None, creation=True, draws=True)
        _OPS[method] = op
    return op


def _draw_method(method: str):
    def forward(xp, draw: Draw, *args, **kwargs) -> Any:
        if xp is numpy:
            return getattr(draw.source(), method)(*args, **kwargs)
        return _draw_gpu(xp, draw, method, args, kwargs)

    return forward
