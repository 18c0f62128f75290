"""Elementwise transforms (exp, sigmoid, softplus, tanh, power) and the ordered-vector transform."""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.transforms.base import Transform, clipped_expit, softplus
from dnp.scipy.special import log_expit, logit


class ExpTransform(Transform):
    """y = exp(x); x = log(y); log-det x (exact, no log(exp(x)) round trip)."""

    sign = 1

    def __init__(self, domain=constraints.real) -> None:
        self._domain = domain

    @property
    def domain(self):
        return self._domain

    @property
    def codomain(self):
        domain = self.domain
        if domain is constraints.ordered_vector:
            return constraints.positive_ordered_vector
        if domain is constraints.real:
            return constraints.positive
        if isinstance(domain, constraints.greater_than):
            return constraints.greater_than(self(domain.lower_bound))
        if isinstance(domain, constraints.interval):
            return constraints.interval(self(domain.lower_bound), self(domain.upper_bound))
        raise NotImplementedError(f"ExpTransform has no codomain for domain {domain!r}")

    def __call__(self, x):
        return dnp.exp(x)

    def _inverse(self, y):
        return dnp.log(y)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return x


class SigmoidTransform(Transform):
    """y = expit(x), clipped into [tiny, 1 - eps]; x = logit(y);
    log-det log expit'(x) = log_expit(x) + log_expit(-x).

    The log-det is taken from x, not as log(y (1 - y)): that underflows to -inf once y rounds
    to 0 or 1, while log_expit stays exact for any x. The clip keeps logit(y) finite.
    """

    codomain = constraints.unit_interval
    sign = 1

    def __call__(self, x):
        return clipped_expit(x)

    def _inverse(self, y):
        return logit(y)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return log_expit(x) + log_expit(-x)


class SoftplusTransform(Transform):
    """y = log(1 + exp(x)) = logaddexp(0, x); x = log(-expm1(-y)) + y;
    log-det log expit(x) = -softplus(-x).

    logaddexp neither overflows for large x nor loses small x; the inverse written with expm1
    stays exact for small y, where log(exp(y) - 1) would cancel.
    """

    codomain = constraints.softplus_positive
    sign = 1

    def __call__(self, x):
        return softplus(x)

    def _inverse(self, y):
        return dnp.log(-dnp.expm1(-y)) + y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return -softplus(-x)


class TanhTransform(Transform):
    """y = tanh(x); x = arctanh(y), y clipped into (-1, 1) by one eps;
    log-det log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)).

    The log-det is written from x (PyTorch's form; NumPyro has no TanhTransform): 1 - y^2
    rounds to 0 for |x| past about 19 in float64, the softplus form does not.
    """

    codomain = constraints.interval(-1.0, 1.0)
    sign = 1

    def __call__(self, x):
        return dnp.tanh(x)

    def _inverse(self, y):
        eps = dnp.finfo(dnp.result_type(y)).eps
        return dnp.arctanh(dnp.clip(y, -1 + eps, 1 - eps))

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class PowerTransform(Transform):
    """y = x ** exponent on the positive reals; x = y ** (1 / exponent);
    log-det log|exponent * y / x|."""

    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent) -> None:
        self.exponent = exponent

    @property
    def sign(self):
        return dnp.sign(self.exponent)

    def __call__(self, x):
        return dnp.power(x, self.exponent)

    def _inverse(self, y):
        return dnp.power(y, 1 / self.exponent)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return dnp.log(dnp.abs(self.exponent * y / x))

    def forward_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.exponent))

    def inverse_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.exponent))


class OrderedTransform(Transform):
    """R^K -> increasing vectors: y = cumsum(x_0, exp(x_1), ..., exp(x_{K-1}));
    x = (y_0, log(y_i - y_{i-1})); log-det sum_{i>0} x_i (Stan's ordered transform)."""

    domain = constraints.real_vector
    codomain = constraints.ordered_vector

    def __call__(self, x):
        return dnp.cumsum(dnp.concatenate([x[..., :1], dnp.exp(x[..., 1:])], axis=-1), axis=-1)

    def _inverse(self, y):
        return dnp.concatenate([y[..., :1], dnp.log(y[..., 1:] - y[..., :-1])], axis=-1)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return dnp.sum(x[..., 1:], axis=-1)
