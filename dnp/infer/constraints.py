"""Constraints: the regions a random variable or a parameter lives in.

The names and semantics are NumPyro's (``numpyro.distributions.constraints``), so code ports by
changing one import. A constraint is data: ``c(x)`` is a boolean dnp array saying whether ``x`` is
in it, reduced over the constraint's ``event_dim`` rightmost axes (a ``simplex`` check of shape
``(5, 3)`` gives shape ``(5,)``); ``c.feasible_like(x)`` is a point inside with ``x``'s shape.
Singletons (``real``, ``positive``, ``simplex``, ...) are instances; parameterized ones
(``interval``, ``greater_than``, ``independent``, ...) are their classes, called to build one.
``dnp.infer.biject_to`` maps each to unconstrained space. Written on the public ``dnp`` only.
"""

from __future__ import annotations

import math

import dnp

__all__ = [
    "Constraint",
    "boolean",
    "circular",
    "corr_cholesky",
    "corr_matrix",
    "greater_than",
    "greater_than_eq",
    "independent",
    "integer_greater_than",
    "integer_interval",
    "interval",
    "less_than",
    "less_than_eq",
    "lower_cholesky",
    "multinomial",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "open_interval",
    "ordered_vector",
    "positive",
    "positive_definite",
    "positive_integer",
    "positive_ordered_vector",
    "positive_semidefinite",
    "real",
    "real_matrix",
    "real_vector",
    "simplex",
    "softplus_positive",
    "unit_interval",
]


class Constraint:
    """A region over which a variable is valid (NumPyro's ``Constraint``)."""

    is_discrete = False
    event_dim = 0

    def __call__(self, x):
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__[1:] + "()"

    def check(self, value):
        """Whether each event of ``value`` is in the constraint (same as calling it)."""
        return self(value)

    def feasible_like(self, prototype):
        """A value inside the constraint with the shape and dtype of ``prototype``."""
        raise NotImplementedError


class _SingletonConstraint(Constraint):
    """A constraint with one canonical instance (``real``, unlike ``interval``)."""

    def __new__(cls, *args, **kwargs):
        # A subclass gets its own instance, never its parent's.
        if type(cls.__dict__.get("_instance")) is not cls:
            cls._instance = super().__new__(cls)
        return cls._instance


def _matrix_eye(prototype):
    """Identity matrices with ``prototype``'s shape and dtype."""
    n = prototype.shape[-1]
    return dnp.broadcast_to(dnp.eye(n, dtype=prototype.dtype), prototype.shape)


def _is_lower_cholesky(x):
    """Lower triangular with a positive diagonal, per matrix."""
    lower = dnp.all(dnp.tril(x) == x, axis=(-2, -1))
    positive_diagonal = dnp.all(dnp.diagonal(x, axis1=-2, axis2=-1) > 0, axis=-1)
    return lower & positive_diagonal


def _is_symmetric(x):
    return dnp.all(dnp.isclose(x, dnp.swapaxes(x, -2, -1)), axis=(-2, -1))


class _Boolean(_SingletonConstraint):
    """x in {0, 1}."""

    is_discrete = True

    def __call__(self, x):
        return dnp.equal(x, dnp.not_equal(x, 0))  # x == (x != 0): 0 and 1 only, in two ops

    def feasible_like(self, prototype):
        return dnp.zeros_like(prototype)


class _Real(_SingletonConstraint):
    """Finite reals: not nan, not +-inf (NumPyro's ``real``)."""

    def __call__(self, x):
        # NumPyro's real excludes nan and +-inf.
        return dnp.isfinite(x)

    def feasible_like(self, prototype):
        return dnp.zeros_like(prototype)


class _GreaterThan(Constraint):
    """x > lower_bound."""

    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def __call__(self, x):
        return dnp.greater(x, self.lower_bound)

    def __repr__(self) -> str:
        return f"{type(self).__name__[1:]}(lower_bound={self.lower_bound})"

    def feasible_like(self, prototype):
        return dnp.broadcast_to(self.lower_bound + 1, dnp.shape(prototype)).astype(
            dnp.result_type(prototype, self.lower_bound)
        )


class _GreaterThanEq(_GreaterThan):
    """x >= lower_bound."""

    def __call__(self, x):
        return dnp.greater_equal(x, self.lower_bound)


class _Positive(_GreaterThan, _SingletonConstraint):
    """x > 0."""

    def __init__(self) -> None:
        super().__init__(0.0)


class _Nonnegative(_GreaterThanEq, _SingletonConstraint):
    """x >= 0."""

    def __init__(self) -> None:
        super().__init__(0.0)


class _SoftplusPositive(_GreaterThan, _SingletonConstraint):
    """Positive reals whose canonical bijection is softplus (NumPyro's ``softplus_positive``)."""

    def __init__(self) -> None:
        super().__init__(0.0)

    def feasible_like(self, prototype):
        return dnp.full_like(prototype, math.log(2.0))


class _LessThan(Constraint):
    """x < upper_bound."""

    def __init__(self, upper_bound) -> None:
        self.upper_bound = upper_bound

    def __call__(self, x):
        return dnp.less(x, self.upper_bound)

    def __repr__(self) -> str:
        return f"{type(self).__name__[1:]}(upper_bound={self.upper_bound})"

    def feasible_like(self, prototype):
        return dnp.broadcast_to(self.upper_bound - 1, dnp.shape(prototype)).astype(
            dnp.result_type(prototype, self.upper_bound)
        )


class _LessThanEq(_LessThan):
    """x <= upper_bound."""

    def __call__(self, x):
        return dnp.less_equal(x, self.upper_bound)


class _Interval(Constraint):
    """The closed interval ``[lower_bound, upper_bound]``."""

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __call__(self, x):
        return dnp.greater_equal(x, self.lower_bound) & dnp.less_equal(x, self.upper_bound)

    def __repr__(self) -> str:
        name = type(self).__name__[1:]
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"

    def feasible_like(self, prototype):
        middle = (self.lower_bound + self.upper_bound) / 2
        return dnp.broadcast_to(middle, dnp.shape(prototype)).astype(
            dnp.result_type(prototype, middle)
        )


class _OpenInterval(_Interval):
    """The open interval ``(lower_bound, upper_bound)``."""

    def __call__(self, x):
        return dnp.greater(x, self.lower_bound) & dnp.less(x, self.upper_bound)


class _UnitInterval(_Interval, _SingletonConstraint):
    """The closed interval [0, 1]."""

    def __init__(self) -> None:
        super().__init__(0.0, 1.0)


class _Circular(_Interval, _SingletonConstraint):
    """Angles: the closed interval [-pi, pi]."""

    def __init__(self) -> None:
        super().__init__(-math.pi, math.pi)


class _IntegerInterval(Constraint):
    """Integers (of any dtype) in ``[lower_bound, upper_bound]``."""

    is_discrete = True

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __call__(self, x):
        inside = dnp.greater_equal(x, self.lower_bound) & dnp.less_equal(x, self.upper_bound)
        return inside & dnp.equal(dnp.mod(x, 1), 0)

    def __repr__(self) -> str:
        name = type(self).__name__[1:]
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"

    def feasible_like(self, prototype):
        return dnp.broadcast_to(self.lower_bound, dnp.shape(prototype)).astype(
            dnp.result_type(prototype, self.lower_bound)
        )


class _IntegerGreaterThan(Constraint):
    """Integers (of any dtype) >= lower_bound."""

    is_discrete = True

    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def __call__(self, x):
        return dnp.equal(dnp.mod(x, 1), 0) & dnp.greater_equal(x, self.lower_bound)

    def __repr__(self) -> str:
        return f"{type(self).__name__[1:]}(lower_bound={self.lower_bound})"

    def feasible_like(self, prototype):
        return dnp.broadcast_to(self.lower_bound, dnp.shape(prototype)).astype(
            dnp.result_type(prototype, self.lower_bound)
        )


class _IntegerPositive(_IntegerGreaterThan, _SingletonConstraint):
    """Integers >= 1."""

    def __init__(self) -> None:
        super().__init__(1)


class _IntegerNonnegative(_IntegerGreaterThan, _SingletonConstraint):
    """Integers >= 0."""

    def __init__(self) -> None:
        super().__init__(0)


class _IndependentConstraint(Constraint):
    """``base_constraint`` with its ``reinterpreted_batch_ndims`` rightmost batch axes made
    part of the event: an event is valid only if all its entries are."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"expected a Constraint, got {base_constraint!r}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"reinterpreted_batch_ndims must be an int >= 0, got {reinterpreted_batch_ndims!r}"
            )
        if isinstance(base_constraint, _IndependentConstraint):
            reinterpreted_batch_ndims += base_constraint.reinterpreted_batch_ndims
            base_constraint = base_constraint.base_constraint
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def __call__(self, x):
        result = self.base_constraint(x)
        n = self.reinterpreted_batch_ndims
        if n == 0:
            return result
        if dnp.ndim(result) < n:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {dnp.ndim(x)}")
        return dnp.all(result, axis=tuple(range(-n, 0)))

    def __repr__(self) -> str:
        name = type(self).__name__[1:]
        return f"{name}({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"

    def feasible_like(self, prototype):
        return self.base_constraint.feasible_like(prototype)


class _RealVector(_IndependentConstraint, _SingletonConstraint):
    """Vectors of finite reals: ``independent(real, 1)``."""

    def __init__(self) -> None:
        super().__init__(_Real(), 1)

    def __repr__(self) -> str:
        return "RealVector()"


class _RealMatrix(_IndependentConstraint, _SingletonConstraint):
    """Matrices of finite reals: ``independent(real, 2)``."""

    def __init__(self) -> None:
        super().__init__(_Real(), 2)

    def __repr__(self) -> str:
        return "RealMatrix()"


class _Simplex(_SingletonConstraint):
    """Nonnegative vectors summing to 1 (within 1e-6, as NumPyro)."""

    event_dim = 1

    def __call__(self, x):
        # einsum sums a short last axis several times faster than sum; nan fails both tests.
        x_sum = dnp.einsum("...k->...", x)
        return dnp.all(x >= 0, axis=-1) & (dnp.abs(x_sum - 1) < 1e-6)

    def feasible_like(self, prototype):
        return dnp.full_like(prototype, 1 / prototype.shape[-1])


class _OrderedVector(_SingletonConstraint):
    """Strictly increasing vectors."""

    event_dim = 1

    def __call__(self, x):
        return dnp.all(x[..., 1:] > x[..., :-1], axis=-1)

    def feasible_like(self, prototype):
        ramp = dnp.arange(prototype.shape[-1], dtype=prototype.dtype)
        return dnp.broadcast_to(ramp, prototype.shape)


class _PositiveOrderedVector(_SingletonConstraint):
    """Positive and increasing along the last axis."""

    event_dim = 1

    def __call__(self, x):
        return _OrderedVector()(x) & dnp.all(x > 0, axis=-1)

    def feasible_like(self, prototype):
        ramp = dnp.exp(dnp.arange(prototype.shape[-1], dtype=prototype.dtype))
        return dnp.broadcast_to(ramp, prototype.shape)


class _LowerCholesky(_SingletonConstraint):
    """Lower triangular matrices with a positive diagonal."""

    event_dim = 2

    def __call__(self, x):
        return _is_lower_cholesky(x)

    def feasible_like(self, prototype):
        return _matrix_eye(prototype)


class _CorrCholesky(_SingletonConstraint):
    """Cholesky factors of correlation matrices: lower Cholesky with unit-norm rows."""

    event_dim = 2

    def __call__(self, x):
        row_norm = dnp.linalg.norm(x, axis=-1)
        tol = dnp.finfo(x.dtype).eps * x.shape[-1] * 10
        unit_rows = dnp.all(dnp.abs(row_norm - 1) <= tol, axis=-1)
        return _is_lower_cholesky(x) & unit_rows

    def feasible_like(self, prototype):
        return _matrix_eye(prototype)


class _PositiveDefinite(_SingletonConstraint):
    """Symmetric matrices whose least eigenvalue is > 0."""

    event_dim = 2

    def __call__(self, x):
        return _is_symmetric(x) & (dnp.linalg.eigvalsh(x)[..., 0] > 0)

    def feasible_like(self, prototype):
        return _matrix_eye(prototype)


class _PositiveSemiDefinite(_SingletonConstraint):
    """Symmetric matrices whose least eigenvalue is >= 0."""

    event_dim = 2

    def __call__(self, x):
        return _is_symmetric(x) & (dnp.linalg.eigvalsh(x)[..., 0] >= 0)

    def feasible_like(self, prototype):
        return _matrix_eye(prototype)


class _CorrMatrix(_SingletonConstraint):
    """Positive definite matrices with a unit diagonal (within 1e-6)."""

    event_dim = 2

    def __call__(self, x):
        unit_variance = dnp.all(dnp.abs(dnp.diagonal(x, axis1=-2, axis2=-1) - 1) < 1e-6, axis=-1)
        return _PositiveDefinite()(x) & unit_variance

    def feasible_like(self, prototype):
        return _matrix_eye(prototype)


class _OneHot(Constraint):
    """One-hot vectors (NumPyro's OneHotCategorical support: a simplex with integer entries)."""

    is_discrete = True
    event_dim = 1

    def __call__(self, x):
        x = dnp.asarray(x)
        entries = dnp.all((x == 0) | (x == 1), axis=-1)
        return entries & (dnp.sum(x, axis=-1) == 1)

    def __repr__(self) -> str:
        return "OneHot()"

    def feasible_like(self, prototype):
        k = prototype.shape[-1]
        return dnp.broadcast_to((dnp.arange(k) == 0).astype(prototype.dtype), prototype.shape)


class _Multinomial(Constraint):
    """Nonnegative integer vectors summing to ``upper_bound`` (NumPyro's ``multinomial``)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound) -> None:
        self.upper_bound = upper_bound

    def __call__(self, x):
        x = dnp.asarray(x)
        integer = dnp.all((x >= 0) & (dnp.mod(x, 1) == 0), axis=-1)
        return integer & (dnp.sum(x, axis=-1) == self.upper_bound)

    def __repr__(self) -> str:
        return "Multinomial(upper_bound=...)"

    def feasible_like(self, prototype):
        k = prototype.shape[-1]
        first = (dnp.arange(k) == 0).astype(prototype.dtype)
        return dnp.broadcast_to(first * dnp.asarray(self.upper_bound)[..., None], prototype.shape)


boolean = _Boolean()
circular = _Circular()
corr_cholesky = _CorrCholesky()
corr_matrix = _CorrMatrix()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
independent = _IndependentConstraint
integer_greater_than = _IntegerGreaterThan
integer_interval = _IntegerInterval
interval = _Interval
less_than = _LessThan
less_than_eq = _LessThanEq
lower_cholesky = _LowerCholesky()
multinomial = _Multinomial
nonnegative = _Nonnegative()
nonnegative_integer = _IntegerNonnegative()
one_hot = _OneHot()
open_interval = _OpenInterval
ordered_vector = _OrderedVector()
positive = _Positive()
positive_definite = _PositiveDefinite()
positive_integer = _IntegerPositive()
positive_ordered_vector = _PositiveOrderedVector()
positive_semidefinite = _PositiveSemiDefinite()
real = _Real()
real_matrix = _RealMatrix()
real_vector = _RealVector()
simplex = _Simplex()
softplus_positive = _SoftplusPositive()
unit_interval = _UnitInterval()
