"""HMC and NUTS kernels of dnp.infer.mcmc against exact answers."""

import math

import numpy as onp
import pytest
import scipy.stats

import dnp
import dnp.infer as infer
from dnp.infer import dist
from dnp.infer.diagnostics import effective_sample_size
from dnp.infer.mcmc import HMC, NUTS, initialize_model
from dnp.infer.mcmc.adaptation import build_adaptation_schedule, welford_covariance
from dnp.infer.mcmc.trajectory import Programs, checkpoint_range


def gaussian_potential(mean, cov):
    precision = dnp.asarray(onp.linalg.inv(cov))
    mean = dnp.asarray(mean)

    def potential(z):
        d = z["x"] - mean
        return 0.5 * dnp.dot(d, dnp.matmul(precision, d))

    return potential


def run_chain(kernel, num_warmup, num_samples, seed, init_params=None, model_args=()):
    state = kernel.init(seed, num_warmup, init_params=init_params, model_args=model_args)
    warmup, samples = [], []
    for i in range(num_warmup + num_samples):
        state = kernel.sample(state, model_args)
        (warmup if i < num_warmup else samples).append(state)
    return warmup, samples


def draws(states, name="x"):
    return onp.stack([onp.asarray(s.z[name]) for s in states])


def mcse(x):
    """Monte Carlo standard error of the mean of draws ``x`` (draws x ...)."""
    ess = onp.asarray(effective_sample_size(dnp.asarray(x[None])))
    return x.std(axis=0) / onp.sqrt(ess)


@pytest.mark.parametrize("kernel_cls", [HMC, NUTS])
def test_gaussian_mean_and_variance(kernel_cls):
    mean = onp.array([1.0, -2.0, 0.5])
    sd = onp.array([0.5, 1.0, 2.0])
    cov = onp.diag(sd**2)
    # HMC's default trajectory (2 pi) is one period of the adapted Gaussian's dynamics: the
    # chain would come back to where it starts (and longer than pi / 2 it anticorrelates)
    kwargs = {"trajectory_length": 1.0} if kernel_cls is HMC else {}
    kernel = kernel_cls(potential_fn=gaussian_potential(mean, cov), **kwargs)
    _, samples = run_chain(kernel, 400, 1000, 0, {"x": dnp.zeros(3)})
    x = draws(samples)
    assert onp.all(onp.abs(x.mean(0) - mean) < 4 * mcse(x))
    sq = (x - mean) ** 2
    assert onp.all(onp.abs(sq.mean(0) - sd**2) < 4 * mcse(sq))
    assert not any(s.diverging for s in samples)
    # the adapted diagonal inverse mass matrix estimates the variances
    onp.testing.assert_allclose(onp.asarray(samples[-1].inverse_mass_matrix), sd**2, rtol=0.5)


@pytest.mark.parametrize("kernel_cls", [HMC, NUTS])
@pytest.mark.parametrize("target", [0.6, 0.9])
def test_step_size_adaptation_reaches_target(kernel_cls, target):
    sd = onp.linspace(0.5, 3.0, 6)
    kernel = kernel_cls(
        potential_fn=gaussian_potential(onp.zeros(6), onp.diag(sd**2)), target_accept_prob=target
    )
    warmup, samples = run_chain(kernel, 400, 300, 1, {"x": dnp.zeros(6)})
    # the terminal window (Stan's fast buffer) runs at the target
    terminal = onp.mean([s.accept_prob for s in warmup[-50:]])
    assert abs(terminal - target) < 0.06
    # the final step size (the averaged iterate) accepts at least as often
    assert target - 0.05 < samples[-1].mean_accept_prob <= 1.0
    assert len({s.step_size for s in samples}) == 1


def test_leapfrog_reversible_and_second_order():
    def potential(z):
        x, y = z["x"], z["y"]
        return 0.25 * dnp.sum(x**4) + 0.5 * dnp.sum(y**2) + 0.3 * dnp.sum(x) * y

    # the chain's flat vectors: x (2 elements) then y (a scalar)
    programs = Programs(potential, {"x": dnp.zeros(2), "y": dnp.zeros(())})
    inv_mass = dnp.asarray([1.0, 0.5, 2.0])
    z0, r0 = dnp.asarray([0.5, -1.0, 0.8]), dnp.asarray([0.3, 0.2, -1.1])
    pe0, g0 = programs.value_and_grad(z0)
    energy0 = float(pe0) + float(programs.kinetic_energy(inv_mass, r0))

    def run(z, r, g, step_size, n):
        """n steps; the states and their total energies."""
        step, energies = dnp.asarray(step_size), []
        for _ in range(n):
            z, r, _, g, energy = programs.leapfrog_energy(z, r, g, step, inv_mass)
            energies.append(float(energy))
        return z, r, g, energies

    z, r, g, _ = run(z0, r0, g0, 0.05, 50)
    back_z, back_r, _, _ = run(z, -r, g, 0.05, 50)
    onp.testing.assert_allclose(onp.asarray(back_z), onp.asarray(z0), atol=1e-10)
    onp.testing.assert_allclose(onp.asarray(-back_r), onp.asarray(r0), atol=1e-10)
    # stepping back in time with a negative step size undoes the steps too
    rewound_z, _, _, _ = run(z, r, g, -0.05, 50)
    onp.testing.assert_allclose(onp.asarray(rewound_z), onp.asarray(z0), atol=1e-10)

    def max_energy_error(step_size):
        *_, energies = run(z0, r0, g0, step_size, round(2.0 / step_size))
        return max(abs(e - energy0) for e in energies)

    e1, e2, e3 = (max_energy_error(h) for h in (0.1, 0.05, 0.025))
    assert e1 < 0.05
    # O(eps^2): halving the step size quarters the energy error
    assert 3.0 < e1 / e2 < 5.0 and 3.0 < e2 / e3 < 5.0


def test_checkpoints_are_numpyros():
    # numpyro.infer.hmc_util._leaf_idx_to_ckpt_idxs: 6 -> none (written as checkpoint 2),
    # 7 -> checkpoints 0..2 (it closes subtrees of 2, 4 and 8 states), 13 -> checkpoint 2
    assert checkpoint_range(6) == (3, 2)
    assert checkpoint_range(7) == (0, 2)
    assert checkpoint_range(13) == (2, 2)
    assert checkpoint_range(0) == (1, 0) and checkpoint_range(1) == (0, 0)


def halfnormal_model(y):
    s = infer.sample("s", dist.HalfNormal(1.0))
    infer.deterministic("s2", s**2)
    infer.sample("y", dist.Normal(0.0, s), obs=y)


Y = onp.array([0.3, -1.2, 2.1, 0.7, -0.4])


def test_initialize_model_potential_has_jacobian():
    info = initialize_model(0, halfnormal_model, model_args=(dnp.asarray(Y),))
    z = float(info.param_info.z["s"])
    s = math.exp(z)
    expected = -(scipy.stats.halfnorm.logpdf(s) + scipy.stats.norm.logpdf(Y, 0, s).sum() + z)
    assert float(info.param_info.potential_energy) == pytest.approx(expected, rel=1e-10)
    assert -2 <= z <= 2  # init_to_uniform: uniform on (-2, 2) in unconstrained space
    # d/dz: -(d log p / ds) * s - 1, checked by central differences
    h = 1e-6
    fd = (
        float(info.potential_fn({"s": dnp.asarray(z + h)}))
        - float(info.potential_fn({"s": dnp.asarray(z - h)}))
    ) / (2 * h)
    assert float(info.param_info.z_grad["s"]) == pytest.approx(fd, rel=1e-6)
    out = info.postprocess_fn({"s": dnp.asarray(z)})
    assert float(out["s"]) == pytest.approx(s)
    assert float(out["s2"]) == pytest.approx(s**2)


def test_potentials_skip_the_support_mask_of_observed_data_checked_once():
    x = dnp.asarray(onp.linspace(-1, 1, 6))
    y = dnp.asarray([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])

    def model(y, shift=None):
        w = infer.sample("w", dist.Normal(0.0, 1.0))
        infer.sample("y", dist.Bernoulli(logits=w * x), obs=y if shift is None else y + shift)

    def exact(w, values):
        logits = w * x.asnumpy()
        return -(
            scipy.stats.norm.logpdf(w)
            + scipy.stats.bernoulli.logpmf(values, 1 / (1 + onp.exp(-logits))).sum()
        )

    info = initialize_model(0, model, model_args=(y,))
    traced = dnp.jit(info.potential_fn)
    for w in (0.3, -1.2):
        assert float(traced({"w": dnp.asarray(w)})) == pytest.approx(exact(w, y.asnumpy()))
    (plan,) = traced._plans.values()
    ops = {name for name, _ in plan.program.lines.values()}
    assert "where" not in ops and "equal" not in ops  # no support check in the replay
    # data outside the support keep their -inf, and so do values the model computes
    bad = dnp.asarray([0.0, 1.0, 2.0, 0.0, 1.0, 1.0])
    info = initialize_model(0, model, model_args=(bad,))
    assert float(info.potential_fn({"w": dnp.asarray(0.3)})) == math.inf
    info = initialize_model(0, model, model_args=(y,), model_kwargs={"shift": 1.0})
    assert float(info.potential_fn({"w": dnp.asarray(0.3)})) == math.inf
    # a value the model computes (here in the support) is checked at every call
    info = initialize_model(0, model, model_args=(y,), model_kwargs={"shift": 0.0})
    computed = dnp.jit(info.potential_fn)
    assert float(computed({"w": dnp.asarray(0.3)})) == pytest.approx(exact(0.3, y.asnumpy()))
    (plan,) = computed._plans.values()
    assert "where" in {name for name, _ in plan.program.lines.values()}


def test_nuts_positive_latent_posterior_mean():
    kernel = NUTS(halfnormal_model)
    _, samples = run_chain(kernel, 300, 1000, 2, model_args=(dnp.asarray(Y),))
    post = kernel.postprocess_fn()
    s = onp.array([float(post(st.z)["s"]) for st in samples])
    assert onp.all(s > 0)
    grid = onp.linspace(1e-4, 12.0, 200001)
    log_post = scipy.stats.halfnorm.logpdf(grid) + scipy.stats.norm.logpdf(Y[:, None], 0, grid).sum(
        0
    )
    w = onp.exp(log_post - log_post.max())
    exact_mean = (grid * w).sum() / w.sum()
    assert abs(s.mean() - exact_mean) < 4 * mcse(s)
    assert abs(s.mean() - exact_mean) < 0.1


def test_dense_mass_improves_ess_on_correlated_gaussian():
    cov = onp.array([[1.0, 0.98 * 3.0], [0.98 * 3.0, 9.0]])
    potential = gaussian_potential(onp.zeros(2), cov)
    ess = {}
    for dense in (False, True):
        kernel = NUTS(potential_fn=potential, dense_mass=dense)
        _, samples = run_chain(kernel, 600, 400, 3, {"x": dnp.zeros(2)})
        x = draws(samples)
        ess[dense] = onp.asarray(effective_sample_size(dnp.asarray(x[None]))).min()
        if dense:
            # the adapted dense inverse mass matrix estimates the covariance
            onp.testing.assert_allclose(
                onp.asarray(samples[-1].inverse_mass_matrix), cov, rtol=0.3, atol=0.3
            )
            steps_dense = onp.mean([s.num_steps for s in samples])
        else:
            steps_diag = onp.mean([s.num_steps for s in samples])
    assert ess[True] > 1.5 * ess[False]
    assert steps_dense < steps_diag


@pytest.mark.parametrize("kernel_cls", [HMC, NUTS])
def test_divergences_detected_with_huge_step_size(kernel_cls):
    kwargs = {"num_steps": 5} if kernel_cls is HMC else {}
    kernel = kernel_cls(
        potential_fn=gaussian_potential(onp.zeros(2), onp.eye(2)),
        step_size=50.0,
        adapt_step_size=False,
        **kwargs,
    )
    _, samples = run_chain(kernel, 0, 20, 4, {"x": dnp.asarray([0.5, -0.5])})
    assert all(s.diverging for s in samples)
    assert all(s.accept_prob < 1e-100 for s in samples)
    # nothing is accepted: the chain stays at its start
    onp.testing.assert_array_equal(draws(samples), onp.tile([0.5, -0.5], (20, 1)))


def test_adaptation_schedule_is_stans():
    assert build_adaptation_schedule(1000) == [
        (0, 74),
        (75, 99),
        (100, 149),
        (150, 249),
        (250, 449),
        (450, 949),
        (950, 999),
    ]
    assert build_adaptation_schedule(10) == [(0, 9)]
    assert build_adaptation_schedule(100) == [(0, 14), (15, 89), (90, 99)]


@pytest.mark.parametrize("diagonal", [True, False])
def test_welford_regularized_covariance(diagonal):
    x = onp.random.default_rng(0).normal(size=(30, 3)) @ onp.array(
        [[1.0, 0.5, 0.0], [0.0, 2.0, 0.3], [0.0, 0.0, 0.5]]
    )
    init_fn, update_fn, final_fn = welford_covariance(diagonal=diagonal)
    state = init_fn(3)
    for row in x:
        state = update_fn(dnp.asarray(row), state)
    cov = onp.cov(x.T)
    cov = onp.diag(cov) if diagonal else cov
    onp.testing.assert_allclose(onp.asarray(final_fn(state, regularize=False)), cov)
    n = 30
    shrunk = n / (n + 5) * cov + 1e-3 * 5 / (n + 5) * (1 if diagonal else onp.eye(3))
    onp.testing.assert_allclose(onp.asarray(final_fn(state)), shrunk)


def test_model_and_potential_fn_are_exclusive():
    with pytest.raises(ValueError):
        HMC()
    with pytest.raises(ValueError):
        HMC(model=halfnormal_model, potential_fn=lambda z: 0.0)
    with pytest.raises(ValueError):
        NUTS(potential_fn=gaussian_potential(onp.zeros(1), onp.eye(1))).init(0, 10)
