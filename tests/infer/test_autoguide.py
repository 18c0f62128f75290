"""Autoguides, initialization strategies and ``Predictive`` against exact answers.

The guides are fitted here without SVI: a local ``fit`` runs Adam on the one- or two-particle
-ELBO ``log q(z) - log p(x, z)`` from a seeded trace of the guide and the model replayed on it,
optimizing each param in ``biject_to(constraint).inv`` space, and averages the second half of
the iterates. Exact references: the conjugate Normal-Normal posterior, the Gaussian posterior of
a 2-coefficient Bayesian linear regression (and its mean-field optimum), the MAP of a LogNormal
and a Dirichlet, scipy's densities with a finite-difference Jacobian of the stick-breaking map,
``ndtri`` quantiles, and the exact posterior predictive.
"""

from __future__ import annotations

import numpy as onp
import pytest
from scipy import special, stats

import dnp
from dnp.infer import biject_to, constraints, dist, handlers
from dnp.infer.primitives import deterministic, param, plate, sample
from dnp.infer.vi.autoguide import (
    AutoDelta,
    AutoDiagonalNormal,
    AutoLowRankMultivariateNormal,
    AutoMultivariateNormal,
    AutoNormal,
)
from dnp.infer.vi.initialization import init_to_median, init_to_uniform, init_to_value
from dnp.infer.vi.predictive import Predictive

N = 20
X = onp.random.default_rng(0).normal(0.7, 1.0, N)
POST_MEAN, POST_SD = X.sum() / (N + 1), (N + 1) ** -0.5  # mu | x for mu ~ N(0, 1), x ~ N(mu, 1)
CONTINUOUS = [AutoNormal, AutoDiagonalNormal, AutoMultivariateNormal, AutoLowRankMultivariateNormal]


def arr(x):
    return onp.asarray(x)


def normal_normal(x=None):
    mu = sample("mu", dist.Normal(0.0, 1.0))
    with plate("data", N):
        sample("x", dist.Normal(mu, 1.0), obs=x)


def positive_and_simplex(y=None):
    """A positive latent and a simplex latent."""
    sigma = sample("sigma", dist.HalfNormal(1.0))
    w = sample("w", dist.Dirichlet(dnp.asarray([1.0, 2.0, 3.0])))
    with plate("data", 3):
        sample("y", dist.Normal(w, sigma), obs=y)


Y3 = onp.array([0.2, 0.3, 0.6])


# --- the ELBO, by hand ------------------------------------------------------------------------
def log_weight(tr):
    """The sum over a trace's sample sites of their scaled log densities."""
    total = 0.0
    for site in tr.values():
        if site["type"] == "sample":
            lp = site["fn"].log_prob(site["value"])
            total = total + dnp.sum(lp if site["scale"] is None else site["scale"] * lp)
    return total


def neg_elbo(model, guide, params, rng, *args):
    """One-particle -ELBO: log q(z) - log p(x, z) at z drawn from the guide."""
    guide_trace = handlers.trace(
        handlers.substitute(handlers.seed(guide, rng), data=params)
    ).get_trace(*args)
    model_trace = handlers.trace(handlers.replay(model, trace=guide_trace)).get_trace(*args)
    return log_weight(guide_trace) - log_weight(model_trace)


def fit(model, guide, args, steps=800, seed=0, particles=2, lr=0.05):
    """Adam on the -ELBO over the guide's params (unconstrained); the mean of the constrained
    params over the second half of the steps, as NumPy arrays."""
    rng = dnp.random.default_rng(seed)
    first = handlers.trace(handlers.seed(guide, rng)).get_trace(*args)
    to = {k: biject_to(s["kwargs"]["constraint"]) for k, s in first.items() if s["type"] == "param"}
    free = {k: dnp.array(to[k].inv(first[k]["value"])) for k in to}

    def loss(free):
        params = {k: to[k](v) for k, v in free.items()}
        return sum(neg_elbo(model, guide, params, rng, *args) for _ in range(particles))

    opt = dnp.optim.Adam(dnp.optim.cosine_decay(lr, steps, alpha=0.05))
    state = opt.init(free)
    step = dnp.autograd.value_and_grad(loss)
    total = {k: 0.0 for k in free}
    for i in range(steps):
        opt.update(free, step(free)[1], state)
        if i >= steps // 2:
            total = {k: total[k] + arr(to[k](v)) for k, v in free.items()}
    return {k: v / (steps - steps // 2) for k, v in total.items()}


# --- NumPy references for the positive-and-simplex model --------------------------------------
def stick(u):
    """NumPyro's stick-breaking map R^(K-1) -> simplex, on the last axis."""
    k = u.shape[-1]
    z = special.expit(u - onp.log(onp.arange(k, 0, -1)))
    rest = onp.cumprod(1 - z, axis=-1)
    pad = onp.ones(u.shape[:-1] + (1,))
    return onp.concatenate([z, pad], -1) * onp.concatenate([pad, rest], -1)


def unstick(w):
    k = w.shape[-1] - 1
    left = 1 - onp.cumsum(w[..., :-1], axis=-1)
    return onp.log(w[..., :-1] / left) + onp.log(onp.arange(k, 0, -1))


def stick_log_det(u, h=1e-6):
    """log |det d stick(u)[:-1] / du| by central differences."""
    jac = onp.stack(
        [(stick(u + h * e)[:-1] - stick(u - h * e)[:-1]) / (2 * h) for e in onp.eye(len(u))], 1
    )
    return onp.linalg.slogdet(jac)[1]


LOC = onp.array([0.3, -0.2, 0.5])  # the flat latent: log(sigma), then w unconstrained
SCALE = onp.array([0.4, 0.7, 0.3])
TRIL = onp.array([[0.4, 0.0, 0.0], [0.1, 0.7, 0.0], [-0.2, 0.05, 0.3]])
FACTOR = onp.array([[0.5], [-0.3], [0.2]])


def set_params(guide_cls):
    """A guide on ``positive_and_simplex`` with chosen params, and the covariance of its
    flat unconstrained latent."""
    guide = guide_cls(positive_and_simplex)
    handlers.seed(guide, 0)(Y3)
    if guide_cls is AutoNormal:
        params = {"sigma_auto_loc": LOC[0], "sigma_auto_scale": SCALE[0]}
        params.update(w_auto_loc=LOC[1:], w_auto_scale=SCALE[1:])
        cov = onp.diag(SCALE**2)
    elif guide_cls is AutoDiagonalNormal:
        params, cov = {"auto_loc": LOC, "auto_scale": SCALE}, onp.diag(SCALE**2)
    elif guide_cls is AutoMultivariateNormal:
        params, cov = {"auto_loc": LOC, "auto_scale_tril": TRIL}, TRIL @ TRIL.T
    else:
        params = {"auto_loc": LOC, "auto_cov_factor": FACTOR, "auto_scale": SCALE}
        cov = onp.diag(SCALE) @ (FACTOR @ FACTOR.T + onp.eye(3)) @ onp.diag(SCALE)
    return guide, {k: dnp.asarray(v) for k, v in params.items()}, cov


# --- supports, shapes, Jacobians ---------------------------------------------------------------
@pytest.mark.parametrize("guide_cls", [*CONTINUOUS, AutoDelta])
def test_guides_give_constrained_values_of_the_model_shapes(guide_cls):
    guide = guide_cls(positive_and_simplex)
    for seed in range(3):
        tr = handlers.trace(handlers.seed(guide, seed)).get_trace(Y3)
        sigma, w = arr(tr["sigma"]["value"]), arr(tr["w"]["value"])
        assert sigma.shape == () and sigma > 0
        assert w.shape == (3,) and (w > 0).all() and w.sum() == pytest.approx(1.0)
        model_trace = handlers.trace(handlers.replay(positive_and_simplex, trace=tr)).get_trace(Y3)
        assert onp.isfinite(float(log_weight(model_trace)))
    params = {k: s["value"] for k, s in tr.items() if s["type"] == "param"}
    draws = guide.sample_posterior(dnp.random.default_rng(1), params, sample_shape=(2, 5))
    assert arr(draws["sigma"]).shape == (2, 5) and (arr(draws["sigma"]) > 0).all()
    assert arr(draws["w"]).shape == (2, 5, 3)
    onp.testing.assert_allclose(arr(draws["w"]).sum(-1), 1.0, rtol=1e-12)
    quantiles = guide.quantiles(params, [0.1, 0.5, 0.9])
    assert arr(quantiles["sigma"]).shape == (3,) and arr(quantiles["w"]).shape == (3, 3)
    median = guide.median(params)
    assert arr(median["sigma"]).shape == () and arr(median["w"]).shape == (3,)


def test_guide_names_its_sites_as_numpyro_and_hides_the_model():
    names = {
        AutoNormal: {"sigma_auto_loc", "sigma_auto_scale", "w_auto_loc", "w_auto_scale"},
        AutoDelta: {"sigma_auto_loc", "w_auto_loc"},
        AutoDiagonalNormal: {"auto_loc", "auto_scale", "_auto_latent"},
        AutoMultivariateNormal: {"auto_loc", "auto_scale_tril", "_auto_latent"},
        AutoLowRankMultivariateNormal: {
            "auto_loc",
            "auto_cov_factor",
            "auto_scale",
            "_auto_latent",
        },
    }
    for guide_cls, own in names.items():
        tr = handlers.trace(handlers.seed(guide_cls(positive_and_simplex), 0)).get_trace(Y3)
        assert set(tr) == own | {"sigma", "w"}
    tr = handlers.trace(handlers.seed(AutoDiagonalNormal(positive_and_simplex), 0)).get_trace(Y3)
    assert tr["_auto_latent"]["infer"] == {"is_auxiliary": True}
    assert tr["auto_scale"]["kwargs"]["constraint"] is constraints.softplus_positive
    assert isinstance(tr["sigma"]["fn"], dist.Delta)
    again = handlers.trace(handlers.seed(AutoDiagonalNormal(positive_and_simplex), 0)).get_trace(Y3)
    assert arr(again["_auto_latent"]["value"]) == pytest.approx(arr(tr["_auto_latent"]["value"]))


@pytest.mark.parametrize("guide_cls", CONTINUOUS)
def test_guide_log_density_includes_the_jacobian(guide_cls):
    """log q of the constrained draws = the base density of the unconstrained draw (scipy)
    minus log|det J| of exp (log sigma) and of the stick-breaking map (finite differences)."""
    guide, params, cov = set_params(guide_cls)
    rng = dnp.random.default_rng(3)
    for _ in range(4):
        tr = handlers.trace(handlers.substitute(handlers.seed(guide, rng), data=params)).get_trace(
            Y3
        )
        sigma, w = arr(tr["sigma"]["value"]), arr(tr["w"]["value"])
        u = onp.concatenate([[onp.log(sigma)], unstick(w)])
        expected = stats.multivariate_normal.logpdf(u, LOC, cov) - u[0] - stick_log_det(u[1:])
        assert float(log_weight(tr)) == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("guide_cls", [AutoNormal, AutoDiagonalNormal])
def test_guide_entropy_is_the_pushed_forward_entropy(guide_cls):
    """sigma = exp(Normal(0.8, 0.4)) is LogNormal: E_q[-log q] is its entropy."""

    def model():
        sample("sigma", dist.HalfNormal(1.0))

    guide = guide_cls(model)
    handlers.seed(guide, 0)()
    prefix = "sigma_auto" if guide_cls is AutoNormal else "auto"
    params = {f"{prefix}_loc": dnp.asarray(0.8), f"{prefix}_scale": dnp.asarray(0.4)}
    if guide_cls is AutoDiagonalNormal:
        params = {k: dnp.reshape(v, (1,)) for k, v in params.items()}
    rng = dnp.random.default_rng(4)
    guide = handlers.substitute(handlers.seed(guide, rng), data=params)
    draws = [-float(log_weight(handlers.trace(guide).get_trace())) for _ in range(1500)]
    entropy = stats.lognorm(s=0.4, scale=onp.exp(0.8)).entropy()
    assert onp.mean(draws) == pytest.approx(entropy, abs=4 * onp.std(draws) / onp.sqrt(1500))


# --- median, quantiles, sample_posterior --------------------------------------------------------
@pytest.mark.parametrize("guide_cls", CONTINUOUS)
def test_quantiles_and_median_are_normal_quantiles_pushed_through(guide_cls):
    guide, params, cov = set_params(guide_cls)
    q = onp.array([0.05, 0.5, 0.8])
    latent = LOC + onp.sqrt(onp.diag(cov)) * special.ndtri(q)[:, None]
    quantiles = guide.quantiles(params, q)
    onp.testing.assert_allclose(arr(quantiles["sigma"]), onp.exp(latent[:, 0]), rtol=1e-10)
    onp.testing.assert_allclose(arr(quantiles["w"]), stick(latent[:, 1:]), rtol=1e-10)
    median = guide.median(params)
    assert float(median["sigma"]) == pytest.approx(onp.exp(LOC[0]), rel=1e-12)
    onp.testing.assert_allclose(arr(median["w"]), stick(LOC[1:]), rtol=1e-12)


@pytest.mark.parametrize("guide_cls", CONTINUOUS)
def test_sample_posterior_draws_the_guide(guide_cls):
    guide, params, cov = set_params(guide_cls)
    draws = guide.sample_posterior(dnp.random.default_rng(5), params, sample_shape=(4000,))
    u = onp.concatenate([onp.log(arr(draws["sigma"]))[:, None], unstick(arr(draws["w"]))], 1)
    se = onp.sqrt(onp.diag(cov) / 4000)
    onp.testing.assert_array_less(onp.abs(u.mean(0) - LOC), 4 * se)
    onp.testing.assert_allclose(onp.cov(u.T), cov, atol=0.03)


def test_auto_delta_median_quantiles_and_draws_are_the_point():
    guide = AutoDelta(positive_and_simplex)
    handlers.seed(guide, 0)(Y3)
    params = {"sigma_auto_loc": dnp.asarray(0.7), "w_auto_loc": dnp.asarray([0.2, 0.3, 0.5])}
    median = guide.median(params)
    assert set(median) == {"sigma", "w"} and median["w"] is params["w_auto_loc"]
    draws = guide.sample_posterior(0, params, sample_shape=(3,))
    onp.testing.assert_array_equal(arr(draws["w"]), onp.tile([0.2, 0.3, 0.5], (3, 1)))
    onp.testing.assert_array_equal(arr(guide.quantiles(params, [0.1, 0.9])["sigma"]), [0.7, 0.7])


# --- fitting ---------------------------------------------------------------------------------
@pytest.mark.parametrize("guide_cls", [AutoNormal, AutoDiagonalNormal, AutoMultivariateNormal])
def test_fitted_guide_reaches_the_conjugate_posterior(guide_cls):
    guide = guide_cls(normal_normal)
    params = {k: dnp.asarray(v) for k, v in fit(normal_normal, guide, (X,), 400, lr=0.1).items()}
    assert float(guide.median(params)["mu"]) == pytest.approx(POST_MEAN, abs=0.25 * POST_SD)
    lower, upper = arr(guide.quantiles(params, special.ndtr([-1.0, 1.0]))["mu"])
    assert (upper - lower) / 2 == pytest.approx(POST_SD, rel=0.1)


R = onp.random.default_rng(1)
_X1 = R.normal(size=N)
DESIGN = onp.stack([_X1, _X1 + 0.3 * R.normal(size=N)], 1)  # correlated columns
NOISE = 0.5
TARGETS = DESIGN @ onp.array([1.0, -0.5]) + NOISE * R.normal(size=N)
PRECISION = onp.eye(2) + DESIGN.T @ DESIGN / NOISE**2
COV = onp.linalg.inv(PRECISION)
MEAN = COV @ DESIGN.T @ TARGETS / NOISE**2


def regression(design, y):
    beta = sample("beta", dist.Normal(dnp.zeros(2), 1.0).to_event(1))
    with plate("data", N):
        sample("y", dist.Normal(dnp.asarray(design) @ beta, NOISE), obs=y)


@pytest.mark.parametrize(
    "guide_cls, steps",
    [
        (AutoMultivariateNormal, 400),
        pytest.param(AutoLowRankMultivariateNormal, 600, marks=pytest.mark.slow),
    ],
)
def test_full_rank_guides_recover_a_correlated_posterior(guide_cls, steps):
    assert COV[0, 1] / onp.sqrt(COV[0, 0] * COV[1, 1]) < -0.7
    guide = guide_cls(regression)
    params = fit(regression, guide, (DESIGN, TARGETS), steps=steps, lr=0.1)
    if guide_cls is AutoMultivariateNormal:
        cov = params["auto_scale_tril"] @ params["auto_scale_tril"].T
    else:
        factor = params["auto_cov_factor"] * params["auto_scale"][:, None]
        cov = factor @ factor.T + onp.diag(params["auto_scale"] ** 2)
    onp.testing.assert_array_less(
        onp.abs(params["auto_loc"] - MEAN), 0.25 * onp.sqrt(onp.diag(COV))
    )
    onp.testing.assert_allclose(cov, COV, atol=0.02)


def test_diagonal_guide_reaches_the_mean_field_optimum():
    """For a Gaussian posterior the mean-field optimum has the exact mean and variances
    1 / precision_ii."""
    guide = AutoDiagonalNormal(regression)
    params = fit(regression, guide, (DESIGN, TARGETS), steps=600, lr=0.1)
    onp.testing.assert_array_less(
        onp.abs(params["auto_loc"] - MEAN), 0.25 * onp.sqrt(onp.diag(COV))
    )
    onp.testing.assert_allclose(params["auto_scale"], onp.diag(PRECISION) ** -0.5, rtol=0.1)


def test_auto_delta_reaches_the_map_in_constrained_space():
    """The modes: exp(mu - s^2) for LogNormal(mu, s) (the unconstrained MAP would be exp(mu)),
    (a - 1) / (sum(a) - K) for Dirichlet(a); and the conjugate posterior mean."""

    def model():
        sample("s", dist.LogNormal(0.0, 1.0))
        sample("w", dist.Dirichlet(dnp.asarray([2.0, 3.0, 5.0])))

    params = fit(model, AutoDelta(model), (), steps=300, particles=1, lr=0.1)
    assert params["s_auto_loc"] == pytest.approx(onp.exp(-1.0), rel=1e-4)
    onp.testing.assert_allclose(params["w_auto_loc"], [1 / 7, 2 / 7, 4 / 7], rtol=1e-4)
    params = fit(normal_normal, AutoDelta(normal_normal), (X,), steps=300, particles=1, lr=0.1)
    assert params["mu_auto_loc"] == pytest.approx(POST_MEAN, rel=1e-4)


# --- plates, errors, initialization -----------------------------------------------------------
def local_latents(y):
    """A global mean and a local latent per data point, subsampled 4 of 10."""
    mu = sample("mu", dist.Normal(0.0, 1.0))
    with plate("data", 10, subsample_size=4) as idx:
        z = sample("z", dist.Normal(mu, 1.0))
        sample("y", dist.Normal(z, 1.0), obs=dnp.asarray(y)[idx])


def test_auto_normal_subsamples_local_latents_with_the_model():
    y = onp.arange(10.0)
    guide = AutoNormal(local_latents)
    tr = handlers.trace(handlers.seed(guide, 0)).get_trace(y)
    assert arr(tr["z_auto_loc"]["value"]).shape == (10,)  # full size; the site gets 4 of them
    assert arr(tr["z"]["value"]).shape == (4,)
    params = {k: s["value"] for k, s in tr.items() if s["type"] == "param"}
    full = {"z_auto_loc": dnp.arange(10.0), "z_auto_scale": dnp.full(10, 1e-9)}
    full.update(mu_auto_loc=params["mu_auto_loc"], mu_auto_scale=params["mu_auto_scale"])
    tr = handlers.trace(handlers.substitute(handlers.seed(guide, 1), data=full)).get_trace(y)
    idx = arr(tr["data"]["value"])
    onp.testing.assert_allclose(arr(tr["z"]["value"]), idx, atol=1e-6)
    model_trace = handlers.trace(handlers.replay(local_latents, trace=tr)).get_trace(y)
    onp.testing.assert_array_equal(arr(model_trace["y"]["value"]), idx)
    with pytest.raises(ValueError, match="local latent"):
        handlers.seed(AutoDiagonalNormal(local_latents), 0)(y)


def test_discrete_latents_are_refused():
    def model():
        sample("c", dist.Bernoulli(probs=0.3))

    for guide_cls in (AutoNormal, AutoDelta, AutoDiagonalNormal):
        with pytest.raises(ValueError, match="discrete"):
            handlers.seed(guide_cls(model), 0)()
    with pytest.raises(ValueError, match="init_scale"):
        AutoNormal(model, init_scale=0.0)


def test_init_to_value_and_uniform_set_the_starting_point():
    values = {"sigma": 2.0, "w": [0.5, 0.3, 0.2]}
    tr = handlers.trace(
        handlers.seed(AutoNormal(positive_and_simplex, init_loc_fn=init_to_value(values=values)), 0)
    ).get_trace(Y3)
    assert float(tr["sigma_auto_loc"]["value"]) == pytest.approx(onp.log(2.0))
    onp.testing.assert_allclose(arr(tr["w_auto_loc"]["value"]), unstick(onp.array(values["w"])))
    guide = AutoDelta(positive_and_simplex, init_loc_fn=init_to_value(values={"sigma": 2.0}))
    tr = handlers.trace(handlers.seed(guide, 0)).get_trace(Y3)
    assert float(tr["sigma_auto_loc"]["value"]) == 2.0  # AutoDelta's params are constrained
    assert tr["w_auto_loc"]["kwargs"]["constraint"] is constraints.simplex
    for seed in range(5):
        guide = AutoDiagonalNormal(positive_and_simplex, init_loc_fn=init_to_uniform(radius=0.5))
        tr = handlers.trace(handlers.seed(guide, seed)).get_trace(Y3)
        assert (onp.abs(arr(tr["auto_loc"]["value"])) < 0.5).all()


def test_init_to_median_is_the_median_of_prior_draws():
    site = {
        "type": "sample",
        "name": "sigma",
        "fn": dist.HalfNormal(1.0).expand((2,)),
        "is_observed": False,
        "value": None,
        "kwargs": {"rng": dnp.random.default_rng(6), "sample_shape": ()},
    }
    draws = dist.HalfNormal(1.0).expand((2,)).sample((9,), dnp.random.default_rng(6))
    expected = onp.median(arr(draws), axis=0)
    onp.testing.assert_array_equal(arr(init_to_median(num_samples=9)(site)), expected)
    assert init_to_median({**site, "is_observed": True}) is None


# --- Predictive -------------------------------------------------------------------------------
def check_posterior_predictive(draws):
    """Draws of new data from the conjugate model's posterior predictive: N(mean, 1 + sd^2)."""
    s = draws.shape[0]
    se = onp.sqrt(POST_SD**2 / s + 1 / draws.size)
    assert draws.mean() == pytest.approx(POST_MEAN, abs=4 * se)
    assert draws.var() == pytest.approx(1 + POST_SD**2, rel=0.1)


def test_predictive_from_posterior_samples():
    mus = onp.random.default_rng(7).normal(POST_MEAN, POST_SD, 800)
    out = Predictive(normal_normal, {"mu": dnp.asarray(mus)})(dnp.random.default_rng(8))
    assert set(out) == {"x"} and arr(out["x"]).shape == (800, N)
    check_posterior_predictive(arr(out["x"]))
    onp.testing.assert_allclose(arr(out["x"]).mean(1), mus, atol=4 / onp.sqrt(N))


def test_predictive_from_a_guide():
    guide = AutoNormal(normal_normal)
    handlers.seed(guide, 0)(X)  # set up on the data: x is observed, mu the one latent
    params = {"mu_auto_loc": dnp.asarray(POST_MEAN), "mu_auto_scale": dnp.asarray(POST_SD)}
    predictive = Predictive(normal_normal, guide=guide, params=params, num_samples=800)
    out = predictive(9)
    assert set(out) == {"x"} and arr(out["x"]).shape == (800, N)
    check_posterior_predictive(arr(out["x"]))
    again = predictive(9)
    onp.testing.assert_array_equal(arr(again["x"]), arr(out["x"]))
    both = Predictive(
        normal_normal, guide=guide, params=params, num_samples=800, return_sites=["mu", "x"]
    )(10)
    mu = arr(both["mu"])
    assert mu.shape == (800,) and mu.mean() == pytest.approx(POST_MEAN, abs=4 * POST_SD / 28)


def test_predictive_prior_batches_deterministic_sites_and_params():
    def model(x=None):
        mu = sample("mu", dist.Normal(0.0, 1.0))
        shift = param("shift", 0.0)
        deterministic("mu2", 2 * mu + shift)
        with plate("data", 3):
            sample("x", dist.Normal(mu, 1e-6), obs=x)

    prior = Predictive(model, num_samples=5)(0)
    assert {k: arr(v).shape for k, v in prior.items()} == {"mu": (5,), "mu2": (5,), "x": (5, 3)}
    onp.testing.assert_array_equal(arr(prior["mu2"]), 2 * arr(prior["mu"]))
    mu = dnp.asarray([[0.0, 10.0, 20.0], [30.0, 40.0, 50.0]])
    samples = {"mu": mu, "mu2": dnp.zeros((2, 3))}  # mu2 is recomputed, not substituted
    out = Predictive(model, samples, params={"shift": 1.0}, batch_ndims=2)(1)
    assert {k: arr(v).shape for k, v in out.items()} == {"mu2": (2, 3), "x": (2, 3, 3)}
    onp.testing.assert_array_equal(arr(out["mu2"]), 2 * arr(mu) + 1)
    onp.testing.assert_allclose(arr(out["x"]), onp.repeat(arr(mu)[..., None], 3, -1), atol=1e-4)
    with pytest.raises(ValueError, match="Only one of"):
        Predictive(model, samples, guide=AutoNormal(model))
    with pytest.raises(ValueError, match="num_samples"):
        Predictive(model)
