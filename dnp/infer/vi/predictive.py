"""``Predictive`` (NumPyro's ``numpyro.infer.Predictive``): draws of a model's sites given
posterior samples, a guide, or nothing (the prior)."""

from __future__ import annotations

import math
import warnings

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.handlers import seed, substitute, trace

__all__ = ["Predictive"]


class Predictive:
    """Run ``model`` once per posterior sample and collect its sites. See
    ``numpyro.infer.Predictive``.

    With ``posterior_samples`` (a dict name -> array with ``batch_ndims`` leading batch axes)
    each run has those sites substituted; with ``guide`` (and its ``params``), each run first
    draws the guide's sites; with neither, the model runs from its prior, ``num_samples``
    times. ``return_sites`` names the sites returned (default: the sample sites not given by
    the samples, and the deterministic sites). ``exclude_deterministic`` keeps deterministic
    sites of ``posterior_samples`` from being substituted, so they are recomputed.

    ``predictive(rng, *args, **kwargs)`` returns ``{name: array}`` with the batch shape
    (``(num_samples,)``, or the samples' batch axes) in front. The runs are a Python loop
    over the samples, each seeded by one generator made from ``rng`` (a
    ``dnp.random.Generator`` or int seed), so a seeded call is reproducible.
    """

    def __init__(
        self,
        model,
        posterior_samples: dict | None = None,
        *,
        guide=None,
        params: dict | None = None,
        num_samples: int | None = None,
        return_sites: list[str] | None = None,
        batch_ndims: int | None = None,
        exclude_deterministic: bool = True,
    ) -> None:
        if posterior_samples is not None and guide is not None:
            raise ValueError("Only one of guide or posterior_samples can be provided.")
        batch_ndims = 1 if batch_ndims is None else batch_ndims
        if posterior_samples:
            shapes = {tuple(dnp.shape(v))[:batch_ndims] for v in posterior_samples.values()}
            if len(shapes) != 1:
                raise ValueError(
                    f"posterior_samples must share their {batch_ndims} leading batch axes; "
                    f"got {sorted(shapes)}"
                )
            batch_shape = shapes.pop()
            if len(batch_shape) < batch_ndims:
                raise ValueError(
                    f"posterior_samples have fewer than batch_ndims={batch_ndims} axes"
                )
            if num_samples is not None and num_samples != math.prod(batch_shape):
                warnings.warn(
                    f"Sample's batch dimension size {math.prod(batch_shape)} is different from "
                    f"the provided {num_samples} num_samples argument. Defaulting to "
                    f"{math.prod(batch_shape)}.",
                    UserWarning,
                    stacklevel=2,
                )
        elif num_samples is None:
            raise ValueError("No sample sites in posterior samples to infer `num_samples`.")
        else:
            if batch_ndims != 1:
                raise ValueError("batch_ndims must be 1 without posterior_samples")
            batch_shape = (num_samples,)
        self.model = model
        self.posterior_samples = {} if posterior_samples is None else posterior_samples
        self.guide = guide
        self.params = {} if params is None else params
        self.num_samples = math.prod(batch_shape)
        self.return_sites = return_sites
        self.batch_ndims = batch_ndims
        self.exclude_deterministic = exclude_deterministic
        self._batch_shape = batch_shape

    def _sample(self, rng, samples: dict, model_args, model_kwargs) -> dict:
        """The returned sites of one run of the model with ``samples`` (one posterior
        sample)."""
        if self.guide is not None:
            guide = substitute(self.guide, data=self.params)
            guide_trace = trace(seed(guide, rng)).get_trace(*model_args, **model_kwargs)
            samples = {k: s["value"] for k, s in guide_trace.items() if s["type"] != "plate"}
        model = substitute(seed(self.model, rng), substitute_fn=self._substitute_fn(samples))
        model_trace = trace(model).get_trace(*model_args, **model_kwargs)
        if self.return_sites is not None:
            names = [k for k in self.return_sites if k in model_trace]
        else:
            names = [
                k
                for k, s in model_trace.items()
                if (s["type"] == "sample" and k not in samples) or s["type"] == "deterministic"
            ]
        return {k: model_trace[k]["value"] for k in names}

    def _substitute_fn(self, samples: dict):
        params = self.params

        def value(msg):
            if msg["type"] == "param":
                return params.get(msg["name"], samples.get(msg["name"]))
            if msg["type"] == "deterministic" and self.exclude_deterministic:
                return None
            return samples.get(msg["name"])

        return value

    def __call__(self, rng, *args, **kwargs) -> dict:
        """``{site name: draws}``, each with the batch shape in front."""
        rng = as_generator(rng)
        flat = {
            k: dnp.reshape(v, (self.num_samples,) + tuple(dnp.shape(v))[self.batch_ndims :])
            for k, v in self.posterior_samples.items()
        }
        runs = [
            self._sample(rng, {k: v[i] for k, v in flat.items()}, args, kwargs)
            for i in range(self.num_samples)
        ]
        return {
            k: dnp.reshape(
                dnp.stack([dnp.asarray(run[k]) for run in runs]),
                self._batch_shape + tuple(dnp.shape(runs[0][k])),
            )
            for k in runs[0]
        }
