"""``dnp.random.RandomState`` and the module-level functions (``dnp.random.seed``, ``rand``, ...).

NumPy's legacy interface on dnp's counter-based streams: the same names, arguments and
distributions as ``numpy.random.RandomState``, but not NumPy's legacy MT19937 values.
``get_state()`` returns a dict (the seed and the number of calls made) that ``set_state`` takes
back; NumPy's MT19937 state tuples are not accepted.
"""

from __future__ import annotations

import warnings

import numpy

from ._generator import Generator, seed_sequence
from ._streams import Stream

STATE_KIND = "dnp.random"


class RandomState(Generator):
    """NumPy's legacy ``RandomState`` methods (and all of Generator's) on a dnp stream.

    See `numpy.random.RandomState`.
    """

    __module__ = "dnp.random"

    def seed(self, seed=None) -> None:
        """Restart the stream from ``seed``. See `numpy.random.RandomState.seed`."""
        self._stream = Stream(seed_sequence(seed))

    def get_state(self, legacy=True) -> dict:
        """The stream's seed and position (a dict ``set_state`` takes back)."""
        seq = self._stream.seed_seq
        return {
            "bit_generator": STATE_KIND,
            "entropy": seq.entropy,
            "spawn_key": seq.spawn_key,
            "pool_size": seq.pool_size,
            "calls": self._stream.calls,
        }

    def set_state(self, state) -> None:
        """Go back to a state from ``get_state``."""
        if not isinstance(state, dict) or state.get("bit_generator") != STATE_KIND:
            raise ValueError(
                "set_state takes a state from dnp.random.get_state() (a dict); NumPy's "
                "MT19937 states are not dnp streams"
            )
        seq = numpy.random.SeedSequence(
            state["entropy"], spawn_key=state["spawn_key"], pool_size=state["pool_size"]
        )
        self._stream = Stream(seq, int(state["calls"]))

    def rand(self, *args, device=None):
        """Uniform samples in [0, 1) of the given shape. See `numpy.random.rand`."""
        return self.random(args or None, device=device)

    def randn(self, *args, device=None):
        """Standard normal samples of the given shape. See `numpy.random.randn`."""
        return self.standard_normal(args or None, device=device)

    def randint(self, low, high=None, size=None, dtype=int, *, device=None):
        """Integers in [low, high). See `numpy.random.randint`."""
        return self.integers(low, high, size, dtype, device=device)

    def random_integers(self, low, high=None, size=None, *, device=None):
        """Integers in [low, high] (deprecated in NumPy). See `numpy.random.random_integers`."""
        if high is None:
            low, high = 1, low
        warnings.warn(
            f"This function is deprecated. Please call randint({low}, {high} + 1) instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.integers(low, high, size, endpoint=True, device=device)

    def random_sample(self, size=None, *, device=None):
        """Uniform samples in [0, 1). See `numpy.random.random_sample`."""
        return self.random(size, device=device)

    ranf = sample = random_sample

    def tomaxint(self, size=None, *, device=None):
        """Integers in [0, sys.maxsize]. See `numpy.random.RandomState.tomaxint`."""
        top = numpy.iinfo(numpy.int_).max
        return self.integers(0, top, size, dtype=numpy.int_, endpoint=True, device=device)


_GLOBAL = RandomState()

# The module-level functions: those of numpy.random, as methods of one global RandomState
# (``seed`` restarts its stream).
LEGACY = [name for name in numpy.random.__all__ if hasattr(RandomState, name)]
FUNCTIONS = {name: getattr(_GLOBAL, name) for name in LEGACY}


def get_bit_generator() -> numpy.random.PCG64:
    """The global stream as a NumPy PCG64 (a copy at its next call's block); see
    `numpy.random.get_bit_generator`."""
    return _GLOBAL.bit_generator


def set_bit_generator(bitgen: numpy.random.BitGenerator) -> None:
    """Restart the global stream from ``bitgen``'s seed (its ``seed_seq``, not its position)."""
    _GLOBAL._stream = Stream(seed_sequence(bitgen))


FUNCTIONS.update(get_bit_generator=get_bit_generator, set_bit_generator=set_bit_generator)
