"""Initialization strategies (NumPyro's ``numpyro.infer.initialization``): where an autoguide
(or MCMC) starts each latent site.

Each strategy is a function of a site message returning the site's initial value in its
support (None leaves the site alone), used as ``substitute(seed(model, rng),
substitute_fn=strategy)``. Called with its options only (``init_to_uniform(radius=1)``) it
returns the strategy with those options.
"""

from __future__ import annotations

import functools

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.transforms import biject_to

__all__ = ["init_to_median", "init_to_uniform", "init_to_value"]


def _is_continuous_latent(site) -> bool:
    return (
        site["type"] == "sample"
        and not site["is_observed"]
        and site["value"] is None
        and not site["fn"].support.is_discrete
    )


def init_to_median(site=None, num_samples: int = 15):
    """The elementwise median of ``num_samples`` draws from the site's prior (uniform
    initialization where the prior cannot be sampled). See
    ``numpyro.infer.initialization.init_to_median``."""
    if site is None:
        return functools.partial(init_to_median, num_samples=num_samples)
    if not _is_continuous_latent(site):
        return None
    sample_shape = site["kwargs"]["sample_shape"]
    try:
        samples = site["fn"].sample((num_samples,) + sample_shape, site["kwargs"]["rng"])
    except NotImplementedError:
        return init_to_uniform(site)
    return dnp.median(samples, axis=0)


def init_to_uniform(site=None, radius: float = 2):
    """A draw uniform on ``(-radius, radius)`` in unconstrained space, mapped into the site's
    support by ``biject_to``. See ``numpyro.infer.initialization.init_to_uniform``."""
    if site is None:
        return functools.partial(init_to_uniform, radius=radius)
    if not _is_continuous_latent(site):
        return None
    transform = biject_to(site["fn"].support)
    shape = site["kwargs"]["sample_shape"] + transform.inverse_shape(site["fn"].shape())
    rng = as_generator(site["kwargs"]["rng"])
    draw = rng.uniform(-radius, radius, size=shape).astype(_float_dtype(site["fn"]))
    return transform(draw)


def _float_dtype(fn):
    """The float dtype of a distribution's parameters (its base distribution's, for the meta
    ones): float32 parameters give float32 initial values."""
    params = [getattr(fn, name, None) for name in fn.arg_constraints]
    params = [p for p in params if p is not None]
    base = getattr(fn, "base_dist", None)
    if not params and base is not None:
        return _float_dtype(base)
    return dnp.result_type(*params, 1.0)


def init_to_value(site=None, values: dict | None = None):
    """``values[name]`` for the sites it names, uniform initialization for the others. See
    ``numpyro.infer.initialization.init_to_value``."""
    values = {} if values is None else values
    if site is None:
        return functools.partial(init_to_value, values=values)
    if not _is_continuous_latent(site):
        return None
    if site["name"] in values:
        return dnp.asarray(values[site["name"]])
    return init_to_uniform(site)
