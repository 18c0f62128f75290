"""MultivariateNormal, LowRankMultivariateNormal and Dirichlet against ``scipy.stats`` (log_prob,
mean, variance, entropy; scalar and batched), the three MVN parameterizations against each other,
the low-rank form against the full one; sample shapes; goodness of fit of ``sample`` (moments and
a KS test, each shown to reject a slightly wrong sampler); pathwise gradients against analytic
ones; float32 kept; ``validate_args``; the KL pairs against Monte Carlo estimates."""

from __future__ import annotations

import numpy as onp
import pytest
import scipy.stats as st

import dnp
from dnp.infer.distributions.kl import kl_divergence
from dnp.infer.distributions.multivariate import (
    Dirichlet,
    LowRankMultivariateNormal,
    MultivariateNormal,
)

N_GOF = 40_000
N_GRAD = 20_000
N_MC = 40_000


def arr(x):
    return onp.asarray(x)


def spd(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ onp.swapaxes(a, -1, -2) + n * onp.eye(n)


RNG = onp.random.default_rng(1234)
LOC = onp.array([0.5, -1.0, 2.0])
COV = spd(RNG, 3)
W = RNG.normal(size=(3, 2))
D = onp.array([0.5, 1.5, 0.8])
ALPHA = onp.array([0.7, 2.0, 3.5])


def mvn(param, loc=LOC, cov=COV, dtype=dnp.float64, **kw):
    """A MultivariateNormal with covariance ``cov`` given through ``param``."""
    matrix = {
        "covariance_matrix": cov,
        "precision_matrix": onp.linalg.inv(cov),
        "scale_tril": onp.linalg.cholesky(cov),
    }[param]
    return MultivariateNormal(
        dnp.asarray(loc, dtype=dtype), **{param: dnp.asarray(matrix, dtype=dtype)}, **kw
    )


def lowrank(loc=LOC, w=W, d=D, dtype=dnp.float64):
    return LowRankMultivariateNormal(*(dnp.asarray(x, dtype=dtype) for x in (loc, w, d)))


PARAMS = ["covariance_matrix", "precision_matrix", "scale_tril"]


# ---- formulas against scipy.stats ------------------------------------------------------------


@pytest.mark.parametrize("param", PARAMS)
def test_mvn_against_scipy(param, device):
    d = mvn(param)
    ref = st.multivariate_normal(LOC, COV)
    x = RNG.normal(size=(7, 3)) * 2
    onp.testing.assert_allclose(arr(d.log_prob(dnp.asarray(x))), ref.logpdf(x), rtol=1e-12)
    onp.testing.assert_allclose(arr(d.mean), LOC)
    onp.testing.assert_allclose(arr(d.variance), onp.diag(COV), rtol=1e-12)
    assert float(d.entropy()) == pytest.approx(ref.entropy(), rel=1e-12)
    onp.testing.assert_allclose(arr(d.covariance_matrix), COV, rtol=1e-12, atol=1e-12)
    onp.testing.assert_allclose(arr(d.precision_matrix), onp.linalg.inv(COV), atol=1e-12)
    onp.testing.assert_allclose(arr(d.scale_tril), onp.linalg.cholesky(COV), atol=1e-12)
    assert d.batch_shape == () and d.event_shape == (3,)


def test_mvn_parameterizations_agree(device):
    x = dnp.asarray(RNG.normal(size=(4, 2, 3)))
    lps = [arr(mvn(p).log_prob(x)) for p in PARAMS]
    onp.testing.assert_allclose(lps[0], lps[1], rtol=1e-12)
    onp.testing.assert_allclose(lps[0], lps[2], rtol=1e-12)


def test_mvn_default_loc(device):
    d = MultivariateNormal(scale_tril=dnp.eye(2) * 2.0)
    onp.testing.assert_allclose(arr(d.mean), [0.0, 0.0])
    expected = st.multivariate_normal([0, 0], 4 * onp.eye(2)).logpdf([1.0, -1.0])
    assert float(d.log_prob(dnp.asarray([1.0, -1.0]))) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("param", PARAMS)
def test_mvn_batched(param, device):
    """loc (2, 1, 3) and matrices (4, 3, 3) broadcast to batch (2, 4); values (5, 2, 4, 3)."""
    locs = RNG.normal(size=(2, 1, 3))
    covs = spd(RNG, 3, (4,))
    d = mvn(param, loc=locs, cov=covs)
    assert d.batch_shape == (2, 4) and d.event_shape == (3,)
    x = RNG.normal(size=(5, 2, 4, 3))
    lp = arr(d.log_prob(dnp.asarray(x)))
    ent = arr(d.entropy())
    assert lp.shape == (5, 2, 4) and ent.shape == (2, 4)
    assert arr(d.mean).shape == (2, 4, 3) and arr(d.variance).shape == (2, 4, 3)
    for i in range(2):
        for j in range(4):
            ref = st.multivariate_normal(locs[i, 0], covs[j])
            onp.testing.assert_allclose(lp[:, i, j], ref.logpdf(x[:, i, j]), rtol=1e-11)
            assert ent[i, j] == pytest.approx(ref.entropy(), rel=1e-12)
            onp.testing.assert_allclose(arr(d.variance)[i, j], onp.diag(covs[j]), rtol=1e-12)
            onp.testing.assert_allclose(arr(d.mean)[i, j], locs[i, 0])
    assert arr(d.covariance_matrix).shape == (2, 4, 3, 3)


def test_lowrank_against_full(device):
    cov = W @ W.T + onp.diag(D)
    low, full = lowrank(), mvn("covariance_matrix", cov=cov)
    x = dnp.asarray(RNG.normal(size=(6, 3)) * 2)
    onp.testing.assert_allclose(arr(low.log_prob(x)), arr(full.log_prob(x)), rtol=1e-12)
    ref = st.multivariate_normal(LOC, cov)
    onp.testing.assert_allclose(arr(low.log_prob(x)), ref.logpdf(arr(x)), rtol=1e-12)
    assert float(low.entropy()) == pytest.approx(ref.entropy(), rel=1e-12)
    onp.testing.assert_allclose(arr(low.mean), LOC)
    onp.testing.assert_allclose(arr(low.variance), onp.diag(cov), rtol=1e-12)
    onp.testing.assert_allclose(arr(low.covariance_matrix), cov, rtol=1e-12)
    onp.testing.assert_allclose(arr(low.precision_matrix), onp.linalg.inv(cov), atol=1e-12)
    onp.testing.assert_allclose(arr(low.scale_tril), onp.linalg.cholesky(cov), atol=1e-12)


def test_lowrank_batched(device):
    locs = RNG.normal(size=(2, 1, 3))
    ws = RNG.normal(size=(4, 3, 2))
    diag = RNG.uniform(0.5, 2.0, size=(2, 1, 3))
    low = lowrank(locs, ws, diag)
    assert low.batch_shape == (2, 4) and low.event_shape == (3,)
    x = RNG.normal(size=(5, 2, 4, 3))
    lp, ent = arr(low.log_prob(dnp.asarray(x))), arr(low.entropy())
    assert lp.shape == (5, 2, 4) and ent.shape == (2, 4)
    for i in range(2):
        for j in range(4):
            ref = st.multivariate_normal(locs[i, 0], ws[j] @ ws[j].T + onp.diag(diag[i, 0]))
            onp.testing.assert_allclose(lp[:, i, j], ref.logpdf(x[:, i, j]), rtol=1e-11)
            assert ent[i, j] == pytest.approx(ref.entropy(), rel=1e-12)


def test_dirichlet_against_scipy(device):
    d = Dirichlet(dnp.asarray(ALPHA))
    ref = st.dirichlet(ALPHA)
    x = RNG.dirichlet(ALPHA, size=6)
    expected = [ref.logpdf(v) for v in x]
    onp.testing.assert_allclose(arr(d.log_prob(dnp.asarray(x))), expected, rtol=1e-12)
    onp.testing.assert_allclose(arr(d.mean), ref.mean(), rtol=1e-12)
    onp.testing.assert_allclose(arr(d.variance), ref.var(), rtol=1e-12)
    assert float(d.entropy()) == pytest.approx(ref.entropy(), rel=1e-12)


def test_dirichlet_batched(device):
    alphas = RNG.uniform(0.3, 4.0, size=(2, 3, 4))
    d = Dirichlet(dnp.asarray(alphas))
    assert d.batch_shape == (2, 3) and d.event_shape == (4,)
    x = onp.stack([[RNG.dirichlet(a) for a in row] for row in alphas])
    lp, ent = arr(d.log_prob(dnp.asarray(x))), arr(d.entropy())
    for i in range(2):
        for j in range(3):
            ref = st.dirichlet(alphas[i, j])
            assert lp[i, j] == pytest.approx(ref.logpdf(x[i, j]), rel=1e-11)
            assert ent[i, j] == pytest.approx(ref.entropy(), rel=1e-11)
            onp.testing.assert_allclose(arr(d.variance)[i, j], ref.var(), rtol=1e-12)
            onp.testing.assert_allclose(arr(d.mean)[i, j], ref.mean(), rtol=1e-12)


# ---- sample shapes and goodness of fit -------------------------------------------------------


SHAPE_CASES = {
    "mvn": lambda: mvn("scale_tril", loc=RNG.normal(size=(2, 1, 3)), cov=spd(RNG, 3, (4,))),
    "mvn_cov": lambda: mvn("covariance_matrix", cov=spd(RNG, 3, (4,))),
    "lowrank": lambda: lowrank(RNG.normal(size=(2, 1, 3)), RNG.normal(size=(4, 3, 2)), D),
    "dirichlet": lambda: Dirichlet(dnp.asarray(RNG.uniform(0.5, 2, size=(2, 4, 3)))),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_sample_shape(name, sample_shape, device):
    d = SHAPE_CASES[name]()
    x = d.sample(sample_shape, rng=0)
    assert x.shape == sample_shape + d.batch_shape + d.event_shape == d.shape(sample_shape)
    assert arr(d.log_prob(x)).shape == sample_shape + d.batch_shape
    assert onp.all(onp.isfinite(arr(d.log_prob(x))))


def moments_reject(x, mean, cov, k=5.0):
    """Whether the sample mean or covariance of ``x`` (N, n) is more than ``k`` standard errors
    from ``mean`` and ``cov`` (errors from the true moments, Gaussian fourth moments for the
    covariance: var(x_i x_j) = S_ii S_jj + S_ij^2)."""
    n_draws = x.shape[0]
    se_mean = onp.sqrt(onp.diag(cov) / n_draws)
    if onp.any(onp.abs(x.mean(0) - mean) > k * se_mean):
        return True
    centered = x - mean
    sample_cov = centered.T @ centered / n_draws
    var = onp.diag(cov)
    se_cov = onp.sqrt((onp.outer(var, var) + cov**2) / n_draws)
    return bool(onp.any(onp.abs(sample_cov - cov) > k * se_cov))


def mahalanobis_ks(x, mean, cov):
    """KS p-value of |L^-1 (x - mean)|^2 against chi2(n)."""
    z = onp.linalg.solve(onp.linalg.cholesky(cov), (x - mean).T)
    return st.kstest((z * z).sum(0), st.chi2(len(mean)).cdf).pvalue


GOF = {
    "mvn_scale_tril": (lambda: mvn("scale_tril"), COV),
    "mvn_precision": (lambda: mvn("precision_matrix"), COV),
    "lowrank": (lambda: lowrank(), W @ W.T + onp.diag(D)),
}


@pytest.mark.parametrize("name", sorted(GOF))
def test_normal_goodness_of_fit(name, device):
    make, cov = GOF[name]
    x = arr(make().sample((N_GOF,), rng=dnp.random.default_rng(11)))
    assert not moments_reject(x, LOC, cov)
    assert mahalanobis_ks(x, LOC, cov) > 1e-3
    # The same checks reject a sampler 5% too wide and one shifted by 0.05 of a stddev.
    wide = LOC + 1.05 * (x - LOC)
    assert moments_reject(wide, LOC, cov)
    assert mahalanobis_ks(wide, LOC, cov) < 1e-3
    assert moments_reject(x + 0.05 * onp.sqrt(onp.diag(cov)), LOC, cov)


def dirichlet_cov(a):
    a0 = a.sum()
    m = a / a0
    return (onp.diag(m) - onp.outer(m, m)) / (a0 + 1)


def dirichlet_reject(x, a, k=5.0):
    """Moments of ``x`` against Dirichlet(a) (standard errors from the sample's own fourth
    moments), or a marginal Beta(a_i, a0 - a_i) KS test with p < 1e-3."""
    n_draws = x.shape[0]
    mean, cov = a / a.sum(), dirichlet_cov(a)
    if onp.any(onp.abs(x.mean(0) - mean) > k * onp.sqrt(onp.diag(cov) / n_draws)):
        return True
    c = x - mean
    prods = c[:, :, None] * c[:, None, :]
    se = prods.std(0) / onp.sqrt(n_draws)
    if onp.any(onp.abs(prods.mean(0) - cov) > k * se):
        return True
    a0 = a.sum()
    return any(
        st.kstest(x[:, i], st.beta(a[i], a0 - a[i]).cdf).pvalue < 1e-3 for i in range(len(a))
    )


def test_dirichlet_goodness_of_fit(device):
    x = arr(Dirichlet(dnp.asarray(ALPHA)).sample((N_GOF,), rng=dnp.random.default_rng(3)))
    onp.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    assert not dirichlet_reject(x, ALPHA)
    # Draws from a concentration 10% too large (same mean, smaller spread) are rejected.
    wrong = arr(Dirichlet(dnp.asarray(1.1 * ALPHA)).sample((N_GOF,), rng=dnp.random.default_rng(3)))
    assert dirichlet_reject(wrong, ALPHA)


# ---- pathwise gradients ----------------------------------------------------------------------


def test_mvn_gradients(device):
    """d/dloc E[sum x] = 1; d/dL E[x^T x] = 2 L (E[x^T x] = |loc|^2 + |L|_F^2);
    d/dSigma E[x^T x] = I (through the Cholesky)."""
    tril = onp.linalg.cholesky(COV)
    rng = dnp.random.default_rng

    def first(loc):
        return dnp.mean(dnp.sum(MultivariateNormal(loc, scale_tril=tril).sample((10,), rng(1)), -1))

    onp.testing.assert_allclose(arr(dnp.autograd.grad_fn(first)(dnp.asarray(LOC))), 1.0)

    def second(loc, tril=None, cov=None):
        d = MultivariateNormal(loc, scale_tril=tril, covariance_matrix=cov)
        x = d.sample((N_GRAD,), rng(2))
        return dnp.mean(dnp.sum(x * x, -1))

    g_loc, g_tril = dnp.autograd.grad_fn(second, (0, 1))(dnp.asarray(LOC), dnp.asarray(tril))
    onp.testing.assert_allclose(arr(g_loc), 2 * LOC, atol=0.05 * onp.abs(LOC).max())
    onp.testing.assert_allclose(onp.tril(arr(g_tril)), 2 * tril, rtol=0.03, atol=0.05)
    g_cov = dnp.autograd.grad_fn(lambda c: second(dnp.asarray(LOC), cov=c))(dnp.asarray(COV))
    g_cov = arr(g_cov)
    onp.testing.assert_allclose((g_cov + g_cov.T) / 2, onp.eye(3), atol=0.05)


def test_lowrank_gradients(device):
    """E[x^T x] = |loc|^2 + |W|_F^2 + sum(D): gradients 2 loc, 2 W, 1."""

    def second(loc, w, d):
        x = LowRankMultivariateNormal(loc, w, d).sample((N_GRAD,), dnp.random.default_rng(4))
        return dnp.mean(dnp.sum(x * x, -1))

    grads = dnp.autograd.grad_fn(second, (0, 1, 2))(*(dnp.asarray(v) for v in (LOC, W, D)))
    onp.testing.assert_allclose(arr(grads[0]), 2 * LOC, atol=0.1)
    onp.testing.assert_allclose(arr(grads[1]), 2 * W, atol=0.1)
    onp.testing.assert_allclose(arr(grads[2]), 1.0, atol=0.1)  # sd about 0.02


def test_dirichlet_gradient(device):
    """d/da_j E[x_0] = (delta_0j a0 - a_0) / a0^2 through the Gamma sampler's gradient."""

    def first(a):
        return dnp.mean(Dirichlet(a).sample((N_GRAD,), dnp.random.default_rng(6))[..., 0])

    a0 = ALPHA.sum()
    expected = (onp.eye(3)[0] * a0 - ALPHA[0]) / a0**2
    grad = arr(dnp.autograd.grad_fn(first)(dnp.asarray(ALPHA)))
    onp.testing.assert_allclose(grad, expected, atol=0.005)


# ---- float32 ---------------------------------------------------------------------------------


F32 = {
    "mvn_cov": lambda: mvn("covariance_matrix", dtype=dnp.float32),
    "mvn_prec": lambda: mvn("precision_matrix", dtype=dnp.float32),
    "mvn_tril": lambda: mvn("scale_tril", dtype=dnp.float32),
    "lowrank": lambda: lowrank(dtype=dnp.float32),
    "dirichlet": lambda: Dirichlet(dnp.asarray(ALPHA, dtype=dnp.float32)),
}


@pytest.mark.parametrize("name", sorted(F32))
def test_float32_kept(name, device):
    d = F32[name]()
    x = d.sample((4,), rng=0)
    assert x.dtype == dnp.float32
    for out in (d.log_prob(x), d.mean, d.variance, d.entropy()):
        assert out.dtype == dnp.float32
    assert (
        kl_divergence(
            d, F32[name]() if name == "dirichlet" else mvn("scale_tril", dtype=dnp.float32)
        ).dtype
        == dnp.float32
    )


def test_float32_log_prob_accuracy(device):
    x = RNG.normal(size=(5, 3))
    lp32 = arr(mvn("covariance_matrix", dtype=dnp.float32).log_prob(dnp.asarray(x, dnp.float32)))
    onp.testing.assert_allclose(lp32, st.multivariate_normal(LOC, COV).logpdf(x), rtol=1e-5)


# ---- validate_args ---------------------------------------------------------------------------


def test_mvn_validate_args(device):
    bad = onp.array([[1.0, 2.0], [2.0, 1.0]])  # symmetric, eigenvalues 3 and -1
    with pytest.raises(ValueError, match="covariance_matrix"):
        MultivariateNormal(onp.zeros(2), covariance_matrix=dnp.asarray(bad), validate_args=True)
    with pytest.raises(ValueError, match="precision_matrix"):
        MultivariateNormal(onp.zeros(2), precision_matrix=dnp.asarray(bad), validate_args=True)
    with pytest.raises(ValueError, match="covariance_matrix"):
        MultivariateNormal(
            covariance_matrix=dnp.asarray([[1.0, 0.5], [0.0, 1.0]]), validate_args=True
        )
    with pytest.raises(ValueError, match="scale_tril"):
        MultivariateNormal(scale_tril=dnp.asarray([[1.0, 0.0], [0.5, -1.0]]), validate_args=True)
    with pytest.raises(ValueError, match="scale_tril"):
        MultivariateNormal(scale_tril=dnp.asarray([[1.0, 0.3], [0.5, 1.0]]), validate_args=True)
    with pytest.raises(ValueError, match="loc"):
        MultivariateNormal(dnp.asarray([0.0, onp.nan]), scale_tril=dnp.eye(2), validate_args=True)
    with pytest.raises(ValueError, match="exactly one"):
        MultivariateNormal(covariance_matrix=dnp.eye(2), scale_tril=dnp.eye(2))
    with pytest.raises(ValueError, match="exactly one"):
        MultivariateNormal(covariance_matrix=dnp.eye(2), precision_matrix=dnp.eye(2))
    with pytest.raises(ValueError, match="exactly one"):
        MultivariateNormal(onp.zeros(2))
    # Valid parameters pass.
    MultivariateNormal(covariance_matrix=dnp.asarray(COV), validate_args=True)


def test_lowrank_validate_args(device):
    with pytest.raises(ValueError, match="cov_diag"):
        LowRankMultivariateNormal(LOC, W, onp.array([1.0, 0.0, 1.0]), validate_args=True)
    with pytest.raises(ValueError, match="cov_factor"):
        LowRankMultivariateNormal(LOC, onp.full((3, 2), onp.inf), D, validate_args=True)
    LowRankMultivariateNormal(LOC, W, D, validate_args=True)


def test_dirichlet_validate_args(device):
    for bad in ([1.0, 0.0, 2.0], [1.0, -0.5, 2.0]):
        with pytest.raises(ValueError, match="concentration"):
            Dirichlet(dnp.asarray(bad), validate_args=True)
    d = Dirichlet(dnp.asarray(ALPHA), validate_args=True)
    with pytest.raises(ValueError, match="support"):
        d.log_prob(dnp.asarray([0.5, 0.6, 0.1]))
    assert float(Dirichlet(dnp.asarray(ALPHA)).log_prob(dnp.asarray([0.5, 0.6, 0.1]))) == -onp.inf


# ---- KL pairs against Monte Carlo ------------------------------------------------------------


def mc_kl(p, q, seed):
    """The Monte Carlo mean of log p(x) - log q(x), x ~ p, and its standard error."""
    x = p.sample((N_MC,), rng=dnp.random.default_rng(seed))
    diff = arr(p.log_prob(x)) - arr(q.log_prob(x))
    return diff.mean(0), diff.std(0) / onp.sqrt(N_MC)


COV_Q = spd(RNG, 3) * 0.7
LOC_Q = onp.array([0.0, -0.5, 1.5])


def kl_cases():
    cases = {}
    for pp in PARAMS:
        for qp in PARAMS:
            cases[f"mvn_{pp}-mvn_{qp}"] = (
                lambda pp=pp: mvn(pp),
                lambda qp=qp: mvn(qp, loc=LOC_Q, cov=COV_Q),
            )
    cases["mvn_batched"] = (
        lambda: mvn("scale_tril", loc=RNG.normal(size=(2, 1, 3)), cov=COV),
        lambda: mvn("covariance_matrix", loc=LOC_Q, cov=spd(RNG, 3, (3,))),
    )
    cases["lowrank-mvn"] = (lowrank, lambda: mvn("precision_matrix", loc=LOC_Q, cov=COV_Q))
    cases["lowrank_batched-mvn"] = (
        lambda: lowrank(RNG.normal(size=(2, 1, 3)), W, RNG.uniform(0.5, 2, size=(2, 1, 3))),
        lambda: mvn("scale_tril", loc=LOC_Q, cov=spd(RNG, 3, (3,))),
    )
    cases["dirichlet"] = (
        lambda: Dirichlet(dnp.asarray(ALPHA)),
        lambda: Dirichlet(dnp.asarray([1.5, 1.0, 2.5])),
    )
    cases["dirichlet_batched"] = (
        lambda: Dirichlet(dnp.asarray(RNG.uniform(0.5, 3, size=(2, 1, 4)))),
        lambda: Dirichlet(dnp.asarray(RNG.uniform(0.5, 3, size=(3, 4)))),
    )
    return cases


KL_CASES = kl_cases()


@pytest.mark.parametrize("name", sorted(KL_CASES))
def test_kl_against_monte_carlo(name, device):
    make_p, make_q = KL_CASES[name]
    p, q = make_p(), make_q()
    kl = arr(kl_divergence(p, q))
    assert kl.shape == dnp.broadcast_shapes(p.batch_shape, q.batch_shape)
    if p.batch_shape != kl.shape:
        p = p.expand(kl.shape)
    est, se = mc_kl(p, q, seed=21)
    assert onp.all(onp.abs(kl - est) <= 5 * se + 1e-12), (kl, est, se)
    assert onp.all(kl >= 0)


def test_kl_self_is_zero(device):
    for param in PARAMS:
        assert float(kl_divergence(mvn(param), mvn("scale_tril"))) == pytest.approx(0, abs=1e-12)
    assert float(kl_divergence(lowrank(), mvn("covariance_matrix", cov=W @ W.T + onp.diag(D)))) == (
        pytest.approx(0, abs=1e-12)
    )
    d = Dirichlet(dnp.asarray(ALPHA))
    assert float(kl_divergence(d, d)) == pytest.approx(0, abs=1e-12)


def test_log_prob_gradients(device):
    """d/dSigma log N(x; mu, Sigma) = (S^-1 r r^T S^-1 - S^-1) / 2, r = x - mu, through
    covariance_matrix and (chain rule) precision_matrix; d/da log Dir(x; a) = log x +
    digamma(a0) - digamma(a)."""
    from scipy.special import digamma

    x = dnp.asarray([1.0, 0.0, 1.5])
    inv = onp.linalg.inv(COV)
    r = inv @ (arr(x) - LOC)
    expected = 0.5 * (onp.outer(r, r) - inv)

    def lp(param, matrix):
        return MultivariateNormal(dnp.asarray(LOC), **{param: matrix}).log_prob(x)

    def sym(g):
        # The Cholesky reads one triangle, so only the symmetric part (the derivative along
        # symmetric perturbations) is convention-free.
        g = arr(g)
        return (g + g.T) / 2

    grad = dnp.autograd.grad_fn(lambda c: lp("covariance_matrix", c))(dnp.asarray(COV))
    onp.testing.assert_allclose(sym(grad), expected, atol=1e-10)
    grad = dnp.autograd.grad_fn(lambda c: lp("precision_matrix", c))(dnp.asarray(inv))
    onp.testing.assert_allclose(sym(grad), -COV @ expected @ COV, atol=1e-10)
    y = dnp.asarray([0.2, 0.3, 0.5])
    grad = dnp.autograd.grad_fn(lambda a: Dirichlet(a).log_prob(y))(dnp.asarray(ALPHA))
    expected = onp.log(arr(y)) + digamma(ALPHA.sum()) - digamma(ALPHA)
    onp.testing.assert_allclose(arr(grad), expected, rtol=1e-10)


def test_cached_factors_keep_gradients(device):
    """A distribution used off the tape (caching its Cholesky factors) still differentiates
    in its given matrix when used again under ``dnp.autograd.record``."""
    x = dnp.asarray([1.0, 0.0, 1.5])
    for param, matrix in (("covariance_matrix", COV), ("precision_matrix", onp.linalg.inv(COV))):
        m = dnp.asarray(matrix)
        dnp.autograd.mark_variables([m])
        d = MultivariateNormal(dnp.asarray(LOC), **{param: m})
        first = d.log_prob(x), d.entropy(), d.scale_tril
        with dnp.autograd.record():
            y = d.log_prob(x)
        y.backward()
        assert float(y) == pytest.approx(float(first[0]), rel=1e-14)
        assert onp.all(onp.isfinite(arr(m.grad))) and onp.any(arr(m.grad) != 0)
    w = dnp.asarray(W)
    dnp.autograd.mark_variables([w])
    low = LowRankMultivariateNormal(dnp.asarray(LOC), w, dnp.asarray(D))
    low.log_prob(x)
    with dnp.autograd.record():
        y = low.log_prob(x)
    y.backward()
    assert onp.any(arr(w.grad) != 0)
