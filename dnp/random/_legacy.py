"""``dnp.random.RandomState`` and the module-level functions (``dnp.random.seed``, ``rand``, ...).

NumPy's legacy interface with NumPy's legacy values: on the CPU a RandomState draws with a NumPy
``RandomState`` (MT19937 and the legacy samplers), so ``dnp.random.seed(0);
dnp.random.random(3)`` gives NumPy's numbers, and ``get_state``/``set_state`` take and give
NumPy's states. The module functions are the methods of one global RandomState.
"""

from __future__ import annotations

import numpy

from .. import linalg, sqrt, take
from .._backend import get_device
from .._ndarray import ndarray
from ._generator import (
    _host,
    _host_seed,
    _Sampler,
    _tracked,
    add_direct_methods,
    seed_sequence,
)
from ._streams import Stream, changed


class RandomState(_Sampler):
    """NumPy's legacy ``RandomState``, drawing dnp arrays. See `numpy.random.RandomState`.

    ``RandomState(seed=None, *, device=None)``: ``seed`` as NumPy's (None, an int, an array of
    ints, a BitGenerator).
    """

    __module__ = "dnp.random"

    def __init__(self, seed=None, *, device=None) -> None:
        self._stream = _legacy_stream(seed)
        self._device = None if device is None else get_device(device)

    def seed(self, seed=None) -> None:
        """Reseed, in place. See `numpy.random.RandomState.seed`."""
        source = self._stream.source
        source.seed(_host_seed(seed))
        self._stream.reset(source, seed_sequence(_host_seed(seed)))

    def get_state(self, legacy=True):
        """NumPy's state of the generator. See `numpy.random.RandomState.get_state`."""
        return self._stream.source.get_state(legacy=legacy)

    def set_state(self, state) -> None:
        """Set NumPy's state of the generator. See `numpy.random.RandomState.set_state`."""
        changed()
        self._stream.source.set_state(state)

    # --- where the legacy methods differ from Generator's ---------------------------------------
    def standard_gamma(self, shape, size=None, *, device=None):
        """See `numpy.random.RandomState.standard_gamma`; differentiable in ``shape``."""
        if _tracked(shape):
            return self._implicit_gamma(shape, size, device)
        return self._draw("standard_gamma", (shape, size), {}, device)

    def multivariate_normal(
        self, mean, cov, size=None, check_valid="warn", tol=1e-8, *, device=None
    ):
        """See `numpy.random.RandomState.multivariate_normal`; differentiable in ``mean`` and
        ``cov`` (through the SVD factor that NumPy's legacy sampler uses)."""
        if not _tracked(mean, cov):
            return self._draw(
                "multivariate_normal", (mean, cov, size, check_valid, tol), {}, device
            )
        numpy.random.RandomState(0).multivariate_normal(
            _host(mean), _host(cov), None, check_valid, tol
        )  # NumPy's own checks, on the host values
        _, s, vh = linalg.svd(cov)
        return self._correlated(mean, sqrt(s)[:, None] * vh, size, cov, device)

    def permutation(self, x, *, device=None):
        """See `numpy.random.RandomState.permutation`."""
        if not isinstance(x, ndarray) or x.ndim == 0:
            return self._draw("permutation", (x,), {}, device)
        perm = self._draw("permutation", (x.shape[0],), {}, device or x.device)
        return take(x, perm, axis=0)

    def shuffle(self, x, *, device=None) -> None:
        """See `numpy.random.RandomState.shuffle` (in place)."""
        if not isinstance(x, ndarray) or x.ndim == 0:
            self._draw("shuffle", (x,), {}, device)
            return
        perm = self._draw("permutation", (x.shape[0],), {}, device or x.device)
        x[...] = take(x, perm, axis=0)

    def choice(self, a, size=None, replace=True, p=None, *, device=None):
        """See `numpy.random.RandomState.choice`."""
        if not isinstance(a, ndarray) or a.ndim == 0:
            return self._draw("choice", (a, size, replace, p), {}, device)
        idx = self._draw("choice", (a.shape[0], size, replace, p), {}, a.device)
        return take(a, idx, axis=0)


def _legacy_stream(seed) -> Stream:
    seed = _host_seed(seed)
    return Stream(numpy.random.RandomState(seed), seed_sequence(seed))


DIRECT = add_direct_methods(RandomState, numpy.random.RandomState)

_GLOBAL = RandomState()

# The module-level functions: those of numpy.random, as methods of one global RandomState.
LEGACY = [name for name in numpy.random.__all__ if hasattr(RandomState, name)]
FUNCTIONS = {name: getattr(_GLOBAL, name) for name in LEGACY}


def get_bit_generator() -> numpy.random.BitGenerator:
    """The global RandomState's bit generator (NumPy's MT19937; its state is the global one's).
    See `numpy.random.get_bit_generator`."""
    return _GLOBAL._stream.source._bit_generator


def set_bit_generator(bitgen: numpy.random.BitGenerator) -> None:
    """Make the global RandomState draw with ``bitgen``. See `numpy.random.set_bit_generator`."""
    _GLOBAL._stream.reset(numpy.random.RandomState(bitgen), seed_sequence(bitgen))


FUNCTIONS.update(
    get_bit_generator=get_bit_generator,
    set_bit_generator=set_bit_generator,
    ranf=_GLOBAL.random_sample,
    sample=_GLOBAL.random_sample,
)
