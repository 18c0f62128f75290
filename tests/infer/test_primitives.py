"""Model primitives (NumPyro's): ``sample`` in and out of handlers, ``param`` (callable init from
the seed's generator, subsampled along a plate), ``deterministic``, ``factor`` and its ``Unit``
distribution, ``plate`` (dims -1/-2 and ``dim=``, broadcasting, ``sample_shape`` folded in,
subsample indices and scale, errors), ``obs_mask``, and plain Python control flow in a model."""

from __future__ import annotations

import numpy as onp
import pytest
from scipy import stats

import dnp
from dnp.infer import constraints, dist
from dnp.infer.density import log_density
from dnp.infer.distributions.unit import Unit
from dnp.infer.handlers import seed, trace
from dnp.infer.primitives import _LOCAL, deterministic, factor, param, plate, sample


def arr(x):
    return onp.asarray(x)


def traced(model, rng_seed=0, *args):
    return trace(seed(model, rng_seed)).get_trace(*args)


# --- sample, param, deterministic -----------------------------------------------------------------
def test_sample_outside_handlers():
    d = dist.Normal(0.0, 1.0)
    x = sample("x", d, sample_shape=(4,))
    assert x.shape == (4,)
    assert sample("x", d, obs=2.5) == 2.5
    expected = d.sample((3,), dnp.random.default_rng(7))
    onp.testing.assert_array_equal(arr(sample("x", d, rng=7, sample_shape=(3,))), arr(expected))


def test_sample_rejects_a_non_distribution():
    with pytest.raises(TypeError, match="Distribution"):
        sample("x", lambda: 1.0)


def test_param_values():
    assert param("p", 3.0) == 3.0

    def model():
        return param("w", lambda rng: rng.normal(size=3), constraint=constraints.positive)

    tr = traced(model, 5)
    onp.testing.assert_array_equal(arr(tr["w"]["value"]), onp.random.default_rng(5).normal(size=3))
    assert tr["w"]["type"] == "param"
    assert tr["w"]["kwargs"]["constraint"] is constraints.positive


def test_deterministic_is_recorded():
    def model():
        x = sample("x", dist.Normal(0.0, 1.0))
        return deterministic("y", 2 * x)

    tr = traced(model)
    assert tr["y"]["type"] == "deterministic"
    assert float(tr["y"]["value"]) == 2 * float(tr["x"]["value"])


# --- factor and Unit ------------------------------------------------------------------------------
def test_unit_distribution():
    u = Unit(dnp.asarray([1.0, -2.0]))
    assert u.batch_shape == (2,) and u.event_shape == (0,)
    draw = u.sample((3,))
    assert draw.shape == (3, 2, 0) and draw.size == 0
    onp.testing.assert_array_equal(arr(u.log_prob(draw)), [[1.0, -2.0]] * 3)


def test_factor_adds_its_log_factor():
    def model():
        x = sample("x", dist.Normal(0.0, 1.0))
        factor("f", -0.5 * x**2)
        with plate("N", 3):
            factor("g", dnp.asarray(0.25))

    log_joint, tr = log_density(model, (), {}, {"x": 0.8})
    assert tr["f"]["is_observed"] and tr["f"]["infer"] == {"is_auxiliary": True}
    expected = stats.norm.logpdf(0.8) - 0.5 * 0.8**2 + 3 * 0.25
    assert float(log_joint) == pytest.approx(expected, rel=1e-12)


# --- plate ----------------------------------------------------------------------------------------
def test_nested_plates_allocate_dims_and_broadcast():
    def model():
        with plate("outer", 3) as outer:
            with plate("inner", 2):
                z = sample("z", dist.Normal(0.0, 1.0))
            w = sample("w", dist.Normal(dnp.zeros(1), 1.0))
        with plate("deep", 4, dim=-3):
            v = sample("v", dist.Normal(0.0, 1.0), sample_shape=(2,))
        return outer, z, w, v

    with seed(rng_seed=0), trace() as tr:
        outer, z, w, v = model()
    onp.testing.assert_array_equal(arr(outer), onp.arange(3))
    assert z.shape == (2, 3) and w.shape == (3,) and v.shape == (4, 1, 2)
    frames = [(f.name, f.dim, f.size) for f in tr["z"]["cond_indep_stack"]]
    assert frames == [("inner", -2, 2), ("outer", -1, 3)]
    assert tr["z"]["fn"].batch_shape == (2, 3)
    assert tr["v"]["fn"].batch_shape == (4, 1, 2) and tr["v"]["kwargs"]["sample_shape"] == ()


def test_subsample_indices_and_scale():
    def model():
        with plate("data", 10, subsample_size=4) as idx:
            sample("x", dist.Normal(0.0, 1.0))
        return idx

    idx = seed(model, 3)()
    expected = onp.random.default_rng(3).choice(10, 4, replace=False)
    onp.testing.assert_array_equal(arr(idx), expected)
    assert len(set(arr(idx).tolist())) == 4 and set(arr(idx).tolist()) <= set(range(10))
    tr = traced(model, 3)
    assert tr["x"]["value"].shape == (4,) and tr["x"]["scale"] == pytest.approx(2.5)
    onp.testing.assert_array_equal(arr(tr["data"]["value"]), expected)


def test_param_is_subsampled_along_its_plate():
    def model():
        with plate("data", 6, subsample_size=3) as idx:
            return idx, param("p", dnp.arange(12.0).reshape(6, 2), event_dim=1)

    idx, p = seed(model, 1)()
    onp.testing.assert_array_equal(arr(p), onp.arange(12.0).reshape(6, 2)[arr(idx)])


def test_plate_errors():
    with pytest.raises(ValueError, match="does not broadcast"), seed(rng_seed=0), plate("N", 5):
        sample("x", dist.Normal(dnp.zeros(3), 1.0))
    assert _LOCAL.handlers == []
    with pytest.raises(ValueError, match="dim arg must be negative"):
        plate("N", 5, dim=0)
    with pytest.raises(ValueError, match="subsample_size"):
        plate("N", 5, subsample_size=6)
    with pytest.raises(ValueError, match="already used"), plate("a", 2):
        plate("b", 3, dim=-1)
    with pytest.raises(ValueError, match="invalid shape"), plate("N", 5):
        param("p", dnp.zeros(4), event_dim=0)


# --- obs_mask -------------------------------------------------------------------------------------
def test_obs_mask_imputes_the_unobserved_entries():
    obs = dnp.asarray([0.5, -1.0, 2.0, 0.1])
    obs_mask = onp.array([True, False, True, False])

    def model():
        with plate("N", 4):
            return sample("x", dist.Normal(0.0, 1.0), obs=obs, obs_mask=obs_mask)

    tr = traced(model, 2)
    assert list(tr) == ["N", "x_observed", "x_unobserved", "x"]
    assert tr["x_observed"]["is_observed"] and not tr["x_unobserved"]["is_observed"]
    x = arr(tr["x"]["value"])
    onp.testing.assert_array_equal(x[obs_mask], arr(obs)[obs_mask])
    onp.testing.assert_array_equal(x[~obs_mask], arr(tr["x_unobserved"]["value"])[~obs_mask])
    imputed = arr(tr["x_unobserved"]["value"])
    log_joint, _ = log_density(model, (), {}, {"x_unobserved": imputed})
    expected = stats.norm.logpdf(arr(obs)[obs_mask]).sum()
    expected += stats.norm.logpdf(imputed[~obs_mask]).sum()
    assert float(log_joint) == pytest.approx(expected, rel=1e-12)


# --- plain Python control flow --------------------------------------------------------------------
def test_while_loop_with_a_data_dependent_stop():
    def model(threshold):
        total, i = 0.0, 0
        while total < threshold:
            total += float(sample(f"step_{i}", dist.Exponential(1.0)))
            i += 1
        return i

    n = seed(model, 4)(3.0)
    rng, total, expected = dnp.random.default_rng(4), 0.0, 0
    while total < 3.0:
        total += float(dist.Exponential(1.0).sample((), rng))
        expected += 1
    tr = traced(model, 4, 3.0)
    assert n == expected == len(tr) and list(tr) == [f"step_{i}" for i in range(n)]
    log_joint, _ = log_density(model, (3.0,), {}, {k: v["value"] for k, v in tr.items()})
    values = onp.array([float(v["value"]) for v in tr.values()])
    assert float(log_joint) == pytest.approx(stats.expon.logpdf(values).sum(), rel=1e-12)
