"""``kl_divergence`` and ``register_kl``: every closed form against a Monte Carlo estimate
(tolerance from its standard error, at a fixed seed), scalar and batched, float32 kept; gradients
through ``dnp.autograd`` against central differences of the closed form; the meta
distributions; dispatch, ambiguity and the error for an unregistered pair."""

from __future__ import annotations

import math
import warnings

import numpy as onp
import pytest

import dnp
from dnp.infer import constraints, dist
from dnp.infer.distributions.kl import kl_divergence, register_kl

N_MC = 40_000


def arr(x):
    return onp.asarray(x)


# (family p, family q, scalar params of p, of q, batched params of p, of q)
CASES = {
    "normal": (
        dist.Normal,
        dist.Normal,
        {"loc": 0.3, "scale": 1.2},
        {"loc": -0.5, "scale": 0.7},
        {"loc": [0.0, 1.0, -2.0], "scale": 0.8},
        {"loc": 0.5, "scale": [[1.0], [2.5]]},
    ),
    "laplace": (
        dist.Laplace,
        dist.Laplace,
        {"loc": 0.3, "scale": 1.2},
        {"loc": -0.5, "scale": 0.9},
        {"loc": [0.0, 1.0, -2.0], "scale": 0.8},
        {"loc": 0.5, "scale": [[1.0], [2.5]]},
    ),
    "uniform": (
        dist.Uniform,
        dist.Uniform,
        {"low": 0.2, "high": 1.5},
        {"low": -0.5, "high": 2.0},
        {"low": [0.0, 0.5, -1.0], "high": 1.5},
        {"low": [[-1.0], [-2.0]], "high": 3.0},
    ),
    "exponential": (
        dist.Exponential,
        dist.Exponential,
        {"rate": 1.7},
        {"rate": 0.6},
        {"rate": [0.5, 1.0, 3.0]},
        {"rate": [[1.0], [2.5]]},
    ),
    "gamma": (
        dist.Gamma,
        dist.Gamma,
        {"concentration": 2.5, "rate": 1.3},
        {"concentration": 1.5, "rate": 0.8},
        {"concentration": [0.8, 2.0, 5.0], "rate": 1.5},
        {"concentration": [[1.0], [3.0]], "rate": [0.7, 1.0, 2.0]},
    ),
    "beta": (
        dist.Beta,
        dist.Beta,
        {"concentration1": 2.5, "concentration0": 1.3},
        {"concentration1": 1.5, "concentration0": 3.0},
        {"concentration1": [0.8, 2.0, 5.0], "concentration0": 1.5},
        {"concentration1": [[1.0], [3.0]], "concentration0": [0.7, 1.0, 2.0]},
    ),
}


def build(cls, params, dtype=dnp.float64):
    return cls(**{k: dnp.asarray(v, dtype=dtype) for k, v in params.items()})


def monte_carlo(p, q, n=N_MC, seed=0):
    """The mean of log p(x) - log q(x) over n draws from p, and its standard error."""
    shape = dnp.broadcast_shapes(p.batch_shape, q.batch_shape)
    x = p.expand(shape).sample((n,), rng=seed)
    diff = arr(p.log_prob(x) - q.log_prob(x)).astype(onp.float64)
    with onp.errstate(invalid="ignore"):  # inf - inf in the spread where q misses p's support
        return diff.mean(axis=0), diff.std(axis=0, ddof=1) / math.sqrt(n)


def assert_matches_monte_carlo(p, q, kl):
    estimate, stderr = monte_carlo(p, q)
    kl = arr(kl).astype(onp.float64)
    assert kl.shape == estimate.shape
    # 5 standard errors (a fixed seed, so deterministic), plus rounding for constant ratios.
    assert onp.all(onp.abs(kl - estimate) <= 5 * stderr + 1e-9 * (1 + onp.abs(kl))), (
        kl,
        estimate,
        stderr,
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_against_monte_carlo_scalar(name, device):
    cls_p, cls_q, params_p, params_q, _, _ = CASES[name]
    p, q = build(cls_p, params_p), build(cls_q, params_q)
    kl = kl_divergence(p, q)
    assert kl.shape == () and kl.dtype == dnp.float64
    assert float(kl) >= 0
    assert_matches_monte_carlo(p, q, kl)
    # The check has the power to reject a closed form off by 0.1.
    with pytest.raises(AssertionError):
        assert_matches_monte_carlo(p, q, kl + 0.1)
    # KL(p || p) = 0.
    onp.testing.assert_allclose(arr(kl_divergence(p, p)), 0.0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_against_monte_carlo_batched(name, device):
    cls_p, cls_q, _, _, params_p, params_q = CASES[name]
    p, q = build(cls_p, params_p), build(cls_q, params_q)
    kl = kl_divergence(p, q)
    assert kl.shape == dnp.broadcast_shapes(p.batch_shape, q.batch_shape) == (2, 3)
    assert onp.all(arr(kl) >= 0)
    assert_matches_monte_carlo(p, q, kl)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32(name, device):
    cls_p, cls_q, _, _, params_p, params_q = CASES[name]
    kl32 = kl_divergence(build(cls_p, params_p, dnp.float32), build(cls_q, params_q, dnp.float32))
    kl64 = kl_divergence(build(cls_p, params_p), build(cls_q, params_q))
    assert kl32.dtype == dnp.float32
    onp.testing.assert_allclose(arr(kl32), arr(kl64), rtol=1e-4, atol=1e-5)


def test_uniform_not_covered_is_inf(device):
    p = dist.Uniform(dnp.asarray([0.0, -1.0, 0.0, 0.5]), dnp.asarray([1.0, 1.0, 3.0, 0.9]))
    q = dist.Uniform(0.0, 2.0)
    kl = arr(kl_divergence(p, q))
    assert onp.isinf(kl[1]) and onp.isinf(kl[2]) and kl[1] > 0 and kl[2] > 0
    onp.testing.assert_allclose(kl[[0, 3]], [math.log(2.0), math.log(2.0 / 0.4)], rtol=1e-12)
    # The Monte Carlo estimate agrees: some draws of p fall where q has no density.
    estimate, _ = monte_carlo(p, q, n=2000)
    assert onp.isinf(estimate[1]) and onp.isinf(estimate[2])
    assert dnp.isinf(kl_divergence(dist.Uniform(0.0, 2.0), dist.Uniform(0.0, 1.0)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_against_central_differences(name, device):
    cls_p, cls_q, params_p, params_q, _, _ = CASES[name]

    def kl(pp, pq):
        return kl_divergence(cls_p(**pp), cls_q(**pq))

    pp = {k: dnp.asarray(float(v)) for k, v in params_p.items()}
    pq = {k: dnp.asarray(float(v)) for k, v in params_q.items()}
    grad_p, grad_q = dnp.autograd.grad_fn(kl, (0, 1))(pp, pq)
    for which, params, grads in (("p", params_p, grad_p), ("q", params_q, grad_q)):
        for key, value in params.items():
            h = 1e-5 * max(abs(value), 1.0)

            def shifted(delta, which=which, key=key, value=value):
                a, b = dict(params_p), dict(params_q)
                (a if which == "p" else b)[key] = value + delta
                return float(kl(a, b))

            expected = (shifted(h) - shifted(-h)) / (2 * h)
            assert float(grads[key]) == pytest.approx(expected, rel=1e-5, abs=1e-7), (which, key)


def test_batched_gradient_is_per_element(device):
    loc = dnp.asarray([0.0, 1.0, -2.0])

    def total(loc):
        return dnp.sum(kl_divergence(dist.Normal(loc, 2.0), dist.Normal(0.5, 1.0)))

    onp.testing.assert_allclose(arr(dnp.autograd.grad_fn(total)(loc)), arr(loc) - 0.5, rtol=1e-12)


# ---- meta distributions -------------------------------------------------------------------


def test_independent_sums_the_base_kl(device):
    p_base = dist.Normal(dnp.asarray([[0.0, 1.0, -1.0], [0.5, 0.2, 0.0]]), 1.5)
    q_base = dist.Normal(0.3, dnp.asarray([1.0, 2.0, 0.8]))
    p, q = p_base.to_event(1), q_base.to_event(1)
    kl = kl_divergence(p, q)
    assert kl.shape == (2,)
    onp.testing.assert_allclose(arr(kl), arr(kl_divergence(p_base, q_base)).sum(-1), rtol=1e-12)
    assert_matches_monte_carlo(p, q, kl)
    # Every axis made an event axis, and nested Independents.
    all_events = kl_divergence(p_base.to_event(2), dist.Normal(0.3, 1.0).expand((2, 3)).to_event(2))
    assert all_events.shape == ()
    nested = kl_divergence(
        dist.Independent(dist.Independent(p_base, 1), 1), dist.Independent(q_base.expand((2, 3)), 2)
    )
    expected = arr(kl_divergence(p_base, q_base)).sum()
    onp.testing.assert_allclose(arr(nested), expected, rtol=1e-12)


def test_independent_of_other_families(device):
    p_base = dist.Gamma(dnp.asarray([1.0, 2.0, 3.0]), 1.5)
    q_base = dist.Gamma(2.0, dnp.asarray([[1.0], [0.5]]))
    p, q = p_base.to_event(1), q_base.expand((2, 3)).to_event(1)
    kl = kl_divergence(p, q)
    assert kl.shape == (2,)
    onp.testing.assert_allclose(arr(kl), arr(kl_divergence(p_base, q_base)).sum(-1), rtol=1e-12)
    assert_matches_monte_carlo(p, q, kl)


def test_independent_gradient_and_float32(device):
    def total(loc):
        p = dist.Normal(loc, 1.0).to_event(1)
        return kl_divergence(p, dist.Normal(dnp.zeros(3, dtype=loc.dtype), 1.0).to_event(1))

    loc = dnp.asarray([0.5, -1.0, 2.0])
    onp.testing.assert_allclose(arr(dnp.autograd.grad_fn(total)(loc)), arr(loc), rtol=1e-12)
    assert total(loc.astype(dnp.float32)).dtype == dnp.float32


def test_independent_needs_matching_event_shapes():
    p = dist.Normal(dnp.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match="event shapes"):
        kl_divergence(p.to_event(1), dist.Normal(dnp.zeros((3, 2)), 1.0).to_event(1))
    with pytest.raises(ValueError, match="event shapes"):
        kl_divergence(p.to_event(2), p.to_event(1))


def test_independent_of_unregistered_pair_raises():
    p = dist.Normal(dnp.zeros(3), 1.0).to_event(1)
    q = dist.Gamma(dnp.ones(3), 1.0).to_event(1)
    with pytest.raises(NotImplementedError, match="Normal.*Gamma"):
        kl_divergence(p, q)


def test_expanded_is_the_base_kl_broadcast(device):
    p = dist.Normal(0.2, 1.3).expand((2, 3))
    q = dist.Normal(dnp.asarray([0.0, 1.0, -1.0]), 0.9)
    kl = kl_divergence(p, q)
    assert kl.shape == (2, 3)
    base = arr(kl_divergence(p.base_dist, q))
    onp.testing.assert_allclose(arr(kl), onp.broadcast_to(base, (2, 3)), rtol=1e-12)
    assert_matches_monte_carlo(p, q, kl)
    # Expanded on the q side, and on both.
    reverse = arr(kl_divergence(q, p.base_dist))
    onp.testing.assert_allclose(arr(kl_divergence(q, p)), onp.broadcast_to(reverse, (2, 3)))
    assert kl_divergence(q, p).shape == (2, 3)
    both = kl_divergence(p, q.expand((4, 1, 3)))
    assert both.shape == (4, 2, 3)
    onp.testing.assert_allclose(arr(both), onp.broadcast_to(base, (4, 2, 3)), rtol=1e-12)
    grad = dnp.autograd.grad_fn(
        lambda loc: dnp.sum(
            kl_divergence(dist.Normal(loc, 1.0).expand((5,)), dist.Normal(0.0, 1.0))
        )
    )(dnp.asarray(0.4))
    assert float(grad) == pytest.approx(5 * 0.4, rel=1e-12)


def test_chi2_dispatches_to_gamma(device):
    kl = kl_divergence(dist.Chi2(3.0), dist.Gamma(1.5, 0.5))
    assert float(kl) == pytest.approx(0.0, abs=1e-12)


# ---- dispatch -----------------------------------------------------------------------------


def test_unregistered_pair_names_both_types():
    with pytest.raises(NotImplementedError, match=r"\(Normal, Gamma\)"):
        kl_divergence(dist.Normal(0.0, 1.0), dist.Gamma(2.0, 1.0))
    with pytest.raises(NotImplementedError, match=r"\(Exponential, Gamma\)"):
        kl_divergence(dist.Exponential(1.0), dist.Gamma(2.0, 1.0))


def test_register_kl_adds_a_user_pair():
    class Point(dist.Distribution):
        support = constraints.real

        def __init__(self, x):
            self.x = dnp.asarray(x)
            super().__init__(self.x.shape)

    class Other(dist.Distribution):
        support = constraints.real

        def __init__(self, y):
            self.y = dnp.asarray(y)
            super().__init__(self.y.shape)

    with pytest.raises(NotImplementedError, match=r"\(Point, Other\)"):
        kl_divergence(Point(1.0), Other(2.0))

    @register_kl(Point, Other)
    def _kl_point_other(p, q):
        return (p.x - q.y) ** 2

    assert float(kl_divergence(Point(1.0), Other(3.0))) == 4.0
    # The result is broadcast to the batch of both.
    assert kl_divergence(Point(1.0), Other(dnp.asarray([1.0, 2.0]))).shape == (2,)
    # The pair works inside the meta distributions.
    batch = Point(dnp.asarray([1.0, 2.0]))
    assert float(kl_divergence(batch.to_event(1), Other(dnp.zeros(2)).to_event(1))) == 5.0
    # Re-registering replaces the function.
    register_kl(Point, Other)(lambda p, q: p.x + q.y)
    assert float(kl_divergence(Point(1.0), Other(3.0))) == 4.0 + 0.0
    with pytest.raises(TypeError):
        register_kl(Point, "Other")


def test_most_specific_pair_wins():
    class MyNormal(dist.Normal):
        pass

    class MyNormal2(MyNormal):
        pass

    @register_kl(MyNormal, dist.Normal)
    def _kl_mine(p, q):
        return dnp.asarray(-1.0)

    # The subclass pair wins over (Normal, Normal) and is inherited by subclasses of MyNormal.
    assert float(kl_divergence(MyNormal(0.0, 1.0), dist.Normal(1.0, 1.0))) == -1.0
    assert float(kl_divergence(MyNormal2(0.0, 1.0), dist.Normal(1.0, 1.0))) == -1.0
    # The base pair is untouched; a MyNormal as q falls back to (Normal, Normal).
    assert float(kl_divergence(dist.Normal(0.0, 1.0), MyNormal(1.0, 1.0))) == 0.5

    @register_kl(MyNormal2, dist.Normal)
    def _kl_mine2(p, q):
        return dnp.asarray(-2.0)

    assert float(kl_divergence(MyNormal2(0.0, 1.0), dist.Normal(1.0, 1.0))) == -2.0
    assert float(kl_divergence(MyNormal(0.0, 1.0), dist.Normal(1.0, 1.0))) == -1.0


def test_ambiguous_pair_warns_and_takes_the_p_first_match():
    class Left(dist.Normal):
        pass

    class Right(dist.Normal):
        pass

    register_kl(Left, dist.Normal)(lambda p, q: dnp.asarray(1.0))
    register_kl(dist.Normal, Right)(lambda p, q: dnp.asarray(2.0))
    with pytest.warns(RuntimeWarning, match="Ambiguous"):
        assert float(kl_divergence(Left(0.0, 1.0), Right(0.0, 1.0))) == 1.0
    register_kl(Left, Right)(lambda p, q: dnp.asarray(3.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(kl_divergence(Left(0.0, 1.0), Right(0.0, 1.0))) == 3.0
