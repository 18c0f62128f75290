"""Markov chain Monte Carlo, NumPyro's ``numpyro.infer.mcmc``: the ``HMC`` and ``NUTS`` kernels
(one chain on a model or a potential function, with Stan's windowed warm-up adaptation; ``HMC``
is also ZhuSuan's, on ``BayesianNet`` models) and the ``MCMC`` driver that runs chains of them,
in sequence, in lockstep groups, or in parallel threads."""

from dnp.infer.mcmc.driver import MCMC
from dnp.infer.mcmc.hmc import HMC, NUTS, HMCState
from dnp.infer.mcmc.potential import initialize_model, potential_energy
from dnp.infer.mcmc.zhusuan import HMCInfo

__all__ = [
    "HMC",
    "HMCInfo",
    "HMCState",
    "MCMC",
    "NUTS",
    "initialize_model",
    "potential_energy",
]
