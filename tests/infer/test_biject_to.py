"""``dnp.infer.biject_to``: for every constraint with a bijection, random unconstrained points
land in the constraint, round-trip through the inverse, and give a log-det of the batch shape;
float32 stays float32; discrete constraints raise a ``NotImplementedError`` naming them."""

from __future__ import annotations

import numpy
import pytest

import dnp
from dnp.infer import biject_to, constraints, transforms

# (constraint, shape of an unconstrained batch), the batch being (4, 2).
BIJECTIONS = [
    (constraints.real, (4, 2)),
    (constraints.real_vector, (4, 2, 3)),
    (constraints.real_matrix, (4, 2, 3, 2)),
    (constraints.positive, (4, 2)),
    (constraints.nonnegative, (4, 2)),
    (constraints.softplus_positive, (4, 2)),
    (constraints.unit_interval, (4, 2)),
    (constraints.interval(-2.0, 3.0), (4, 2)),
    (constraints.interval(dnp.asarray([0.0, -1.0]), dnp.asarray([1.0, 5.0])), (4, 2)),
    (constraints.open_interval(-2.0, 3.0), (4, 2)),
    (constraints.circular, (4, 2)),
    (constraints.greater_than(1.5), (4, 2)),
    (constraints.greater_than_eq(-1.5), (4, 2)),
    (constraints.less_than(-1.0), (4, 2)),
    (constraints.less_than_eq(2.0), (4, 2)),
    (constraints.simplex, (4, 2, 3)),
    (constraints.ordered_vector, (4, 2, 3)),
    (constraints.positive_ordered_vector, (4, 2, 3)),
    (constraints.lower_cholesky, (4, 2, 6)),
    (constraints.corr_cholesky, (4, 2, 3)),
    (constraints.positive_definite, (4, 2, 6)),
    (constraints.positive_semidefinite, (4, 2, 3)),
    (constraints.corr_matrix, (4, 2, 6)),
    (constraints.independent(constraints.positive, 1), (4, 2, 3)),
    (constraints.independent(constraints.interval(0.0, 1.0), 2), (4, 2, 3, 2)),
    (constraints.independent(constraints.simplex, 1), (4, 2, 3)),
]
IDS = [repr(c) for c, _ in BIJECTIONS]
# float64 array bounds promote a float32 input to float64, as NumPy does; Python bounds do not.
SCALAR_BOUNDS = [
    (c, s) for c, s in BIJECTIONS if not any(isinstance(v, dnp.ndarray) for v in vars(c).values())
]


@pytest.mark.parametrize(("constraint", "shape"), BIJECTIONS, ids=IDS)
def test_lands_in_constraint_and_round_trips(constraint, shape, device) -> None:
    if isinstance(getattr(constraint, "lower_bound", None), dnp.ndarray):  # made on the cpu
        bounds = (constraint.lower_bound, constraint.upper_bound)
        constraint = constraints.interval(*(dnp.asarray(b.asnumpy()) for b in bounds))
    t = biject_to(constraint)
    assert t.codomain.event_dim == constraint.event_dim
    x = numpy.random.default_rng(0).normal(size=shape)
    y = t(dnp.asarray(x))
    inside = constraint(y)
    assert inside.shape == y.shape[: y.ndim - constraint.event_dim]
    assert bool(dnp.all(inside))
    numpy.testing.assert_allclose(numpy.asarray(t.inv(y)), x, rtol=1e-8, atol=1e-10)
    batch = shape[: len(shape) - t.domain.event_dim]
    assert t.log_abs_det_jacobian(dnp.asarray(x), y).shape == batch


@pytest.mark.parametrize(("constraint", "shape"), SCALAR_BOUNDS, ids=repr)
def test_float32(constraint, shape, device) -> None:
    t = biject_to(constraint)
    x = dnp.asarray(numpy.random.default_rng(1).normal(size=shape), dtype=dnp.float32)
    y = t(x)
    assert y.dtype == dnp.float32
    assert bool(dnp.all(constraint(y)))
    assert t.inv(y).dtype == dnp.float32


def test_canonical_transforms() -> None:
    assert isinstance(biject_to(constraints.real), transforms.IdentityTransform)
    assert isinstance(biject_to(constraints.positive), transforms.ExpTransform)
    assert isinstance(biject_to(constraints.unit_interval), transforms.SigmoidTransform)
    assert isinstance(biject_to(constraints.simplex), transforms.StickBreakingTransform)
    assert isinstance(biject_to(constraints.lower_cholesky), transforms.LowerCholeskyTransform)
    assert isinstance(biject_to(constraints.corr_cholesky), transforms.CorrCholeskyTransform)
    interval = biject_to(constraints.interval(0.0, 2.0))
    assert [type(p) for p in interval.parts] == [
        transforms.SigmoidTransform,
        transforms.AffineTransform,
    ]
    greater = biject_to(constraints.greater_than(1.0))
    assert [type(p) for p in greater.parts] == [
        transforms.ExpTransform,
        transforms.AffineTransform,
    ]
    independent = biject_to(constraints.independent(constraints.positive, 2))
    assert isinstance(independent, transforms.IndependentTransform)
    assert isinstance(independent.base_transform, transforms.ExpTransform)
    assert independent.reinterpreted_batch_ndims == 2
    assert transforms.biject_to is biject_to


@pytest.mark.parametrize(
    "constraint",
    [
        constraints.boolean,
        constraints.nonnegative_integer,
        constraints.positive_integer,
        constraints.integer_interval(0, 3),
        constraints.integer_greater_than(1),
    ],
    ids=repr,
)
def test_unregistered_constraint_raises(constraint) -> None:
    name = repr(constraint).split("(")[0]
    with pytest.raises(NotImplementedError, match=rf"biject_to .*{name}"):
        biject_to(constraint)


def test_register() -> None:
    class _HalfOpen(constraints.greater_than):
        pass

    @biject_to.register(_HalfOpen)
    def _to_half_open(constraint):
        return transforms.SoftplusTransform()

    assert isinstance(biject_to(_HalfOpen(0.0)), transforms.SoftplusTransform)

    class _Unit(constraints.Constraint):
        pass

    unit = _Unit()
    biject_to.register(unit, lambda c: transforms.IdentityTransform())
    assert isinstance(biject_to(_Unit()), transforms.IdentityTransform)
