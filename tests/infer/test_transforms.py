"""``dnp.infer.transforms``: every transform round-trips, its log-det equals the log |det| of the
numerical Jacobian (central differences in float64, on free coordinates where the input and
output are matrices or simplices, as NumPyro's tests do), the log-det differentiates with
``dnp.autograd``, shapes broadcast and float32 stays float32."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy
import pytest

import dnp
from dnp.autograd import grad_fn
from dnp.infer import constraints
from dnp.infer import transforms as T

STEP = 1e-6


class TCase(NamedTuple):
    id: str
    make: Callable[[Any], T.Transform]  # the transform, its parameters in the given dtype
    sample: Callable[[numpy.random.Generator], numpy.ndarray]  # a float64 point of the domain
    # Free coordinates: x <-> u (a flat vector), y -> v; the Jacobian is dv/du, square.
    pack_in: Callable = numpy.ravel
    unpack_in: Callable | None = None  # default: reshape u to x's shape
    pack_out: Callable = numpy.ravel


def _normal(*shape):
    return lambda rng: rng.normal(size=shape)


def _positive(rng):
    return numpy.exp(rng.normal(size=(2, 3)))


def _tril(n, diagonal):
    rows, cols = numpy.tril_indices(n, diagonal)
    return lambda m: m[..., rows, cols].ravel()


def _symmetric_from_tril(n, diagonal, identity):
    """u (the batch's lower triangles, flat) -> symmetric matrices (plus I for identity)."""
    rows, cols = numpy.tril_indices(n, diagonal)

    def unpack(u):
        m = numpy.zeros((2, n, n))
        m[:, rows, cols] = u.reshape(2, -1)
        m = m + numpy.swapaxes(m, -2, -1) - m * numpy.eye(n)
        return m + numpy.eye(n) if identity else m

    return unpack


def _spd(rng):
    a = rng.normal(size=(2, 3, 3))
    return a @ numpy.swapaxes(a, -2, -1) + 3 * numpy.eye(3)


def _corr(rng):
    s = _spd(rng)
    d = 1 / numpy.sqrt(numpy.diagonal(s, axis1=-2, axis2=-1))
    c = d[..., :, None] * s * d[..., None, :]
    return (c + numpy.swapaxes(c, -2, -1)) / 2 * (1 - numpy.eye(3)) + numpy.eye(3)


def _simplex_from_head(u):
    head = u.reshape(2, -1)
    return numpy.concatenate([head, 1 - head.sum(-1, keepdims=True)], axis=-1)


def _affine_batched(dtype):
    loc = dnp.asarray([0.0, 1.0, 2.0], dtype=dtype)
    return T.AffineTransform(loc, dnp.asarray([2.0, -0.5, 3.0], dtype=dtype))


CASES = [
    TCase("identity", lambda d: T.IdentityTransform(), _normal(2, 3)),
    TCase("exp", lambda d: T.ExpTransform(), _normal(2, 3)),
    TCase("exp.inv", lambda d: T.ExpTransform().inv, _positive),
    TCase("affine", lambda d: T.AffineTransform(1.5, -2.0), _normal(2, 3)),
    TCase("affine-batched", _affine_batched, _normal(2, 3)),
    TCase("affine.inv", lambda d: T.AffineTransform(1.5, -2.0).inv, _normal(2, 3)),
    TCase("sigmoid", lambda d: T.SigmoidTransform(), _normal(2, 3)),
    TCase(
        "sigmoid.inv", lambda d: T.SigmoidTransform().inv, lambda r: r.uniform(0.05, 0.95, (2, 3))
    ),
    TCase("softplus", lambda d: T.SoftplusTransform(), _normal(2, 3)),
    TCase("softplus.inv", lambda d: T.SoftplusTransform().inv, _positive),
    TCase("tanh", lambda d: T.TanhTransform(), _normal(2, 3)),
    TCase("tanh.inv", lambda d: T.TanhTransform().inv, lambda r: r.uniform(-0.9, 0.9, (2, 3))),
    TCase("power", lambda d: T.PowerTransform(2.5), _positive),
    TCase("power-negative", lambda d: T.PowerTransform(-0.7), _positive),
    TCase("independent", lambda d: T.IndependentTransform(T.ExpTransform(), 1), _normal(2, 3)),
    TCase(
        "compose-interval",
        lambda d: T.ComposeTransform(
            [T.SigmoidTransform(), T.AffineTransform(-2.0, 5.0, domain=constraints.unit_interval)]
        ),
        _normal(2, 3),
    ),
    TCase(
        "compose-positive-ordered",
        lambda d: T.ComposeTransform([T.OrderedTransform(), T.ExpTransform()]),
        _normal(2, 4),
    ),
    TCase("ordered", lambda d: T.OrderedTransform(), _normal(2, 4)),
    TCase(
        "ordered.inv",
        lambda d: T.OrderedTransform().inv,
        lambda r: numpy.sort(r.normal(size=(2, 4)), axis=-1),
    ),
    TCase(
        "stick-breaking",
        lambda d: T.StickBreakingTransform(),
        _normal(2, 3),
        pack_out=lambda y: y[..., :-1].ravel(),
    ),
    TCase(
        "stick-breaking.inv",
        lambda d: T.StickBreakingTransform().inv,
        lambda r: r.dirichlet([2.0, 2.0, 2.0, 2.0], size=2),
        pack_in=lambda x: x[..., :-1].ravel(),
        unpack_in=_simplex_from_head,
    ),
    TCase(
        "lower-cholesky", lambda d: T.LowerCholeskyTransform(), _normal(2, 6), pack_out=_tril(3, 0)
    ),
    TCase(
        "corr-cholesky", lambda d: T.CorrCholeskyTransform(), _normal(2, 3), pack_out=_tril(3, -1)
    ),
    TCase(
        "cholesky",
        lambda d: T.CholeskyTransform(),
        _spd,
        pack_in=_tril(3, 0),
        unpack_in=_symmetric_from_tril(3, 0, identity=False),
        pack_out=_tril(3, 0),
    ),
    TCase(
        "corr-matrix-cholesky",
        lambda d: T.CorrMatrixCholeskyTransform(),
        _corr,
        pack_in=_tril(3, -1),
        unpack_in=_symmetric_from_tril(3, -1, identity=True),
        pack_out=_tril(3, -1),
    ),
    TCase(
        "positive-definite",
        lambda d: T.biject_to(constraints.positive_definite),
        _normal(2, 6),
        pack_out=_tril(3, 0),
    ),
    TCase(
        "corr-matrix",
        lambda d: T.biject_to(constraints.corr_matrix),
        _normal(2, 3),
        pack_out=_tril(3, -1),
    ),
]
IDS = [c.id for c in CASES]


def _setup(case: TCase, dtype=dnp.float64):
    x = case.sample(numpy.random.default_rng(0))
    unpack = case.unpack_in or (lambda u: u.reshape(x.shape))
    return case.make(dtype), x, unpack


def _batch_shape(t: T.Transform, x) -> tuple[int, ...]:
    return x.shape[: x.ndim - t.domain.event_dim]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_round_trip(case: TCase, device) -> None:
    t, x, _ = _setup(case)
    y = t(dnp.asarray(x))
    numpy.testing.assert_allclose(numpy.asarray(t.inv(y)), x, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_abs_det_jacobian(case: TCase, device) -> None:
    t, x, unpack = _setup(case)
    logdet = t.log_abs_det_jacobian(dnp.asarray(x), t(dnp.asarray(x)))
    assert logdet.shape == _batch_shape(t, x)

    def f(u):
        return case.pack_out(numpy.asarray(t(dnp.asarray(unpack(u)))))

    u = case.pack_in(x)
    eye = numpy.eye(u.size) * STEP
    jacobian = numpy.stack([(f(u + e) - f(u - e)) / (2 * STEP) for e in eye], axis=-1)
    sign, expected = numpy.linalg.slogdet(jacobian)
    assert sign != 0
    # The batch's events are independent: the Jacobian is block diagonal.
    numpy.testing.assert_allclose(float(dnp.sum(logdet)), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_log_abs_det_jacobian_gradient(case: TCase, device) -> None:
    t, x, unpack = _setup(case)

    def total(x):
        return dnp.sum(t.log_abs_det_jacobian(x, t(x)))

    grad = numpy.asarray(grad_fn(total)(dnp.asarray(x)))
    u = case.pack_in(x)
    # Along each free coordinate (a direction that stays in the domain): the gradient's
    # directional derivative against central differences.
    for e in numpy.eye(u.size):
        direction = unpack(u + e) - unpack(u)
        ahead = float(total(dnp.asarray(unpack(u + STEP * e))))
        behind = float(total(dnp.asarray(unpack(u - STEP * e))))
        numeric = (ahead - behind) / (2 * STEP)
        numpy.testing.assert_allclose(numpy.sum(grad * direction), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case: TCase, device) -> None:
    t, x, _ = _setup(case, dnp.float32)
    x32 = dnp.asarray(x, dtype=dnp.float32)
    y = t(x32)
    assert y.dtype == dnp.float32
    assert t.log_abs_det_jacobian(x32, y).dtype == dnp.float32
    assert t.inv(y).dtype == dnp.float32
    numpy.testing.assert_allclose(numpy.asarray(t.inv(y)), x, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_shapes_and_batching(case: TCase, device) -> None:
    t, x, _ = _setup(case)
    y = t(dnp.asarray(x))
    assert t.forward_shape(x.shape) == y.shape
    assert t.inverse_shape(y.shape) == x.shape
    # An extra leading batch axis broadcasts through, event by event.
    x5 = numpy.broadcast_to(x, (5,) + x.shape)
    y5 = t(dnp.asarray(x5))
    assert y5.shape == (5,) + y.shape
    numpy.testing.assert_allclose(numpy.asarray(y5[3]), numpy.asarray(y), rtol=1e-12)
    logdet5 = t.log_abs_det_jacobian(dnp.asarray(x5), y5)
    assert logdet5.shape == (5,) + _batch_shape(t, x)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_inverse_object(case: TCase) -> None:
    t, _, _ = _setup(case)
    assert t.inv.inv is t
    assert t.inv.domain is t.codomain or repr(t.inv.domain) == repr(t.codomain)
    assert t.inv.codomain is t.domain or repr(t.inv.codomain) == repr(t.domain)


def test_stick_breaking_zero_is_uniform(device) -> None:
    y = T.StickBreakingTransform()(dnp.zeros((2, 4)))
    numpy.testing.assert_allclose(numpy.asarray(y), numpy.full((2, 5), 0.2), rtol=1e-12)


def test_stable_at_extremes(device) -> None:
    x = dnp.asarray([-800.0, -40.0, 40.0, 800.0])
    for t in (T.SigmoidTransform(), T.SoftplusTransform(), T.TanhTransform()):
        logdet = t.log_abs_det_jacobian(x, t(x))
        assert bool(dnp.all(dnp.isfinite(logdet))), type(t).__name__
    # log expit'(x) = -|x| - 2 log(1 + exp(-|x|)): exactly -800 at x = +-800.
    sigmoid = T.SigmoidTransform().log_abs_det_jacobian(x, None)
    assert float(sigmoid[0]) == float(sigmoid[-1]) == -800.0
    assert float(T.SoftplusTransform()(dnp.asarray(800.0))) == 800.0
    assert float(T.SoftplusTransform().inv(dnp.asarray(1e-20))) == pytest.approx(numpy.log(1e-20))


def test_sign(device) -> None:
    assert T.ExpTransform().sign == 1
    assert T.SigmoidTransform().inv.sign == 1
    assert float(T.AffineTransform(0.0, -2.0).sign) == -1
    assert float(T.PowerTransform(-0.5).sign) == -1
    compose = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, -3.0)])
    assert float(compose.sign) == -1
    with pytest.raises(NotImplementedError, match="StickBreakingTransform"):
        T.StickBreakingTransform().sign


def test_affine_codomain(device) -> None:
    positive = constraints.positive
    codomain = T.AffineTransform(1.0, 2.0, domain=positive).codomain
    assert isinstance(codomain, constraints.greater_than)
    assert float(codomain.lower_bound) == 1.0
    codomain = T.AffineTransform(1.0, -2.0, domain=positive).codomain
    assert isinstance(codomain, constraints.less_than)
    assert float(codomain.upper_bound) == 1.0
    codomain = T.AffineTransform(1.0, -2.0, domain=constraints.unit_interval).codomain
    assert (float(codomain.lower_bound), float(codomain.upper_bound)) == (-1.0, 1.0)
    codomain = T.AffineTransform(0.0, 2.0, domain=constraints.less_than(3.0)).codomain
    assert isinstance(codomain, constraints.less_than)
    assert T.AffineTransform(0.0, 1.0).codomain is constraints.real
    with pytest.raises(NotImplementedError, match="Simplex"):
        T.AffineTransform(0.0, 1.0, domain=constraints.simplex).codomain


def test_exp_codomain(device) -> None:
    assert T.ExpTransform().codomain is constraints.positive
    ordered = T.ExpTransform(domain=constraints.ordered_vector).codomain
    assert ordered is constraints.positive_ordered_vector
    codomain = T.ExpTransform(domain=constraints.interval(0.0, 1.0)).codomain
    assert float(codomain.upper_bound) == pytest.approx(numpy.e)
    assert isinstance(
        T.ExpTransform(domain=constraints.greater_than(0.0)).codomain, constraints.greater_than
    )
    with pytest.raises(NotImplementedError, match="Simplex"):
        T.ExpTransform(domain=constraints.simplex).codomain


def test_compose_event_dims(device) -> None:
    t = T.ComposeTransform([T.OrderedTransform(), T.ExpTransform()])
    assert t.domain is constraints.real_vector
    assert t.codomain.event_dim == 1
    assert t.codomain.base_constraint is constraints.positive
    t = T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform()])
    assert t.domain.event_dim == 1
    assert t.codomain is constraints.simplex
    x = dnp.asarray(numpy.random.default_rng(1).normal(size=(2, 3)))
    expected = dnp.sum(x, axis=-1) + T.StickBreakingTransform().log_abs_det_jacobian(
        dnp.exp(x), t(x)
    )
    numpy.testing.assert_allclose(
        numpy.asarray(t.log_abs_det_jacobian(x, t(x))), numpy.asarray(expected), rtol=1e-12
    )


def test_independent_checks(device) -> None:
    t = T.IndependentTransform(T.ExpTransform(), 2)
    assert t.domain.event_dim == 2
    assert t.codomain.event_dim == 2
    with pytest.raises(ValueError, match="Expected x.dim"):
        t.log_abs_det_jacobian(dnp.ones(3), dnp.ones(3))
    with pytest.raises(TypeError):
        T.IndependentTransform(constraints.real, 1)
    with pytest.raises(ValueError):
        T.IndependentTransform(T.ExpTransform(), -1)


def test_matrix_shapes_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="lower-diagonal"):
        T.LowerCholeskyTransform().forward_shape((2, 5))
    with pytest.raises(ValueError, match="square"):
        T.LowerCholeskyTransform().inverse_shape((2, 3))
    with pytest.raises(ValueError, match="Too few"):
        T.CorrCholeskyTransform().inverse_shape((3,))
    with pytest.raises(ValueError, match="Too few"):
        T.CorrCholeskyTransform().forward_shape(())
    with pytest.raises(ValueError, match="Too few"):
        T.StickBreakingTransform().forward_shape(())
    with pytest.raises(ValueError, match="Too few"):
        T.StickBreakingTransform().inverse_shape(())
