"""Counter-based random streams: each sampling call owns a block of the stream, fixed when called.

A ``Stream`` is a seed (a NumPy ``SeedSequence``) and a call counter. Call ``k`` draws from block
``k``: NumPy's PCG64 started from the seed's state and advanced by ``k * 2**64`` steps (PCG64's
period is 2**128, so blocks never overlap). A call's values therefore depend only on the seed and
on how many calls came before it on that stream, in program order, never on which thread or
worker runs the draw or on what other work runs in between. PCG64 rather than Philox: Philox
keys the same way but draws at less than half PCG64's rate in NumPy (uniforms), and advancing
PCG64 to a block costs about 2 microseconds.

On a GPU the block's seed (a 64-bit word derived from the seed and ``k``) seeds CuPy's Philox
(cuRAND), which then draws on the device.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy

from .._ops._row import Op

_BLOCK = 1 << 64


class Stream:
    """A seed and the number of sampling calls made on it so far."""

    __slots__ = ("seed_seq", "root", "calls", "_lock")

    def __init__(self, seed_seq: numpy.random.SeedSequence, calls: int = 0) -> None:
        self.seed_seq = seed_seq
        self.root = numpy.random.PCG64(seed_seq).state
        self.calls = calls
        self._lock = threading.Lock()

    def take(self) -> Block:
        """The next call's block (thread-safe: concurrent callers get distinct blocks)."""
        with self._lock:
            k = self.calls
            self.calls = k + 1
        return Block(self, k)


class Block:
    """Call ``k``'s share of a stream: what a sampling op needs to draw, wherever it runs."""

    __slots__ = ("stream", "k")

    def __init__(self, stream: Stream, k: int) -> None:
        self.stream, self.k = stream, k

    def numpy_generator(self) -> numpy.random.Generator:
        """A NumPy Generator positioned at this block (one per thread, reused)."""
        gen = getattr(_local, "generator", None)
        if gen is None:
            gen = _local.generator = numpy.random.Generator(numpy.random.PCG64())
        bits = gen.bit_generator
        bits.state = self.stream.root
        bits.advance(self.k * _BLOCK)
        return gen

    def word(self) -> int:
        """A 64-bit seed for this block (for backends that seed per call: cuRAND)."""
        seq = self.stream.seed_seq
        child = numpy.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, self.k))
        return int(child.generate_state(1, numpy.uint64)[0])


_local = threading.local()


# --- the sampling ops ---------------------------------------------------------------------------
# NumPy Generator methods that CuPy's RandomState names differently.
_CUPY_NAMES = {"random": "random_sample", "integers": "randint"}


def _draw_gpu(cupy, block: Block, method: str, args: tuple, kwargs: dict) -> Any:
    """Draw on the current GPU with cuRAND's Philox seeded for this block.

    Methods CuPy lacks (or keywords it does not take) draw on the host with the block's NumPy
    stream and copy the result to the device.
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
        rs.seed(block.word())
        try:
            return fn(*args, **kwargs)
        except TypeError:  # a NumPy keyword CuPy does not take: fall back to the host
            pass
    host = [cupy.asnumpy(a) if isinstance(a, cupy.ndarray) else a for a in args]
    hkw = {k: cupy.asnumpy(v) if isinstance(v, cupy.ndarray) else v for k, v in kwargs.items()}
    res = getattr(block.numpy_generator(), method)(*host, **hkw)
    return cupy.asarray(res) if isinstance(res, numpy.ndarray) else res


_OPS: dict[str, Op] = {}


def sampler(method: str) -> Op:
    """The op that draws with ``Generator.<method>``: ``dispatch(op, (block, *params), kwargs)``.

    Its result depends on the data (``meta=None``), so it runs when it is called, in program
    order; it has no gradient rule (reparameterized samplers are built from it in
    ``_generator.py``), so a gradient that reaches one raises NotImplementedError naming it.
    """
    op = _OPS.get(method)
    if op is None:
        op = _OPS[method] = Op(f"random.{method}", _draw_method(method), None, creation=True)
    return op


def _draw_method(method: str):
    def forward(xp, block: Block, *args, **kwargs) -> Any:
        if xp is numpy:
            return getattr(block.numpy_generator(), method)(*args, **kwargs)
        return _draw_gpu(xp, block, method, args, kwargs)

    return forward
