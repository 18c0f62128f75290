"""Every ufunc against NumPy on every dtype, with its keyword arguments and ufunc methods."""

import operator

import numpy
import pytest

import dnp
from dnp._ops.elementwise import GUFUNCS, UFUNCS
from tests.conformance import DEVICES, case, compare, conformance, numpy_compare
from tests.samples import ALL_DTYPES, positive, sample


def _nin(name):
    return getattr(numpy, name).nin


def _call_cases(name):
    cases = []
    for dt in ALL_DTYPES:
        if _nin(name) == 1:
            body = lambda xp, n=name, dt=dt: getattr(xp, n)(xp.asarray(sample(dt)))
        else:
            body = lambda xp, n=name, dt=dt: getattr(xp, n)(
                xp.asarray(sample(dt)), xp.asarray(positive(dt, (4,), 1))
            )
        cases.append(case(name, body, id=f"{name}-{dt}"))
    if _nin(name) == 2:
        for scalar in (2, 2.5, True, 1j):
            body = lambda xp, n=name, s=scalar: getattr(xp, n)(xp.asarray(sample("float32")), s)
            cases.append(case(name, body, id=f"{name}-f32-scalar-{scalar!r}"))
            body = lambda xp, n=name, s=scalar: getattr(xp, n)(s, xp.asarray(sample("int16")))
            cases.append(case(name, body, id=f"{name}-scalar-{scalar!r}-i16"))
    return cases


def _gufunc_cases(name):
    shapes = {
        "matmul": ((2, 3, 4), (4, 5)),
        "vecdot": ((3, 4), (4,)),
        "matvec": ((3, 4), (4,)),
        "vecmat": ((3,), (3, 4)),
    }[name]
    cases = []
    for dt in ("int32", "float32", "float64", "complex128", "bool"):
        body = lambda xp, n=name, dt=dt: getattr(xp, n)(
            xp.asarray(sample(dt, shapes[0])), xp.asarray(sample(dt, shapes[1], 2))
        )
        cases.append(case(name, body, id=f"{name}-{dt}"))
    cases.append(
        case(
            name,
            lambda xp, n=name: getattr(xp, n)(
                xp.asarray(sample("float64", (2, 3))), xp.asarray(sample("float64", (2, 3)))
            ),
            id=f"{name}-mismatch",
        )
    )
    return cases


def _method_cases(name):
    a = lambda xp: xp.asarray(sample("float64", (4, 3)))
    i = lambda xp: xp.asarray(sample("int64", (4, 3)))
    calls = {
        "reduce": [lambda xp, u: u.reduce(a(xp), axis=0), lambda xp, u: u.reduce(i(xp), axis=None)],
        "accumulate": [lambda xp, u: u.accumulate(a(xp), axis=1)],
        "outer": [lambda xp, u: u.outer(a(xp)[0], i(xp)[1])],
        "at": [lambda xp, u: (lambda x: (u.at(x, [0, 2, 0], 2.0), x)[1])(a(xp))],
        "reduceat": [lambda xp, u: u.reduceat(a(xp), [0, 2, 3], axis=0)],
    }
    cases = []
    for m, bodies in calls.items():
        for k, body in enumerate(bodies):
            b = lambda xp, body=body: body(xp, getattr(xp, name))
            cases.append(case(f"{name}.{m}", b, id=f"{name}.{m}-{k}"))
    return cases


def _kwarg_cases():
    f = lambda xp, dt="float64", shape=(3, 4): xp.asarray(sample(dt, shape))

    def out_(xp):
        o = xp.zeros((3, 4))
        r = xp.add(f(xp), 1.0, out=o)
        return r is o, o

    def out_tuple(xp):
        o1, o2 = xp.zeros((3, 4)), xp.zeros((3, 4))
        r = xp.divmod(f(xp), 2.0, out=(o1, o2))
        return r[0] is o1, o1, o2

    def where_(xp):
        o = xp.full((3, 4), -1.0)
        xp.multiply(f(xp), 3.0, out=o, where=f(xp) > 0)
        return o

    return [
        case("add", out_, id="add-out"),
        case("divmod", out_tuple, id="divmod-out-tuple"),
        case("multiply", where_, id="multiply-where"),
        case("add", lambda xp: xp.add(f(xp, "int8"), 1, dtype="float32"), id="add-dtype"),
        case(
            "add",
            lambda xp: xp.add(f(xp, "int8"), f(xp, "int8"), casting="no", dtype="f8"),
            id="add-casting-no",
        ),
        case("add", lambda xp: xp.add(f(xp), f(xp, "float64", (3, 1))), id="add-broadcast"),
        case("add", lambda xp: xp.add(f(xp), f(xp, "float64", (3,))), id="add-no-broadcast"),
        case("add", lambda xp: xp.add(f(xp), 1, out=xp.zeros((4,))), id="add-bad-out"),
        case("add", lambda xp: xp.add(f(xp, "int32"), 1.5, out=f(xp, "int32")), id="add-cast-out"),
        case("sqrt", lambda xp: xp.sqrt(f(xp), out=xp.zeros((3, 4), "float32")), id="sqrt-out32"),
        case("power", lambda xp: xp.power(f(xp, "int64"), -1), id="power-int-negative"),
        case("add", lambda xp: xp.add(f(xp, "uint8"), 300), id="add-uint8-overflow-scalar"),
        case("add", lambda xp: xp.add([1, 2], [3, 4]), id="add-lists"),
        case("add", lambda xp: xp.add(1, 2), id="add-python-scalars"),
    ]


CASES = [c for n in UFUNCS for c in _call_cases(n)]
CASES += [c for n in GUFUNCS for c in _gufunc_cases(n)]
CASES += [c for n in UFUNCS + GUFUNCS for c in _method_cases(n)]
CASES += _kwarg_cases()

test_conformance = conformance(CASES)


BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne, "@": operator.matmul,
}  # fmt: skip
INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
    "@=": operator.imatmul,
}  # fmt: skip
UNARY = {"-": operator.neg, "+": operator.pos, "abs": abs, "~": operator.invert}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("side", ["both", "left", "right"])
@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("dt", ["int32", "float64", "bool", "uint8"])
def test_operators(op, dt, side, device):
    """``a op b``, ``a op 3`` and ``2 op b`` (the reflected operator), as NumPy computes them."""

    def body(xp):
        a = xp.asarray(sample(dt, (3, 3)))
        b = xp.asarray(positive(dt, (3, 3), 1))
        return BINARY[op](2 if side == "right" else a, 3 if side == "left" else b)

    compare(body, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", INPLACE)
@pytest.mark.parametrize("dt", ["int32", "float64"])
def test_inplace_operators(op, dt, device):
    """In-place operators write into the array (and so into its views), or raise as NumPy does."""

    def body(xp):
        a = xp.asarray(sample(dt, (3, 3))).copy()
        view = a[1:]
        result = INPLACE[op](a, xp.asarray(positive(dt, (3, 3), 1)))
        return result is a, a, view

    compare(body, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("dt", ["int8", "float32", "bool", "complex64"])
def test_unary_operators(op, dt, device):
    compare(lambda xp: UNARY[op](xp.asarray(sample(dt))), device)


@numpy_compare()
def test_divmod_builtin(xp):
    return divmod(xp.asarray(sample("float64")), 1.5), divmod(3, xp.asarray(positive("int32")))


def test_ufunc_attributes():
    for name in UFUNCS + GUFUNCS:
        u, ref = getattr(dnp, name), getattr(numpy, name)
        assert isinstance(u, dnp.ufunc)
        assert (u.nin, u.nout, u.nargs, u.identity, u.types) == (
            ref.nin,
            ref.nout,
            ref.nargs,
            ref.identity,
            ref.types,
        )
    assert dnp.abs is dnp.absolute and dnp.pow is dnp.power and dnp.acos is dnp.arccos


def test_numpy_ufuncs_on_dnp_arrays_return_dnp_arrays():
    a = dnp.asarray(sample("float64"))
    for result in (
        numpy.add(a, 1),
        numpy.exp(a),
        numpy.add.reduce(a),
        a + numpy.float64(2),
        numpy.float64(2) * a,
        numpy.multiply.outer(a[0], a[1]),
    ):
        assert isinstance(result, dnp.ndarray)
    out = dnp.zeros((3, 4))
    assert numpy.add(a, 1, out=out) is out
    numpy.testing.assert_array_equal(out.asnumpy(), sample("float64") + 1)
