"""Variational inference, NumPyro's: ``SVI`` and the ELBO losses (``Trace_ELBO``,
``TraceMeanField_ELBO``, ``RenyiELBO``), the autoguides (``autoguide``) with their
initialization strategies, and ``Predictive``."""

from dnp.infer.vi import autoguide
from dnp.infer.vi.autoguide import (
    AutoContinuous,
    AutoDelta,
    AutoDiagonalNormal,
    AutoGuide,
    AutoLowRankMultivariateNormal,
    AutoMultivariateNormal,
    AutoNormal,
)
from dnp.infer.vi.elbo import ELBO, RenyiELBO, Trace_ELBO, TraceMeanField_ELBO
from dnp.infer.vi.initialization import init_to_median, init_to_uniform, init_to_value
from dnp.infer.vi.predictive import Predictive
from dnp.infer.vi.svi import SVI, SVIRunResult, SVIState

__all__ = [
    "AutoContinuous",
    "AutoDelta",
    "AutoDiagonalNormal",
    "AutoGuide",
    "AutoLowRankMultivariateNormal",
    "AutoMultivariateNormal",
    "AutoNormal",
    "ELBO",
    "Predictive",
    "RenyiELBO",
    "SVI",
    "SVIRunResult",
    "SVIState",
    "TraceMeanField_ELBO",
    "Trace_ELBO",
    "autoguide",
    "init_to_median",
    "init_to_uniform",
    "init_to_value",
]
