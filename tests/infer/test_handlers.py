"""Effect handlers and ``log_density``: the log joint of a hierarchical model (plates with
subsampling, ``mask``, ``scale``, ``condition``, ``substitute``) against the hand-written sum of
``scipy.stats`` log densities; trace contents and order; ``seed`` reproducibility; ``block``;
``replay``; handlers as wrappers, decorators and context managers; the gradient of
``log_density`` against central differences; the errors NumPyro raises."""

from __future__ import annotations

import numpy as onp
import pytest
from scipy import stats

import dnp
from dnp.infer import constraints, dist
from dnp.infer.density import log_density
from dnp.infer.handlers import block, condition, mask, replay, scale, seed, substitute, trace
from dnp.infer.primitives import _LOCAL, deterministic, param, plate, sample

N, G, K = 8, 3, 4
GROUP = onp.array([0, 1, 2, 0, 1, 2, 0, 1])
Y = onp.array([0.3, -1.2, 2.1, 0.8, -0.4, 1.7, 0.1, -0.9])
Y_MASK = onp.array([True, True, False, True, True, True, False, True])


def arr(x):
    return onp.asarray(x)


def hierarchical(y):
    """mu ~ N(0, 10), tau ~ HalfNormal(2), theta_g ~ N(mu, tau) (prior scaled by 0.5),
    sigma (a param); y_i ~ N(theta[group_i], sigma) on a subsample of K of N, masked."""
    mu = sample("mu", dist.Normal(0.0, 10.0))
    tau = sample("tau", dist.HalfNormal(2.0))
    with plate("groups", G), scale(scale=0.5):
        theta = sample("theta", dist.Normal(mu, tau))
    sigma = param("sigma", 1.0, constraint=constraints.positive)
    with plate("data", N, subsample_size=K) as idx:
        loc = theta[dnp.asarray(GROUP)[idx]]
        with mask(mask=dnp.asarray(Y_MASK)[idx]):
            sample("y", dist.Normal(loc, sigma), obs=dnp.asarray(y)[idx])
    deterministic("theta_mean", dnp.mean(theta))


def expected_log_joint(mu, tau, theta, sigma, idx):
    lp = stats.norm.logpdf(mu, 0.0, 10.0) + stats.halfnorm.logpdf(tau, scale=2.0)
    lp += 0.5 * stats.norm.logpdf(theta, mu, tau).sum()
    keep = Y_MASK[idx]
    lik = stats.norm.logpdf(Y[idx], theta[GROUP[idx]], sigma)
    return lp + N / K * lik[keep].sum()


# --- log_density ----------------------------------------------------------------------------------
def test_log_density_matches_scipy_on_a_hierarchical_model():
    theta = onp.array([0.2, -0.5, 1.1])
    params = {"tau": 1.3, "theta": dnp.asarray(theta), "sigma": 0.7}
    model = seed(condition(hierarchical, data={"mu": 0.4}), 11)
    log_joint, tr = log_density(model, (Y,), {}, params)
    idx = arr(tr["data"]["value"])
    assert len(set(idx.tolist())) == K
    assert tr["mu"]["is_observed"] and not tr["tau"]["is_observed"]
    assert tr["y"]["scale"] == pytest.approx(N / K) and tr["theta"]["scale"] == 0.5
    expected = expected_log_joint(0.4, 1.3, theta, 0.7, idx)
    assert float(log_joint) == pytest.approx(expected, rel=1e-12)
    assert float(tr["theta_mean"]["value"]) == pytest.approx(theta.mean())


def test_log_density_of_substituted_subsample_indices():
    idx = onp.array([7, 2, 5, 0])
    params = {"mu": 0.1, "tau": 0.9, "theta": dnp.asarray([1.0, 0.0, -1.0]), "data": idx}
    log_joint, tr = log_density(hierarchical, (Y,), {}, params)
    onp.testing.assert_array_equal(arr(tr["y"]["value"]), Y[idx])
    expected = expected_log_joint(0.1, 0.9, onp.array([1.0, 0.0, -1.0]), 1.0, idx)
    assert float(log_joint) == pytest.approx(expected, rel=1e-12)


def test_gradient_of_log_density_matches_finite_differences():
    idx = onp.array([1, 3, 4, 6])
    fixed = {"mu": 0.2, "tau": 1.1, "data": idx}

    def f(theta, sigma):
        params = {**fixed, "theta": theta, "sigma": sigma}
        return log_density(hierarchical, (Y,), {}, params)[0]

    theta, sigma = onp.array([0.3, -0.2, 0.5]), 0.8
    g_theta, g_sigma = dnp.autograd.grad_fn(f, argnums=(0, 1))(
        dnp.asarray(theta), dnp.asarray(sigma)
    )
    eps = 1e-6

    def fd(dtheta, dsigma):
        up = float(f(dnp.asarray(theta + dtheta), dnp.asarray(sigma + dsigma)))
        down = float(f(dnp.asarray(theta - dtheta), dnp.asarray(sigma - dsigma)))
        return (up - down) / (2 * eps)

    expected_theta = [fd(eps * onp.eye(G)[i], 0.0) for i in range(G)]
    onp.testing.assert_allclose(arr(g_theta), expected_theta, rtol=1e-6, atol=1e-8)
    assert float(g_sigma) == pytest.approx(fd(onp.zeros(G), eps), rel=1e-6)


# --- trace, seed ----------------------------------------------------------------------------------
def test_trace_contents_and_order():
    tr = trace(seed(hierarchical, 0)).get_trace(Y)
    assert list(tr) == ["mu", "tau", "groups", "theta", "sigma", "data", "y", "theta_mean"]
    types = [site["type"] for site in tr.values()]
    assert types == ["sample", "sample", "plate", "sample", "param", "plate", "sample"] + [
        "deterministic"
    ]
    assert [tr[k]["is_observed"] for k in ("mu", "tau", "theta", "y")] == [False] * 3 + [True]
    assert tr["theta"]["value"].shape == (G,) and tr["y"]["value"].shape == (K,)
    assert [f.name for f in tr["y"]["cond_indep_stack"]] == ["data"]
    assert tr["mu"]["scale"] is None and tr["sigma"]["value"] == 1.0


def test_seed_reproducibility():
    def model():
        a = sample("a", dist.Normal(0.0, 1.0))
        b = sample("b", dist.Normal(0.0, 1.0), sample_shape=(3,))
        return a, b

    def values(rng_seed):
        a, b = seed(model, rng_seed)()
        return onp.concatenate([[float(a)], arr(b)])

    onp.testing.assert_array_equal(values(1), values(1))
    assert not onp.any(values(1) == values(2))
    onp.testing.assert_array_equal(values(dnp.random.default_rng(1)), values(1))
    # Each site takes the next draws of one generator, in program order.
    rng = dnp.random.default_rng(1)
    a = dist.Normal(0.0, 1.0).sample((), rng)
    b = dist.Normal(0.0, 1.0).sample((3,), rng)
    onp.testing.assert_array_equal(values(1), onp.concatenate([[float(a)], arr(b)]))
    # The generator advances across calls of one seeded model, as NumPyro's key does.
    seeded = seed(model, 1)
    assert float(seeded()[0]) != float(seeded()[0])


def test_handlers_as_wrappers_decorators_and_context_managers():
    def model():
        return sample("x", dist.Normal(0.0, 1.0))

    wrapped = float(seed(model, 5)())
    decorated = seed(rng_seed=5)(model)
    assert float(decorated()) == wrapped and decorated.__name__ == "model"
    with seed(rng_seed=5), trace() as tr:
        model()
    assert float(tr["x"]["value"]) == wrapped
    with pytest.raises(RuntimeError, match="boom"), seed(rng_seed=0), trace():
        raise RuntimeError("boom")
    assert _LOCAL.handlers == []


# --- condition, substitute, scale, mask -----------------------------------------------------------
def test_condition_and_substitute():
    def model():
        x = sample("x", dist.Normal(0.0, 1.0))
        y = sample("y", dist.Normal(x, 1.0))
        return x, param("p", 2.0), y

    tr = trace(condition(model, condition_fn=lambda msg: 3.0 if msg["name"] == "y" else None))
    tr = tr.get_trace()
    assert tr["y"]["is_observed"] and tr["y"]["value"] == 3.0 and not tr["x"]["is_observed"]
    tr = trace(substitute(model, data={"x": 0.5, "p": 7.0})).get_trace()
    assert tr["x"]["value"] == 0.5 and not tr["x"]["is_observed"] and tr["p"]["value"] == 7.0
    tr = trace(substitute(model, substitute_fn=lambda msg: -1.0)).get_trace()
    assert [tr[k]["value"] for k in ("x", "p", "y")] == [-1.0, -1.0, -1.0]
    for handler in (condition, substitute):
        with pytest.raises(ValueError, match="Only one of"):
            handler(model)


def test_scale_and_mask():
    def model():
        with scale(scale=2.0), scale(scale=dnp.asarray([1.0, 3.0])):
            sample("x", dist.Normal(0.0, 1.0), obs=dnp.asarray([0.5, 1.5]))
        with mask(mask=False):
            sample("z", dist.Normal(0.0, 1.0), obs=4.0)

    log_joint, tr = log_density(model, (), {}, {})
    onp.testing.assert_array_equal(arr(tr["x"]["scale"]), [2.0, 6.0])
    expected = 2.0 * stats.norm.logpdf(0.5) + 6.0 * stats.norm.logpdf(1.5)
    assert float(log_joint) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="positive"):
        scale(model, scale=0.0)
    with pytest.raises(ValueError, match="bool"):
        mask(model, mask=dnp.asarray([1.0, 0.0]))


# --- block, replay --------------------------------------------------------------------------------
def test_block_hide_and_expose():
    def model():
        sample("a", dist.Normal(0.0, 1.0))
        sample("b", dist.Normal(0.0, 1.0))
        param("c", 1.0)

    def seen(**kwargs):
        with trace() as outer, block(**kwargs), trace() as inner:
            seed(model, 0)()
        assert list(inner) == ["a", "b", "c"]
        return list(outer)

    assert seen() == []
    assert seen(hide=["a"]) == ["b", "c"]
    assert seen(expose=["a"]) == ["a"]
    assert seen(expose_types=["param"]) == ["c"]
    assert seen(hide_fn=lambda msg: msg["type"] == "sample") == ["c"]


def test_replay_reproduces_a_trace():
    def guide():
        with plate("data", N, subsample_size=K):
            sample("z", dist.Normal(0.0, 1.0))
        sample("w", dist.Normal(0.0, 1.0))

    def model():
        with plate("data", N, subsample_size=K) as idx:
            z = sample("z", dist.Normal(0.0, 1.0))
        w = sample("w", dist.Normal(0.0, 1.0), obs=0.25)
        return idx, z, w

    guide_trace = trace(seed(guide, 3)).get_trace()
    idx, z, w = seed(replay(model, trace=guide_trace), 4)()
    onp.testing.assert_array_equal(arr(idx), arr(guide_trace["data"]["value"]))
    onp.testing.assert_array_equal(arr(z), arr(guide_trace["z"]["value"]))
    assert w == 0.25
    observed = trace(condition(seed(guide, 3), data={"z": dnp.zeros(K)})).get_trace()
    with pytest.raises(RuntimeError, match="must be sampled"):
        seed(replay(model, trace=observed), 0)()


def test_duplicate_site_names_raise():
    def model():
        sample("x", dist.Normal(0.0, 1.0))
        sample("x", dist.Normal(0.0, 1.0))

    with pytest.raises(AssertionError, match="unique names"):
        trace(seed(model, 0)).get_trace()
    assert _LOCAL.handlers == []


def test_each_thread_has_its_own_handler_stack():
    """MCMC's parallel chains run models on threads: one thread's handlers never see another's
    sites (a shared stack records both threads' sites in one trace)."""
    import threading

    def model():
        for i in range(20):
            sample(f"z{i}", dist.Normal(0.0, 1.0))

    barrier, errors = threading.Barrier(2), []

    def work(seed_value):
        try:
            barrier.wait()
            for _ in range(30):
                tr = trace(seed(model, seed_value)).get_trace()
                assert list(tr) == [f"z{i}" for i in range(20)]
        except Exception as exc:  # noqa: BLE001  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
