"""Location-scale families on the real line, their folds onto [0, inf), LogNormal and Uniform.

Each class states its parameters, support and formulas; z = (x - loc) / scale. Samples are
``loc + scale * noise`` with parameter-free noise from the generator, so they differentiate in
every parameter (``has_rsample``).
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import (
    Distribution,
    TransformedDistribution,
    as_dtype,
    promote_params,
    validate_sample,
)
from dnp.infer.transforms import ExpTransform
from dnp.scipy.special import erf, erfinv, expit, logit, ndtr, ndtri

__all__ = [
    "Cauchy",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Laplace",
    "LogNormal",
    "Logistic",
    "Normal",
    "Uniform",
]

_EULER_GAMMA = 0.57721566490153286061
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)


class _LocScale(Distribution):
    """A family with real ``loc`` and positive ``scale``, on the real line."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    reparametrized_params = ["loc", "scale"]

    def __init__(self, loc=0.0, scale=1.0, *, validate_args=None) -> None:
        self.loc, self.scale = promote_params(loc, scale)
        batch_shape = dnp.broadcast_shapes(self.loc.shape, self.scale.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def _sample(self, shape, rng):
        return self.loc + self.scale * as_dtype(self._noise(shape, rng), self.loc.dtype)

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _broadcast(self, x):
        return dnp.broadcast_to(x, self.batch_shape)


class _Scale(Distribution):
    """A family with one positive ``scale``, on [0, inf)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    reparametrized_params = ["scale"]

    def __init__(self, scale=1.0, *, validate_args=None) -> None:
        (self.scale,) = promote_params(scale)
        super().__init__(self.scale.shape, validate_args=validate_args)

    def _sample(self, shape, rng):
        return self.scale * dnp.abs(as_dtype(self._noise(shape, rng), self.scale.dtype))


class Normal(_LocScale):
    """Normal(loc, scale): loc real, scale > 0; support the reals.

    log p(x) = -z^2 / 2 - log(scale) - log(2 pi) / 2; cdf Phi(z) = ndtr(z); icdf loc + scale
    ndtri(q); mean loc; variance scale^2; entropy 1/2 + log(2 pi)/2 + log(scale).
    """

    def _noise(self, shape, rng):
        return rng.standard_normal(shape, dtype=self.loc.dtype)

    @validate_sample
    def log_prob(self, value):
        # The factors of the parameters first, so the values take four passes:
        # w = (x - loc) sqrt(1/2) / scale, log p = (-log(scale) - log(2 pi) / 2) - w^2.
        factor = self._cached("sqrt(1/2) / scale", lambda: _SQRT_HALF / self.scale)
        norm = self._cached("norm", lambda: -_HALF_LOG_2PI - dnp.log(self.scale))
        w = (value - self.loc) * factor
        return norm - w * w

    def cdf(self, value):
        return ndtr(self._z(value))

    def icdf(self, q):
        return self.loc + self.scale * ndtri(q)

    @property
    def mean(self):
        return self._broadcast(self.loc)

    @property
    def variance(self):
        return self._broadcast(self.scale**2)

    def entropy(self):
        return self._broadcast(0.5 + _HALF_LOG_2PI + dnp.log(self.scale))


class Laplace(_LocScale):
    """Laplace(loc, scale): loc real, scale > 0; support the reals.

    log p(x) = -|z| - log(2 scale); cdf 1/2 - sign(z) expm1(-|z|)/2; icdf loc - scale sign(q -
    1/2) log1p(-2|q - 1/2|); mean loc; variance 2 scale^2; entropy 1 + log(2 scale).
    """

    def _noise(self, shape, rng):
        return rng.laplace(0.0, 1.0, size=shape)

    @validate_sample
    def log_prob(self, value):
        return -dnp.abs(self._z(value)) - dnp.log(2 * self.scale)

    def cdf(self, value):
        z = self._z(value)
        return 0.5 - 0.5 * dnp.sign(z) * dnp.expm1(-dnp.abs(z))

    def icdf(self, q):
        centered = q - 0.5
        return self.loc - self.scale * dnp.sign(centered) * dnp.log1p(-2 * dnp.abs(centered))

    @property
    def mean(self):
        return self._broadcast(self.loc)

    @property
    def variance(self):
        return self._broadcast(2 * self.scale**2)

    def entropy(self):
        return self._broadcast(1 + dnp.log(2 * self.scale))


class Cauchy(_LocScale):
    """Cauchy(loc, scale): loc real, scale > 0; support the reals.

    log p(x) = -log(pi scale) - log1p(z^2); cdf 1/2 + arctan(z)/pi; icdf loc + scale tan(pi
    (q - 1/2)); mean and variance undefined (nan, as scipy.stats); entropy log(4 pi scale).
    """

    def _noise(self, shape, rng):
        return rng.standard_cauchy(shape)

    @validate_sample
    def log_prob(self, value):
        z = self._z(value)
        return -dnp.log(math.pi * self.scale) - dnp.log1p(z * z)

    def cdf(self, value):
        return 0.5 + dnp.arctan(self._z(value)) / math.pi

    def icdf(self, q):
        return self.loc + self.scale * dnp.tan(math.pi * (q - 0.5))

    @property
    def mean(self):
        return dnp.full(self.batch_shape, math.nan, dtype=self.loc.dtype)

    @property
    def variance(self):
        return dnp.full(self.batch_shape, math.nan, dtype=self.loc.dtype)

    def entropy(self):
        return self._broadcast(dnp.log(4 * math.pi * self.scale))


class Logistic(_LocScale):
    """Logistic(loc, scale): loc real, scale > 0; support the reals.

    log p(x) = -z - 2 softplus(-z) - log(scale) (softplus as logaddexp(0, .), finite for any z);
    cdf expit(z); icdf loc + scale logit(q); mean loc; variance scale^2 pi^2 / 3; entropy
    log(scale) + 2.
    """

    def _noise(self, shape, rng):
        return rng.logistic(0.0, 1.0, size=shape)

    @validate_sample
    def log_prob(self, value):
        z = self._z(value)
        return -z - 2 * dnp.logaddexp(0, -z) - dnp.log(self.scale)

    def cdf(self, value):
        return expit(self._z(value))

    def icdf(self, q):
        return self.loc + self.scale * logit(q)

    @property
    def mean(self):
        return self._broadcast(self.loc)

    @property
    def variance(self):
        return self._broadcast(self.scale**2 * (math.pi**2 / 3))

    def entropy(self):
        return self._broadcast(dnp.log(self.scale) + 2)


class Gumbel(_LocScale):
    """Gumbel(loc, scale) (maximum, scipy's gumbel_r): loc real, scale > 0; support the reals.

    log p(x) = -(z + exp(-z)) - log(scale); cdf exp(-exp(-z)); icdf loc - scale log(-log q);
    mean loc + scale gamma_euler; variance pi^2 scale^2 / 6; entropy log(scale) + gamma_euler + 1.
    """

    def _noise(self, shape, rng):
        return rng.gumbel(0.0, 1.0, size=shape)

    @validate_sample
    def log_prob(self, value):
        z = self._z(value)
        return -(z + dnp.exp(-z)) - dnp.log(self.scale)

    def cdf(self, value):
        return dnp.exp(-dnp.exp(-self._z(value)))

    def icdf(self, q):
        return self.loc - self.scale * dnp.log(-dnp.log(q))

    @property
    def mean(self):
        return self._broadcast(self.loc + self.scale * _EULER_GAMMA)

    @property
    def variance(self):
        return self._broadcast(self.scale**2 * (math.pi**2 / 6))

    def entropy(self):
        return self._broadcast(dnp.log(self.scale) + (_EULER_GAMMA + 1))


class HalfNormal(_Scale):
    """HalfNormal(scale): |X| for X ~ Normal(0, scale); scale > 0; support [0, inf)
    (NumPyro says positive; the density at 0 is finite, so 0 is kept, as in scipy.stats).

    log p(x) = log(2/pi)/2 - log(scale) - x^2 / (2 scale^2); cdf erf(x / (scale sqrt 2));
    icdf scale sqrt(2) erfinv(q); mean scale sqrt(2/pi); variance scale^2 (1 - 2/pi);
    entropy log(pi scale^2 / 2)/2 + 1/2.
    """

    def _noise(self, shape, rng):
        return rng.standard_normal(shape, dtype=self.scale.dtype)

    @validate_sample
    def log_prob(self, value):
        z = value / self.scale
        return 0.5 * math.log(2 / math.pi) - dnp.log(self.scale) - 0.5 * z * z

    def cdf(self, value):
        return erf(dnp.maximum(value, 0) / (self.scale * math.sqrt(2)))

    def icdf(self, q):
        return self.scale * math.sqrt(2) * erfinv(q)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale**2 * (1 - 2 / math.pi)

    def entropy(self):
        return 0.5 * dnp.log(math.pi * self.scale**2 / 2) + 0.5


class HalfCauchy(_Scale):
    """HalfCauchy(scale): |X| for X ~ Cauchy(0, scale); scale > 0; support [0, inf).

    log p(x) = log(2 / (pi scale)) - log1p((x / scale)^2); cdf 2 arctan(x / scale) / pi;
    icdf scale tan(pi q / 2); mean and variance inf; entropy log(2 pi scale).
    """

    def _noise(self, shape, rng):
        return rng.standard_cauchy(shape)

    @validate_sample
    def log_prob(self, value):
        z = value / self.scale
        return math.log(2 / math.pi) - dnp.log(self.scale) - dnp.log1p(z * z)

    def cdf(self, value):
        return dnp.arctan(dnp.maximum(value, 0) / self.scale) * (2 / math.pi)

    def icdf(self, q):
        return self.scale * dnp.tan(q * (math.pi / 2))

    @property
    def mean(self):
        return dnp.full(self.batch_shape, math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return dnp.full(self.batch_shape, math.inf, dtype=self.scale.dtype)

    def entropy(self):
        return dnp.log(2 * math.pi * self.scale)


class LogNormal(TransformedDistribution):
    """LogNormal(loc, scale): exp(X) for X ~ Normal(loc, scale); loc real, scale > 0; support
    x > 0. A TransformedDistribution of Normal through ExpTransform, as in NumPyro.

    log p(x) = Normal(loc, scale).log_prob(log x) - log x; cdf ndtr((log x - loc) / scale);
    icdf exp(loc + scale ndtri(q)); mean exp(loc + scale^2/2); variance
    (exp(scale^2) - 1) exp(2 loc + scale^2); entropy loc + 1/2 + log(2 pi)/2 + log(scale).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    reparametrized_params = ["loc", "scale"]

    def __init__(self, loc=0.0, scale=1.0, *, validate_args=None) -> None:
        # The parameters are checked here, so an error names LogNormal, not its base.
        base = Normal(loc, scale, validate_args=False)
        self.loc, self.scale = base.loc, base.scale
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def cdf(self, value):
        with dnp.errstate(divide="ignore"):  # log(0) = -inf: the cdf at 0 is 0
            return self.base_dist.cdf(dnp.log(dnp.maximum(value, 0)))

    @property
    def mean(self):
        return dnp.broadcast_to(dnp.exp(self.loc + self.scale**2 / 2), self.batch_shape)

    @property
    def variance(self):
        scale2 = self.scale**2
        variance = dnp.expm1(scale2) * dnp.exp(2 * self.loc + scale2)
        return dnp.broadcast_to(variance, self.batch_shape)

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Uniform(Distribution):
    """Uniform(low, high): low < high, both real; support the closed interval [low, high].

    log p(x) = -log(high - low); cdf (x - low) / (high - low), clipped to [0, 1]; icdf
    low + q (high - low); mean (low + high)/2; variance (high - low)^2 / 12; entropy
    log(high - low). Validation also checks high > low (reported as the high parameter).
    """

    arg_constraints = {"low": constraints.real, "high": constraints.real}
    reparametrized_params = ["low", "high"]

    def __init__(self, low=0.0, high=1.0, *, validate_args=None) -> None:
        self.low, self.high = promote_params(low, high)
        self.support = constraints.interval(self.low, self.high)
        batch_shape = dnp.broadcast_shapes(self.low.shape, self.high.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def _validate_params(self) -> None:
        super()._validate_params()
        if not bool(dnp.all(self.high > self.low)):
            raise ValueError("Uniform distribution got invalid high parameter: it must be > low")

    def _sample(self, shape, rng):
        u = rng.random(shape, dtype=self.low.dtype)
        return self.low + (self.high - self.low) * u

    @validate_sample
    def log_prob(self, value):
        return dnp.zeros_like(value * self.low) - dnp.log(self.high - self.low)

    def cdf(self, value):
        return dnp.clip((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, q):
        return self.low + q * (self.high - self.low)

    @property
    def mean(self):
        return dnp.broadcast_to((self.low + self.high) / 2, self.batch_shape)

    @property
    def variance(self):
        return dnp.broadcast_to((self.high - self.low) ** 2 / 12, self.batch_shape)

    def entropy(self):
        return dnp.broadcast_to(dnp.log(self.high - self.low), self.batch_shape)
