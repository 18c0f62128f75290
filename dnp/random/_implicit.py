"""Implicit reparameterization gradients for gamma and beta samples.

A sample ``x`` with CDF ``F(x; theta)`` moves with its parameters as the quantile
``F^{-1}(u; theta)`` does for its fixed ``u``: ``dx/dtheta = -(dF/dtheta)(x; theta) / f(x; theta)``
(Figurnov et al., 2018). SciPy gives the regularized incomplete gamma and beta functions but not
their derivatives in the shape parameters, so ``dF/dtheta`` is a Richardson-extrapolated central
difference (error O(h**4), about 1e-9 relative); near the upper tail the complementary function
is differenced instead, so values near 1 do not cancel. First-order gradients only: the rule
runs on host values.
"""

from __future__ import annotations

import numpy

from .. import asarray
from ..autograd import Function


def _special():
    """``scipy.special``, imported on first use: it costs every `import dnp` about 45 ms."""
    from scipy import special

    return special


def _d_dtheta(cdf, theta):
    """``d cdf(theta) / d theta`` (elementwise), by Richardson-extrapolated central differences."""
    h = 1e-3 * theta
    coarse = (cdf(theta + h) - cdf(theta - h)) / (2 * h)
    fine = (cdf(theta + h / 2) - cdf(theta - h / 2)) / h
    return (4 * fine - coarse) / 3


def gamma_partials(x, alpha):
    """``dx/dalpha`` for standard gamma samples ``x`` of shape ``alpha`` (host arrays)."""
    special = _special()
    upper = x > alpha
    x_ = x.astype(numpy.float64)

    def cdf(a):  # F, or F - 1 (= -Q) in the upper tail: same derivative, no cancellation
        return numpy.where(upper, -special.gammaincc(a, x_), special.gammainc(a, x_))

    with numpy.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pdf = (alpha - 1) * numpy.log(x_) - x_ - special.gammaln(alpha)
        grad = -_d_dtheta(cdf, alpha) / numpy.exp(log_pdf)
    return (numpy.where(x_ > 0, grad, 0.0),)


def beta_partials(x, a, b):
    """``(dx/da, dx/db)`` for beta samples ``x`` (host arrays)."""
    special = _special()
    x_ = x.astype(numpy.float64)
    upper = x_ > a / (a + b)

    def cdf_a(t):
        return numpy.where(upper, -special.betainc(b, t, 1 - x_), special.betainc(t, b, x_))

    def cdf_b(t):
        return numpy.where(upper, -special.betainc(t, a, 1 - x_), special.betainc(a, t, x_))

    with numpy.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pdf = (a - 1) * numpy.log(x_) + (b - 1) * numpy.log1p(-x_) - special.betaln(a, b)
        pdf = numpy.exp(log_pdf)
        inside = (x_ > 0) & (x_ < 1)
        return tuple(
            numpy.where(inside, -_d_dtheta(cdf, theta) / pdf, 0.0)
            for cdf, theta in ((cdf_a, a), (cdf_b, b))
        )


class _Implicit(Function):
    """Passes a drawn sample through; its backward applies the implicit gradient."""

    def __init__(self, sample, partials) -> None:
        self.sample, self.partials = sample, partials

    def forward(self, *params):
        self.save_for_backward(*params)
        return self.sample

    def backward(self, g):
        host = [p.asnumpy().astype(numpy.float64) for p in self.saved_tensors]
        dx = self.partials(self.sample.asnumpy(), *host)
        return tuple(g * asarray(d, dtype=g.dtype, device=g.device) for d in dx)


def gamma_sample(x, alpha):
    """Sample ``x`` (drawn with shape ``alpha``, broadcast to ``x``'s shape), differentiable in
    ``alpha``."""
    return _Implicit(x, gamma_partials)(alpha)


def beta_sample(x, a, b):
    """Sample ``x`` (drawn with ``a``, ``b``, broadcast to its shape), differentiable in both."""
    return _Implicit(x, beta_partials)(a, b)
