"""VonMises, TruncatedNormal, the relaxed (Concrete / Gumbel-softmax) families and
MixtureSameFamily, with NumPyro's names, argument names and semantics.

VonMises samples by Best & Fisher's rejection sampler (not pathwise); TruncatedNormal by its
inverse cdf (pathwise in every parameter); RelaxedBernoulli and RelaxedOneHotCategorical are
pushed-forward Logistic / Gumbel noise (pathwise); MixtureSameFamily samples ancestrally.
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.continuous import Logistic
from dnp.infer.distributions.distribution import (
    Distribution,
    TransformedDistribution,
    as_generator,
    promote_params,
    validate_sample,
)
from dnp.infer.transforms import ExpTransform, SigmoidTransform
from dnp.scipy.special import i0e, i1e, log_ndtr, log_softmax, logit, logsumexp, ndtr, ndtri

__all__ = [
    "MixtureSameFamily",
    "RelaxedBernoulli",
    "RelaxedBernoulliLogits",
    "RelaxedOneHotCategorical",
    "TruncatedNormal",
    "VonMises",
]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# --- VonMises --------------------------------------------------------------------------------


class VonMises(Distribution):
    """VonMises(loc, concentration): loc real, concentration > 0; support circular [-pi, pi).

    log p(x) = k (cos(x - loc) - 1) - log(2 pi i0e(k)) (i0e(k) = exp(-k) I0(k), finite for any
    k); mean loc; variance 1 - i1e(k) / i0e(k) (the circular variance); entropy
    log(2 pi i0e(k)) + k (1 - i1e(k) / i0e(k)). Sampled by Best &
    Fisher's rejection sampler, as NumPyro: not pathwise (``has_rsample`` False). The loop
    reads its acceptance mask on the host each round (a data-dependent trip count).
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.circular
    reparametrized_params: list = []

    def __init__(self, loc, concentration, *, validate_args=None) -> None:
        self.loc, self.concentration = promote_params(loc, concentration)
        batch_shape = dnp.broadcast_shapes(self.loc.shape, self.concentration.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    @validate_sample
    def log_prob(self, value):
        k = self.concentration
        return k * (dnp.cos(value - self.loc) - 1) - dnp.log(2 * math.pi * i0e(k))

    def _sample(self, shape, rng):
        dtype = self.loc.dtype
        k = dnp.broadcast_to(self.concentration, shape)
        # Best & Fisher (1979); for tiny k, s -> 1/k (the wrapped uniform), as NumPyro.
        cutoff = 1e-5 if dtype == dnp.float32 else 1e-10
        safe_k = dnp.where(k > cutoff, k, 1.0)
        r = 1 + dnp.sqrt(1 + 4 * safe_k * safe_k)
        rho = (r - dnp.sqrt(2 * r)) / (2 * safe_k)
        s = dnp.where(k > cutoff, (1 + rho * rho) / (2 * rho), 1 / dnp.maximum(k, cutoff))
        w = dnp.zeros(shape, dtype=dtype)
        done = dnp.zeros(shape, dtype=dnp.bool_)
        while not bool(dnp.all(done)):
            u = rng.random(shape, dtype=dtype)
            v = rng.random(shape, dtype=dtype)
            z = dnp.cos(math.pi * u)
            w_new = (1 + s * z) / (s + z)
            y = k * (s - w_new)
            with dnp.errstate(divide="ignore", invalid="ignore"):
                accept = (y * (2 - y) >= v) | (dnp.log(y / v) + 1 >= y)
            take = accept & ~done
            w = dnp.where(take, w_new, w)
            done = done | accept
        sign = dnp.where(rng.random(shape, dtype=dtype) < 0.5, -1.0, 1.0).astype(dtype)
        x = sign * dnp.arccos(dnp.clip(w, -1, 1)) + self.loc
        return dnp.remainder(x + math.pi, 2 * math.pi) - math.pi

    @property
    def mean(self):
        return dnp.broadcast_to(self.loc, self.batch_shape)

    @property
    def variance(self):
        k = self.concentration
        return dnp.broadcast_to(1 - i1e(k) / i0e(k), self.batch_shape)

    def entropy(self):
        k = self.concentration
        h = dnp.log(2 * math.pi * i0e(k)) + k * (1 - i1e(k) / i0e(k))
        return dnp.broadcast_to(h, self.batch_shape)


# --- TruncatedNormal -------------------------------------------------------------------------


def _log_mass(lo, hi):
    """log(Phi(hi) - Phi(lo)) for lo <= hi (lo None: -inf), from log_ndtr: exact when both
    sit in the left tail; callers reflect so that lo + hi <= 0."""
    if lo is None:
        return log_ndtr(hi)
    log_hi = log_ndtr(hi)
    with dnp.errstate(divide="ignore"):
        return log_hi + dnp.log(-dnp.expm1(log_ndtr(lo) - log_hi))


def _pdf(z):
    return dnp.exp(-0.5 * z * z - _HALF_LOG_2PI)


class TruncatedNormal(Distribution):
    """TruncatedNormal(loc=0, scale=1, low=None, high=None): the Normal(loc, scale) restricted
    to [low, high] (either bound may be None); support interval(low, high), greater_than(low),
    less_than(high) or the reals.

    With a = (low - loc)/scale, b = (high - loc)/scale, Z = Phi(b) - Phi(a) and z the
    standardized value: log p = -z^2/2 - log(scale) - log(2 pi)/2 - log Z; cdf (Phi(z) -
    Phi(a))/Z; icdf loc + scale ndtri(Phi(a) + q Z); mean loc + scale (phi(a) - phi(b))/Z;
    variance scale^2 (1 + (a phi(a) - b phi(b))/Z - ((phi(a) - phi(b))/Z)^2); entropy
    1/2 + log(2 pi)/2 + log(scale Z) + (a phi(a) - b phi(b))/(2 Z). Where the
    interval lies right of the mean (a + b > 0, or only ``low``) everything is computed on the
    reflection -z, as NumPyro's truncated distributions do, so the tails stay accurate.
    Sampled by the inverse cdf: pathwise in every parameter.
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "low": constraints.real,
        "high": constraints.real,
    }
    reparametrized_params = ["loc", "scale", "low", "high"]

    def __init__(self, loc=0.0, scale=1.0, low=None, high=None, *, validate_args=None) -> None:
        given = [p for p in (loc, scale, low, high) if p is not None]
        promoted = iter(promote_params(*given))
        self.loc, self.scale = next(promoted), next(promoted)
        self.low = None if low is None else next(promoted)
        self.high = None if high is None else next(promoted)
        shapes = [p.shape for p in (self.loc, self.scale, self.low, self.high) if p is not None]
        if self.low is not None and self.high is not None:
            self.support = constraints.interval(self.low, self.high)
        elif self.low is not None:
            self.support = constraints.greater_than(self.low)
        elif self.high is not None:
            self.support = constraints.less_than(self.high)
        else:
            self.support = constraints.real
        super().__init__(dnp.broadcast_shapes(*shapes), validate_args=validate_args)
        both = self.low is not None and self.high is not None
        if self._validate_args and both and not bool(dnp.all(self.low < self.high)):
            raise ValueError("TruncatedNormal needs low < high")

    def _std(self, x):
        return (x - self.loc) / self.scale

    def _frame(self):
        """(flip, a', b'): flip where the reflected frame is used; a', b' the standardized
        bounds there (a' None for -inf, b' None for +inf)."""
        a = None if self.low is None else self._std(self.low)
        b = None if self.high is None else self._std(self.high)
        if a is None:
            return False, None, b
        if b is None:
            return True, None, -a
        flip = (a + b) > 0
        return flip, dnp.where(flip, -b, a), dnp.where(flip, -a, b)

    @staticmethod
    def _reflect(flip, x):
        if flip is False:
            return x
        if flip is True:
            return -x
        return dnp.where(flip, -x, x)

    def _log_z(self, lo, hi):
        if hi is None:
            return dnp.zeros((), dtype=self.loc.dtype)
        return _log_mass(lo, hi)

    @validate_sample
    def log_prob(self, value):
        z = self._std(value)
        flip, lo, hi = self._frame()
        log_z = self._log_z(lo, hi)
        return -0.5 * z * z - dnp.log(self.scale) - _HALF_LOG_2PI - log_z

    def cdf(self, value):
        flip, lo, hi = self._frame()
        zp = self._reflect(flip, self._std(value))
        if lo is not None:
            zp = dnp.maximum(zp, lo)
        if hi is not None:
            zp = dnp.minimum(zp, hi)
        # c: the mass of [lo, zp] in the frame, i.e. the cdf, or the survival where reflected.
        c = dnp.exp(_log_mass(lo, zp) - self._log_z(lo, hi))
        if flip is False:
            return c
        if flip is True:
            return 1 - c
        return dnp.where(flip, 1 - c, c)

    def icdf(self, q):
        flip, lo, hi = self._frame()
        qp = self._reflect(flip, q - 0.5) + 0.5
        base = 0.0 if lo is None else ndtr(lo)
        zp = ndtri(base + qp * dnp.exp(self._log_z(lo, hi)))
        if lo is not None:
            zp = dnp.maximum(zp, lo)
        if hi is not None:
            zp = dnp.minimum(zp, hi)
        return self.loc + self.scale * self._reflect(flip, zp)

    def _sample(self, shape, rng):
        u = rng.random(shape, dtype=self.loc.dtype)
        return dnp.broadcast_to(self.icdf(u), shape)

    def _moments(self):
        flip, lo, hi = self._frame()
        log_z = self._log_z(lo, hi)
        pa = 0.0 if lo is None else dnp.exp(-0.5 * lo * lo - _HALF_LOG_2PI - log_z)
        pb = 0.0 if hi is None else dnp.exp(-0.5 * hi * hi - _HALF_LOG_2PI - log_z)
        apa = 0.0 if lo is None else lo * pa
        bpb = 0.0 if hi is None else hi * pb
        return flip, pa - pb, apa - bpb

    @property
    def mean(self):
        flip, d, _ = self._moments()
        m = self.loc + self.scale * self._reflect(flip, d)
        return dnp.broadcast_to(m, self.batch_shape)

    @property
    def variance(self):
        _, d, e = self._moments()
        return dnp.broadcast_to(self.scale**2 * (1 + e - d * d), self.batch_shape)

    def entropy(self):
        _, lo, hi = self._frame()
        _, _, e = self._moments()
        h = 0.5 + _HALF_LOG_2PI + dnp.log(self.scale) + self._log_z(lo, hi) + 0.5 * e
        return dnp.broadcast_to(h, self.batch_shape)


# --- Relaxed families ------------------------------------------------------------------------


class RelaxedBernoulliLogits(TransformedDistribution):
    """RelaxedBernoulliLogits(temperature, logits): temperature > 0, logits real; support
    (0, 1). Logistic(logits / temperature, 1 / temperature) through a sigmoid (the binary
    Concrete distribution); sampled pathwise."""

    arg_constraints = {"temperature": constraints.positive, "logits": constraints.real}
    reparametrized_params = ["temperature", "logits"]

    def __init__(self, temperature, logits, *, validate_args=None) -> None:
        self.temperature, self.logits = promote_params(temperature, logits)
        base = Logistic(self.logits / self.temperature, 1 / self.temperature)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    @property
    def probs(self):
        return dnp.exp(-dnp.logaddexp(0, -self.logits))


def RelaxedBernoulli(temperature, probs=None, logits=None, *, validate_args=None):  # noqa: N802
    """NumPyro's factory: ``RelaxedBernoulliLogits`` from ``logits`` or ``logit(probs)``."""
    if (probs is None) == (logits is None):
        raise ValueError("RelaxedBernoulli takes exactly one of `probs` or `logits`")
    if probs is not None:
        (probs,) = promote_params(probs)
        logits = logit(probs)
    return RelaxedBernoulliLogits(temperature, logits, validate_args=validate_args)


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical (PyTorch's ExpRelaxedCategorical): support real
    vectors; x = log_softmax((logits + Gumbel noise) / temperature); log p(x) = lgamma(K) +
    (K - 1) log(t) + sum(logits - t x) - K logsumexp(logits - t x), logits normalized."""

    arg_constraints = {"temperature": constraints.positive, "logits": constraints.real_vector}
    support = constraints.real_vector
    reparametrized_params = ["temperature", "logits"]

    def __init__(self, temperature, logits, *, validate_args=None) -> None:
        temperature, logits = promote_params(temperature, logits)
        if logits.ndim < 1:
            raise ValueError("ExpRelaxedCategorical needs logits with a category axis")
        self.temperature = temperature
        self.logits = log_softmax(logits, axis=-1)
        shape = dnp.broadcast_shapes(temperature.shape + (1,), self.logits.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def _sample(self, shape, rng):
        gumbel = rng.gumbel(0.0, 1.0, size=shape).astype(self.logits.dtype)
        t = dnp.expand_dims(self.temperature, -1)
        return log_softmax((self.logits + gumbel) / t, axis=-1)

    @validate_sample
    def log_prob(self, value):
        k = self.event_shape[-1]
        t = self.temperature
        score = self.logits - dnp.expand_dims(t, -1) * value
        score = dnp.sum(score - logsumexp(score, axis=-1, keepdims=True), axis=-1)
        return score + math.lgamma(k) + (k - 1) * dnp.log(t)


class RelaxedOneHotCategorical(TransformedDistribution):
    """RelaxedOneHotCategorical(temperature, probs=None, logits=None): temperature > 0;
    support the simplex. ExpRelaxedCategorical through exp (the Gumbel-softmax / Concrete
    distribution); sampled pathwise."""

    arg_constraints = {"temperature": constraints.positive, "logits": constraints.real_vector}
    reparametrized_params = ["temperature", "logits"]

    def __init__(self, temperature, probs=None, logits=None, *, validate_args=None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("RelaxedOneHotCategorical takes exactly one of `probs` or `logits`")
        if probs is not None:
            (probs,) = promote_params(probs)
            if validate_args and not bool(dnp.all(constraints.simplex(probs))):
                raise ValueError("RelaxedOneHotCategorical got invalid probs: not a simplex")
            with dnp.errstate(divide="ignore"):
                logits = dnp.log(probs)
        base = ExpRelaxedCategorical(temperature, logits, validate_args=validate_args)
        self.temperature, self.logits = base.temperature, base.logits
        super().__init__(base, ExpTransform(), validate_args=validate_args)
        self.support = constraints.simplex

    @property
    def probs(self):
        return dnp.exp(self.logits)


# --- MixtureSameFamily -----------------------------------------------------------------------


class MixtureSameFamily(Distribution):
    """MixtureSameFamily(mixing_distribution, component_distribution): a Categorical over K
    (batch B) choosing among the components' last batch axis (batch B + (K,)).

    log p(x) = logsumexp_k(log w_k + log p_k(x)); mean sum_k w_k m_k; variance sum_k w_k v_k
    + sum_k w_k m_k^2 - mean^2; cdf sum_k w_k F_k(x) (scalar events, where the components have
    a cdf). Sampled ancestrally (not pathwise).
    """

    arg_constraints: dict = {}
    reparametrized_params: list = []

    def __init__(self, mixing_distribution, component_distribution, *, validate_args=None):
        mixing, comp = mixing_distribution, component_distribution
        if not hasattr(mixing, "logits") or not isinstance(
            mixing.support, constraints.integer_interval
        ):
            raise ValueError("MixtureSameFamily needs a Categorical mixing_distribution")
        if not isinstance(comp, Distribution) or len(comp.batch_shape) < 1:
            raise ValueError("component_distribution needs a batch axis of mixture components")
        k = comp.batch_shape[-1]
        if mixing.logits.shape[-1] != k:
            raise ValueError(
                f"mixing_distribution has {mixing.logits.shape[-1]} categories but "
                f"component_distribution has {k} components"
            )
        batch_shape = dnp.broadcast_shapes(mixing.batch_shape, comp.batch_shape[:-1])
        if comp.batch_shape[:-1] != batch_shape:
            comp = comp.expand(batch_shape + (k,))
        self.mixing_distribution = mixing
        self.component_distribution = comp
        self.support = comp.support
        super().__init__(batch_shape, comp.event_shape, validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:
        return False

    @property
    def mixture_size(self) -> int:
        return self.component_distribution.batch_shape[-1]

    def _weights(self, log=False):
        lw = log_softmax(self.mixing_distribution.logits, axis=-1)
        w = lw if log else dnp.exp(lw)
        return dnp.reshape(w, w.shape + (1,) * self.event_dim)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = dnp.asarray(value)
        x = dnp.expand_dims(value, value.ndim - self.event_dim)
        comp_lp = self.component_distribution.log_prob(x)
        lw = log_softmax(self.mixing_distribution.logits, axis=-1)
        return logsumexp(comp_lp + lw, axis=-1)

    def sample(self, sample_shape=(), rng=None):
        rng = as_generator(rng)
        sample_shape = tuple(sample_shape)
        x = self.component_distribution.sample(sample_shape, rng)
        idx = self.mixing_distribution.expand(self.batch_shape).sample(sample_shape, rng)
        idx = dnp.reshape(idx, idx.shape + (1,) * (self.event_dim + 1))
        target = x.shape[: x.ndim - self.event_dim - 1] + (1,) + self.event_shape
        idx = dnp.broadcast_to(idx, target)
        out = dnp.take_along_axis(x, idx, axis=x.ndim - self.event_dim - 1)
        return dnp.squeeze(out, axis=x.ndim - self.event_dim - 1)

    @property
    def mean(self):
        axis = -1 - self.event_dim
        return dnp.sum(self._weights() * self.component_distribution.mean, axis=axis)

    @property
    def variance(self):
        axis = -1 - self.event_dim
        w = self._weights()
        m = self.component_distribution.mean
        mean = dnp.sum(w * m, axis=axis)
        second = dnp.sum(w * (self.component_distribution.variance + m * m), axis=axis)
        return second - mean * mean

    def cdf(self, value):
        if self.event_dim:
            raise NotImplementedError("MixtureSameFamily.cdf needs scalar events")
        value = dnp.asarray(value)
        comp_cdf = self.component_distribution.cdf(dnp.expand_dims(value, value.ndim))
        return dnp.sum(self._weights() * comp_cdf, axis=-1)
