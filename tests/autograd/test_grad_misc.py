"""Gradients of creation, sorting and numerical routines (dnp/_ops: creation, sorting, calculus,
polynomials, functional, special, windows).

Most of these are linear in their differentiable inputs: their second derivative is zero and the
order-2 check needs a gradient that depends on the input, so those cases square the result
(``_sq``), which runs the rule again in the double backward pass.
"""

import numpy
import pytest

import dnp as np
from dnp import autograd
from tests.grad_check import grad_case, gradient_test, raised, raised_case

rng = numpy.random.default_rng(1)
V = rng.standard_normal(5)
W = rng.standard_normal(3)
VC = rng.standard_normal(5) + 1j * rng.standard_normal(5)
WC = rng.standard_normal(3) + 1j * rng.standard_normal(3)
M = rng.standard_normal((4, 5))
MC = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
T = rng.standard_normal((2, 3, 4))
S = rng.permutation(20).reshape(4, 5) / 7.0  # distinct values: no ties in sorts
X = numpy.sort(rng.uniform(0, 4, 6))  # increasing sample points
FP = rng.standard_normal(6)
NONFINITE = numpy.array([1.0, numpy.nan, 2.0, numpy.inf, -numpy.inf])
XQ = numpy.array([-0.5, 0.3, 1.7, 2.2, 3.5, 4.5])  # below, inside and above X's range
X2 = numpy.sort(rng.uniform(0, 4, (3, 6)), axis=1)


def _sq(y):
    return raised(y, 2)


def case(name, f, *inputs, **kw):
    """A case whose result is squared (see the module docstring)."""
    return raised_case(name, f, *inputs, power=2, **kw)


CREATION = [
    case("array", lambda x: np.array(x), M),
    case("array", lambda x: np.array(x, ndmin=3), M, id="array-ndmin"),
    case("array", lambda x, y: np.array([x, y]), V, V[::-1], id="array-list"),
    case("asarray", lambda x: np.asarray(x), MC),
    case("asarray", lambda x: np.asarray(x, dtype=complex), M, id="asarray-complex"),
    case("asanyarray", lambda x: np.asanyarray(x), M),
    case("ascontiguousarray", lambda x: np.ascontiguousarray(x.T), M),
    case("ascontiguousarray", lambda x: np.ascontiguousarray(x), numpy.float64(2.5), id="acz"),
    case("asfortranarray", lambda x: np.asfortranarray(x), MC),
    case("asarray_chkfinite", lambda x: np.asarray_chkfinite(x), M),
    case("require", lambda x: np.require(x, requirements="F"), M),
    case("copy", lambda x: np.copy(x), MC),
    case("diag", lambda x: np.diag(x), V),
    case("diag", lambda x: np.diag(x, -2), VC, id="diag-k"),
    case("diag", lambda x: np.diag(x), M, id="diag-extract"),
    case("diag", lambda x: np.diag(x, 2), M, id="diag-extract-k"),
    case("diag", lambda x: np.diag(x, -3), MC.T, id="diag-extract-tall"),
    case("diagflat", lambda x: np.diagflat(x, 1), M[:2, :2]),
    case("tril", lambda x: np.tril(x), M),
    case("tril", lambda x: np.tril(x, -1), T, id="tril-stack"),
    case("triu", lambda x: np.triu(x, 1), MC),
    grad_case("vander", lambda x: np.vander(x), V),
    grad_case("vander", lambda x: np.vander(x, 3, increasing=True), VC, id="vander-inc"),
    # vander(x, 1) is ones: a constant, whose gradient (zeros) does not depend on x.
    grad_case("vander", lambda x: np.vander(x, 1), V, id="vander-1", order=1),
    case("meshgrid", lambda x, y: np.meshgrid(x, y), V, W),
    case("meshgrid", lambda x, y: np.meshgrid(x, y, indexing="ij"), V, WC, id="meshgrid-ij"),
    case("meshgrid", lambda x, y, z: np.meshgrid(x, y, z, sparse=True), V, W, W[:2], id="mg3"),
    case("linspace", lambda a, b: np.linspace(a, b, 5), numpy.float64(1.0), numpy.float64(3.0)),
    case("linspace", lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=1), W, W, id="ls-ax"),
    case("linspace", lambda a, b: np.linspace(a, b, 3, retstep=True), V, 2.0, id="ls-step"),
    grad_case("logspace", lambda a, b: np.logspace(a, b, 5), 0.3, 1.2),
    grad_case("logspace", lambda a, b: np.logspace(a, b, 4, False, 2.0, axis=1), W, V[:3], id="l2"),
    grad_case("geomspace", lambda a, b: np.geomspace(a, b, 5), 0.3, 4.2),
    grad_case("geomspace", lambda a, b: np.geomspace(a, b, 4, False, axis=1), -W - 2, -V[:3] - 3),
    grad_case("geomspace", lambda a, b: np.geomspace(a, b, 4), WC[:2], VC[:2], id="geomspace-c"),
    case("r_.__getitem__", lambda x, y: np.r_[x, 2.0, y], V, W),
    case("r_.__getitem__", lambda x: np.r_[x], VC, id="r_-single"),
    case("r_.__getitem__", lambda x, y: np.r_[x, y], M, M[:1], id="r_-2d"),
    case("c_.__getitem__", lambda x, y: np.c_[x, y], V, VC),
    case("c_.__getitem__", lambda x, y: np.c_[x, y], M.T, V, id="c_-2d"),
    case("full", lambda v: np.full((2, 3), v), W),
    case("full_like", lambda v: np.full_like(M, v), V),
]

SORTING = [
    grad_case("sort", lambda x: _sq(np.sort(x)) * np.arange(5.0), S),
    grad_case("sort", lambda x: _sq(np.sort(x, axis=0)) * S, S, id="sort-axis0"),
    grad_case("sort", lambda x: _sq(np.sort(x, axis=None)) * S.ravel(), S, id="sort-flat"),
    grad_case(
        "sort", lambda x: _sq(np.sort(x, descending=True)) * np.arange(5.0), S, id="sort-desc"
    ),
    grad_case(
        "sort",
        lambda x: _sq(np.sort(x, axis=None, descending=True)) * S.ravel(),
        S,
        id="sort-desc-flat",
    ),
    grad_case("partition", lambda x: _sq(np.partition(x, 2)) * np.arange(5.0), S),
    grad_case("partition", lambda x: _sq(np.partition(x, (1, 3), axis=0)) * S, S, id="part-axis0"),
    grad_case("sort_complex", lambda x: _sq(np.sort_complex(x)), S[0]),
    grad_case("sort_complex", lambda x: _sq(np.sort_complex(x)), S[0] + 1j * S[1], id="sc-c"),
]

NUMERICAL = [
    case("diff", lambda x: np.diff(x), V),
    case("diff", lambda x: np.diff(x, 2, axis=0), MC, id="diff-2-axis0"),
    case("diff", lambda x, p: np.diff(x, 1, -1, p), M, M[:, :2], id="diff-prepend"),
    case("diff", lambda x, p, q: np.diff(x, 3, 0, p, q), M, M[:1], M, id="diff-pre-app"),
    case("diff", lambda x, p: np.diff(x, prepend=p, append=p), M, M[:, :1], id="diff-keywords"),
    case("ediff1d", lambda x: np.ediff1d(x), M),
    case("ediff1d", lambda x, e, b: np.ediff1d(x, e, b), V, W, W[:2], id="ediff1d-ends"),
    *(
        case("convolve", lambda a, v, m=mode: np.convolve(a, v, m), a, v, id=f"conv-{mode}-{i}")
        for mode in ("full", "same", "valid")
        for i, (a, v) in enumerate([(V, W), (W, VC), (V[:4], V), (VC[:4], W[:2])])
    ),
    *(
        case("correlate", lambda a, v, m=mode: np.correlate(a, v, m), a, v, id=f"cor-{mode}-{i}")
        for mode in ("full", "same", "valid")
        for i, (a, v) in enumerate([(V, W), (W, VC), (V[:4], V), (VC[:2], W), (W[:2], V)])
    ),
    grad_case("trapezoid", lambda y: np.trapezoid(y * y), V),
    grad_case("trapezoid", lambda y, d: np.trapezoid(y * y, None, d), M, 0.3, id="trap-dx-arg"),
    grad_case("trapezoid", lambda y: np.trapezoid(y * y, dx=0.5, axis=0), MC, id="trap-dx"),
    grad_case("trapezoid", lambda y, x: np.trapezoid(y * y, x), V[:4], X[:4], id="trap-x"),
    grad_case("trapezoid", lambda y, x: np.trapezoid(y * x, x), X2, X, id="trap-x1d"),
    grad_case("trapezoid", lambda y, x: np.trapezoid(y * y, x, axis=1), X2, X2, id="trap-xnd"),
    grad_case("trapezoid", lambda y, x: np.trapezoid(y * y, x=x), X2, X, id="trap-x-keyword"),
    grad_case("interp", lambda x, f: np.interp(x, X[:5], f) ** 2, X[:4] + 0.1, V[::-1] + 6),
    grad_case("interp", lambda x: np.interp(x, X, FP) * x, X[1:] - 0.1, id="interp-x"),
    grad_case("interp", lambda x: np.interp(x, X, FP) * x, [-1.0, 0.5, 9.0], id="interp-x-out"),
    grad_case("interp", lambda x, f: np.interp(x, X, f) ** 2, XQ, FP + 1j * V[0], id="interp-c"),
    grad_case(
        "interp",
        lambda x, f, lo, hi: np.interp(x, X, f, lo, hi) ** 2,
        XQ,
        FP,
        0.5,
        -0.25,
        id="interp-left-right",
    ),
    grad_case(
        "interp", lambda x, f: np.interp(x, X, f, period=3.0) ** 2, XQ, FP, id="interp-period"
    ),
    grad_case("interp", lambda x, f: np.interp(x, X, f) * x, XQ.reshape(2, 3), FP, id="interp-2d"),
    case("gradient", lambda f: np.gradient(f), V),
    case("gradient", lambda f: np.gradient(f, 0.5, edge_order=2), V, id="gradient-eo2"),
    case("gradient", lambda f: np.gradient(f, X, edge_order=2), FP, id="gradient-x"),
    case("gradient", lambda f: np.gradient(f), MC, id="gradient-2d"),
    case("gradient", lambda f: np.gradient(f, X[:4], 2.0), M, id="gradient-2d-spacing"),
    case("gradient", lambda f: np.gradient(f, X[:4], axis=0, edge_order=2), M, id="gradient-ax"),
    case("gradient", lambda f: np.gradient(f, axis=(2, 0)), T, id="gradient-axes"),
    case("gradient", lambda f: np.gradient(f), V[:2], id="gradient-2pts"),
    case("gradient", lambda f: np.gradient(f, edge_order=2), V[:3], id="gradient-3pts"),
    grad_case("i0", lambda x: np.i0(x), [-3.0, 0.2, 1.5, 7.0, 19.5]),
    grad_case("i0", lambda x: np.i0(x), [25.0, -22.0, 30.0], id="i0-large"),
    case("unwrap", lambda p: np.unwrap(p), numpy.array([0.0, 3.0, 6.5, 1.0, 2.0])),
    grad_case("sinc", lambda x: np.sinc(x), V),
    grad_case("sinc", lambda x: np.sinc(x), VC, id="sinc-complex"),
    grad_case("angle", lambda z: np.angle(z), VC),
    grad_case("angle", lambda z: np.angle(z, deg=True), MC, id="angle-deg"),
    grad_case("angle", lambda z: np.angle(z) * z, V, id="angle-real"),
    case("nan_to_num", lambda x: np.nan_to_num(x, posinf=5.0, neginf=-3.0), NONFINITE),
    case("nan_to_num", lambda x: np.nan_to_num(x), VC, id="nan_to_num-complex"),
    case("real_if_close", lambda x: np.real_if_close(x), VC),
    grad_case("polyval", lambda p, x: np.polyval(p, x), V, M),
    grad_case("polyval", lambda p, x: np.polyval(p, x), W, VC, id="polyval-complex"),
    case("polyadd", lambda a, b: np.polyadd(a, b), V, W),
    case("polysub", lambda a, b: np.polysub(a, b), W, VC),
    case("polymul", lambda a, b: np.polymul(a, b), V, W),
    case("polymul", lambda a, b: np.polymul(a, b), W, VC, id="polymul-complex"),
    case("polyder", lambda p: np.polyder(p), V),
    case("polyder", lambda p: np.polyder(p, 3), VC, id="polyder-3"),
    case("polyint", lambda p: np.polyint(p), V),
    case("polyint", lambda p, k: np.polyint(p, 3, k), W, V[:3], id="polyint-k"),
    case("polyint", lambda p, k: np.polyint(p, 2, k), W, V[:1], id="polyint-k1"),
    grad_case("roots", lambda p: np.roots(p), [1.0, -6.0, 11.0, -6.5]),
    grad_case("roots", lambda p: np.roots(p), [2.0, 0.5, 3.0, 1.0], id="roots-complex-pair"),
    grad_case("roots", lambda p: np.roots(p), [1.0 + 1j, 0.5, 3.0 - 2j], id="roots-complex"),
    grad_case("roots", lambda p: np.roots(p), [1.0, 0.5, 3.0, 0.0], id="roots-at-zero"),
    grad_case("poly", lambda z: np.poly(z), [1.0, -2.0, 0.5]),
    grad_case("poly", lambda z: np.poly(z), [1.0 + 1j, -2.0, 0.5j], id="poly-complex"),
    case("polydiv", lambda u, v: np.polydiv(u, v), V, W),
    case("polydiv", lambda u, v: np.polydiv(u, v), VC, W[:2], id="polydiv-complex"),
    case("polydiv", lambda u, v: np.polydiv(u, v), W[:2], V, id="polydiv-low-degree"),
    case("polyfit", lambda y: np.polyfit(X[:5], y, 2), V + W.sum() + X[:5]),
    case("polyfit", lambda y: np.polyfit(X, y, 3, w=X + 1), X2.T, id="polyfit-2d-weights"),
    case("polyfit", lambda y: np.polyfit(X[:5], y, 1), VC, id="polyfit-complex"),
]

NEG = numpy.array([-1.5, -0.3, 0.4, 1.2, 2.5])
MP = numpy.arange(1.0, 13.0).reshape(3, 4) / 5 + 0.05  # away from the conditions' edges
FUNCTIONAL = [  # the user's functions are run again under record by the rules
    grad_case(
        "piecewise",
        lambda x: np.piecewise(x, [NEG < 0, NEG >= 0], [lambda t: t * t, np.exp]),
        NEG,
    ),
    grad_case(
        "piecewise",
        lambda x: np.piecewise(x, [NEG < 0], [np.sin, 2.0]) * x,
        NEG,
        id="piecewise-otherwise",
    ),
    grad_case(
        "piecewise",
        lambda x: np.piecewise(x, [MP < 1, MP > 2], [lambda t, k: t**k, lambda t, k: -t * k], 3.0),
        MP,
        id="piecewise-2d-args",
    ),
    grad_case("apply_along_axis", lambda x: np.apply_along_axis(lambda r: np.sum(r * r), 1, x), M),
    grad_case(
        "apply_along_axis",
        lambda x: np.apply_along_axis(lambda r: r * r[0], 0, x),
        T,
        id="apply_along_axis-vector",
    ),
    grad_case("apply_over_axes", lambda x: np.apply_over_axes(np.sum, x * x, [0, 2]), T),
    grad_case(
        "apply_over_axes",
        lambda x: np.apply_over_axes(lambda a, ax: np.cumsum(a * a, axis=ax), x, -1),
        MC,
        id="apply_over_axes-cumsum",
    ),
]

SETS = [  # distinct elements: with repeats the number of values changes under perturbation
    case("unique", lambda x: np.unique(x), S),
    case("unique", lambda x: np.unique(x, True, True, True)[0], S, id="unique-tuple"),
    case("unique", lambda x: np.sort(np.unique(x, sorted=False)), S[0], id="unique-unsorted"),
    # unique_values comes in any order (NumPy's hash-based unique): sorted here.
    case("unique_values", lambda x: np.sort(np.unique_values(x)), S[0] + 1j * S[1]),
    case("unique_all", lambda x: np.unique_all(x).values, S),
    case("unique_counts", lambda x: np.unique_counts(x).values, S),
    case("unique_inverse", lambda x: np.unique_inverse(x).values, S),
]

GRAD_CASES = CREATION + SORTING + NUMERICAL + FUNCTIONAL + SETS

test_gradients = gradient_test(GRAD_CASES)


X32 = numpy.linspace(0.1, 1.3, 6).astype(numpy.float32)
FLOAT32 = {
    "diff": lambda x: np.diff(x, 2),
    "ediff1d": lambda x: np.ediff1d(x, 1.0),
    "trapezoid": lambda x: np.trapezoid(x * x, x),
    "interp": lambda f: np.interp(X[:5] + 0.05, X, f),
    "gradient": lambda f: np.gradient(f, X),
    "polyval": lambda p: np.polyval(p, np.asarray(X)),
    "polyfit": lambda y: np.polyfit(X, y, 2),
    "roots": lambda p: np.roots(p[:4]).real,
    "vander": lambda x: np.vander(x, 3),
    "geomspace": lambda a: np.geomspace(a, a + 1, 4),
    "sort_complex": lambda x: np.sort_complex(x).real,
    "rfft": lambda x: np.fft.rfft(x).real,
}


@pytest.mark.parametrize("name", sorted(FLOAT32))
def test_float32_gradients_stay_float32(name):
    g = autograd.grad_fn(lambda v: np.sum(FLOAT32[name](v)))(np.asarray(X32))
    assert g.dtype == numpy.float32
