"""Kullback-Leibler divergences KL(p || q) in closed form, dispatched on the pair of types.

``kl_divergence(p, q)`` looks up the function registered for ``(type(p), type(q))`` with
``register_kl`` (NumPyro's and PyTorch's API). The most specific registered pair wins: each
candidate ``(P, Q)`` with ``p`` an instance of ``P`` and ``q`` of ``Q`` is ranked by the position
of ``P`` in ``type(p).__mro__``, then of ``Q`` in ``type(q).__mro__`` (lower is more specific).
When ranking q first would pick a different function the pair is ambiguous: as in PyTorch, a
``RuntimeWarning`` says so (once per pair of types: lookups are cached until the next
``register_kl``) and the p-first choice is used; register the exact pair to settle it.
With no registered pair, ``NotImplementedError`` names both types.

The result has the broadcast batch shape of ``p`` and ``q``. Closed forms: Normal, Laplace,
Uniform (inf where q's support does not cover p's), Exponential, Gamma (Chi2 through it), Beta,
MultivariateNormal (any parameterization of each), LowRankMultivariateNormal against
MultivariateNormal, Dirichlet;
Independent of any registered pair (the base KL summed over the reinterpreted axes; the event
shapes must match) and ExpandedDistribution (the KL of the base, broadcast). Written with ``dnp``
and ``dnp.scipy.special``, so every form differentiates with ``dnp.autograd`` on every device and
float32 parameters give a float32 KL.
"""

from __future__ import annotations

import functools
import math
import warnings

import dnp
from dnp.infer.distributions.continuous import Laplace, Normal, Uniform
from dnp.infer.distributions.continuous_shape import Beta, Exponential, Gamma
from dnp.infer.distributions.discrete import (
    BernoulliLogits,
    BernoulliProbs,
    CategoricalLogits,
    CategoricalProbs,
)
from dnp.infer.distributions.discrete_counts import Poisson
from dnp.infer.distributions.distribution import (
    Distribution,
    ExpandedDistribution,
    Independent,
    sum_rightmost,
)
from dnp.infer.distributions.multivariate import (
    Dirichlet,
    LowRankMultivariateNormal,
    MultivariateNormal,
)
from dnp.scipy.linalg import solve_triangular
from dnp.scipy.special import betaln, digamma, gammaln, log_expit, log_softmax, xlogy

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], object] = {}


def register_kl(type_p: type, type_q: type):
    """Decorate ``fn(p, q)`` as the KL divergence KL(p || q) for ``p`` an instance of
    ``type_p`` and ``q`` of ``type_q`` (subclasses included, unless a more specific pair is
    registered). Registering a pair again replaces its function::

        @register_kl(MyDist, Normal)
        def _kl_mydist_normal(p, q):
            return ...  # an array broadcastable to both batch shapes
    """
    if not (isinstance(type_p, type) and isinstance(type_q, type)):
        raise TypeError(f"register_kl expects two classes, got {type_p!r} and {type_q!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _dispatch.cache_clear()
        return fn

    return decorator


@functools.cache
def _dispatch(type_p: type, type_q: type):
    """The registered function for the most specific pair matching ``(type_p, type_q)``, or
    None."""
    mro_p, mro_q = type_p.__mro__, type_q.__mro__
    ranks = {}
    for super_p, super_q in _KL_REGISTRY:
        if super_p in mro_p and super_q in mro_q:
            ranks[super_p, super_q] = (mro_p.index(super_p), mro_q.index(super_q))
    if not ranks:
        return None
    left = min(ranks, key=lambda pair: ranks[pair])
    right = min(ranks, key=lambda pair: ranks[pair][::-1])
    fn_left, fn_right = _KL_REGISTRY[left], _KL_REGISTRY[right]
    if fn_left is not fn_right:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}): "
            f"({left[0].__name__}, {left[1].__name__}) and "
            f"({right[0].__name__}, {right[1].__name__}) both match; using the first. "
            f"Register ({type_p.__name__}, {type_q.__name__}) to break the tie.",
            RuntimeWarning,
            stacklevel=3,
        )
    return fn_left


def kl_divergence(p: Distribution, q: Distribution):
    """KL(p || q) = E_p[log p(x) - log q(x)], of the broadcast batch shape of ``p`` and ``q``.

    Raises NotImplementedError naming both types when no function is registered for the pair
    (see ``register_kl``)."""
    fn = _dispatch(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"no KL divergence is registered for the pair ({type(p).__name__}, "
            f"{type(q).__name__}); add one with register_kl({type(p).__name__}, "
            f"{type(q).__name__})"
        )
    kl = fn(p, q)
    shape = dnp.broadcast_shapes(p.batch_shape, q.batch_shape)
    if dnp.shape(kl) != shape:
        kl = dnp.broadcast_to(kl, dnp.broadcast_shapes(dnp.shape(kl), shape))
    return kl


def _inf_like(x):
    return dnp.asarray(math.inf, dtype=dnp.result_type(x))


# ---- closed forms -------------------------------------------------------------------------


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    # 1/2 (r + z^2 - 1 - log r), r = (sigma_p / sigma_q)^2, z = (mu_p - mu_q) / sigma_q.
    var_ratio = (p.scale / q.scale) ** 2
    z = (p.loc - q.loc) / q.scale
    return 0.5 * (var_ratio + z * z - 1 - dnp.log(var_ratio))


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    # -log r + |d| / b_q + r exp(-|d| / b_p) - 1, r = b_p / b_q, d = mu_p - mu_q.
    scale_ratio = p.scale / q.scale
    loc_abs_diff = dnp.abs(p.loc - q.loc)
    t1 = -dnp.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * dnp.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    # log((h_q - l_q) / (h_p - l_p)) where [l_p, h_p] lies in [l_q, h_q], inf elsewhere.
    kl = dnp.log(q.high - q.low) - dnp.log(p.high - p.low)
    covered = (q.low <= p.low) & (p.high <= q.high)
    return dnp.where(covered, kl, _inf_like(kl))


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    # r - 1 - log r, r = rate_q / rate_p.
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - dnp.log(rate_ratio)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    # (a_p - a_q) psi(a_p) - lgamma(a_p) + lgamma(a_q) + a_q log(b_p / b_q)
    #   + a_p (b_q - b_p) / b_p, with a the concentration and b the rate.
    a_p, b_p, a_q, b_q = p.concentration, p.rate, q.concentration, q.rate
    t1 = a_q * (dnp.log(b_p) - dnp.log(b_q))
    t2 = gammaln(a_q) - gammaln(a_p)
    t3 = (a_p - a_q) * digamma(a_p)
    t4 = (b_q - b_p) * (a_p / b_p)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    # log B(a_q, b_q) - log B(a_p, b_p) + (a_p - a_q) psi(a_p) + (b_p - b_q) psi(b_p)
    #   + (a_q - a_p + b_q - b_p) psi(a_p + b_p).
    a_p, b_p = p.concentration1, p.concentration0
    a_q, b_q = q.concentration1, q.concentration0
    t1 = betaln(a_q, b_q) - betaln(a_p, b_p)
    t2 = (a_p - a_q) * digamma(a_p) + (b_p - b_q) * digamma(b_p)
    t3 = (a_q - a_p + b_q - b_p) * digamma(a_p + b_p)
    return t1 + t2 + t3


def _mvn_batch(p, q):
    """The broadcast batch shape of two multivariate normals with equal event shapes."""
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence of multivariate normals needs equal event shapes, got "
            f"{p.event_shape} and {q.event_shape}"
        )
    return dnp.broadcast_shapes(p.batch_shape, q.batch_shape)


def _solve_q(q, rhs, batch):
    """L_q^-1 rhs over the broadcast batch, rhs of shape (..., n, m)."""
    tril = q.scale_tril
    tril = dnp.broadcast_to(tril, batch + tril.shape[-2:])
    rhs = dnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return solve_triangular(tril, rhs, lower=True)


def _mvn_common(p, q, batch):
    """half log det Sigma_q and |L_q^-1 (mu_q - mu_p)|^2."""
    half_log_det_q = dnp.sum(dnp.log(dnp.diagonal(q.scale_tril, axis1=-2, axis2=-1)), axis=-1)
    diff = (q.loc - p.loc)[..., None]
    m = _solve_q(q, diff, batch)
    return half_log_det_q, dnp.sum(m * m, axis=(-2, -1))


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    # log det L_q - log det L_p + (|L_q^-1 L_p|_F^2 + |L_q^-1 (mu_q - mu_p)|^2 - n) / 2.
    batch = _mvn_batch(p, q)
    half_log_det_q, mahalanobis = _mvn_common(p, q, batch)
    half_log_det_p = dnp.sum(dnp.log(dnp.diagonal(p.scale_tril, axis1=-2, axis2=-1)), axis=-1)
    a = _solve_q(q, p.scale_tril, batch)
    trace = dnp.sum(a * a, axis=(-2, -1))
    n = p.event_shape[0]
    return half_log_det_q - half_log_det_p + 0.5 * (trace + mahalanobis - n)


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p, q):
    # As MVN-MVN with Sigma_p = W W^T + diag(D): log det Sigma_p from the capacitance, and
    # tr(Sigma_q^-1 Sigma_p) = |L_q^-1 W|_F^2 + |L_q^-1 diag(sqrt(D))|_F^2.
    batch = _mvn_batch(p, q)
    half_log_det_q, mahalanobis = _mvn_common(p, q, batch)
    n = p.event_shape[0]
    a_w = _solve_q(q, p.cov_factor, batch)
    eye = dnp.eye(n, dtype=p.loc.dtype)
    a_d = _solve_q(q, eye * dnp.sqrt(p.cov_diag)[..., None, :], batch)
    trace = dnp.sum(a_w * a_w, axis=(-2, -1)) + dnp.sum(a_d * a_d, axis=(-2, -1))
    # log det Sigma_p / 2 through p's entropy, (n (1 + log(2 pi)) + log det Sigma_p) / 2.
    half_log_det_p = p.entropy() - 0.5 * n * (1.0 + math.log(2 * math.pi))
    return half_log_det_q - half_log_det_p + 0.5 * (trace + mahalanobis - n)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    # gammaln(a0_p) - gammaln(a0_q) + sum(gammaln(a_q) - gammaln(a_p))
    #   + sum((a_p - a_q) (psi(a_p) - psi(a0_p))).
    a_p, a_q = p.concentration, q.concentration
    sum_p, sum_q = dnp.sum(a_p, axis=-1), dnp.sum(a_q, axis=-1)
    t1 = gammaln(sum_p) - gammaln(sum_q)
    t2 = dnp.sum(gammaln(a_q) - gammaln(a_p), axis=-1)
    t3 = (a_p - a_q) * (digamma(a_p) - digamma(sum_p)[..., None])
    return t1 + t2 + dnp.sum(t3, axis=-1)


def _bernoulli_terms(d):
    """(p, 1 - p) and (log p, log(1 - p)) of a Bernoulli, from the logits where it has them."""
    if isinstance(d, BernoulliLogits):
        lg = d.logits
        return (dnp.exp(log_expit(lg)), dnp.exp(log_expit(-lg))), (log_expit(lg), log_expit(-lg))
    p = d.probs
    with dnp.errstate(divide="ignore"):
        return (p, 1 - p), (dnp.log(p), dnp.log1p(-p))


def _masked_cross(prob, log_p, log_q):
    """prob (log_p - log_q), 0 where prob is 0 (xlogy's convention for 0 log 0)."""
    positive = prob > 0
    safe_log_p = dnp.where(positive, log_p, 0)
    with dnp.errstate(invalid="ignore"):
        return dnp.where(positive, prob * (safe_log_p - log_q), 0)


def _kl_bernoulli_bernoulli(p, q):
    # p log(p / q) + (1 - p) log((1 - p) / (1 - q)).
    (p1, p0), (lp1, lp0) = _bernoulli_terms(p)
    _, (lq1, lq0) = _bernoulli_terms(q)
    return _masked_cross(p1, lp1, lq1) + _masked_cross(p0, lp0, lq0)


def _categorical_terms(d):
    """probs and log probs of a Categorical, from the logits where it has them."""
    if isinstance(d, CategoricalLogits):
        log_probs = log_softmax(d.logits, axis=-1)
        return dnp.exp(log_probs), log_probs
    with dnp.errstate(divide="ignore"):
        return d.probs, dnp.log(d.probs)


def _kl_categorical_categorical(p, q):
    # sum_k p_k (log p_k - log q_k), with 0 log 0 = 0.
    prob_p, log_p = _categorical_terms(p)
    _, log_q = _categorical_terms(q)
    if log_p.shape[-1] != log_q.shape[-1]:
        raise ValueError(
            f"kl_divergence of Categoricals needs equal numbers of categories, got "
            f"{log_p.shape[-1]} and {log_q.shape[-1]}"
        )
    return dnp.sum(_masked_cross(prob_p, log_p, log_q), axis=-1)


for _type_p in (BernoulliProbs, BernoulliLogits):
    for _type_q in (BernoulliProbs, BernoulliLogits):
        register_kl(_type_p, _type_q)(_kl_bernoulli_bernoulli)
for _type_p in (CategoricalProbs, CategoricalLogits):
    for _type_q in (CategoricalProbs, CategoricalLogits):
        register_kl(_type_p, _type_q)(_kl_categorical_categorical)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    # xlogy(r_p, r_p / r_q) - r_p + r_q.
    return xlogy(p.rate, p.rate) - xlogy(p.rate, q.rate) - p.rate + q.rate


# ---- meta distributions -------------------------------------------------------------------


def _strip_independent(d):
    """The innermost base under nested Independents, and how many batch axes they made event
    axes in all."""
    n = 0
    while isinstance(d, Independent):
        n += d.reinterpreted_batch_ndims
        d = d.base_dist
    return d, n


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence of Independent distributions needs equal event shapes, got "
            f"{p.event_shape} and {q.event_shape}"
        )
    base_p, n_p = _strip_independent(p)
    base_q, n_q = _strip_independent(q)
    if n_p != n_q:
        raise NotImplementedError(
            f"kl_divergence of Independent distributions whose bases have different event "
            f"shapes ({base_p.event_shape} and {base_q.event_shape}) is not supported"
        )
    kl = kl_divergence(base_p, base_q)
    return sum_rightmost(kl, n_p)


@register_kl(ExpandedDistribution, Distribution)
def _kl_expanded_any(p, q):
    return kl_divergence(p.base_dist, q)


@register_kl(Distribution, ExpandedDistribution)
def _kl_any_expanded(p, q):
    return kl_divergence(p, q.base_dist)


@register_kl(ExpandedDistribution, ExpandedDistribution)
def _kl_expanded_expanded(p, q):
    return kl_divergence(p.base_dist, q.base_dist)
