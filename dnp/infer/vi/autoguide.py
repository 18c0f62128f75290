"""Automatic guides (NumPyro's ``numpyro.infer.autoguide``): variational families built from a
model's latent sites.

On its first call a guide runs the model once (seeded by the enclosing ``seed`` handler,
hidden from the outer handlers, each latent started by ``init_loc_fn``) to find the latent
sites, their shapes, supports and plates. It then works in unconstrained space: each latent is
``biject_to(support)`` of an unconstrained value, and the guide's sample sites carry the
Jacobian of that map, so their log densities are those of the constrained values the model
sees. Its ``param`` sites hold constrained values (a ``scale`` is positive, a ``scale_tril``
lower Cholesky) with their ``constraint``, as NumPyro's, for an optimizer to work on
``biject_to(constraint).inv`` of them.

``median(params)``, ``quantiles(params, quantiles)`` and ``sample_posterior(rng, params,
sample_shape)`` map the latent sites' names to constrained values (deterministic sites are
``Predictive``'s).
"""

from __future__ import annotations

import contextlib
import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions import (
    Delta,
    LowRankMultivariateNormal,
    MultivariateNormal,
    Normal,
    TransformedDistribution,
)
from dnp.infer.distributions.distribution import as_generator, sum_rightmost
from dnp.infer.handlers import block, seed, substitute, trace
from dnp.infer.primitives import param, plate, prng, sample
from dnp.infer.transforms import biject_to
from dnp.infer.vi.initialization import init_to_median, init_to_uniform

__all__ = [
    "AutoContinuous",
    "AutoDelta",
    "AutoDiagonalNormal",
    "AutoGuide",
    "AutoLowRankMultivariateNormal",
    "AutoMultivariateNormal",
    "AutoNormal",
]


def _is_real(support) -> bool:
    return support is constraints.real or (
        isinstance(support, constraints.independent) and support.base_constraint is constraints.real
    )


class AutoGuide:
    """The base of the autoguides: the model's prototype trace and its plates. See
    ``numpyro.infer.autoguide.AutoGuide``.

    ``init_loc_fn`` (see ``dnp.infer.vi.initialization``) starts each latent; ``prefix`` begins
    the names of the guide's own sites; ``create_plates(*args, **kwargs)``, if given, returns
    the plates (one or a list) the guide uses in place of the model's, for subsampling.
    """

    def __init__(self, model, *, prefix="auto", init_loc_fn=init_to_uniform, create_plates=None):
        self.model = model
        self.prefix = prefix
        self.init_loc_fn = init_loc_fn
        self.create_plates = create_plates
        self.prototype_trace = None
        self._prototype_frames = {}
        self._prototype_frame_full_sizes = {}
        self._event_dims = {}  # site name -> its event axes (the guides of one param per site)

    def __call__(self, *args, **kwargs):
        """Declare the guide's params and sample every latent site of the model; returns
        ``{name: value}`` (constrained values)."""
        raise NotImplementedError

    def _setup_prototype(self, *args, **kwargs) -> None:
        rng = prng()
        with block():
            started = substitute(seed(self.model, rng), substitute_fn=self.init_loc_fn)
            self.prototype_trace = trace(started).get_trace(*args, **kwargs)
        self._init_locs = {}
        for name, site in self.prototype_trace.items():
            if site["type"] == "plate":
                self._prototype_frame_full_sizes[name] = site["args"][0]
            if site["type"] != "sample" or site["is_observed"]:
                continue
            if site["fn"].support.is_discrete:
                raise ValueError(
                    f"{type(self).__name__} cannot guide site {name!r}: its support "
                    f"{site['fn'].support!r} is discrete (marginalize it out of the model)"
                )
            self._init_locs[name] = biject_to(site["fn"].support).inv(site["value"])
            for frame in site["cond_indep_stack"]:
                known = self._prototype_frames.setdefault(frame.name, frame)
                if known != frame:
                    raise ValueError(
                        f"The plate {frame.name} has inconsistent dim or size. Please check "
                        "your model again."
                    )

    def _latent_sites(self):
        for name, site in self.prototype_trace.items():
            if site["type"] == "sample" and not site["is_observed"]:
                yield name, site

    def _full_size(self, init, site, event_dim: int):
        """A local site's initial value covers the subsample: repeat it to the plates' full
        sizes (NumPyro's ``periodic_repeat``)."""
        for frame in site["cond_indep_stack"]:
            full_size = self._prototype_frame_full_sizes[frame.name]
            if full_size != frame.size:
                axis = frame.dim - event_dim
                init = dnp.take(init, dnp.arange(full_size) % init.shape[axis], axis=axis)
        return init

    def _keep_init(self, name: str, site: dict, init, event_dim: int) -> None:
        """Keep the site's initial value (full size along its subsampled plates) and the
        number of its rightmost axes that are one event."""
        self._event_dims[name] = event_dim
        self._init_locs[name] = self._full_size(init, site, event_dim)

    @contextlib.contextmanager
    def _in_plates(self, site: dict, plates: dict):
        """Inside the guide's plates of the model site's plates."""
        with contextlib.ExitStack() as stack:
            for frame in site["cond_indep_stack"]:
                stack.enter_context(plates[frame.name])
            yield

    def _create_plates(self, *args, **kwargs) -> dict:
        plates = [] if self.create_plates is None else self.create_plates(*args, **kwargs)
        plates = {p.name: p for p in ([plates] if isinstance(plates, plate) else plates)}
        for name, frame in sorted(self._prototype_frames.items()):
            if name not in plates:
                full_size = self._prototype_frame_full_sizes[name]
                plates[name] = plate(name, full_size, dim=frame.dim, subsample_size=frame.size)
        return plates

    def _constrain(self, unconstrained: dict) -> dict:
        return {
            name: biject_to(self.prototype_trace[name]["fn"].support)(value)
            for name, value in unconstrained.items()
        }

    def median(self, params: dict) -> dict:
        """The posterior median of each latent site (the unconstrained median mapped into the
        support)."""
        raise NotImplementedError

    def quantiles(self, params: dict, quantiles) -> dict:
        """The posterior ``quantiles`` of each latent site, stacked on a new leading axis
        (marginal quantiles in unconstrained space mapped into the support)."""
        raise NotImplementedError

    def sample_posterior(self, rng, params: dict, sample_shape=()) -> dict:
        """``sample_shape`` draws of each latent site from the guide with ``params``; ``rng``
        a ``dnp.random.Generator`` or int seed."""
        raise NotImplementedError


class AutoNormal(AutoGuide):
    """A Normal in unconstrained space per latent site, independent across sites and elements:
    params ``{name}_{prefix}_loc`` and ``{name}_{prefix}_scale`` (``softplus_positive``), inside
    the site's plates (so local latents subsample with the data). See
    ``numpyro.infer.autoguide.AutoNormal``."""

    scale_constraint = constraints.softplus_positive

    def __init__(
        self,
        model,
        *,
        prefix="auto",
        init_loc_fn=init_to_uniform,
        init_scale=0.1,
        create_plates=None,
    ):
        if init_scale <= 0:
            raise ValueError(f"Expected init_scale > 0. but got {init_scale}")
        self._init_scale = init_scale
        super().__init__(model, prefix=prefix, init_loc_fn=init_loc_fn, create_plates=create_plates)

    def _setup_prototype(self, *args, **kwargs) -> None:
        super()._setup_prototype(*args, **kwargs)
        for name, site in self._latent_sites():
            init = self._init_locs[name]
            event_dim = site["fn"].event_dim + dnp.ndim(init) - dnp.ndim(site["value"])
            self._keep_init(name, site, init, event_dim)

    def __call__(self, *args, **kwargs):
        if self.prototype_trace is None:
            self._setup_prototype(*args, **kwargs)
        plates = self._create_plates(*args, **kwargs)
        result = {}
        for name, site in self._latent_sites():
            event_dim = self._event_dims[name]
            init_loc = self._init_locs[name]
            with self._in_plates(site, plates):
                loc = param(f"{name}_{self.prefix}_loc", init_loc, event_dim=event_dim)
                scale = param(
                    f"{name}_{self.prefix}_scale",
                    dnp.full(dnp.shape(init_loc), self._init_scale, dtype=init_loc.dtype),
                    constraint=self.scale_constraint,
                    event_dim=event_dim,
                )
                fn = Normal(loc, scale).to_event(event_dim)
                support = site["fn"].support
                if not _is_real(support):
                    fn = TransformedDistribution(fn, biject_to(support))
                result[name] = sample(name, fn)
        return result

    def _locs_scales(self, params: dict):
        locs = {k: params[f"{k}_{self.prefix}_loc"] for k in self._init_locs}
        scales = {k: params[f"{k}_{self.prefix}_scale"] for k in self._init_locs}
        return locs, scales

    def median(self, params: dict) -> dict:
        return self._constrain(self._locs_scales(params)[0])

    def quantiles(self, params: dict, quantiles) -> dict:
        quantiles = dnp.asarray(quantiles)
        locs, scales = self._locs_scales(params)
        latent = {
            k: Normal(locs[k], scales[k]).icdf(
                dnp.reshape(quantiles, (-1,) + (1,) * dnp.ndim(locs[k]))
            )
            for k in locs
        }
        return self._constrain(latent)

    def sample_posterior(self, rng, params: dict, sample_shape=()) -> dict:
        rng = as_generator(rng)
        locs, scales = self._locs_scales(params)
        latent = {k: Normal(locs[k], scales[k]).sample(sample_shape, rng) for k in locs}
        return self._constrain(latent)


class AutoDelta(AutoGuide):
    """A point mass per latent site (MAP estimation): param ``{name}_{prefix}_loc`` in the
    constrained space, with the site's support as its constraint. See
    ``numpyro.infer.autoguide.AutoDelta``."""

    def __init__(self, model, *, prefix="auto", init_loc_fn=init_to_median, create_plates=None):
        super().__init__(model, prefix=prefix, init_loc_fn=init_loc_fn, create_plates=create_plates)

    def _setup_prototype(self, *args, **kwargs) -> None:
        super()._setup_prototype(*args, **kwargs)
        for name, site in self._latent_sites():
            # Through unconstrained space and back, so an init off the support (the
            # elementwise median of simplex draws) lands on it, as NumPyro's.
            init = biject_to(site["fn"].support)(self._init_locs[name])
            self._keep_init(name, site, init, site["fn"].event_dim)

    def __call__(self, *args, **kwargs):
        if self.prototype_trace is None:
            self._setup_prototype(*args, **kwargs)
        plates = self._create_plates(*args, **kwargs)
        result = {}
        for name, site in self._latent_sites():
            event_dim = self._event_dims[name]
            with self._in_plates(site, plates):
                loc = param(
                    f"{name}_{self.prefix}_loc",
                    self._init_locs[name],
                    constraint=site["fn"].support,
                    event_dim=event_dim,
                )
                result[name] = sample(name, Delta(loc).to_event(event_dim))
        return result

    def median(self, params: dict) -> dict:
        return {k: params[f"{k}_{self.prefix}_loc"] for k in self._init_locs}

    def quantiles(self, params: dict, quantiles) -> dict:
        """Every quantile of a point mass is the point: each loc broadcast on a leading axis of
        ``len(quantiles)``."""
        return self._broadcast(params, (dnp.size(dnp.asarray(quantiles)),))

    def sample_posterior(self, rng, params: dict, sample_shape=()) -> dict:
        return self._broadcast(params, tuple(sample_shape))

    def _broadcast(self, params: dict, shape: tuple) -> dict:
        locs = self.median(params)
        return {k: dnp.broadcast_to(v, shape + dnp.shape(v)) for k, v in locs.items()}


class AutoContinuous(AutoGuide):
    """A distribution over one flat vector holding every latent site unconstrained, in the
    prototype trace's order: the auxiliary site ``_{prefix}_latent`` is drawn from it, and each
    latent is a ``Delta`` at ``biject_to(support)`` of its slice, carrying minus the log |det J|
    of that map (so the guide's log density is that of the constrained values). Subclasses
    give ``_get_posterior()``. Local (subsampled) latents are not supported. See
    ``numpyro.infer.autoguide.AutoContinuous`` (ADVI, Kucukelbir et al. 2017)."""

    def __init__(self, model, *, prefix="auto", init_loc_fn=init_to_uniform, init_scale=0.1):
        if init_scale <= 0:
            raise ValueError(f"Expected init_scale > 0. but got {init_scale}")
        self._init_scale = init_scale
        super().__init__(model, prefix=prefix, init_loc_fn=init_loc_fn)

    def _setup_prototype(self, *args, **kwargs) -> None:
        super()._setup_prototype(*args, **kwargs)
        for name, site in self._latent_sites():
            for frame in site["cond_indep_stack"]:
                if frame.size != self._prototype_frame_full_sizes[frame.name]:
                    raise ValueError(
                        f"AutoContinuous guide does not support local latent variables "
                        f"(site {name!r} is subsampled by plate {frame.name!r})."
                    )
        self._shapes = {k: dnp.shape(v) for k, v in self._init_locs.items()}
        flat = [dnp.reshape(v, (-1,)) for v in self._init_locs.values()]
        self._init_latent = dnp.concatenate(flat) if flat else dnp.zeros((0,))
        self.latent_dim = int(self._init_latent.shape[0])
        if self.latent_dim == 0:
            raise RuntimeError(
                f"{type(self).__name__} found no latent variables; Use an empty guide instead"
            )

    def _unpack_latent(self, latent) -> dict:
        """``{name: unconstrained value}`` from flat vectors ``latent`` (leading axes kept)."""
        batch = dnp.shape(latent)[:-1]
        out, start = {}, 0
        for name, shape in self._shapes.items():
            stop = start + math.prod(shape)
            out[name] = dnp.reshape(latent[..., start:stop], batch + shape)
            start = stop
        return out

    def _get_posterior(self):
        raise NotImplementedError

    def get_posterior(self, params: dict):
        """The guide's distribution of the flat unconstrained latent vector under ``params``."""
        return block(substitute(self._get_posterior, data=params))()

    def __call__(self, *args, **kwargs):
        if self.prototype_trace is None:
            self._setup_prototype(*args, **kwargs)
        latent = sample(
            f"_{self.prefix}_latent", self._get_posterior(), infer={"is_auxiliary": True}
        )
        result = {}
        for name, unconstrained in self._unpack_latent(latent).items():
            event_dim = self.prototype_trace[name]["fn"].event_dim
            transform = biject_to(self.prototype_trace[name]["fn"].support)
            value = transform(unconstrained)
            log_density = -transform.log_abs_det_jacobian(unconstrained, value)
            extra = dnp.ndim(log_density) - dnp.ndim(value) + event_dim
            log_density = sum_rightmost(log_density, extra)
            result[name] = sample(name, Delta(value, log_density, event_dim=event_dim))
        return result

    def _marginal_scale(self, params: dict):
        """The sd of each entry of the flat latent vector."""
        return dnp.sqrt(self.get_posterior(params).variance)

    def median(self, params: dict) -> dict:
        loc = params[f"{self.prefix}_loc"]
        return self._constrain(self._unpack_latent(loc))

    def quantiles(self, params: dict, quantiles) -> dict:
        q = dnp.reshape(dnp.asarray(quantiles), (-1, 1))
        marginal = Normal(params[f"{self.prefix}_loc"], self._marginal_scale(params))
        return self._constrain(self._unpack_latent(marginal.icdf(q)))

    def sample_posterior(self, rng, params: dict, sample_shape=()) -> dict:
        latent = self.get_posterior(params).sample(sample_shape, as_generator(rng))
        return self._constrain(self._unpack_latent(latent))


class AutoDiagonalNormal(AutoContinuous):
    """A Normal with diagonal covariance over the flat latent vector: params ``{prefix}_loc``
    and ``{prefix}_scale`` (``softplus_positive``). See
    ``numpyro.infer.autoguide.AutoDiagonalNormal``."""

    scale_constraint = constraints.softplus_positive

    def _get_posterior(self):
        loc = param(f"{self.prefix}_loc", self._init_latent)
        scale = param(
            f"{self.prefix}_scale",
            dnp.full(self.latent_dim, self._init_scale, dtype=self._init_latent.dtype),
            constraint=self.scale_constraint,
        )
        return Normal(loc, scale).to_event(1)


class AutoMultivariateNormal(AutoContinuous):
    """A full-covariance MultivariateNormal over the flat latent vector: params
    ``{prefix}_loc`` and ``{prefix}_scale_tril`` (``lower_cholesky``; NumPyro's newer
    ``scaled_unit_lower_cholesky`` is not in dnp yet). See
    ``numpyro.infer.autoguide.AutoMultivariateNormal``."""

    scale_tril_constraint = constraints.lower_cholesky

    def _get_posterior(self):
        loc = param(f"{self.prefix}_loc", self._init_latent)
        scale_tril = param(
            f"{self.prefix}_scale_tril",
            dnp.eye(self.latent_dim, dtype=self._init_latent.dtype) * self._init_scale,
            constraint=self.scale_tril_constraint,
        )
        return MultivariateNormal(loc, scale_tril=scale_tril)


class AutoLowRankMultivariateNormal(AutoContinuous):
    """A LowRankMultivariateNormal over the flat latent vector, covariance
    ``diag(s) (W W^T + I) diag(s)``: params ``{prefix}_loc``, ``{prefix}_cov_factor`` W
    (latent_dim x ``rank``, default round(sqrt(latent_dim)), initially 0) and
    ``{prefix}_scale`` s (``softplus_positive``). See
    ``numpyro.infer.autoguide.AutoLowRankMultivariateNormal``."""

    scale_constraint = constraints.softplus_positive

    def __init__(
        self, model, *, prefix="auto", init_loc_fn=init_to_uniform, init_scale=0.1, rank=None
    ):
        if rank is not None and (not isinstance(rank, int) or rank < 1):
            raise ValueError(f"rank must be a positive int, got {rank!r}")
        self.rank = rank
        super().__init__(model, prefix=prefix, init_loc_fn=init_loc_fn, init_scale=init_scale)

    def _get_posterior(self):
        rank = round(self.latent_dim**0.5) if self.rank is None else self.rank
        loc = param(f"{self.prefix}_loc", self._init_latent)
        cov_factor = param(
            f"{self.prefix}_cov_factor",
            dnp.zeros((self.latent_dim, rank), dtype=self._init_latent.dtype),
        )
        scale = param(
            f"{self.prefix}_scale",
            dnp.full(self.latent_dim, self._init_scale, dtype=self._init_latent.dtype),
            constraint=self.scale_constraint,
        )
        return LowRankMultivariateNormal(loc, cov_factor * scale[:, None], scale * scale)
