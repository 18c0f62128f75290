"""SVI and the ELBO losses on a conjugate Normal-Normal model, whose posterior, evidence and
Gaussian-guide ELBO are known in closed form: Trace_ELBO's value against the hand-written ELBO
for seeded draws and its mean against the exact ELBO; TraceMeanField_ELBO's analytic KL;
RenyiELBO (IWAE) against the exact log evidence; gradients against central differences; the
score-function gradient of a Bernoulli guide against the exact gradient by enumeration; SVI
converging to the exact posterior; run, evaluate, get_params, NaN reports and skips, the
progress bar with and without tqdm, reproducibility."""

from __future__ import annotations

import sys
import types

import numpy as onp
import pytest
from scipy import stats
from scipy.special import expit

import dnp
from dnp.infer import constraints, dist, factor, param, plate, sample
from dnp.infer.handlers import seed, trace
from dnp.infer.vi import SVI, RenyiELBO, SVIRunResult, SVIState, Trace_ELBO, TraceMeanField_ELBO

X = onp.random.default_rng(1).normal(1.0, 2.0, size=20)
PRIOR_SD, NOISE_SD = 3.0, 2.0
POST_PREC = 1 / PRIOR_SD**2 + X.size / NOISE_SD**2
POST_MEAN, POST_SD = X.sum() / NOISE_SD**2 / POST_PREC, POST_PREC**-0.5
LOG_EVIDENCE = stats.multivariate_normal.logpdf(
    X, onp.zeros(X.size), NOISE_SD**2 * onp.eye(X.size) + PRIOR_SD**2
)


def model(x):
    z = sample("z", dist.Normal(0.0, PRIOR_SD))
    with plate("data", x.shape[0]):
        sample("x", dist.Normal(z, NOISE_SD), obs=x)


def guide(x):
    loc = param("loc", 0.0)
    scale = param("scale", 1.0, constraint=constraints.positive)
    sample("z", dist.Normal(loc, scale))


def exact_elbo(m, s):
    """E_q[log p(x | z) + log p(z) - log q(z)] for q = N(m, s)."""
    lik = stats.norm.logpdf(X, m, NOISE_SD).sum() - X.size * s**2 / (2 * NOISE_SD**2)
    prior = stats.norm.logpdf(m, 0.0, PRIOR_SD) - s**2 / (2 * PRIOR_SD**2)
    return lik + prior + stats.norm.entropy(m, s)


def kl_normal(m, s, m0, s0):
    return onp.log(s0 / s) + (s**2 + (m - m0) ** 2) / (2 * s0**2) - 0.5


def params(m, s):
    return {"loc": dnp.asarray(m), "scale": dnp.asarray(s)}


def draw_z(rng_seed, m, s):
    """The guide's draw of z for a seed, as the loss makes it."""
    z = float(trace(seed(guide, rng_seed)).get_trace(X)["z"]["value"]) * s + m  # N(0, 1) guide
    assert z == pytest.approx(onp.random.default_rng(rng_seed).normal(m, s), rel=1e-12)
    return z


# --- the losses -----------------------------------------------------------------------------------
def test_trace_elbo_equals_the_hand_written_elbo_for_seeded_draws():
    m, s = 0.7, 0.6
    for rng_seed in range(3):
        z = draw_z(rng_seed, m, s)
        expected = (
            stats.norm.logpdf(X, z, NOISE_SD).sum()
            + stats.norm.logpdf(z, 0.0, PRIOR_SD)
            - stats.norm.logpdf(z, m, s)
        )
        loss = Trace_ELBO().loss(rng_seed, params(m, s), model, guide, dnp.asarray(X))
        assert loss.shape == () and loss.dtype == dnp.float64
        assert float(loss) == pytest.approx(-expected, rel=1e-12)


def test_trace_elbo_mean_is_the_exact_elbo():
    m, s = 0.7, 0.6
    values = [float(Trace_ELBO().loss(i, params(m, s), model, guide, X)) for i in range(400)]
    error = onp.std(values) / onp.sqrt(len(values))
    assert -onp.mean(values) == pytest.approx(exact_elbo(m, s), abs=4 * error)
    # num_particles averages as many draws, taken from one generator in turn
    rng = dnp.random.default_rng(5)
    averaged = Trace_ELBO(num_particles=4).loss(rng, params(m, s), model, guide, X)
    rng = dnp.random.default_rng(5)
    one_by_one = [float(Trace_ELBO().loss(rng, params(m, s), model, guide, X)) for _ in range(4)]
    assert float(averaged) == pytest.approx(onp.mean(one_by_one), rel=1e-12)


def test_trace_mean_field_elbo_uses_the_analytic_kl():
    m, s = 0.7, 0.6
    for rng_seed in range(3):
        z = draw_z(rng_seed, m, s)
        expected = stats.norm.logpdf(X, z, NOISE_SD).sum() - kl_normal(m, s, 0.0, PRIOR_SD)
        loss = TraceMeanField_ELBO().loss(rng_seed, params(m, s), model, guide, X)
        assert float(loss) == pytest.approx(-expected, rel=1e-12)


def test_trace_mean_field_elbo_falls_back_to_monte_carlo_without_a_kl():
    def laplace_guide(x):
        sample("z", dist.Laplace(param("loc", 0.0), 1.0))

    z = float(trace(seed(laplace_guide, 0)).get_trace(X)["z"]["value"])
    expected = (
        stats.norm.logpdf(X, z, NOISE_SD).sum()
        + stats.norm.logpdf(z, 0.0, PRIOR_SD)
        - stats.laplace.logpdf(z, 0.0, 1.0)
    )
    loss = TraceMeanField_ELBO().loss(0, {"loc": 0.0}, model, laplace_guide, X)
    assert float(loss) == pytest.approx(-expected, rel=1e-12)


def test_renyi_elbo_is_the_log_evidence_at_the_exact_posterior():
    for k in (1, 2, 8):
        loss = RenyiELBO(num_particles=k).loss(0, params(POST_MEAN, POST_SD), model, guide, X)
        assert float(loss) == pytest.approx(-LOG_EVIDENCE, rel=1e-12)


def test_renyi_elbo_increases_with_num_particles_toward_the_log_evidence():
    m, s = POST_MEAN + 0.5, 3 * POST_SD  # a poor guide: its ELBO is 3.5 nats short
    rng = dnp.random.default_rng(0)
    means = []
    for k in (1, 2, 16):
        loss = RenyiELBO(num_particles=k)
        values = [-float(loss.loss(rng, params(m, s), model, guide, X)) for _ in range(800 // k)]
        means.append((onp.mean(values), onp.std(values) / onp.sqrt(len(values))))
    assert means[0][0] == pytest.approx(exact_elbo(m, s), abs=4 * means[0][1])  # K = 1: the ELBO
    for (low, e_low), (high, e_high) in zip(means, means[1:], strict=False):
        assert high - low > 4 * onp.hypot(e_low, e_high)
    best, error = means[-1]
    assert LOG_EVIDENCE - 0.1 * (LOG_EVIDENCE - exact_elbo(m, s)) < best < LOG_EVIDENCE + 4 * error


def test_renyi_elbo_alpha_and_errors():
    m, s = 0.7, 0.6
    rng = dnp.random.default_rng(3)
    elbos = [-float(Trace_ELBO().loss(rng, params(m, s), model, guide, X)) for _ in range(3)]
    alpha = 0.5
    expected = onp.log(onp.mean(onp.exp((1 - alpha) * onp.array(elbos)))) / (1 - alpha)
    loss = RenyiELBO(alpha=alpha, num_particles=3).loss(3, params(m, s), model, guide, X)
    assert float(loss) == pytest.approx(-expected, rel=1e-12)
    with pytest.raises(ValueError, match="alpha should not be equal to 1"):
        RenyiELBO(alpha=1)
    with pytest.raises(ValueError, match="num_particles"):
        Trace_ELBO(num_particles=0)


def local_model(x):
    with plate("data", x.shape[0], subsample_size=4) as idx:
        z = sample("z", dist.Normal(0.0, 1.0))
        sample("x", dist.Normal(z, 1.0), obs=x[idx])


def local_guide(x):
    a = param("a", 0.5)
    with plate("data", x.shape[0], subsample_size=4) as idx:
        sample("z", dist.Normal(a * x[idx], 0.5**0.5))  # the exact posterior at a = 0.5


def test_renyi_elbo_takes_the_bound_per_datapoint_on_one_subsample():
    """Every particle uses the first particle's subsample; at the exact posterior each
    datapoint's bound is its log evidence, log N(x_i; 0, sqrt 2), scaled by 8 / 4."""
    x = dnp.asarray(X[:8])
    for rng_seed in range(3):
        idx = trace(seed(local_guide, rng_seed)).get_trace(x)["data"]["value"].asnumpy()
        expected = 2 * stats.norm.logpdf(X[idx], 0.0, 2**0.5).sum()
        loss = RenyiELBO(num_particles=4).loss(rng_seed, {"a": 0.5}, local_model, local_guide, x)
        assert float(loss) == pytest.approx(-expected, rel=1e-12)

    def global_and_local(x):
        sample("g", dist.Normal(0.0, 1.0))
        local_model(x)

    with pytest.raises(ValueError, match="common to all sample"):
        RenyiELBO().loss(0, {"a": 0.5}, global_and_local, local_guide, x)


@pytest.mark.parametrize(
    "loss",
    [Trace_ELBO(), TraceMeanField_ELBO(), RenyiELBO(num_particles=3)],
    ids=lambda loss: type(loss).__name__,
)
def test_loss_gradients_match_central_differences(loss):
    """For a fixed seed the reparameterized loss is a smooth function of the params."""

    def f(p):
        return loss.loss(7, p, model, guide, X)

    point = {"loc": 0.7, "scale": 0.6}
    _, grads = dnp.autograd.value_and_grad(f)(params(point["loc"], point["scale"]))
    for name in point:
        h = 1e-6
        up = float(f({**point, name: point[name] + h}))
        down = float(f({**point, name: point[name] - h}))
        assert float(grads[name]) == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8)


# --- score-function gradients ---------------------------------------------------------------------
X_DISCRETE = onp.array([0.8, 1.4, -0.2])


def discrete_model(x):
    z = sample("z", dist.Bernoulli(probs=0.3))
    with plate("data", x.shape[0]):
        sample("x", dist.Normal(2.0 * z - 1.0, 1.0), obs=x)


def discrete_guide(x):
    sample("z", dist.Bernoulli(logits=param("theta", 0.2)))


def discrete_log_joint(z):
    return stats.bernoulli.logpmf(z, 0.3) + stats.norm.logpdf(X_DISCRETE, 2 * z - 1, 1).sum()


def test_score_function_gradient_is_unbiased_and_the_baseline_lowers_its_variance():
    theta = 0.2
    p = expit(theta)
    a0, a1 = discrete_log_joint(0), discrete_log_joint(1)
    # ELBO(theta) = p (a1 - log p) + (1 - p) (a0 - log(1 - p)), p = expit(theta)
    exact = (a1 - a0 - onp.log(p) + onp.log1p(-p)) * p * (1 - p)
    elbo = Trace_ELBO()
    found = {}

    def f(p, rng_seed, baseline):
        found["result"] = elbo.evaluate(
            rng_seed, p, discrete_model, discrete_guide, (X_DISCRETE,), {}, baseline
        )
        return found["result"].loss

    plain, with_baseline, baseline = [], [], None
    for rng_seed in range(600):
        _, g = dnp.autograd.value_and_grad(f)({"theta": dnp.asarray(theta)}, rng_seed, None)
        plain.append(-float(g["theta"]))
        _, g = dnp.autograd.value_and_grad(f)({"theta": dnp.asarray(theta)}, rng_seed, baseline)
        with_baseline.append(-float(g["theta"]))
        baseline = found["result"].baseline
    for grads in (plain, with_baseline):
        error = onp.std(grads) / onp.sqrt(len(grads))
        assert onp.mean(grads) == pytest.approx(exact, abs=4 * error)
    assert onp.std(with_baseline) < 0.5 * onp.std(plain)
    # the value is still the ELBO: (log p(x, z) - log q(z)) at the drawn z
    z = int(trace(seed(discrete_guide, 0)).get_trace(X_DISCRETE)["z"]["value"])
    expected = discrete_log_joint(z) - stats.bernoulli.logpmf(z, p)
    loss = elbo.loss(0, {"theta": theta}, discrete_model, discrete_guide, X_DISCRETE)
    assert float(loss) == pytest.approx(-expected, rel=1e-12)


def test_svi_fits_a_discrete_guide_to_the_exact_posterior():
    a0, a1 = discrete_log_joint(0), discrete_log_joint(1)
    posterior = expit(a1 - a0)
    optim = dnp.optim.Adam(dnp.optim.exponential_decay(0.1, 500, 0.1))
    svi = SVI(discrete_model, discrete_guide, optim, Trace_ELBO())
    result = svi.run(0, 1000, X_DISCRETE, progress_bar=False)
    assert "baseline" in result.state.mutable_state
    assert expit(float(result.params["theta"])) == pytest.approx(posterior, abs=0.03)


# --- SVI ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss", [Trace_ELBO(), TraceMeanField_ELBO()], ids=lambda loss: type(loss).__name__
)
def test_svi_converges_to_the_exact_posterior(loss):
    optim = dnp.optim.Adam(dnp.optim.exponential_decay(0.1, 800, 0.01))
    result = SVI(model, guide, optim, loss).run(0, 800, X, progress_bar=False)
    assert isinstance(result, SVIRunResult) and isinstance(result.state, SVIState)
    assert float(result.params["loc"]) == pytest.approx(POST_MEAN, abs=0.1 * POST_SD)
    assert float(result.params["scale"]) == pytest.approx(POST_SD, rel=0.05)


def test_run_losses_evaluate_and_get_params():
    svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    result = svi.run(1, 300, X, progress_bar=False, init_params={"loc": -3.0, "scale": 2.0})
    losses = result.losses.asnumpy()
    assert isinstance(result.losses, dnp.ndarray) and losses.shape == (300,)
    assert losses[0] > 45 and losses[-50:].mean() < losses[:50].mean() - 10
    assert losses[-50:].mean() == pytest.approx(-exact_elbo(POST_MEAN, POST_SD), abs=0.5)
    state = result.state
    # params live unconstrained; get_params constrains them
    unconstrained = float(state.params["scale"])
    assert float(result.params["scale"]) == pytest.approx(onp.exp(unconstrained), rel=1e-12)
    assert set(svi.get_params(state)) == {"loc", "scale"}
    # evaluate uses the draws of the next update and leaves the state as it was
    before = {name: float(value) for name, value in svi.get_params(state).items()}
    evaluated = svi.evaluate(state, X)
    assert {name: float(value) for name, value in svi.get_params(state).items()} == before
    state, loss = svi.update(state, X)
    assert float(evaluated) == float(loss)
    state, loss = svi.step(state, X)
    assert loss.shape == () and onp.isfinite(float(loss))
    # run continues from a state
    more = svi.run(None, 5, X, progress_bar=False, init_state=state)
    assert more.losses.shape == (5,)


def test_init_params_and_static_kwargs():
    def guide_with_kwargs(x, shift=0.0):
        loc = param("loc", 0.0)
        scale = param("scale", 1.0, constraint=constraints.positive)
        sample("z", dist.Normal(loc + shift, scale))

    def model_with_kwargs(x, shift=0.0):
        model(x)

    svi = SVI(model_with_kwargs, guide_with_kwargs, dnp.optim.SGD(0.0), Trace_ELBO(), shift=1.0)
    state = svi.init(0, X, init_params={"scale": 2.5})
    assert float(svi.get_params(state)["scale"]) == pytest.approx(2.5, rel=1e-12)
    assert float(state.params["scale"]) == pytest.approx(onp.log(2.5), rel=1e-12)
    z = float(trace(seed(guide_with_kwargs, 4)).get_trace(X)["z"]["value"])  # N(0, 1) draw
    z = 1.0 + 2.5 * z
    expected = (
        stats.norm.logpdf(X, z, NOISE_SD).sum()
        + stats.norm.logpdf(z, 0.0, PRIOR_SD)
        - stats.norm.logpdf(z, 1.0, 2.5)
    )
    state = state._replace(rng=dnp.random.default_rng(4))
    assert float(svi.evaluate(state, X)) == pytest.approx(-expected, rel=1e-12)


def test_runs_with_the_same_seed_are_identical():
    def losses():
        svi = SVI(model, guide, dnp.optim.Adam(0.05), RenyiELBO(num_particles=2))
        return svi.run(3, 40, X, progress_bar=False).losses.asnumpy()

    first = losses()
    onp.testing.assert_array_equal(first, losses())
    svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    onp.testing.assert_array_equal(
        svi.run(3, 40, X, progress_bar=False).losses.asnumpy(),
        svi.run(3, 40, X, progress_bar=False).losses.asnumpy(),
    )


def test_errors():
    with pytest.raises(ValueError, match="nan_policy"):
        SVI(model, guide, dnp.optim.Adam(), Trace_ELBO(), nan_policy="ignore")
    svi = SVI(model, guide, dnp.optim.Adam(), Trace_ELBO())
    state = SVI(model, guide, dnp.optim.Adam(), Trace_ELBO()).init(0, X)
    with pytest.raises(RuntimeError, match="init"):
        svi.get_params(state)
    with pytest.raises(ValueError, match="num_steps"):
        svi.run(0, 0, X)
    no_params = SVI(
        model, lambda x: sample("z", dist.Normal(0.0, 1.0)), dnp.optim.Adam(), Trace_ELBO()
    )
    with pytest.raises(ValueError, match="no param sites"):
        no_params.init(0, X)


def test_a_jitted_step_follows_params_replaced_in_the_state():
    """A jitted step reads the state's arrays where they are at each call: one the user put in
    ``state.params`` in place of another is the one updated, as without jit."""
    results = []
    for jit in (True, False):
        svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO(), jit=jit)
        state = svi.init(0, X)
        for _ in range(3):
            state, _ = svi.update(state, X)
        name = sorted(state.params)[0]
        state.params[name] = state.params[name] + 0.5
        for _ in range(3):
            state, loss = svi.update(state, X)
        results.append((float(loss), {k: v.asnumpy() for k, v in state.params.items()}))
    assert results[0][0] == results[1][0]
    for name in results[0][1]:
        onp.testing.assert_array_equal(results[0][1][name], results[1][1][name])


@pytest.mark.parametrize("jit", [True, False])
def test_a_float32_model_has_float32_params_and_losses(jit):
    from dnp.infer.autoguide import AutoNormal

    def model32(x):
        z = sample("z", dist.Normal(dnp.zeros((), dnp.float32), dnp.full((), PRIOR_SD, "f4")))
        with plate("data", x.shape[0]):
            sample("x", dist.Normal(z, NOISE_SD), obs=x)

    x = dnp.asarray(X, dtype=dnp.float32)
    svi = SVI(model32, AutoNormal(model32), dnp.optim.Adam(0.05), Trace_ELBO(), jit=jit)
    result = svi.run(0, 5, x, progress_bar=False)
    assert {v.dtype for v in result.params.values()} == {dnp.dtype(dnp.float32)}
    assert result.losses.dtype == dnp.float32
    assert svi.update(result.state, x)[1].dtype == dnp.float32


# --- NaNs -----------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_a_non_finite_log_density_names_its_site():
    def bad_model(x):
        z = sample("z", dist.Normal(0.0, PRIOR_SD))
        sample("bad", dist.Normal(z, 0.0), obs=1.0)  # a zero scale: log density nan or inf
        with plate("data", x.shape[0]):
            sample("x", dist.Normal(z, NOISE_SD), obs=x)

    svi = SVI(bad_model, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    with pytest.raises(FloatingPointError, match="model site 'bad'"):
        svi.run(0, 3, X, progress_bar=False)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_a_non_finite_gradient_names_its_param():
    def sqrt_guide(x):
        loc = param("loc", 0.0)
        sample("z", dist.Normal(dnp.sqrt(loc), 1.0))  # finite at loc = 0; its gradient is not

    svi = SVI(model, sqrt_guide, dnp.optim.Adam(0.05), Trace_ELBO())
    with pytest.raises(FloatingPointError, match="gradient of param 'loc'"):
        svi.run(0, 3, X, progress_bar=False)


def test_nan_policy_skip_counts_the_skipped_steps():
    def spiky_model(x):
        model(x)
        z = sample("w", dist.Normal(0.0, 1.0))
        factor("spike", dnp.where(z > 1.0, dnp.nan, 0.0))  # non-finite for about 1 draw in 6

    def spiky_guide(x):
        guide(x)
        sample("w", dist.Normal(0.0, 1.0))

    for svi, kwargs in [
        (SVI(spiky_model, spiky_guide, dnp.optim.Adam(0.05), Trace_ELBO(), nan_policy="skip"), {}),
        (
            SVI(spiky_model, spiky_guide, dnp.optim.Adam(0.05), Trace_ELBO()),
            {"stable_update": True},
        ),
    ]:
        result = svi.run(0, 60, X, progress_bar=False, **kwargs)
        skipped = int((~onp.isfinite(result.losses.asnumpy())).sum())
        assert 0 < skipped == result.state.num_skipped
        assert all(onp.isfinite(float(v)) for v in result.params.values())
    svi = SVI(spiky_model, spiky_guide, dnp.optim.Adam(0.05), Trace_ELBO())
    with pytest.raises(FloatingPointError, match="model site 'spike'"):
        svi.run(0, 60, X, progress_bar=False)

    # A jitted step (gradient, check and update in one replay) skips as the eager one does:
    # the same draws, losses and params, and a skipped step writes nothing (the step count).
    results = [
        SVI(
            spiky_model, spiky_guide, dnp.optim.Adam(0.05), Trace_ELBO(), nan_policy="skip", jit=j
        ).run(0, 60, X, progress_bar=False)
        for j in (True, False)
    ]
    for r in results:
        assert int(r.state.optim_state.count) == 60 - r.state.num_skipped
    onp.testing.assert_array_equal(*(r.losses.asnumpy() for r in results))
    for name in results[0].params:
        onp.testing.assert_array_equal(*(r.params[name].asnumpy() for r in results))

    # A step that raises writes nothing either.
    svi = SVI(spiky_model, spiky_guide, dnp.optim.Adam(0.05), Trace_ELBO())
    state = svi.init(0, X)
    with pytest.raises(FloatingPointError, match="model site 'spike'"):
        for _ in range(60):
            before = dnp.tree.map(lambda a: a.asnumpy().copy(), (state.params, state.optim_state))
            state, _ = svi.update(state, X)
    after = dnp.tree.map(lambda a: a.asnumpy(), (state.params, state.optim_state))
    for a, b in zip(dnp.tree.leaves(before), dnp.tree.leaves(after), strict=True):
        onp.testing.assert_array_equal(a, b)


# --- progress bar ---------------------------------------------------------------------------------
class FakeTqdm:
    made: list = []

    def __init__(self, total, file=None):
        self.total, self.n, self.postfix, self.closed = total, 0, [], False
        FakeTqdm.made.append(self)

    def set_postfix_str(self, text, refresh=True):
        self.postfix.append(text)

    def update(self, n):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    FakeTqdm.made = []
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))


def test_progress_bar_on_a_terminal(terminal):
    svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    result = svi.run(0, 250, X)
    (bar,) = FakeTqdm.made
    assert bar.total == 250 and bar.n == 250 and bar.closed
    assert len(bar.postfix) == 125  # every 2 steps: 1% of 250
    first = float(result.losses[0])
    average = float(dnp.mean(result.losses[-2:]))
    assert bar.postfix[-1] == f"init loss: {first:.4f}, avg. loss [249-250]: {average:.4f}"


def test_no_progress_bar_when_asked_or_without_a_terminal(terminal, monkeypatch):
    svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    svi.run(0, 5, X, progress_bar=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    svi.run(0, 5, X)
    assert FakeTqdm.made == []


def test_no_progress_bar_and_no_error_without_tqdm(terminal, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    result = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO()).run(0, 5, X)
    assert result.losses.shape == (5,) and FakeTqdm.made == []


# --- devices --------------------------------------------------------------------------------------
def test_svi_runs_on_every_device(device):
    x = dnp.asarray(X)
    svi = SVI(model, guide, dnp.optim.Adam(0.05), TraceMeanField_ELBO())
    first = svi.run(0, 20, x, progress_bar=False)
    second = svi.run(0, 20, x, progress_bar=False)
    onp.testing.assert_array_equal(first.losses.asnumpy(), second.losses.asnumpy())
    assert onp.isfinite(first.losses.asnumpy()).all()
    for value in (*first.params.values(), *first.state.params.values()):
        assert value.device == x.device


# --- dnp.jit ----------------------------------------------------------------------------------
def test_jitted_steps_equal_eager_steps_bit_for_bit():
    runs = []
    for jit in (True, False):
        svi = SVI(model, guide, dnp.optim.Adam(0.05), Trace_ELBO(num_particles=2), jit=jit)
        result = svi.run(3, 60, X, progress_bar=False)
        runs.append((result.losses.asnumpy(), {k: v.asnumpy() for k, v in result.params.items()}))
        assert svi.eager_reasons == []
    (losses, params), (eager_losses, eager_params) = runs
    assert losses.tobytes() == eager_losses.tobytes()
    for name in params:
        assert params[name].tobytes() == eager_params[name].tobytes()


def test_a_model_that_branches_on_a_value_runs_eagerly_and_says_why():
    def branchy(x):
        mu = sample("mu", dist.Normal(0.0, 1.0))
        if float(mu) > 10:  # a value read back into Python
            raise AssertionError("unreachable")
        with plate("n", x.shape[0]):
            sample("x", dist.Normal(mu, 1.0), obs=x)

    svi = SVI(branchy, guide, dnp.optim.Adam(0.05), Trace_ELBO())
    result = svi.run(0, 5, X, progress_bar=False)
    assert onp.isfinite(result.losses.asnumpy()).all()
    assert any("read back" in why for why in svi.eager_reasons)


def test_a_nan_names_the_site_and_the_operation():
    def bad_model(x):
        model(x)
        z = sample("w", dist.Normal(0.0, 1.0))
        factor("root", dnp.sqrt(z - 100.0))  # always the square root of a negative number

    def bad_guide(x):
        guide(x)
        sample("w", dist.Normal(0.0, 1.0))

    svi = SVI(bad_model, bad_guide, dnp.optim.Adam(0.05), Trace_ELBO())
    with pytest.raises(FloatingPointError, match="site 'root'.*invalid value encountered in sqrt"):
        svi.run(0, 3, X, progress_bar=False)
