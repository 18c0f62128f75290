"""Numerical gradient checks of ``dnp.scipy.linalg`` (``dnp/_ops/scipy_linalg.py``)."""

import numpy
import pytest

import dnp
from dnp import autograd
from tests.grad_check import grad_case, gradient_test

RNG = numpy.random.default_rng(3)
A = numpy.eye(3) * 3 + RNG.standard_normal((3, 3)) * 0.3
SPD = A @ A.T + numpy.eye(3)
B = RNG.standard_normal((3, 2))
V = RNG.standard_normal(3)
AC = A + 0.2j * RNG.standard_normal((3, 3))
BC = B + 1j * RNG.standard_normal((3, 2))
SPDC = AC @ AC.conj().T + numpy.eye(3)
STACK = numpy.stack([A, A.T + numpy.eye(3)])

sl = dnp.scipy.linalg


def _st(**kw):
    return lambda a, b: sl.solve_triangular(a, b, **kw)


def _sym(a):
    """A symmetric (Hermitian) positive definite function of a free ``a``."""
    return dnp.matmul(a, dnp.conjugate(dnp.matrix_transpose(a))) + 2 * dnp.eye(
        a.shape[-1], device=a.device
    )


def _cho_solve(lower):
    return lambda c, b: sl.cho_solve((c, lower), b)


def _lu_solve(**kw):
    def f(a, b):
        lu, piv = sl.lu_factor(a)
        return sl.lu_solve((lu, piv), b, **kw)

    return f


GRAD_CASES = [
    grad_case("scipy.linalg.solve_triangular", _st(lower=True), A, B, id="st-lower"),
    grad_case("scipy.linalg.solve_triangular", _st(), A, V, id="st-upper-vector"),
    grad_case("scipy.linalg.solve_triangular", _st(trans=1), A, B, id="st-trans1"),
    grad_case("scipy.linalg.solve_triangular", _st(trans="C", lower=True), A, B, id="st-transC"),
    grad_case("scipy.linalg.solve_triangular", _st(unit_diagonal=True), A, B, id="st-unit"),
    grad_case(
        "scipy.linalg.solve_triangular",
        lambda a, b: sl.solve_triangular(a, b, 1, True, True, False),  # all positional
        A,
        B,
        id="st-positional",
    ),
    grad_case("scipy.linalg.solve_triangular", _st(trans=1), AC, BC, id="st-complex-T"),
    grad_case("scipy.linalg.solve_triangular", _st(trans=2, lower=True), AC, BC, id="st-complex-H"),
    grad_case("scipy.linalg.solve_triangular", _st(lower=True), STACK, V, id="st-stack-vector"),
    grad_case("scipy.linalg.cholesky", lambda a: sl.cholesky(_sym(a)), A, id="chol-upper"),
    grad_case(
        "scipy.linalg.cholesky", lambda a: sl.cholesky(a, lower=True), SPD, id="chol-lower-tri"
    ),
    grad_case("scipy.linalg.cholesky", lambda a: sl.cholesky(_sym(a)), AC, id="chol-complex"),
    grad_case(
        "scipy.linalg.cho_factor",
        lambda a: dnp.triu(sl.cho_factor(_sym(a))[0]),
        A,
        id="cf-upper",
    ),
    grad_case(
        "scipy.linalg.cho_factor",
        lambda a: dnp.tril(sl.cho_factor(a, lower=True)[0]),
        SPD,
        id="cf-lower",
    ),
    grad_case("scipy.linalg.cho_solve", _cho_solve(False), numpy.linalg.cholesky(SPD).T, B),
    grad_case(
        "scipy.linalg.cho_solve",
        _cho_solve(True),
        numpy.linalg.cholesky(SPD),
        V,
        id="cs-lower-vector",
    ),
    grad_case(
        "scipy.linalg.cho_solve",
        _cho_solve(True),
        numpy.linalg.cholesky(SPDC),
        BC,
        id="cs-complex",
    ),
    grad_case(
        "scipy.linalg.cho_solve",
        _cho_solve(True),
        numpy.stack([numpy.linalg.cholesky(SPD)] * 2),
        V,
        id="cs-stack-vector",
    ),
    grad_case(
        "scipy.linalg.cho_solve",
        lambda a, b: sl.cho_solve(sl.cho_factor(_sym(a)), b),
        STACK,
        B,
        id="cs-cho_factor-stack",
    ),
    grad_case("scipy.linalg.lu_factor", lambda a: sl.lu_factor(a)[0], A, id="lf"),
    grad_case("scipy.linalg.lu_factor", lambda a: sl.lu_factor(a)[0], AC, id="lf-complex"),
    grad_case("scipy.linalg.lu_factor", lambda a: sl.lu_factor(a)[0], STACK, id="lf-stack"),
    grad_case("scipy.linalg.lu_solve", _lu_solve(), A, B, id="ls"),
    grad_case("scipy.linalg.lu_solve", _lu_solve(trans=1), A, V, id="ls-trans1"),
    grad_case("scipy.linalg.lu_solve", _lu_solve(trans=2), AC, BC, id="ls-complex-H"),
    grad_case("scipy.linalg.lu_solve", _lu_solve(trans=1), AC, BC, id="ls-complex-T"),
    grad_case("scipy.linalg.lu_solve", _lu_solve(), STACK, V, id="ls-stack-vector"),
    grad_case(
        "scipy.linalg.block_diag",
        lambda a, b, s: sl.block_diag(a, b, s) ** 2,
        A,
        V,
        numpy.float64(1.5),
        id="bd",
    ),
    grad_case(
        "scipy.linalg.block_diag",
        lambda a, b: sl.block_diag(a, b) ** 2,
        STACK,
        B,
        id="bd-batch",
    ),
    grad_case("scipy.linalg.expm", lambda a: sl.expm(a), A * 0.5),
    grad_case("scipy.linalg.expm", lambda a: sl.expm(a), AC * 0.5, id="expm-complex"),
    grad_case("scipy.linalg.expm", lambda a: sl.expm(a), STACK * 0.3, id="expm-stack"),
]

test_gradients = gradient_test(GRAD_CASES)


def test_lu_factor_has_no_gradient_for_rectangular_matrices():
    a = dnp.asarray(A[:, :2])
    a.attach_grad()
    with autograd.record():
        total = sl.lu_factor(a)[0].sum()
    with pytest.raises(NotImplementedError):
        total.backward()
