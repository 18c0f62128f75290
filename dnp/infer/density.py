"""Log densities of models (NumPyro's ``numpyro.infer.util``)."""

from __future__ import annotations

import dnp
from dnp.infer.distributions.distribution import sum_all, values_in_support
from dnp.infer.handlers import substitute, trace

__all__ = ["log_density", "observed_in_support"]


def log_density(model, model_args, model_kwargs, params, in_support=None):
    """``(log_joint, model_trace)``: the model run on ``model_args``/``model_kwargs`` with the
    sites in ``params`` (a dict name -> value) substituted, and the sum over its sample sites
    of ``fn.log_prob(value)``, times each site's scale (plates' subsampling, ``scale``), masked
    (``mask``), summed over all axes. See ``numpyro.infer.util.log_density``.

    Written in dnp ops, so it differentiates with ``dnp.autograd`` in ``params``; latent sites
    not in ``params`` are drawn (wrap the model in ``seed`` for reproducible draws).
    ``in_support``: observed values known to lie in their sites' supports, by site name
    (``observed_in_support``); a site whose value is that very array skips the support mask.
    """
    model_trace = trace(substitute(model, data=params)).get_trace(*model_args, **model_kwargs)
    log_joint = None
    for site in model_trace.values():
        if site["type"] != "sample":
            continue
        if in_support and in_support.get(site["name"]) is site["value"]:
            with values_in_support():
                log_prob = site["fn"].log_prob(site["value"])
        else:
            log_prob = site["fn"].log_prob(site["value"])
        if site["scale"] is not None:
            log_prob = site["scale"] * log_prob
        log_prob = sum_all(log_prob)
        log_joint = log_prob if log_joint is None else log_joint + log_prob
    return dnp.asarray(0.0 if log_joint is None else log_joint), model_trace


def observed_in_support(model_trace) -> dict:
    """The values of a trace's observed sample sites that all lie in their supports, by site
    name (the data, checked once: ``log_density`` then skips their support masks)."""
    found = {}
    for name, site in model_trace.items():
        observed = site["type"] == "sample" and site["is_observed"]
        if observed and bool(dnp.all(site["fn"].support(site["value"]))):
            found[name] = site["value"]
    return found
