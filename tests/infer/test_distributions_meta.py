"""The meta distributions (``expand``, ``to_event``, ``mask``, ``Delta``, ``ImproperUniform``,
``TransformedDistribution``): their shapes and log densities against the base's."""

from __future__ import annotations

import numpy as onp
import pytest
import scipy.stats as st

import dnp
from dnp.infer import constraints, dist, transforms


def arr(x):
    return onp.asarray(x)


def test_expand_shapes_log_prob_and_independent_draws(device):
    base = dist.Normal(dnp.asarray([[0.0], [1.0], [2.0]]), 2.0)  # batch (3, 1)
    d = base.expand((2, 3, 4))
    assert isinstance(d, dist.ExpandedDistribution)
    assert d.batch_shape == (2, 3, 4) and d.event_shape == () and d.has_rsample
    x = d.sample((5,), rng=0)
    assert x.shape == (5, 2, 3, 4)
    # Each row keeps its own loc, and the broadcast axes are independent draws.
    means = arr(x).mean(axis=(0, 1, 3))
    onp.testing.assert_allclose(means, [0.0, 1.0, 2.0], atol=1.5)
    assert len(onp.unique(arr(x))) == x.size
    big = arr(d.sample((4000,), rng=1))
    onp.testing.assert_allclose(big.mean(axis=(0, 1, 3)), [0.0, 1.0, 2.0], atol=0.05)
    onp.testing.assert_allclose(big.std(axis=(0, 1, 3)), 2.0, rtol=0.03)
    lp = d.log_prob(x)
    assert lp.shape == (5, 2, 3, 4)
    onp.testing.assert_allclose(arr(lp), st.norm(arr(base.loc), 2.0).logpdf(arr(x)), rtol=1e-12)
    assert d.mean.shape == (2, 3, 4) and d.variance.shape == (2, 3, 4)
    assert d.entropy().shape == (2, 3, 4)
    assert base.expand((3, 1)) is base
    assert d.expand((7, 2, 3, 4)).base_dist is base
    with pytest.raises(ValueError):
        base.expand((2, 4))


def test_expand_sample_is_reparameterized(device):
    def mean(loc):
        return dnp.mean(dist.Normal(loc, 1.0).expand((1000, 2)).sample((10,), rng=2))

    grad = dnp.autograd.grad_fn(mean)(dnp.asarray([0.0, 1.0]))
    onp.testing.assert_allclose(arr(grad), [0.5, 0.5], rtol=1e-12)


def test_to_event_sums_log_prob(device):
    base = dist.Gamma(dnp.asarray([[1.0, 2.0, 3.0], [0.5, 4.0, 2.0]]), 1.5)
    d = base.to_event(1)
    assert isinstance(d, dist.Independent)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    assert d.support.event_dim == 1
    x = d.sample((6,), rng=0)
    assert x.shape == (6, 2, 3)
    onp.testing.assert_allclose(arr(d.log_prob(x)), arr(base.log_prob(x)).sum(-1), rtol=1e-12)
    onp.testing.assert_allclose(arr(d.entropy()), arr(base.entropy()).sum(-1), rtol=1e-12)
    assert d.mean.shape == (2, 3)
    full = base.to_event()
    assert full.batch_shape == () and full.event_shape == (2, 3)
    assert base.to_event(0) is base
    with pytest.raises(ValueError):
        base.to_event(3)
    with pytest.raises(ValueError, match="outside the support"):
        dist.Gamma(dnp.ones(3), validate_args=True).to_event(1).log_prob(dnp.asarray([1, -1, 1]))


def test_mask_zeroes_log_prob(device):
    base = dist.Normal(dnp.zeros(3), 1.0)
    x = dnp.asarray([0.5, -1.0, 2.0])
    mask = dnp.asarray([True, False, True])
    d = base.mask(mask)
    assert isinstance(d, dist.MaskedDistribution) and d.batch_shape == (3,)
    expected = onp.where(arr(mask), st.norm().logpdf(arr(x)), 0.0)
    onp.testing.assert_allclose(arr(d.log_prob(x)), expected, rtol=1e-12)
    onp.testing.assert_array_equal(arr(base.mask(False).log_prob(x)), 0.0)
    assert base.mask(True) is base
    # A mask broadcasting the batch grows it.
    grown = base.mask(dnp.asarray([[True], [False]]))
    assert grown.batch_shape == (2, 3) and grown.sample((4,), rng=0).shape == (4, 2, 3)
    assert arr(grown.log_prob(x)).shape == (2, 3)
    with pytest.raises(ValueError):
        base.mask(dnp.asarray([1, 0, 1]))


def test_delta(device):
    v = dnp.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    d = dist.Delta(v, log_density=0.5, event_dim=1)
    assert d.batch_shape == (3,) and d.event_shape == (2,) and d.has_rsample
    x = d.sample((4,), rng=0)
    assert x.shape == (4, 3, 2)
    onp.testing.assert_array_equal(arr(x), onp.broadcast_to(arr(v), (4, 3, 2)))
    value = dnp.asarray([[1.0, 2.0], [3.0, 0.0], [5.0, 6.0]])
    onp.testing.assert_array_equal(arr(d.log_prob(value)), [0.5, -onp.inf, 0.5])
    onp.testing.assert_array_equal(arr(d.mean), arr(v))
    onp.testing.assert_array_equal(arr(d.variance), 0.0)
    grad = dnp.autograd.grad_fn(lambda v: dnp.sum(dist.Delta(v).sample((3,))))(dnp.asarray(2.0))
    assert float(grad) == 3.0
    with pytest.raises(ValueError, match="invalid log_density parameter"):
        dist.Delta(1.0, log_density=onp.inf, validate_args=True)


def test_improper_uniform(device):
    d = dist.ImproperUniform(constraints.positive, (3,), (2,))
    assert d.batch_shape == (3,) and d.event_shape == (2,) and d.support.event_dim == 1
    lp = d.log_prob(dnp.ones((5, 3, 2)))
    assert lp.shape == (5, 3) and onp.all(arr(lp) == 0)
    with pytest.raises(NotImplementedError):
        d.sample()
    with pytest.raises(ValueError, match="outside the support"):
        dist.ImproperUniform(constraints.positive, (), (), validate_args=True).log_prob(-1.0)


def test_transformed_distribution_log_prob_cdf_icdf(device):
    # exp(Normal) is scipy's lognorm; 3 - 2 exp(Normal) flips it (a negative scale).
    base = dist.Normal(dnp.asarray([0.0, 0.5]), dnp.asarray([1.0, 0.3]))
    d = dist.TransformedDistribution(base, transforms.ExpTransform())
    ref = st.lognorm(arr(base.scale), scale=onp.exp(arr(base.loc)))
    x = dnp.asarray([[0.5, 1.0], [2.0, 3.0]])
    onp.testing.assert_allclose(arr(d.log_prob(x)), ref.logpdf(arr(x)), rtol=1e-12)
    onp.testing.assert_allclose(arr(d.cdf(x)), ref.cdf(arr(x)), rtol=1e-12)
    onp.testing.assert_allclose(arr(d.icdf(dnp.asarray(0.3))), ref.ppf(0.3), rtol=1e-12)
    assert d.support is constraints.positive and d.has_rsample
    flipped = dist.TransformedDistribution(
        base, [transforms.ExpTransform(), transforms.AffineTransform(3.0, -2.0)]
    )
    y = 3.0 - 2.0 * arr(x)
    expected = ref.logpdf(arr(x)) - onp.log(2.0)
    onp.testing.assert_allclose(arr(flipped.log_prob(dnp.asarray(y))), expected, rtol=1e-12)
    onp.testing.assert_allclose(arr(flipped.cdf(dnp.asarray(y))), ref.sf(arr(x)), rtol=1e-12)
    assert flipped.sample((7,), rng=0).shape == (7, 2)


def test_transformed_distribution_event_dims(device):
    # A vector transform (stick breaking) over a batch of Normals makes a simplex event.
    base = dist.Normal(dnp.zeros((4, 2)), 1.0)
    d = dist.TransformedDistribution(base, transforms.StickBreakingTransform())
    assert d.batch_shape == (4,) and d.event_shape == (3,)
    x = d.sample((5,), rng=0)
    assert x.shape == (5, 4, 3)
    onp.testing.assert_allclose(arr(x).sum(-1), 1.0, rtol=1e-12)
    t = transforms.StickBreakingTransform()
    z = t.inv(x)
    expected = arr(base.log_prob(z)).sum(-1) - arr(t.log_abs_det_jacobian(z, x))
    onp.testing.assert_allclose(arr(d.log_prob(x)), expected, rtol=1e-10)


def test_transformed_sample_gradient(device):
    def mean(loc):
        return dnp.mean(dist.LogNormal(loc, 0.5).sample((100_000,), rng=4))

    grad = dnp.autograd.grad_fn(mean)(dnp.asarray(0.2))
    assert float(grad) == pytest.approx(onp.exp(0.2 + 0.125), rel=0.01)
