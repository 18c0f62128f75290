"""``dnp.polynomial`` against ``numpy.polynomial``: every function of the six basis modules and
polyutils, the series classes, on every device; gradients of evaluation by central differences."""

import numpy
import pytest

import dnp
from tests.conformance import case, conformance
from tests.grad_check import check_grads

BASES = {
    "polynomial": ("poly", "Polynomial"),
    "chebyshev": ("cheb", "Chebyshev"),
    "legendre": ("leg", "Legendre"),
    "hermite": ("herm", "Hermite"),
    "hermite_e": ("herme", "HermiteE"),
    "laguerre": ("lag", "Laguerre"),
}
C = [1.5, -2.0, 0.5, 0.25]
C2 = [[1.0, 2.0], [-0.5, 0.25], [0.125, 3.0]]
C3 = numpy.arange(8.0).reshape(2, 2, 2) / 4
X = numpy.linspace(-0.9, 0.9, 7)


def fn(xp, module, name):
    return getattr(getattr(xp.polynomial, module), name)


def basis_cases(module, p):
    def f(name):
        return lambda xp, *a, **k: fn(xp, module, p + name)(*a, **k)

    x = lambda xp: xp.asarray(X)  # noqa: E731
    cases = [
        ("val", lambda xp: f("val")(xp, x(xp), C)),
        ("val-scalar-x", lambda xp: f("val")(xp, 0.3, C)),
        ("val-list-x", lambda xp: f("val")(xp, [0.1, 0.2], C)),
        ("val-int-c", lambda xp: f("val")(xp, x(xp), [1, 2, 3])),
        ("val-one-c", lambda xp: f("val")(xp, x(xp), [2.0])),
        ("val-two-c", lambda xp: f("val")(xp, x(xp), [2.0, -1.0])),
        ("val-2d-c", lambda xp: f("val")(xp, x(xp), xp.asarray(C2))),
        (
            "val-untensored",
            lambda xp: f("val")(xp, xp.asarray([0.1, 0.5]), xp.asarray(C2), tensor=False),
        ),
        ("val2d", lambda xp: f("val2d")(xp, x(xp), x(xp) / 2, xp.asarray(C2))),
        ("val2d-mismatch", lambda xp: f("val2d")(xp, x(xp), x(xp)[:3], xp.asarray(C2))),
        ("val3d", lambda xp: f("val3d")(xp, x(xp), x(xp), x(xp), xp.asarray(C3))),
        ("grid2d", lambda xp: f("grid2d")(xp, x(xp)[:3], x(xp)[:2], xp.asarray(C2))),
        ("grid3d", lambda xp: f("grid3d")(xp, x(xp)[:3], x(xp)[:2], x(xp)[:4], xp.asarray(C3))),
        ("add", lambda xp: f("add")(xp, C, [1.0, 2.0])),
        ("sub", lambda xp: f("sub")(xp, C, xp.asarray([1.0, 2.0]))),
        ("mul", lambda xp: f("mul")(xp, C, [1.0, 2.0])),
        ("mulx", lambda xp: f("mulx")(xp, C)),
        ("div", lambda xp: f("div")(xp, C, [1.0, 2.0])),
        ("pow", lambda xp: f("pow")(xp, [1.0, 2.0], 3)),
        ("der", lambda xp: f("der")(xp, xp.asarray(C), 2)),
        ("int", lambda xp: f("int")(xp, C, 1, k=[1.0], lbnd=0.5)),
        ("fromroots", lambda xp: f("fromroots")(xp, [0.5, -1.0, 2.0])),
        ("roots", lambda xp: f("roots")(xp, C)),
        ("vander", lambda xp: f("vander")(xp, x(xp), 3)),
        ("vander2d", lambda xp: f("vander2d")(xp, x(xp), x(xp), [2, 1])),
        ("vander3d", lambda xp: f("vander3d")(xp, x(xp), x(xp), x(xp), [1, 1, 2])),
        ("fit", lambda xp: f("fit")(xp, x(xp), xp.sin(x(xp)), 3)),
        ("fit-full", lambda xp: f("fit")(xp, x(xp), xp.cos(x(xp)), 2, full=True)),
        ("companion", lambda xp: f("companion")(xp, C)),
        ("line", lambda xp: f("line")(xp, 3.0, 4.0)),
        ("trim", lambda xp: f("trim")(xp, [1.0, 2.0, 0.0, 1e-20], tol=1e-10)),
        ("bad-der", lambda xp: f("der")(xp, C, -1)),
    ]
    if p != "poly":
        cases += [
            ("to-poly", lambda xp: fn(xp, module, f"{p}2poly")(C)),
            ("from-poly", lambda xp: fn(xp, module, f"poly2{p}")(C)),
            ("gauss", lambda xp: f("gauss")(xp, 4)),
            ("weight", lambda xp: f("weight")(xp, xp.asarray([0.1, 0.2]))),
        ]
    else:
        cases.append(("valfromroots", lambda xp: f("valfromroots")(xp, x(xp), [0.5, -0.5])))
    return [case(f"{module}.{label}", body, id=f"{p}{label}") for label, body in cases]


CASES = [c for module, (p, _) in BASES.items() for c in basis_cases(module, p)]
CASES += [
    case(
        "chebyshev.chebinterpolate",
        lambda xp: xp.polynomial.chebyshev.chebinterpolate(numpy.cos, 5),
    ),
    case("chebyshev.chebpts1", lambda xp: xp.polynomial.chebyshev.chebpts1(5)),
    case("chebyshev.chebpts2", lambda xp: xp.polynomial.chebyshev.chebpts2(5)),
    case(
        "polyutils.mapdomain",
        lambda xp: xp.polynomial.polyutils.mapdomain(xp.asarray(X), [-1, 1], [0, 2]),
    ),
    case("polyutils.getdomain", lambda xp: xp.polynomial.polyutils.getdomain(xp.asarray(X))),
    case("polyutils.mapparms", lambda xp: xp.polynomial.polyutils.mapparms([0, 1], [-1, 1])),
    case("polyutils.trimseq", lambda xp: xp.polynomial.polyutils.trimseq([1.0, 0.0])),
]


def class_case(cls_name):
    def body(xp):
        cls = getattr(xp.polynomial, cls_name)
        x = xp.linspace(0.0, 2.0, 15)
        y = xp.exp(-x) + 0.5 * x
        p = cls.fit(x, y, 4)
        return [
            p(x),
            p(0.7),
            p.deriv()(x),
            p.integ(lbnd=0.5)(x),
            (p * p - p)(x),
            xp.asarray(p.convert().coef),
            xp.asarray(p.linspace(5)[1]),
            xp.asarray(numpy.sort_complex(p.roots())),
        ]

    return case(f"polynomial.{cls_name}", body, id=cls_name, rtol=1e-9)


CASES += [class_case(cls) for _, cls in BASES.values()]
test_conformance = conformance(CASES)


def test_every_name_is_numpys():
    for module in [*BASES, "polyutils"]:
        theirs = {n for n in dir(getattr(numpy.polynomial, module)) if not n.startswith("_")}
        theirs -= {
            n
            for n in theirs
            if type(getattr(getattr(numpy.polynomial, module), n)).__name__ == "module"
        }
        ours = set(getattr(dnp.polynomial, module).__all__)
        assert theirs <= ours, (module, sorted(theirs - ours))
    assert issubclass(dnp.polynomial.Polynomial, numpy.polynomial.Polynomial)


@pytest.mark.parametrize("module", BASES)
def test_evaluation_is_differentiable_in_points_and_coefficients(module):
    p, _ = BASES[module]
    val = fn(dnp, module, p + "val")
    check_grads(lambda x, c: val(x, c), X, numpy.asarray(C), order=2)
    check_grads(lambda x, c: val(x, c), X[:3], numpy.asarray(C2), order=1)


def test_a_fitted_series_evaluates_on_dnp_arrays_with_gradients():
    from dnp import autograd

    x = dnp.linspace(0.0, 1.0, 30)
    p = dnp.polynomial.Polynomial.fit(x, 3 * x**2 - x + 1, 2)
    numpy.testing.assert_allclose(p.convert().coef, [1.0, -1.0, 3.0], atol=1e-12)
    g = autograd.grad_fn(lambda t: p(t).sum())(dnp.asarray([0.0, 0.5]))
    numpy.testing.assert_allclose(g.asnumpy(), [-1.0, 2.0], atol=1e-10)
