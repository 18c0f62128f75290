"""Markov chain Monte Carlo (NumPyro's ``numpyro.infer.mcmc`` kernels): ``HMC`` and ``NUTS`` for
one chain on a model or a potential function, with Stan's windowed warm-up adaptation."""

from dnp.infer.mcmc.hmc import HMC, NUTS, HMCState
from dnp.infer.mcmc.potential import initialize_model, potential_energy

__all__ = ["HMC", "HMCState", "NUTS", "initialize_model", "potential_energy"]
