"""``Unit``: the trivial distribution that carries a log factor, behind ``infer.factor``."""

from __future__ import annotations

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import Distribution, promote_params

__all__ = ["Unit"]


class Unit(Distribution):
    """The distribution on the empty event whose log density is ``log_factor`` (NumPyro's
    ``Unit``).

    Parameter: ``log_factor`` (real; its shape is the batch shape). The event shape is ``(0,)``,
    so a draw is an empty array of shape ``sample_shape + batch_shape + (0,)``; ``log_prob(value)``
    is ``log_factor`` broadcast with the batch shape of ``value``, differentiable in
    ``log_factor``.
    """

    arg_constraints = {"log_factor": constraints.real}
    support = constraints.real
    reparametrized_params = ["log_factor"]

    def __init__(self, log_factor, *, validate_args=None) -> None:
        (self.log_factor,) = promote_params(log_factor)
        # An event of size 0: a draw holds no numbers, only the factor's shape.
        super().__init__(self.log_factor.shape, (0,), validate_args=validate_args)

    def _sample(self, shape, rng):
        return dnp.empty(shape, dtype=self.log_factor.dtype)

    def log_prob(self, value):
        shape = dnp.broadcast_shapes(self.batch_shape, dnp.shape(value)[:-1])
        return dnp.broadcast_to(self.log_factor, shape)
