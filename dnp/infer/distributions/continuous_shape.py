"""Families with shape parameters: the gamma family (Gamma, Chi2, Exponential, InverseGamma),
Beta, StudentT, Weibull and Pareto.

Samples come from the generator's ``standard_gamma``/``beta`` (implicitly reparameterized in
dnp) and ``standard_exponential``/``standard_normal`` noise, so every family here differentiates
its samples in every parameter (``has_rsample``).
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import Distribution, promote_params, validate_sample
from dnp.scipy.special import (
    betainc,
    betaincinv,
    betaln,
    digamma,
    gammainc,
    gammaincc,
    gammainccinv,
    gammaincinv,
    gammaln,
    stdtrit,
    xlog1py,
    xlogy,
)

__all__ = [
    "Beta",
    "Chi2",
    "Exponential",
    "Gamma",
    "InverseGamma",
    "Pareto",
    "StudentT",
    "Weibull",
]

_EULER_GAMMA = 0.57721566490153286061


class _Family(Distribution):
    """Keyword parameters set as attributes, promoted to one dtype; the batch shape is their
    broadcast shape."""

    def __init__(self, validate_args=None, **params) -> None:
        promoted = promote_params(*params.values())
        for name, value in zip(params, promoted, strict=True):
            setattr(self, name, value)
        batch_shape = dnp.broadcast_shapes(*(p.shape for p in promoted))
        self.dtype = promoted[0].dtype
        super().__init__(batch_shape, validate_args=validate_args)

    def _broadcast(self, x):
        return dnp.broadcast_to(x, self.batch_shape)


class Gamma(_Family):
    """Gamma(concentration, rate=1): concentration a > 0, rate b > 0; support [0, inf).

    log p(x) = (a - 1) log x + a log b - b x - gammaln(a) (xlogy, so x = 0 is exact);
    cdf gammainc(a, b x) (0 for x < 0: every cdf here is 0 or 1 outside the support);
    icdf gammaincinv(a, q) / b;
    mean a / b; variance a / b^2; entropy a - log b + gammaln(a) + (1 - a) digamma(a).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    reparametrized_params = ["concentration", "rate"]

    def __init__(self, concentration, rate=1.0, *, validate_args=None) -> None:
        super().__init__(validate_args, concentration=concentration, rate=rate)

    def _sample(self, shape, rng):
        return rng.standard_gamma(self.concentration, size=shape, dtype=self.dtype) / self.rate

    @validate_sample
    def log_prob(self, value):
        a, b = self.concentration, self.rate
        a_1 = self._cached("concentration - 1", lambda: a - 1)
        norm = self._cached("norm", lambda: a * dnp.log(b) - gammaln(a))
        return (xlogy(a_1, value) - b * value) + norm

    def cdf(self, value):
        return gammainc(self.concentration, self.rate * dnp.maximum(value, 0))

    def icdf(self, q):
        return gammaincinv(self.concentration, q) / self.rate

    @property
    def mean(self):
        return self._broadcast(self.concentration / self.rate)

    @property
    def variance(self):
        return self._broadcast(self.concentration / self.rate**2)

    def entropy(self):
        a = self.concentration
        return self._broadcast(a - dnp.log(self.rate) + gammaln(a) + (1 - a) * digamma(a))


class Chi2(Gamma):
    """Chi2(df): df > 0; Gamma(df / 2, 1 / 2); support [0, inf)."""

    arg_constraints = {"df": constraints.positive}
    reparametrized_params = ["df"]

    def __init__(self, df, *, validate_args=None) -> None:
        (self.df,) = promote_params(df)
        super().__init__(0.5 * self.df, 0.5, validate_args=validate_args)


class Exponential(_Family):
    """Exponential(rate=1): rate > 0; support [0, inf).

    log p(x) = log(rate) - rate x; cdf -expm1(-rate x); icdf -log1p(-q) / rate; mean 1/rate;
    variance 1/rate^2; entropy 1 - log(rate).
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    reparametrized_params = ["rate"]

    def __init__(self, rate=1.0, *, validate_args=None) -> None:
        super().__init__(validate_args, rate=rate)

    def _sample(self, shape, rng):
        return rng.standard_exponential(shape, dtype=self.dtype) / self.rate

    @validate_sample
    def log_prob(self, value):
        return dnp.log(self.rate) - self.rate * value

    def cdf(self, value):
        return -dnp.expm1(-self.rate * dnp.maximum(value, 0))

    def icdf(self, q):
        return -dnp.log1p(-q) / self.rate

    @property
    def mean(self):
        return 1 / self.rate

    @property
    def variance(self):
        return 1 / self.rate**2

    def entropy(self):
        return 1 - dnp.log(self.rate)


class InverseGamma(_Family):
    """InverseGamma(concentration, rate=1): 1/X for X ~ Gamma(concentration, rate);
    concentration a > 0, rate b > 0; support x > 0.

    log p(x) = a log b - gammaln(a) - (a + 1) log x - b / x; cdf gammaincc(a, b / x);
    icdf b / gammainccinv(a, q);
    mean b / (a - 1) for a > 1, else inf; variance b^2 / ((a - 1)^2 (a - 2)) for a > 2, else inf;
    entropy a + log b + gammaln(a) - (1 + a) digamma(a).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    reparametrized_params = ["concentration", "rate"]

    def __init__(self, concentration, rate=1.0, *, validate_args=None) -> None:
        super().__init__(validate_args, concentration=concentration, rate=rate)

    def _sample(self, shape, rng):
        concentration = dnp.broadcast_to(self.concentration, shape)
        return self.rate / rng.standard_gamma(concentration, size=shape, dtype=self.dtype)

    @validate_sample
    def log_prob(self, value):
        a, b = self.concentration, self.rate
        return a * dnp.log(b) - gammaln(a) - (a + 1) * dnp.log(value) - b / value

    def cdf(self, value):
        with dnp.errstate(divide="ignore"):  # rate / 0 = inf: the cdf at 0 is 0
            return gammaincc(self.concentration, self.rate / dnp.maximum(value, 0))

    def icdf(self, q):
        with dnp.errstate(divide="ignore"):  # gammainccinv(a, 1) = 0: the icdf at 1 is inf
            return self.rate / gammainccinv(self.concentration, q)

    @property
    def mean(self):
        a = self.concentration
        return self._broadcast(dnp.where(a > 1, self.rate / (a - 1), math.inf))

    @property
    def variance(self):
        a = self.concentration
        return self._broadcast(dnp.where(a > 2, self.rate**2 / ((a - 1) ** 2 * (a - 2)), math.inf))

    def entropy(self):
        a = self.concentration
        return self._broadcast(a + dnp.log(self.rate) + gammaln(a) - (1 + a) * digamma(a))


class Beta(_Family):
    """Beta(concentration1, concentration0): a = concentration1 > 0, b = concentration0 > 0;
    support [0, 1].

    log p(x) = (a - 1) log x + (b - 1) log1p(-x) - betaln(a, b) (xlogy/xlog1py: exact at the
    ends); cdf betainc(a, b, x); icdf betaincinv(a, b, q); mean a / (a + b); variance
    a b / ((a + b)^2 (a + b + 1)); entropy betaln(a, b) - (a - 1) digamma(a)
    - (b - 1) digamma(b) + (a + b - 2) digamma(a + b).
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    reparametrized_params = ["concentration1", "concentration0"]

    def __init__(self, concentration1, concentration0, *, validate_args=None) -> None:
        super().__init__(
            validate_args, concentration1=concentration1, concentration0=concentration0
        )

    def _sample(self, shape, rng):
        # NumPy's beta draws in float64 (and dnp's gradient of it is float64): cast both ways,
        # so float32 parameters get float32 samples and gradients.
        a, b = self.concentration1, self.concentration0
        if self.dtype != dnp.float64:
            x = rng.beta(a.astype(dnp.float64), b.astype(dnp.float64), size=shape)
            return x.astype(self.dtype)
        return rng.beta(a, b, size=shape)

    @validate_sample
    def log_prob(self, value):
        a, b = self.concentration1, self.concentration0
        a_1, b_1 = self._cached("concentrations - 1", lambda: (a - 1, b - 1))
        norm = self._cached("norm", lambda: betaln(a, b))
        return (xlogy(a_1, value) + xlog1py(b_1, -value)) - norm

    def cdf(self, value):
        return betainc(self.concentration1, self.concentration0, dnp.clip(value, 0, 1))

    def icdf(self, q):
        return betaincinv(self.concentration1, self.concentration0, q)

    @property
    def mean(self):
        a, b = self.concentration1, self.concentration0
        return self._broadcast(a / (a + b))

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        return self._broadcast(a * b / (total**2 * (total + 1)))

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return self._broadcast(
            betaln(a, b)
            - (a - 1) * digamma(a)
            - (b - 1) * digamma(b)
            + (a + b - 2) * digamma(a + b)
        )


class StudentT(_Family):
    """StudentT(df, loc=0, scale=1): df > 0, loc real, scale > 0; support the reals.

    With z = (x - loc) / scale: log p(x) = gammaln((df + 1)/2) - gammaln(df/2) - log(pi df)/2
    - log(scale) - (df + 1)/2 log1p(z^2 / df); cdf from the regularized incomplete beta,
    1 - betainc(df/2, 1/2, df / (df + z^2)) / 2 for z > 0 (mirrored for z < 0); icdf
    loc + scale stdtrit(df, q); mean loc for
    df > 1 (else nan); variance scale^2 df / (df - 2) for df > 2, inf for 1 < df <= 2, else nan;
    entropy (df + 1)/2 (digamma((df + 1)/2) - digamma(df/2)) + log(sqrt(df) B(df/2, 1/2))
    + log(scale). Samples: loc + scale z sqrt(df / c), z normal, c = 2 Gamma(df/2) (a chi2).
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    reparametrized_params = ["df", "loc", "scale"]

    def __init__(self, df, loc=0.0, scale=1.0, *, validate_args=None) -> None:
        super().__init__(validate_args, df=df, loc=loc, scale=scale)

    def _sample(self, shape, rng):
        z = rng.standard_normal(shape, dtype=self.dtype)
        half_df = dnp.broadcast_to(0.5 * self.df, shape)
        chi2 = 2 * rng.standard_gamma(half_df, size=shape, dtype=self.dtype)
        return self.loc + self.scale * z * dnp.sqrt(self.df / chi2)

    @validate_sample
    def log_prob(self, value):
        df = self.df
        z = (value - self.loc) / self.scale
        normalizer = gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * dnp.log(math.pi * df)
        return normalizer - dnp.log(self.scale) - 0.5 * (df + 1) * dnp.log1p(z * z / df)

    def cdf(self, value):
        z = (value - self.loc) / self.scale
        tail = 0.5 * betainc(0.5 * self.df, 0.5, self.df / (self.df + z * z))
        return dnp.where(z > 0, 1 - tail, tail)

    def icdf(self, q):
        # SciPy's stdtrit(df, 0) is +inf: the lower end is -inf.
        t = dnp.where(dnp.asarray(q) == 0, -math.inf, stdtrit(self.df, q))
        return self.loc + self.scale * t

    @property
    def mean(self):
        return self._broadcast(dnp.where(self.df > 1, self.loc, math.nan))

    @property
    def variance(self):
        df = self.df
        finite = self.scale**2 * df / dnp.where(df > 2, df - 2, 1)
        infinite = dnp.where(df > 1, math.inf, math.nan).astype(self.dtype)
        return self._broadcast(dnp.where(df > 2, finite, infinite))

    def entropy(self):
        half = 0.5 * self.df
        return self._broadcast(
            (half + 0.5) * (digamma(half + 0.5) - digamma(half))
            + 0.5 * dnp.log(self.df)
            # scipy's betaln makes a Python 0.5 float64: pass it in the parameters' dtype.
            + betaln(half, dnp.asarray(0.5, dtype=self.dtype))
            + dnp.log(self.scale)
        )


class Weibull(_Family):
    """Weibull(scale, concentration): scale lam > 0, concentration k > 0; support [0, inf).

    log p(x) = log(k / lam) + (k - 1) log(x / lam) - (x / lam)^k; cdf -expm1(-(x / lam)^k);
    icdf lam (-log1p(-q))^(1/k); mean lam Gamma(1 + 1/k); variance lam^2 (Gamma(1 + 2/k) -
    Gamma(1 + 1/k)^2); entropy gamma_euler (1 - 1/k) + log(lam / k) + 1. Samples:
    lam E^(1/k), E standard exponential.
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.nonnegative
    reparametrized_params = ["scale", "concentration"]

    def __init__(self, scale, concentration, *, validate_args=None) -> None:
        super().__init__(validate_args, scale=scale, concentration=concentration)

    def _sample(self, shape, rng):
        e = rng.standard_exponential(shape, dtype=self.dtype)
        return self.scale * e ** (1 / self.concentration)

    @validate_sample
    def log_prob(self, value):
        k, z = self.concentration, value / self.scale
        return dnp.log(k / self.scale) + xlogy(k - 1, z) - z**k

    def cdf(self, value):
        return -dnp.expm1(-((dnp.maximum(value, 0) / self.scale) ** self.concentration))

    def icdf(self, q):
        return self.scale * (-dnp.log1p(-q)) ** (1 / self.concentration)

    @property
    def mean(self):
        return self._broadcast(self.scale * dnp.exp(gammaln(1 + 1 / self.concentration)))

    @property
    def variance(self):
        k = self.concentration
        moment2 = dnp.exp(gammaln(1 + 2 / k))
        return self._broadcast(self.scale**2 * (moment2 - dnp.exp(2 * gammaln(1 + 1 / k))))

    def entropy(self):
        k = self.concentration
        return self._broadcast(_EULER_GAMMA * (1 - 1 / k) + dnp.log(self.scale / k) + 1)


class Pareto(_Family):
    """Pareto(scale, alpha): scale > 0, alpha > 0; support [scale, inf) (NumPyro's is open at
    scale; the density there is finite, so scale is kept, as in scipy.stats).

    log p(x) = log(alpha) + alpha log(scale) - (alpha + 1) log(x); cdf 1 - (scale / x)^alpha;
    icdf scale (1 - q)^(-1/alpha); mean alpha scale / (alpha - 1) for alpha > 1, else inf;
    variance scale^2 alpha / ((alpha - 1)^2 (alpha - 2)) for alpha > 2, else inf; entropy
    log(scale / alpha) + 1/alpha + 1. Samples: scale exp(E / alpha), E standard exponential.
    """

    arg_constraints = {"scale": constraints.positive, "alpha": constraints.positive}
    reparametrized_params = ["scale", "alpha"]

    def __init__(self, scale, alpha, *, validate_args=None) -> None:
        super().__init__(validate_args, scale=scale, alpha=alpha)

    @property
    def support(self):
        return constraints.greater_than_eq(self.scale)

    def _sample(self, shape, rng):
        e = rng.standard_exponential(shape, dtype=self.dtype)
        return self.scale * dnp.exp(e / self.alpha)

    @validate_sample
    def log_prob(self, value):
        a = self.alpha
        return dnp.log(a) + a * dnp.log(self.scale) - (a + 1) * dnp.log(value)

    def cdf(self, value):
        return 1 - (self.scale / dnp.maximum(value, self.scale)) ** self.alpha

    def icdf(self, q):
        return self.scale * (1 - q) ** (-1 / self.alpha)

    @property
    def mean(self):
        a = self.alpha
        return self._broadcast(dnp.where(a > 1, a * self.scale / (a - 1), math.inf))

    @property
    def variance(self):
        a = self.alpha
        finite = self.scale**2 * a / ((a - 1) ** 2 * (a - 2))
        return self._broadcast(dnp.where(a > 2, finite, math.inf))

    def entropy(self):
        a = self.alpha
        return self._broadcast(dnp.log(self.scale / a) + 1 / a + 1)
