"""ZhuSuan's BayesianNet on dnp.infer's primitives: log_joint of a VAE-like model against
scipy.stats, each family method's log density in ZhuSuan's parameterization, n_samples and
group_ndims shapes, meta_bayesian_net and observe, deterministic nodes, the handlers (seed,
condition, trace, scale, substitute, plate) on BayesianNet models, cond_log_prob of lists,
errors, and gradients of log_joint by finite differences."""

from __future__ import annotations

import inspect
import math

import numpy as onp
import pytest
from scipy import special, stats

import dnp
from dnp.infer import handlers, plate
from dnp.infer.bn import BayesianNet, MetaBayesianNet, StochasticTensor, meta_bayesian_net


def arr(x):
    return onp.asarray(x)


def close(actual, expected, rtol=1e-10, atol=1e-10):
    onp.testing.assert_allclose(arr(actual), expected, rtol=rtol, atol=atol)


# --- a VAE-like model: latent z (n_samples, group_ndims), observed x ----------------------------
N, Z, X, S = 5, 2, 4, 3
RNG = onp.random.default_rng(0)
W = RNG.normal(size=(Z, X))
B = RNG.normal(size=X)
DATA = (RNG.uniform(size=(N, X)) < 0.5).astype(onp.float64)


@meta_bayesian_net(scope="gen")
def build_vae(w, b, n, n_particles):
    bn = BayesianNet()
    z = bn.normal("z", dnp.zeros((n, Z)), std=1.0, group_ndims=1, n_samples=n_particles)
    logits = z @ w + b
    bn.deterministic("x_mean", 1 / (1 + dnp.exp(-logits)))
    bn.bernoulli("x", logits, group_ndims=1)
    return bn


def vae_log_joint(z):
    logits = z @ W + B
    log_pz = stats.norm.logpdf(z).sum(-1)
    log_px = stats.bernoulli.logpmf(DATA, special.expit(logits)).sum(-1)
    return log_pz + log_px


def test_vae_log_joint_matches_scipy():
    model = build_vae(dnp.asarray(W), dnp.asarray(B), N, S)
    assert isinstance(model, MetaBayesianNet)
    with handlers.seed(rng_seed=1):
        bn = model.observe(x=dnp.asarray(DATA))
    z = arr(bn["z"].tensor)
    assert z.shape == (S, N, Z)
    assert bn["x"].is_observed() and not bn["z"].is_observed()
    lj = bn.log_joint()
    assert lj.shape == (S, N)  # ZhuSuan's: no reduction over sample or batch axes
    close(lj, vae_log_joint(z))
    close(bn["x_mean"], special.expit(z @ W + B))
    log_pz, log_px = bn.cond_log_prob(["z", "x"])
    close(log_pz, stats.norm.logpdf(z).sum(-1))
    close(log_px, vae_log_joint(z) - stats.norm.logpdf(z).sum(-1))


def test_observe_all_and_fresh_nets():
    model = build_vae(dnp.asarray(W), dnp.asarray(B), N, S)
    z = RNG.normal(size=(S, N, Z))
    bn1 = model.observe(x=DATA, z=z)
    bn2 = model.observe(x=DATA, z=z)
    assert bn1 is not bn2 and bn1["z"].is_observed()
    assert isinstance(bn1["x"].tensor, dnp.ndarray)  # observations become dnp arrays
    close(bn1.log_joint(), vae_log_joint(z))
    close(bn2.log_joint(), vae_log_joint(z))
    unobserved = model.observe()
    assert not unobserved["x"].is_observed() and unobserved["x"].tensor.shape == (S, N, X)


def test_meta_log_joint_override_and_errors():
    model = build_vae(dnp.asarray(W), dnp.asarray(B), N, S)
    model.log_joint = lambda bn: bn.cond_log_prob("x")
    bn = model.observe(x=DATA)
    close(bn.log_joint(), arr(bn.cond_log_prob("x")))
    model.log_joint = 3.0
    with pytest.raises(TypeError, match="not callable"):
        model.observe(x=DATA).log_joint()
    with pytest.raises(ValueError, match="scope"):
        meta_bayesian_net(reuse_variables=True)(lambda: BayesianNet())()
    with pytest.raises(TypeError, match="must return a BayesianNet"):
        meta_bayesian_net()(lambda: 1.0)().observe()


# --- each family method against scipy.stats, in ZhuSuan's parameterization --------------------
def _softmax(logits):
    return special.softmax(logits, axis=-1)


LOGITS = onp.array([[0.2, -1.0, 0.5], [1.5, 0.0, -0.3]])
L_TRIL = onp.array([[1.2, 0.0], [0.4, 0.7]])


def _concrete_log_pdf(x, t, logits):
    """log density of the Concrete (Maddison et al. 2017) on the simplex."""
    n = x.shape[-1]
    log_pi = logits - special.logsumexp(logits, axis=-1, keepdims=True)
    terms = log_pi - (t + 1) * onp.log(x)
    norm = special.logsumexp(log_pi - t * onp.log(x), axis=-1)
    return math.lgamma(n) + (n - 1) * math.log(t) + terms.sum(-1) - n * norm


def _exp_concrete_log_pdf(y, t, logits):
    n = y.shape[-1]
    score = logits - special.logsumexp(logits, axis=-1, keepdims=True) - t * y
    return math.lgamma(n) + (n - 1) * math.log(t) + score.sum(-1) - n * special.logsumexp(score, -1)


def _bin_concrete_log_pdf(x, t, logits):
    log_a = logits
    num = math.log(t) + log_a - (t + 1) * (onp.log(x) + onp.log1p(-x))
    return num - 2 * onp.logaddexp(log_a - t * onp.log(x), -t * onp.log1p(-x))


_POS = onp.array([0.3, 1.7, 4.0])
_REAL = onp.array([-1.2, 0.1, 2.5])
_UNIT = onp.array([0.1, 0.45, 0.9])
_SIMPLEX = onp.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])

# (method, kwargs, value, expected log density)
CASES = {
    "normal_std": (
        "normal",
        {"mean": 0.5, "std": 2.0},
        _REAL,
        stats.norm.logpdf(_REAL, 0.5, 2.0),
    ),
    "normal_logstd": (
        "normal",
        {"mean": 0.5, "logstd": math.log(2.0)},
        _REAL,
        stats.norm.logpdf(_REAL, 0.5, 2.0),
    ),
    "bernoulli_logits": (
        "bernoulli",
        {"logits": onp.array([0.3, -2.0, 1.0])},
        onp.array([1.0, 0.0, 0.0]),
        stats.bernoulli.logpmf([1, 0, 0], special.expit([0.3, -2.0, 1.0])),
    ),
    "bernoulli_probs": (
        "bernoulli",
        {"probs": _UNIT},
        onp.array([1.0, 0.0, 1.0]),
        stats.bernoulli.logpmf([1, 0, 1], _UNIT),
    ),
    "categorical": (
        "categorical",
        {"logits": LOGITS},
        onp.array([2, 0]),
        onp.log(_softmax(LOGITS))[[0, 1], [2, 0]],
    ),
    "discrete_probs": (
        "discrete",
        {"probs": _SIMPLEX},
        onp.array([1, 2]),
        onp.log(_SIMPLEX)[[0, 1], [1, 2]],
    ),
    "onehot_categorical": (
        "onehot_categorical",
        {"logits": LOGITS},
        onp.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
        onp.log(_softmax(LOGITS))[[0, 1], [2, 0]],
    ),
    "uniform": (
        "uniform",
        {"minval": -1.0, "maxval": 3.0},
        _REAL[:2],
        stats.uniform.logpdf(_REAL[:2], -1.0, 4.0),
    ),
    "gamma": (
        "gamma",
        {"alpha": 2.5, "beta": 1.5},
        _POS,
        stats.gamma.logpdf(_POS, 2.5, scale=1 / 1.5),
    ),
    "beta": ("beta", {"alpha": 2.0, "beta": 3.5}, _UNIT, stats.beta.logpdf(_UNIT, 2.0, 3.5)),
    "poisson": (
        "poisson",
        {"rate": 2.5},
        onp.array([0.0, 2.0, 5.0]),
        stats.poisson.logpmf([0, 2, 5], 2.5),
    ),
    "binomial": (
        "binomial",
        {"logits": onp.array([0.3, -1.0]), "n_experiments": 6},
        onp.array([2.0, 5.0]),
        stats.binom.logpmf([2, 5], 6, special.expit([0.3, -1.0])),
    ),
    "multinomial": (
        "multinomial",
        {"logits": LOGITS, "n_experiments": 5},
        onp.array([[1.0, 2.0, 2.0], [5.0, 0.0, 0.0]]),
        stats.multinomial.logpmf([[1, 2, 2], [5, 0, 0]], 5, _softmax(LOGITS)),
    ),
    "dirichlet": (
        "dirichlet",
        {"alpha": onp.array([1.5, 2.0, 0.7])},
        _SIMPLEX,
        [stats.dirichlet.logpdf(x, [1.5, 2.0, 0.7]) for x in _SIMPLEX],
    ),
    "inverse_gamma": (
        "inverse_gamma",
        {"alpha": 3.0, "beta": 2.0},
        _POS,
        stats.invgamma.logpdf(_POS, 3.0, scale=2.0),
    ),
    "laplace": (
        "laplace",
        {"loc": 0.5, "scale": 1.5},
        _REAL,
        stats.laplace.logpdf(_REAL, 0.5, 1.5),
    ),
    "exponential": (
        "exponential",
        {"rate": 2.0},
        _POS,
        stats.expon.logpdf(_POS, scale=0.5),
    ),
    "logistic": (
        "logistic",
        {"loc": 0.5, "scale": 1.5},
        _REAL,
        stats.logistic.logpdf(_REAL, 0.5, 1.5),
    ),
    "student_t": (
        "student_t",
        {"df": 3.5, "loc": 0.5, "scale": 1.5},
        _REAL,
        stats.t.logpdf(_REAL, 3.5, 0.5, 1.5),
    ),
    "multivariate_normal_cholesky": (
        "multivariate_normal_cholesky",
        {"mean": onp.array([0.5, -1.0]), "cov_tril": L_TRIL},
        onp.array([[0.0, 0.0], [1.0, -2.0]]),
        stats.multivariate_normal.logpdf([[0.0, 0.0], [1.0, -2.0]], [0.5, -1.0], L_TRIL @ L_TRIL.T),
    ),
    "bin_concrete": (
        "bin_concrete",
        {"temperature": 0.7, "logits": onp.array([0.3, -1.0, 2.0])},
        _UNIT,
        _bin_concrete_log_pdf(_UNIT, 0.7, onp.array([0.3, -1.0, 2.0])),
    ),
    "exp_concrete": (
        "exp_concrete",
        {"temperature": 0.7, "logits": LOGITS},
        onp.log(_SIMPLEX),
        _exp_concrete_log_pdf(onp.log(_SIMPLEX), 0.7, LOGITS),
    ),
    "concrete": (
        "concrete",
        {"temperature": 0.7, "logits": LOGITS},
        _SIMPLEX,
        _concrete_log_pdf(_SIMPLEX, 0.7, LOGITS),
    ),
    "generated_cauchy": (
        "cauchy",
        {"loc": 0.5, "scale": 1.5},
        _REAL,
        stats.cauchy.logpdf(_REAL, 0.5, 1.5),
    ),
    "generated_half_normal": (
        "half_normal",
        {"scale": 2.0},
        _POS,
        stats.halfnorm.logpdf(_POS, scale=2.0),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_family_log_prob(case):
    method, kwargs, value, expected = CASES[case]
    bn = BayesianNet(observed={"v": value})
    out = getattr(bn, method)("v", **kwargs)
    close(out, value, 0, 0)
    node = bn["v"]
    assert isinstance(node, StochasticTensor) and node.is_observed()
    close(node.log_prob(), onp.asarray(expected), rtol=1e-9)
    close(bn.cond_log_prob("v"), onp.asarray(expected), rtol=1e-9)
    close(bn.log_joint(), onp.asarray(expected), rtol=1e-9)


def test_generated_methods_have_their_family_arguments():
    params = inspect.signature(BayesianNet.truncated_normal).parameters
    assert list(params) == [
        "self",
        "name",
        "loc",
        "scale",
        "low",
        "high",
        "validate_args",
        "group_ndims",
        "n_samples",
    ]
    assert BayesianNet.truncated_normal.__name__ == "truncated_normal"
    bn = BayesianNet(rng=0)
    draws = bn.truncated_normal("t", 0.0, 1.0, low=0.5, n_samples=6)
    assert draws.shape == (6,) and bool(dnp.all(draws >= 0.5))


@pytest.mark.parametrize("case", sorted(CASES))
def test_family_draw_shapes(case):
    method, kwargs, value, _ = CASES[case]
    bn = BayesianNet(rng=0)
    draws = getattr(bn, method)("v", n_samples=4, **kwargs)
    node = bn["v"]
    assert not node.is_observed()
    assert draws.shape == (4,) + node.dist.shape()
    assert draws.shape[1:] == onp.shape(value) or node.dist.batch_shape == ()
    assert bool(dnp.all(dnp.isfinite(node.log_prob())))


def test_normal_needs_one_of_std_and_logstd():
    bn = BayesianNet()
    with pytest.raises(ValueError, match="std or logstd"):
        bn.normal("z", 0.0)
    with pytest.raises(ValueError, match="std or logstd"):
        bn.normal("z", 0.0, std=1.0, logstd=0.0)


# --- n_samples and group_ndims ----------------------------------------------------------------
def test_n_samples_shapes():
    bn = BayesianNet(observed={"y": onp.ones((2, 3))}, rng=0)
    mean = dnp.zeros((2, 3))
    assert bn.normal("a", mean, std=1.0).shape == (2, 3)
    assert bn.normal("b", mean, std=1.0, n_samples=1).shape == (1, 2, 3)
    assert bn.normal("c", mean, std=1.0, n_samples=5, group_ndims=2).shape == (5, 2, 3)
    assert bn.normal("y", mean, std=1.0, n_samples=5).shape == (2, 3)  # observed: as given
    assert bn.cond_log_prob("c").shape == (5,)
    assert bn.cond_log_prob("b").shape == (1, 2, 3)


def test_group_ndims_sums_the_last_batch_axes():
    value = RNG.normal(size=(2, 3, 4))
    per_point = stats.norm.logpdf(value, 0.5, 2.0)
    for g in range(4):
        bn = BayesianNet(observed={"v": value})
        bn.normal("v", dnp.full((2, 3, 4), 0.5), std=2.0, group_ndims=g)
        expected = per_point.sum(axis=tuple(range(3 - g, 3))) if g else per_point
        close(bn.cond_log_prob("v"), expected)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        BayesianNet(observed={"v": value}).normal("v", 0.5, std=2.0, group_ndims=1)


def test_observation_may_add_leading_axes_but_must_broadcast():
    value = RNG.normal(size=(7, 3))
    bn = BayesianNet(observed={"v": value})
    bn.normal("v", dnp.zeros(3), std=1.0, group_ndims=1)
    close(bn.cond_log_prob("v"), stats.norm.logpdf(value).sum(-1))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        BayesianNet(observed={"v": onp.zeros((7, 2))}).normal("v", dnp.zeros(3), std=1.0)


# --- nodes, deterministic, cond_log_prob, errors -------------------------------------------------
def test_nodes_and_deterministic():
    bn = BayesianNet(rng=0)
    z = bn.normal("z", 0.0, std=1.0, n_samples=3)
    h = bn.deterministic("h", 2 * z)
    assert h is bn["h"] and "h" in bn and "z" in bn and "q" not in bn
    assert set(bn.nodes) == {"z", "h"}
    assert bn["z"].tensor is z and bn["z"].name == "z" and bn["z"].bn is bn
    close(h, 2 * arr(z))
    close(bn.log_joint(), stats.norm.logpdf(arr(z)))  # deterministic nodes add nothing
    with pytest.raises(ValueError, match="deterministic"):
        bn.cond_log_prob("h")
    with pytest.raises(ValueError, match="unique"):
        bn.deterministic("z", z)
    with pytest.raises(ValueError, match="unique"):
        bn.normal("h", 0.0, std=1.0)


def test_cond_log_prob_of_a_list_and_errors():
    value = onp.array([0.5, -1.0])
    bn = BayesianNet(observed={"a": value, "b": 2.0})
    bn.normal("a", 0.0, std=1.0)
    bn.exponential("b", 1.5)
    out = bn.cond_log_prob(["b", "a"])
    assert isinstance(out, list) and len(out) == 2
    close(out[0], stats.expon.logpdf(2.0, scale=1 / 1.5))
    close(out[1], stats.norm.logpdf(value))
    assert isinstance(bn.cond_log_prob(("a",)), list)
    close(bn.log_joint(), stats.norm.logpdf(value) + stats.expon.logpdf(2.0, scale=1 / 1.5))
    with pytest.raises(ValueError, match="There isn't a node"):
        bn.cond_log_prob(["a", "c"])
    with pytest.raises(ValueError, match="There isn't a node"):
        bn["c"]
    with pytest.raises(TypeError, match="string"):
        bn.cond_log_prob([1])
    with pytest.raises(TypeError, match="Distribution"):
        bn.stochastic("d", stats.norm())


def test_empty_net_log_joint_is_zero():
    assert float(BayesianNet().log_joint()) == 0.0


# --- handlers on BayesianNet models --------------------------------------------------------------
def _draw_pair(bn):
    z = bn.normal("z", dnp.zeros(3), std=1.0, n_samples=2)
    bn.bernoulli("x", logits=z)
    return bn


def test_seed_handler_reproducibility():
    with handlers.seed(rng_seed=3):
        a = _draw_pair(BayesianNet())
    with handlers.seed(rng_seed=3):
        b = _draw_pair(BayesianNet())
    with handlers.seed(rng_seed=4):
        c = _draw_pair(BayesianNet())
    for name in ("z", "x"):
        onp.testing.assert_array_equal(arr(a[name].tensor), arr(b[name].tensor))
    assert not onp.array_equal(arr(a["z"].tensor), arr(c["z"].tensor))
    # In program order from the seed's generator, as the function models' sites.
    rng = dnp.random.default_rng(3)
    expected = dnp.infer.dist.Normal(dnp.zeros(3), 1.0).sample((2,), rng)
    onp.testing.assert_array_equal(arr(a["z"].tensor), arr(expected))
    # The net's own rng, where given, draws in place of the seed handler's.
    with handlers.seed(rng_seed=9):
        d = _draw_pair(BayesianNet(rng=3))
    onp.testing.assert_array_equal(arr(d["z"].tensor), arr(a["z"].tensor))


def test_trace_condition_and_scale_handlers():
    value = onp.array([0.2, -0.4, 1.0])
    with handlers.seed(rng_seed=0), handlers.trace() as tr, handlers.condition(data={"z": value}):
        bn = _draw_pair(BayesianNet())
    assert list(tr) == ["z", "x"] and tr["z"]["is_observed"] and not tr["x"]["is_observed"]
    assert bn["z"].is_observed()
    close(bn["z"].tensor, value)
    onp.testing.assert_array_equal(arr(tr["x"]["value"]), arr(bn["x"].tensor))
    with handlers.scale(scale=2.5):
        scaled = BayesianNet(observed={"z": value})
        scaled.normal("z", 0.0, std=1.0)
    close(scaled.log_joint(), 2.5 * stats.norm.logpdf(value))
    with handlers.substitute(data={"z": value}):
        given = _draw_pair(BayesianNet(rng=0))
    assert not given["z"].is_observed()
    close(given["z"].tensor, value)


def test_plate_broadcasts_and_scales_a_node():
    data = onp.array([0.5, -1.0, 2.0, 0.1])
    with handlers.seed(rng_seed=0), handlers.condition(data={"x": data}):
        bn = BayesianNet()
        mu = bn.normal("mu", 0.0, std=1.0)
        with plate("N", 10, subsample_size=4):
            bn.normal("x", mu, std=1.0)
    assert bn["x"].dist.batch_shape == (4,)
    close(bn.cond_log_prob("x"), 2.5 * stats.norm.logpdf(data, float(mu)))


# --- gradients of log_joint by finite differences -----------------------------------------------
def _vae_objective(w, eps_seed=5):
    model = build_vae(w, dnp.asarray(B), N, S)
    with handlers.seed(rng_seed=eps_seed):
        bn = model.observe(x=DATA)
    return dnp.sum(bn.log_joint())


def test_log_joint_gradient_by_finite_differences():
    w = dnp.asarray(W)
    value, grad = dnp.autograd.value_and_grad(_vae_objective)(w)
    h = 1e-6
    numeric = onp.zeros_like(W)
    for idx in onp.ndindex(W.shape):
        step = onp.zeros_like(W)
        step[idx] = h
        up = float(_vae_objective(dnp.asarray(W + step)))
        down = float(_vae_objective(dnp.asarray(W - step)))
        numeric[idx] = (up - down) / (2 * h)
    close(grad, numeric, rtol=1e-6, atol=1e-6)
    close(value, float(_vae_objective(w)))


def _location_objective(mu, reparameterized):
    bn = BayesianNet(rng=2)
    bn.normal("z", mu, std=1.0, n_samples=4, is_reparameterized=reparameterized)
    return dnp.sum(bn.log_joint()), bn["z"].tensor


def test_is_reparameterized_detaches_the_draws():
    mu = dnp.asarray(onp.array([0.3, -0.2]))
    # Pathwise: z = mu + eps, so log N(z; mu, 1) does not depend on mu.
    grad = dnp.autograd.grad_fn(lambda m: _location_objective(m, True)[0])(mu)
    close(grad, onp.zeros(2))
    # Detached: d/dmu log N(z; mu, 1) = z - mu, summed over the samples.
    grad = dnp.autograd.grad_fn(lambda m: _location_objective(m, False)[0])(mu)
    z = arr(_location_objective(mu, False)[1])
    close(grad, (z - arr(mu)).sum(0))
