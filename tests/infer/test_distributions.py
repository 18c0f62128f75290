"""``dnp.infer.distributions`` against ``scipy.stats``: one table maps each class to its scipy
counterpart, and every check is parametrized over its rows (scalar and batched parameters) and
over float32 and float64."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as onp
import pytest
import scipy.stats as st

import dnp
import dnp.infer
from dnp.infer import constraints, dist

SCIPY = {
    dist.Normal: lambda loc, scale: st.norm(loc, scale),
    dist.HalfNormal: lambda scale: st.halfnorm(scale=scale),
    dist.LogNormal: lambda loc, scale: st.lognorm(scale, scale=onp.exp(loc)),
    dist.Laplace: lambda loc, scale: st.laplace(loc, scale),
    dist.Cauchy: lambda loc, scale: st.cauchy(loc, scale),
    dist.HalfCauchy: lambda scale: st.halfcauchy(scale=scale),
    dist.Logistic: lambda loc, scale: st.logistic(loc, scale),
    dist.Gumbel: lambda loc, scale: st.gumbel_r(loc, scale),
    dist.Uniform: lambda low, high: st.uniform(low, high - low),
    dist.Exponential: lambda rate: st.expon(scale=1 / rate),
    dist.Gamma: lambda concentration, rate: st.gamma(concentration, scale=1 / rate),
    dist.Beta: lambda concentration1, concentration0: st.beta(concentration1, concentration0),
    dist.StudentT: lambda df, loc, scale: st.t(df, loc, scale),
    dist.Chi2: lambda df: st.chi2(df),
    dist.InverseGamma: lambda concentration, rate: st.invgamma(concentration, scale=rate),
    dist.Weibull: lambda scale, concentration: st.weibull_min(concentration, scale=scale),
    dist.Pareto: lambda scale, alpha: st.pareto(alpha, scale=scale),
}


class T(NamedTuple):
    cls: type
    params: dict

    def __repr__(self) -> str:
        shapes = {k: onp.shape(v) for k, v in self.params.items()}
        return f"{self.cls.__name__}-" + ("batched" if any(shapes.values()) else "scalar")


ROWS = [
    T(dist.Normal, {"loc": 0.5, "scale": 2.0}),
    T(dist.Normal, {"loc": [-1.0, 0.0, 3.0], "scale": [[0.5], [2.0]]}),
    T(dist.HalfNormal, {"scale": 1.5}),
    T(dist.HalfNormal, {"scale": [0.3, 1.0, 4.0]}),
    T(dist.LogNormal, {"loc": 0.3, "scale": 0.7}),
    T(dist.LogNormal, {"loc": [-1.0, 0.0, 1.0], "scale": [[0.5], [1.5]]}),
    T(dist.Laplace, {"loc": -0.5, "scale": 1.5}),
    T(dist.Laplace, {"loc": [0.0, 2.0], "scale": [[0.5], [3.0]]}),
    T(dist.Cauchy, {"loc": 0.5, "scale": 2.0}),
    T(dist.Cauchy, {"loc": [-2.0, 1.0], "scale": [0.5, 3.0]}),
    T(dist.HalfCauchy, {"scale": 1.5}),
    T(dist.HalfCauchy, {"scale": [0.5, 2.0, 5.0]}),
    T(dist.Logistic, {"loc": 1.0, "scale": 0.8}),
    T(dist.Logistic, {"loc": [-1.0, 1.0], "scale": [[0.5], [2.0]]}),
    T(dist.Gumbel, {"loc": 0.5, "scale": 1.5}),
    T(dist.Gumbel, {"loc": [-1.0, 2.0], "scale": [0.5, 2.0]}),
    T(dist.Uniform, {"low": -1.0, "high": 2.0}),
    T(dist.Uniform, {"low": [0.0, -3.0], "high": [[1.0], [5.0]]}),
    T(dist.Exponential, {"rate": 2.0}),
    T(dist.Exponential, {"rate": [0.5, 1.0, 3.0]}),
    T(dist.Gamma, {"concentration": 2.5, "rate": 1.5}),
    T(dist.Gamma, {"concentration": [0.5, 1.0, 4.0], "rate": [[0.5], [2.0]]}),
    T(dist.Beta, {"concentration1": 2.0, "concentration0": 3.0}),
    T(dist.Beta, {"concentration1": [0.5, 1.0, 2.5], "concentration0": [[0.7], [3.0]]}),
    T(dist.StudentT, {"df": 5.0, "loc": 0.5, "scale": 2.0}),
    T(dist.StudentT, {"df": [1.5, 3.0, 10.0], "loc": [[0.0], [1.0]], "scale": 0.5}),
    T(dist.Chi2, {"df": 3.0}),
    T(dist.Chi2, {"df": [1.0, 2.0, 7.0]}),
    T(dist.InverseGamma, {"concentration": 4.0, "rate": 2.0}),
    T(dist.InverseGamma, {"concentration": [1.5, 3.0, 6.0], "rate": [[0.5], [2.0]]}),
    T(dist.Weibull, {"scale": 2.0, "concentration": 1.5}),
    T(dist.Weibull, {"scale": [0.5, 3.0], "concentration": [[0.8], [1.0], [4.0]]}),
    T(dist.Pareto, {"scale": 1.5, "alpha": 4.5}),
    T(dist.Pareto, {"scale": [0.5, 2.0], "alpha": [[1.5], [5.0]]}),
]
SCALAR_ROWS = ROWS[::2]
DTYPES = ["float32", "float64"]
# float32 formulas (gammaln, betainc, ...) lose a few digits to cancellation.
RTOL = {"float32": 1e-4, "float64": 1e-9}
ATOL = {"float32": 1e-5, "float64": 0.0}
QUANTILES = onp.array([0.03, 0.2, 0.5, 0.8, 0.97])


def build(row: T, dtype: str = "float64", **kwargs):
    params = {k: dnp.asarray(onp.asarray(v, dtype=dtype)) for k, v in row.params.items()}
    return row.cls(**params, **kwargs)


def reference(row: T):
    return SCIPY[row.cls](**{k: onp.asarray(v, dtype="float64") for k, v in row.params.items()})


def batch_shape(row: T) -> tuple[int, ...]:
    return onp.broadcast_shapes(*(onp.shape(v) for v in row.params.values()))


def points(row: T, dtype: str):
    """Quantiles of each batch member: an array of shape (5,) + batch_shape."""
    q = QUANTILES.reshape((-1,) + (1,) * len(batch_shape(row)))
    return reference(row).ppf(q).astype(dtype)


def close(actual, expected, dtype: str, atol: float = 0.0) -> None:
    actual = onp.asarray(actual)
    assert actual.dtype == onp.dtype(dtype)
    atol = max(atol, ATOL[dtype])
    onp.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=atol)


def test_every_class_has_rows():
    assert {row.cls for row in ROWS} == set(SCIPY)
    assert set(SCIPY) <= {getattr(dist, name) for name in dist.__all__}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_log_prob_cdf_icdf(row, dtype, device):
    d, ref, x = build(row, dtype), reference(row), points(row, dtype)
    assert d.batch_shape == batch_shape(row) and d.event_shape == ()
    close(d.log_prob(dnp.asarray(x)), ref.logpdf(x), dtype)
    close(d.cdf(dnp.asarray(x)), ref.cdf(x), dtype)
    q = onp.broadcast_to(QUANTILES.reshape((-1,) + (1,) * len(d.batch_shape)), x.shape)
    close(d.icdf(dnp.asarray(q.astype(dtype))), ref.ppf(q), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_moments_and_entropy(row, dtype, device):
    d, ref = build(row, dtype), reference(row)
    for actual, expected in [
        (d.mean, ref.mean()),
        (d.variance, ref.var()),
        (d.stddev, ref.std()),
        (d.entropy(), ref.entropy()),
    ]:
        assert actual.shape == d.batch_shape
        close(actual, onp.broadcast_to(expected, d.batch_shape), dtype)


def support_edges(row: T) -> tuple[list, list]:
    """The finite ends of the support, and points just outside them."""
    lower, upper = reference(row).support()
    lower, upper = (
        onp.broadcast_to(lower, batch_shape(row)),
        onp.broadcast_to(upper, batch_shape(row)),
    )
    edges = [end for end in (lower, upper) if onp.all(onp.isfinite(end))]
    outside = [lower - 1] if onp.all(onp.isfinite(lower)) else []
    outside += [upper + 1] if onp.all(onp.isfinite(upper)) else []
    return edges, outside


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_log_prob_edges_and_outside(row, dtype, device):
    d, ref = build(row, dtype), reference(row)
    edges, outside = support_edges(row)
    for x in edges:
        close(d.log_prob(dnp.asarray(x.astype(dtype))), ref.logpdf(x), dtype)
        close(d.cdf(dnp.asarray(x.astype(dtype))), ref.cdf(x), dtype)
    checked = build(row, dtype, validate_args=True)
    for x in outside:
        lp = onp.asarray(d.log_prob(dnp.asarray(x.astype(dtype))))
        assert lp.dtype == onp.dtype(dtype) and onp.all(lp == -onp.inf)
        close(d.cdf(dnp.asarray(x.astype(dtype))), ref.cdf(x), dtype)
        with pytest.raises(ValueError, match="outside the support"):
            checked.log_prob(dnp.asarray(x.astype(dtype)))
    if d.support is constraints.real:
        with pytest.raises(ValueError, match="outside the support"):
            checked.log_prob(math.inf)
    checked.log_prob(dnp.asarray(points(row, dtype)))  # inside: no error


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_sample_shape_and_dtype(row, dtype, device):
    d = build(row, dtype)
    for sample_shape in [(), (5,), (4, 2)]:
        x = d.sample(sample_shape, rng=0)
        assert x.shape == sample_shape + d.batch_shape and x.dtype == onp.dtype(dtype)
    assert d.shape((3,)) == (3,) + d.batch_shape
    assert d.has_rsample


N_GOF = 100_000


@pytest.mark.parametrize("row", SCALAR_ROWS, ids=repr)
def test_sample_goodness_of_fit(row, device):
    """A KS test at a fixed seed accepts the sampler and rejects one 5% too wide."""
    x = onp.asarray(build(row).sample((N_GOF,), rng=dnp.random.default_rng(1234)))
    cdf = reference(row).cdf
    assert st.kstest(x, cdf).pvalue > 1e-3
    assert st.kstest(x * 1.05, cdf).pvalue < 1e-3


def test_sample_rng_forms(device):
    d = dist.Normal(0.0, 1.0)
    a = onp.asarray(d.sample((3,), rng=7))
    b = onp.asarray(d.sample((3,), rng=dnp.random.default_rng(7)))
    onp.testing.assert_array_equal(a, b)
    assert d.sample((3,)).shape == (3,)


def test_dist_is_distributions():
    assert dnp.infer.dist is dnp.infer.distributions


def test_python_params_default_to_float64(device):
    assert dist.Gamma(2, 1).mean.dtype == dnp.float64
    assert dist.Normal(0.0, dnp.ones(2, dtype=dnp.float32)).mean.dtype == dnp.float32


N_GRAD = 200_000
# f(x) with a finite E[f(X)] (and a finite-variance pathwise estimator) for each scalar row, and
# that expectation from scipy: x by default; x^2 where E[x] does not move with the scale
# (symmetric location-scale families); arctan for the Cauchy families (no mean).
SQUARE = (dnp.square, lambda ref: ref.moment(2))
ARCTAN = (dnp.arctan, lambda ref: ref.expect(onp.arctan, epsabs=1e-12, epsrel=1e-12))
EXPECT = {
    dist.Normal: SQUARE,
    dist.Laplace: SQUARE,
    dist.Logistic: SQUARE,
    dist.StudentT: SQUARE,
    dist.Cauchy: ARCTAN,
    dist.HalfCauchy: ARCTAN,
}
IDENTITY = (lambda x: x, lambda ref: ref.mean())


@pytest.mark.parametrize("row", SCALAR_ROWS, ids=repr)
def test_reparameterized_gradient(row, device):
    """d/dtheta of a Monte Carlo mean of f(samples) matches central differences of the exact
    E[f(X)], at a fixed seed."""
    f, expectation = EXPECT.get(row.cls, IDENTITY)

    def mc(params):
        x = row.cls(**params).sample((N_GRAD,), rng=dnp.random.default_rng(5))
        return dnp.mean(f(x))

    params = {k: dnp.asarray(float(v)) for k, v in row.params.items()}
    grads = dnp.autograd.grad_fn(mc)(params)
    for name, value in row.params.items():
        h = 1e-4 * abs(value)
        hi, lo = dict(row.params, **{name: value + h}), dict(row.params, **{name: value - h})
        expected = (expectation(SCIPY[row.cls](**hi)) - expectation(SCIPY[row.cls](**lo))) / (2 * h)
        assert float(grads[name]) == pytest.approx(expected, rel=0.03, abs=0.01), name


def test_normal_gradients_analytic(device):
    """d/dloc E[x] = 1 and d/dscale E[x^2] = 2 scale."""
    loc, scale = dnp.asarray(0.7), dnp.asarray(1.3)

    def moment(loc, scale, power):
        x = dist.Normal(loc, scale).sample((N_GRAD,), rng=3)
        return dnp.mean(x**power)

    assert float(dnp.autograd.grad_fn(moment, 0)(loc, scale, 1)) == pytest.approx(1.0, rel=1e-9)
    d_scale = dnp.autograd.grad_fn(moment, 1)(dnp.asarray(0.0), scale, 2)
    assert float(d_scale) == pytest.approx(2 * 1.3, rel=0.01)


def bad_value(row: T, name: str):
    if row.cls is dist.Uniform and name == "high":
        return row.params["low"] - 1.0
    constraint = row.cls.arg_constraints[name]
    return math.inf if constraint is constraints.real else -1.0


BAD = [(row, name) for row in SCALAR_ROWS for name in row.params]


@pytest.mark.parametrize(("row", "name"), BAD, ids=[f"{r!r}-{n}" for r, n in BAD])
def test_validate_args_rejects_each_bad_parameter(row, name, device):
    params = dict(row.params, **{name: bad_value(row, name)})
    with pytest.raises(ValueError, match=f"^{row.cls.__name__} .* invalid {name} parameter"):
        row.cls(**params, validate_args=True)
    row.cls(**params, validate_args=False)  # off: no check
    row.cls(**row.params, validate_args=True)


def test_enable_validation_is_global(device):
    assert not dist.is_validation_enabled()
    dist.enable_validation(True)
    try:
        with pytest.raises(ValueError, match="invalid scale parameter"):
            dist.Normal(0.0, -1.0)
        with pytest.raises(ValueError, match="outside the support"):
            dist.Exponential(1.0).log_prob(-1.0)
        dist.Normal(0.0, -1.0, validate_args=False)
    finally:
        dist.enable_validation(False)
    dist.Normal(0.0, -1.0)


def test_lognormal_is_a_transformed_normal(device):
    d = dist.LogNormal(0.3, 0.7)
    assert isinstance(d, dist.TransformedDistribution) and d.support is constraints.positive
    assert isinstance(d.base_dist, dist.Normal)


def test_validate_args_checks_every_batch_member(device):
    with pytest.raises(ValueError, match="invalid rate parameter"):
        dist.Gamma(dnp.ones(3), dnp.asarray([1.0, 0.0, 2.0]), validate_args=True)
    with pytest.raises(ValueError, match="invalid high parameter"):
        dist.Uniform(dnp.zeros(2), dnp.asarray([1.0, -1.0]), validate_args=True)


@pytest.mark.parametrize("cls", [dist.Gamma, dist.Beta, dist.StudentT])
def test_float32_gradient_stays_float32(cls, device):
    row = next(r for r in SCALAR_ROWS if r.cls is cls)
    params = {k: dnp.asarray(v, dtype=dnp.float32) for k, v in row.params.items()}
    grads = dnp.autograd.grad_fn(lambda p: dnp.mean(cls(**p).sample((1000,), rng=0)))(params)
    assert all(g.dtype == dnp.float32 and onp.isfinite(float(g)) for g in grads.values())
