"""LKJCholesky: the LKJ distribution over correlation matrices, on their Cholesky factors.

NumPyro's name, arguments and formulas. For a correlation matrix C = L L^T of dimension d the
LKJ density is proportional to det(C)^(eta - 1) = prod_i L_ii^(2 (eta - 1)); the Jacobian of
L -> C is prod_i L_ii^(d - i - 1) (0-based i), so

    log p(L) = sum_{i >= 1} (2 (eta - 1) + d - i - 1) log L_ii - log Z,
    log Z = (d - 1) / 2 log(pi) + multigammaln(alpha - 1/2, d - 1) - (d - 1) gammaln(alpha),
    alpha = eta + (d - 1) / 2

(Lewandowski, Kurowicka and Joe 2009, as NumPyro writes it). Samples are drawn by the onion
method (Section 3.2 of that paper: Beta draws for the squared row norms and normal draws for the
directions) or by the C-vine method (Beta partial correlations through signed stick breaking).
Neither is pathwise: ``has_rsample`` is False. Written on ``dnp`` and ``dnp.scipy.special``.
"""

from __future__ import annotations

import math

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import Distribution, promote_params, validate_sample
from dnp.scipy.special import gammaln, multigammaln

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """LKJCholesky(dimension, concentration=1.0, sample_method="onion"): Cholesky factors of
    d x d correlation matrices with density proportional to det(L L^T)^(concentration - 1).

    ``dimension`` d >= 2; ``concentration`` eta > 0, its shape the batch shape; ``event_shape``
    (d, d); support ``constraints.corr_cholesky``. ``sample_method`` is "onion" or "cvine".
    Each off-diagonal correlation has marginal Beta(eta + (d - 2) / 2, eta + (d - 2) / 2) on
    [-1, 1] (for d = 2, Beta(eta, eta)).
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky
    has_rsample = False
    reparametrized_params: list = []

    def __init__(
        self, dimension, concentration=1.0, sample_method="onion", *, validate_args=None
    ) -> None:
        if int(dimension) != dimension or dimension < 2:
            raise ValueError(f"dimension must be an integer >= 2, got {dimension!r}")
        if sample_method not in ("onion", "cvine"):
            raise ValueError(f"sample_method must be 'onion' or 'cvine', got {sample_method!r}")
        (concentration,) = promote_params(dnp.asarray(concentration))
        self.dimension = int(dimension)
        self.concentration = concentration
        self.sample_method = sample_method
        d = self.dimension
        super().__init__(concentration.shape, (d, d), validate_args=validate_args)

    # ---- sampling ---------------------------------------------------------------------------

    def _beta(self, rng, size, a, b):
        """Beta(a, b) draws of shape ``size``, clipped to [0, 1], in the parameters' dtype."""
        dtype = self.concentration.dtype
        a = dnp.broadcast_to(dnp.asarray(a, dtype=dtype), size)
        b = dnp.broadcast_to(dnp.asarray(b, dtype=dtype), size)
        return dnp.clip(rng.beta(a, b, size=size).astype(dtype), 0, 1)

    def _sample(self, shape, rng):
        if self.sample_method == "onion":
            return self._onion(shape, rng)
        return self._cvine(shape, rng)

    def _onion(self, shape, rng):
        # Row i (1 <= i < d) of L: w_i = sqrt(y_i) u_i with y_i ~ Beta(i / 2, b - (i - 1) / 2),
        # b = eta + (d - 2) / 2, u_i uniform on the unit sphere of R^i, L_ii = sqrt(1 - |w_i|^2).
        d = self.dimension
        dtype = self.concentration.dtype
        lead = tuple(shape[:-2])
        marginal = self.concentration + 0.5 * (d - 2)
        offset = 0.5 * dnp.arange(d - 1, dtype=dtype)
        conc0 = marginal[..., None] - offset
        conc1 = offset + 0.5
        y = self._beta(rng, lead + (d - 1,), conc1, conc0)
        normal = rng.standard_normal(size=lead + (d - 1, d - 1), dtype=dtype)
        mask = dnp.tril(dnp.ones((d - 1, d - 1), dtype=dtype))
        normal = normal * mask
        u = normal / dnp.linalg.norm(normal, axis=-1, keepdims=True)
        w = dnp.sqrt(y)[..., None] * u
        # w fills rows 1..d-1 and columns 0..d-2 of L; row 0 is (1, 0, ..., 0).
        zero_col = dnp.zeros(lead + (d - 1, 1), dtype=dtype)
        rows = dnp.concatenate([w, zero_col], axis=-1)
        first = dnp.broadcast_to(dnp.eye(1, d, dtype=dtype), lead + (1, d))
        chol = dnp.concatenate([first, rows], axis=-2)
        diag = dnp.sqrt(dnp.clip(1 - dnp.sum(chol * chol, axis=-1), 0, None))
        return chol + diag[..., None] * dnp.eye(d, dtype=dtype)

    def _cvine(self, shape, rng):
        # Partial correlations r_ij = 2 Beta(c_j, c_j) - 1 with c_j = eta + (d - 2) / 2 - j / 2
        # (column j, 0-based, below the diagonal), turned into L by signed stick breaking:
        # L_ij = r_ij sqrt(1 - sum_{k<j} L_ik^2), L_ii = sqrt(1 - sum_{k<i} L_ik^2).
        d = self.dimension
        dtype = self.concentration.dtype
        lead = tuple(shape[:-2])
        marginal = self.concentration + 0.5 * (d - 2)
        offset = 0.5 * dnp.arange(d - 1, dtype=dtype)
        conc = marginal[..., None, None] - dnp.broadcast_to(offset, (d - 1, d - 1))
        r = 2 * self._beta(rng, lead + (d - 1, d - 1), conc, conc) - 1
        # r[..., i - 1, j] is the partial correlation for row i, column j < i.
        rows = [dnp.broadcast_to(dnp.eye(1, d, dtype=dtype)[0], lead + (d,))]
        for i in range(1, d):
            remaining = dnp.ones(lead, dtype=dtype)
            entries = []
            for j in range(i):
                entry = r[..., i - 1, j] * dnp.sqrt(dnp.clip(remaining, 0, None))
                entries.append(entry)
                remaining = remaining - entry * entry
            entries.append(dnp.sqrt(dnp.clip(remaining, 0, None)))
            entries.extend(dnp.zeros(lead, dtype=dtype) for _ in range(d - i - 1))
            rows.append(dnp.stack(entries, axis=-1))
        return dnp.stack(rows, axis=-2)

    # ---- density ----------------------------------------------------------------------------

    @validate_sample
    def log_prob(self, value):
        d = self.dimension
        eta = self.concentration
        value = dnp.asarray(value)
        dtype = dnp.result_type(value.dtype, eta.dtype)
        # order_i = 2 eta - (3 - d + i) for i = 1..d-1, i.e. 2 (eta - 1) + d - i - 1.
        one_to_d = dnp.arange(1, d, dtype=dtype)
        order = 2 * eta[..., None] - ((3 - d) + one_to_d)
        diag = dnp.diagonal(value, axis1=-2, axis2=-1)[..., 1:]
        unnormalized = dnp.sum(order * dnp.log(diag), axis=-1)
        dm1 = d - 1
        alpha = eta + 0.5 * dm1
        log_normalizer = (
            0.5 * dm1 * math.log(math.pi)
            + multigammaln(alpha - 0.5, dm1).astype(alpha.dtype)
            - dm1 * gammaln(alpha)
        )
        return unnormalized - log_normalizer
