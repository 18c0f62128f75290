"""Multivariate families: MultivariateNormal, LowRankMultivariateNormal and Dirichlet.

NumPyro's names, argument names and formulas. A MultivariateNormal is held through its lower
Cholesky factor ``scale_tril`` L (Sigma = L L^T): ``log_prob`` solves L m = x - loc by a
triangular solve, ``sample`` is ``loc + L eps``. A LowRankMultivariateNormal (Sigma = W W^T +
diag(D)) uses the capacitance matrix K = I + W^T D^-1 W (Woodbury and the matrix determinant
lemma), so ``log_prob`` costs O(n k^2). A Dirichlet is sampled as normalized Gamma draws, pathwise
where ``dnp.random``'s gamma sampler carries gradients. Written on ``dnp``,
``dnp.scipy.linalg`` and ``dnp.scipy.special``, so every formula differentiates with
``dnp.autograd``; float32 parameters stay float32.
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import (
    Distribution,
    as_dtype,
    promote_params,
    validate_sample,
)
from dnp.scipy.linalg import cholesky, solve_triangular
from dnp.scipy.special import digamma, gammaln, xlogy

__all__ = ["Dirichlet", "LowRankMultivariateNormal", "MultivariateNormal"]

_LOG_2PI = math.log(2 * math.pi)


def _promote(*params):
    """``promote_params`` after turning nested lists and tuples into arrays."""
    return promote_params(*(dnp.asarray(p) if isinstance(p, (list, tuple)) else p for p in params))


def _diag(x):
    """The diagonals of a batch of matrices."""
    return dnp.diagonal(x, axis1=-2, axis2=-1)


def _mT(x):
    return dnp.swapaxes(x, -2, -1)


def _eye_like(x):
    return dnp.eye(x.shape[-1], dtype=x.dtype)


def _tri_solve(tril, rhs):
    """tril^-1 rhs for a batch of lower triangular matrices and right-hand sides of shape
    ``(..., n, m)``, broadcast over the batch axes (non-finite values give non-finite results
    rather than SciPy's ValueError)."""
    batch = dnp.broadcast_shapes(tril.shape[:-2], rhs.shape[:-2])
    tril = dnp.broadcast_to(tril, batch + tril.shape[-2:])
    rhs = dnp.broadcast_to(rhs, batch + rhs.shape[-2:])
    return solve_triangular(tril, rhs, lower=True, check_finite=False)


def _batch_mahalanobis(tril, diff):
    """|tril^-1 diff|^2 over the last axis, broadcast over the batch. When ``tril`` is a single
    matrix all the vectors are solved in one call, as columns."""
    if tril.ndim == 2:
        if diff.ndim == 2:  # the common case: a column per vector, no reshape
            m = solve_triangular(tril, _mT(diff), lower=True, check_finite=False)
            return dnp.einsum("ij,ij->j", m, m)
        cols = _mT(dnp.reshape(diff, (-1, diff.shape[-1])))
        m = solve_triangular(tril, cols, lower=True, check_finite=False)
        return dnp.reshape(dnp.einsum("ij,ij->j", m, m), diff.shape[:-1])
    m = _tri_solve(tril, diff[..., None])[..., 0]
    return dnp.einsum("...i,...i->...", m, m)


def _half_log_det(tril):
    """log|det(tril tril^T)| / 2 for lower triangular ``tril`` with a positive diagonal."""
    return dnp.sum(dnp.log(_diag(tril)), axis=-1)


def _precision_to_scale_tril(precision):
    """The lower Cholesky factor of precision^-1, without forming the inverse (NumPyro's)."""
    flipped = cholesky(dnp.flip(precision, axis=(-2, -1)), lower=True)
    tril_inv = _mT(dnp.flip(flipped, axis=(-2, -1)))
    eye = dnp.broadcast_to(_eye_like(precision), precision.shape)
    return solve_triangular(tril_inv, eye, lower=True)


class _ValidateGiven(Distribution):
    """Validates only the parameters the distribution was built with (``_given``), so lazily
    derived matrices are not computed (nor a Cholesky of a bad matrix attempted) to check."""

    def _validate_params(self) -> None:
        for name, value in self._given.items():
            constraint = self.arg_constraints[name]
            if not bool(dnp.all(constraint(value))):
                raise ValueError(
                    f"{type(self).__name__} distribution got invalid {name} parameter: "
                    f"it must satisfy {constraint!r}"
                )


class MultivariateNormal(_ValidateGiven):
    """MultivariateNormal(loc=0, covariance_matrix=None, precision_matrix=None, scale_tril=None):
    exactly one of the matrices (positive definite, positive definite, lower Cholesky); support
    the real vectors. The other two are computed when first read.

    log p(x) = -|L^-1 (x - loc)|^2 / 2 - sum(log diag L) - n log(2 pi) / 2; mean loc; variance
    diag(Sigma); entropy n (1 + log(2 pi)) / 2 + sum(log diag L).
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    reparametrized_params = ["loc", "covariance_matrix", "precision_matrix", "scale_tril"]

    def __init__(
        self,
        loc=0.0,
        covariance_matrix=None,
        precision_matrix=None,
        scale_tril=None,
        *,
        validate_args=None,
    ) -> None:
        given = {
            name: m
            for name, m in (
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
                ("scale_tril", scale_tril),
            )
            if m is not None
        }
        if len(given) != 1:
            raise ValueError(
                "MultivariateNormal needs exactly one of covariance_matrix, precision_matrix "
                f"and scale_tril, got {sorted(given) or 'none'}"
            )
        ((name, matrix),) = given.items()
        loc, matrix = _promote(loc, matrix)
        if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
            raise ValueError(f"{name} must be a (batch of) square matrices, got {matrix.shape}")
        if loc.ndim == 0:
            loc = loc[None]
        batch_shape = dnp.broadcast_shapes(loc.shape[:-1], matrix.shape[:-2])
        event_shape = matrix.shape[-1:]
        loc = dnp.broadcast_to(loc, batch_shape + event_shape)
        self.loc = loc
        self._given = {"loc": loc, name: matrix}
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def _full(self, matrix):
        return dnp.broadcast_to(matrix, self.batch_shape + self.event_shape * 2)

    def _derived(self, name, compute):
        """The matrix ``name``: as given, or computed by ``compute`` (cached off the tape)."""
        if name in self._given:
            return self._given[name]
        return self._cached(name, compute)

    def _tril(self):
        """scale_tril with only its own batch axes (for solves that broadcast)."""

        def compute():
            if "covariance_matrix" in self._given:
                return cholesky(self._given["covariance_matrix"], lower=True)
            return _precision_to_scale_tril(self._given["precision_matrix"])

        return self._derived("scale_tril", compute)

    @property
    def scale_tril(self):
        return self._full(self._tril())

    @property
    def covariance_matrix(self):
        def compute():
            tril = self._tril()
            return tril @ _mT(tril)

        return self._full(self._derived("covariance_matrix", compute))

    @property
    def precision_matrix(self):
        def compute():
            tril = self._tril()
            eye = dnp.broadcast_to(_eye_like(tril), tril.shape)
            tril_inv = solve_triangular(tril, eye, lower=True)
            return _mT(tril_inv) @ tril_inv

        return self._full(self._derived("precision_matrix", compute))

    def _sample(self, shape, rng):
        eps = rng.standard_normal(shape, self.loc.dtype)  # positional: no keywords to pass on
        tril = self._tril()
        if tril.ndim == 2:  # one matrix: the draws are the rows of eps L^T
            # L^T copied into C order once: BLAS reads it faster than the transposed view.
            lt = self._cached("scale_tril^T", lambda: dnp.ascontiguousarray(_mT(tril)))
            # dot: BLAS's gemm as matmul calls it for one matrix of draws, with less overhead.
            return (dnp.dot(eps, lt) if eps.ndim <= 2 else eps @ lt) + self.loc
        return self.loc + (tril @ eps[..., None])[..., 0]

    @validate_sample
    def log_prob(self, value):
        tril = self._tril()
        diff = value - self.loc
        mahalanobis = _batch_mahalanobis(tril, diff)
        n = self.event_shape[0]
        norm = self._cached("norm", lambda: -0.5 * n * _LOG_2PI - _half_log_det(tril))
        return norm - 0.5 * mahalanobis

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        tril = self._tril()
        return dnp.broadcast_to(dnp.sum(tril * tril, axis=-1), self.loc.shape)

    def entropy(self):
        n = self.event_shape[0]
        h = 0.5 * n * (1.0 + _LOG_2PI) + _half_log_det(self._tril())
        return dnp.broadcast_to(h, self.batch_shape)


class LowRankMultivariateNormal(_ValidateGiven):
    """LowRankMultivariateNormal(loc, cov_factor, cov_diag): covariance Sigma = W W^T + diag(D)
    with W = cov_factor (n x k) and D = cov_diag > 0; support the real vectors.

    With the capacitance K = I_k + W^T D^-1 W = C C^T: log det Sigma = 2 sum(log diag C) +
    sum(log D) and x^T Sigma^-1 x = sum(x^2 / D) - |C^-1 W^T D^-1 x|^2 (Woodbury). Samples are
    loc + W eps_W + sqrt(D) eps_D. mean loc; variance sum(W^2, -1) + D; entropy
    (n (1 + log(2 pi)) + log det Sigma) / 2.
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    reparametrized_params = ["loc", "cov_factor", "cov_diag"]

    def __init__(self, loc, cov_factor, cov_diag, *, validate_args=None) -> None:
        loc, cov_factor, cov_diag = _promote(loc, cov_factor, cov_diag)
        if cov_factor.ndim < 2:
            raise ValueError(f"cov_factor must be at least 2-dimensional, got {cov_factor.shape}")
        if loc.ndim == 0:
            loc = loc[None]
        if cov_diag.ndim == 0:
            cov_diag = cov_diag[None]
        event_shape = cov_factor.shape[-2:-1]
        batch_shape = dnp.broadcast_shapes(
            loc.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1]
        )
        self.loc = dnp.broadcast_to(loc, batch_shape + event_shape)
        self.cov_factor = cov_factor
        self.cov_diag = cov_diag
        self._given = {"loc": self.loc, "cov_factor": cov_factor, "cov_diag": cov_diag}
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def _capacitance_tril(self):
        """C with C C^T = I + W^T D^-1 W."""

        def compute():
            w = self.cov_factor / dnp.sqrt(self.cov_diag)[..., None]
            return cholesky(_mT(w) @ w + _eye_like(w), lower=True)

        return self._cached("capacitance_tril", compute)

    def _log_det(self):
        c = self._capacitance_tril()
        return 2 * _half_log_det(c) + dnp.sum(dnp.log(self.cov_diag), axis=-1)

    @property
    def covariance_matrix(self):
        w = self.cov_factor
        n = self.event_shape[0]
        cov = w @ _mT(w) + self.cov_diag[..., None] * dnp.eye(n, dtype=w.dtype)
        return dnp.broadcast_to(cov, self.batch_shape + self.event_shape * 2)

    @property
    def scale_tril(self):
        return cholesky(self.covariance_matrix, lower=True)

    @property
    def precision_matrix(self):
        # Sigma^-1 = D^-1 - D^-1 W K^-1 W^T D^-1, with K^-1 through its Cholesky factor C.
        wt_dinv = _mT(self.cov_factor) / self.cov_diag[..., None, :]
        a = _tri_solve(self._capacitance_tril(), wt_dinv)
        n = self.event_shape[0]
        dinv = (1 / self.cov_diag)[..., None] * dnp.eye(n, dtype=self.loc.dtype)
        prec = dinv - _mT(a) @ a
        return dnp.broadcast_to(prec, self.batch_shape + self.event_shape * 2)

    def _sample(self, shape, rng):
        k = self.cov_factor.shape[-1]
        dtype = self.loc.dtype
        eps_w = rng.standard_normal(shape[:-1] + (k,), dtype=dtype)
        eps_d = rng.standard_normal(shape, dtype=dtype)
        return (
            self.loc
            + (self.cov_factor @ eps_w[..., None])[..., 0]
            + dnp.sqrt(self.cov_diag) * eps_d
        )

    @validate_sample
    def log_prob(self, value):
        diff = value - self.loc
        wt_dinv_x = (_mT(self.cov_factor) @ (diff / self.cov_diag)[..., None])[..., 0]
        m = _tri_solve(self._capacitance_tril(), wt_dinv_x[..., None])[..., 0]
        mahalanobis = dnp.sum(diff * diff / self.cov_diag, axis=-1) - dnp.sum(m * m, axis=-1)
        n = self.event_shape[0]
        return -0.5 * (n * _LOG_2PI + mahalanobis + self._log_det())

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        v = dnp.sum(self.cov_factor**2, axis=-1) + self.cov_diag
        return dnp.broadcast_to(v, self.loc.shape)

    def entropy(self):
        n = self.event_shape[0]
        h = 0.5 * (n * (1.0 + _LOG_2PI) + self._log_det())
        return dnp.broadcast_to(h, self.batch_shape)


class Dirichlet(Distribution):
    """Dirichlet(concentration): concentration a > 0 (a vector per batch entry); support the
    simplex.

    log p(x) = sum((a - 1) log x) + gammaln(a0) - sum(gammaln(a)), a0 = sum(a); samples are
    Gamma(a, 1) draws divided by their sum; mean a / a0; variance a (a0 - a) / (a0^2 (a0 + 1));
    entropy sum(gammaln(a)) - gammaln(a0) + (a0 - k) digamma(a0) - sum((a - 1) digamma(a)).
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    reparametrized_params = ["concentration"]

    def __init__(self, concentration, *, validate_args=None) -> None:
        (concentration,) = _promote(concentration)
        if concentration.ndim < 1:
            raise ValueError("concentration must be at least one-dimensional")
        self.concentration = concentration
        super().__init__(
            concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args
        )

    def _sample(self, shape, rng):
        dtype = self.concentration.dtype
        if not self.batch_shape:  # one concentration: NumPy's sampler (dnp's differentiates)
            # One axis of draws as an int: NumPy's dirichlet tries operator.index(size) first,
            # and the TypeError a tuple raises there costs a tenth of a 10-draw call.
            size = shape[0] if len(shape) == 2 else shape[:-1]
            return as_dtype(rng.dirichlet(self.concentration, size), dtype)
        a = dnp.broadcast_to(self.concentration, shape)
        g = rng.standard_gamma(a, size=shape, dtype=dtype)
        g = dnp.maximum(g, dnp.finfo(dtype).tiny)
        return g / dnp.sum(g, axis=-1, keepdims=True)

    @validate_sample
    def log_prob(self, value):
        a = self.concentration
        norm = self._cached("norm", lambda: gammaln(dnp.sum(a, axis=-1)) - dnp.sum(gammaln(a), -1))
        a_1 = self._cached("concentration - 1", lambda: a - 1)
        # einsum sums a short last axis several times faster than sum.
        return dnp.einsum("...k->...", xlogy(a_1, value)) + norm

    @property
    def mean(self):
        a = self.concentration
        return a / dnp.sum(a, axis=-1, keepdims=True)

    @property
    def variance(self):
        a = self.concentration
        a0 = dnp.sum(a, axis=-1, keepdims=True)
        return a * (a0 - a) / (a0 * a0 * (a0 + 1))

    def entropy(self):
        a = self.concentration
        k = a.shape[-1]
        a0 = dnp.sum(a, axis=-1)
        log_b = dnp.sum(gammaln(a), axis=-1) - gammaln(a0)
        return log_b + (a0 - k) * digamma(a0) - dnp.sum((a - 1) * digamma(a), axis=-1)
