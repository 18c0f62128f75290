"""``dnp.jit`` replays draws of ``dnp.random``: a replay takes the generator's next numbers where
the trace drew, so a jitted function gives, call after call, what running it eagerly gives, bit
for bit, for every sampler and with reparameterized gradients."""

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp
from dnp.infer import dist

# Every sampler of dnp.random.Generator, called as a jitted step would (x: a float64 (4,) array,
# positive, arrays as parameters where NumPy takes them).
SAMPLERS = {
    "random": lambda g, x: g.random(4),
    "standard_normal": lambda g, x: g.standard_normal((2, 4)),
    "standard_exponential": lambda g, x: g.standard_exponential(4),
    "standard_cauchy": lambda g, x: g.standard_cauchy(4),
    "standard_gamma": lambda g, x: g.standard_gamma(x, (3, 4)),
    "standard_t": lambda g, x: g.standard_t(x + 2),
    "normal": lambda g, x: g.normal(x, 2.0),
    "uniform": lambda g, x: g.uniform(-x, x),
    "exponential": lambda g, x: g.exponential(x),
    "laplace": lambda g, x: g.laplace(x, 0.5),
    "logistic": lambda g, x: g.logistic(0.0, x),
    "gumbel": lambda g, x: g.gumbel(x, 1.0),
    "lognormal": lambda g, x: g.lognormal(0.0, x),
    "cauchy": lambda g, x: g.cauchy(x, 1.0),
    "gamma": lambda g, x: g.gamma(x, 2.0),
    "beta": lambda g, x: g.beta(x, x + 1),
    "chisquare": lambda g, x: g.chisquare(x),
    "f": lambda g, x: g.f(x + 1, x + 2),
    "noncentral_chisquare": lambda g, x: g.noncentral_chisquare(x + 1, x),
    "noncentral_f": lambda g, x: g.noncentral_f(x + 1, x + 2, x),
    "pareto": lambda g, x: g.pareto(x + 1),
    "power": lambda g, x: g.power(x),
    "rayleigh": lambda g, x: g.rayleigh(x),
    "triangular": lambda g, x: g.triangular(-x, 0.0, x),
    "vonmises": lambda g, x: g.vonmises(x, 2.0),
    "wald": lambda g, x: g.wald(x, 1.5),
    "weibull": lambda g, x: g.weibull(x),
    "dirichlet": lambda g, x: g.dirichlet(x, 3),
    "multivariate_normal": lambda g, x: g.multivariate_normal(x, dnp.eye(4), 2),
    "integers": lambda g, x: g.integers(0, 10, (2, 4)),
    "binomial": lambda g, x: g.binomial(10, x / 4),
    "negative_binomial": lambda g, x: g.negative_binomial(5, x / 4),
    "poisson": lambda g, x: g.poisson(x),
    "geometric": lambda g, x: g.geometric(x / 4),
    "hypergeometric": lambda g, x: g.hypergeometric(10, 5, 6, 4),
    "logseries": lambda g, x: g.logseries(x / 4),
    "zipf": lambda g, x: g.zipf(x + 1.5),
    "multinomial": lambda g, x: g.multinomial(20, x / dnp.sum(x)),
    "choice": lambda g, x: g.choice(10, 4, replace=False),
    "permutation": lambda g, x: g.permutation(8),
}


def x_of(step: int):
    return dnp.asarray(numpy.linspace(0.5, 1.5, 4) + 0.01 * step)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_replays_as_it_runs(name):
    sampler = SAMPLERS[name]
    eager_rng, jit_rng = dnp.random.default_rng(11), dnp.random.default_rng(11)

    def step(g, x):
        return sampler(g, x) * 1  # an op after the draw: the program is not the draw alone

    jitted = dnp.jit(lambda x: step(jit_rng, x))
    for k in range(6):
        numpy.testing.assert_array_equal(jitted(x_of(k)).asnumpy(), step(eager_rng, x_of(k)))
    assert jitted.eager_reasons == []
    assert jitted.programs() and ".take()" in jitted.programs()[0]


def test_a_replay_draws_what_numpy_draws():
    gen, ref = dnp.random.default_rng(5), numpy.random.default_rng(5)
    jitted = dnp.jit(lambda x: x + gen.standard_normal(3))
    for _ in range(4):
        numpy.testing.assert_array_equal(jitted(dnp.zeros(3)).asnumpy(), ref.standard_normal(3))
    # eager draws between replays continue the same stream
    numpy.testing.assert_array_equal(gen.random(2).asnumpy(), ref.random(2))
    numpy.testing.assert_array_equal(jitted(dnp.zeros(3)).asnumpy(), ref.standard_normal(3))


def test_unused_draws_still_advance_the_stream():
    gen, ref = dnp.random.default_rng(2), numpy.random.default_rng(2)

    def f(x):
        gen.standard_normal(5)  # drawn, never used: the stream moves on all the same
        return x * 2

    jitted = dnp.jit(f)
    for _ in range(3):
        jitted(dnp.ones(2))
        ref.standard_normal(5)
    numpy.testing.assert_array_equal(gen.random(3).asnumpy(), ref.random(3))


def test_the_global_generator_replays_across_reseeding():
    jitted = dnp.jit(lambda x: x + dnp.random.standard_normal(3))
    runs = []
    for _ in range(3):
        dnp.random.seed(4)
        runs.append(jitted(dnp.zeros(3)).asnumpy())
    dnp.random.seed(4)
    want = numpy.random.RandomState(4).standard_normal(3)
    for got in runs:
        numpy.testing.assert_array_equal(got, want)
    assert jitted.eager_reasons == []


def _elbo_step(rng):
    """A stochastic step with reparameterized draws of several families and their gradients."""

    def loss(p):
        z = dist.Normal(p["loc"], dnp.exp(p["log_scale"])).sample((5,), rng=rng)
        g = dist.Gamma(dnp.exp(p["log_a"]), 2.0).sample((4,), rng=rng)
        b = dist.Beta(dnp.exp(p["log_a"]), 1.5).sample((3,), rng=rng)
        u = rng.uniform(size=(2,))
        return dnp.sum(z**2) + dnp.sum(g) + dnp.sum(b) * dnp.sum(u)

    return dnp.autograd.value_and_grad(loss)


def test_fifty_gradient_steps_replay_bit_for_bit():
    eager, jitted = (
        _elbo_step(dnp.random.default_rng(8)),
        dnp.jit(_elbo_step(dnp.random.default_rng(8))),
    )
    params = {"loc": dnp.asarray([0.3, -0.2]), "log_scale": dnp.asarray(-0.4)}
    params["log_a"] = dnp.asarray(0.2)
    for _ in range(50):
        (v1, g1), (v2, g2) = jitted(params), eager(params)
        assert v1.asnumpy().tobytes() == v2.asnumpy().tobytes()
        for k in g1:
            assert g1[k].asnumpy().tobytes() == g2[k].asnumpy().tobytes()
        for k in params:  # a plain SGD step, so every call sees new parameters
            params[k] = params[k] - 0.01 * g2[k]
    assert jitted.eager_reasons == [] and jitted.traces == 1


def test_a_replay_that_raises_after_drawing_raises_instead_of_rerunning():
    gen = dnp.random.default_rng(0)

    def f(scale):
        return gen.standard_normal(3) + gen.normal(0.0, scale)

    jitted = dnp.jit(f)
    jitted(dnp.asarray(1.0))
    with pytest.raises(ValueError, match="scale < 0"):
        jitted(dnp.asarray(-1.0))


# --- random programs with draws: 50 replays against 50 eager runs -------------------------------
DRAWS = {
    "normal": lambda g, a: g.standard_normal(a.shape),
    "uniform": lambda g, a: g.uniform(a, a + 1.0),
    "gamma": lambda g, a: g.standard_gamma(dnp.abs(a) + 0.5),
    "integers": lambda g, a: g.integers(0, 5, a.shape) * 1.0,
    "choice": lambda g, a: a[g.permutation(a.shape[0])],
}


def drawing_program(steps, g):
    def f(x0, x1):
        pool = [x0 * 1.0, x1 - 0.0]
        for kind, i, j in steps:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            if kind in DRAWS and a.ndim:  # (NumPy draws a Python float for 0-d parameters)
                pool.append(DRAWS[kind](g, a))
            elif kind == "unary":
                pool.append(dnp.tanh(a))
            elif kind == "binary" and a.shape == b.shape:
                pool.append(a * b - a)
            elif kind == "reduce" and a.ndim:
                pool.append(dnp.sum(a, axis=j % a.ndim))
        return pool

    return f


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from([*DRAWS, "unary", "binary", "reduce"]),
            st.integers(0, 20),
            st.integers(0, 20),
        ),
        min_size=1,
        max_size=12,
    ),
    seed=st.integers(0, 2**16),
)
def test_random_programs_with_draws_replay_as_they_run(steps, seed):
    eager = drawing_program(steps, dnp.random.default_rng(seed))
    jitted = dnp.jit(drawing_program(steps, dnp.random.default_rng(seed)))
    data = numpy.random.default_rng(seed)
    for _ in range(50):
        args = [dnp.asarray(data.uniform(-2, 2, (4, 5))) for _ in range(2)]
        got, want = jitted(*args), eager(*args)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g.asnumpy().tobytes() == w.asnumpy().tobytes()
    assert jitted.eager_reasons == []
