"""Stochastic-gradient MCMC: ZhuSuan's ``SGLD``, ``SGHMC`` and ``SGNHT`` (``zhusuan.sgmcmc``).

Each step takes one minibatch from a data iterator and moves the latent arrays (a dict name ->
array, in unconstrained space) along a noisy gradient of the log joint, with ZhuSuan's update
equations and argument names. There is no Metropolis correction: with a fixed
``learning_rate`` the draws are those of a discretized diffusion, biased by O(learning_rate)::

    sampler = SGHMC(learning_rate=1e-5, friction=0.25)
    draws = sampler.sample(init_params, batches, 2000, model=model, num_warmup=200, rng=0)

``sample(init_params, data_iter, num_samples, *, model=None, potential_fn=None, thinning=1,
num_warmup=0, rng=None, init_strategy=init_to_uniform)`` returns a dict name -> array of
shape ``(num_samples, *shape)``:

- ``potential_fn(params, *args, **kwargs)`` is the potential energy (the negative log joint,
  minibatch terms scaled to the full data) at ``params``; its draws are of ``params`` as given;
- ``model(*args, **kwargs)`` is a model whose observations come in the batch, under a
  ``plate(name, size, subsample_size=len(batch))`` that scales the minibatch log-likelihood by
  ``size / subsample_size`` (``log_density``); its continuous latent sites are sampled in
  unconstrained space (``biject_to`` with the Jacobian term) and returned constrained.
  ``init_params`` (unconstrained) may then be None: the sites start where ``init_strategy``
  puts them (as HMC's: ``init_to_uniform``, uniform in (-2, 2), ``init_to_median``,
  ``init_to_value``).

Each batch from ``data_iter`` is a tuple (the positional arguments), a dict (the keyword
arguments) or another value (the one positional argument); ``data_iter=None`` calls with no
arguments (full-batch gradients). The iterator must yield ``num_warmup + num_samples *
thinning`` batches. A step (the gradient, its draws and the update) goes through ``dnp.jit``,
drawing from ``rng`` (an int, a ``dnp.random.Generator`` or None): the same seed gives the same
draws; ``eager_reasons`` says why steps ran eagerly, if any did.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.handlers import seed, substitute, trace
from dnp.infer.mcmc.potential import latent_transforms, potential_energy, transform_fn
from dnp.infer.vi.initialization import init_to_uniform

__all__ = ["SGHMC", "SGLD", "SGMCMC", "SGNHT"]


class SGMCMC:
    """Base class of the stochastic-gradient samplers: ``sample`` drives ``_init_state`` and
    ``_update`` (see the module docstring)."""

    n_iter_resample_v = 0  # the momentum samplers' period of redrawing v (0: never)

    def __init__(self, learning_rate: float) -> None:
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        self.learning_rate = float(learning_rate)

    def sample(
        self,
        init_params,
        data_iter,
        num_samples: int,
        *,
        model=None,
        potential_fn=None,
        thinning: int = 1,
        num_warmup: int = 0,
        rng=None,
        init_strategy=init_to_uniform,
    ) -> dict:
        """``num_samples`` draws, one every ``thinning`` steps after ``num_warmup`` steps (see
        the module docstring)."""
        if (model is None) == (potential_fn is None):
            raise ValueError("sample needs exactly one of model and potential_fn")
        if num_samples < 1 or thinning < 1 or num_warmup < 0:
            raise ValueError("num_samples and thinning must be positive and num_warmup >= 0")
        rng = as_generator(rng)
        batches = itertools.repeat(()) if data_iter is None else iter(data_iter)
        batch = _next_batch(batches)
        if model is not None:
            potential_fn, init_params, constrain = _model_potential(
                model, init_params, batch, rng, init_strategy
            )
        elif init_params is None:
            raise ValueError("sample with potential_fn needs init_params")
        else:
            constrain = dict
        params = {name: dnp.asarray(value) for name, value in init_params.items()}

        def step(params, state, args, kwargs, resample):
            def log_joint(p):
                return -potential_fn(p, *args, **kwargs)

            grad_fn = dnp.autograd.grad_fn(log_joint)
            if resample:
                state = {**state, "v": self._momentum(params, rng)}
            return self._update(params, state, grad_fn, rng)

        step = self._step = dnp.jit(step)
        state = self._init_state(params, rng)
        draws: dict = {}
        for t in range(num_warmup + num_samples * thinning):
            if t:
                batch = _next_batch(batches)
            args, kwargs = _as_call(batch)
            params, state = step(params, state, args, kwargs, self._resample(t))
            kept = t - num_warmup + 1
            if kept > 0 and kept % thinning == 0:
                for name, value in constrain(params).items():
                    draws.setdefault(name, []).append(value)
        draws = {name: dnp.stack(values) for name, values in draws.items()}
        diverged = [name for name, value in draws.items() if not bool(dnp.isfinite(value).all())]
        if diverged:
            warnings.warn(
                f"{type(self).__name__}: non-finite draws of {diverged}: lower learning_rate or "
                "start closer to the mode (init_params, init_strategy)",
                RuntimeWarning,
                stacklevel=2,
            )
        return draws

    @property
    def eager_reasons(self) -> list[str]:
        """Why ``dnp.jit`` ran some steps of the last ``sample`` eagerly (empty: every step
        after the first of each signature was a replay). See ``dnp.jit``."""
        return list(getattr(getattr(self, "_step", None), "eager_reasons", []))

    def _init_state(self, params: dict, rng) -> dict:
        return {}

    def _resample(self, t: int) -> bool:
        """Whether step ``t`` (from 0) draws a fresh momentum first."""
        n = self.n_iter_resample_v
        return n > 0 and t % n == 0

    def _momentum(self, params: dict, rng) -> dict:
        """A momentum per latent, N(0, learning_rate) elementwise."""
        return {name: _normal(q, math.sqrt(self.learning_rate), rng) for name, q in params.items()}

    def _update(self, params: dict, state: dict, grad_fn, rng):
        raise NotImplementedError


class SGLD(SGMCMC):
    """Stochastic gradient Langevin dynamics (Welling and Teh, 2011):
    ``q += learning_rate / 2 * grad + N(0, learning_rate)``. See ``zhusuan.sgmcmc.SGLD``."""

    def _update(self, params, state, grad_fn, rng):
        lr = self.learning_rate
        grads = grad_fn(params)
        new = {
            k: q + 0.5 * lr * grads[k] + _normal(q, math.sqrt(lr), rng) for k, q in params.items()
        }
        return new, state


class SGHMC(SGMCMC):
    """Stochastic gradient Hamiltonian Monte Carlo (Chen et al., 2014), ZhuSuan's form: the
    momentum ``v`` (variance ``learning_rate``) decays by ``friction`` each step and takes
    ``learning_rate * grad`` and noise of variance ``2 (friction - variance_estimate)
    learning_rate``, where ``variance_estimate`` is the estimated variance of the gradient
    noise; ``v`` is redrawn every ``n_iter_resample_v`` steps (None or 0: never);
    ``second_order`` uses the symmetric splitting (half a position step, the momentum with
    ``exp(-friction / 2)`` decays, half a position step). See ``zhusuan.sgmcmc.SGHMC``."""

    def __init__(
        self,
        learning_rate: float,
        friction: float = 0.25,
        variance_estimate: float = 0.0,
        n_iter_resample_v: int | None = 20,
        second_order: bool = True,
    ) -> None:
        super().__init__(learning_rate)
        if not friction >= variance_estimate >= 0:
            raise ValueError("SGHMC needs friction >= variance_estimate >= 0")
        self.friction = float(friction)
        self.variance_estimate = float(variance_estimate)
        self.n_iter_resample_v = n_iter_resample_v or 0
        self.second_order = second_order

    def _init_state(self, params, rng):
        return {"v": self._momentum(params, rng)}

    def _update(self, params, state, grad_fn, rng):
        lr, alpha = self.learning_rate, self.friction
        sd = math.sqrt(2 * (alpha - self.variance_estimate) * lr)
        vs = state["v"]
        noise = {k: _normal(v, sd, rng) for k, v in vs.items()}
        if not self.second_order:
            grads = grad_fn(params)
            new_v = {k: (1 - alpha) * v + lr * grads[k] + noise[k] for k, v in vs.items()}
            return {k: q + new_v[k] for k, q in params.items()}, {"v": new_v}
        decay = math.exp(-0.5 * alpha)
        q1 = {k: q + 0.5 * vs[k] for k, q in params.items()}
        grads = grad_fn(q1)
        new_v = {k: decay * (decay * v + lr * grads[k] + noise[k]) for k, v in vs.items()}
        return {k: q + 0.5 * new_v[k] for k, q in q1.items()}, {"v": new_v}


class SGNHT(SGMCMC):
    """Stochastic gradient Nosé-Hoover thermostat (Ding et al., 2014), ZhuSuan's form: SGHMC
    whose friction ``xi`` (per element with ``use_vector_xi``, else one per latent) starts at
    ``variance_extra`` and moves by ``tune_rate * (mean(v ** 2) - learning_rate)``, so that
    the kinetic energy matches the temperature; the injected noise has variance ``2 *
    variance_extra * learning_rate``. See ``zhusuan.sgmcmc.SGNHT``."""

    def __init__(
        self,
        learning_rate: float,
        variance_extra: float = 0.0,
        tune_rate: float = 1.0,
        n_iter_resample_v: int | None = None,
        second_order: bool = True,
        use_vector_xi: bool = True,
    ) -> None:
        super().__init__(learning_rate)
        if not variance_extra >= 0:
            raise ValueError(f"variance_extra must be >= 0, got {variance_extra}")
        self.variance_extra = float(variance_extra)
        self.tune_rate = float(tune_rate)
        self.n_iter_resample_v = n_iter_resample_v or 0
        self.second_order = second_order
        self.use_vector_xi = use_vector_xi

    def _init_state(self, params, rng):
        xi = {}
        for k, q in params.items():
            shape = q.shape if self.use_vector_xi else ()
            xi[k] = dnp.full(shape, self.variance_extra, dtype=q.dtype)
        return {"v": self._momentum(params, rng), "xi": xi}

    def _kinetic(self, v):
        return v**2 if self.use_vector_xi else dnp.mean(v**2)

    def _update(self, params, state, grad_fn, rng):
        lr, rate = self.learning_rate, self.tune_rate
        sd = math.sqrt(2 * self.variance_extra * lr)
        vs, xis = state["v"], state["xi"]
        noise = {k: _normal(v, sd, rng) for k, v in vs.items()}
        if not self.second_order:
            grads = grad_fn(params)
            new_v = {k: (1 - xis[k]) * v + lr * grads[k] + noise[k] for k, v in vs.items()}
            new_q = {k: q + new_v[k] for k, q in params.items()}
            new_xi = {k: xi + rate * (self._kinetic(new_v[k]) - lr) for k, xi in xis.items()}
            return new_q, {"v": new_v, "xi": new_xi}
        q1 = {k: q + 0.5 * vs[k] for k, q in params.items()}
        xi1 = {k: xi + 0.5 * rate * (self._kinetic(vs[k]) - lr) for k, xi in xis.items()}
        grads = grad_fn(q1)
        new_v = {}
        for k, v in vs.items():
            decay = dnp.exp(-0.5 * xi1[k])
            new_v[k] = decay * (decay * v + lr * grads[k] + noise[k])
        new_q = {k: q + 0.5 * new_v[k] for k, q in q1.items()}
        new_xi = {k: xi + 0.5 * rate * (self._kinetic(new_v[k]) - lr) for k, xi in xi1.items()}
        return new_q, {"v": new_v, "xi": new_xi}


def _normal(like, sd: float, rng):
    """N(0, sd ** 2) draws of ``like``'s shape and dtype."""
    return sd * rng.standard_normal(like.shape, dtype=like.dtype)


def _next_batch(batches):
    try:
        return next(batches)
    except StopIteration:
        raise ValueError("data_iter ran out of batches before the last step") from None


def _as_call(batch) -> tuple[tuple, dict]:
    """A batch as ``(args, kwargs)``, its other arrays (NumPy's) as dnp arrays (``dnp.jit``
    keys those)."""
    leaves, treedef = dnp.tree.flatten(batch)
    if any(hasattr(x, "__array__") and not isinstance(x, dnp.ndarray) for x in leaves):
        batch = treedef.unflatten(
            [dnp.asarray(x) if hasattr(x, "__array__") else x for x in leaves]
        )
    if isinstance(batch, tuple):
        return batch, {}
    if isinstance(batch, dict):
        return (), batch
    return (batch,), {}


def _model_potential(model, init_params, batch, rng, init_strategy):
    """``(potential_fn, init_params, constrain)`` for a model: its continuous latent sites, found
    by a run on the first batch, unconstrained by ``biject_to`` of their supports."""
    args, kwargs = _as_call(batch)
    start = substitute(seed(model, rng), substitute_fn=init_strategy)
    sites = trace(start).get_trace(*args, **kwargs)
    transforms = latent_transforms(sites)
    if init_params is None:
        init_params = {name: t.inv(sites[name]["value"]) for name, t in transforms.items()}
    elif set(init_params) != set(transforms):
        raise ValueError(
            f"init_params names {sorted(init_params)}, the model's latent sites are "
            f"{sorted(transforms)}"
        )
    seeded = seed(model, rng)

    def potential_fn(params, *args, **kwargs):
        return potential_energy(seeded, args, kwargs, params, transforms)

    return potential_fn, init_params, functools.partial(transform_fn, transforms)
