"""``LKJCholesky``: log_prob against the Beta(eta, eta) law of the correlation for d = 2 and
against NumPyro's formula written independently in NumPy for d = 3, 4; the density integrates to
one over the 3 x 3 correlation Cholesky factors; both samplers (onion, cvine) against the Beta
marginals by KS tests (shown to reject a slightly wrong concentration); samples in corr_cholesky;
shapes, batched concentration, float32; validate_args."""

from __future__ import annotations

import math

import numpy as onp
import pytest
from scipy import special, stats

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.lkj import LKJCholesky

METHODS = ("onion", "cvine")


def arr(x):
    return onp.asarray(x)


def chol2(r):
    r = onp.asarray(r, dtype=float)
    out = onp.zeros(r.shape + (2, 2))
    out[..., 0, 0] = 1.0
    out[..., 1, 0] = r
    out[..., 1, 1] = onp.sqrt(1 - r * r)
    return out


def numpyro_log_prob(L, eta):
    """NumPyro's LKJCholesky.log_prob, written out in NumPy and SciPy."""
    d = L.shape[-1]
    i = onp.arange(1, d)
    order = 2 * eta - (3 - d + i)
    unnormalized = onp.sum(order * onp.log(L[..., i, i]), axis=-1)
    alpha = eta + 0.5 * (d - 1)
    log_z = (
        0.5 * (d - 1) * math.log(math.pi)
        + special.multigammaln(alpha - 0.5, d - 1)
        - (d - 1) * special.gammaln(alpha)
    )
    return unnormalized - log_z


def random_corr_cholesky(d, n, seed):
    """Cholesky factors of random correlation matrices (normalized rows of random lower
    triangular matrices with positive diagonals)."""
    rs = onp.random.default_rng(seed)
    a = onp.tril(rs.normal(size=(n, d, d)))
    idx = onp.arange(d)
    a[:, idx, idx] = onp.abs(a[:, idx, idx]) + 0.1
    return a / onp.linalg.norm(a, axis=-1, keepdims=True)


@pytest.mark.parametrize("eta", [0.5, 1.0, 2.7])
def test_d2_log_prob_is_beta_of_the_correlation(eta, device):
    r = onp.array([-0.95, -0.4, 0.0, 0.3, 0.9])
    lp = arr(LKJCholesky(2, eta).log_prob(dnp.asarray(chol2(r))))
    # r = 2 x - 1 with x ~ Beta(eta, eta); the Jacobian of L -> C is 1 for d = 2.
    expected = stats.beta.logpdf((r + 1) / 2, eta, eta) - math.log(2)
    onp.testing.assert_allclose(lp, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d", [3, 4])
@pytest.mark.parametrize("eta", [0.5, 1.0, 3.0])
def test_log_prob_matches_numpyro_formula(d, eta, device):
    L = random_corr_cholesky(d, 6, seed=d)
    lp = arr(LKJCholesky(d, eta).log_prob(dnp.asarray(L)))
    onp.testing.assert_allclose(lp, numpyro_log_prob(L, eta), rtol=1e-10, atol=1e-12)


def test_d3_density_integrates_to_one(device):
    # L = [[1, 0, 0], [a, sqrt(1 - a^2), 0], [b, c, .]]: (C10, C20, C21) = (a, b, ab + c L11),
    # so dC = L11 da db dc, and log_prob (the density of C times that Jacobian) is a density in
    # (a, b, c): its integral over a in (-1, 1), (b, c) in the unit disk is one.
    eta, n = 2.0, 400_000
    rs = onp.random.default_rng(0)
    a = rs.uniform(-1, 1, n)
    rad, ang = onp.sqrt(rs.uniform(0, 1, n)), rs.uniform(0, 2 * math.pi, n)
    b, c = rad * onp.cos(ang), rad * onp.sin(ang)
    L = onp.zeros((n, 3, 3))
    L[:, 0, 0] = 1
    L[:, 1, 0], L[:, 1, 1] = a, onp.sqrt(1 - a * a)
    L[:, 2, 0], L[:, 2, 1], L[:, 2, 2] = b, c, onp.sqrt(onp.clip(1 - b * b - c * c, 0, None))
    f = onp.exp(arr(LKJCholesky(3, eta).log_prob(dnp.asarray(L))))
    volume = 2 * math.pi
    estimate, stderr = volume * f.mean(), volume * f.std() / math.sqrt(n)
    assert abs(estimate - 1) <= 5 * stderr, (estimate, stderr)


def ks_pvalue(r, conc):
    return stats.kstest(r, stats.beta(conc, conc, loc=-1, scale=2).cdf).pvalue


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("eta", [0.7, 2.0])
def test_d2_samples_ks(method, eta, device):
    x = arr(LKJCholesky(2, eta, sample_method=method).sample((4000,), rng=1))
    r = x[:, 1, 0]
    assert ks_pvalue(r, eta) > 1e-3
    # The test has the power to reject a slightly wrong concentration.
    assert ks_pvalue(r, eta * 1.3) < 1e-3


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("d", [3, 4])
def test_marginal_correlations_ks(method, d, device):
    eta = 1.5
    x = arr(LKJCholesky(d, eta, sample_method=method).sample((4000,), rng=2))
    corr = x @ onp.swapaxes(x, -1, -2)
    conc = eta + 0.5 * (d - 2)
    for i, j in [(1, 0), (d - 1, 0), (d - 1, d - 2)]:
        assert ks_pvalue(corr[:, i, j], conc) > 1e-3, (i, j)
    assert ks_pvalue(corr[:, d - 1, 0], conc * 1.4) < 1e-3


@pytest.mark.parametrize("method", METHODS)
def test_samples_in_support_and_shapes(method, device):
    eta = dnp.asarray([0.3, 1.0, 5.0])
    dist = LKJCholesky(4, eta, sample_method=method)
    assert dist.batch_shape == (3,) and dist.event_shape == (4, 4)
    assert dist.support is constraints.corr_cholesky
    assert not dist.has_rsample
    x = dist.sample((5, 2), rng=3)
    assert x.shape == (5, 2, 3, 4, 4)
    assert bool(dnp.all(constraints.corr_cholesky(x)))
    assert dist.log_prob(x).shape == (5, 2, 3)
    assert LKJCholesky(3).sample(rng=0).shape == (3, 3)
    assert LKJCholesky(3).sample((7,), rng=0).shape == (7, 3, 3)


def test_batched_concentration_matches_scalar(device):
    etas = [0.5, 1.0, 4.0]
    L = random_corr_cholesky(3, 2, seed=5)[:, None]  # (2, 1, 3, 3) against batch (3,)
    batched = arr(LKJCholesky(3, dnp.asarray(etas)).log_prob(dnp.asarray(L)))
    assert batched.shape == (2, 3)
    for k, eta in enumerate(etas):
        scalar = arr(LKJCholesky(3, eta).log_prob(dnp.asarray(L[:, 0])))
        onp.testing.assert_allclose(batched[:, k], scalar, rtol=1e-12)


def test_float32_kept(device):
    dist = LKJCholesky(3, dnp.asarray(1.5, dtype=dnp.float32))
    x = dist.sample((4,), rng=0)
    assert x.dtype == dnp.float32
    assert dist.log_prob(x).dtype == dnp.float32


def test_validate_args(device):
    with pytest.raises(ValueError, match="concentration"):
        LKJCholesky(3, 0.0, validate_args=True)
    with pytest.raises(ValueError, match="concentration"):
        LKJCholesky(3, dnp.asarray([1.0, -1.0]), validate_args=True)
    with pytest.raises(ValueError, match="dimension"):
        LKJCholesky(1, 1.0)
    with pytest.raises(ValueError, match="sample_method"):
        LKJCholesky(3, 1.0, sample_method="vine")
    dist = LKJCholesky(2, 1.0, validate_args=True)
    with pytest.raises(ValueError):
        dist.log_prob(dnp.asarray([[1.0, 0.0], [0.9, 0.9]]))  # row not of unit norm
    with pytest.raises(ValueError):
        dist.log_prob(dnp.asarray([[1.0, 0.5], [0.0, 1.0]]))  # not lower triangular


def test_log_prob_gradient_in_concentration(device):
    L = dnp.asarray(random_corr_cholesky(3, 4, seed=7))

    def total(eta):
        return dnp.sum(LKJCholesky(3, eta).log_prob(L))

    eta = dnp.asarray([0.8, 2.5])[:, None]
    grad = arr(dnp.autograd.grad_fn(total)(eta))
    h = 1e-6
    base = arr(eta)
    for idx in onp.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[idx] += h
        minus[idx] -= h
        numeric = (float(total(dnp.asarray(plus))) - float(total(dnp.asarray(minus)))) / (2 * h)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
