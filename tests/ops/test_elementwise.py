"""Every ufunc against NumPy on every dtype, with its keyword arguments and ufunc methods; the
reduce, accumulate and reduceat of the ufuncs NumPy does not reorder against a Python loop."""

import collections
import functools
import operator

import numpy
import pytest

import dnp
from dnp._ops import ufunc_methods as elementwise
from dnp._ops.elementwise import UFUNCS
from dnp._ops.gufuncs import GUFUNCS
from dnp._ops.ufunc_methods import NOT_REORDERED
from tests.conformance import DEVICES, case, compare, conformance, numpy_compare, ufunc_method
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
        "reduce": [lambda xp, f: f(a(xp), axis=0), lambda xp, f: f(i(xp), axis=None)],
        "accumulate": [lambda xp, f: f(a(xp), axis=1)],
        "outer": [lambda xp, f: f(a(xp)[0], i(xp)[1])],
        "at": [lambda xp, f: (lambda x: (f(x, [0, 2, 0], 2.0), x)[1])(a(xp))],
        "reduceat": [lambda xp, f: f(a(xp), [0, 2, 3], axis=0)],
    }
    cases = []
    for m, bodies in calls.items():
        for k, body in enumerate(bodies):
            b = lambda xp, body=body, m=m: body(xp, ufunc_method(xp, name, m))
            cases.append(case(f"{name}.{m}", b, id=f"{name}.{m}-{k}"))
    return cases


# --- left folds: the ufuncs NumPy does not reorder, against a Python loop (see left_fold) -------
FOLD_DTYPES = {
    **dict.fromkeys(["lcm", "left_shift", "right_shift"], ["int32"]),
    **dict.fromkeys(
        ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal"], ["bool"]
    ),
    "ldexp": ["int16", "int64"],  # NumPy 2.4.6's ldexp.reduce of int16 is not the fold
}


def fold_data(dt, shape, step=1):
    """Values where folds stay finite and differ by order: in [0.5, 1.5], small integers, or
    irregular booleans; ``step`` > 1 gives a strided view."""
    n = int(numpy.prod(shape)) * step
    k = numpy.arange(n) * 7 % 11
    kind = numpy.dtype(dt).kind
    values = k % 3 == 0 if kind == "b" else 1 + k % 3 if kind in "iu" else 0.5 + k / 10
    return values.astype(dt).reshape(*shape[:-1], -1)[..., ::step]


def _fold_calls(name, dt):
    """The fold cases' bodies for ufunc ``name`` on ``dt`` data, by id."""
    x = lambda xp, shape, step=1: xp.asarray(fold_data(dt, shape, step))
    f = lambda xp, method: ufunc_method(xp, name, method)

    def reduce_out(xp):
        a = x(xp, (2, 8))
        o = xp.zeros(2, f(xp, "reduce")(a, axis=1).dtype)
        return f(xp, "reduce")(a, axis=1, out=o) is o, o

    # NumPy's SIMD loops differ by length and by stride along the axis.
    lengths = {
        f"reduce-{n}": lambda xp, n=n: f(xp, "reduce")(x(xp, (n,))) for n in (2, 4, 5, 8, 17, 33)
    }
    return lengths | {
        "reduce-strided": lambda xp: f(xp, "reduce")(x(xp, (17,), 2)),
        "reduce-axis-1": lambda xp: f(xp, "reduce")(x(xp, (3, 17)), axis=-1, keepdims=True),
        "reduce-axis0": lambda xp: f(xp, "reduce")(x(xp, (17, 3)), axis=0),
        "reduce-dtype": lambda xp: f(xp, "reduce")(x(xp, (3, 8)), 1, "float64"),
        "reduce-where": lambda xp: f(xp, "reduce")(
            x(xp, (3, 9)), axis=1, initial=1, where=xp.asarray(fold_data("bool", (9,)))
        ),
        "reduce-out": reduce_out,
        "accumulate": lambda xp: f(xp, "accumulate")(x(xp, (17,))),
        "accumulate-strided": lambda xp: f(xp, "accumulate")(x(xp, (3, 17), 2), axis=1),
        "reduceat": lambda xp: f(xp, "reduceat")(x(xp, (33,)), [0, 17, 9, 30]),
        "reduceat-axis1": lambda xp: f(xp, "reduceat")(x(xp, (2, 17)), [0, 5, 6], axis=1),
    }


def _fold_cases(name):
    return [
        case(f"{name}.{c.partition('-')[0]}", body, id=f"{name}-{dt}-{c}")
        for dt in FOLD_DTYPES.get(name, ["float32", "float64"])
        for c, body in _fold_calls(name, dt).items()
    ]


FOLD_CASES = [c for n in NOT_REORDERED for c in _fold_cases(n)]


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
CASES += FOLD_CASES

test_conformance = conformance(CASES)


def test_not_reordered_lists_the_binary_ufuncs_numpy_does_not_reorder():
    """The ufuncs dnp folds itself are those NumPy refuses to reduce over two axes at once."""

    def reorders(u):
        for dt in "d?lh":  # the first dtype NumPy reduces u on
            try:
                u.reduce(numpy.ones((2, 2), dt), axis=(0, 1))
                return True
            except TypeError:
                continue
            except ValueError:  # "reduction operation 'power' is not reorderable"
                return False
        return None

    ufuncs = [getattr(numpy, n) for n in UFUNCS]
    binary = [u for u in ufuncs if (u.nin, u.nout) == (2, 1)]
    assert sorted(NOT_REORDERED) == sorted(u.__name__ for u in binary if reorders(u) is False)


@pytest.mark.parametrize("c", FOLD_CASES, ids=[c.id for c in FOLD_CASES])
def test_every_call_folded_equals_the_left_fold(c, monkeypatch):
    """With the host check saying NumPy folds every ufunc, method and dtype wrong, dnp folds each
    call itself: on any host its results are the reference's."""
    monkeypatch.setattr(elementwise, "HOST_FOLDS_WRONG", collections.defaultdict(lambda: True))
    compare(c.body, "cpu")


def test_the_host_is_checked_once_per_ufunc_method_and_dtype(monkeypatch):
    checked = []
    check = elementwise._host_folds_wrong
    monkeypatch.setattr(elementwise, "_host_folds_wrong", lambda *k: checked.append(k) or check(*k))
    monkeypatch.setattr(elementwise, "HOST_FOLDS_WRONG", type(elementwise.HOST_FOLDS_WRONG)())
    for dt in ("float64", "float64", "float32", "float64"):
        for n in (3, 17):
            dnp.subtract.reduce(dnp.ones(n, dt)).wait_to_read()
    dnp.subtract.reduce(dnp.ones(4), dtype="float32").wait_to_read()
    f4, f8 = numpy.dtype("float32"), numpy.dtype("float64")
    key = ("subtract", "reduce")
    assert checked == [(*key, f8, None), (*key, f4, None), (*key, f8, "float32")]


def test_the_host_check_finds_numpy_power_reduce_wrong():
    x = numpy.array([2.0, 3.0, 1.5, 0.5])
    want = functools.reduce(numpy.power, x)
    if numpy.power.reduce(x) == pytest.approx(want):
        pytest.skip("this host's NumPy folds power.reduce left (NumPy 2.4 on AVX-512 does not)")
    assert elementwise._host_folds_wrong("power", "reduce", x.dtype, None)
    assert dnp.power.reduce(dnp.asarray(x)).item() == pytest.approx(want)


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
