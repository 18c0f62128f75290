"""SGLD, SGHMC and SGNHT (dnp.infer.sgmcmc): ZhuSuan's update equations by hand, and the exact
posterior of a conjugate Normal-mean model sampled from minibatches."""

import math

import numpy as np
import pytest

import dnp
import dnp.infer as infer
from dnp.infer import dist
from dnp.infer.sgmcmc import SGHMC, SGLD, SGNHT

N, BATCH = 1000, 100
DATA = np.random.default_rng(1).normal(1.5, 1.0, N)
POST_PREC = 1 / 10.0**2 + N  # N(0, 10) prior, unit noise
POST_MEAN = DATA.sum() / POST_PREC
POST_SD = POST_PREC**-0.5


def batches(seed=0):
    """Minibatches of BATCH, reshuffled every epoch, as 1-tuples (the positional argument)."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(N)
        for i in range(0, N, BATCH):
            yield (dnp.asarray(DATA[order[i : i + BATCH]]),)


def potential(params, x):
    mu = params["mu"]
    log_lik = dnp.sum(dist.Normal(mu, 1.0).log_prob(x))
    return -(dist.Normal(0.0, 10.0).log_prob(mu) + N / x.shape[0] * log_lik)


def model(x):
    mu = infer.sample("mu", dist.Normal(0.0, 10.0))
    with infer.plate("N", N, subsample_size=x.shape[0]):
        infer.sample("obs", dist.Normal(mu, 1.0), obs=x)


SAMPLERS = [
    SGLD(1e-4),
    SGHMC(1e-5),
    SGHMC(1e-5, second_order=False),
    SGNHT(1e-5, variance_extra=0.25),
    SGNHT(1e-5, variance_extra=0.25, second_order=False, use_vector_xi=False),
]


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("form", ["potential_fn", "model"])
def test_conjugate_normal_mean(sampler, form):
    fn = {"potential_fn": potential, "model": model}[form]
    init = {"mu": dnp.asarray(0.0)}
    draws = sampler.sample(init, batches(), 3000, num_warmup=300, rng=0, **{form: fn})
    mu = np.asarray(draws["mu"])
    assert mu.shape == (3000,)
    # Fixed-step SG-MCMC is biased and its draws correlated: the mean within half a posterior
    # sd (about 4 Monte Carlo standard errors here), the sd within a factor of 1.5.
    assert abs(mu.mean() - POST_MEAN) < 0.5 * POST_SD
    assert abs(math.log(mu.std() / POST_SD)) < math.log(1.5)
    assert sampler.eager_reasons == []


def test_constrained_site_gets_the_jacobian():
    # Exponential(1) sampled as log(s): E[s] = 1, E[log s] = -Euler's gamma, sd(log s) = pi/sqrt 6.
    draws = SGLD(0.1).sample(
        None, None, 20000, model=lambda: infer.sample("s", dist.Exponential(1.0)), rng=0
    )
    s = np.asarray(draws["s"])
    assert s.min() > 0
    assert abs(s.mean() - 1.0) < 0.15
    assert abs(np.log(s).mean() + np.euler_gamma) < 0.15
    assert abs(np.log(s).std() / (math.pi / math.sqrt(6)) - 1) < 0.15


def quadratic(params):
    return 0.5 * 3.0 * dnp.sum(params["q"] ** 2)  # grad log p = -3 q


def test_sgld_step_is_zhusuans():
    q0, lr = np.array([0.5, -1.0]), 0.01
    draws = SGLD(lr).sample({"q": dnp.asarray(q0)}, None, 1, potential_fn=quadratic, rng=3)
    z = np.asarray(dnp.random.default_rng(3).standard_normal(2))
    expected = q0 + 0.5 * lr * (-3 * q0) + math.sqrt(lr) * z
    np.testing.assert_allclose(np.asarray(draws["q"])[0], expected, rtol=1e-12)


@pytest.mark.parametrize("second_order", [True, False])
def test_sghmc_step_is_zhusuans(second_order):
    q, lr, alpha, beta = np.array([0.5, -1.0]), 0.01, 0.3, 0.1
    sampler = SGHMC(lr, friction=alpha, variance_estimate=beta, second_order=second_order)
    draws = sampler.sample({"q": dnp.asarray(q)}, None, 1, potential_fn=quadratic, rng=3)
    z = np.asarray(dnp.random.default_rng(3).standard_normal(6)).reshape(3, 2)
    v = math.sqrt(lr) * z[1]  # z[0] is the initial momentum, redrawn at step 0
    noise = math.sqrt(2 * (alpha - beta) * lr) * z[2]
    if second_order:
        decay = math.exp(-alpha / 2)
        q1 = q + v / 2
        expected = q1 + decay * (decay * v + lr * (-3 * q1) + noise) / 2
    else:
        expected = q + (1 - alpha) * v + lr * (-3 * q) + noise
    np.testing.assert_allclose(np.asarray(draws["q"])[0], expected, rtol=1e-12)


def test_sgnht_steps_are_zhusuans():
    q, lr, a, rate = np.array([0.5, -1.0]), 0.01, 0.2, 2.0
    sampler = SGNHT(lr, variance_extra=a, tune_rate=rate)
    draws = sampler.sample({"q": dnp.asarray(q)}, None, 2, potential_fn=quadratic, rng=3)
    z = np.asarray(dnp.random.default_rng(3).standard_normal(6)).reshape(3, 2)
    v, xi = math.sqrt(lr) * z[0], np.full(2, a)  # no resampling by default
    for step in (1, 2):
        q1 = q + v / 2
        xi1 = xi + rate * (v**2 - lr) / 2
        decay = np.exp(-xi1 / 2)
        v = decay * (decay * v + lr * (-3 * q1) + math.sqrt(2 * a * lr) * z[step])
        q, xi = q1 + v / 2, xi1 + rate * (v**2 - lr) / 2
    np.testing.assert_allclose(np.asarray(draws["q"])[1], q, rtol=1e-12)


def test_reproducible_and_thinned():
    def run(seed, **kwargs):
        draws = SGHMC(1e-5).sample(
            {"mu": dnp.asarray(0.0)}, batches(), 30, model=model, rng=seed, **kwargs
        )
        return np.asarray(draws["mu"])

    full = run(7)
    np.testing.assert_array_equal(run(7), full)
    assert not np.array_equal(run(8), full)
    thinned = SGHMC(1e-5).sample(
        {"mu": dnp.asarray(0.0)}, batches(), 8, model=model, rng=7, thinning=3, num_warmup=5
    )
    np.testing.assert_array_equal(np.asarray(thinned["mu"]), full[5 + 2 :: 3])


def test_shapes_dtypes_and_batches_consumed():
    def potential_fn(params, scale=1.0):
        return scale * sum(0.5 * dnp.sum(p**2) for p in params.values())

    init = {"w": dnp.zeros((3, 2), dtype=dnp.float32), "b": dnp.zeros(4)}
    used = []

    def data():
        for i in range(100):
            used.append(i)
            yield {"scale": 1.0}

    draws = SGNHT(0.01).sample(init, data(), 7, potential_fn=potential_fn, thinning=2, rng=0)
    assert draws["w"].shape == (7, 3, 2) and draws["w"].dtype == dnp.float32
    assert draws["b"].shape == (7, 4) and draws["b"].dtype == dnp.float64
    assert len(used) == 14


def test_errors():
    init = {"q": dnp.zeros(2)}
    with pytest.raises(ValueError, match="exactly one"):
        SGLD(0.1).sample(init, None, 5)
    with pytest.raises(ValueError, match="exactly one"):
        SGLD(0.1).sample(init, None, 5, model=model, potential_fn=quadratic)
    with pytest.raises(ValueError, match="ran out"):
        SGLD(0.1).sample(init, [(), ()], 5, potential_fn=quadratic)
    with pytest.raises(ValueError, match="init_params"):
        SGLD(0.1).sample(None, None, 5, potential_fn=quadratic)
    with pytest.raises(ValueError, match="learning_rate"):
        SGLD(0.0)
    with pytest.raises(ValueError, match="friction"):
        SGHMC(0.1, friction=0.1, variance_estimate=0.2)
    with pytest.raises(ValueError, match="latent sites"):
        SGLD(0.1).sample({"nu": dnp.zeros(())}, batches(), 5, model=model)


def test_numpy_batches_are_replayed():
    sampler = SGLD(1e-4)
    data = ((DATA[i : i + BATCH],) for i in range(0, N, BATCH))
    draws = sampler.sample({"mu": dnp.asarray(0.0)}, data, 10, potential_fn=potential, rng=0)
    assert draws["mu"].shape == (10,) and sampler.eager_reasons == []


def test_init_strategy_places_the_start():
    # with a tiny learning rate the one draw is the start, give or take sqrt(2e-12)
    draws = SGLD(1e-12).sample(
        None,
        batches(),
        1,
        model=model,
        rng=0,
        init_strategy=infer.init_to_value(values={"mu": 1.5}),
    )
    np.testing.assert_allclose(np.asarray(draws["mu"]), [1.5], atol=1e-4)


def test_non_finite_draws_are_warned_of():
    # a step of 10 on the potential q^4 overshoots further at every step, to inf and nan
    def quartic(params):
        return dnp.sum(params["q"] ** 4)

    warned = pytest.warns(RuntimeWarning, match=r"SGLD: non-finite draws of \['q'\]")
    with warned, dnp.errstate(over="ignore", invalid="ignore"):
        SGLD(10.0).sample({"q": dnp.ones(2)}, None, 20, potential_fn=quartic, rng=0)
