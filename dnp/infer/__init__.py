"""Probabilistic inference on dnp, with NumPyro's names and semantics.

``constraints`` holds the regions variables live in, ``transforms`` the bijections between
them, and ``biject_to(constraint)`` the transform from unconstrained space onto a constraint,
``distributions`` (also ``dist``, as NumPyro's) the probability distributions, and
``kl_divergence(p, q)`` their KL divergences (``register_kl`` adds pairs). Models are plain
Python functions calling NumPyro's primitives (``sample``, ``param``, ``deterministic``,
``factor``, ``plate``), interpreted by the effect ``handlers`` (``trace``, ``seed``,
``condition``, ``substitute``, ``block``, ``scale``, ``mask``, ``replay``); ``log_density``
is a model's log joint. ``BayesianNet`` and ``meta_bayesian_net`` are ZhuSuan's face over the
same primitives; ``SVI`` fits models with NumPyro's losses (``Trace_ELBO``,
``TraceMeanField_ELBO``, ``RenyiELBO``), the guides of ``autoguide`` and a ``dnp.optim``
optimizer; ``Predictive`` draws from the fitted model. ZhuSuan's ``elbo`` and ``iw_objective``
(``sgvb``, ``reinforce``, ``vimco``) are objectives of ``BayesianNet`` models. ``diagnostics``
holds NumPyro's and ArviZ's MCMC diagnostics (ESS, R-hat, MCSE, HPDI, ``summary``); ``SGLD``,
``SGHMC`` and ``SGNHT`` are ZhuSuan's stochastic-gradient MCMC samplers, ``HMC`` and ``NUTS``
(``mcmc``) NumPyro's kernels, run by ``MCMC``; ``HMC(step_size, n_leapfrogs).sample(meta_bn,
observed, latent)`` is also ZhuSuan's HMC (returning an ``HMCInfo``).
Everything here is written on the public ``dnp`` namespace only (a test enforces it), so it
runs on every device and differentiates with ``dnp.autograd``.
"""

from dnp.infer import (
    autoguide,
    constraints,
    diagnostics,
    distributions,
    handlers,
    mcmc,
    transforms,
)
from dnp.infer import distributions as dist
from dnp.infer.bn import BayesianNet, MetaBayesianNet, meta_bayesian_net
from dnp.infer.density import log_density
from dnp.infer.distributions.distribution import set_rng_seed
from dnp.infer.distributions.kl import kl_divergence, register_kl
from dnp.infer.mcmc import HMC, MCMC, NUTS, HMCInfo
from dnp.infer.primitives import deterministic, factor, param, plate, sample
from dnp.infer.sgmcmc import SGHMC, SGLD, SGNHT
from dnp.infer.transforms import biject_to
from dnp.infer.vi import (
    SVI,
    EvidenceLowerBoundObjective,
    ImportanceWeightedObjective,
    Predictive,
    RenyiELBO,
    SVIRunResult,
    SVIState,
    Trace_ELBO,
    TraceMeanField_ELBO,
    elbo,
    importance_weighted_objective,
    init_to_median,
    init_to_uniform,
    init_to_value,
    iw_objective,
)

__all__ = [
    "BayesianNet",
    "EvidenceLowerBoundObjective",
    "HMC",
    "HMCInfo",
    "MCMC",
    "ImportanceWeightedObjective",
    "MetaBayesianNet",
    "NUTS",
    "Predictive",
    "RenyiELBO",
    "SGHMC",
    "SGLD",
    "SGNHT",
    "SVI",
    "SVIRunResult",
    "SVIState",
    "TraceMeanField_ELBO",
    "Trace_ELBO",
    "autoguide",
    "biject_to",
    "constraints",
    "deterministic",
    "diagnostics",
    "dist",
    "distributions",
    "elbo",
    "factor",
    "handlers",
    "importance_weighted_objective",
    "init_to_median",
    "init_to_uniform",
    "init_to_value",
    "iw_objective",
    "kl_divergence",
    "log_density",
    "mcmc",
    "meta_bayesian_net",
    "param",
    "plate",
    "register_kl",
    "sample",
    "set_rng_seed",
    "transforms",
]
