"""ZhuSuan's variational objectives (dnp.infer.vi.objectives) on BayesianNet models: on a
conjugate Gaussian model (exact posterior and log evidence), the ELBO's value per draw and in
expectation, its SGVB gradient against finite differences of the exact ELBO, the importance
weighted bound rising with K toward the log evidence; on a model of three Bernoulli latents
(enumerable), the mean REINFORCE (plain, moving mean, learned baseline) and VIMCO gradients
against the exact gradients of the ELBO and of the IW bound, within 4 standard errors, and the
variance the baselines remove; the moving mean's state, the array-like value, and the errors."""

from __future__ import annotations

import itertools
import math

import numpy as onp
import pytest
from scipy import special, stats

import dnp
from dnp.infer.bn import BayesianNet, meta_bayesian_net
from dnp.infer.vi.objectives import (
    EvidenceLowerBoundObjective,
    ImportanceWeightedObjective,
    MovingMean,
    elbo,
    importance_weighted_objective,
    iw_objective,
)

value_and_grad = dnp.autograd.value_and_grad


def arr(x):
    return onp.asarray(x)


def assert_within_se(samples, expected, n_se=4.0):
    """The mean of ``samples`` (first axis) equals ``expected`` within ``n_se`` standard errors."""
    samples = arr(samples)
    mean = samples.mean(0)
    se = samples.std(0, ddof=1) / math.sqrt(samples.shape[0])
    assert onp.all(onp.abs(mean - expected) <= n_se * se), (mean, expected, se)


# --- a conjugate Gaussian model: z ~ N(0, 1), x_i ~ N(z, SIGMA) -------------------------------
SIGMA = 0.5
DATA = onp.array([0.9, 1.4, 0.3, 1.1])
POST_PREC = 1 + DATA.size / SIGMA**2
POST_MEAN = DATA.sum() / SIGMA**2 / POST_PREC
POST_SD = POST_PREC**-0.5
LOG_EVIDENCE = stats.multivariate_normal.logpdf(
    DATA, onp.zeros(DATA.size), SIGMA**2 * onp.eye(DATA.size) + 1.0
)


@meta_bayesian_net()
def gaussian_model(batch):
    bn = BayesianNet()
    z = bn.normal("z", dnp.zeros(batch), std=1.0)
    bn.normal("x", z[..., None], std=SIGMA, group_ndims=1)
    return bn


def gaussian_q(mean, logstd, n_samples, seed):
    bn = BayesianNet(rng=seed)
    bn.normal("z", mean, logstd=logstd, n_samples=n_samples)
    return bn


def log_joint(z):
    z = arr(z)
    return stats.norm.logpdf(z) + stats.norm.logpdf(DATA, z[..., None], SIGMA).sum(-1)


def exact_elbo(m, s):
    """E_q[log p(x, z)] + H(q) for q = N(m, s)."""
    prior = -0.5 * math.log(2 * math.pi) - 0.5 * (m**2 + s**2)
    lik = onp.sum(-0.5 * math.log(2 * math.pi * SIGMA**2) - ((DATA - m) ** 2 + s**2) / 2 / SIGMA**2)
    return prior + lik + 0.5 * math.log(2 * math.pi * math.e * s**2)


def test_elbo_value_per_draw_and_in_expectation():
    m, s, n = 0.2, 0.6, 20000
    q = gaussian_q(dnp.full(1, m), math.log(s), n, seed=0)
    per_draw = elbo(gaussian_model(1), {"x": DATA}, variational=q)
    z = arr(q["z"].tensor)
    assert per_draw.shape == (n, 1)
    expected = log_joint(z) - stats.norm.logpdf(z, m, s)
    onp.testing.assert_allclose(arr(per_draw.tensor), expected, rtol=1e-12)
    assert_within_se(expected[:, 0], exact_elbo(m, s))
    averaged = elbo(gaussian_model(1), {"x": DATA}, variational=q, axis=0)
    assert isinstance(averaged, EvidenceLowerBoundObjective) and averaged.shape == (1,)
    onp.testing.assert_allclose(arr(averaged.tensor), expected.mean(0), rtol=1e-12)
    onp.testing.assert_allclose(arr(averaged.sgvb()), -expected.mean(0), rtol=1e-12)


def test_elbo_at_the_exact_posterior_is_the_log_evidence():
    q = gaussian_q(dnp.full(3, POST_MEAN), math.log(POST_SD), 50, seed=1)
    bound = elbo(gaussian_model(3), {"x": DATA}, variational=q)
    onp.testing.assert_allclose(arr(bound.tensor), LOG_EVIDENCE, rtol=1e-12)
    iw = iw_objective(gaussian_model(3), {"x": DATA}, variational=q, axis=0)
    onp.testing.assert_allclose(arr(iw.tensor), LOG_EVIDENCE, rtol=1e-12)


def test_iw_objective_rises_with_k_toward_the_log_evidence():
    m, s, reps = POST_MEAN + 0.5, 1.5 * POST_SD, 2000
    means, ses = [], []
    for k, seed in ((1, 0), (5, 1), (50, 2)):
        q = gaussian_q(dnp.full(reps, m), math.log(s), k, seed)
        bound = iw_objective(gaussian_model(reps), {"x": DATA}, variational=q, axis=0)
        assert isinstance(bound, ImportanceWeightedObjective) and bound.shape == (reps,)
        log_w = log_joint(arr(q["z"].tensor)) - stats.norm.logpdf(arr(q["z"].tensor), m, s)
        values = special.logsumexp(log_w, axis=0) - math.log(k)
        onp.testing.assert_allclose(arr(bound.tensor), values, rtol=1e-12)
        onp.testing.assert_allclose(arr(bound.sgvb()), -values, rtol=1e-12)
        means.append(values.mean())
        ses.append(values.std(ddof=1) / math.sqrt(reps))
    assert abs(means[0] - exact_elbo(m, s)) < 4 * ses[0]  # K = 1 is the ELBO
    assert means[0] + 4 * ses[0] < means[1] - 4 * ses[1]
    assert means[1] + 4 * ses[1] < means[2] - 4 * ses[2]
    assert LOG_EVIDENCE - 0.05 < means[2] < LOG_EVIDENCE + 4 * ses[2]


def _sgvb_cost(params, n_samples, reps, seed):
    mean, logstd = params
    q = gaussian_q(mean, logstd, n_samples, seed)
    return dnp.sum(elbo(gaussian_model(reps), {"x": DATA}, variational=q, axis=0).sgvb())


def test_sgvb_gradient_is_the_exact_elbo_gradient():
    m, s, reps = 0.3, 0.8, 4000
    params = (dnp.full(reps, m), dnp.full(reps, math.log(s)))
    _, (g_mean, g_logstd) = value_and_grad(_sgvb_cost)(params, 1, reps, 7)
    h = 1e-6
    exact_mean = -(exact_elbo(m + h, s) - exact_elbo(m - h, s)) / (2 * h)
    exact_logstd = -(exact_elbo(m, s * math.exp(h)) - exact_elbo(m, s * math.exp(-h))) / (2 * h)
    assert_within_se(g_mean, exact_mean)
    assert_within_se(g_logstd, exact_logstd)
    # With the draws fixed, the gradient is the derivative of the sampled cost itself.
    params = (dnp.asarray([m]), dnp.asarray([math.log(s)]))
    _, (g_mean, g_logstd) = value_and_grad(_sgvb_cost)(params, 3, 1, 8)
    up = float(_sgvb_cost((dnp.asarray([m + h]), params[1]), 3, 1, 8))
    down = float(_sgvb_cost((dnp.asarray([m - h]), params[1]), 3, 1, 8))
    onp.testing.assert_allclose(arr(g_mean), [(up - down) / (2 * h)], rtol=1e-6)


# --- three Bernoulli latents with a Gaussian observation, small enough to enumerate -----------
PRIOR_LOGITS = onp.array([0.3, -0.5, 1.0])
WEIGHTS = onp.array([1.0, -0.8, 1.5])
X_OBS, NOISE = 1.3, 0.7
PHI = onp.array([0.5, -0.2, 0.8])  # the variational logits where gradients are taken
CONFIGS = onp.array(list(itertools.product((0, 1), repeat=3)), dtype=float)


@meta_bayesian_net()
def bernoulli_model():
    bn = BayesianNet()
    z = bn.bernoulli("z", logits=dnp.asarray(PRIOR_LOGITS), group_ndims=1)
    bn.normal("x", dnp.sum(z * dnp.asarray(WEIGHTS), axis=-1), std=NOISE)
    return bn


def bernoulli_q(logits, n_samples, seed):
    bn = BayesianNet(rng=seed)
    bn.bernoulli("z", logits=logits, group_ndims=1, n_samples=n_samples)
    return bn


def _log_bernoulli(z, logits):
    return (z * special.log_expit(logits) + (1 - z) * special.log_expit(-logits)).sum(-1)


def config_log_w(phi):
    """log p(x, z) - log q(z) of the 8 configurations."""
    log_p = _log_bernoulli(CONFIGS, PRIOR_LOGITS) + stats.norm.logpdf(
        X_OBS, CONFIGS @ WEIGHTS, NOISE
    )
    return log_p - _log_bernoulli(CONFIGS, phi)


def exact_elbo_bernoulli(phi):
    log_q = _log_bernoulli(CONFIGS, phi)
    return onp.sum(onp.exp(log_q) * config_log_w(phi))


def exact_iw_bound(phi, k):
    """E[log mean_k w_k] over the 8**k joint configurations of k samples."""
    idx = onp.array(list(itertools.product(range(8), repeat=k)))
    log_q, log_w = _log_bernoulli(CONFIGS, phi)[idx], config_log_w(phi)[idx]
    return onp.sum(onp.exp(log_q.sum(-1)) * (special.logsumexp(log_w, axis=-1) - math.log(k)))


def exact_gradient(f):
    h = 1e-6
    return onp.array([(f(PHI + h * e) - f(PHI - h * e)) / (2 * h) for e in onp.eye(3)])


def reinforce_gradients(model, reps, seed, **kwargs):
    """Per-replicate gradients of reinforce()'s cost in the logits (one draw per replicate)."""
    out = {}

    def cost(phi):
        q = bernoulli_q(phi, 1, seed)
        result = elbo(model, {"x": X_OBS}, variational=q, axis=0).reinforce(**kwargs)
        out["result"] = result
        return dnp.sum(result[0] if isinstance(result, tuple) else result)

    _, grad = value_and_grad(cost)(dnp.asarray(onp.tile(PHI, (reps, 1))))
    return arr(grad), out["result"]


def test_reinforce_gradients_are_unbiased_and_the_baselines_cut_the_variance():
    reps = 20000
    expected = -exact_gradient(exact_elbo_bernoulli)  # reinforce() is a cost: -ELBO
    plain, _ = reinforce_gradients(bernoulli_model(), reps, 0, variance_reduction=False)
    assert_within_se(plain, expected)
    model = bernoulli_model()
    reinforce_gradients(model, reps, 1)  # the first call sets the moving mean
    moving, _ = reinforce_gradients(model, reps, 2)
    assert_within_se(moving, expected)
    # The moving mean then tracks l - baseline: a fresh model, warmed up with the baseline.
    model, learned = bernoulli_model(), dnp.full(reps, exact_elbo_bernoulli(PHI) - 1.0)
    reinforce_gradients(model, reps, 3, baseline=learned)
    with_baseline, (_, baseline_cost) = reinforce_gradients(model, reps, 4, baseline=learned)
    assert_within_se(with_baseline, expected)
    assert baseline_cost.shape == (reps,)
    plain_var = plain.var(0)
    assert onp.all(moving.var(0) < 0.7 * plain_var)
    assert onp.all(with_baseline.var(0) < 0.7 * plain_var)


def test_moving_mean_state_and_the_learned_baselines_cost():
    model, reps = bernoulli_model(), 50
    phi = dnp.asarray(onp.tile(PHI, (reps, 1)))
    signals = []
    for seed in (0, 1):
        q = bernoulli_q(phi, 1, seed)
        z = arr(q["z"].tensor)
        signals.append(config_log_w(PHI)[(z @ [4, 2, 1]).astype(int)][0])
        cost = elbo(model, {"x": X_OBS}, variational=q, axis=0).reinforce(decay=0.6)
        assert cost.shape == (reps,)
        if seed == 0:  # the signal of the first call had no moving mean subtracted
            log_q = _log_bernoulli(z[0], PHI)
            onp.testing.assert_allclose(arr(cost), -(signals[0] + log_q) - signals[0] * log_q)
            onp.testing.assert_allclose(model.moving_mean.value, signals[0].mean())
    biased = 0.6 * 0.4 * signals[0].mean() + 0.4 * signals[1].mean()
    onp.testing.assert_allclose(model.moving_mean.value, biased / (1 - 0.6**2))

    # baseline_cost = 0.5 (l - b)^2: its gradient in the baseline is b - l.
    def baseline_cost(b):
        q = bernoulli_q(phi, 1, 2)
        return dnp.sum(elbo(model, {"x": X_OBS}, variational=q, axis=0).reinforce(baseline=b)[1])

    b = onp.linspace(-3.0, -1.0, reps)
    _, grad = value_and_grad(baseline_cost)(dnp.asarray(b))
    z = arr(bernoulli_q(phi, 1, 2)["z"].tensor)
    onp.testing.assert_allclose(arr(grad), b - config_log_w(PHI)[(z @ [4, 2, 1]).astype(int)][0])
    with pytest.raises(ValueError, match="decay"):
        elbo(model, {"x": X_OBS}, variational=bernoulli_q(phi, 1, 0)).reinforce(decay=1.0)


def test_vimco_gradient_is_the_exact_iw_bound_gradient():
    k, reps = 3, 10000
    expected = -exact_gradient(lambda phi: exact_iw_bound(phi, k))

    def cost(phi):
        q = bernoulli_q(phi, k, 0)
        return dnp.sum(iw_objective(bernoulli_model(), {"x": X_OBS}, variational=q, axis=0).vimco())

    grad = dnp.autograd.grad_fn(cost)(dnp.asarray(onp.tile(PHI, (reps, 1))))
    assert_within_se(grad, expected)


def test_vimco_cost_by_hand():
    k = 4
    q = bernoulli_q(dnp.asarray(PHI), k, 5)
    bound = iw_objective(bernoulli_model(), {"x": X_OBS}, variational=q, axis=0)
    z = arr(q["z"].tensor)
    log_w = config_log_w(PHI)[(z @ [4, 2, 1]).astype(int)]
    log_q = _log_bernoulli(z, PHI)
    total = special.logsumexp(log_w) - math.log(k)
    signal = []
    for j in range(k):
        replaced = log_w.copy()
        replaced[j] = onp.delete(log_w, j).mean()
        signal.append(total - (special.logsumexp(replaced) - math.log(k)))
    onp.testing.assert_allclose(arr(bound.vimco()), -onp.dot(signal, log_q) - total, rtol=1e-12)


# --- the array-like value, the deprecated ``latent`` and the errors -----------------------------
def test_value_is_array_like():
    q = gaussian_q(dnp.zeros(2), 0.0, 4, seed=0)
    bound = elbo(gaussian_model(2), {"x": DATA}, variational=q, axis=0)
    value = arr(bound.tensor)
    onp.testing.assert_allclose(arr(bound + 1.0), value + 1.0)
    onp.testing.assert_allclose(arr(2.0 - bound), 2.0 - value)
    onp.testing.assert_allclose(arr(dnp.asarray([1.0, 2.0]) * bound), [1.0, 2.0] * value)
    onp.testing.assert_allclose(arr(-bound), -value)
    onp.testing.assert_allclose(arr(bound[1]), value[1])
    onp.testing.assert_allclose(arr(bound.sum()), value.sum())
    assert bound.dtype == dnp.float64 and bound.ndim == 1
    assert bound.meta_bn is not None and bound.variational is q
    assert bound.bn["z"].is_observed() and bound.bn["x"].is_observed()
    with pytest.raises(TypeError):
        float(bound)


def test_variational_meta_model_and_deprecated_latent():
    @meta_bayesian_net()
    def posterior(x, seed):
        bn = BayesianNet(rng=seed)
        bn.normal("z", dnp.full(1, x.mean()), std=1.0, n_samples=3)
        return bn

    x = dnp.asarray(DATA)
    built = posterior(x, 4).observe()
    via_meta = importance_weighted_objective(
        gaussian_model(1), {"x": x}, variational=posterior(x, 4), axis=0
    )
    via_net = iw_objective(gaussian_model(1), {"x": x}, variational=built, axis=0)
    onp.testing.assert_array_equal(arr(via_meta.tensor), arr(via_net.tensor))
    latent = {"z": (built["z"].tensor, built["z"].log_prob())}
    with pytest.warns(DeprecationWarning, match="latent"):
        via_latent = iw_objective(gaussian_model(1), {"x": x}, latent=latent, axis=0)
    onp.testing.assert_array_equal(arr(via_latent.tensor), arr(via_net.tensor))
    assert via_latent.variational is None


def test_errors():
    model, q = gaussian_model(1), gaussian_q(dnp.zeros(1), 0.0, 1, seed=0)
    with pytest.raises(ValueError, match="both"):
        elbo(model, {"x": DATA})
    with pytest.raises(ValueError, match="both"):
        elbo(model, {"x": DATA}, variational=q, latent={"z": (0.0, 0.0)})
    with pytest.raises(TypeError, match="BayesianNet"):
        elbo(model, {"x": DATA}, variational={"z": 0.0})
    with pytest.raises(TypeError, match="MetaBayesianNet"):
        elbo(lambda values: 0.0, {"x": DATA}, variational=q)
    with pytest.raises(ValueError, match="neither observed nor"):
        elbo(model, {}, variational=q)
    assert elbo(model, {}, variational=q, allow_default=True).bn["x"].tensor.shape == (1, 1, 1)
    with pytest.raises(ValueError, match="both observed and latent"):
        elbo(model, {"x": DATA, "z": 0.0}, variational=q)
    with pytest.raises(ValueError, match="axis"):
        iw_objective(model, {"x": DATA}, variational=q)
    with pytest.raises(ValueError, match="larger than 1"):
        iw_objective(model, {"x": DATA}, variational=q, axis=0).vimco()
    with pytest.raises(dnp.exceptions.AxisError):
        iw_objective(model, {"x": DATA}, variational=q, axis=2).tensor
    assert isinstance(MovingMean().value, float)
