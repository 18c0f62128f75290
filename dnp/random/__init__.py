"""``dnp.random``: the whole ``numpy.random`` surface, NumPy's values, on any device.

``default_rng``/``Generator`` (``_generator.py``) and the legacy functions and ``RandomState``
(``_legacy.py``) return dnp arrays; every call takes ``device=``. On the CPU they draw with
NumPy's own generators in program order (``_streams.py``), so a seed gives NumPy's values; on a
GPU, CuPy's. ``normal``, ``uniform``, ``exponential``, ``laplace``, ``logistic``, ``gumbel``,
``lognormal``, ``cauchy``, ``multivariate_normal``, ``gamma``/``standard_gamma``, ``beta`` and
``dirichlet`` are differentiable in their parameters under ``dnp.autograd.record()``.
"""

from numpy.random import (
    MT19937,
    PCG64,
    PCG64DXSM,
    SFC64,
    BitGenerator,
    Philox,
    SeedSequence,
)

from ._generator import Generator, default_rng
from ._legacy import FUNCTIONS, RandomState

globals().update(FUNCTIONS)
__all__ = [
    "BitGenerator",
    "Generator",
    "MT19937",
    "PCG64",
    "PCG64DXSM",
    "Philox",
    "RandomState",
    "SFC64",
    "SeedSequence",
    "default_rng",
]
__all__ += sorted(FUNCTIONS)
