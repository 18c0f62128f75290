"""Variational inference, NumPyro's: ``SVI`` and the ELBO losses (``Trace_ELBO``,
``TraceMeanField_ELBO``, ``RenyiELBO``), the autoguides (``autoguide``) with their
initialization strategies, ``Predictive``, and ZhuSuan's objectives on ``BayesianNet`` models
(``elbo`` with ``sgvb``/``reinforce``, ``iw_objective`` with ``sgvb``/``vimco``)."""

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
from dnp.infer.vi.objectives import (
    EvidenceLowerBoundObjective,
    ImportanceWeightedObjective,
    MovingMean,
    VariationalObjective,
    elbo,
    importance_weighted_objective,
    iw_objective,
)
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
    "EvidenceLowerBoundObjective",
    "ImportanceWeightedObjective",
    "MovingMean",
    "Predictive",
    "RenyiELBO",
    "SVI",
    "SVIRunResult",
    "SVIState",
    "TraceMeanField_ELBO",
    "Trace_ELBO",
    "VariationalObjective",
    "autoguide",
    "elbo",
    "importance_weighted_objective",
    "init_to_median",
    "init_to_uniform",
    "init_to_value",
    "iw_objective",
]
