"""The discrete families of ``dnp.infer.distributions`` against ``scipy.stats`` (a hand-written
reference for Categorical, OneHotCategorical and ZeroInflatedPoisson): log_prob in and outside
the support, moments, entropy, extreme logits, chi-square goodness of fit of ``sample`` (shown to
reject a sampler with a 5% wrong parameter), shapes and ``validate_args``."""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as onp
import pytest
import scipy.stats as st
from scipy.special import expit, softmax

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.discrete import (
    Bernoulli,
    BernoulliLogits,
    BernoulliProbs,
    Categorical,
    Geometric,
    OneHotCategorical,
)
from dnp.infer.distributions.discrete_counts import (
    BetaBinomial,
    Binomial,
    Multinomial,
    NegativeBinomial,
    NegativeBinomial2,
    NegativeBinomialLogits,
    NegativeBinomialProbs,
    Poisson,
    ZeroInflatedPoisson,
)


class _ZIP:
    """Hand-written ZeroInflatedPoisson(gate, rate) reference."""

    def __init__(self, gate, rate):
        self.gate, self.poisson = onp.asarray(gate), st.poisson(rate)

    def logpmf(self, k):
        pmf = (1 - self.gate) * self.poisson.pmf(k) + self.gate * (onp.asarray(k) == 0)
        with onp.errstate(divide="ignore"):
            return onp.log(pmf)

    def mean(self):
        return (1 - self.gate) * self.poisson.mean()

    def var(self):
        rate = self.poisson.mean()
        return (1 - self.gate) * rate * (1 + self.gate * rate)


class _Categorical:
    """Hand-written Categorical(p) reference over {0, ..., K-1} (p's last axis)."""

    def __init__(self, p):
        self.p = onp.asarray(p)

    def logpmf(self, k):
        k = onp.asarray(k)
        kk = onp.clip(onp.nan_to_num(k), 0, self.p.shape[-1] - 1).astype(int)[..., None]
        shape = onp.broadcast_shapes(kk.shape[:-1], self.p.shape[:-1])
        p = onp.take_along_axis(onp.broadcast_to(self.p, shape + self.p.shape[-1:]), kk, -1)
        inside = (k >= 0) & (k < self.p.shape[-1]) & (k % 1 == 0)
        with onp.errstate(divide="ignore"):
            return onp.where(inside, onp.log(p[..., 0]), -math.inf)

    def entropy(self):
        with onp.errstate(divide="ignore", invalid="ignore"):
            return -onp.sum(onp.where(self.p > 0, self.p * onp.log(self.p), 0), -1)


def sigmoid(x):
    return expit(onp.asarray(x, dtype="float64"))


class Row(NamedTuple):
    name: str
    make: object  # the class or factory
    params: dict
    ref: object  # float64 numpy params -> scipy-like frozen distribution

    def __repr__(self) -> str:
        return self.name


P = [0.1, 0.5, 0.85]
L = [-2.0, 0.3, 1.7]
ROWS = [
    Row("Bernoulli-probs", Bernoulli, {"probs": 0.3}, lambda probs: st.bernoulli(probs)),
    Row("Bernoulli-probs-b", Bernoulli, {"probs": P}, lambda probs: st.bernoulli(probs)),
    Row(
        "Bernoulli-logits",
        Bernoulli,
        {"logits": -0.4},
        lambda logits: st.bernoulli(sigmoid(logits)),
    ),
    Row(
        "Bernoulli-logits-b", Bernoulli, {"logits": L}, lambda logits: st.bernoulli(sigmoid(logits))
    ),
    Row(
        "Binomial-probs",
        Binomial,
        {"total_count": 6, "probs": 0.35},
        lambda total_count, probs: st.binom(total_count, probs),
    ),
    Row(
        "Binomial-probs-b",
        Binomial,
        {"total_count": [[3], [8]], "probs": P},
        lambda total_count, probs: st.binom(total_count, probs),
    ),
    Row(
        "Binomial-logits",
        Binomial,
        {"total_count": 5, "logits": 0.6},
        lambda total_count, logits: st.binom(total_count, sigmoid(logits)),
    ),
    Row(
        "Binomial-logits-b",
        Binomial,
        {"total_count": [4, 9, 2], "logits": L},
        lambda total_count, logits: st.binom(total_count, sigmoid(logits)),
    ),
    Row("Poisson", Poisson, {"rate": 2.5}, lambda rate: st.poisson(rate)),
    Row("Poisson-b", Poisson, {"rate": [0.3, 1.0, 7.5]}, lambda rate: st.poisson(rate)),
    Row("Geometric-probs", Geometric, {"probs": 0.3}, lambda probs: st.geom(probs, loc=-1)),
    Row("Geometric-probs-b", Geometric, {"probs": P}, lambda probs: st.geom(probs, loc=-1)),
    Row(
        "Geometric-logits",
        Geometric,
        {"logits": -0.5},
        lambda logits: st.geom(sigmoid(logits), loc=-1),
    ),
    Row(
        "Geometric-logits-b",
        Geometric,
        {"logits": L},
        lambda logits: st.geom(sigmoid(logits), loc=-1),
    ),
    Row(
        "NegativeBinomial-probs",
        NegativeBinomial,
        {"total_count": 2.5, "probs": 0.4},
        lambda total_count, probs: st.nbinom(total_count, 1 - probs),
    ),
    Row(
        "NegativeBinomial-probs-b",
        NegativeBinomial,
        {"total_count": [[1.0], [4.5]], "probs": P},
        lambda total_count, probs: st.nbinom(total_count, 1 - probs),
    ),
    Row(
        "NegativeBinomial-logits",
        NegativeBinomial,
        {"total_count": 3.0, "logits": -0.3},
        lambda total_count, logits: st.nbinom(total_count, 1 - sigmoid(logits)),
    ),
    Row(
        "NegativeBinomial-logits-b",
        NegativeBinomial,
        {"total_count": 1.5, "logits": L},
        lambda total_count, logits: st.nbinom(total_count, 1 - sigmoid(logits)),
    ),
    Row(
        "NegativeBinomial2",
        NegativeBinomial2,
        {"mean": 3.0, "concentration": 2.0},
        lambda mean, concentration: st.nbinom(
            concentration, concentration / (concentration + mean)
        ),
    ),
    Row(
        "NegativeBinomial2-b",
        NegativeBinomial2,
        {"mean": [0.5, 3.0, 8.0], "concentration": 1.5},
        lambda mean, concentration: st.nbinom(
            concentration, concentration / (concentration + mean)
        ),
    ),
    Row(
        "BetaBinomial",
        BetaBinomial,
        {"concentration1": 2.0, "concentration0": 3.0, "total_count": 7},
        lambda concentration1, concentration0, total_count: st.betabinom(
            total_count, concentration1, concentration0
        ),
    ),
    Row(
        "BetaBinomial-b",
        BetaBinomial,
        {"concentration1": [0.5, 2.0, 4.0], "concentration0": [[0.7], [3.0]], "total_count": 5},
        lambda concentration1, concentration0, total_count: st.betabinom(
            total_count, concentration1, concentration0
        ),
    ),
    Row(
        "ZeroInflatedPoisson",
        ZeroInflatedPoisson,
        {"gate": 0.3, "rate": 2.0},
        lambda gate, rate: _ZIP(gate, rate),
    ),
    Row(
        "ZeroInflatedPoisson-b",
        ZeroInflatedPoisson,
        {"gate": [0.0, 0.2, 0.9], "rate": [[0.5], [4.0]]},
        lambda gate, rate: _ZIP(gate, rate),
    ),
    Row(
        "Categorical-probs",
        Categorical,
        {"probs": [0.2, 0.0, 0.3, 0.5]},
        lambda probs: _Categorical(probs),
    ),
    Row(
        "Categorical-logits",
        Categorical,
        {"logits": [1.0, -0.5, 0.2]},
        lambda logits: _Categorical(softmax(logits)),
    ),
]
SCALAR_ROWS = [row for row in ROWS if not row.name.endswith("-b")]
BATCH_ROWS = [row for row in ROWS if row.name.endswith("-b")]
CATEGORICAL = {"Categorical-probs", "Categorical-logits"}
DTYPES = ["float32", "float64"]
RTOL = {"float32": 2e-4, "float64": 1e-9}
ATOL = {"float32": 1e-5, "float64": 1e-12}


def build(row: Row, dtype: str = "float64", wrong: bool = False, **kwargs):
    """The row's distribution; ``wrong``: its success probability (rate, mean, first category's
    probability) 5% too high."""
    params = {k: onp.asarray(v, dtype="float64") for k, v in row.params.items()}
    if wrong:
        key = next(k for k in ("probs", "rate", "logits", "mean", "concentration1") if k in params)
        value = params[key]
        if key == "logits" and value.ndim:  # Categorical: first category's odds * 1.05
            value = value + onp.log(1.05) * (onp.arange(value.shape[-1]) == 0)
        elif key == "logits":  # probability * 1.05
            q = 1.05 * expit(value)
            value = onp.log(q) - onp.log1p(-q)
        elif key == "probs" and value.ndim:  # Categorical: 5% of the last moved to the first
            shift = 0.05 * value[0]
            value = (
                value
                + shift * (onp.arange(value.size) == 0)
                - shift * (onp.arange(value.size) == value.size - 1)
            )
        else:
            value = value * 1.05
        params[key] = value
    params = {k: dnp.asarray(v.astype(dtype)) for k, v in params.items()}
    return row.make(**params, **kwargs)


def reference(row: Row):
    return row.ref(**{k: onp.asarray(v, dtype="float64") for k, v in row.params.items()})


def batch_ndim(row: Row) -> int:
    if row.name in CATEGORICAL:
        return 0
    return len(onp.broadcast_shapes(*(onp.shape(v) for v in row.params.values())))


def check(actual, expected, dtype: str) -> None:
    actual = onp.asarray(actual)
    assert actual.dtype == onp.dtype(dtype)
    onp.testing.assert_allclose(actual, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


# Points in the support, past its ends, and off the integers.
POINTS = onp.array([-3.0, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 1.5, 2.25])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_log_prob(row, dtype, device):
    d = build(row, dtype)
    points = POINTS.reshape((-1,) + (1,) * batch_ndim(row))
    with onp.errstate(divide="ignore"):
        expected = reference(row).logpmf(points)
    expected = onp.where(points % 1 == 0, expected, -math.inf)
    actual = d.log_prob(dnp.asarray(points.astype(dtype)))
    assert actual.shape == expected.shape
    finite = onp.isfinite(expected)
    assert onp.array_equal(onp.isfinite(onp.asarray(actual)), finite)
    assert onp.all(onp.asarray(actual)[~finite] == -math.inf)
    check(onp.where(finite, actual, 0), onp.where(finite, expected, 0), dtype)
    # Integer values give the same result.
    ints = dnp.asarray(onp.array([0, 1, 2, 3]).reshape((-1,) + (1,) * batch_ndim(row)))
    onp.testing.assert_allclose(
        onp.asarray(d.log_prob(ints)), reference(row).logpmf(onp.asarray(ints)), rtol=RTOL[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", [r for r in ROWS if r.name not in CATEGORICAL], ids=repr)
def test_moments(row, dtype, device):
    d, ref = build(row, dtype), reference(row)
    shape = onp.broadcast_shapes(*(onp.shape(v) for v in row.params.values()))
    assert d.batch_shape == shape and d.event_shape == ()
    check(d.mean, onp.broadcast_to(ref.mean(), shape), dtype)
    check(d.variance, onp.broadcast_to(ref.var(), shape), dtype)
    assert d.has_rsample is False
    assert d.support.is_discrete


ENTROPY = [r for r in ROWS if r.name.split("-")[0] in ("Bernoulli", "Geometric", "Categorical")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", ENTROPY, ids=repr)
def test_entropy(row, dtype, device):
    check(build(row, dtype).entropy(), reference(row).entropy(), dtype)


def test_categorical_batched_and_moments(device):
    p = onp.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    with onp.errstate(divide="ignore"):
        logits = onp.log(p)
    for d in (Categorical(probs=dnp.asarray(p)), Categorical(logits=dnp.asarray(logits))):
        assert d.batch_shape == (2,) and d.event_shape == ()
        k = onp.array([[-1.0], [0.0], [1.0], [2.0], [3.0], [0.5]])
        check(d.log_prob(dnp.asarray(k)), _Categorical(p).logpmf(k), "float64")
        check(d.entropy(), _Categorical(p).entropy(), "float64")
        assert onp.all(onp.isnan(onp.asarray(d.mean))) and d.mean.shape == (2,)
        assert d.enumerate_support().shape == (3, 2)
        assert isinstance(d.support, constraints.integer_interval)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_one_hot_categorical(param, dtype, device):
    p = onp.array([[0.1, 0.2, 0.7], [0.25, 0.25, 0.5]])
    value = p if param == "probs" else onp.log(p) + 3.0
    d = OneHotCategorical(**{param: dnp.asarray(value.astype(dtype))})
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = onp.eye(3)[:, None, :]  # (3, 1, 3): each category against the batch
    check(d.log_prob(dnp.asarray(x.astype(dtype))), onp.log(p).T, dtype)
    bad = onp.array([[1.0, 1.0, 0.0], [0.5, 0.5, 0.0]])
    assert onp.all(onp.asarray(d.log_prob(dnp.asarray(bad))) == -math.inf)
    check(d.mean, p, dtype)
    check(d.variance, p * (1 - p), dtype)
    check(d.entropy(), _Categorical(p).entropy(), dtype)
    s = d.sample((4000,), 0)
    assert s.shape == (4000, 2, 3) and onp.all(onp.asarray(s).sum(-1) == 1)
    onp.testing.assert_allclose(onp.asarray(s).mean(0), p, atol=0.03)
    assert d.enumerate_support().shape == (3, 2, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_multinomial(param, dtype, device):
    p = onp.array([0.2, 0.3, 0.5])
    n = onp.array([[4.0], [6.0]])
    value = p if param == "probs" else onp.log(p) - 1.0
    d = Multinomial(dnp.asarray(n.astype(dtype)), **{param: dnp.asarray(value.astype(dtype))})
    assert d.batch_shape == (2, 1) and d.event_shape == (3,)
    x = onp.array([[1.0, 1.0, 2.0], [2.0, 2.0, 2.0], [0.0, 0.0, 4.0]])[:, None, None, :]
    expected = onp.array(
        [[[st.multinomial(int(m), p).logpmf(xi[0, 0]) for m in n[:, 0]]] for xi in x]
    ).transpose(0, 2, 1)
    lp = onp.asarray(d.log_prob(dnp.asarray(x.astype(dtype))))
    assert lp.shape == (3, 2, 1)
    finite = onp.isfinite(expected)
    assert onp.array_equal(onp.isfinite(lp), finite)
    check(onp.where(finite, lp, 0), onp.where(finite, expected, 0), dtype)
    off = onp.array([[1.5, 0.5, 2.0], [-1.0, 3.0, 2.0]])[:, None, None, :]
    assert onp.all(onp.asarray(d.log_prob(dnp.asarray(off))) == -math.inf)
    check(d.mean, n[..., None] * p, dtype)
    check(d.variance, n[..., None] * p * (1 - p), dtype)
    s = onp.asarray(d.sample((5,), 0))
    assert s.shape == (5, 2, 1, 3) and onp.array_equal(s.sum(-1), onp.broadcast_to(n, (5, 2, 1)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits(dtype, device):
    big = dnp.asarray(onp.array([1000.0, -1000.0], dtype=dtype))
    x = dnp.asarray(onp.array([[0.0], [1.0]], dtype=dtype))
    # log p(x) -> x l - max(l, 0) as |l| -> inf: 0 at the favoured outcome, -1000 else.
    check(Bernoulli(logits=big).log_prob(x), [[-1000.0, 0.0], [0.0, -1000.0]], dtype)
    check(Bernoulli(logits=big).entropy(), [0.0, 0.0], dtype)
    k = dnp.asarray(onp.array([[0.0], [2.0], [3.0]], dtype=dtype))
    log_c = onp.log([[1.0], [3.0], [1.0]])
    expected = log_c + onp.array([[0.0], [2.0], [3.0]]) * [0.0, -1000.0]
    expected += (3 - onp.array([[0.0], [2.0], [3.0]])) * [-1000.0, 0.0]
    check(Binomial(3, logits=big).log_prob(k), expected, dtype)
    check(
        Geometric(logits=big).log_prob(k),
        [[0.0, -1000.0], [-2000.0, -1000.0], [-3000, -1000]],
        dtype,
    )
    check(Geometric(logits=big).entropy(), [0.0, 1001.0], dtype)
    nb = NegativeBinomial(2.0, logits=big).log_prob(k)
    check(
        nb, onp.log([[1.0], [3.0], [4.0]]) + onp.asarray(k) * [0.0, -1000.0] + [-2000.0, 0.0], dtype
    )
    logits = dnp.asarray(onp.array([0.0, 1000.0, -1000.0], dtype=dtype))
    check(
        Categorical(logits=logits).log_prob(dnp.asarray([0, 1, 2])), [-1000.0, 0.0, -2000.0], dtype
    )
    check(Categorical(logits=logits).entropy(), 0.0, dtype)
    check(Multinomial(2, logits=logits).log_prob(dnp.asarray([0, 2, 0])), 0.0, dtype)
    check(
        Multinomial(2, logits=logits).log_prob(dnp.asarray([1, 1, 0])), math.log(2) - 1000.0, dtype
    )
    for d in (Bernoulli(probs=dnp.asarray([0.0, 1.0])), Geometric(probs=1.0)):
        assert onp.all(onp.isfinite(onp.asarray(d.entropy())))


# --- goodness of fit --------------------------------------------------------------------------

N_DRAWS = 40_000
GOF_ROWS = [r for r in SCALAR_ROWS if r.name not in CATEGORICAL] + [
    r for r in ROWS if r.name in CATEGORICAL
]


def chi_square_pvalue(draws, ref) -> float:
    """Pearson chi-square of integer ``draws`` against ``ref.logpmf`` over the bins
    {0, ..., m} and the tail > m (m where fewer than 5 draws are expected beyond)."""
    draws = onp.asarray(draws).ravel()
    ks = onp.arange(0, 200)
    pmf = onp.exp(ref.logpmf(ks))
    keep = pmf * draws.size >= 5
    bins = ks[keep]
    observed = onp.array([onp.sum(draws == k) for k in bins], dtype=float)
    expected = pmf[keep] * draws.size
    rest_obs = draws.size - observed.sum()
    rest_exp = draws.size - expected.sum()
    if rest_exp >= 5:
        observed, expected = onp.append(observed, rest_obs), onp.append(expected, rest_exp)
    elif rest_obs > 10:
        return 0.0
    return float(st.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue)


@pytest.mark.parametrize("row", GOF_ROWS, ids=repr)
def test_sample_goodness_of_fit(row, device):
    d = build(row)
    draws = d.sample((N_DRAWS,), 1234)
    assert draws.shape == (N_DRAWS,) and onp.issubdtype(onp.asarray(draws).dtype, onp.integer)
    assert chi_square_pvalue(draws, reference(row)) > 1e-3
    # The same check rejects a sampler whose parameter is 5% off.
    wrong = build(row, wrong=True).sample((N_DRAWS,), 1234)
    assert chi_square_pvalue(wrong, reference(row)) < 1e-3


def test_sample_deterministic(device):
    d = Binomial(10, probs=dnp.asarray([0.2, 0.7]))
    assert onp.array_equal(onp.asarray(d.sample((50,), 7)), onp.asarray(d.sample((50,), 7)))
    rng = dnp.random.default_rng(3)
    assert d.sample((50,), rng).shape == (50, 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("row", BATCH_ROWS, ids=repr)
def test_sample_shape_and_batched_fit(row, dtype, device):
    d = build(row, dtype)
    s = onp.asarray(d.sample((3, 2), 0))
    assert s.shape == (3, 2) + d.batch_shape
    assert onp.issubdtype(s.dtype, onp.integer)
    assert onp.all(onp.asarray(d.support(dnp.asarray(s))))
    draws = onp.asarray(d.sample((8000,), 5))
    ref_mean = onp.broadcast_to(reference(row).mean(), d.batch_shape)
    ref_sd = onp.sqrt(onp.broadcast_to(reference(row).var(), d.batch_shape))
    onp.testing.assert_allclose(draws.mean(0), ref_mean, atol=float(5 * ref_sd.max() / 89))


def test_enumerate_support(device):
    assert onp.array_equal(Bernoulli(probs=0.3).enumerate_support(), [0, 1])
    e = Binomial(3, probs=dnp.asarray([0.2, 0.5])).enumerate_support()
    assert e.shape == (4, 2) and onp.array_equal(onp.asarray(e)[:, 1], [0, 1, 2, 3])
    assert BetaBinomial(1.0, 2.0, 4).enumerate_support(expand=False).shape == (5,)


# --- factories and validation -----------------------------------------------------------------


def test_factories_pick_classes():
    assert isinstance(Bernoulli(probs=0.2), BernoulliProbs)
    assert isinstance(Bernoulli(logits=0.2), BernoulliLogits)
    assert isinstance(NegativeBinomial(2.0, probs=0.2), NegativeBinomialProbs)
    assert isinstance(NegativeBinomial(2.0, logits=0.2), NegativeBinomialLogits)
    check(Bernoulli(logits=0.0).probs, 0.5, "float64")


FACTORIES = [Bernoulli, Categorical, OneHotCategorical, Geometric]


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_exactly_one_of_probs_logits(factory):
    with pytest.raises(ValueError):
        factory(probs=[0.5, 0.5], logits=[0.0, 0.0])
    with pytest.raises(ValueError):
        factory()
    for count_factory in (Binomial, Multinomial):
        with pytest.raises(ValueError):
            count_factory(2, probs=[0.5, 0.5], logits=[0.0, 0.0])
    with pytest.raises(ValueError):
        NegativeBinomial(2.0, probs=0.5, logits=0.0)


BAD_PARAMS = [
    (Bernoulli, {"probs": 1.5}),
    (Bernoulli, {"probs": [0.5, -0.1]}),
    (Binomial, {"total_count": 3, "probs": 1.2}),
    (Binomial, {"total_count": -1, "probs": 0.5}),
    (Binomial, {"total_count": 2.5, "logits": 0.0}),
    (Poisson, {"rate": -1.0}),
    (Poisson, {"rate": [1.0, 0.0]}),
    (Geometric, {"probs": -0.2}),
    (Categorical, {"probs": [0.5, 0.6]}),
    (Categorical, {"probs": [-0.5, 1.5]}),
    (OneHotCategorical, {"probs": [0.2, 0.2]}),
    (Multinomial, {"total_count": 3, "probs": [0.3, 0.3]}),
    (NegativeBinomial, {"total_count": -2.0, "probs": 0.5}),
    (NegativeBinomial, {"total_count": 2.0, "probs": 1.5}),
    (NegativeBinomial2, {"mean": -1.0, "concentration": 1.0}),
    (BetaBinomial, {"concentration1": -1.0, "concentration0": 1.0, "total_count": 2}),
    (ZeroInflatedPoisson, {"gate": 1.2, "rate": 1.0}),
    (ZeroInflatedPoisson, {"gate": 0.2, "rate": -1.0}),
]


@pytest.mark.parametrize(("make", "params"), BAD_PARAMS)
def test_validate_args_bad_params(make, params, device):
    with pytest.raises(ValueError):
        make(**params, validate_args=True)
    make(**params, validate_args=False)  # unchecked without validation


@pytest.mark.parametrize("row", SCALAR_ROWS, ids=repr)
def test_validate_args_outside_support(row, device):
    d = build(row, validate_args=True)
    for bad in (-1.0, 1.5):
        with pytest.raises(ValueError):
            d.log_prob(bad)
    d.log_prob(0.0)


GRAD_ROWS = SCALAR_ROWS


@pytest.mark.parametrize("row", GRAD_ROWS, ids=repr)
def test_log_prob_gradient(row, device):
    """d/dparams of sum_k log p(k) over points in the support, against central differences."""
    names = [k for k in row.params if k != "total_count"]
    points = dnp.asarray(onp.array([0.0, 1.0, 2.0]) if row.name not in CATEGORICAL else [0, 2])
    points = points[:2] if row.make is Bernoulli else points
    fixed = {k: v for k, v in row.params.items() if k not in names}

    def f(params):
        return dnp.sum(row.make(**params, **fixed).log_prob(points))

    params = {k: dnp.asarray(onp.asarray(row.params[k], dtype="float64")) for k in names}
    grads = dnp.autograd.grad_fn(f)(params)
    for k in names:
        base = onp.asarray(row.params[k], dtype="float64")
        numeric = onp.zeros_like(base)
        for i in onp.ndindex(base.shape):
            if row.name == "Categorical-probs" and base[i] == 0:
                continue
            step = onp.zeros_like(base)
            step[i] = 1e-6
            hi = float(f({**params, k: dnp.asarray(base + step)}))
            lo = float(f({**params, k: dnp.asarray(base - step)}))
            numeric[i] = (hi - lo) / 2e-6
        grad = onp.asarray(grads[k])
        if row.name == "Categorical-probs":
            grad = onp.where(base == 0, 0.0, grad)
        onp.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [2, 3])
def test_multinomial_support_enumeration(k, device):
    # The probabilities of all outcomes of a small multinomial sum to one.
    p = dnp.asarray(onp.linspace(1.0, 2.0, k) / onp.linspace(1.0, 2.0, k).sum())
    d = Multinomial(3, probs=p)
    outcomes = [o for o in itertools.product(range(4), repeat=k) if sum(o) == 3]
    total = onp.exp(onp.asarray(d.log_prob(dnp.asarray(onp.array(outcomes, dtype=float))))).sum()
    assert abs(total - 1) < 1e-12


def test_probs_logits_views(device):
    p = onp.array([0.2, 0.5, 0.9])
    lg = onp.log(p) - onp.log1p(-p)
    for make in (
        lambda **kw: Bernoulli(**kw),
        lambda **kw: Binomial(4, **kw),
        lambda **kw: Geometric(**kw),
        lambda **kw: NegativeBinomial(2.0, **kw),
    ):
        check(make(probs=dnp.asarray(p)).logits, lg, "float64")
        check(make(logits=dnp.asarray(lg)).probs, p, "float64")
    q = onp.array([0.2, 0.3, 0.5])
    check(Multinomial(3, logits=dnp.asarray(onp.log(q))).probs, q, "float64")
    check(Categorical(probs=dnp.asarray(q)).logits, onp.log(q), "float64")
