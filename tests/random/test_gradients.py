"""Gradients of samples with respect to their parameters (the reparameterization trick).

Location-scale samplers are checked against their analytic pathwise derivatives, computed from
the same seed's parameter-free noise; gamma and beta against finite differences of the CDF-based
implicit formula and of the inverse CDF, and, with dirichlet, against the derivative of the
distribution's mean (Monte Carlo).
"""

import numpy
import pytest
from scipy import special

import dnp
from dnp import autograd

SIZE = (400, 3)


def host(x):
    return x.asnumpy()


def grads(name, params, size=SIZE, seed=0, weights=None, **kwargs):
    """The sample, and d(sum(weights * sample))/d(param) for each parameter (dnp arrays)."""
    ps = [dnp.array(p, dtype=float) for p in params]
    for p in ps:
        p.attach_grad()
    with autograd.record():
        x = getattr(dnp.random.default_rng(seed), name)(*ps, size=size, **kwargs)
        loss = (x * (1.0 if weights is None else dnp.asarray(weights))).sum()
    loss.backward()
    return host(x), [host(p.grad) for p in ps]


def noise(name, *args, size=SIZE, seed=0):
    return host(getattr(dnp.random.default_rng(seed), name)(*args, size=size))


LOC, SCALE = numpy.array([0.5, -1.0, 2.0]), numpy.array([0.3, 1.0, 2.5])


@pytest.mark.parametrize("name", ["normal", "laplace", "logistic", "gumbel", "cauchy"])
def test_location_scale_pathwise_derivative(name):
    x, (dloc, dscale) = grads(name, (LOC, SCALE))
    z = noise("standard_normal") if name == "normal" else None
    if name == "cauchy":
        z = noise("standard_cauchy")
    elif z is None:
        z = noise(name, 0.0, 1.0)
    numpy.testing.assert_allclose(x, LOC + SCALE * z)
    numpy.testing.assert_allclose(dloc, numpy.full(3, SIZE[0]))
    numpy.testing.assert_allclose(dscale, z.sum(axis=0), rtol=1e-12)


def test_uniform_pathwise_derivative():
    low, high = numpy.array([0.0, -1.0, 2.0]), numpy.array([1.0, 3.0, 2.5])
    _, (dlow, dhigh) = grads("uniform", (low, high))
    u = noise("random")
    numpy.testing.assert_allclose(dlow, (1 - u).sum(axis=0), rtol=1e-12)
    numpy.testing.assert_allclose(dhigh, u.sum(axis=0), rtol=1e-12)


def test_exponential_and_lognormal_pathwise_derivatives():
    _, (dscale,) = grads("exponential", (SCALE,))
    numpy.testing.assert_allclose(dscale, noise("standard_exponential").sum(axis=0), rtol=1e-12)
    x, (dmean, dsigma) = grads("lognormal", (LOC, SCALE))
    z = noise("standard_normal")
    numpy.testing.assert_allclose(dmean, x.sum(axis=0), rtol=1e-12)
    numpy.testing.assert_allclose(dsigma, (x * z).sum(axis=0), rtol=1e-12)


def test_broadcast_parameters_get_summed_gradients():
    x, (dloc, dscale) = grads("normal", (1.0, SCALE), size=(7, 3))
    assert x.shape == (7, 3) and dloc.shape == () and dscale.shape == (3,)
    numpy.testing.assert_allclose(dloc, 21.0)


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_gradient_matches_finite_differences(method):
    mean = numpy.array([1.0, -0.5, 0.2])
    cov = numpy.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
    w = numpy.random.default_rng(1).standard_normal((20, 3))
    _, (dmean, dcov) = grads("multivariate_normal", (mean, cov), size=20, weights=w, method=method)
    numpy.testing.assert_allclose(dmean, w.sum(axis=0), rtol=1e-12)
    z = noise("standard_normal", size=(20, 3))

    def loss(c):  # NumPy's own construction of the sample, with the same noise
        if method == "cholesky":
            factor = numpy.linalg.cholesky(c).T
        elif method == "eigh":
            s, u = numpy.linalg.eigh(c)
            factor = (u * numpy.sqrt(abs(s))).T
        else:
            u, s, _ = numpy.linalg.svd(c)
            factor = (u * numpy.sqrt(s)).T
        return (w * (mean + z @ factor)).sum()

    for direction in numpy.random.default_rng(2).standard_normal((3, 3, 3)):
        e = direction + direction.T  # symmetric: covariances stay covariances
        fd = (loss(cov + 1e-6 * e) - loss(cov - 1e-6 * e)) / 2e-6
        numpy.testing.assert_allclose((dcov * e).sum(), fd, rtol=1e-6, atol=1e-7)


# --- implicit reparameterization: gamma and beta -------------------------------------------------
ALPHA = numpy.array([0.3, 1.0, 4.5])


def implicit_gamma_fd(x, alpha, h=1e-6):
    """-(dP/dalpha) / pdf, with a plain central difference (not the library's extrapolation)."""
    dcdf = (special.gammainc(alpha + h, x) - special.gammainc(alpha - h, x)) / (2 * h)
    pdf = numpy.exp((alpha - 1) * numpy.log(x) - x - special.gammaln(alpha))
    return -dcdf / pdf


def inverse_cdf_gamma_fd(x, alpha, h=1e-6):
    """d/dalpha of the quantile of x's own CDF level: x(alpha) = P^-1(alpha, P(alpha, x))."""
    u = special.gammainc(alpha, x)
    return (special.gammaincinv(alpha + h, u) - special.gammaincinv(alpha - h, u)) / (2 * h)


def per_sample(name, params, size, argnum):
    """Each sample's own derivative: weights pick one sample at a time through broadcasting."""
    ps = [dnp.array(p, dtype=float) for p in params]
    target = dnp.broadcast_to(ps[argnum], size).copy()
    target.attach_grad()
    ps[argnum] = target
    with autograd.record():
        x = getattr(dnp.random.default_rng(0), name)(*ps, size=size)
        x.sum().backward()
    return host(x), host(target.grad)


def test_gamma_gradient_matches_implicit_formula_and_inverse_cdf():
    x, dx = per_sample("standard_gamma", (ALPHA,), (200, 3), 0)
    alpha = numpy.broadcast_to(ALPHA, x.shape)
    ok = (x > 1e-8) & (special.gammainc(alpha, x) < 1 - 1e-6)  # away from float underflow
    numpy.testing.assert_allclose(dx[ok], implicit_gamma_fd(x, alpha)[ok], rtol=1e-4)
    numpy.testing.assert_allclose(dx[ok], inverse_cdf_gamma_fd(x, alpha)[ok], rtol=1e-3)


def test_gamma_gradient_in_mean_and_scale():
    """E[gamma(alpha, scale)] = alpha * scale: the mean gradient is scale, and alpha."""
    n = 20_000
    x, (dalpha, dscale) = grads("gamma", (ALPHA, [2.0, 0.5, 1.0]), size=(n, 3))
    se = 2.0 * x.std(axis=0) / numpy.sqrt(n) * 5
    assert numpy.all(numpy.abs(dalpha / n - [2.0, 0.5, 1.0]) < se + 1e-3)
    numpy.testing.assert_allclose(dscale, (x / [2.0, 0.5, 1.0]).sum(axis=0), rtol=1e-12)


def test_beta_gradient_matches_implicit_formula_and_inverse_cdf():
    a, b = numpy.array([0.5, 2.0, 5.0]), numpy.array([3.0, 0.7, 5.0])
    for argnum in (0, 1):
        x, dx = per_sample("beta", (a, b), (200, 3), argnum)
        h = 1e-6
        shift = numpy.array([h if argnum == 0 else 0.0, h if argnum == 1 else 0.0])
        aa, bb = numpy.broadcast_to(a, x.shape), numpy.broadcast_to(b, x.shape)
        dcdf = (
            special.betainc(aa + shift[0], bb + shift[1], x)
            - special.betainc(aa - shift[0], bb - shift[1], x)
        ) / (2 * h)
        pdf = numpy.exp(
            (aa - 1) * numpy.log(x) + (bb - 1) * numpy.log1p(-x) - special.betaln(aa, bb)
        )
        u = special.betainc(aa, bb, x)
        inv = (
            special.betaincinv(aa + shift[0], bb + shift[1], u)
            - special.betaincinv(aa - shift[0], bb - shift[1], u)
        ) / (2 * h)
        ok = (x > 1e-6) & (x < 1 - 1e-6)
        numpy.testing.assert_allclose(dx[ok], (-dcdf / pdf)[ok], rtol=1e-4, atol=1e-9)
        numpy.testing.assert_allclose(dx[ok], inv[ok], rtol=1e-3, atol=1e-7)


def test_beta_and_dirichlet_gradients_of_the_mean():
    n = 20_000
    a, b = numpy.array([0.5, 2.0, 5.0]), numpy.array([3.0, 0.7, 5.0])
    x, (da, db) = grads("beta", (a, b), size=(n, 3))
    tol = 5 * x.std(axis=0) / numpy.sqrt(n) * 4 + 1e-3
    assert numpy.all(numpy.abs(da / n - b / (a + b) ** 2) < tol)
    assert numpy.all(numpy.abs(db / n + a / (a + b) ** 2) < tol)
    weights = numpy.array([1.0, 0.0, 0.0])  # d E[x_0] / d alpha
    for alpha in ([0.7, 2.0, 4.0], [0.05, 0.5, 1.0]):  # gammas normalized, then in log space
        alpha = numpy.array(alpha)
        x, (dalpha,) = grads("dirichlet", (alpha,), size=(n,), weights=weights)
        s = alpha.sum()
        expected = numpy.where(numpy.arange(3) == 0, (s - alpha[0]) / s**2, -alpha[0] / s**2)
        tol = 5 * x[:, 0].std() / numpy.sqrt(n) * 4
        assert numpy.all(numpy.abs(dalpha / n - expected) < tol), (alpha, dalpha / n, expected)


def test_samplers_without_a_reparameterization_say_so_at_backward():
    df = dnp.array([3.0, 5.0])
    df.attach_grad()
    with autograd.record():
        y = dnp.random.default_rng(0).standard_t(df, size=(4, 2)).sum()
    with pytest.raises(NotImplementedError, match="random.standard_t"):
        y.backward()
    lam = dnp.array([3.0])
    lam.attach_grad()
    with autograd.record():
        counts = dnp.random.default_rng(0).poisson(lam, size=5)
    assert counts.dtype.kind == "i" and counts._ag is None  # integer draws carry no gradient
