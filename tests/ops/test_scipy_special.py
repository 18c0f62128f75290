"""``dnp.scipy.special`` against SciPy: values, dtypes, shapes, errors (``scipy_of``)."""

import numpy
import pytest
import scipy.special

from dnp._ops import scipy_special
from tests.conformance import case, conformance, scipy_of

X = numpy.array([[0.5, 2.0, 10.0], [1e-3, 3.5, 150.0]])
REAL = numpy.array([[-3.0, -0.5, 0.0], [0.25, 2.0, 40.0]])
UNIT = numpy.array([[0.0, 1e-6, 0.25], [0.5, 0.9, 1.0]])
EDGES = numpy.array([0.0, -0.0, numpy.inf, -numpy.inf, numpy.nan, -1.0, -2.5, 1e300, 1e-300])


def _sp(xp):
    return scipy_of(xp).special


def _on(name, data, dtype=None, rtol=None, id_="", **kwargs):
    """A case calling ``name`` on ``data`` as an array of ``dtype``, with ``kwargs``."""
    return case(
        f"scipy.special.{name}",
        lambda xp: getattr(_sp(xp), name)(xp.asarray(data, dtype=dtype), **kwargs),
        rtol=rtol,
        id=f"{name}-{id_}",
    )


def _unary_cases(name, typical, rtol=None):
    """Typical values in float64 and float32, the edges, an integer input, a Python scalar,
    and a string (rejected)."""
    f = lambda xp, x: getattr(_sp(xp), name)(x)  # noqa: E731
    return [
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(typical)),
            rtol=rtol,
            id=f"{name}-float64",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(typical, dtype=xp.float32)),
            rtol=rtol or 1e-5,
            id=f"{name}-float32",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(EDGES)),
            rtol=rtol,
            id=f"{name}-edges",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray([1, 2, 3])),
            rtol=rtol,
            id=f"{name}-int",
        ),
        case(f"scipy.special.{name}", lambda xp: f(xp, 0.75), rtol=rtol, id=f"{name}-scalar"),
        case(f"scipy.special.{name}", lambda xp: f(xp, "a"), id=f"{name}-string"),
    ]


UNARY = {
    "gammaln": X,
    "digamma": REAL,
    "erf": REAL,
    "erfc": REAL,
    "erfinv": UNIT * 2 - 1,
    "erfcx": REAL,
    "ndtr": REAL,
    "ndtri": UNIT,
    "log_ndtr": REAL * 10,
    "expit": REAL * 30,
    "logit": UNIT,
    "log_expit": REAL * 30,
    "entr": REAL,
    "i0": REAL,
    "i0e": REAL * 10,
    "i1": REAL,
    "i1e": REAL * 10,
    "sinc": REAL,
}


def _binary_cases(name, x, y):
    """Typical values, float32, broadcasting, keyword-free scalars, and shapes that do not
    broadcast (rejected)."""
    f = lambda xp, a, b: getattr(_sp(xp), name)(a, b)  # noqa: E731
    return [
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(x), xp.asarray(y)),
            id=f"{name}-float64",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(x, dtype=xp.float32), xp.asarray(y, dtype=xp.float32)),
            rtol=1e-5,
            id=f"{name}-float32",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(x[:1]), xp.asarray(y[:, :1])),
            id=f"{name}-broadcast",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(EDGES), xp.asarray(EDGES[::-1])),
            id=f"{name}-edges",
        ),
        case(
            f"scipy.special.{name}",
            lambda xp: f(xp, xp.asarray(x), xp.asarray(y[:, :2])),
            id=f"{name}-mismatch",
        ),
    ]


BINARY = {
    "betaln": (X, X[::-1]),
    "gammainc": (X, X[:, ::-1]),
    "gammaincc": (X, X[:, ::-1]),
    "xlogy": (REAL, X),
    "xlog1py": (REAL, UNIT),
    "gammaincinv": (X, UNIT),
    "gammainccinv": (X, UNIT),
    "stdtrit": (X, UNIT),
}

A = numpy.array([[1.0, 3.0, -2.0, 0.5], [1000.0, 999.0, -numpy.inf, 2.0], [-numpy.inf] * 4])
B = numpy.array([[1.0, -2.0, 0.5, 0.0]])
S = scipy_special


CASES = [
    *(c for name, data in UNARY.items() for c in _unary_cases(name, data)),
    *(c for name, (x, y) in BINARY.items() for c in _binary_cases(name, x, y)),
    # betainc(a, b, x)
    case(
        "scipy.special.betainc",
        lambda xp: _sp(xp).betainc(xp.asarray(X[:, :1]), xp.asarray(X[0]), xp.asarray(UNIT)),
        id="betainc-broadcast",
    ),
    case(
        "scipy.special.betainc",
        lambda xp: _sp(xp).betainc(
            xp.asarray([0.5, 2.0], dtype=xp.float32), 3.0, xp.asarray([0.2, 0.7], dtype=xp.float32)
        ),
        rtol=1e-5,
        id="betainc-float32",
    ),
    case(
        "scipy.special.betainc",
        lambda xp: _sp(xp).betainc(1.0, 2.0, xp.asarray([-0.5, 0.0, 1.0, 1.5, numpy.nan])),
        id="betainc-edges",
    ),
    case("scipy.special.betainc", lambda xp: _sp(xp).betainc(1.0, 2.0), id="betainc-missing"),
    # betaincinv(a, b, y)
    case(
        "scipy.special.betaincinv",
        lambda xp: _sp(xp).betaincinv(xp.asarray(X[:, :1]), xp.asarray(X[0]), xp.asarray(UNIT)),
        id="betaincinv-broadcast",
    ),
    case(
        "scipy.special.betaincinv",
        lambda xp: _sp(xp).betaincinv(
            xp.asarray([0.5, 2.0], dtype=xp.float32), 3.0, xp.asarray([0.2, 0.7], dtype=xp.float32)
        ),
        rtol=1e-5,
        id="betaincinv-float32",
    ),
    case(
        "scipy.special.betaincinv",
        lambda xp: _sp(xp).betaincinv(2.0, 3.0, xp.asarray([-0.5, 0.0, 1.0, 1.5, numpy.nan])),
        id="betaincinv-edges",
    ),
    case(
        "scipy.special.betaincinv",
        lambda xp: _sp(xp).betaincinv(1.0, 2.0),
        id="betaincinv-missing",
    ),
    # polygamma(n, x): orders broadcast against the points
    case(
        "scipy.special.polygamma",
        lambda xp: _sp(xp).polygamma(xp.asarray([[0], [1], [3]]), xp.asarray(X[0])),
        id="polygamma-orders",
    ),
    case(
        "scipy.special.polygamma",
        lambda xp: _sp(xp).polygamma(2, xp.asarray(REAL, dtype=xp.float32)),
        rtol=1e-4,
        id="polygamma-float32",
    ),
    case(
        "scipy.special.polygamma",
        lambda xp: _sp(xp).polygamma(1, xp.asarray(EDGES)),
        id="polygamma-edges",
    ),
    case(
        "scipy.special.polygamma",
        lambda xp: _sp(xp).polygamma(xp.asarray([0, 1]), xp.asarray([1.0, 2.0, 3.0])),
        id="polygamma-mismatch",
    ),
    # multigammaln(a, d)
    _on("multigammaln", X + 2, id_="float64", d=3),
    _on("multigammaln", X + 2, numpy.float32, 1e-5, "float32", d=3),
    case(
        "scipy.special.multigammaln",
        lambda xp: _sp(xp).multigammaln(2.5, 2),
        id="multigammaln-scalar",
    ),
    case(
        "scipy.special.multigammaln",
        lambda xp: _sp(xp).multigammaln(xp.asarray(X + 2), 2.5),
        id="multigammaln-fractional-d",
    ),
    case(
        "scipy.special.multigammaln",
        lambda xp: _sp(xp).multigammaln(xp.asarray(X), 4),
        id="multigammaln-outside-domain",
    ),
    # logsumexp(a, axis, b, keepdims, return_sign)
    case("scipy.special.logsumexp", lambda xp: _sp(xp).logsumexp(xp.asarray(A[0])), id="logsumexp"),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray(A), axis=1),
        id="logsumexp-axis-inf",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray(A[:2], dtype=xp.float32), axis=-1, keepdims=True),
        rtol=1e-5,
        id="logsumexp-float32-keepdims",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray(A[:2]), axis=(0, 1), b=xp.asarray(B)),
        id="logsumexp-b",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(
            xp.asarray(A[:2]), axis=1, b=xp.asarray(B), keepdims=True, return_sign=True
        ),
        id="logsumexp-return-sign",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray([[1, 2], [3, 4]]), axis=0),
        id="logsumexp-int",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray(A), axis=2),
        id="logsumexp-bad-axis",
    ),
    case(
        "scipy.special.logsumexp",
        lambda xp: _sp(xp).logsumexp(xp.asarray(A), b=xp.asarray([1.0, 2.0])),
        id="logsumexp-bad-b",
    ),
    # softmax / log_softmax(x, axis)
    *(
        _on(name, A[:2], id_=str(axis), **({} if axis is None else {"axis": axis}))
        for name in ("softmax", "log_softmax")
        for axis in (None, 0, -1, (0, 1), 2)
    ),
    *(_on(name, X, numpy.float32, 1e-5, "float32", axis=1) for name in ("softmax", "log_softmax")),
    # zeta(x, q=None)
    case("scipy.special.zeta", lambda xp: _sp(xp).zeta(xp.asarray(X + 1.5)), id="zeta-riemann"),
    case(
        "scipy.special.zeta",
        lambda xp: _sp(xp).zeta(xp.asarray([[2.0], [3.5]]), q=xp.asarray(X[0])),
        id="zeta-hurwitz-broadcast",
    ),
    case(
        "scipy.special.zeta",
        lambda xp: _sp(xp).zeta(
            xp.asarray([2.0, 3.0], dtype=xp.float32), xp.asarray([0.5, 4.0], dtype=xp.float32)
        ),
        rtol=1e-5,
        id="zeta-float32",
    ),
    case(
        "scipy.special.zeta",
        lambda xp: _sp(xp).zeta(xp.asarray(EDGES), 1.0),
        id="zeta-edges",
    ),
    case(
        "scipy.special.zeta",
        lambda xp: _sp(xp).zeta(xp.asarray([2.0, 3.0]), xp.asarray([1.0, 2.0, 3.0])),
        id="zeta-mismatch",
    ),
]

test_conformance = conformance(CASES)


@pytest.mark.parametrize(
    "call",
    [
        lambda xp: S._log_expit(xp, REAL * 30),
        lambda xp: S._polygamma(xp, numpy.array([[0], [1], [3]]), X[0]),
        lambda xp: S._logsumexp(xp, A, 1),
        lambda xp: S._logsumexp(xp, A[:2], (0, 1), B),
        lambda xp: S._logsumexp(xp, A[:2], 1, B, True, True),
        lambda xp: S._logsumexp(xp, numpy.array([[1, 2], [3, 4]]), 0),
    ],
)
def test_gpu_compositions_match_scipy(call, monkeypatch):
    """The forwards composed for CuPy, run on NumPy, give SciPy's values and dtypes."""
    monkeypatch.setattr(S, "_special", lambda xp: scipy.special)

    class Backend:  # NumPy under another name: takes the composed branch
        def __getattr__(self, name):
            return getattr(numpy, name)

    with numpy.errstate(all="ignore"):
        expected, got = call(numpy), call(Backend())
    for e, g in zip(*(r if isinstance(r, tuple) else (r,) for r in (expected, got)), strict=True):
        assert numpy.asarray(g).dtype == numpy.asarray(e).dtype
        numpy.testing.assert_allclose(g, e, rtol=1e-12)


def test_stdtrit_on_a_gpu_matches_scipy() -> None:
    """CuPy has no stdtrit: on a GPU dnp builds it from betaincinv (tails and centre)."""
    import dnp
    from tests.simulated_gpu import simulated_gpu

    df = numpy.array([0.5, 1.0, 2.5, 7.0, 30.0, 1e4, numpy.inf])[:, None]
    p = numpy.array([0.0, 1e-12, 1e-3, 0.1, 0.3, 0.5, 0.7, 0.97, 1 - 1e-9, 1.0, numpy.nan])
    with simulated_gpu(), numpy.errstate(divide="ignore", invalid="ignore"):  # CuPy never warns
        got = dnp.scipy.special.stdtrit(dnp.asarray(df), dnp.asarray(p)).asnumpy()
    numpy.testing.assert_allclose(got, scipy.special.stdtrit(df, p), rtol=1e-9)


@pytest.mark.parametrize("per_sign", [400, 100])  # above and below S._SCIPY_BELOW elements
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_log_expit_agrees_with_scipy_to_four_ulp_at_every_scale(dtype, per_sign):
    """dnp's log_expit is min(x, 0) - log1p(exp(-|x|)) on larger arrays, not SciPy's loop: the
    same values; on smaller ones it is SciPy's loop."""
    import dnp

    x = numpy.concatenate(
        [
            numpy.geomspace(1e-30, 1e4, per_sign),
            -numpy.geomspace(1e-30, 1e4, per_sign),
            [0.0, -0.0, numpy.inf, -numpy.inf, numpy.nan],
        ]
    ).astype(dtype)
    assert (x.size < S._SCIPY_BELOW) == (per_sign == 100)
    with numpy.errstate(all="raise"):  # no spurious underflow or overflow
        got = dnp.scipy.special.log_expit(dnp.asarray(x)).asnumpy()
    want = scipy.special.log_expit(x)
    assert got.dtype == want.dtype
    numpy.testing.assert_allclose(got, want, rtol=4 * numpy.finfo(dtype).eps, atol=0)
    if x.size < S._SCIPY_BELOW:
        numpy.testing.assert_array_equal(got, want)
