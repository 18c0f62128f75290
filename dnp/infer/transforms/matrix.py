"""Transforms onto simplices and matrices (stick breaking, Cholesky factors, correlation
matrices), with the triangular-matrix helpers they share."""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.transforms.base import Transform, clipped_expit, softplus
from dnp.scipy.special import log_expit


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
    padded = dnp.concatenate([t, dnp.zeros_like(t, shape=t.shape[:-1] + (1,))], axis=-1)
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
        z = clipped_expit(x - _stick_offset(x.shape[-1], x.dtype))
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
        tanh = -2.0 * dnp.sum(x + softplus(-2.0 * x) - math.log(2.0), axis=-1)
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
