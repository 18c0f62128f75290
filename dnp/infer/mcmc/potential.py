"""A model's potential energy in unconstrained space (NumPyro's ``initialize_model`` and
``potential_energy`` in ``numpyro.infer.util``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import dnp
from dnp.infer.density import log_density, observed_in_support
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.handlers import block, seed, substitute, trace
from dnp.infer.transforms import IdentityTransform, IndependentTransform, biject_to
from dnp.infer.vi.initialization import init_to_uniform

__all__ = [
    "ModelInfo",
    "ParamInfo",
    "initialize_model",
    "latent_transforms",
    "potential_energy",
    "transform_fn",
]


class ParamInfo(NamedTuple):
    """A point in unconstrained space: its values, potential energy and gradient."""

    z: dict
    potential_energy: object
    z_grad: dict


class ModelInfo(NamedTuple):
    """What ``initialize_model`` returns, as NumPyro's."""

    param_info: ParamInfo
    potential_fn: Callable
    postprocess_fn: Callable
    model_trace: dict


def transform_fn(transforms: dict, params: dict, invert: bool = False) -> dict:
    """``params`` mapped by ``transforms[name]`` (its inverse with ``invert``); names without a
    transform pass through."""
    out = {}
    for name, value in params.items():
        t = transforms.get(name)
        out[name] = value if t is None else (t.inv(value) if invert else t(value))
    return out


def potential_energy(model, model_args, model_kwargs, params, transforms, in_support=None):
    """Minus the model's log joint at the unconstrained ``params`` mapped by ``transforms``
    into the sites' supports, minus the log |Jacobian| of that map (``in_support``: the
    observed sites whose values are known to be in their supports, see ``log_density``)."""
    constrained = transform_fn(transforms, params)
    log_joint, _ = log_density(model, model_args, model_kwargs, constrained, in_support)
    for name, value in params.items():
        t = transforms.get(name)
        if t is not None and not _is_identity(t):  # else a log-det of 0
            ldj = t.log_abs_det_jacobian(value, constrained[name])
            log_joint = log_joint + dnp.sum(ldj)
    return -log_joint


def _is_identity(t) -> bool:
    """Whether ``t`` is the identity (alone or as an ``IndependentTransform``)."""
    while isinstance(t, IndependentTransform):
        t = t.base_transform
    return isinstance(t, IdentityTransform)


def latent_transforms(model_trace) -> dict:
    """``biject_to`` of the support of each latent sample site of a trace (by name); a discrete
    latent site raises ValueError."""
    transforms = {}
    for name, site in model_trace.items():
        if site["type"] == "sample" and not site["is_observed"]:
            if site["fn"].support.is_discrete:
                raise ValueError(
                    f"site {name!r} has discrete support {site['fn'].support!r}: MCMC needs "
                    "continuous latent sites (marginalize it out of the model)"
                )
            transforms[name] = biject_to(site["fn"].support)
    return transforms


def initialize_model(
    rng, model, *, init_strategy=init_to_uniform, model_args=(), model_kwargs=None
) -> ModelInfo:
    """The model's starting point in unconstrained space (drawn by ``init_strategy``), its
    potential function ``potential_fn(z)`` and ``postprocess_fn(z)`` (constrained values of the
    latent and deterministic sites). See ``numpyro.infer.util.initialize_model``."""
    model_kwargs = {} if model_kwargs is None else model_kwargs
    rng = as_generator(rng)
    with block():
        started = substitute(seed(model, rng), substitute_fn=init_strategy)
        model_trace = trace(started).get_trace(*model_args, **model_kwargs)
    transforms = latent_transforms(model_trace)
    z = {name: transforms[name].inv(model_trace[name]["value"]) for name in transforms}
    in_support = observed_in_support(model_trace)  # the data: checked once, not at each step

    def potential_fn(params):
        with block():
            return potential_energy(model, model_args, model_kwargs, params, transforms, in_support)

    deterministic = any(site["type"] == "deterministic" for site in model_trace.values())

    def postprocess_fn(params):
        constrained = transform_fn(transforms, params)
        if not deterministic:  # nothing but the latents: no need to run the model
            return constrained
        with block():
            fixed = substitute(seed(model, 0), data=constrained)
            tr = trace(fixed).get_trace(*model_args, **model_kwargs)
        out = dict(constrained)
        for name, site in tr.items():
            if site["type"] == "deterministic":
                out[name] = site["value"]
        return out

    pe, z_grad = dnp.autograd.value_and_grad(potential_fn)(z)
    return ModelInfo(ParamInfo(z, pe, z_grad), potential_fn, postprocess_fn, model_trace)
