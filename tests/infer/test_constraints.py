"""``dnp.infer.constraints``: membership inside, outside and on the boundary, batched over the
event as NumPyro does; ``event_dim``, ``is_discrete`` and ``feasible_like``."""

from __future__ import annotations

import math

import numpy
import pytest

import dnp
from dnp.infer import constraints

NAN, INF = float("nan"), float("inf")
I2 = [[1.0, 0.0], [0.0, 1.0]]

# (constraint, [(value, expected)]): each value is one event; the test stacks them into a batch.
MEMBERSHIP = [
    (constraints.real, [(0.0, True), (-1e300, True), (NAN, False), (INF, False), (-INF, False)]),
    (constraints.positive, [(1e-300, True), (0.0, False), (-1.0, False), (INF, True)]),
    (constraints.nonnegative, [(0.0, True), (2.0, True), (-1e-300, False)]),
    (constraints.softplus_positive, [(0.5, True), (0.0, False)]),
    (constraints.unit_interval, [(0.0, True), (1.0, True), (0.5, True), (1.0001, False)]),
    (constraints.interval(-1.0, 2.0), [(-1.0, True), (2.0, True), (2.5, False), (-1.5, False)]),
    (constraints.open_interval(-1.0, 2.0), [(-1.0, False), (2.0, False), (0.0, True)]),
    (constraints.circular, [(math.pi, True), (-math.pi, True), (3.2, False)]),
    (constraints.greater_than(1.0), [(1.0, False), (1.5, True), (0.0, False)]),
    (constraints.greater_than_eq(1.0), [(1.0, True), (0.5, False)]),
    (constraints.less_than(1.0), [(1.0, False), (0.5, True), (2.0, False)]),
    (constraints.less_than_eq(1.0), [(1.0, True), (1.5, False)]),
    (constraints.boolean, [(0.0, True), (1.0, True), (0.5, False), (2.0, False)]),
    (constraints.nonnegative_integer, [(0.0, True), (7.0, True), (-1.0, False), (1.5, False)]),
    (constraints.positive_integer, [(0.0, False), (1.0, True), (2.5, False)]),
    (constraints.integer_interval(0, 3), [(0.0, True), (3.0, True), (4.0, False), (2.5, False)]),
    (constraints.integer_greater_than(2), [(2.0, True), (1.0, False), (3.5, False)]),
    (
        constraints.simplex,
        [([0.2, 0.8], True), ([0.0, 1.0], True), ([0.5, 0.6], False), ([-0.1, 1.1], False)],
    ),
    (constraints.real_vector, [([1.0, 2.0], True), ([1.0, NAN], False)]),
    (constraints.ordered_vector, [([1.0, 2.0, 3.0], True), ([1.0, 1.0, 2.0], False)]),
    (constraints.positive_ordered_vector, [([0.1, 2.0], True), ([-1.0, 2.0], False)]),
    (constraints.independent(constraints.positive, 1), [([1.0, 2.0], True), ([1.0, 0.0], False)]),
    (constraints.real_matrix, [(I2, True), ([[1.0, INF], [0.0, 1.0]], False)]),
    (
        constraints.lower_cholesky,
        [
            ([[1.0, 0.0], [2.0, 3.0]], True),
            ([[1.0, 1.0], [0.0, 1.0]], False),
            ([[0.0, 0.0], [1.0, 1.0]], False),
        ],
    ),
    (
        constraints.corr_cholesky,
        [(I2, True), ([[1.0, 0.0], [0.6, 0.8]], True), ([[1.0, 0.0], [0.6, 0.9]], False)],
    ),
    (
        constraints.positive_definite,
        [
            ([[2.0, 1.0], [1.0, 2.0]], True),
            ([[1.0, 2.0], [2.0, 1.0]], False),
            ([[1.0, 0.0], [0.0, 0.0]], False),
            ([[2.0, 1.0], [0.0, 2.0]], False),
        ],
    ),
    (
        constraints.positive_semidefinite,
        [([[1.0, 0.0], [0.0, 0.0]], True), ([[1, 2], [2, 1]], False)],
    ),
    (
        constraints.corr_matrix,
        [([[1.0, 0.5], [0.5, 1.0]], True), ([[2.0, 0.5], [0.5, 1.0]], False)],
    ),
]

IDS = [repr(c) for c, _ in MEMBERSHIP]


@pytest.mark.parametrize(("constraint", "rows"), MEMBERSHIP, ids=IDS)
def test_membership_batched(constraint, rows, device) -> None:
    values = dnp.asarray(numpy.array([v for v, _ in rows], dtype=float))
    result = constraint(values)
    assert result.dtype == dnp.bool_
    assert result.shape == (len(rows),)
    assert result.tolist() == [e for _, e in rows]
    # One event alone gives a 0-d answer.
    assert constraint(values[0]).shape == ()
    # check() is the same test.
    assert constraint.check(values).tolist() == result.tolist()


@pytest.mark.parametrize(("constraint", "rows"), MEMBERSHIP, ids=IDS)
def test_feasible_like(constraint, rows, device) -> None:
    event = numpy.array(rows[0][0], dtype=float)
    for dtype in (dnp.float32, dnp.float64):
        prototype = dnp.zeros((4, 3) + event.shape, dtype=dtype)
        value = constraint.feasible_like(prototype)
        assert value.shape == prototype.shape
        assert value.dtype == dtype
        assert bool(dnp.all(constraint(value)))


def test_event_dim_and_is_discrete() -> None:
    event_dims = {
        constraints.real: 0,
        constraints.positive: 0,
        constraints.interval(0, 1): 0,
        constraints.real_vector: 1,
        constraints.simplex: 1,
        constraints.ordered_vector: 1,
        constraints.real_matrix: 2,
        constraints.lower_cholesky: 2,
        constraints.corr_cholesky: 2,
        constraints.positive_definite: 2,
        constraints.corr_matrix: 2,
        constraints.independent(constraints.simplex, 2): 3,
    }
    for constraint, event_dim in event_dims.items():
        assert constraint.event_dim == event_dim, constraint
    discrete = [
        constraints.boolean,
        constraints.nonnegative_integer,
        constraints.positive_integer,
        constraints.integer_interval(0, 3),
        constraints.integer_greater_than(1),
        constraints.independent(constraints.boolean, 1),
    ]
    assert all(c.is_discrete for c in discrete)
    assert not any(c.is_discrete for c in event_dims)


def test_singletons_and_factories() -> None:
    assert type(constraints.positive)() is constraints.positive
    assert type(constraints.real_vector)() is constraints.real_vector
    assert constraints.positive is not constraints.nonnegative
    assert isinstance(constraints.positive, constraints.greater_than)
    assert isinstance(constraints.unit_interval, constraints.interval)
    assert constraints.interval(0, 1) is not constraints.interval(0, 1)
    assert repr(constraints.interval(0, 1)) == "Interval(lower_bound=0, upper_bound=1)"
    assert repr(constraints.simplex) == "Simplex()"


def test_independent_flattens_and_checks(device) -> None:
    nested = constraints.independent(constraints.independent(constraints.positive, 1), 1)
    assert nested.base_constraint is constraints.positive
    assert nested.reinterpreted_batch_ndims == 2
    assert repr(nested) == "IndependentConstraint(Positive(lower_bound=0.0), 2)"
    value = dnp.ones((5, 2, 3))
    assert nested(value).shape == (5,)
    with pytest.raises(ValueError, match="Expected value.dim"):
        nested(dnp.ones(3))
    with pytest.raises(TypeError):
        constraints.independent(1.0, 1)
    with pytest.raises(ValueError):
        constraints.independent(constraints.real, -1)


def test_bounds_broadcast(device) -> None:
    constraint = constraints.interval(dnp.asarray([0.0, 1.0]), dnp.asarray([1.0, 2.0]))
    result = constraint(dnp.asarray([[0.5, 0.5], [1.5, 1.5]]))
    assert result.tolist() == [[True, False], [False, True]]
