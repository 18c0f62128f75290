"""ZhuSuan's HMC interface (``zhusuan.hmc``): ``HMC(step_size, n_leapfrogs, ...).sample(meta_bn,
observed, latent)`` runs one iteration of HMC on a ``BayesianNet`` model (or a log-joint
function), in the latent variables' own space, over any number of chains along the leading axes.

As in ZhuSuan: the log joint's shape gives the chain axes (the latents are ``chain axes + data
axes``), each chain is accepted or rejected on its own; momenta are ``N(0, mass)`` with the mass
adapted to the inverse of an exponentially weighted moving variance of the samples (averaged over
the chains) from iteration ``mass_collect_iters`` on; the step size is re-initialized by factors
of 1.5 at the first iteration and at ``mass_collect_iters``, then adapted by dual averaging
(Hoffman and Gelman 2014) while ``adapt_step_size`` is true, and is the averaged iterate when it
is set false. Where ZhuSuan centres the dual averaging on ``10 * step_size`` we use ``log(10 *
step_size)``, as the paper (and Stan and NumPyro) do. ``latent`` holds dnp arrays, updated in
place (ZhuSuan's variables); draws come from dnp's default generator (``dnp.random.seed``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp
from dnp.infer.mcmc.adaptation import dual_averaging

__all__ = ["HMCInfo", "ZhuSuanSampler"]


class HMCInfo(NamedTuple):
    """The statistics of one iteration (ZhuSuan's ``HMCInfo``): the new samples, the acceptance
    rate of each chain, the step size after adaptation, the initial momenta, the Hamiltonian
    and log joint at the start and end of the iteration (the end's log joint is the kept
    state's)."""

    samples: dict
    acceptance_rate: object
    updated_step_size: float
    init_momentum: dict
    orig_hamiltonian: object
    hamiltonian: object
    orig_log_prob: object
    log_prob: object


class ZhuSuanSampler:
    """The state ZhuSuan keeps in TensorFlow variables for one ``HMC``: the iteration count,
    the step size, its tuner (ZhuSuan's ``StepsizeTuner`` is the dual averaging of
    ``adaptation.dual_averaging``) and the moving mean and variance of the samples."""

    def __init__(self, hmc):
        self.hmc = hmc
        self.t = 0
        self.step_size = float(hmc.step_size)
        self._ss_init, self._ss_update = dual_averaging(hmc.t0, hmc.kappa, hmc.gamma)
        self.ss_state = self._ss_init()
        self.mean = self.var = None
        self.ewmv_t = 0

    def sample(self, meta_bn, observed, latent):
        """One iteration: ``latent`` (name -> dnp array, chain axes first) is updated in place;
        returns ``(samples, HMCInfo)``."""
        hmc = self.hmc
        for name, value in latent.items():
            if not isinstance(value, dnp.ndarray):
                raise TypeError(f"latent[{name!r}] is not a dnp array (it is updated in place)")
        names = list(latent)
        log_joint = _log_joint_fn(meta_bn, observed)
        self.t += 1
        q0 = {k: dnp.array(latent[k]) for k in names}
        lp0, grad0 = log_joint(q0)
        chain_dims = lp0.ndim
        data_axes = {k: tuple(range(chain_dims, q0[k].ndim)) for k in names}
        mass = self._mass(q0, chain_dims)
        p0 = {k: dnp.random.standard_normal(q0[k].shape) * dnp.sqrt(mass[k]) for k in names}
        fresh = hmc.adapt_step_size is not None and self.t in (1, hmc.mass_collect_iters)
        if fresh:
            self.step_size = self._initial_step_size(log_joint, q0, p0, lp0, grad0, mass)
        eps = self.step_size
        q1, p1, lp1 = _leapfrog(log_joint, q0, p0, grad0, mass, eps, int(hmc.n_leapfrogs))
        h0 = _hamiltonian(lp0, p0, mass, data_axes)
        h1 = _hamiltonian(lp1, p1, mass, data_axes)
        acceptance = _acceptance(h0, h1, lp1)
        accept = dnp.random.random(acceptance.shape) < acceptance
        samples = {}
        for k in names:
            keep = dnp.reshape(accept, accept.shape + (1,) * len(data_axes[k]))
            samples[k] = dnp.where(keep, q1[k], q0[k])
            latent[k][...] = samples[k]
        if hmc.adapt_step_size is not None:
            self.step_size = self._tune(float(dnp.mean(acceptance)), fresh, eps)
        return samples, HMCInfo(
            samples,
            acceptance,
            self.step_size,
            p0,
            h0,
            h1,
            lp0,
            dnp.where(accept, lp1, lp0),
        )

    def _tune(self, acceptance_rate, fresh_start, step_size):
        """The step size after this iteration: dual averaging of its log towards the target
        acceptance rate (restarted at ``log(10 * step_size)`` on ``fresh_start``) while
        ``adapt_step_size`` is true, the averaged iterate once it is false."""
        if fresh_start:
            self.ss_state = self._ss_init(math.log(10 * step_size))
        if not self.hmc.adapt_step_size:
            return math.exp(self.ss_state.x_avg)
        g = self.hmc.target_accept_prob - acceptance_rate
        self.ss_state = self._ss_update(g, self.ss_state)
        return math.exp(self.ss_state.x)

    def _mass(self, q, chain_dims):
        """ZhuSuan's mass: ones before ``mass_collect_iters``, then the inverse of the moving
        variance (updated while ``adapt_mass`` is true), shaped ``(1,) * chain_dims + data``."""
        hmc = self.hmc
        if hmc.adapt_mass is not None and hmc.adapt_mass:
            self._update_variance(q, chain_dims)
        if hmc.adapt_mass is None or self.t < hmc.mass_collect_iters or self.var is None:
            return {k: dnp.ones(_data_shape(v, chain_dims)) for k, v in q.items()}
        return {k: 1.0 / v for k, v in self.var.items()}

    def _update_variance(self, q, chain_dims):
        """ZhuSuan's ``ExponentialWeightedMovingVariance`` (bias-corrected weights)."""
        decay = self.hmc.mass_decay
        axes = tuple(range(chain_dims))
        if self.mean is None:
            self.mean = {
                k: dnp.zeros((1,) * chain_dims + v.shape[chain_dims:]) for k, v in q.items()
            }
            self.var = {k: dnp.zeros_like(m) for k, m in self.mean.items()}
        self.ewmv_t += 1
        weight = (1 - decay) / (1 - decay**self.ewmv_t)
        for k, x in q.items():
            incr = weight * (x - self.mean[k])
            self.mean[k] = self.mean[k] + dnp.mean(incr, axis=axes, keepdims=True)
            self.var[k] = (1 - weight) * self.var[k] + dnp.mean(
                incr * (x - self.mean[k]), axis=axes, keepdims=True
            )

    def _initial_step_size(self, log_joint, q, p, lp, grad, mass, factor=1.5):
        """ZhuSuan's ``_init_step_size``: multiply or divide the step size by ``factor`` until
        the mean acceptance rate of one leapfrog step crosses the target."""
        target, step_size, last = self.hmc.target_accept_prob, self.step_size, 1.0
        axes = {k: tuple(range(lp.ndim, v.ndim)) for k, v in q.items()}
        h0 = _hamiltonian(lp, p, mass, axes)
        while True:
            q1, p1, lp1 = _leapfrog(log_joint, q, p, grad, mass, step_size, 1)
            rate = float(dnp.mean(_acceptance(h0, _hamiltonian(lp1, p1, mass, axes), lp1)))
            new = step_size / factor if rate < target else step_size * factor
            if (last < target) != (rate < target):
                return new
            step_size, last = new, rate


def _data_shape(value, chain_dims):
    """``value``'s shape with its chain axes as 1s."""
    return (1,) * chain_dims + value.shape[chain_dims:]


def _log_joint_fn(meta_bn, observed):
    """``q -> (log joint, its gradient with respect to q)``: the log joint of a
    ``MetaBayesianNet`` observed at ``q`` and ``observed``, or of a function of that dict."""

    def log_joint(q):
        values = {**q, **observed}
        if hasattr(meta_bn, "observe"):
            return meta_bn.observe(**values).log_joint()
        if callable(meta_bn):
            return meta_bn(values)
        raise TypeError("meta_bn must be a MetaBayesianNet or a log joint function")

    def value_and_grad(q):
        per_chain = []

        def total(q):
            lp = dnp.asarray(log_joint(q))
            per_chain.append(lp)
            return dnp.sum(lp)

        _, grad = dnp.autograd.value_and_grad(total)(q)
        return dnp.array(per_chain[-1]), grad

    return value_and_grad


def _leapfrog(log_joint, q, p, grad, mass, step_size, n):
    """``n`` leapfrog steps (half steps of the momentum at the ends); ``(q, p, log joint)``."""
    p = {k: p[k] + 0.5 * step_size * grad[k] for k in p}
    lp = None
    for i in range(n):
        q = {k: q[k] + step_size * p[k] / mass[k] for k in q}
        lp, grad = log_joint(q)
        half = 0.5 if i == n - 1 else 1.0
        p = {k: p[k] + half * step_size * grad[k] for k in p}
    return q, p, lp


def _hamiltonian(lp, p, mass, data_axes):
    kinetic = sum(0.5 * dnp.sum(p[k] ** 2 / mass[k], axis=data_axes[k]) for k in p)
    return kinetic - lp


def _acceptance(h0, h1, lp1):
    """``min(1, exp(h0 - h1))`` per chain, 0 where it or the new log joint is not finite."""
    with dnp.errstate(over="ignore", invalid="ignore"):
        rate = dnp.exp(dnp.minimum(h0 - h1, 0.0))
        finite = dnp.isfinite(rate) & dnp.isfinite(lp1)
    return dnp.where(finite, rate, 0.0)
