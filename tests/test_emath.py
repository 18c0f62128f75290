"""``dnp.emath`` against ``numpy.emath``: values, dtypes and shapes on every device (real results
in the real domain, complex ones outside it, NumPy's complex64/complex128 choice), gradients
against central differences; and NumPy's own modules that dnp re-exports."""

import numpy
import pytest

import dnp
from tests.conformance import case, conformance
from tests.grad_check import grad_case, gradient_test

UNARY = ("sqrt", "log", "log2", "log10", "arccos", "arcsin", "arctanh")
# Inputs inside the real domain of every unary function, outside it, and on its edges.
VALUES = {
    "inside": [0.25, 0.5, 0.75],
    "negative": [-0.5, 0.25, 0.5],
    "beyond one": [0.5, 2.0, 3.0],
    "edges": [-1.0, 0.0, 1.0],
}
DTYPES = (
    "int8 int16 int32 int64 uint8 uint16 uint32 float16 float32 float64 complex64 complex128"
).split()


def _unary(name, values, dtype):
    def body(xp):
        x = xp.asarray(values)
        if numpy.dtype(dtype).kind in "iu":
            x = xp.asarray([-2, 0, 3]) if dtype[0] == "i" else xp.asarray([0, 2, 3])
        return getattr(xp.emath, name)(x.astype(dtype))

    return body


CASES = [
    case(f"emath.{name}", _unary(name, values, dtype), id=f"{name}-{label}-{dtype}")
    for name in UNARY
    for label, values in VALUES.items()
    for dtype in DTYPES
]
CASES += [
    # Python scalars and lists, as NumPy's own examples call them.
    case("emath.sqrt", lambda xp: xp.emath.sqrt(-1), id="sqrt-scalar"),
    case("emath.sqrt", lambda xp: xp.emath.sqrt([-4, 4]), id="sqrt-list"),
    case("emath.log", lambda xp: xp.emath.log(-numpy.e), id="log-scalar"),
    case("emath.arcsin", lambda xp: xp.emath.arcsin(2), id="arcsin-scalar"),
    case("emath.arctanh", lambda xp: xp.emath.arctanh([0.5, 2j]), id="arctanh-complex-list"),
    case("emath.sqrt", lambda xp: xp.emath.sqrt(xp.ones((2, 0))), id="sqrt-empty"),
    case("emath.sqrt", lambda xp: xp.emath.sqrt(xp.asarray([[-1.0], [4.0]])), id="sqrt-2d"),
    # logn(n, x): either argument may push the result to complex.
    case("emath.logn", lambda xp: xp.emath.logn(2, [4, 8]), id="logn-real"),
    case("emath.logn", lambda xp: xp.emath.logn(2, [-4, 8]), id="logn-negative-x"),
    case("emath.logn", lambda xp: xp.emath.logn(-2, [4, 8]), id="logn-negative-base"),
    case("emath.logn", lambda xp: xp.emath.logn(xp.asarray([2.0, 10.0]), 100.0), id="logn-bases"),
    # power(x, p): a negative x makes it complex; a negative integer p makes it float.
    case("emath.power", lambda xp: xp.emath.power([2, 4], 2), id="power-ints"),
    case("emath.power", lambda xp: xp.emath.power([2, 4], -1), id="power-negative-int-p"),
    case("emath.power", lambda xp: xp.emath.power([-8, 27], 1 / 3), id="power-negative-x"),
    case("emath.power", lambda xp: xp.emath.power(xp.asarray([2.0, -2.0]), [2, -2]), id="power"),
    case(
        "emath.power",
        lambda xp: xp.emath.power(xp.asarray([-1.5, 2.0], dtype="float32"), 2),
        id="power-float32-complex64",
    ),
]
test_conformance = conformance(CASES)


def test_the_names_are_numpys():
    assert dnp.emath.__all__ == numpy.emath.__all__
    for name in numpy.emath.__all__:
        assert callable(getattr(dnp.emath, name)), name


def test_results_are_dnp_arrays_of_the_inputs_device():
    x = dnp.asarray([-4.0, 9.0])
    y = dnp.emath.sqrt(x)
    assert type(y) is dnp.ndarray and y.device == x.device
    numpy.testing.assert_array_equal(y.asnumpy(), [2j, 3])


POSITIVE = numpy.array([0.3, 0.7, 1.9])
NEGATIVE = numpy.array([-0.3, 0.7, -1.9])
GRAD_CASES = [
    grad_case("emath.sqrt", dnp.emath.sqrt, POSITIVE, id="sqrt-real"),
    grad_case("emath.sqrt", dnp.emath.sqrt, NEGATIVE, id="sqrt-complex"),
    grad_case("emath.log", dnp.emath.log, NEGATIVE, id="log-complex"),
    grad_case("emath.logn", lambda x: dnp.emath.logn(3.0, x), POSITIVE, id="logn"),
    grad_case("emath.arcsin", dnp.emath.arcsin, POSITIVE * 0.5, id="arcsin-real"),
    grad_case("emath.arctanh", dnp.emath.arctanh, NEGATIVE * 0.5, id="arctanh-real"),
    grad_case("emath.power", lambda x: dnp.emath.power(x, 1.5), NEGATIVE, id="power-complex"),
]
test_gradients = gradient_test(GRAD_CASES)


@pytest.mark.parametrize("name", ["exceptions", "dtypes", "typing"])
def test_numpys_own_modules(name):
    """dnp raises NumPy's exceptions and holds NumPy's dtypes: these modules are NumPy's."""
    assert getattr(dnp, name) is getattr(numpy, name)
    assert name in dnp.__all__


def test_numpys_exceptions_are_what_dnp_raises():
    with pytest.raises(dnp.exceptions.AxisError):
        dnp.sum(dnp.ones(3), axis=2)
    assert isinstance(dnp.ones(2, dtype="float32").dtype, dnp.dtypes.Float32DType)
