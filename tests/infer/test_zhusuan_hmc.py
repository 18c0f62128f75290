"""ZhuSuan's HMC interface, ``HMC(step_size, n_leapfrogs, ...).sample(meta_bn, observed,
latent)``: chains along the log joint's axes, against a conjugate Normal posterior."""

import numpy as onp
import pytest

import dnp
import dnp.infer as infer
from dnp.infer.diagnostics import mcse
from dnp.infer.mcmc.zhusuan import HMCInfo

D, N = 2, 20
Y = onp.random.default_rng(3).normal([1.0, -0.5], 1.0, size=(N, D))
POST_MEAN, POST_VAR = Y.sum(0) / (N + 1), 1.0 / (N + 1)  # w ~ N(0, 1), y ~ N(w, 1)


@infer.meta_bayesian_net()
def build(n_chains):
    bn = infer.BayesianNet()
    w = bn.normal("w", dnp.zeros(D), std=1.0, group_ndims=1, n_samples=n_chains)
    bn.normal("y", dnp.expand_dims(w, 1), std=1.0, group_ndims=2)
    return bn


def run(hmc, log_joint, latent, burn_in, n_iters):
    """``n_iters`` iterations, adapting during the first ``burn_in``; kept draws and infos."""
    draws, infos = [], []
    for i in range(n_iters):
        if i == burn_in:
            hmc.adapt_step_size = False
            if hmc.adapt_mass is not None:
                hmc.adapt_mass = False
        samples, info = hmc.sample(log_joint, {"y": dnp.asarray(Y)}, latent)
        if i >= burn_in:
            draws.append(onp.asarray(samples["w"]))
            infos.append(info)
    return onp.stack(draws), infos


@pytest.mark.parametrize("adapt_mass", [None, True])
def test_conjugate_posterior_over_chains(adapt_mass):
    dnp.random.seed(0)
    chains = 20
    # the moving variance starts from 20 chains at one point: it needs a longer burn-in
    burn_in = 100 if adapt_mass is None else 300
    hmc = infer.HMC(0.5, 5, adapt_step_size=True, adapt_mass=adapt_mass)
    latent = {"w": dnp.zeros((chains, D))}
    w, infos = run(hmc, build(chains), latent, burn_in=burn_in, n_iters=burn_in + 300)
    assert w.shape == (300, chains, D)
    # latent holds the last draw
    onp.testing.assert_array_equal(onp.asarray(latent["w"]), w[-1])
    # the mean and the variance within 4 Monte Carlo standard errors, and those are tight
    by_chain = w.transpose(1, 0, 2)
    sq = (by_chain - POST_MEAN) ** 2
    for draws, exact, scale in [
        (by_chain, POST_MEAN, onp.sqrt(POST_VAR)),
        (sq, POST_VAR, POST_VAR),
    ]:
        error = onp.asarray(mcse(dnp.asarray(draws)))
        assert onp.all(onp.abs(draws.mean(axis=(0, 1)) - exact) < 4 * error)
        assert onp.all(error < 0.15 * scale)
    # dual averaging reached the target acceptance rate (0.8) during the burn-in; with the
    # mass adapting too, the averaged step it ends on is smaller (ZhuSuan's behaviour)
    rate = onp.mean([onp.asarray(i.acceptance_rate).mean() for i in infos])
    assert abs(rate - 0.8) < 0.1 if adapt_mass is None else 0.75 < rate < 0.95
    # the step size is frozen at the averaged iterate after the burn-in
    assert len({i.updated_step_size for i in infos}) == 1


def test_log_joint_function_with_two_chain_axes():
    dnp.random.seed(1)

    def log_joint(values):  # a standard normal per chain, chains on a (3, 4) grid
        return -0.5 * dnp.sum(values["x"] ** 2, axis=-1)

    hmc = infer.HMC(step_size=0.3, n_leapfrogs=4)
    x = dnp.ones((3, 4, 5))
    samples, info = hmc.sample(log_joint, {}, {"x": x})
    assert isinstance(info, HMCInfo)
    assert info.acceptance_rate.shape == (3, 4) and info.log_prob.shape == (3, 4)
    assert info.orig_hamiltonian.shape == (3, 4) and info.init_momentum["x"].shape == (3, 4, 5)
    # accepted chains moved, rejected ones stayed; the latent array was updated in place
    accepted = onp.any(onp.asarray(samples["x"]) != 1.0, axis=-1)
    kept = onp.asarray(info.log_prob) == onp.asarray(info.orig_log_prob)
    assert onp.array_equal(accepted, ~kept)
    onp.testing.assert_array_equal(onp.asarray(x), onp.asarray(samples["x"]))
    # the log joints are those of the states
    onp.testing.assert_allclose(
        onp.asarray(info.log_prob), -0.5 * (onp.asarray(samples["x"]) ** 2).sum(-1)
    )
    assert info.updated_step_size == 0.3  # no adaptation asked for


def test_bad_arguments():
    with pytest.raises(ValueError, match="adapt step size"):
        infer.HMC(0.1, 10, adapt_mass=True)
    with pytest.raises(TypeError, match="dnp array"):
        infer.HMC(0.1, 10).sample(lambda v: -(v["x"] ** 2), {}, {"x": onp.zeros(3)})
    with pytest.raises(ValueError, match="n_leapfrogs"):
        infer.HMC(step_size=0.1)
