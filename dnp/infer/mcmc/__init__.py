"""Markov chain Monte Carlo, NumPyro's ``numpyro.infer.mcmc``: the ``HMC`` and ``NUTS`` kernels
(one chain on a model or a potential function, with Stan's windowed warm-up adaptation) and
the ``MCMC`` driver that runs chains of them, in sequence or in parallel threads."""

from dnp.infer.mcmc.driver import MCMC
from dnp.infer.mcmc.hmc import HMC, NUTS, HMCState
from dnp.infer.mcmc.potential import initialize_model, potential_energy

__all__ = ["HMC", "HMCState", "MCMC", "NUTS", "initialize_model", "potential_energy"]
