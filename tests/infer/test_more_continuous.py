"""VonMises, TruncatedNormal, RelaxedBernoulli, RelaxedOneHotCategorical and MixtureSameFamily
(``dnp.infer.distributions.continuous_more``) against scipy.stats and hand-written NumPy
references: densities, cdfs, moments, sample shapes, goodness of fit, pathwise gradients,
float32 and argument validation."""

from __future__ import annotations

import math

import numpy as onp
import pytest
import scipy.integrate as si
import scipy.special as sp
import scipy.stats as st

import dnp
from dnp.infer import dist
from dnp.infer.distributions.continuous_more import (
    MixtureSameFamily,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
    TruncatedNormal,
    VonMises,
)

N_GOF = 20_000
N_GRAD = 200_000


def a(x):
    return onp.asarray(x)


def ks_pair(x, cdf):
    """The KS p-value of the draws and of the draws scaled by 1.05 (a slightly wrong sampler)."""
    return st.kstest(x, cdf).pvalue, st.kstest(x * 1.05, cdf).pvalue


# --- VonMises --------------------------------------------------------------------------------


def vm_ref(loc, k):
    return st.vonmises(k, loc=loc)


@pytest.mark.parametrize(
    "loc, k", [(0.5, 2.0), ([-1.0, 0.0, 2.5], [[0.1], [1.0], [50.0]])], ids=["scalar", "batched"]
)
def test_von_mises_log_prob_moments(loc, k, device):
    d = VonMises(dnp.asarray(loc), dnp.asarray(k))
    x = onp.linspace(-3.1, 3.1, 7).reshape((7,) + (1,) * len(d.batch_shape))
    expected = vm_ref(onp.asarray(loc), onp.asarray(k)).logpdf(x)
    # scipy's density is 2 pi periodic too, so any x in [-pi, pi) compares directly.
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(x))), expected, rtol=1e-10, atol=1e-10)
    kk = onp.asarray(k, dtype=float)
    onp.testing.assert_allclose(a(d.mean), onp.broadcast_to(loc, d.batch_shape))
    var = 1 - sp.i1e(kk) / sp.i0e(kk)
    onp.testing.assert_allclose(a(d.variance), onp.broadcast_to(var, d.batch_shape), rtol=1e-12)
    ent = vm_ref(onp.asarray(loc), kk).entropy()
    onp.testing.assert_allclose(a(d.entropy()), onp.broadcast_to(ent, d.batch_shape), rtol=1e-9)
    s = d.sample((4, 5), rng=0)
    assert s.shape == (4, 5) + d.batch_shape
    assert bool(dnp.all((s >= -math.pi) & (s < math.pi)))
    assert not d.has_rsample


def test_von_mises_large_concentration_finite(device):
    d = VonMises(0.0, 1e6)
    lp = float(d.log_prob(1e-3))
    expected = -1e6 * (1 - math.cos(1e-3)) - math.log(2 * math.pi * sp.i0e(1e6))
    assert lp == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("k", [0.3, 2.0, 20.0])
def test_von_mises_goodness_of_fit(k, device):
    loc = 0.7
    x = a(VonMises(loc, k).sample((N_GOF,), rng=dnp.random.default_rng(1234)))
    # scipy's support is [loc - pi, loc + pi): move the draws there.
    x = onp.where(x < loc - math.pi, x + 2 * math.pi, x)
    good, bad = st.kstest(x, vm_ref(loc, k).cdf).pvalue, st.kstest(x + 0.15, vm_ref(loc, k).cdf)
    assert good > 1e-3
    assert bad.pvalue < 1e-3


def test_von_mises_float32_and_validation(device):
    d = VonMises(dnp.asarray(0.5, dtype=dnp.float32), dnp.asarray(2.0, dtype=dnp.float32))
    assert d.log_prob(dnp.asarray(0.1, dtype=dnp.float32)).dtype == dnp.float32
    assert d.sample((10,), rng=0).dtype == dnp.float32
    assert d.variance.dtype == dnp.float32
    with pytest.raises(ValueError):
        VonMises(0.0, -1.0, validate_args=True)
    with pytest.raises(ValueError):
        VonMises(0.0, 1.0, validate_args=True).log_prob(4.0)


# --- TruncatedNormal -------------------------------------------------------------------------

TN_ROWS = [
    {"loc": 0.5, "scale": 2.0, "low": -1.0, "high": 3.0},
    {"loc": 0.5, "scale": 2.0, "low": 4.0},
    {"loc": 0.5, "scale": 2.0, "high": -1.0},
    {"loc": 0.0, "scale": 1.0, "low": 8.0, "high": 9.0},
    {"loc": 0.0, "scale": 1.0, "low": -9.0, "high": -8.0},
    {"loc": [-1.0, 0.0, 2.0], "scale": [[0.5], [2.0]], "low": -0.5, "high": [1.0, 2.0, 3.5]},
]


def tn_ref(loc=0.0, scale=1.0, low=None, high=None):
    loc, scale = onp.asarray(loc), onp.asarray(scale)
    lo = -onp.inf if low is None else (onp.asarray(low) - loc) / scale
    hi = onp.inf if high is None else (onp.asarray(high) - loc) / scale
    return st.truncnorm(lo, hi, loc=loc, scale=scale)


def tn_entropy(row, batch_shape):
    """-E[log p] by quadrature, per batch entry (scipy's entropy is NaN for one-sided bounds and
    inaccurate far in a tail)."""
    params = {k: onp.broadcast_to(v, batch_shape) for k, v in row.items()}
    out = onp.empty(batch_shape)
    for i in onp.ndindex(batch_shape):
        p = {k: float(v[i]) for k, v in params.items()}
        ref = tn_ref(**p)
        lo, hi = ref.support()
        out[i] = si.quad(lambda x, r=ref: -r.pdf(x) * r.logpdf(x), lo, hi, epsabs=1e-13)[0]
    return out


def tn(row, dtype=dnp.float64):
    return TruncatedNormal(**{k: dnp.asarray(v, dtype=dtype) for k, v in row.items()})


@pytest.mark.parametrize("row", TN_ROWS, ids=range(len(TN_ROWS)))
def test_truncated_normal_against_scipy(row, device):
    d, ref = tn(row), tn_ref(**row)
    q = onp.array([0.01, 0.3, 0.5, 0.9, 0.999]).reshape((5,) + (1,) * len(d.batch_shape))
    x = ref.ppf(q)
    onp.testing.assert_allclose(a(d.icdf(dnp.asarray(q))), x, rtol=1e-8, atol=1e-10)
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(x))), ref.logpdf(x), rtol=1e-8)
    onp.testing.assert_allclose(a(d.cdf(dnp.asarray(x))), ref.cdf(x), rtol=1e-8, atol=1e-12)
    onp.testing.assert_allclose(a(d.mean), ref.mean(), rtol=1e-8)
    onp.testing.assert_allclose(a(d.variance), ref.var(), rtol=1e-6)
    onp.testing.assert_allclose(a(d.entropy()), tn_entropy(row, d.batch_shape), rtol=1e-7)
    s = d.sample((3, 4), rng=0)
    assert s.shape == (3, 4) + d.batch_shape
    assert bool(dnp.all(d.support(s)))
    assert d.has_rsample


def test_truncated_normal_outside_support(device):
    d = TruncatedNormal(0.0, 1.0, low=-1.0, high=2.0)
    assert float(d.log_prob(3.0)) == -math.inf
    assert float(d.cdf(-5.0)) == 0.0 and float(d.cdf(5.0)) == 1.0
    assert d.support(dnp.asarray(1.0)) and not d.support(dnp.asarray(2.5))


@pytest.mark.parametrize("row", TN_ROWS[:3], ids=range(3))
def test_truncated_normal_goodness_of_fit(row, device):
    x = a(tn(row).sample((N_GOF,), rng=dnp.random.default_rng(1234)))
    good, bad = ks_pair(x, tn_ref(**row).cdf)
    assert good > 1e-3 and bad < 1e-3


@pytest.mark.parametrize("row", TN_ROWS[:3], ids=range(3))
def test_truncated_normal_gradient(row, device):
    def mc(params):
        x = TruncatedNormal(**params).sample((N_GRAD,), rng=dnp.random.default_rng(5))
        return dnp.mean(x)

    params = {k: dnp.asarray(v) for k, v in row.items()}
    grads = dnp.autograd.grad_fn(mc)(params)
    for name, value in row.items():
        h = 1e-5
        hi, lo = dict(row, **{name: value + h}), dict(row, **{name: value - h})
        expected = (tn_ref(**hi).mean() - tn_ref(**lo).mean()) / (2 * h)
        assert float(grads[name]) == pytest.approx(expected, rel=0.03, abs=0.01), name


def test_truncated_normal_float32_and_validation(device):
    row = {"loc": 0.5, "scale": 2.0, "low": -1.0, "high": 3.0}
    d = tn(row, dnp.float32)
    assert d.sample((5,), rng=0).dtype == dnp.float32
    for out in (d.log_prob(dnp.asarray(0.2, dtype=dnp.float32)), d.mean, d.variance):
        assert out.dtype == dnp.float32
    grads = dnp.autograd.grad_fn(lambda p: dnp.mean(TruncatedNormal(**p).sample((100,), rng=0)))(
        {k: dnp.asarray(v, dtype=dnp.float32) for k, v in row.items()}
    )
    assert all(g.dtype == dnp.float32 and onp.isfinite(float(g)) for g in grads.values())
    with pytest.raises(ValueError):
        TruncatedNormal(0.0, -1.0, validate_args=True)
    with pytest.raises(ValueError):
        TruncatedNormal(0.0, 1.0, low=2.0, high=1.0, validate_args=True)
    with pytest.raises(ValueError):
        TruncatedNormal(0.0, 1.0, low=0.0, validate_args=True).log_prob(-1.0)


# --- RelaxedBernoulli ------------------------------------------------------------------------


def rb_density(t, logit_p):
    """The binary Concrete density on (0, 1), written out (Maddison et al. 2017)."""

    def p(y):
        alpha = math.exp(logit_p)
        num = t * alpha * y ** (-t - 1) * (1 - y) ** (-t - 1)
        return num / (alpha * y ** (-t) + (1 - y) ** (-t)) ** 2

    return p


@pytest.mark.parametrize("t, logit_p", [(0.5, 0.3), (1.0, -1.0), (2.0, 1.5)])
def test_relaxed_bernoulli_density(t, logit_p, device):
    d = RelaxedBernoulli(t, logits=logit_p)
    y = onp.array([0.01, 0.2, 0.5, 0.77, 0.99])
    expected = onp.log([rb_density(t, logit_p)(v) for v in y])
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(y))), expected, rtol=1e-9)
    total, _ = si.quad(lambda v: math.exp(float(d.log_prob(v))), 0, 1, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)
    p = sp.expit(logit_p)
    dp = RelaxedBernoulli(t, probs=p)
    onp.testing.assert_allclose(a(dp.log_prob(dnp.asarray(y))), expected, rtol=1e-8)
    x = a(d.sample((N_GOF,), rng=dnp.random.default_rng(1234)))
    good = st.kstest(x, lambda v: a(d.cdf(dnp.asarray(v)))).pvalue
    bad = st.kstest(x**1.1, lambda v: a(d.cdf(dnp.asarray(v)))).pvalue
    assert good > 1e-3 and bad < 1e-3


def test_relaxed_bernoulli_batched_and_validation(device):
    d = RelaxedBernoulli(dnp.asarray([[0.5], [2.0]]), probs=dnp.asarray([0.2, 0.5, 0.9]))
    assert d.batch_shape == (2, 3) and d.sample((7,), rng=0).shape == (7, 2, 3)
    assert d.has_rsample
    assert d.log_prob(dnp.full((2, 3), 0.4)).shape == (2, 3)
    with pytest.raises(ValueError):
        RelaxedBernoulli(-1.0, logits=0.0, validate_args=True)
    with pytest.raises(ValueError):
        RelaxedBernoulli(1.0)
    f = RelaxedBernoulli(dnp.asarray(0.5, dtype=dnp.float32), logits=dnp.asarray(0.3, "float32"))
    assert f.sample((3,), rng=0).dtype == dnp.float32
    assert f.log_prob(dnp.asarray(0.4, dtype=dnp.float32)).dtype == dnp.float32


def rb_mean(t, logit_p):
    return si.quad(lambda v: v * rb_density(t, logit_p)(v), 0, 1, epsabs=1e-12, limit=200)[0]


def test_relaxed_bernoulli_gradient(device):
    t, lg = 0.8, 0.4

    def mc(params):
        x = RelaxedBernoulli(params["t"], logits=params["lg"]).sample(
            (N_GRAD,), rng=dnp.random.default_rng(5)
        )
        return dnp.mean(x)

    grads = dnp.autograd.grad_fn(mc)({"t": dnp.asarray(t), "lg": dnp.asarray(lg)})
    h = 1e-4
    d_t = (rb_mean(t + h, lg) - rb_mean(t - h, lg)) / (2 * h)
    d_lg = (rb_mean(t, lg + h) - rb_mean(t, lg - h)) / (2 * h)
    assert float(grads["t"]) == pytest.approx(d_t, rel=0.03, abs=0.01)
    assert float(grads["lg"]) == pytest.approx(d_lg, rel=0.03, abs=0.01)


# --- RelaxedOneHotCategorical ----------------------------------------------------------------


def torch_relaxed_log_prob(t, logits, y):
    """PyTorch's ExpRelaxedCategorical.log_prob at log y, less the exp Jacobian sum(log y)."""
    logits = logits - sp.logsumexp(logits, axis=-1, keepdims=True)
    k = logits.shape[-1]
    x = onp.log(y)
    log_scale = sp.gammaln(k) + (k - 1) * onp.log(t)
    score = logits - onp.expand_dims(t, -1) * x
    score = (score - sp.logsumexp(score, axis=-1, keepdims=True)).sum(-1)
    return score + log_scale - x.sum(-1)


@pytest.mark.parametrize(
    "t, logits",
    [(0.7, [0.1, 0.5, -1.0]), ([[0.5], [2.0]], [[0.0, 1.0, 2.0, -1.0], [3.0, 0.0, 0.0, 0.5]])],
    ids=["scalar", "batched"],
)
def test_relaxed_one_hot_log_prob(t, logits, device):
    t_, logits_ = onp.asarray(t), onp.asarray(logits)
    d = RelaxedOneHotCategorical(dnp.asarray(t), logits=dnp.asarray(logits))
    y = a(d.sample((6,), rng=0))
    assert y.shape == (6,) + d.batch_shape + d.event_shape
    onp.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-12)
    expected = torch_relaxed_log_prob(t_, logits_, y)
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(y))), expected, rtol=1e-9)
    dp = RelaxedOneHotCategorical(dnp.asarray(t), probs=dnp.asarray(sp.softmax(logits_, -1)))
    onp.testing.assert_allclose(a(dp.log_prob(dnp.asarray(y))), expected, rtol=1e-8)
    assert d.has_rsample


def test_relaxed_one_hot_two_categories_is_relaxed_bernoulli(device):
    """With K = 2 the first coordinate is RelaxedBernoulli(t, logits=l0 - l1): same density
    (less the simplex's one free coordinate), same pathwise gradients of E[y0]."""
    t, l0, l1 = 0.8, 0.6, 0.2
    d = RelaxedOneHotCategorical(t, logits=dnp.asarray([l0, l1]))
    y0 = onp.array([0.1, 0.5, 0.8])
    y = onp.stack([y0, 1 - y0], -1)
    rb = RelaxedBernoulli(t, logits=l0 - l1)
    # PyTorch's simplex density is not the density of y0 alone: compare through samples.
    assert onp.all(onp.isfinite(a(d.log_prob(dnp.asarray(y)))))
    x = a(d.sample((N_GOF,), rng=dnp.random.default_rng(1234)))[:, 0]
    assert st.kstest(x, lambda v: a(rb.cdf(dnp.asarray(v)))).pvalue > 1e-3

    def mc(params):
        logits = params["l0"] * dnp.asarray([1.0, 0.0]) + dnp.asarray([0.0, l1])
        s = RelaxedOneHotCategorical(params["t"], logits=logits).sample(
            (N_GRAD,), rng=dnp.random.default_rng(5)
        )
        return dnp.mean(s[:, 0])

    grads = dnp.autograd.grad_fn(mc)({"t": dnp.asarray(t), "l0": dnp.asarray(l0)})
    h = 1e-4
    d_t = (rb_mean(t + h, l0 - l1) - rb_mean(t - h, l0 - l1)) / (2 * h)
    d_l0 = (rb_mean(t, l0 - l1 + h) - rb_mean(t, l0 - l1 - h)) / (2 * h)
    assert float(grads["t"]) == pytest.approx(d_t, rel=0.03, abs=0.01)
    assert float(grads["l0"]) == pytest.approx(d_l0, rel=0.03, abs=0.01)


def test_relaxed_one_hot_float32_and_validation(device):
    d = RelaxedOneHotCategorical(
        dnp.asarray(0.5, dtype=dnp.float32), logits=dnp.asarray([0.0, 1.0, 2.0], dtype="float32")
    )
    y = d.sample((4,), rng=0)
    assert y.dtype == dnp.float32 and d.log_prob(y).dtype == dnp.float32
    with pytest.raises(ValueError):
        RelaxedOneHotCategorical(-1.0, logits=dnp.asarray([0.0, 1.0]), validate_args=True)
    with pytest.raises(ValueError):
        RelaxedOneHotCategorical(1.0)
    with pytest.raises(ValueError):
        RelaxedOneHotCategorical(1.0, probs=dnp.asarray([0.5, 0.6]), validate_args=True)


# --- MixtureSameFamily -----------------------------------------------------------------------

W = onp.array([0.2, 0.5, 0.3])
LOC = onp.array([-2.0, 0.0, 3.0])
SCALE = onp.array([0.5, 1.0, 2.0])


def mixture(w=W, loc=LOC, scale=SCALE):
    return MixtureSameFamily(
        dist.Categorical(probs=dnp.asarray(w)), dist.Normal(dnp.asarray(loc), dnp.asarray(scale))
    )


def np_mixture_log_prob(x, w, loc, scale):
    x = onp.expand_dims(x, -1)
    return sp.logsumexp(onp.log(w) + st.norm(loc, scale).logpdf(x), axis=-1)


def test_mixture_scalar(device):
    d = mixture()
    assert d.batch_shape == () and d.event_shape == () and not d.has_rsample
    x = onp.linspace(-5, 6, 9)
    expected = np_mixture_log_prob(x, W, LOC, SCALE)
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(x))), expected, rtol=1e-12)
    mean = (W * LOC).sum()
    var = (W * (SCALE**2 + LOC**2)).sum() - mean**2
    assert float(d.mean) == pytest.approx(mean) and float(d.variance) == pytest.approx(var)
    cdf = (W * st.norm(LOC, SCALE).cdf(x[:, None])).sum(-1)
    onp.testing.assert_allclose(a(d.cdf(dnp.asarray(x))), cdf, rtol=1e-12)
    s = a(d.sample((N_GOF,), rng=dnp.random.default_rng(1234)))
    assert s.shape == (N_GOF,)

    def ref_cdf(v):
        return (W * st.norm(LOC, SCALE).cdf(onp.asarray(v)[..., None])).sum(-1)

    good, bad = ks_pair(s, ref_cdf)
    assert good > 1e-3 and bad < 1e-3


def test_mixture_batched(device):
    w = onp.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    loc = onp.array([[-1.0, 1.0], [0.0, 4.0], [2.0, -2.0]])
    scale = onp.array([[1.0, 0.5], [2.0, 1.0], [0.3, 0.7]])
    d = mixture(w, loc, scale)
    assert d.batch_shape == (3,)
    x = onp.linspace(-3, 3, 12).reshape(4, 3)
    expected = np_mixture_log_prob(x, w, loc, scale)
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(x))), expected, rtol=1e-12)
    assert d.sample((5, 2), rng=0).shape == (5, 2, 3)
    onp.testing.assert_allclose(a(d.mean), (w * loc).sum(-1))
    # a scalar mixing distribution broadcasts over the components' batch
    d2 = MixtureSameFamily(
        dist.Categorical(probs=dnp.asarray(w[0])), dist.Normal(dnp.asarray(loc), 1.0)
    )
    assert d2.batch_shape == (3,) and d2.sample((2,), rng=0).shape == (2, 3)
    expected2 = np_mixture_log_prob(x, w[0], loc, onp.ones_like(loc))
    onp.testing.assert_allclose(a(d2.log_prob(dnp.asarray(x))), expected2, rtol=1e-12)


def test_mixture_vector_events(device):
    loc = onp.array([[0.0, 1.0], [5.0, -5.0]])
    comp = dist.Normal(dnp.asarray(loc), 1.0).to_event(1)
    d = MixtureSameFamily(dist.Categorical(logits=dnp.asarray([0.0, 1.0])), comp)
    assert d.batch_shape == () and d.event_shape == (2,)
    s = a(d.sample((1000,), rng=0))
    assert s.shape == (1000, 2)
    # each draw comes whole from one component: both coordinates near one loc row
    near = [onp.abs(s - row).max(-1) < 5 for row in loc]
    assert onp.all(near[0] | near[1])
    x = onp.array([[0.5, 0.5], [4.0, -4.0]])
    w = sp.softmax([0.0, 1.0])
    comp_lp = st.norm(loc, 1.0).logpdf(x[:, None, :]).sum(-1)
    expected = sp.logsumexp(onp.log(w) + comp_lp, -1)
    onp.testing.assert_allclose(a(d.log_prob(dnp.asarray(x))), expected, rtol=1e-12)
    onp.testing.assert_allclose(a(d.mean), (w[:, None] * loc).sum(0))


def test_mixture_float32_and_validation(device):
    d = mixture(W.astype("float32"), LOC.astype("float32"), SCALE.astype("float32"))
    assert d.log_prob(dnp.asarray(0.5, dtype=dnp.float32)).dtype == dnp.float32
    assert d.sample((3,), rng=0).dtype == dnp.float32
    with pytest.raises(ValueError):
        MixtureSameFamily(dist.Categorical(probs=dnp.asarray([0.5, 0.5])), dist.Normal(0.0, 1.0))
    with pytest.raises(ValueError):
        mixture(onp.array([0.5, 0.5]))
    with pytest.raises(ValueError):
        MixtureSameFamily(dist.Normal(0.0, 1.0), dist.Normal(dnp.asarray(LOC), 1.0))
