"""``dnp.testing``: NumPy's assertions accept dnp arrays and pass or fail as NumPy's do."""

import warnings

import numpy
import numpy.testing as nt
import pytest

import dnp
import dnp.testing as dt
from tests.conformance import DEVICES


@pytest.fixture(params=DEVICES)
def device(request):
    with dnp.default_device(request.param):
        yield request.param


A = numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
CLOSE = A * (1 + 1e-9)
FAR = A + 0.5

# (assertion, arguments that pass, arguments that fail), arrays as NumPy data.
CHECKS = [
    ("assert_allclose", (A, CLOSE), (A, FAR)),
    ("assert_array_equal", (A, A.copy()), (A, FAR)),
    ("assert_equal", (A, A.copy()), (A, FAR)),
    ("assert_array_almost_equal", (A, CLOSE), (A, FAR)),
    ("assert_almost_equal", (A, CLOSE), (A, FAR)),
    ("assert_approx_equal", (A[0, 1], CLOSE[0, 1]), (A[0, 1], FAR[0, 1])),
    ("assert_array_less", (A, FAR), (FAR, A)),
    ("assert_array_almost_equal_nulp", (A, A.copy()), (A, FAR)),
    ("assert_", (A[0, 0] == 1.0,), (A[0, 0] == 2.0,)),
]


def _dnp(args):
    return tuple(dnp.asarray(a) if isinstance(a, numpy.ndarray) else a for a in args)


@pytest.mark.parametrize("name, good, bad", CHECKS, ids=[c[0] for c in CHECKS])
def test_assertions_pass_and_fail_as_numpys(name, good, bad, device):
    numpy_fn, dnp_fn = getattr(nt, name), getattr(dt, name)
    good = tuple(numpy.asarray(a) for a in good)
    bad = tuple(numpy.asarray(a) for a in bad)
    numpy_fn(*good)
    dnp_fn(*_dnp(good))
    dnp_fn(good[0], *_dnp(good[1:]))  # dnp and NumPy arrays mixed
    with pytest.raises(AssertionError):
        numpy_fn(*bad)
    with pytest.raises(AssertionError):
        dnp_fn(*_dnp(bad))


def test_arrays_nested_in_lists_tuples_and_dicts(device):
    x, y = dnp.asarray(A), dnp.asarray(A[0])
    dt.assert_allclose([x, x], [A, A])
    dt.assert_equal((x, [y]), (A, [A[0]]))
    dt.assert_equal({"a": x, "b": y}, {"a": A, "b": A[0]})
    with pytest.raises(AssertionError):
        dt.assert_equal({"a": x, "b": y}, {"a": A, "b": A[1]})


def test_keyword_arguments_are_converted(device):
    dt.assert_allclose(actual=dnp.asarray(A), desired=dnp.asarray(CLOSE), rtol=1e-6)
    with pytest.raises(AssertionError):
        dt.assert_allclose(actual=dnp.asarray(A), desired=dnp.asarray(CLOSE), rtol=1e-12, atol=0)


def test_array_max_ulp_returns_numpys_count(device):
    b = numpy.nextafter(A, numpy.inf)
    expected = nt.assert_array_max_ulp(A, b)
    got = dt.assert_array_max_ulp(dnp.asarray(A), dnp.asarray(b))
    numpy.testing.assert_array_equal(got, expected)
    with pytest.raises(AssertionError):
        dt.assert_array_max_ulp(dnp.asarray(A), dnp.asarray(FAR), maxulp=4)


def test_string_equal():
    dt.assert_string_equal("dnp\n", "dnp\n")
    with pytest.raises(AssertionError):
        dt.assert_string_equal("dnp\n", "numpy\n")


def test_failure_message_shows_the_values(device):
    with pytest.raises(AssertionError) as numpy_err:
        nt.assert_array_equal(A, FAR)
    with pytest.raises(AssertionError) as dnp_err:
        dt.assert_array_equal(dnp.asarray(A), dnp.asarray(FAR))
    assert str(dnp_err.value) == str(numpy_err.value)


def _needs_dnp(x):
    if not isinstance(x, dnp.ndarray):
        raise TypeError(f"got {type(x).__name__}, not a dnp array")
    return x


def _divides_by_zero(x):
    _needs_dnp(x)
    return 1 / 0


def _warns_on_dnp(x):
    _needs_dnp(x)
    warnings.warn("dnp", RuntimeWarning, stacklevel=2)


@pytest.mark.filterwarnings("ignore:NumPy warning suppression:DeprecationWarning")  # NumPy 2.4
def test_callers_pass_dnp_arrays_through(device):
    x = dnp.asarray(A)
    dt.assert_raises(ValueError, dnp.add, x, dnp.asarray(A[:, :2]))
    dt.assert_raises(ZeroDivisionError, _divides_by_zero, x)
    dt.assert_raises_regex(ZeroDivisionError, "division", _divides_by_zero, x)
    dt.assert_warns(RuntimeWarning, _warns_on_dnp, x)
    assert dt.assert_no_warnings(_needs_dnp, x) is x
    with dt.assert_raises(AssertionError):
        dt.assert_raises(ValueError, _needs_dnp, x)  # nothing raised


def test_every_numpy_testing_name_is_there():
    for name in nt.__all__:
        assert hasattr(dt, name), name
    assert dt.suppress_warnings is nt.suppress_warnings
    assert dt.assert_raises is nt.assert_raises
