"""Discrete families with NumPyro's names and semantics: Bernoulli, Categorical,
OneHotCategorical and Geometric (each as ``...Probs`` / ``...Logits`` classes and the NumPyro
factory taking exactly one of ``probs=`` / ``logits=``); the count families are in
``discrete_counts``.

Every log mass is computed stably from whichever parameter was given: from logits through
``log_expit`` / ``log_softmax`` (finite at logits of +-1000), from probs through ``xlogy`` /
``xlog1py`` (no ``log(0)`` where the mass is 0 or 1). Samples are integer arrays (int64); no
family here has ``rsample``.
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import (
    Distribution,
    as_dtype,
    promote_params,
    validate_sample,
)
from dnp.infer.transforms.base import softplus
from dnp.scipy.special import expit, log_expit, log_softmax, softmax, xlog1py, xlogy

__all__ = [
    "Bernoulli",
    "BernoulliLogits",
    "BernoulliProbs",
    "Categorical",
    "CategoricalLogits",
    "CategoricalProbs",
    "Geometric",
    "GeometricLogits",
    "GeometricProbs",
    "OneHotCategorical",
    "OneHotCategoricalLogits",
    "OneHotCategoricalProbs",
]

INT = dnp.int64


def pick_one(probs, logits, name: str):
    """Which of ``probs`` / ``logits`` is given: exactly one must be (ValueError otherwise)."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name} takes exactly one of `probs` or `logits`")
    return "probs" if probs is not None else "logits"


def safe_log(x):
    """log(x), -inf at 0 without a warning or a NaN gradient."""
    positive = x > 0
    return dnp.where(positive, dnp.log(dnp.where(positive, x, 1)), -math.inf)


class DiscreteFamily(Distribution):
    """Parameters promoted to one float dtype and set as attributes; the batch shape is their
    broadcast shape less ``event_dim`` trailing axes of the first."""

    has_rsample = False
    reparametrized_params: list = []

    def _setup(self, validate_args, event_dim=0, **params):
        promoted = promote_params(*params.values())
        for name, value in zip(params, promoted, strict=True):
            setattr(self, name, value)
        self.dtype = promoted[0].dtype
        shape = dnp.broadcast_shapes(*(p.shape for p in promoted))
        split = len(shape) - event_dim
        super().__init__(shape[:split], shape[split:], validate_args=validate_args)

    def _broadcast(self, x):
        return dnp.broadcast_to(x, self.batch_shape + self.event_shape)

    def _value(self, value):
        return dnp.asarray(value).astype(self.dtype, copy=False)


# --- Bernoulli -------------------------------------------------------------------------------


class _BernoulliBase(DiscreteFamily):
    """Bernoulli: support {0, 1}; mean p; variance p (1 - p); ``enumerate_support`` [0, 1]."""

    support = constraints.boolean

    def _sample(self, shape, rng):
        u = rng.random(shape, dtype=self.dtype)
        return (u < self.probs).astype(INT)

    @property
    def mean(self):
        return self._broadcast(self.probs)

    @property
    def variance(self):
        return self._broadcast(self.probs * (1 - self.probs))

    def enumerate_support(self, expand: bool = True):
        values = dnp.reshape(dnp.arange(2, dtype=INT), (2,) + (1,) * len(self.batch_shape))
        return dnp.broadcast_to(values, (2,) + self.batch_shape) if expand else values


class BernoulliProbs(_BernoulliBase):
    """Bernoulli(probs): log p(x) = xlogy(x, p) + xlog1py(1 - x, -p); entropy
    -xlogy(p, p) - xlog1py(1 - p, -p)."""

    arg_constraints = {"probs": constraints.unit_interval}

    def __init__(self, probs, *, validate_args=None) -> None:
        self._setup(validate_args, probs=probs)

    @property
    def logits(self):
        with dnp.errstate(divide="ignore"):
            return dnp.log(self.probs) - dnp.log1p(-self.probs)

    @validate_sample
    def log_prob(self, value):
        x, p = self._value(value), self.probs
        return xlogy(x, p) + xlog1py(1 - x, -p)

    def entropy(self):
        p = self.probs
        return -xlogy(p, p) - xlog1py(1 - p, -p)


class BernoulliLogits(_BernoulliBase):
    """Bernoulli(logits): log p(x) = x l + log_expit(-l) (= x log_expit(l) + (1 - x)
    log_expit(-l), one pass fewer); entropy softplus(l) - l expit(l)."""

    arg_constraints = {"logits": constraints.real}

    def __init__(self, logits, *, validate_args=None) -> None:
        self._setup(validate_args, logits=logits)

    @property
    def probs(self):
        return expit(self.logits)

    @validate_sample
    def log_prob(self, value):
        x, lg = self._value(value), self.logits
        return x * lg + log_expit(-lg)

    def entropy(self):
        lg = self.logits
        return softplus(lg) - lg * expit(lg)


def Bernoulli(probs=None, logits=None, *, validate_args=None):  # noqa: N802 (NumPyro's name)
    """``BernoulliProbs(probs)`` or ``BernoulliLogits(logits)``: exactly one must be given."""
    if pick_one(probs, logits, "Bernoulli") == "probs":
        return BernoulliProbs(probs, validate_args=validate_args)
    return BernoulliLogits(logits, validate_args=validate_args)


# --- Categorical -----------------------------------------------------------------------------


class _CategoricalBase(DiscreteFamily):
    """Categorical over {0, ..., K-1} (K the last axis of probs/logits); event_shape ().
    Mean and variance are NaN (as NumPyro); entropy -sum p log p."""

    def _init(self, validate_args, **param):
        self._setup(validate_args, **param)
        (value,) = (getattr(self, name) for name in param)
        if value.ndim < 1:
            raise ValueError(f"{type(self).__name__} needs at least one category axis")
        self._batch_shape = value.shape[:-1]
        self._num_categories = value.shape[-1]
        self.support = constraints.integer_interval(0, self._num_categories - 1)

    def _log_probs(self):
        raise NotImplementedError

    def _sample(self, shape, rng):
        if not self.batch_shape:  # one distribution: a uniform per draw, placed in the cdf
            edges = self._cached("cdf edges", lambda: dnp.cumsum(self.probs)[:-1])
            return dnp.searchsorted(edges, rng.random(shape, edges.dtype), side="right")
        # Gumbel-max: argmax_k (l_k + G_k) is distributed as Categorical(softmax(l)); any
        # logits of the distribution serve, as the argmax ignores their normalization.
        k = self._num_categories
        gumbel = as_dtype(rng.gumbel(size=tuple(shape) + (k,)), self.dtype)
        return dnp.argmax(self._unnormalized() + gumbel, axis=-1)

    def _unnormalized(self):
        return self._log_probs()

    def log_prob(self, value):
        if not isinstance(value, dnp.ndarray):
            value = dnp.asarray(value)
        if self.batch_shape or value.dtype.kind not in "iu" or self._validate_args:
            return self._log_prob_checked(value)
        # One distribution and integer values: one gather from the log probabilities padded
        # with -inf on both sides, the index shifted by one and clipped, so that a value
        # outside {0, ..., K-1} reads -inf without a separate support check.
        if value.dtype != INT:
            value = value.astype(INT)
        return dnp.take(self._cached("padded log probs", self._padded), value + 1, mode="clip")

    def _padded(self):
        log_probs = self._log_probs()
        pad = dnp.full((1,), -math.inf, dtype=log_probs.dtype)
        return dnp.concatenate([pad, log_probs, pad])

    @validate_sample
    def _log_prob_checked(self, value):
        log_probs = self._log_probs()
        index = dnp.clip(dnp.nan_to_num(value.astype(self.dtype)), 0, self._num_categories - 1)
        index = index.astype(INT)[..., None]
        shape = dnp.broadcast_shapes(index.shape[:-1], self.batch_shape)
        index = dnp.broadcast_to(index, shape + (1,))
        log_probs = dnp.broadcast_to(log_probs, shape + (self._num_categories,))
        return dnp.take_along_axis(log_probs, index, axis=-1)[..., 0]

    @property
    def mean(self):
        return dnp.full(self.batch_shape, math.nan, dtype=self.dtype)

    @property
    def variance(self):
        return dnp.full(self.batch_shape, math.nan, dtype=self.dtype)

    def entropy(self):
        log_probs = self._log_probs()
        p = dnp.exp(log_probs)
        with dnp.errstate(invalid="ignore"):  # 0 * -inf where p = 0: masked
            return -dnp.sum(dnp.where(p > 0, p * log_probs, 0), axis=-1)

    def enumerate_support(self, expand: bool = True):
        k = self._num_categories
        values = dnp.reshape(dnp.arange(k, dtype=INT), (k,) + (1,) * len(self.batch_shape))
        return dnp.broadcast_to(values, (k,) + self.batch_shape) if expand else values


class CategoricalProbs(_CategoricalBase):
    """Categorical(probs): probs on the simplex along the last axis; log p(k) = log p_k."""

    arg_constraints = {"probs": constraints.simplex}

    def __init__(self, probs, *, validate_args=None) -> None:
        self._init(validate_args, probs=probs)

    @property
    def logits(self):
        with dnp.errstate(divide="ignore"):
            return dnp.log(self.probs)

    def _log_probs(self):
        return safe_log(self.probs)


class CategoricalLogits(_CategoricalBase):
    """Categorical(logits): unnormalized log probabilities; log p(k) = log_softmax(l)_k."""

    arg_constraints = {"logits": constraints.real_vector}

    def __init__(self, logits, *, validate_args=None) -> None:
        self._init(validate_args, logits=logits)

    @property
    def probs(self):
        return softmax(self.logits, axis=-1)

    def _log_probs(self):
        return log_softmax(self.logits, axis=-1)

    def _unnormalized(self):
        return self.logits


def Categorical(probs=None, logits=None, *, validate_args=None):  # noqa: N802 (NumPyro's name)
    """``CategoricalProbs(probs)`` or ``CategoricalLogits(logits)``: exactly one is given."""
    if pick_one(probs, logits, "Categorical") == "probs":
        return CategoricalProbs(probs, validate_args=validate_args)
    return CategoricalLogits(logits, validate_args=validate_args)


# --- OneHotCategorical -----------------------------------------------------------------------


class _OneHotBase(_CategoricalBase):
    """OneHotCategorical: a Categorical draw as a one-hot vector; event_shape (K,);
    log p(x) = sum_k x_k log p_k; mean p; variance p (1 - p)."""

    support = constraints.one_hot

    def _init(self, validate_args, **param):
        super()._init(validate_args, **param)
        self._event_shape = (self._num_categories,)
        self.support = constraints.one_hot

    def _sample(self, shape, rng):
        return self._one_hot(super()._sample(shape[:-1], rng))

    def _one_hot(self, index):
        return (index[..., None] == dnp.arange(self._num_categories)).astype(INT)

    @validate_sample
    def log_prob(self, value):
        x = self._value(value)
        log_probs = self._log_probs()
        return dnp.sum(dnp.where(x != 0, x * log_probs, 0), axis=-1)

    @property
    def mean(self):
        return self._broadcast(self.probs)

    @property
    def variance(self):
        return self._broadcast(self.probs * (1 - self.probs))

    def enumerate_support(self, expand: bool = True):
        k = self._num_categories
        values = dnp.reshape(dnp.eye(k, dtype=INT), (k,) + (1,) * len(self.batch_shape) + (k,))
        return dnp.broadcast_to(values, (k,) + self.batch_shape + (k,)) if expand else values


class OneHotCategoricalProbs(_OneHotBase, CategoricalProbs):
    """OneHotCategorical(probs)."""


class OneHotCategoricalLogits(_OneHotBase, CategoricalLogits):
    """OneHotCategorical(logits)."""


def OneHotCategorical(probs=None, logits=None, *, validate_args=None):  # noqa: N802
    """``OneHotCategoricalProbs(probs)`` or ``OneHotCategoricalLogits(logits)`` (NumPyro's
    factory): exactly one is given."""
    if pick_one(probs, logits, "OneHotCategorical") == "probs":
        return OneHotCategoricalProbs(probs, validate_args=validate_args)
    return OneHotCategoricalLogits(logits, validate_args=validate_args)


# --- Geometric -------------------------------------------------------------------------------


class _GeometricBase(DiscreteFamily):
    """Geometric: the number of failures before the first success (support {0, 1, ...});
    log p(k) = k log(1 - p) + log p; mean 1/p - 1; variance (1/p - 1)/p;
    entropy -[(1 - p) log(1 - p) + p log p] / p."""

    support = constraints.nonnegative_integer

    def _sample(self, shape, rng):
        # Inverse cdf: floor(log U / log(1 - p)), U uniform on (0, 1].
        u = 1 - rng.random(shape, dtype=self.dtype)
        with dnp.errstate(divide="ignore", invalid="ignore"):
            k = dnp.floor(dnp.log(u) / self._log1m_probs())
        return dnp.nan_to_num(k, nan=0.0).astype(INT)

    def _log_probs(self):
        raise NotImplementedError

    def _log1m_probs(self):
        raise NotImplementedError

    @validate_sample
    def log_prob(self, value):
        x = self._value(value)
        log1m = self._log1m_probs()
        return dnp.where(x == 0, 0, x * log1m) + self._log_probs()

    @property
    def mean(self):
        return self._broadcast(1 / self.probs - 1)

    @property
    def variance(self):
        return self._broadcast((1 / self.probs - 1) / self.probs)


class GeometricProbs(_GeometricBase):
    """Geometric(probs): probs in (0, 1]."""

    arg_constraints = {"probs": constraints.unit_interval}

    def __init__(self, probs, *, validate_args=None) -> None:
        self._setup(validate_args, probs=probs)

    @property
    def logits(self):
        with dnp.errstate(divide="ignore"):
            return dnp.log(self.probs) - dnp.log1p(-self.probs)

    def _log_probs(self):
        return safe_log(self.probs)

    def _log1m_probs(self):
        with dnp.errstate(divide="ignore"):
            return dnp.log1p(-self.probs)

    def entropy(self):
        p = self.probs
        return -(xlog1py(1 - p, -p) + xlogy(p, p)) / p


class GeometricLogits(_GeometricBase):
    """Geometric(logits): log p = log_expit(l), log(1 - p) = log_expit(-l)."""

    arg_constraints = {"logits": constraints.real}

    def __init__(self, logits, *, validate_args=None) -> None:
        self._setup(validate_args, logits=logits)

    @property
    def probs(self):
        return expit(self.logits)

    def _log_probs(self):
        return log_expit(self.logits)

    def _log1m_probs(self):
        return log_expit(-self.logits)

    def entropy(self):
        # -log p - (1 - p)/p log(1 - p) = softplus(-l) + exp(-l) softplus(l); the second term
        # is u (l + log1p(u)) for l >= 0 and log1p(u)/u (-> 1 as u -> 0) for l < 0, u = e^-|l|.
        lg = self.logits
        u = dnp.exp(-dnp.abs(lg))
        safe_u = dnp.where(u > 0, u, 1)
        negative = dnp.where(u > 0, dnp.log1p(safe_u) / safe_u, 1)
        second = dnp.where(lg >= 0, u * (lg + dnp.log1p(u)), negative)
        return softplus(-lg) + second


def Geometric(probs=None, logits=None, *, validate_args=None):  # noqa: N802 (NumPyro's name)
    """``GeometricProbs(probs)`` or ``GeometricLogits(logits)``: exactly one is given."""
    if pick_one(probs, logits, "Geometric") == "probs":
        return GeometricProbs(probs, validate_args=validate_args)
    return GeometricLogits(logits, validate_args=validate_args)
