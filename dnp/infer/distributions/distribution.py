"""The ``Distribution`` base and the meta distributions built from others.

The contract is NumPyro's (``numpyro.distributions.Distribution``): a distribution has a
``batch_shape`` (independent, not identically distributed copies) and an ``event_shape`` (the
shape of one draw); ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``
and ``log_prob(value)`` the log density over the batch. Parameters and their constraints are data
(``arg_constraints``), as is the ``support``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math

import dnp
from dnp.infer import constraints
from dnp.infer.transforms import ComposeTransform, Transform

__all__ = [
    "Delta",
    "Distribution",
    "ExpandedDistribution",
    "ImproperUniform",
    "Independent",
    "MaskedDistribution",
    "TransformedDistribution",
    "enable_validation",
    "is_validation_enabled",
]

_VALIDATION = {"enabled": False}
# Supports with no bounds to enforce: log_prob skips the support mask for these.
_UNBOUNDED = (constraints.real, constraints.real_vector, constraints.real_matrix)


def enable_validation(is_validate: bool = True) -> None:
    """Check parameters and ``log_prob`` values of every distribution built from now on that is
    not given ``validate_args`` (``numpyro.enable_validation``)."""
    _VALIDATION["enabled"] = bool(is_validate)


def is_validation_enabled() -> bool:
    """Whether ``enable_validation`` is on."""
    return _VALIDATION["enabled"]


# The generator of unseeded draws, made at import (a generator first made inside a function
# dnp.jit traces would leave it eager).
_DEFAULT_RNG = dnp.random.default_rng()


_is_recording = dnp.autograd.is_recording
_Generator = dnp.random.Generator


def as_generator(rng):
    """``rng`` as a ``dnp.random.Generator``: itself, a fresh one seeded with an int, or for
    None the default generator of ``dnp.infer`` (one for the process, like NumPy's global
    state; ``set_rng_seed`` seeds it)."""
    if isinstance(rng, _Generator):
        return rng
    if rng is None:
        return _DEFAULT_RNG
    return dnp.random.default_rng(rng)


def set_rng_seed(seed) -> None:
    """Seed the generator that unseeded draws take (``sample(rng=None)``, model sites outside a
    ``seed`` handler), in place: functions ``dnp.jit`` traced keep drawing from it (Pyro's
    ``pyro.set_rng_seed``). Not inside a jitted function: a replay would not repeat it."""
    as_generator(None).bit_generator.state = dnp.random.default_rng(seed).bit_generator.state


def as_dtype(x, dtype):
    """Array ``x`` in ``dtype``: itself when it has it (no copy, gradients flow), else cast."""
    return x if x.dtype == dtype else x.astype(dtype)


def promote_params(*params):
    """The parameters as dnp arrays of one floating dtype, by NumPy's promotion with a Python
    float (float32 stays float32, Python numbers and integers give float64); lists and tuples are
    arrays, as to NumPy. Arrays already of that dtype are returned as they are, so gradients
    attached to them flow."""
    params = [dnp.asarray(p) if isinstance(p, (list, tuple)) else p for p in params]
    dtype = dnp.result_type(*params, 1.0)
    promoted = []
    for p in params:
        if isinstance(p, dnp.ndarray):
            promoted.append(as_dtype(p, dtype))
        else:
            promoted.append(dnp.asarray(p, dtype=dtype))
    return promoted


def sum_all(x):
    """``x`` summed to a 0-d array: ``x`` itself when it is one (no op to run or replay)."""
    return x if x.ndim == 0 else dnp.sum(x)


def sum_rightmost(x, n: int):
    """``x`` summed over its ``n`` rightmost axes."""
    return dnp.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


_IN_SUPPORT = contextvars.ContextVar("values_in_support", default=False)


@contextlib.contextmanager
def values_in_support():
    """Within this block the values given to ``log_prob`` are known to be in the support (a
    model's observed data, checked once): their log densities skip the support mask."""
    token = _IN_SUPPORT.set(True)
    try:
        yield
    finally:
        _IN_SUPPORT.reset(token)


def validate_sample(log_prob):
    """Decorate a ``log_prob``: with validation on, a value outside the support raises
    ValueError; otherwise its log density is -inf (where the formula may say otherwise),
    unless the values are known to be in the support (``values_in_support``)."""

    @functools.wraps(log_prob)
    def wrapper(self, value):
        if not isinstance(value, (dnp.ndarray, int, float)):
            value = dnp.asarray(value)
        if self._validate_args:
            self._validate_sample(value)
        if self.support in _UNBOUNDED or _IN_SUPPORT.get():  # the formula is right there
            return log_prob(self, value)
        # Outside the support the formula is undefined (log of a negative, say): silence it.
        with dnp.errstate(divide="ignore", invalid="ignore"):
            return dnp.where(self.support(value), log_prob(self, value), -math.inf)

    return wrapper


class Distribution:
    """The base of all distributions (NumPyro's ``Distribution``).

    A subclass declares ``arg_constraints`` (parameter name -> constraint), ``support`` and
    ``reparametrized_params``, and implements ``log_prob`` and a ``_sample(shape, rng)`` drawing
    an array of the full ``shape``; the moments, ``entropy``, ``cdf`` and ``icdf`` where it has
    them. ``validate_args`` (default: ``is_validation_enabled()``) checks each parameter
    against its constraint at construction and each ``log_prob`` value against the support,
    raising ValueError.
    """

    arg_constraints: dict = {}
    support = None
    reparametrized_params: list = []

    def __init__(self, batch_shape=(), event_shape=(), *, validate_args=None) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = is_validation_enabled() if validate_args is None else validate_args
        if self._validate_args:
            self._validate_params()

    def _cached(self, name: str, compute):
        """``compute()``, a function of the parameters alone, kept and reused while
        ``dnp.autograd`` is not recording; on the tape it is recomputed, so that gradients
        reach the parameters. (Like torch's lazy properties, it assumes the parameters are
        not overwritten in place afterwards.)"""
        if _is_recording():
            return compute()
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = self._cache = {}
        elif name in cache:
            return cache[name]
        value = cache[name] = compute()
        return value

    def _validate_params(self) -> None:
        for name, constraint in self.arg_constraints.items():
            value = getattr(self, name, None)
            if value is not None and not bool(dnp.all(constraint(value))):
                raise ValueError(
                    f"{type(self).__name__} distribution got invalid {name} parameter: "
                    f"it must satisfy {constraint!r}"
                )

    def _validate_sample(self, value) -> None:
        if not bool(dnp.all(self.support(value))):
            raise ValueError(
                f"{type(self).__name__}.log_prob got a value outside the support {self.support!r}"
            )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self._event_shape

    @property
    def event_dim(self) -> int:
        return len(self._event_shape)

    @property
    def has_rsample(self) -> bool:
        """Whether ``sample`` is pathwise-differentiable in every parameter."""
        return set(self.reparametrized_params) == set(self.arg_constraints)

    def shape(self, sample_shape=()) -> tuple[int, ...]:
        """``sample_shape + batch_shape + event_shape``: the shape of ``sample(sample_shape)``."""
        return tuple(sample_shape) + self.batch_shape + self.event_shape

    def sample(self, sample_shape=(), rng=None):
        """Draws of shape ``sample_shape + batch_shape + event_shape``. ``rng`` is a
        ``dnp.random.Generator``, an int seed, or None (``dnp.infer``'s default generator,
        ``set_rng_seed``). Under
        ``dnp.autograd.record`` the draws differentiate in the parameters where ``has_rsample``."""
        return self._sample(self.shape(sample_shape), as_generator(rng))

    def _sample(self, shape, rng):
        raise NotImplementedError(f"{type(self).__name__} cannot be sampled")

    def log_prob(self, value):
        """The log density (or mass) at ``value``, of shape broadcast over the batch."""
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self):
        return dnp.sqrt(self.variance)

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__} has no entropy")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, q):
        raise NotImplementedError(f"{type(self).__name__} has no icdf")

    def expand(self, batch_shape) -> Distribution:
        """This distribution with its batch broadcast to ``batch_shape``; new axes are
        independent copies."""
        batch_shape = tuple(batch_shape)
        if batch_shape == self.batch_shape:
            return self
        return ExpandedDistribution(self, batch_shape)

    def to_event(self, reinterpreted_batch_ndims: int | None = None) -> Distribution:
        """The ``reinterpreted_batch_ndims`` rightmost batch axes (all, by default) made event
        axes: an ``Independent``."""
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = len(self.batch_shape)
        if reinterpreted_batch_ndims == 0:
            return self
        return Independent(self, reinterpreted_batch_ndims)

    def mask(self, mask) -> Distribution:
        """``log_prob`` kept where ``mask`` (a boolean broadcast over the batch) is True, 0
        elsewhere: a ``MaskedDistribution``."""
        if mask is True:
            return self
        return MaskedDistribution(self, mask)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(batch_shape={self.batch_shape}, event_shape={self.event_shape})"
        )


class _OverBase(Distribution):
    """A distribution made from another, ``base_dist``: pathwise where the base is."""

    base_dist: Distribution

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    def _adopt(self, base_dist: Distribution, batch_shape) -> None:
        """Take ``base_dist``'s support, event shape and validation, over ``batch_shape``."""
        self.base_dist = base_dist
        self.support = base_dist.support
        super().__init__(batch_shape, base_dist.event_shape, validate_args=False)
        self._validate_args = base_dist._validate_args


class ExpandedDistribution(_OverBase):
    """``base_dist`` with its batch broadcast to ``batch_shape``: draws along new (or size-1)
    batch axes are independent; ``log_prob`` is the base's, broadcast."""

    def __init__(self, base_dist: Distribution, batch_shape=()) -> None:
        if isinstance(base_dist, ExpandedDistribution):
            base_dist = base_dist.base_dist
        batch_shape = tuple(batch_shape)
        if dnp.broadcast_shapes(base_dist.batch_shape, batch_shape) != batch_shape:
            raise ValueError(f"cannot expand batch_shape {base_dist.batch_shape} to {batch_shape}")
        self._adopt(base_dist, batch_shape)

    def sample(self, sample_shape=(), rng=None):
        sample_shape = tuple(sample_shape)
        batch = self.batch_shape
        base_batch = (1,) * (len(batch) - len(self.base_dist.batch_shape))
        base_batch += self.base_dist.batch_shape
        # The base draws each broadcast axis as an extra sample axis, moved into place after.
        expanded = [i for i, (b, n) in enumerate(zip(base_batch, batch, strict=True)) if b != n]
        extra = tuple(batch[i] for i in expanded)
        x = self.base_dist.sample(sample_shape + extra, rng)
        s, e, k = len(sample_shape), len(extra), len(batch)
        x = dnp.reshape(x, sample_shape + extra + base_batch + self.event_shape)
        batch_axes = [s + expanded.index(i) if i in expanded else s + e + i for i in range(k)]
        size_one = [s + e + i for i in expanded]
        events = list(range(s + e + k, x.ndim))
        x = dnp.transpose(x, list(range(s)) + batch_axes + size_one + events)
        return dnp.reshape(x, self.shape(sample_shape))

    def _broadcast(self, x, event: bool = True):
        shape = self.batch_shape + (self.event_shape if event else ())
        return dnp.broadcast_to(x, dnp.broadcast_shapes(dnp.shape(x), shape))

    def log_prob(self, value):
        return self._broadcast(self.base_dist.log_prob(value), event=False)

    @property
    def mean(self):
        return self._broadcast(self.base_dist.mean)

    @property
    def variance(self):
        return self._broadcast(self.base_dist.variance)

    def entropy(self):
        return self._broadcast(self.base_dist.entropy(), event=False)

    def cdf(self, value):
        return self._broadcast(self.base_dist.cdf(value))

    def icdf(self, q):
        return self._broadcast(self.base_dist.icdf(q))


class Independent(_OverBase):
    """``base_dist`` with its ``reinterpreted_batch_ndims`` rightmost batch axes made event axes:
    ``log_prob`` and ``entropy`` summed over them; samples and moments unchanged."""

    def __init__(
        self, base_dist: Distribution, reinterpreted_batch_ndims: int, *, validate_args=None
    ) -> None:
        n = reinterpreted_batch_ndims
        if not isinstance(n, int) or not 0 <= n <= len(base_dist.batch_shape):
            raise ValueError(
                f"reinterpreted_batch_ndims must be an int in [0, {len(base_dist.batch_shape)}], "
                f"got {n!r}"
            )
        self.base_dist = base_dist
        self.reinterpreted_batch_ndims = n
        split = len(base_dist.batch_shape) - n
        self.support = constraints.independent(base_dist.support, n)
        super().__init__(
            base_dist.batch_shape[:split],
            base_dist.batch_shape[split:] + base_dist.event_shape,
            validate_args=validate_args,
        )

    def sample(self, sample_shape=(), rng=None):
        return self.base_dist.sample(sample_shape, rng)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance

    def entropy(self):
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)


class MaskedDistribution(_OverBase):
    """``base_dist`` whose ``log_prob`` is 0 where ``mask`` is False: ``mask`` is a Python bool
    or a boolean array broadcast with the batch (the batch grows to the broadcast shape)."""

    def __init__(self, base_dist: Distribution, mask) -> None:
        if isinstance(mask, bool):
            batch_shape = base_dist.batch_shape
        else:
            mask = dnp.asarray(mask)
            if mask.dtype != dnp.bool_:
                raise ValueError(f"mask must be a boolean array, got dtype {mask.dtype}")
            batch_shape = dnp.broadcast_shapes(mask.shape, base_dist.batch_shape)
            base_dist = base_dist.expand(batch_shape)
        self._mask = mask
        self._adopt(base_dist, batch_shape)

    def sample(self, sample_shape=(), rng=None):
        return self.base_dist.sample(sample_shape, rng)

    def log_prob(self, value):
        log_prob = self.base_dist.log_prob(value)
        if self._mask is True:
            return log_prob
        return dnp.where(self._mask, log_prob, dnp.zeros((), dtype=dnp.result_type(log_prob)))

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance


class Delta(Distribution):
    """A point mass at ``v``, carrying ``log_density`` there (NumPyro's ``Delta``).

    Parameters: ``v`` (the point; its ``event_dim`` rightmost axes are the event),
    ``log_density`` (real, broadcast over the batch). Support: ``independent(real, event_dim)``.
    log_prob(x) = log_density if x == v (every event entry) else -inf; mean v; variance 0.
    Sampling returns ``v`` broadcast, differentiable in ``v``.
    """

    arg_constraints = {"log_density": constraints.real}
    reparametrized_params = ["v", "log_density"]

    def __init__(self, v=0.0, log_density=0.0, event_dim: int = 0, *, validate_args=None) -> None:
        v, log_density = promote_params(v, log_density)
        if event_dim > v.ndim:
            raise ValueError(f"event_dim {event_dim} exceeds v.ndim {v.ndim}")
        split = v.ndim - event_dim
        batch_shape, event_shape = v.shape[:split], v.shape[split:]
        self.v = v
        self.log_density = dnp.broadcast_to(log_density, batch_shape)
        self.support = constraints.independent(constraints.real, event_dim)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:
        return True

    def _sample(self, shape, rng):
        return dnp.broadcast_to(self.v, shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        zero = dnp.zeros((), dtype=self.v.dtype)
        log_prob = sum_rightmost(dnp.where(value == self.v, zero, -math.inf), self.event_dim)
        return log_prob + self.log_density

    @property
    def mean(self):
        return self.v

    @property
    def variance(self):
        return dnp.zeros_like(self.v)


class ImproperUniform(Distribution):
    """The improper flat density (log_prob 0) on ``support``, for unconstrained latents; it has
    no samples. ``batch_shape`` and ``event_shape`` are given, as in NumPyro."""

    def __init__(self, support, batch_shape=(), event_shape=(), *, validate_args=None) -> None:
        self.support = constraints.independent(support, len(event_shape) - support.event_dim)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def sample(self, sample_shape=(), rng=None):
        raise NotImplementedError("ImproperUniform has no samples; initialize the site instead")

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = dnp.asarray(value)
        batch = value.shape[: value.ndim - self.event_dim]
        shape = dnp.broadcast_shapes(batch, self.batch_shape)
        return dnp.zeros(shape, dtype=dnp.result_type(value, 1.0))


class TransformedDistribution(_OverBase):
    """``base_distribution`` pushed through ``transforms`` (one Transform or a list, applied in
    order): y = t_n(... t_1(x)).

    log_prob(y) = base.log_prob(x) - sum_i log|det J_{t_i}(x_{i-1})|, each log-det summed over
    the axes that are event axes here but batch axes of that transform. ``cdf``/``icdf`` exist
    for monotone scalar transforms. Samples are pathwise where the base's are.
    """

    def __init__(self, base_distribution: Distribution, transforms, *, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        transforms = list(transforms)
        transform = ComposeTransform(transforms)
        base_shape = base_distribution.shape()
        base_event_dim = base_distribution.event_dim
        domain_event_dim = transform.domain.event_dim
        if len(base_shape) < domain_event_dim:
            raise ValueError(
                f"base distribution needs at least {domain_event_dim} dimensions for {transforms}"
            )
        shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(shape)
        if base_shape != expanded_base_shape:
            split = len(expanded_base_shape) - base_event_dim
            base_distribution = base_distribution.expand(expanded_base_shape[:split])
        if domain_event_dim > base_event_dim:
            base_distribution = base_distribution.to_event(domain_event_dim - base_event_dim)
        self.base_dist = base_distribution
        self.transforms = transforms
        event_dim = transform.codomain.event_dim + max(base_event_dim - domain_event_dim, 0)
        codomain = transform.codomain
        extra = event_dim - codomain.event_dim
        self.support = constraints.independent(codomain, extra) if extra else codomain
        split = len(shape) - event_dim
        super().__init__(shape[:split], shape[split:], validate_args=validate_args)

    def sample(self, sample_shape=(), rng=None):
        x = self.base_dist.sample(sample_shape, rng)
        for transform in self.transforms:
            x = transform(x)
        return x

    @validate_sample
    def log_prob(self, value):
        event_dim = self.event_dim
        log_prob = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            batch_ndim = event_dim - transform.codomain.event_dim
            log_det = transform.log_abs_det_jacobian(x, y)
            log_prob = log_prob - sum_rightmost(log_det, batch_ndim)
            event_dim = transform.domain.event_dim + batch_ndim
            y = x
        base_log_prob = self.base_dist.log_prob(y)
        return log_prob + sum_rightmost(base_log_prob, event_dim - self.base_dist.event_dim)

    def _sign(self):
        sign = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        return sign

    def cdf(self, value):
        for transform in reversed(self.transforms):
            value = transform.inv(value)
        q = self.base_dist.cdf(value)
        return dnp.where(dnp.asarray(self._sign()) > 0, q, 1 - q)

    def icdf(self, q):
        q = dnp.where(dnp.asarray(self._sign()) > 0, q, 1 - q)
        value = self.base_dist.icdf(q)
        for transform in self.transforms:
            value = transform(value)
        return value
