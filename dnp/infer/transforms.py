"""Transforms (bijectors) and ``biject_to``, the map from a constraint to unconstrained space.

The names and semantics are NumPyro's (``numpyro.distributions.transforms``), so code ports by
changing one import: ``t(x)`` is the forward map, ``t.inv`` the inverse transform (``t.inv.inv is
t``), ``t.log_abs_det_jacobian(x, y)`` the log |det J| of the forward map at ``x`` (``y = t(x)``),
summed over the transform's event axes; ``domain`` and ``codomain`` are constraints from
``dnp.infer.constraints``; ``forward_shape``/``inverse_shape`` map shapes. ``TanhTransform``,
absent from NumPyro, is PyTorch's. Each class's docstring gives its formulas in the style of
TensorFlow Probability's bijectors, and the reason for a stable form where one is used.
Written on the public ``dnp`` only, so everything runs on any device and differentiates with
``dnp.autograd``.
"""

from __future__ import annotations

import math
import weakref

import dnp
from dnp.infer import constraints
from dnp.scipy.special import expit, log_expit, logit

__all__ = [
    "AffineTransform",
    "CholeskyTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CorrMatrixCholeskyTransform",
    "ExpTransform",
    "IdentityTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "OrderedTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "biject_to",
]


def _softplus(x):
    # log(1 + exp(x)) as logaddexp(0, x): no overflow for large x, and log1p(exp(x)) inside keeps
    # it exact for very negative x, where 1 + exp(x) rounds to 1.
    return dnp.logaddexp(0, x)


def _clipped_expit(x):
    # expit kept strictly inside (0, 1), so the inverse (logit) stays finite.
    finfo = dnp.finfo(dnp.result_type(x))
    return dnp.clip(expit(x), finfo.tiny, 1.0 - finfo.eps)


def _sum_rightmost(x, n: int):
    return dnp.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


def _pad_last(x, before: int, after: int):
    """``x`` padded with ones on its last axis."""
    width = [(0, 0)] * (x.ndim - 1) + [(before, after)]
    return dnp.pad(x, width, mode="constant", constant_values=1.0)


def _tril_size(m: int, diagonal: int) -> int:
    """The side n of the matrices whose ``tril_indices(n, diagonal)`` (diagonal <= 0) are m."""
    return round((math.sqrt(1 + 8 * m) - 1) / 2) - diagonal


def _tril_flat(n: int, diagonal: int) -> list[int]:
    """Row-major flat positions of ``tril_indices(n, diagonal)`` in an n x n matrix."""
    return [i * n + j for i in range(n) for j in range(n) if j - i <= diagonal]


def _vec_to_tril_matrix(t, diagonal: int = 0):
    """The vectors on t's last axis laid out as lower triangles, zeros elsewhere (a gather from
    ``t`` padded with a zero, so it differentiates like any indexing)."""
    m = t.shape[-1]
    n = _tril_size(m, diagonal)
    index = [m] * (n * n)
    for k, flat in enumerate(_tril_flat(n, diagonal)):
        index[flat] = k
    padded = dnp.concatenate([t, dnp.zeros_like(t[..., :1])], axis=-1)
    return dnp.reshape(dnp.take(padded, dnp.asarray(index), axis=-1), t.shape[:-1] + (n, n))


def _matrix_to_tril_vec(x, diagonal: int = 0):
    n = x.shape[-1]
    flat = dnp.reshape(x, x.shape[:-2] + (n * n,))
    return dnp.take(flat, dnp.asarray(_tril_flat(n, diagonal), dtype=dnp.intp), axis=-1)


def _add_diag(matrix, diag):
    eye = dnp.eye(matrix.shape[-1], dtype=matrix.dtype)
    return matrix + dnp.expand_dims(diag, -1) * eye


def _matrix_forward_shape(shape: tuple[int, ...], offset: int = 0) -> tuple[int, ...]:
    """(..., N) -> (..., D, D) with N = (D + offset)(D + offset + 1)/2."""
    if len(shape) < 1:
        raise ValueError("Too few dimensions in input")
    n = shape[-1]
    d = round((0.25 + 2 * n) ** 0.5 - 0.5)
    if d * (d + 1) // 2 != n:
        raise ValueError("Input is not a flattened lower-diagonal number")
    return shape[:-1] + (d - offset, d - offset)


def _matrix_inverse_shape(shape: tuple[int, ...], offset: int = 0) -> tuple[int, ...]:
    """(..., D, D) -> (..., N), the inverse of ``_matrix_forward_shape``."""
    if len(shape) < 2:
        raise ValueError("Too few dimensions on input")
    if shape[-2] != shape[-1]:
        raise ValueError("Input is not square")
    d = shape[-1] + offset
    return shape[:-2] + (d * (d + 1) // 2,)


class Transform:
    """A bijection with a tractable log |det J| (NumPyro's ``Transform``)."""

    domain = constraints.real
    codomain = constraints.real
    _inv_ref: weakref.ref | None = None

    @property
    def inv(self) -> Transform:
        """The inverse transform; ``t.inv.inv is t``. Held weakly, as NumPyro does, so a
        transform and its inverse do not keep each other alive."""
        inv = self._inv_ref() if self._inv_ref is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            self._inv_ref = weakref.ref(inv)
        return inv

    def __call__(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        """log |det dy/dx| at ``x``; ``intermediates`` is accepted for NumPyro's signature and
        not used (dnp recomputes what it needs)."""
        raise NotImplementedError

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t(x)`` for ``x`` of ``shape``."""
        return shape

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t.inv(y)`` for ``y`` of ``shape``."""
        return shape

    @property
    def sign(self):
        """The sign of the derivative, for a monotone scalar transform."""
        raise NotImplementedError(f"Transform `{type(self).__name__}` does not implement `sign`.")


class _InverseTransform(Transform):
    """``transform`` run backwards: its ``_inverse`` forward, minus its log-det."""

    def __init__(self, transform: Transform) -> None:
        self._inv = transform

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self) -> Transform:
        return self._inv

    def __call__(self, x):
        return self._inv._inverse(x)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)


class IdentityTransform(Transform):
    """y = x; log-det 0."""

    sign = 1

    def __call__(self, x):
        return x

    def _inverse(self, y):
        return y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return dnp.zeros_like(x)


class AffineTransform(Transform):
    """y = loc + scale * x; x = (y - loc) / scale; log-det log|scale|, broadcast to the batch.

    ``domain`` (real, greater_than, less_than or interval) fixes ``codomain``; a negative scale
    flips the bounds.
    """

    def __init__(self, loc, scale, domain=constraints.real) -> None:
        self.loc = loc
        self.scale = scale
        self._domain = domain

    @property
    def domain(self):
        return self._domain

    @property
    def codomain(self):
        domain = self.domain
        negative = bool(dnp.all(dnp.less(self.scale, 0)))
        if domain is constraints.real:
            return constraints.real
        if isinstance(domain, constraints.greater_than):
            bound = self(domain.lower_bound)
            return constraints.less_than(bound) if negative else constraints.greater_than(bound)
        if isinstance(domain, constraints.less_than):
            bound = self(domain.upper_bound)
            return constraints.greater_than(bound) if negative else constraints.less_than(bound)
        if isinstance(domain, constraints.interval):
            lower, upper = self(domain.lower_bound), self(domain.upper_bound)
            if negative:
                lower, upper = upper, lower
            return constraints.interval(lower, upper)
        raise NotImplementedError(f"AffineTransform has no codomain for domain {domain!r}")

    @property
    def sign(self):
        return dnp.sign(self.scale)

    def __call__(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # scale * ones_like(x) keeps x's dtype for a Python scale and broadcasts a batched one.
        return dnp.log(dnp.abs(self.scale * dnp.ones_like(x)))

    def forward_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.loc), dnp.shape(self.scale))

    def inverse_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.loc), dnp.shape(self.scale))


class ComposeTransform(Transform):
    """y = parts[-1](... parts[0](x)); log-det the sum of the parts' log-dets, each summed over
    the axes that are event axes of the whole but batch axes of the part."""

    def __init__(self, parts) -> None:
        self.parts = list(parts)

    def _input_event_dim(self) -> int:
        event_dim = self.parts[-1].domain.event_dim
        for part in self.parts[-2::-1]:
            event_dim = part.domain.event_dim + max(event_dim - part.codomain.event_dim, 0)
        return event_dim

    def _output_event_dim(self) -> int:
        event_dim = self.parts[0].codomain.event_dim
        for part in self.parts[1:]:
            event_dim = part.codomain.event_dim + max(event_dim - part.domain.event_dim, 0)
        return event_dim

    @property
    def domain(self):
        first = self.parts[0].domain
        extra = self._input_event_dim() - first.event_dim
        return constraints.independent(first, extra) if extra else first

    @property
    def codomain(self):
        last = self.parts[-1].codomain
        extra = self._output_event_dim() - last.event_dim
        return constraints.independent(last, extra) if extra else last

    @property
    def sign(self):
        sign = 1
        for part in self.parts:
            sign = sign * part.sign
        return sign

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y):
        for part in self.parts[::-1]:
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        result = 0.0
        event_dim = self.domain.event_dim
        for part in self.parts[:-1]:
            y_part = part(x)
            batch_ndim = event_dim - part.domain.event_dim
            result = result + _sum_rightmost(part.log_abs_det_jacobian(x, y_part), batch_ndim)
            event_dim = part.codomain.event_dim + batch_ndim
            x = y_part
        last = self.parts[-1]
        logdet = last.log_abs_det_jacobian(x, y)
        return result + _sum_rightmost(logdet, event_dim - last.domain.event_dim)

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in self.parts[::-1]:
            shape = part.inverse_shape(shape)
        return shape


class IndependentTransform(Transform):
    """``base_transform`` with its ``reinterpreted_batch_ndims`` rightmost batch axes made event
    axes: the same map, its log-det summed over those axes."""

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(base_transform, Transform):
            raise TypeError(f"expected a Transform, got {base_transform!r}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"reinterpreted_batch_ndims must be an int >= 0, got {reinterpreted_batch_ndims!r}"
            )
        self.base_transform = base_transform
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    def __call__(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform._inverse(y)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        result = self.base_transform.log_abs_det_jacobian(x, y)
        if dnp.ndim(result) < self.reinterpreted_batch_ndims:
            raise ValueError(f"Expected x.dim() >= {self.domain.event_dim} but got {dnp.ndim(x)}")
        return _sum_rightmost(result, self.reinterpreted_batch_ndims)

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)


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
        return _clipped_expit(x)

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
        return _softplus(x)

    def _inverse(self, y):
        return dnp.log(-dnp.expm1(-y)) + y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return -_softplus(-x)


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
        return 2.0 * (math.log(2.0) - x - _softplus(-2.0 * x))


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


def _stick_offset(k: int, dtype):
    """log(K - i), i = 0..K-1: subtracted from x so that x = 0 maps to the uniform simplex."""
    return dnp.log(dnp.arange(k, 0, -1, dtype=dtype))


class StickBreakingTransform(Transform):
    """R^(K-1) -> the K-simplex by stick breaking (Stan's simplex transform, NumPyro's offset).

    Forward: z_i = expit(x_i - log(K - 1 - i)) (clipped), y_i = z_i prod_{j<i} (1 - z_j), and
    y_last = prod_j (1 - z_j). Inverse: x_i = log(y_i / (1 - sum_{j<=i} y_j)) + log(K - 1 - i).
    Log-det (of the map to the first K - 1 coordinates of y):
    sum_i log y_i + log_expit(x_i') - x_i', x_i' the offset x_i; log_expit keeps it finite
    where z_i rounds to 0 or 1.
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __call__(self, x):
        z = _clipped_expit(x - _stick_offset(x.shape[-1], x.dtype))
        z1m_cumprod = dnp.cumprod(1 - z, axis=-1)
        return _pad_last(z, 0, 1) * _pad_last(z1m_cumprod, 1, 0)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        tiny = dnp.finfo(y.dtype).tiny
        z1m_cumprod = dnp.clip(1 - dnp.cumsum(y_crop, axis=-1), tiny, None)
        x = dnp.log(y_crop / z1m_cumprod)
        return x + _stick_offset(x.shape[-1], x.dtype)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        x = x - _stick_offset(x.shape[-1], x.dtype)
        return dnp.sum(dnp.log(y[..., :-1]) + (log_expit(x) - x), axis=-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape[:-1] + (shape[-1] - 1,)


class LowerCholeskyTransform(Transform):
    """R^(D(D+1)/2) -> lower triangular matrices with a positive diagonal.

    Forward: the first D(D-1)/2 entries fill the strict lower triangle row by row, the last D
    the diagonal through exp. Inverse: the strict lower triangle, then log of the diagonal.
    Log-det (of the map to the lower triangle): the sum of the last D entries of x.
    """

    domain = constraints.real_vector
    codomain = constraints.lower_cholesky

    def __call__(self, x):
        n = _tril_size(x.shape[-1], 0)
        strict = _vec_to_tril_matrix(x[..., : x.shape[-1] - n], diagonal=-1)
        return _add_diag(strict, dnp.exp(x[..., -n:]))

    def _inverse(self, y):
        strict = _matrix_to_tril_vec(y, diagonal=-1)
        return dnp.concatenate([strict, dnp.log(dnp.diagonal(y, axis1=-2, axis2=-1))], axis=-1)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        n = _tril_size(x.shape[-1], 0)
        return dnp.sum(x[..., -n:], axis=-1)

    def forward_shape(self, shape):
        return _matrix_forward_shape(shape)

    def inverse_shape(self, shape):
        return _matrix_inverse_shape(shape)


class CorrCholeskyTransform(Transform):
    """R^(D(D-1)/2) -> Cholesky factors of D x D correlation matrices (LKJ's parameterization).

    Forward: r = tanh(x) fills the strict lower triangle row by row; each row then goes through
    a signed stick breaking, y_ij = r_ij sqrt(1 - sum_{k<j} y_ik^2), and y_ii takes the rest
    of the unit norm. Inverse: r_ij = y_ij / sqrt(1 - sum_{k<j} y_ik^2), x = arctanh(r).
    Log-det (of the map to the strict lower triangle):
    1/2 sum log(1 - sum_{k<j} y_ik^2) + sum log(1 - tanh(x)^2), the latter as
    2 (log 2 - x - softplus(-2x)) so it stays finite where tanh(x) rounds to +-1.
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky

    def __call__(self, x):
        eps = dnp.finfo(x.dtype).eps
        r = _vec_to_tril_matrix(dnp.clip(dnp.tanh(x), -1 + eps, 1 - eps), diagonal=-1)
        # y = r * sqrt(prod of (1 - r^2) to the left), the diagonal with r = 1.
        z1m_cumprod_sqrt = dnp.cumprod(dnp.sqrt(1 - r * r), axis=-1)
        return _add_diag(r, dnp.ones(r.shape[:-1], dtype=r.dtype)) * _pad_last(
            z1m_cumprod_sqrt[..., :-1], 1, 0
        )

    def _inverse(self, y):
        z1m_cumprod = 1 - dnp.cumsum(y * y, axis=-1)
        shifted = _pad_last(z1m_cumprod[..., :-1], 1, 0)
        t = _matrix_to_tril_vec(y, diagonal=-1) / dnp.sqrt(
            _matrix_to_tril_vec(shifted, diagonal=-1)
        )
        return dnp.arctanh(t)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        z1m_cumprod = 1 - dnp.cumsum(y * y, axis=-1)
        # diagonal=-2 reads the left-shifted cumulative products without shifting.
        stick_breaking = 0.5 * dnp.sum(
            dnp.log(_matrix_to_tril_vec(z1m_cumprod, diagonal=-2)), axis=-1
        )
        tanh = -2.0 * dnp.sum(x + _softplus(-2.0 * x) - math.log(2.0), axis=-1)
        return stick_breaking + tanh

    def forward_shape(self, shape):
        return _matrix_forward_shape(shape, offset=-1)

    def inverse_shape(self, shape):
        return _matrix_inverse_shape(shape, offset=-1)


class CholeskyTransform(Transform):
    """Positive definite x -> y = cholesky(x); x = y y^T;
    log-det (of the lower triangle of x to y) -D log 2 - sum_i (D - i) log y_ii."""

    domain = constraints.positive_definite
    codomain = constraints.lower_cholesky

    def __call__(self, x):
        return dnp.linalg.cholesky(x)

    def _inverse(self, y):
        return dnp.matmul(y, dnp.swapaxes(y, -2, -1))

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        n = x.shape[-1]
        order = -dnp.arange(n, 0, -1, dtype=y.dtype)
        log_diag = dnp.log(dnp.diagonal(y, axis1=-2, axis2=-1))
        return -n * math.log(2.0) + dnp.sum(order * log_diag, axis=-1)


class CorrMatrixCholeskyTransform(CholeskyTransform):
    """Correlation matrix x -> y = cholesky(x); x = y y^T;
    log-det (of the strict lower triangles) -sum_i (D - 1 - i) log y_ii."""

    domain = constraints.corr_matrix
    codomain = constraints.corr_cholesky

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        n = x.shape[-1]
        order = -dnp.arange(n - 1, -1, -1, dtype=y.dtype)
        return dnp.sum(order * dnp.log(dnp.diagonal(y, axis1=-2, axis2=-1)), axis=-1)


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


class ConstraintRegistry:
    """``biject_to(constraint)``: the transform from unconstrained space onto ``constraint``.

    ``biject_to.register(constraint_type)`` (or an instance, meaning its type) decorates a
    factory ``constraint -> Transform``, as in NumPyro and PyTorch.
    """

    def __init__(self) -> None:
        self._registry: dict[type, object] = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint) -> Transform:
        factory = self._registry.get(type(constraint))
        if factory is None:
            raise NotImplementedError(f"biject_to has no transform registered for {constraint!r}")
        return factory(constraint)


biject_to = ConstraintRegistry()


@biject_to.register(constraints.real)
def _transform_to_real(constraint):
    return IdentityTransform()


@biject_to.register(constraints.real_vector)
@biject_to.register(constraints.real_matrix)
@biject_to.register(constraints.independent)
def _transform_to_independent(constraint):
    base = biject_to(constraint.base_constraint)
    return IndependentTransform(base, constraint.reinterpreted_batch_ndims)


@biject_to.register(constraints.positive)
@biject_to.register(constraints.nonnegative)
def _transform_to_positive(constraint):
    return ExpTransform()


@biject_to.register(constraints.softplus_positive)
def _transform_to_softplus_positive(constraint):
    return SoftplusTransform()


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
def _transform_to_greater_than(constraint):
    shift = AffineTransform(constraint.lower_bound, 1, domain=constraints.positive)
    return ComposeTransform([ExpTransform(), shift])


@biject_to.register(constraints.less_than)
@biject_to.register(constraints.less_than_eq)
def _transform_to_less_than(constraint):
    flip = AffineTransform(constraint.upper_bound, -1, domain=constraints.positive)
    return ComposeTransform([ExpTransform(), flip])


@biject_to.register(constraints.unit_interval)
def _transform_to_unit_interval(constraint):
    return SigmoidTransform()


@biject_to.register(constraints.interval)
@biject_to.register(constraints.open_interval)
@biject_to.register(constraints.circular)
def _transform_to_interval(constraint):
    scale = constraint.upper_bound - constraint.lower_bound
    stretch = AffineTransform(constraint.lower_bound, scale, domain=constraints.unit_interval)
    return ComposeTransform([SigmoidTransform(), stretch])


@biject_to.register(constraints.simplex)
def _transform_to_simplex(constraint):
    return StickBreakingTransform()


@biject_to.register(constraints.ordered_vector)
def _transform_to_ordered_vector(constraint):
    return OrderedTransform()


@biject_to.register(constraints.positive_ordered_vector)
def _transform_to_positive_ordered_vector(constraint):
    return ComposeTransform([OrderedTransform(), ExpTransform()])


@biject_to.register(constraints.lower_cholesky)
def _transform_to_lower_cholesky(constraint):
    return LowerCholeskyTransform()


@biject_to.register(constraints.corr_cholesky)
def _transform_to_corr_cholesky(constraint):
    return CorrCholeskyTransform()


@biject_to.register(constraints.positive_definite)
@biject_to.register(constraints.positive_semidefinite)
def _transform_to_positive_definite(constraint):
    return ComposeTransform([LowerCholeskyTransform(), CholeskyTransform().inv])


@biject_to.register(constraints.corr_matrix)
def _transform_to_corr_matrix(constraint):
    return ComposeTransform([CorrCholeskyTransform(), CorrMatrixCholeskyTransform().inv])
