"""Implicit reparameterization gradients for gamma and beta samples.

A sample ``x`` with CDF ``F(x; theta)`` moves with its parameters as the quantile
``F^{-1}(u; theta)`` does for its fixed ``u``: ``dx/dtheta = -(dF/dtheta)(x; theta) / f(x; theta)``
(Figurnov et al., 2018). SciPy gives the regularized incomplete gamma and beta functions but not
their derivatives in the shape parameters, so ``dF/dtheta`` is a Richardson-extrapolated central
difference (error O(h**4), about 1e-9 relative); near the upper tail the complementary function
is differenced instead, so values near 1 do not cancel. First-order gradients only (the
differences are not themselves differentiated).
"""

from __future__ import annotations

from .. import errstate, exp, float64, log, log1p, where
from ..autograd import Function


def _special():
    """``dnp.scipy.special``, imported on first use (its rows load SciPy when they first run)."""
    from ..scipy import special

    return special


def _d_dtheta(cdf, theta):
    """``d cdf(theta) / d theta`` (elementwise), by Richardson-extrapolated central differences."""
    h = 1e-3 * theta
    coarse = (cdf(theta + h) - cdf(theta - h)) / (2 * h)
    fine = (cdf(theta + h / 2) - cdf(theta - h / 2)) / h
    return (4 * fine - coarse) / 3


def gamma_partials(x, alpha):
    """``dx/dalpha`` for standard gamma samples ``x`` of shape ``alpha`` (float64 arrays)."""
    special = _special()
    upper = x > alpha

    def cdf(a):  # F, or F - 1 (= -Q) in the upper tail: same derivative, no cancellation
        return where(upper, -special.gammaincc(a, x), special.gammainc(a, x))

    with errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pdf = (alpha - 1) * log(x) - x - special.gammaln(alpha)
        grad = -_d_dtheta(cdf, alpha) / exp(log_pdf)
        return (where(x > 0, grad, 0.0),)


def beta_partials(x, a, b):
    """``(dx/da, dx/db)`` for beta samples ``x`` (float64 arrays)."""
    special = _special()
    upper = x > a / (a + b)

    def cdf_a(t):
        return where(upper, -special.betainc(b, t, 1 - x), special.betainc(t, b, x))

    def cdf_b(t):
        return where(upper, -special.betainc(t, a, 1 - x), special.betainc(a, t, x))

    with errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_pdf = (a - 1) * log(x) + (b - 1) * log1p(-x) - special.betaln(a, b)
        pdf = exp(log_pdf)
        inside = (x > 0) & (x < 1)
        return tuple(
            where(inside, -_d_dtheta(cdf, theta) / pdf, 0.0)
            for cdf, theta in ((cdf_a, a), (cdf_b, b))
        )


class _Implicit(Function):
    """Passes a drawn sample through; its backward applies the implicit gradient, in dnp
    operations (so ``dnp.jit`` replays it)."""

    def __init__(self, sample, partials) -> None:
        self.sample, self.partials = sample, partials

    def forward(self, *params):
        self.save_for_backward(*params)
        return self.sample

    def backward(self, g):
        params = [p.astype(float64) for p in self.saved_tensors]
        dx = self.partials(self.sample.astype(float64), *params)
        return tuple(g * d.astype(g.dtype) for d in dx)


def gamma_sample(x, alpha):
    """Sample ``x`` (drawn with shape ``alpha``, broadcast to ``x``'s shape), differentiable in
    ``alpha``."""
    return _Implicit(x, gamma_partials)(alpha)


def beta_sample(x, a, b):
    """Sample ``x`` (drawn with ``a``, ``b``, broadcast to its shape), differentiable in both."""
    return _Implicit(x, beta_partials)(a, b)
