"""``kl_divergence`` for Bernoulli, Categorical (probs and logits forms, every mix) and Poisson:
against exact sums over the support written in NumPy/SciPy (Poisson summed to a large count),
against Monte Carlo within 5 standard errors, finite at logits of +-1000, zero probabilities,
float32 kept, gradients against central differences."""

from __future__ import annotations

import math

import numpy as onp
import pytest
from scipy import special, stats

import dnp
from dnp.infer import dist
from dnp.infer.distributions.kl import kl_divergence

N_MC = 40_000


def arr(x):
    return onp.asarray(x)


def bernoulli(form, p):
    """A Bernoulli with success probability ``p`` (NumPy), in the probs or logits form."""
    p = onp.asarray(p, dtype=float)
    if form == "probs":
        return dist.Bernoulli(probs=dnp.asarray(p))
    return dist.Bernoulli(logits=dnp.asarray(special.logit(p)))


def categorical(form, p):
    p = onp.asarray(p, dtype=float)
    if form == "probs":
        return dist.Categorical(probs=dnp.asarray(p))
    return dist.Categorical(logits=dnp.asarray(onp.log(p) + 0.7))  # unnormalized logits


def exact_bernoulli(p, q):
    p, q = onp.asarray(p, float), onp.asarray(q, float)
    return special.xlogy(p, p / q) + special.xlogy(1 - p, (1 - p) / (1 - q))


def exact_categorical(p, q):
    return onp.sum(special.xlogy(p, p) - special.xlogy(p, q), axis=-1)


def exact_poisson(rate_p, rate_q, kmax=400):
    ndim = onp.broadcast(onp.asarray(rate_p), onp.asarray(rate_q)).ndim
    k = onp.arange(kmax + 1).reshape((-1,) + (1,) * ndim)
    logp = stats.poisson.logpmf(k, rate_p)
    logq = stats.poisson.logpmf(k, rate_q)
    return onp.sum(onp.exp(logp) * (logp - logq), axis=0)


def monte_carlo(p, q, seed=0):
    x = p.sample((N_MC,), rng=seed)
    diff = arr(p.log_prob(x)) - arr(q.log_prob(x))
    return diff.mean(0), diff.std(0) / math.sqrt(N_MC)


def assert_monte_carlo(p, q, kl):
    estimate, stderr = monte_carlo(p, q)
    kl = arr(kl)
    assert onp.all(onp.abs(kl - estimate) <= 5 * stderr + 1e-12), (kl, estimate, stderr)


FORMS = [("probs", "probs"), ("probs", "logits"), ("logits", "probs"), ("logits", "logits")]
BERN_P = onp.array([0.1, 0.5, 0.93])
BERN_Q = onp.array([0.3, 0.8, 0.6])
CAT_P = onp.array([[0.2, 0.5, 0.3, 0.0], [0.25, 0.25, 0.25, 0.25]])
CAT_Q = onp.array([[0.1, 0.1, 0.7, 0.1], [0.4, 0.3, 0.2, 0.1]])


@pytest.mark.parametrize("forms", FORMS)
def test_bernoulli_exact_and_monte_carlo(forms, device):
    p, q = bernoulli(forms[0], BERN_P), bernoulli(forms[1], BERN_Q)
    kl = kl_divergence(p, q)
    assert kl.shape == (3,) and kl.dtype == dnp.float64
    onp.testing.assert_allclose(arr(kl), exact_bernoulli(BERN_P, BERN_Q), rtol=1e-10)
    assert_monte_carlo(p, q, kl)
    scalar = kl_divergence(bernoulli(forms[0], 0.1), bernoulli(forms[1], BERN_Q[:, None]))
    assert scalar.shape == (3, 1)
    onp.testing.assert_allclose(arr(kl_divergence(p, p)), 0.0, atol=1e-14)


@pytest.mark.parametrize("forms", FORMS)
def test_categorical_exact_and_monte_carlo(forms, device):
    p_np = CAT_P if forms[0] == "probs" else CAT_P + 0.05 * (CAT_P == 0)
    p_np = p_np / p_np.sum(-1, keepdims=True)
    p, q = categorical(forms[0], p_np), categorical(forms[1], CAT_Q)
    kl = kl_divergence(p, q)
    assert kl.shape == (2,)
    onp.testing.assert_allclose(arr(kl), exact_categorical(p_np, CAT_Q), rtol=1e-10)
    assert_monte_carlo(p, q, kl)
    # Broadcasting a single q against a batch of p.
    one_q = kl_divergence(p, categorical(forms[1], CAT_Q[0]))
    onp.testing.assert_allclose(arr(one_q), exact_categorical(p_np, CAT_Q[0]), rtol=1e-10)
    onp.testing.assert_allclose(arr(kl_divergence(p, p)), 0.0, atol=1e-14)


def test_poisson_exact_and_monte_carlo(device):
    rate_p = onp.array([0.3, 2.0, 15.0])
    rate_q = onp.array([1.0, 2.5, 9.0])
    p, q = dist.Poisson(dnp.asarray(rate_p)), dist.Poisson(dnp.asarray(rate_q))
    kl = kl_divergence(p, q)
    onp.testing.assert_allclose(arr(kl), exact_poisson(rate_p, rate_q), rtol=1e-10)
    assert_monte_carlo(p, q, kl)
    scalar = kl_divergence(dist.Poisson(4.0), dist.Poisson(dnp.asarray(rate_q)))
    onp.testing.assert_allclose(arr(scalar), exact_poisson(4.0, rate_q), rtol=1e-10)
    onp.testing.assert_allclose(arr(kl_divergence(p, p)), 0.0, atol=1e-12)


def test_monte_carlo_check_has_power(device):
    p, q = bernoulli("logits", BERN_P), bernoulli("probs", BERN_Q)
    with pytest.raises(AssertionError):
        assert_monte_carlo(p, q, kl_divergence(p, q) + 0.05)


def test_extreme_logits_are_finite(device):
    big = dnp.asarray([1000.0, -1000.0, 1000.0, -1000.0])
    other = dnp.asarray([-1000.0, 1000.0, 1000.0, -1000.0])
    kl = arr(kl_divergence(dist.Bernoulli(logits=big), dist.Bernoulli(logits=other)))
    onp.testing.assert_allclose(kl, [1000.0, 1000.0, 0.0, 0.0], atol=1e-9)
    # Against probs forms: p of probability one, q of 0.5.
    kl = arr(kl_divergence(dist.Bernoulli(logits=big), dist.Bernoulli(probs=0.5)))
    onp.testing.assert_allclose(kl, math.log(2), rtol=1e-12)
    cp = dist.Categorical(logits=dnp.asarray([1000.0, -1000.0, 0.0]))
    cq = dist.Categorical(logits=dnp.asarray([-1000.0, 1000.0, 0.0]))
    assert float(kl_divergence(cp, cq)) == pytest.approx(2000.0)
    assert float(kl_divergence(cq, cp)) == pytest.approx(2000.0)
    assert float(kl_divergence(cp, cp)) == 0.0


def test_zero_probabilities(device):
    # p = 0 contributes nothing; q = 0 where p > 0 gives inf.
    kl = kl_divergence(dist.Bernoulli(probs=0.0), dist.Bernoulli(probs=0.3))
    assert float(kl) == pytest.approx(-math.log(0.7))
    with onp.errstate(divide="ignore"):
        assert float(kl_divergence(dist.Bernoulli(probs=0.3), dist.Bernoulli(probs=0.0))) == (
            math.inf
        )
    p = dist.Categorical(probs=dnp.asarray([0.0, 0.5, 0.5]))
    q = dist.Categorical(probs=dnp.asarray([0.2, 0.3, 0.5]))
    assert float(kl_divergence(p, q)) == pytest.approx(0.5 * math.log(0.5 / 0.3))
    assert float(kl_divergence(q, p)) == math.inf


def test_float32_kept(device):
    p = dist.Bernoulli(logits=dnp.asarray([0.3], dtype=dnp.float32))
    q = dist.Bernoulli(probs=dnp.asarray([0.6], dtype=dnp.float32))
    assert kl_divergence(p, q).dtype == dnp.float32
    cp = dist.Categorical(logits=dnp.asarray([0.3, 0.1], dtype=dnp.float32))
    cq = dist.Categorical(probs=dnp.asarray([0.6, 0.4], dtype=dnp.float32))
    assert kl_divergence(cp, cq).dtype == dnp.float32
    rate = dnp.asarray(2.0, dtype=dnp.float32)
    assert kl_divergence(dist.Poisson(rate), dist.Poisson(rate * 2)).dtype == dnp.float32


def test_errors(device):
    with pytest.raises(NotImplementedError):
        kl_divergence(dist.Bernoulli(probs=0.3), dist.Poisson(1.0))
    with pytest.raises(ValueError, match="categories"):
        kl_divergence(
            dist.Categorical(probs=dnp.asarray([0.5, 0.5])),
            dist.Categorical(probs=dnp.asarray([0.2, 0.3, 0.5])),
        )


def check_gradient(make, params_p, params_q):
    """dnp.autograd gradients of KL(make(params_p) || make(params_q)) against central
    differences, every parameter an array."""

    def kl(pp, pq):
        return dnp.sum(kl_divergence(make[0](pp), make[1](pq)))

    pp = {k: dnp.asarray(v) for k, v in params_p.items()}
    pq = {k: dnp.asarray(v) for k, v in params_q.items()}
    grad_p, grad_q = dnp.autograd.grad_fn(kl, (0, 1))(pp, pq)
    for which, params, grads in (("p", params_p, grad_p), ("q", params_q, grad_q)):
        for key, value in params.items():
            value = onp.asarray(value, dtype=float)
            numeric = onp.zeros_like(value)
            for idx in onp.ndindex(value.shape):
                h = 1e-6
                plus, minus = value.copy(), value.copy()
                plus[idx] += h
                minus[idx] -= h
                a_plus, a_minus = dict(params_p), dict(params_p)
                b_plus, b_minus = dict(params_q), dict(params_q)
                if which == "p":
                    a_plus[key], a_minus[key] = plus, minus
                else:
                    b_plus[key], b_minus[key] = plus, minus
                f_plus = float(
                    kl(
                        {k: dnp.asarray(v) for k, v in a_plus.items()},
                        {k: dnp.asarray(v) for k, v in b_plus.items()},
                    )
                )
                f_minus = float(
                    kl(
                        {k: dnp.asarray(v) for k, v in a_minus.items()},
                        {k: dnp.asarray(v) for k, v in b_minus.items()},
                    )
                )
                numeric[idx] = (f_plus - f_minus) / (2 * h)
            onp.testing.assert_allclose(
                arr(grads[key]), numeric, rtol=1e-5, atol=1e-7, err_msg=f"{which} {key}"
            )


def _bern(form):
    return lambda params: dist.Bernoulli(**{form: params[form]})


def _cat(form):
    return lambda params: dist.Categorical(**{form: params[form]})


def _params(form, probs):
    probs = onp.asarray(probs, dtype=float)
    if form == "probs":
        return {"probs": probs}
    return {"logits": special.logit(probs) if probs.ndim == 1 else onp.log(probs) + 0.3}


@pytest.mark.parametrize("forms", FORMS)
def test_bernoulli_gradient(forms, device):
    make = (_bern(forms[0]), _bern(forms[1]))
    check_gradient(make, _params(forms[0], [0.2, 0.7]), _params(forms[1], [0.6, 0.4]))


@pytest.mark.parametrize("forms", FORMS)
def test_categorical_gradient(forms, device):
    # Probabilities moved off the simplex by central differences only scale the KL smoothly;
    # the formula sum p (log p - log q) is differentiated as written, as NumPyro does.
    make = (_cat(forms[0]), _cat(forms[1]))
    p = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]
    q = [[0.3, 0.3, 0.4], [0.5, 0.2, 0.3]]
    check_gradient(make, _params(forms[0], p), _params(forms[1], q))


def test_poisson_gradient(device):
    make = (lambda d: dist.Poisson(d["rate"]),) * 2
    check_gradient(make, {"rate": onp.array([0.5, 3.0])}, {"rate": onp.array([1.5, 2.0])})
