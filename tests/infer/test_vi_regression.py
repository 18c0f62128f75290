"""SVI against exact answers: conjugate Bayesian linear regression (issue 19's acceptance test).

y = X beta + noise, noise ~ N(0, SIGMA^2) known, prior beta ~ N(0, TAU^2 I), N = 100, D = 5. The
posterior is N(m, S) with S^-1 = I / TAU^2 + X^T X / SIGMA^2 and m = S X^T y / SIGMA^2, and the
log evidence is log N(y; 0, SIGMA^2 I + TAU^2 X X^T), all in NumPy here. For a Gaussian guide q
the ELBO is log p(y) - KL(q || N(m, S)), so the gap is known exactly from the guide's params.
The columns of X share a common factor, so the posterior is correlated and the optimal
mean-field guide (means m, variances 1 / diag(S^-1)) differs from the exact marginals.

Each fit runs Adam to convergence, then 2500 more steps at a small constant learning rate over
which the params are averaged (Polyak-Ruppert tail averaging): a single iterate carries Monte
Carlo noise of about 0.03 posterior sd, the average about 0.01. SVI's steps are replayed by
``dnp.jit``, so the file runs in about 10 s.
"""

from __future__ import annotations

import numpy as onp
import pytest
from scipy import stats

import dnp
from dnp import optim
from dnp.infer import SVI, Trace_ELBO, autoguide, dist, init_to_median, plate, sample

N, D, SIGMA, TAU = 100, 5, 1.0, 1.0
_rng = onp.random.default_rng(0)
X = onp.sqrt(0.5) * (_rng.normal(size=(N, D)) + _rng.normal(size=(N, 1)))
Y = X @ _rng.normal(0.0, TAU, D) + SIGMA * _rng.normal(size=N)
PREC = onp.eye(D) / TAU**2 + X.T @ X / SIGMA**2
S = onp.linalg.inv(PREC)
M = S @ X.T @ Y / SIGMA**2
SD = onp.sqrt(onp.diag(S))
LOG_EVIDENCE = stats.multivariate_normal.logpdf(
    Y, onp.zeros(N), SIGMA**2 * onp.eye(N) + TAU**2 * X @ X.T
)
MEAN_FIELD_VAR = 1 / onp.diag(PREC)
FIT_STEPS, TAIL_STEPS, PARTICLES = 900, 2500, 4


def model(x, y):
    beta = sample("beta", dist.Normal(0.0, TAU).expand([D]).to_event(1))
    with plate("data", x.shape[0]):
        sample("y", dist.Normal(x @ beta, SIGMA), obs=y)


def kl_to_posterior(loc, cov) -> float:
    """KL(N(loc, cov) || N(M, S))."""
    d = M - loc
    _, logdet_cov = onp.linalg.slogdet(cov)
    _, logdet_prec = onp.linalg.slogdet(PREC)
    return 0.5 * (onp.trace(PREC @ cov) + d @ PREC @ d - D - logdet_prec - logdet_cov)


def guide_cov(params: dict):
    if "auto_scale_tril" in params:
        tril = onp.asarray(params["auto_scale_tril"])
        return tril @ tril.T
    return onp.diag(onp.asarray(params["auto_scale"]) ** 2)


def fit(guide_class):
    """(guide, params): the params (dnp arrays) averaged over the tail steps (the covariance,
    then its Cholesky factor or its diagonal's square root)."""
    x, y = dnp.asarray(X), dnp.asarray(Y)
    guide = guide_class(model, init_loc_fn=init_to_median)
    lr = optim.piecewise_constant([FIT_STEPS // 3, 2 * FIT_STEPS // 3], [0.05, 0.01, 2e-3])
    svi = SVI(model, guide, optim.Adam(lr), Trace_ELBO(PARTICLES))
    state = svi.run(0, FIT_STEPS, x, y, progress_bar=False).state
    loc_sum, cov_sum = onp.zeros(D), onp.zeros((D, D))
    for _ in range(TAIL_STEPS):
        state, _ = svi.update(state, x, y)
        params = svi.get_params(state)
        loc_sum += onp.asarray(params["auto_loc"])
        cov_sum += guide_cov(params)
    loc, cov = loc_sum / TAIL_STEPS, cov_sum / TAIL_STEPS
    if "auto_scale_tril" in params:
        averaged = {"auto_loc": loc, "auto_scale_tril": onp.linalg.cholesky(cov)}
    else:
        averaged = {"auto_loc": loc, "auto_scale": onp.sqrt(onp.diag(cov))}
    return guide, {name: dnp.asarray(value) for name, value in averaged.items()}


@pytest.fixture(scope="module")
def mvn():
    return fit(autoguide.AutoMultivariateNormal)


@pytest.fixture(scope="module")
def diagonal():
    return fit(autoguide.AutoDiagonalNormal)


def test_exact_answers_are_consistent():
    # The closed forms against each other: log p(y) = log p(y | b) + log p(b) - log p(b | y).
    b = onp.linspace(-1.0, 1.0, D)
    joint = stats.norm.logpdf(Y, X @ b, SIGMA).sum() + stats.norm.logpdf(b, 0.0, TAU).sum()
    assert joint - stats.multivariate_normal.logpdf(b, M, S) == pytest.approx(LOG_EVIDENCE)
    # The mean-field variances differ from the marginals enough for the test to tell them apart.
    assert onp.all(MEAN_FIELD_VAR / onp.diag(S) < 0.75)


def test_multivariate_normal_reaches_log_evidence(mvn):
    guide, params = mvn
    gap = kl_to_posterior(onp.asarray(params["auto_loc"]), guide_cov(params))
    assert 0 <= gap < 0.05
    # The ELBO by Monte Carlo with many particles: log p(y) - KL, within its noise.
    x, y = dnp.asarray(X), dnp.asarray(Y)
    elbo = -float(Trace_ELBO(1000).loss(1, params, model, guide, x, y))
    assert elbo == pytest.approx(LOG_EVIDENCE - gap, abs=0.02)
    assert abs(elbo - LOG_EVIDENCE) < 0.05


def test_multivariate_normal_reaches_posterior(mvn):
    guide, params = mvn
    median = guide.median(params)
    assert onp.all(onp.abs(onp.asarray(median["beta"]) - M) < 0.05 * SD)
    cov = guide_cov(params)
    onp.testing.assert_allclose(onp.diag(cov), onp.diag(S), rtol=0.1)
    corr = cov / onp.sqrt(onp.outer(onp.diag(cov), onp.diag(cov)))
    onp.testing.assert_allclose(corr, S / onp.outer(SD, SD), atol=0.05)


def test_diagonal_normal_reaches_mean_field_optimum(diagonal):
    _, params = diagonal
    assert onp.all(onp.abs(onp.asarray(params["auto_loc"]) - M) < 0.05 * SD)
    onp.testing.assert_allclose(onp.asarray(params["auto_scale"]) ** 2, MEAN_FIELD_VAR, rtol=0.1)
    # Its gap is that of the optimal mean-field guide, 0.5 (sum log diag(S^-1) - log det S^-1).
    optimum = 0.5 * (onp.log(onp.diag(PREC)).sum() - onp.linalg.slogdet(PREC)[1])
    gap = kl_to_posterior(onp.asarray(params["auto_loc"]), guide_cov(params))
    assert optimum <= gap < optimum + 0.05
