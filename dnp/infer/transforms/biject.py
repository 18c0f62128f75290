"""``biject_to``: the registry from a constraint to the transform onto it from unconstrained
space, with a registration for every constraint that has one."""

from __future__ import annotations

from dnp.infer import constraints
from dnp.infer.transforms.base import (
    AffineTransform,
    ComposeTransform,
    IdentityTransform,
    IndependentTransform,
    Transform,
)
from dnp.infer.transforms.elementwise import (
    ExpTransform,
    OrderedTransform,
    SigmoidTransform,
    SoftplusTransform,
)
from dnp.infer.transforms.matrix import (
    CholeskyTransform,
    CorrCholeskyTransform,
    CorrMatrixCholeskyTransform,
    LowerCholeskyTransform,
    StickBreakingTransform,
)


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
