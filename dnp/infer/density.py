"""Log densities of models (NumPyro's ``numpyro.infer.util``)."""

from __future__ import annotations

import dnp
from dnp.infer.handlers import substitute, trace

__all__ = ["log_density"]


def log_density(model, model_args, model_kwargs, params):
    """``(log_joint, model_trace)``: the model run on ``model_args``/``model_kwargs`` with the
    sites in ``params`` (a dict name -> value) substituted, and the sum over its sample sites
    of ``fn.log_prob(value)``, times each site's scale (plates' subsampling, ``scale``), masked
    (``mask``), summed over all axes. See ``numpyro.infer.util.log_density``.

    Written in dnp ops, so it differentiates with ``dnp.autograd`` in ``params``; latent sites
    not in ``params`` are drawn (wrap the model in ``seed`` for reproducible draws).
    """
    model_trace = trace(substitute(model, data=params)).get_trace(*model_args, **model_kwargs)
    log_joint = None
    for site in model_trace.values():
        if site["type"] != "sample":
            continue
        log_prob = site["fn"].log_prob(site["value"])
        if site["scale"] is not None:
            log_prob = site["scale"] * log_prob
        log_prob = dnp.sum(log_prob)
        log_joint = log_prob if log_joint is None else log_joint + log_prob
    return dnp.asarray(0.0 if log_joint is None else log_joint), model_trace
