"""Numerical gradient checks of ``dnp.scipy.special`` (``dnp/_ops/scipy_special.py``), first and
second order, on inputs inside each domain; the arguments with no closed-form gradient raise."""

import numpy
import pytest

import dnp
from dnp import autograd
from tests.grad_check import grad_case, gradient_test

sp = dnp.scipy.special

X = numpy.array([[0.5, 2.0, 10.0], [1.3, 3.5, 7.0]])  # positive
R = numpy.array([[-2.5, -0.7, 0.3], [0.8, 1.6, 3.0]])  # real, nonzero
U = numpy.array([[0.05, 0.2, 0.35], [0.5, 0.7, 0.9]])  # in (0, 1)
D = numpy.array([[0.3, 0.9, 1.7], [2.2, 0.6, 1.1]])  # second operands, positive


def _unary(name, x, **kwargs):
    return grad_case(f"scipy.special.{name}", lambda v: getattr(sp, name)(v), x, **kwargs)


def _scaled(name, x, scale):
    """A case on ``f(x) * scale``, for functions whose values are far from 1."""
    return grad_case(f"scipy.special.{name}", lambda v: getattr(sp, name)(v) * scale, x)


GRAD_CASES = [
    _unary("gammaln", X),
    _unary("digamma", X),
    grad_case("scipy.special.polygamma", lambda x: sp.polygamma(1, x), X, id="polygamma-1"),
    grad_case(
        "scipy.special.polygamma",
        lambda x: sp.polygamma(numpy.array([[0], [2]]), x),
        X,
        id="polygamma-orders",
    ),
    grad_case("scipy.special.multigammaln", lambda a: sp.multigammaln(a, 3), X + 1.5),
    grad_case("scipy.special.betaln", sp.betaln, X, D),
    grad_case("scipy.special.betaln", sp.betaln, X[:1], D, id="betaln-broadcast"),
    grad_case("scipy.special.gammainc", lambda x: sp.gammainc(D + 0.5, x), X),
    grad_case("scipy.special.gammaincc", lambda x: sp.gammaincc(D + 0.5, x), X),
    grad_case("scipy.special.betainc", lambda x: sp.betainc(D + 1, X[:, ::-1], x), U),
    grad_case("scipy.special.gammaincinv", lambda y: sp.gammaincinv(D + 0.5, y), U),
    grad_case("scipy.special.gammainccinv", lambda y: sp.gammainccinv(D + 0.5, y), U),
    grad_case("scipy.special.betaincinv", lambda y: sp.betaincinv(D + 1, X[:, ::-1], y), U),
    grad_case("scipy.special.stdtrit", lambda p: sp.stdtrit(X + 1, p), U),
    _unary("erf", R),
    _unary("erfc", R),
    _unary("erfinv", U * 2 - 1),
    _unary("erfcx", R),
    _unary("ndtr", R),
    _unary("ndtri", U),
    _unary("log_ndtr", R * 4),
    _unary("expit", R),
    _unary("logit", U),
    _unary("log_expit", R * 4),
    grad_case("scipy.special.logsumexp", sp.logsumexp, R),
    grad_case(
        "scipy.special.logsumexp",
        lambda a: sp.logsumexp(a, axis=1),
        R * 100,
        id="logsumexp-axis-large",
    ),
    grad_case(
        "scipy.special.logsumexp",
        lambda a, b: sp.logsumexp(a, axis=0, b=b, keepdims=True),
        R,
        D[:1],
        id="logsumexp-b",
    ),
    grad_case(
        "scipy.special.logsumexp",
        lambda a, b: sp.logsumexp(a, axis=-1, b=b, return_sign=True)[0],
        R,
        D - 1,
        id="logsumexp-return-sign",
    ),
    grad_case("scipy.special.softmax", sp.softmax, R),
    grad_case("scipy.special.softmax", lambda x: sp.softmax(x, axis=1), R, id="softmax-axis"),
    grad_case("scipy.special.log_softmax", sp.log_softmax, R),
    grad_case(
        "scipy.special.log_softmax",
        lambda x: sp.log_softmax(x, axis=0),
        R * 50,
        id="log_softmax-axis-large",
    ),
    grad_case("scipy.special.xlogy", sp.xlogy, R, X),
    grad_case("scipy.special.xlogy", lambda y: sp.xlogy(numpy.zeros(3), y), X, id="xlogy-x0"),
    grad_case("scipy.special.xlogy", lambda x: sp.xlogy(x, X), numpy.zeros(3), id="xlogy-at-x0"),
    grad_case("scipy.special.xlog1py", sp.xlog1py, R, U - 0.5),
    grad_case(
        "scipy.special.xlog1py", lambda x: sp.xlog1py(x, U), numpy.zeros(3), id="xlog1py-at-x0"
    ),
    _unary("entr", X),
    _unary("i0", R),
    _unary("i0e", R),
    _unary("i1", R),
    _unary("i1", numpy.array([0.0, 1e-3]), id="i1-zero"),
    _unary("i1e", R),
    grad_case("scipy.special.zeta", lambda q: sp.zeta(D + 1.5, q), X),
    grad_case("scipy.special.zeta", lambda q: sp.zeta(3.0, q=q), X, id="zeta-keyword"),
    _unary("sinc", R),
]

test_gradients = gradient_test(GRAD_CASES)


@pytest.mark.parametrize(
    "f",
    [
        lambda a, x: sp.gammainc(a, x),
        lambda a, x: sp.gammaincc(a, x),
        lambda a, x: sp.betainc(a, 2.0, x / 20),
        lambda a, x: sp.betainc(2.0, a, x / 20),
        lambda a, x: sp.zeta(a + 1, x),
        lambda a, x: sp.gammaincinv(a, x / 20),
        lambda a, x: sp.gammainccinv(a, x / 20),
        lambda a, x: sp.betaincinv(a, 2.0, x / 20),
        lambda a, x: sp.betaincinv(2.0, a, x / 20),
        lambda a, x: sp.stdtrit(a, x / 20),
    ],
)
def test_no_closed_form_gradient_raises(f):
    """Arguments whose gradient has no closed form raise NotImplementedError when reached."""
    a, x = dnp.asarray(X), dnp.asarray(D)
    with pytest.raises(NotImplementedError, match="no closed form"):
        autograd.grad_fn(lambda a: f(a, x).sum())(a)
