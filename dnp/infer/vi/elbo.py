"""The ELBO losses of SVI, NumPyro's (``numpyro.infer.elbo``): ``Trace_ELBO``,
``TraceMeanField_ELBO`` and ``RenyiELBO``.

Each particle runs the guide (its ``param`` sites given by ``param_map``, its latent sites drawn
from ``rng``, reparameterized where the distribution ``has_rsample``), then the model replayed on
the guide's trace; ``log_prob`` of every sample site is scaled by its plates' subsampling (and
``scale``), as ``log_density`` does. ``loss`` is -ELBO, a dnp scalar that ``dnp.autograd``
differentiates in ``param_map``. Particles run one after another (NumPyro vectorizes them).

Guide sites that cannot be reparameterized (discrete ones) add the score-function term
``(cost - baseline) * grad log q(z)`` to the gradient, through a surrogate that leaves the
value unchanged, so the gradient is unbiased (Black-box VI, Ranganath et al. 2014). The cost is
the particle's whole ELBO (``RenyiELBO``: the whole bound), not Rao-Blackwellized per site as in
Pyro's ``TraceGraph_ELBO``. The baseline is Pyro's moving average
(``baseline <- beta * baseline + (1 - beta) * cost``, ``baseline_beta=0.9``), of the costs of
earlier steps only, so it adds no bias; it lives in ``SVIState.mutable_state["baseline"]``, and a
bare ``loss`` call has none (plain REINFORCE). NumPyro's ``Trace_ELBO`` has no baseline.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import dnp
from dnp.infer.distributions.distribution import sum_all
from dnp.infer.distributions.kl import kl_divergence
from dnp.infer.handlers import replay, seed, substitute, trace
from dnp.scipy.special import logsumexp

__all__ = ["ELBO", "RenyiELBO", "TraceMeanField_ELBO", "Trace_ELBO"]


def log_prob(site: dict):
    """A sample site's ``log_prob`` times its scale, kept in the site (NumPyro's
    ``site["log_prob"]``)."""
    if "log_prob" not in site:
        value = site["fn"].log_prob(site["value"])
        site["log_prob"] = value if site["scale"] is None else site["scale"] * value
    return site["log_prob"]


def log_prob_sum(site: dict):
    return sum_all(log_prob(site))


def sample_sites(tr: dict):
    return [site for site in tr.values() if site["type"] == "sample"]


def get_traces(rng, param_map, model, guide, args, kwargs, plates=None):
    """``(model_trace, guide_trace)``: the guide run with ``param_map`` and draws from ``rng``,
    the model replayed on it; ``plates`` (a trace) gives plates their subsamples."""
    guide = seed(guide, rng)
    if plates:
        guide = replay(guide, trace=plates)
    guide_trace = trace(substitute(guide, data=param_map)).get_trace(*args, **kwargs)
    model = replay(seed(model, rng), trace={**(plates or {}), **guide_trace})
    model_trace = trace(substitute(model, data=param_map)).get_trace(*args, **kwargs)
    return model_trace, guide_trace


class Result(NamedTuple):
    """What an ELBO evaluation gives SVI: the loss, the new moving-average baseline (None
    without non-reparameterized sites) and each particle's ``(model_trace, guide_trace)`` (for
    NaN reports)."""

    loss: dnp.ndarray
    baseline: dnp.ndarray | None
    traces: list[tuple[dict, dict]]


class ELBO:
    """The base of the ELBO losses: ``num_particles`` draws per evaluation, and the
    score-function term for guide sites without ``has_rsample`` (see the module docstring)."""

    def __init__(self, num_particles: int = 1, *, baseline_beta: float = 0.9) -> None:
        if not isinstance(num_particles, int) or num_particles < 1:
            raise ValueError(f"num_particles must be a positive int, got {num_particles!r}")
        if not 0 <= baseline_beta < 1:
            raise ValueError(f"baseline_beta must be in [0, 1), got {baseline_beta}")
        self.num_particles = num_particles
        self.baseline_beta = baseline_beta

    def loss(self, rng, param_map, model, guide, *args, **kwargs):
        """-ELBO, estimated with ``num_particles`` draws from ``rng`` (a ``dnp.random.Generator``
        or int seed); a dnp scalar differentiable in ``param_map`` (site name -> value)."""
        return self.evaluate(rng, param_map, model, guide, args, kwargs).loss

    def evaluate(self, rng, param_map, model, guide, args, kwargs, baseline=None) -> Result:
        """``loss`` with the moving-average ``baseline`` (None: none yet) of the score-function
        term; returns the new baseline and the traces too."""
        rng = rng if isinstance(rng, dnp.random.Generator) else dnp.random.default_rng(rng)
        elbos, scores, particles, plates = [], [], [], None
        for _ in range(self.num_particles):
            traces = get_traces(rng, param_map, model, guide, args, kwargs, plates)
            particles.append(traces)
            plates = plates if plates is not None else self._shared_plates(*traces)
            elbos.append(self._particle_elbo(*traces))
            nonreparam = [
                log_prob_sum(site)
                for site in sample_sites(traces[1])
                if not site["is_observed"] and not site["fn"].has_rsample
            ]
            scores.append(sum(nonreparam) if nonreparam else None)
        bound, costs, weight = self._bound(elbos)
        if all(score is None for score in scores):
            return Result(-bound, None, particles)
        b = 0.0 if baseline is None else baseline
        surrogate = bound
        for cost, score in zip(costs, scores, strict=True):
            if score is not None:
                surrogate = surrogate + weight * (cost - b) * (score - score.detach())
        mean_cost = sum(costs) / len(costs)
        beta = self.baseline_beta
        new = mean_cost if baseline is None else beta * baseline + (1 - beta) * mean_cost
        return Result(-surrogate, new, particles)

    def _shared_plates(self, model_trace, guide_trace) -> dict:
        """Plates every particle reuses (their subsamples): none, each particle draws its own."""
        return {}

    def _particle_elbo(self, model_trace, guide_trace):
        """One particle's log p(x, z) - log q(z), as ``_bound`` takes it."""
        raise NotImplementedError

    def _bound(self, elbos):
        """``(bound, costs, weight)`` from the particles' ELBOs: the bound (a surrogate whose
        gradient is the bound's), each particle's detached score-function cost and the weight
        of its term."""
        costs = [dnp.asarray(e).detach() for e in elbos]
        return sum(elbos) / len(elbos), costs, 1.0 / len(elbos)


class Trace_ELBO(ELBO):
    """The ELBO, E_q[log p(x, z) - log q(z)], by Monte Carlo over ``num_particles`` draws. See
    ``numpyro.infer.Trace_ELBO`` (which has no score-function term: see the module
    docstring)."""

    def _particle_elbo(self, model_trace, guide_trace):
        elbo = 0.0  # a Python float keeps the sites' dtype
        for site in sample_sites(model_trace):
            elbo = elbo + log_prob_sum(site)
        for site in sample_sites(guide_trace):
            elbo = elbo - log_prob_sum(site)
        return dnp.asarray(elbo)


class TraceMeanField_ELBO(ELBO):
    """The ELBO with the analytic ``kl_divergence(q, p)`` for each latent site whose
    (guide, model) pair has one registered, Monte Carlo otherwise: E_q[log p(x | z)] -
    sum KL. Exact for mean-field guides whose sites come in the model's order (it warns
    otherwise). See ``numpyro.infer.TraceMeanField_ELBO``."""

    def _particle_elbo(self, model_trace, guide_trace):
        _check_mean_field(model_trace, guide_trace)
        elbo = 0.0
        for name, site in model_trace.items():
            if site["type"] != "sample":
                continue
            guide_site = guide_trace.get(name)
            if site["is_observed"] or guide_site is None:
                elbo = elbo + log_prob_sum(site)
                continue
            try:
                kl = kl_divergence(guide_site["fn"], site["fn"])
            except NotImplementedError:
                elbo = elbo + log_prob_sum(site) - log_prob_sum(guide_site)
                continue
            if guide_site["scale"] is not None:
                kl = guide_site["scale"] * kl
            elbo = elbo - dnp.sum(kl)
        for name, site in guide_trace.items():
            if site["type"] == "sample" and name not in model_trace:
                elbo = elbo - log_prob_sum(site)
        return dnp.asarray(elbo)


def _check_mean_field(model_trace, guide_trace) -> None:
    """Warn when the latent sites come in different orders in the model and the guide (NumPyro's
    sufficient check of the mean-field condition)."""
    model_sites = [n for n, s in model_trace.items() if s["type"] == "sample" and n in guide_trace]
    guide_sites = [n for n, s in guide_trace.items() if s["type"] == "sample" and n in model_trace]
    if model_sites != guide_sites:
        warnings.warn(
            "Failed to verify mean field restriction on the guide. To eliminate this warning, "
            f"ensure model and guide sites occur in the same order. Model sites: {model_sites}; "
            f"guide sites: {guide_sites}",
            stacklevel=4,
        )


class RenyiELBO(ELBO):
    """Renyi's alpha-divergence bound (Li & Turner 2016), 1 / (1 - alpha) log mean_k
    exp((1 - alpha) w_k) over ``num_particles`` importance weights w_k = log p(x, z_k) -
    log q(z_k); ``alpha=0`` is the importance-weighted (IWAE) bound (Burda et al.). As NumPyro's
    ``numpyro.infer.RenyiELBO``: the bound is taken separately along the plates common to every
    sample site (subsampled ones included, the same subsample for every particle) and summed,
    and its gradient is the self-normalized weighted sum of the particles' ELBO gradients."""

    def __init__(self, alpha: float = 0, num_particles: int = 2, **kwargs) -> None:
        if alpha == 1:
            raise ValueError(
                "The order alpha should not be equal to 1. Please use ELBO class for the case "
                "alpha = 1."
            )
        self.alpha = alpha
        super().__init__(num_particles, **kwargs)

    def _shared_plates(self, model_trace, guide_trace) -> dict:
        return {
            n: s for tr in (model_trace, guide_trace) for n, s in tr.items() if s["type"] == "plate"
        }

    def _particle_elbo(self, model_trace, guide_trace):
        frames = [set(site["cond_indep_stack"]) for site in sample_sites(model_trace)]
        common = set.intersection(*frames) if frames else set()
        for frame in set.union(set(), *frames) - common:
            if model_trace[frame.name]["args"][0] > frame.size:
                raise ValueError(
                    "RenyiELBO only supports subsampling in plates that are common to all sample "
                    "sites, e.g. a data plate that encloses the entire model."
                )
        plate_scale = 1.0
        for frame in common:
            plate_scale *= model_trace[frame.name]["args"][0] / frame.size
        dims = {frame.dim for frame in common}
        elbo = 0.0
        for sign, tr in ((1, model_trace), (-1, guide_trace)):
            for site in sample_sites(tr):
                lp = dnp.asarray(log_prob(site))
                summed = tuple(d for d in range(lp.ndim) if d - lp.ndim not in dims)
                elbo = elbo + sign * dnp.sum(lp, axis=summed)
        return dnp.asarray(elbo) / plate_scale, plate_scale

    def _bound(self, particles):
        # The common plates' subsampling scale, the same for every particle, is applied last.
        elbos = dnp.stack([elbo for elbo, _ in particles])
        plate_scale = particles[0][1]
        scaled = (1.0 - self.alpha) * elbos
        avg_log_exp = logsumexp(scaled, axis=0) - math.log(self.num_particles)
        weights = dnp.exp(scaled - avg_log_exp).detach()
        renyi = avg_log_exp / (1.0 - self.alpha)
        weighted = dnp.mean(weights * elbos, axis=0)
        bound = dnp.sum((renyi - weighted).detach() + weighted) * plate_scale
        cost = bound.detach()
        return bound, [cost] * self.num_particles, 1.0
