"""Numerical routines, polynomials, windows, bit packing and functional helpers against NumPy."""

import numpy

import dnp
from tests.conformance import case, conformance
from tests.samples import sample


def f(xp, dt="float64", shape=(3, 4), offset=0):
    return xp.asarray(sample(dt, shape, offset))


def special(xp, dt="float64"):
    """Values with nan and infinities (complex: in either part)."""
    a = numpy.array([1.5, numpy.nan, numpy.inf, -numpy.inf, -2.0, 0.0])
    if numpy.dtype(dt).kind == "c":
        a = a + 1j * a[::-1]
    return xp.asarray(a.astype(dt))


def phase(xp, dt="float64"):
    return xp.asarray(numpy.array([0.0, 1.0, 3.0, 5.5, -0.5, 2.5, 6.0, -3.0]).astype(dt))


def _cases(name, bodies):
    return [case(name, body, id=f"{name}-{label}") for label, body in bodies.items()]


def _is_dnp_style(xp, v):
    """The user function got xp's own array type (a dnp.ndarray when xp is dnp)."""
    assert type(v).__module__.startswith(xp.__name__), type(v)
    return v


CASES = []

# --- elementwise-like ----------------------------------------------------------------------------
for dt in ("complex64", "complex128", "float32", "int32", "bool"):
    CASES.append(case("angle", lambda xp, dt=dt: xp.angle(f(xp, dt)), id=f"angle-{dt}"))
CASES.append(case("angle", lambda xp: xp.angle(f(xp, "complex128"), deg=True), id="angle-deg"))
for dt in ("float16", "float32", "float64", "int32", "complex128"):
    CASES.append(case("sinc", lambda xp, dt=dt: xp.sinc(f(xp, dt)), id=f"sinc-{dt}"))
for dt in ("float32", "float64", "int16", "complex128"):
    CASES.append(case("i0", lambda xp, dt=dt: xp.i0(f(xp, dt)), id=f"i0-{dt}"))
for dt in ("float16", "float64", "int32", "uint8"):
    CASES.append(case("fix", lambda xp, dt=dt: xp.fix(f(xp, dt)), id=f"fix-{dt}"))
CASES += _cases(
    "fix",
    {
        "0d": lambda xp: xp.fix(xp.asarray(-2.5)),
        "out": lambda xp: (lambda o: (xp.fix(f(xp), out=o) is o, o))(xp.zeros((3, 4))),
        "bad-out": lambda xp: xp.fix(f(xp), out=xp.zeros((2, 4))),
    },
)
for dt in ("float32", "float64", "complex64", "int64"):
    CASES.append(
        case("nan_to_num", lambda xp, dt=dt: xp.nan_to_num(special(xp, dt)), id=f"nan_to_num-{dt}")
    )
CASES += _cases(
    "nan_to_num",
    {
        "values": lambda xp: xp.nan_to_num(special(xp), nan=-1.0, posinf=9.0, neginf=-9.0),
        "complex-values": lambda xp: xp.nan_to_num(special(xp, "complex128"), nan=2.0, posinf=3.0),
        # copy=False writes into its argument.
        "in-place": lambda xp: (lambda x: (xp.nan_to_num(x, copy=False), x))(special(xp)),
    },
)
CASES += _cases(
    "real_if_close",
    {
        "close": lambda xp: xp.real_if_close(xp.asarray([1.0 + 1e-15j, 2.0 - 1e-16j])),
        "far": lambda xp: xp.real_if_close(f(xp, "complex64")),
        "tol": lambda xp: xp.real_if_close(xp.asarray([1.0 + 1e-9j]), tol=1e8),
        "real": lambda xp: xp.real_if_close(f(xp, "float32")),
    },
)
CASES += _cases(
    "unwrap",
    {
        "1d": lambda xp: xp.unwrap(phase(xp)),
        "float32": lambda xp: xp.unwrap(phase(xp, "float32")),
        "int-period": lambda xp: xp.unwrap(xp.asarray([0, 1, 5, 7, 2, 9]), period=6),
        "discont": lambda xp: xp.unwrap(phase(xp), discont=4.0),
        "axis0": lambda xp: xp.unwrap(f(xp, "float64", (4, 3)) * 2, axis=0),
        "bad-axis": lambda xp: xp.unwrap(phase(xp), axis=1),
    },
)

# --- differences, integration, interpolation ----------------------------------------------------
for name in ("convolve", "correlate"):
    for dt in ("int32", "float32", "complex128", "bool"):
        CASES.append(
            case(
                name,
                lambda xp, n=name, dt=dt: getattr(xp, n)(f(xp, dt, (7,)), f(xp, dt, (3,), 1)),
                id=f"{name}-{dt}",
            )
        )
    for mode in ("full", "same", "valid"):
        CASES.append(
            case(
                name,
                lambda xp, n=name, m=mode: getattr(xp, n)(
                    f(xp, "float64", (3,)), f(xp, "float64", (5,), 2), mode=m
                ),
                id=f"{name}-{mode}",
            )
        )
    CASES += _cases(
        name,
        {
            "empty": lambda xp, n=name: getattr(xp, n)(xp.asarray([]), f(xp, "float64", (3,))),
            "2d": lambda xp, n=name: getattr(xp, n)(f(xp), f(xp, "float64", (3,))),
            "bad-mode": lambda xp, n=name: getattr(xp, n)(
                f(xp, "float64", (4,)), f(xp, "float64", (2,)), mode="wide"
            ),
        },
    )
for dt in ("int8", "uint8", "float32", "complex64", "bool"):
    CASES.append(case("diff", lambda xp, dt=dt: xp.diff(f(xp, dt)), id=f"diff-{dt}"))
CASES += _cases(
    "diff",
    {
        "n2-axis0": lambda xp: xp.diff(f(xp, "float64", (5, 3)), n=2, axis=0),
        "n0": lambda xp: xp.diff(f(xp), n=0),
        "prepend-append": lambda xp: xp.diff(f(xp), prepend=0, append=f(xp, "float64", (3, 1))),
        "bad-axis": lambda xp: xp.diff(f(xp), axis=2),
        "negative-n": lambda xp: xp.diff(f(xp), n=-1),
        "0d": lambda xp: xp.diff(xp.asarray(1.0)),
    },
)
for dt in ("int16", "float32", "bool"):
    CASES.append(case("ediff1d", lambda xp, dt=dt: xp.ediff1d(f(xp, dt)), id=f"ediff1d-{dt}"))
CASES += _cases(
    "ediff1d",
    {
        "ends": lambda xp: xp.ediff1d(f(xp), to_begin=-99, to_end=xp.asarray([7.0, 8.0])),
        "uncastable-end": lambda xp: xp.ediff1d(f(xp, "int8"), to_end=1.5),
    },
)
for dt in ("float32", "float64", "int64", "complex128"):
    CASES.append(
        case("gradient", lambda xp, dt=dt: xp.gradient(f(xp, dt, (6,))), id=f"gradient-{dt}")
    )
CASES += _cases(
    "gradient",
    {
        "2d": lambda xp: xp.gradient(f(xp, "float64", (4, 5))),
        "spacing": lambda xp: xp.gradient(f(xp, "float64", (4, 5)), 2.0, 0.5),
        "coordinates": lambda xp: xp.gradient(
            f(xp, "float64", (5,)), xp.asarray([0.0, 1, 3, 4, 7])
        ),
        "axis": lambda xp: xp.gradient(f(xp, "float32", (2, 3, 4)), axis=(0, 2)),
        "axis-int": lambda xp: xp.gradient(f(xp, "float64", (3, 4)), axis=-1),
        "edge2": lambda xp: xp.gradient(f(xp, "float64", (4, 5)), edge_order=2),
        "too-short": lambda xp: xp.gradient(xp.asarray([1.0])),
        "bad-axis": lambda xp: xp.gradient(f(xp), axis=3),
        "bad-spacing": lambda xp: xp.gradient(f(xp), 1.0, 2.0, 3.0),
    },
)
knots = lambda xp: xp.asarray([0.0, 1.0, 2.5, 4.0])  # noqa: E731
CASES += _cases(
    "interp",
    {
        "basic": lambda xp: xp.interp(f(xp), knots(xp), xp.asarray([1.0, -2.0, 0.5, 3.0])),
        "left-right": lambda xp: xp.interp(
            f(xp), knots(xp), xp.asarray([1.0, 2, 3, 4]), left=-1.0, right=9.0
        ),
        "complex": lambda xp: xp.interp(f(xp), knots(xp), f(xp, "complex128", (4,))),
        "period": lambda xp: xp.interp(f(xp), knots(xp), xp.asarray([1.0, 2, 3, 4]), period=3.0),
        "float32": lambda xp: xp.interp(f(xp, "float32"), knots(xp), f(xp, "float32", (4,))),
        "int": lambda xp: xp.interp(f(xp, "int32"), xp.asarray([0, 1, 3]), xp.asarray([2, 0, 5])),
        "length-mismatch": lambda xp: xp.interp(f(xp), knots(xp), xp.asarray([1.0, 2.0])),
        "empty": lambda xp: xp.interp(f(xp), xp.asarray([]), xp.asarray([])),
    },
)
for dt in ("float32", "int32", "complex64", "bool"):
    CASES.append(case("trapezoid", lambda xp, dt=dt: xp.trapezoid(f(xp, dt)), id=f"trapezoid-{dt}"))
CASES += _cases(
    "trapezoid",
    {
        "x": lambda xp: xp.trapezoid(f(xp), x=xp.asarray([0.0, 1.0, 3.0, 3.5])),
        "x-2d": lambda xp: xp.trapezoid(f(xp), x=f(xp, "float64", (3, 4), 3)),
        "dx-axis0": lambda xp: xp.trapezoid(f(xp), dx=0.5, axis=0),
        "bad-axis": lambda xp: xp.trapezoid(f(xp), axis=2),
    },
)

# --- polynomials ---------------------------------------------------------------------------------
CASES += _cases(
    "poly",
    {
        "real-roots": lambda xp: xp.poly(xp.asarray([1.0, -2.0, 3.0])),
        "int-roots": lambda xp: xp.poly(xp.asarray([1, 2])),
        "conjugate-roots": lambda xp: xp.poly(xp.asarray([1 + 2j, 1 - 2j, 3])),
        "complex-roots": lambda xp: xp.poly(xp.asarray([1 + 2j, 3j])),
        "matrix": lambda xp: xp.poly(f(xp, "float64", (3, 3))),
        "not-square": lambda xp: xp.poly(f(xp)),
        "empty": lambda xp: xp.poly(xp.asarray([])),
        "list": lambda xp: xp.poly([2, 3]),
    },
)
for name in ("polyadd", "polysub", "polymul"):
    for dt in ("int32", "float32", "complex128", "uint8"):
        CASES.append(
            case(
                name,
                lambda xp, n=name, dt=dt: getattr(xp, n)(f(xp, dt, (4,)), f(xp, dt, (2,), 3)),
                id=f"{name}-{dt}",
            )
        )
    CASES.append(
        case(
            name,
            lambda xp, n=name: getattr(xp, n)([1, 2], f(xp, "float64", (3,))),
            id=f"{name}-list",
        )
    )
    CASES.append(
        case(
            name,
            lambda xp, n=name: getattr(xp, n)(f(xp, "float64", (3,)), 2.0),
            id=f"{name}-scalar",
        )
    )
CASES += _cases(
    "polymul",
    {
        "leading-zeros": lambda xp: xp.polymul(xp.asarray([0, 0, 1, 2]), xp.asarray([0.0, 3.0])),
        "zeros": lambda xp: xp.polymul(xp.zeros(3, "int8"), f(xp, "float32", (2,))),
        "2d": lambda xp: xp.polymul(f(xp), f(xp, "float64", (2,))),
    },
)
CASES += _cases(
    "polyadd",
    {"2d": lambda xp: xp.polyadd(f(xp, "float64", (2, 3)), f(xp, "float64", (3, 3)))},
)
for dt in ("int64", "float32", "complex64", "bool"):
    CASES.append(case("polyder", lambda xp, dt=dt: xp.polyder(f(xp, dt, (5,))), id=f"polyder-{dt}"))
    CASES.append(case("polyint", lambda xp, dt=dt: xp.polyint(f(xp, dt, (5,))), id=f"polyint-{dt}"))
CASES += _cases(
    "polyder",
    {
        "m2": lambda xp: xp.polyder(f(xp, "float64", (5,)), 2),
        "m0": lambda xp: xp.polyder(f(xp, "float64", (5,)), m=0),
        "m-past-degree": lambda xp: xp.polyder(f(xp, "int32", (3,)), 4),
        "negative-m": lambda xp: xp.polyder(f(xp, "float64", (5,)), -1),
    },
)
CASES += _cases(
    "polyint",
    {
        "m2-k": lambda xp: xp.polyint(f(xp, "float64", (4,)), 2, k=3.0),
        "m3-ks": lambda xp: xp.polyint(f(xp, "float64", (4,)), 3, k=[1.0, 2.0, 3.0]),
        "m0": lambda xp: xp.polyint(f(xp, "float32", (4,)), 0),
        "short-k": lambda xp: xp.polyint(f(xp, "float64", (4,)), 3, k=[1.0, 2.0]),
        "negative-m": lambda xp: xp.polyint(f(xp, "float64", (4,)), -1),
    },
)
CASES += _cases(
    "polydiv",
    {
        "basic": lambda xp: xp.polydiv(xp.asarray([3.0, 5.0, 2.0, 1.0]), xp.asarray([2.0, 1.0])),
        "exact": lambda xp: xp.polydiv(xp.asarray([1, 3, 2]), xp.asarray([1, 1])),
        "complex": lambda xp: xp.polydiv(f(xp, "complex64", (4,)), f(xp, "complex128", (2,), 2)),
        "low-degree": lambda xp: xp.polydiv(xp.asarray([2.0, 1.0]), xp.asarray([1.0, 2.0, 3.0])),
        "float32": lambda xp: xp.polydiv(f(xp, "float32", (5,), 1), f(xp, "float32", (3,), 2)),
    },
)
fit_x = lambda xp, dt="float64": xp.asarray(numpy.linspace(-1, 2, 8).astype(dt))  # noqa: E731
fit_y = lambda xp, shape=(8,): f(xp, "float64", shape, 1)  # noqa: E731
CASES += _cases(
    "polyfit",
    {
        "deg1": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp), 1),
        "int-lists": lambda xp: xp.polyfit([0, 1, 2, 3], [1, 3, 2, 5], 1),
        "deficient": lambda xp: xp.polyfit(fit_x(xp)[:3], fit_y(xp)[:3], 4),
        "deg3-float32": lambda xp: xp.polyfit(fit_x(xp, "float32"), f(xp, "float32", (8,)), 3),
        "2d-y": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp, (8, 3)), 2),
        "w": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp), 2, w=fit_x(xp) + 2),
        "complex-y": lambda xp: xp.polyfit(fit_x(xp), f(xp, "complex128", (8,)), 2),
        "full": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp), 2, full=True),
        "full-deficient": lambda xp: xp.polyfit(fit_x(xp)[:3], fit_y(xp)[:3], 4, full=True),
        "cov": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp), 2, cov=True),
        "cov-unscaled": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp, (8, 2)), 1, cov="unscaled"),
        "negative-deg": lambda xp: xp.polyfit(fit_x(xp), fit_y(xp), -1),
        "2d-x": lambda xp: xp.polyfit(f(xp), f(xp), 1),
        "length-mismatch": lambda xp: xp.polyfit(fit_x(xp), f(xp, "float64", (5,)), 1),
    },
)
CASES += _cases(
    "polyval",
    {
        "array": lambda xp: xp.polyval(f(xp, "float64", (4,)), f(xp)),
        "int": lambda xp: xp.polyval(f(xp, "int32", (3,)), f(xp, "int32")),
        "float32": lambda xp: xp.polyval(f(xp, "float32", (3,)), f(xp, "float32", (5,))),
        "complex": lambda xp: xp.polyval(f(xp, "complex128", (3,)), f(xp, "float64", (5,))),
        "scalar-x": lambda xp: xp.polyval(f(xp, "float64", (3,)), 2.0),
        "list-p": lambda xp: xp.polyval([1, -2, 3], f(xp, "int64", (4,))),
        "empty-p": lambda xp: xp.polyval(xp.asarray([]), f(xp, "int64", (4,))),
    },
)
CASES += _cases(
    "roots",
    {
        "real": lambda xp: xp.roots(xp.asarray([1.0, -6.0, 11.0, -6.0])),
        "complex-roots": lambda xp: xp.roots(xp.asarray([1, 0, 4])),
        "leading-trailing-zeros": lambda xp: xp.roots(xp.asarray([0.0, 2.0, -3.0, 1.0, 0.0])),
        "complex-coefficients": lambda xp: xp.roots(f(xp, "complex64", (4,))),
        "constant": lambda xp: xp.roots(xp.asarray([5.0])),
        "2d": lambda xp: xp.roots(f(xp)),
        "all-zero": lambda xp: xp.roots(xp.zeros(3)),
        "list": lambda xp: xp.roots([1, -3, 2]),
    },
)

# --- windows -------------------------------------------------------------------------------------
for name in ("bartlett", "blackman", "hamming", "hanning"):
    for m in (0, 1, 6, 7):
        CASES.append(case(name, lambda xp, n=name, m=m: getattr(xp, n)(m), id=f"{name}-{m}"))
for m, beta in ((0, 1.0), (1, 5.0), (6, 0.0), (7, 8.6)):
    CASES.append(case("kaiser", lambda xp, m=m, b=beta: xp.kaiser(m, b), id=f"kaiser-{m}"))

# --- bit packing ---------------------------------------------------------------------------------
bits = lambda xp, shape=(3, 11): xp.asarray(sample("bool", shape))  # noqa: E731
CASES += _cases(
    "packbits",
    {
        "bool": lambda xp: xp.packbits(bits(xp)),
        "axis0": lambda xp: xp.packbits(bits(xp), axis=0),
        "axis1-little": lambda xp: xp.packbits(bits(xp), axis=1, bitorder="little"),
        "uint8": lambda xp: xp.packbits(f(xp, "uint8")),
        "int32": lambda xp: xp.packbits(f(xp, "int32"), axis=-1),
        "float": lambda xp: xp.packbits(f(xp)),
        "bad-axis": lambda xp: xp.packbits(bits(xp), axis=2),
    },
)
packed = lambda xp: xp.asarray(numpy.array([[2, 7, 255], [128, 0, 19]], "uint8"))  # noqa: E731
CASES += _cases(
    "unpackbits",
    {
        "flat": lambda xp: xp.unpackbits(packed(xp)),
        "axis0": lambda xp: xp.unpackbits(packed(xp), axis=0),
        "axis1-little": lambda xp: xp.unpackbits(packed(xp), axis=1, bitorder="little"),
        "count": lambda xp: xp.unpackbits(packed(xp), axis=1, count=10),
        "negative-count": lambda xp: xp.unpackbits(packed(xp), count=-3),
        "count-0": lambda xp: xp.unpackbits(packed(xp), axis=0, count=0),
        "count-pads": lambda xp: xp.unpackbits(packed(xp), axis=-1, count=30, bitorder="little"),
        "count-flat-pads": lambda xp: xp.unpackbits(packed(xp), count=50),
        "count-too-negative": lambda xp: xp.unpackbits(packed(xp), axis=1, count=-25),
        "count-float": lambda xp: xp.unpackbits(packed(xp), count=2.0),
        "0d-axis": lambda xp: xp.unpackbits(xp.asarray(numpy.uint8(3)), axis=0),
        "int32": lambda xp: xp.unpackbits(f(xp, "int32")),
        "bad-axis": lambda xp: xp.unpackbits(packed(xp), axis=-3),
    },
)


# --- functional helpers: the user function sees xp's arrays ------------------------------------
def _pw_scale(xp):
    return lambda v, k=1.0: _is_dnp_style(xp, v) * k


CASES += _cases(
    "piecewise",
    {
        "otherwise": lambda xp: xp.piecewise(
            f(xp), [f(xp) < 0, f(xp) > 2], [_pw_scale(xp), lambda v: v**2, -1.0]
        ),
        "all-scalars": lambda xp: xp.piecewise(f(xp, "int32"), [f(xp, "int32") < 1], [5, 6]),
        "single-condition": lambda xp: xp.piecewise(
            f(xp, "float64", (6,)), f(xp, "float64", (6,)) > 0, [_pw_scale(xp), 0.5]
        ),
        "args-kw": lambda xp: xp.piecewise(f(xp), [f(xp) >= 1], [_pw_scale(xp)], k=3.0),
        "array-arg": lambda xp: xp.piecewise(
            f(xp, "float64", (4,)),
            [xp.asarray([True, False, True, False])],
            [lambda v, w: _is_dnp_style(xp, w)[: v.shape[0]] + v],
            xp.asarray([10.0, 20.0]),
        ),
        "0d": lambda xp: xp.piecewise(xp.asarray(2.5), [True], [lambda v: -_is_dnp_style(xp, v)]),
        "no-match": lambda xp: xp.piecewise(f(xp), [f(xp) > 100], [lambda v: 1 / 0, 4.0]),
        "count-mismatch": lambda xp: xp.piecewise(f(xp), [f(xp) > 0], [1.0, 2.0, 3.0]),
    },
)


CASES += _cases(
    "apply_along_axis",
    {
        "scalar-result": lambda xp: xp.apply_along_axis(
            lambda v: xp.add.reduce(_is_dnp_style(xp, v)), 0, f(xp)
        ),
        "vector-result": lambda xp: xp.apply_along_axis(
            lambda v: _is_dnp_style(xp, v)[::-1] * 2, 1, f(xp, "int32")
        ),
        "new-axis-3d": lambda xp: xp.apply_along_axis(
            lambda v: xp.multiply.outer(_is_dnp_style(xp, v), v), 1, f(xp, "float32", (2, 3, 4))
        ),
        "python-scalar": lambda xp: xp.apply_along_axis(lambda v: len(v) + 0.5, -1, f(xp)),
        "list-result": lambda xp: xp.apply_along_axis(
            lambda v: [xp.maximum.reduce(_is_dnp_style(xp, v)), xp.minimum.reduce(v)], 0, f(xp)
        ),
        "args-kwargs": lambda xp: xp.apply_along_axis(
            lambda v, a, b=0: _is_dnp_style(xp, v) * a + _is_dnp_style(xp, b),
            1,
            f(xp),
            2.0,
            b=f(xp, "float64", (4,)),
        ),
        "bad-axis": lambda xp: xp.apply_along_axis(lambda v: v, 2, f(xp)),
        "empty": lambda xp: xp.apply_along_axis(lambda v: v, 1, xp.zeros((0, 3))),
    },
)
CASES += _cases(
    "apply_over_axes",
    {
        "reduce-keepdims": lambda xp: xp.apply_over_axes(
            lambda a, ax: xp.add.reduce(_is_dnp_style(xp, a), ax, keepdims=True),
            f(xp, "float64", (2, 3, 4)),
            [0, 2],
        ),
        "reduce-drops-axis": lambda xp: xp.apply_over_axes(
            lambda a, ax: xp.maximum.reduce(_is_dnp_style(xp, a), ax),
            f(xp, "int32", (2, 3, 4)),
            (1, -1),
        ),
        "int-axis": lambda xp: xp.apply_over_axes(lambda a, ax: xp.add.reduce(a, ax), f(xp), 1),
        "same-shape": lambda xp: xp.apply_over_axes(lambda a, ax: a * 2, f(xp), [0]),
        "wrong-shape": lambda xp: xp.apply_over_axes(
            lambda a, ax: xp.add.reduce(a, None), f(xp, "float64", (2, 3, 4)), [0]
        ),
    },
)

# --- Python scalars and lists as inputs, and edge sizes ------------------------------------------
CASES += [
    case("angle", lambda xp: xp.angle([1 + 1j, 2]), id="angle-list"),
    case("sinc", lambda xp: xp.sinc(0.5), id="sinc-python-scalar"),
    case("fix", lambda xp: xp.fix(-2.5), id="fix-python-scalar"),
    case("nan_to_num", lambda xp: xp.nan_to_num(float("nan")), id="nan_to_num-python-scalar"),
    case("real_if_close", lambda xp: xp.real_if_close([1 + 0j]), id="real_if_close-list"),
    case("diff", lambda xp: xp.diff([1, 4, 9]), id="diff-list"),
    case("interp", lambda xp: xp.interp(1.5, [1, 2], [3, 4]), id="interp-python-scalars"),
    case("convolve", lambda xp: xp.convolve([1, 2], [3, 4, 5]), id="convolve-lists"),
    case("polyval", lambda xp: xp.polyval([1, 2], 3), id="polyval-python-scalars"),
    case("polydiv", lambda xp: xp.polydiv([1, 2, 3], [1, 1]), id="polydiv-lists"),
    case("gradient", lambda xp: xp.gradient(xp.asarray(1.0)), id="gradient-0d"),
    case(
        "gradient",
        lambda xp: xp.gradient(xp.asarray([1.0, 2.0]), edge_order=2),
        id="gradient-edge2-too-short",
    ),
    case("hamming", lambda xp: xp.hamming(4.0), id="hamming-float-M"),
    case("kaiser", lambda xp: xp.kaiser(-2, 1.0), id="kaiser-negative-M"),
    case(
        "piecewise",
        lambda xp: xp.piecewise([1.0, -2.0], [[True, False]], [lambda v: v * 2, 0]),
        id="piecewise-lists",
    ),
    case(
        "apply_along_axis",
        lambda xp: xp.apply_along_axis(lambda v: v * 2, 0, [[1, 2], [3, 4]]),
        id="apply_along_axis-list",
    ),
]

# vectorize: a Python function per element, broadcasting, several outputs, otypes and excluded.
_step = lambda a, b: a + b if a > b else a - b
CASES += [
    case("vectorize.__call__", lambda xp: xp.vectorize(_step)(f(xp, "int64"), 2), id="vec-int"),
    case(
        "vectorize.__call__",
        lambda xp: xp.vectorize(_step, otypes=[float])(f(xp, "float32"), f(xp, "float32", (4,))),
        id="vec-broadcast-otypes",
    ),
    case("vectorize.__call__", lambda xp: xp.vectorize(divmod)(f(xp, "int64"), 3), id="vec-tuple"),
    case(
        "vectorize.__call__",
        lambda xp: xp.vectorize(lambda x, p: sum(c * x**k for k, c in enumerate(p)), excluded={1})(
            f(xp), [1.0, 2.0]
        ),
        id="vec-excluded",
    ),
    case(
        "vectorize.__call__",
        lambda xp: xp.vectorize(_step)(f(xp), f(xp, "float64", (3,))),
        id="vec-bad-broadcast",
    ),
]

test_conformance = conformance(CASES)


def test_windows_take_device():
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        got = getattr(dnp, name)(5, device="cpu")
        assert isinstance(got, dnp.ndarray) and got.device == dnp.Device("cpu")
        numpy.testing.assert_array_equal(got.asnumpy(), getattr(numpy, name)(5))
    numpy.testing.assert_array_equal(
        dnp.kaiser(5, 3.0, device="cpu").asnumpy(), numpy.kaiser(5, 3.0)
    )
