"""Count families with NumPyro's names and semantics: Binomial, Multinomial, Poisson,
NegativeBinomial (GammaPoisson, NegativeBinomialProbs, NegativeBinomialLogits,
NegativeBinomial2), BetaBinomial and ZeroInflatedPoisson.

Log masses are computed stably from logits (``log_expit`` / ``log_softmax``: finite at logits of
+-1000) or probs (``xlogy`` / ``xlog1py``); samples are int64 arrays; no family has ``rsample``.
"""

from __future__ import annotations

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.discrete import INT, DiscreteFamily, pick_one, safe_log
from dnp.infer.distributions.distribution import promote_params, validate_sample
from dnp.scipy.special import (
    betaln,
    expit,
    gammaincc,
    gammaln,
    log_expit,
    log_softmax,
    softmax,
    xlog1py,
    xlogy,
)

__all__ = [
    "BetaBinomial",
    "Binomial",
    "BinomialLogits",
    "BinomialProbs",
    "GammaPoisson",
    "Multinomial",
    "MultinomialLogits",
    "MultinomialProbs",
    "NegativeBinomial",
    "NegativeBinomial2",
    "NegativeBinomialLogits",
    "NegativeBinomialProbs",
    "Poisson",
    "ZeroInflatedPoisson",
]


def _log_binomial_coef(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def _count_range(total_count, batch_shape):
    """``arange(total_count + 1)`` shaped (n + 1,) + (1,) * len(batch_shape): total_count must
    be the same over the batch (as in NumPyro)."""
    n = dnp.asarray(total_count)
    if not bool(dnp.all(n == dnp.max(n))):
        raise NotImplementedError("enumerate_support needs one total_count over the batch")
    values = dnp.arange(int(dnp.max(n)) + 1, dtype=INT)
    return dnp.reshape(values, values.shape + (1,) * len(batch_shape))


# --- Binomial --------------------------------------------------------------------------------


class _BinomialBase(DiscreteFamily):
    """Binomial(total_count=n, p): support {0, ..., n}; mean n p; variance n p (1 - p)."""

    def _init(self, validate_args, total_count, **param):
        self._setup(validate_args, total_count=total_count, **param)
        self.support = constraints.integer_interval(0, self.total_count)

    def _sample(self, shape, rng):
        n = dnp.broadcast_to(self.total_count, shape).astype(INT)
        return rng.binomial(n, dnp.broadcast_to(self.probs, shape), size=shape).astype(INT)

    @property
    def mean(self):
        return self._broadcast(self.total_count * self.probs)

    @property
    def variance(self):
        return self._broadcast(self.total_count * self.probs * (1 - self.probs))

    def enumerate_support(self, expand: bool = True):
        values = _count_range(self.total_count, self.batch_shape)
        return dnp.broadcast_to(values, values.shape[:1] + self.batch_shape) if expand else values


class BinomialProbs(_BinomialBase):
    """log p(k) = log C(n, k) + xlogy(k, p) + xlog1py(n - k, -p)."""

    arg_constraints = {
        "probs": constraints.unit_interval,
        "total_count": constraints.nonnegative_integer,
    }

    def __init__(self, probs, total_count=1, *, validate_args=None) -> None:
        self._init(validate_args, total_count, probs=probs)

    @property
    def logits(self):
        return safe_log(self.probs) - safe_log(1 - self.probs)

    @validate_sample
    def log_prob(self, value):
        k, n, p = self._value(value), self.total_count, self.probs
        return _log_binomial_coef(n, k) + xlogy(k, p) + xlog1py(n - k, -p)


class BinomialLogits(_BinomialBase):
    """log p(k) = log C(n, k) + k log_expit(l) + (n - k) log_expit(-l)."""

    arg_constraints = {"logits": constraints.real, "total_count": constraints.nonnegative_integer}

    def __init__(self, logits, total_count=1, *, validate_args=None) -> None:
        self._init(validate_args, total_count, logits=logits)

    @property
    def probs(self):
        return expit(self.logits)

    @validate_sample
    def log_prob(self, value):
        k, n, lg = self._value(value), self.total_count, self.logits
        fail = dnp.where(n - k == 0, 0, (n - k) * log_expit(-lg))
        return _log_binomial_coef(n, k) + dnp.where(k == 0, 0, k * log_expit(lg)) + fail


def Binomial(total_count=1, probs=None, logits=None, *, validate_args=None):  # noqa: N802
    """``BinomialProbs(probs, total_count)`` or ``BinomialLogits(logits, total_count)``
    (NumPyro's factory): exactly one of probs / logits is given."""
    if pick_one(probs, logits, "Binomial") == "probs":
        return BinomialProbs(probs, total_count, validate_args=validate_args)
    return BinomialLogits(logits, total_count, validate_args=validate_args)


# --- Multinomial -----------------------------------------------------------------------------


class _MultinomialBase(DiscreteFamily):
    """Multinomial(total_count=n, p) over K categories (the last axis of probs/logits);
    event_shape (K,); log p(x) = gammaln(n + 1) + sum_k [x_k log p_k - gammaln(x_k + 1)];
    mean n p; variance n p (1 - p) (the diagonal, as NumPyro)."""

    def _init(self, validate_args, total_count, **param):
        ((name, value),) = param.items()
        self.total_count, value = promote_params(total_count, value)
        if value.ndim < 1:
            raise ValueError(f"{type(self).__name__} needs a category axis")
        self._setup(validate_args, event_dim=1, **{name: value})
        self._batch_shape = dnp.broadcast_shapes(value.shape[:-1], self.total_count.shape)
        self._event_shape = value.shape[-1:]
        self.support = constraints.multinomial(self.total_count)

    def _log_probs(self):
        raise NotImplementedError

    def _sample(self, shape, rng):
        # Conditional binomials: x_k ~ Binomial(n - sum_{j<k} x_j, p_k / sum_{j>=k} p_j).
        probs = dnp.broadcast_to(self.probs, shape)
        remaining = dnp.broadcast_to(self.total_count, shape[:-1]).astype(INT)
        tail = dnp.flip(dnp.cumsum(dnp.flip(probs, axis=-1), axis=-1), axis=-1)
        counts = []
        for k in range(shape[-1] - 1):
            with dnp.errstate(divide="ignore", invalid="ignore"):
                p = dnp.clip(dnp.nan_to_num(probs[..., k] / tail[..., k]), 0, 1)
            x = rng.binomial(remaining, p, size=shape[:-1]).astype(INT)
            counts.append(x)
            remaining = remaining - x
        counts.append(remaining)
        return dnp.stack(counts, axis=-1)

    @validate_sample
    def log_prob(self, value):
        x = self._value(value)
        log_probs = self._log_probs()
        terms = dnp.where(x == 0, 0, x * log_probs) - gammaln(x + 1)
        return gammaln(self.total_count + 1) + dnp.sum(terms, axis=-1)

    @property
    def mean(self):
        return self._broadcast(self.total_count[..., None] * self.probs)

    @property
    def variance(self):
        return self._broadcast(self.total_count[..., None] * self.probs * (1 - self.probs))


class MultinomialProbs(_MultinomialBase):
    arg_constraints = {"probs": constraints.simplex, "total_count": constraints.nonnegative_integer}

    def __init__(self, probs, total_count=1, *, validate_args=None) -> None:
        self._init(validate_args, total_count, probs=probs)

    @property
    def logits(self):
        return safe_log(self.probs)

    def _log_probs(self):
        return safe_log(self.probs)


class MultinomialLogits(_MultinomialBase):
    arg_constraints = {
        "logits": constraints.real_vector,
        "total_count": constraints.nonnegative_integer,
    }

    def __init__(self, logits, total_count=1, *, validate_args=None) -> None:
        self._init(validate_args, total_count, logits=logits)

    @property
    def probs(self):
        return softmax(self.logits, axis=-1)

    def _log_probs(self):
        return log_softmax(self.logits, axis=-1)


def Multinomial(total_count=1, probs=None, logits=None, *, validate_args=None):  # noqa: N802
    """``MultinomialProbs(probs, total_count)`` or ``MultinomialLogits(logits, total_count)``
    (NumPyro's factory): exactly one of probs / logits is given."""
    if pick_one(probs, logits, "Multinomial") == "probs":
        return MultinomialProbs(probs, total_count, validate_args=validate_args)
    return MultinomialLogits(logits, total_count, validate_args=validate_args)


# --- Poisson and the negative binomials ------------------------------------------------------


class Poisson(DiscreteFamily):
    """Poisson(rate): rate > 0; support {0, 1, ...}; log p(k) = xlogy(k, rate) - gammaln(k + 1)
    - rate; cdf gammaincc(floor(k) + 1, rate); mean and variance rate."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, rate, *, validate_args=None) -> None:
        self._setup(validate_args, rate=rate)

    def _sample(self, shape, rng):
        return rng.poisson(dnp.broadcast_to(self.rate, shape), size=shape).astype(INT)

    @validate_sample
    def log_prob(self, value):
        k = self._value(value)
        return xlogy(k, self.rate) - gammaln(k + 1) - self.rate

    def cdf(self, value):
        k = dnp.floor(self._value(value))
        return dnp.where(k < 0, 0, gammaincc(dnp.maximum(k, 0) + 1, self.rate))

    @property
    def mean(self):
        return self.rate

    @property
    def variance(self):
        return self.rate


class GammaPoisson(DiscreteFamily):
    """Poisson(lambda) with lambda ~ Gamma(concentration, rate) (NumPyro's GammaPoisson):
    log p(k) = -betaln(a, k + 1) - log(a + k) + a log b - (a + k) log1p(b);
    mean a / b; variance a / b^2 (1 + b)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, concentration, rate=1.0, *, validate_args=None) -> None:
        self._setup(validate_args, concentration=concentration, rate=rate)

    def _sample(self, shape, rng):
        a = dnp.broadcast_to(self.concentration, shape)
        lam = rng.standard_gamma(a, size=shape, dtype=self.dtype) / self.rate
        return rng.poisson(lam, size=shape).astype(INT)

    @validate_sample
    def log_prob(self, value):
        k, a, b = self._value(value), self.concentration, self.rate
        return -betaln(a, k + 1) - dnp.log(a + k) + a * dnp.log(b) - (a + k) * dnp.log1p(b)

    @property
    def mean(self):
        return self._broadcast(self.concentration / self.rate)

    @property
    def variance(self):
        return self._broadcast(self.concentration / self.rate**2 * (1 + self.rate))


class NegativeBinomialProbs(GammaPoisson):
    """NegativeBinomialProbs(total_count=r, probs=p): the number of successes (probability p)
    before r failures; GammaPoisson(r, (1 - p) / p); mean r p / (1 - p)."""

    arg_constraints = {"total_count": constraints.positive, "probs": constraints.unit_interval}

    def __init__(self, total_count, probs, *, validate_args=None) -> None:
        self._setup(False, total_count=total_count, probs=probs)
        with dnp.errstate(divide="ignore"):
            rate = 1 / self.probs - 1
        super().__init__(self.total_count, rate, validate_args=validate_args)

    @property
    def logits(self):
        return safe_log(self.probs) - safe_log(1 - self.probs)

    @validate_sample
    def log_prob(self, value):
        k, r, p = self._value(value), self.total_count, self.probs
        return gammaln(r + k) - gammaln(k + 1) - gammaln(r) + xlog1py(r, -p) + xlogy(k, p)


class NegativeBinomialLogits(GammaPoisson):
    """NegativeBinomialLogits(total_count=r, logits=l): NegativeBinomialProbs(r, expit(l)),
    log p(k) = r log_expit(-l) + k log_expit(l) + gammaln(r + k) - gammaln(k + 1) - gammaln(r)."""

    arg_constraints = {"total_count": constraints.positive, "logits": constraints.real}

    def __init__(self, total_count, logits, *, validate_args=None) -> None:
        self._setup(False, total_count=total_count, logits=logits)
        with dnp.errstate(over="ignore"):  # rate exp(-l) = inf as probs -> 0
            rate = dnp.exp(-self.logits)
        super().__init__(self.total_count, rate, validate_args=validate_args)

    @property
    def probs(self):
        return expit(self.logits)

    @validate_sample
    def log_prob(self, value):
        k, r, lg = self._value(value), self.total_count, self.logits
        log_norm = gammaln(r + k) - gammaln(k + 1) - gammaln(r)
        return log_norm + r * log_expit(-lg) + dnp.where(k == 0, 0, k * log_expit(lg))


class NegativeBinomial2(GammaPoisson):
    """NegativeBinomial2(mean, concentration): GammaPoisson(concentration,
    concentration / mean); variance mean + mean^2 / concentration."""

    arg_constraints = {"mean": constraints.positive, "concentration": constraints.positive}

    def __init__(self, mean, concentration, *, validate_args=None) -> None:
        self._setup(False, mean_=mean, concentration=concentration)
        self._mean = self.mean_
        c = self.concentration
        super().__init__(c, c / self.mean_, validate_args=validate_args)

    def _validate_params(self) -> None:
        for name, value in (("mean", self._mean), ("concentration", self.concentration)):
            if not bool(dnp.all(constraints.positive(value))):
                raise ValueError(f"NegativeBinomial2 distribution got invalid {name} parameter")


def NegativeBinomial(total_count, probs=None, logits=None, *, validate_args=None):  # noqa: N802
    """``NegativeBinomialProbs(total_count, probs)`` or ``NegativeBinomialLogits(total_count,
    logits)`` (NumPyro's factory): exactly one of probs / logits is given."""
    if pick_one(probs, logits, "NegativeBinomial") == "probs":
        return NegativeBinomialProbs(total_count, probs, validate_args=validate_args)
    return NegativeBinomialLogits(total_count, logits, validate_args=validate_args)


# --- BetaBinomial and ZeroInflatedPoisson ----------------------------------------------------


class BetaBinomial(DiscreteFamily):
    """BetaBinomial(concentration1=a, concentration0=b, total_count=n): Binomial(n, p) with
    p ~ Beta(a, b); log p(k) = log C(n, k) + betaln(k + a, n - k + b) - betaln(a, b);
    mean n a / (a + b); variance n a b (a + b + n) / ((a + b)^2 (a + b + 1))."""

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
        "total_count": constraints.nonnegative_integer,
    }

    def __init__(self, concentration1, concentration0, total_count=1, *, validate_args=None):
        self._setup(
            validate_args,
            concentration1=concentration1,
            concentration0=concentration0,
            total_count=total_count,
        )
        self.support = constraints.integer_interval(0, self.total_count)

    def _sample(self, shape, rng):
        a = dnp.broadcast_to(self.concentration1, shape)
        p = rng.beta(a, dnp.broadcast_to(self.concentration0, shape), size=shape)
        n = dnp.broadcast_to(self.total_count, shape).astype(INT)
        return rng.binomial(n, p, size=shape).astype(INT)

    @validate_sample
    def log_prob(self, value):
        k, n = self._value(value), self.total_count
        a, b = self.concentration1, self.concentration0
        return _log_binomial_coef(n, k) + betaln(k + a, n - k + b) - betaln(a, b)

    @property
    def mean(self):
        a, b = self.concentration1, self.concentration0
        return self._broadcast(self.total_count * a / (a + b))

    @property
    def variance(self):
        a, b, n = self.concentration1, self.concentration0, self.total_count
        s = a + b
        return self._broadcast(n * a * b * (s + n) / (s**2 * (s + 1)))

    def enumerate_support(self, expand: bool = True):
        values = _count_range(self.total_count, self.batch_shape)
        return dnp.broadcast_to(values, values.shape[:1] + self.batch_shape) if expand else values


class ZeroInflatedPoisson(DiscreteFamily):
    """ZeroInflatedPoisson(gate, rate=1): 0 with probability gate, else Poisson(rate);
    log p(0) = logaddexp(log gate, log1p(-gate) - rate), log p(k > 0) = log1p(-gate) +
    Poisson.log_prob(k); mean (1 - gate) rate; variance (1 - gate) rate (1 + gate rate)."""

    arg_constraints = {"gate": constraints.unit_interval, "rate": constraints.positive}
    support = constraints.nonnegative_integer

    def __init__(self, gate, rate=1.0, *, validate_args=None) -> None:
        self._setup(validate_args, gate=gate, rate=rate)

    def _sample(self, shape, rng):
        zero = rng.random(shape, dtype=self.dtype) < self.gate
        counts = rng.poisson(dnp.broadcast_to(self.rate, shape), size=shape).astype(INT)
        return dnp.where(zero, 0, counts).astype(INT)

    @validate_sample
    def log_prob(self, value):
        k, g, rate = self._value(value), self.gate, self.rate
        with dnp.errstate(divide="ignore"):
            log1m_gate = dnp.log1p(-g)
            log_zero = dnp.logaddexp(dnp.log(g), log1m_gate - rate)
        positive = log1m_gate + xlogy(k, rate) - gammaln(k + 1) - rate
        return dnp.where(k == 0, log_zero, positive)

    @property
    def mean(self):
        return self._broadcast((1 - self.gate) * self.rate)

    @property
    def variance(self):
        g, rate = self.gate, self.rate
        return self._broadcast((1 - g) * rate * (1 + g * rate))
