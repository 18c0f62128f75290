"""The array type itself: metadata, conversions, views, devices, and what it refuses."""

import copy
import pickle

import numpy
import pytest

import dnp
from tests.conformance import numpy_compare
from tests.samples import ALL_DTYPES, sample

A = sample("float64", (3, 4))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_metadata_matches_numpy(dtype):
    ref = sample(dtype, (2, 3, 4))
    a = dnp.asarray(ref)
    for attr in ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "strides"):
        assert getattr(a, attr) == getattr(ref, attr), attr
    assert a.T.shape == ref.T.shape and a.mT.shape == ref.mT.shape
    assert len(a) == len(ref)
    assert a.device == dnp.Device("cpu") and a.device == "cpu"


@numpy_compare()
def test_transpose_properties(xp):
    a = xp.asarray(sample("complex128", (2, 3, 4)))
    return a.T, a.mT, a.real, a.imag


@numpy_compare()
def test_real_imag_are_writable_views(xp):
    a = xp.asarray(sample("complex128")).copy()
    a.real[0] = 10.0
    a.imag = 2.0
    return a


@numpy_compare()
def test_writes_through_views_reach_the_base(xp):
    a = xp.asarray(A).copy()
    v = a[1:, ::2]
    v[0] = 100.0
    a[2, 0] = -7.0
    r = a.reshape(4, 3)
    r[0, 0] = 55.0
    t = a.T
    t[3, 2] += 1.0
    return a, v, r, t


@numpy_compare()
def test_flat(xp):
    a = xp.asarray(A).copy()
    a.flat[[0, 5]] = -1.0
    return a.flat[3], a.flat[::5], a, len(a.flat)


@pytest.mark.parametrize("dtype", ["bool", "int64", "float64", "complex128"])
def test_python_conversions(dtype):
    ref = sample(dtype, (3,))
    a = dnp.asarray(ref)
    for i in range(3):
        assert a[i].item() == ref[i].item() and type(a[i].item()) is type(ref[i].item())
        assert complex(a[i]) == complex(ref[i]) and bool(a[i]) == bool(ref[i])
        if dtype != "complex128":
            assert float(a[i]) == float(ref[i]) and int(a[i]) == int(ref[i])
    assert a.tolist() == ref.tolist()
    assert a.tobytes() == ref.tobytes()


def test_conversions_reject_what_numpy_rejects():
    a = dnp.asarray(A)
    for fn, exc in ((bool, ValueError), (float, TypeError), (int, TypeError)):
        with pytest.raises(exc):
            fn(a)
    with pytest.raises(TypeError):
        len(dnp.asarray(1.0))
    with pytest.raises(TypeError):
        iter(dnp.asarray(1.0)).__next__()
    with pytest.raises(TypeError):
        [1, 2, 3][dnp.asarray(1.5)]
    assert [1, 2, 3][dnp.asarray(2)] == 3
    with pytest.raises(TypeError):
        hash(a)


def test_builtin_round_of_a_0d_array_is_numpys_scalar_round():
    assert round(dnp.asarray(2.567), 2) == round(numpy.float64(2.567), 2)
    assert round(dnp.asarray(2.5)) == round(numpy.float64(2.5)) == 2
    with pytest.raises(TypeError):
        round(dnp.asarray(A))


def test_iteration_yields_rows():
    rows = list(dnp.asarray(A))
    assert len(rows) == 3 and all(isinstance(r, dnp.ndarray) for r in rows)
    numpy.testing.assert_array_equal(numpy.stack([r.asnumpy() for r in rows]), A)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint64", "float16", "float32", "complex64"])
def test_repr_and_str_are_numpys(dtype):
    ref = sample(dtype, (2, 3))
    a = dnp.asarray(ref)
    assert repr(a) == repr(ref) and str(a) == str(ref)
    assert repr(a[0, 0]) == repr(numpy.asarray(ref[0, 0]))
    assert f"{a[0, 1]:>8}" == f"{ref[0, 1]:>8}"


def test_repr_follows_print_options():
    with dnp.printoptions(precision=2):
        assert repr(dnp.asarray([1 / 3])) == repr(numpy.asarray([1 / 3])) == "array([0.33])"


@pytest.mark.parametrize("data", [[object()], numpy.array([None, "a"])])
def test_object_arrays_raise_type_error(data):
    with pytest.raises(TypeError, match="dnp arrays hold no Python objects"):
        dnp.asarray(data)


@pytest.mark.parametrize("data", [["a", "b"], numpy.array(["2020-01-01"], "M8[D]"), [b"x"]])
def test_string_and_datetime_arrays_are_held_as_numpy_holds_them(data):
    a = dnp.asarray(data)
    assert a.dtype == numpy.asarray(data).dtype and repr(a) == repr(numpy.asarray(data))


def test_astype_object_raises_type_error():
    with pytest.raises(TypeError, match="not supported"):
        dnp.asarray(A).astype(object)


def test_constructor_makes_an_uninitialized_array():
    a = dnp.ndarray((2, 3), dtype="int16")
    assert isinstance(a, dnp.ndarray) and a.shape == (2, 3) and a.dtype == numpy.int16


def test_pickle_and_copy_round_trip():
    a = dnp.asarray(A)
    for b in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert isinstance(b, dnp.ndarray) and b is not a
        numpy.testing.assert_array_equal(b.asnumpy(), A)
    c = copy.copy(a)
    c[0, 0] = 99.0
    assert a[0, 0] == A[0, 0]


def test_asnumpy_and_array_protocol():
    a = dnp.asarray(A)
    assert isinstance(a.asnumpy(), numpy.ndarray)
    assert numpy.asarray(a).dtype == A.dtype
    assert numpy.asarray(a, dtype="float32").dtype == numpy.float32
    assert numpy.array(a, copy=True) is not a.asnumpy()


def test_devices():
    assert dnp.get_device("cpu") is dnp.get_device(None) is dnp.devices()[0]
    a = dnp.asarray(A, device="cpu")
    assert a.to_device("cpu") is a and a.to_device(dnp.Device("cpu")) is a
    with pytest.raises(ValueError, match="unknown device"):
        dnp.get_device("tpu")
    with dnp.default_device("cpu"):
        assert dnp.zeros(3).device == "cpu"


@pytest.mark.skipif(dnp.gpu_available(), reason="checks the message shown when no GPU is present")
def test_missing_gpu_is_a_clear_error():
    for spec in ("gpu", "gpu:0", "cuda"):
        with pytest.raises(RuntimeError, match=r"dnp\[gpu\]"):
            dnp.asarray(A, device=spec)


@pytest.mark.gpu
def test_gpu_round_trip_and_mixing_devices_raises():
    g = dnp.asarray(A, device="gpu")
    assert g.device == "gpu:0" and "device='gpu:0'" in repr(g)
    numpy.testing.assert_array_equal((g * 2).asnumpy(), A * 2)
    numpy.testing.assert_array_equal(g.to_device("cpu").asnumpy(), A)
    with pytest.raises(dnp.DeviceMismatch, match="different devices"):
        g + dnp.asarray(A)


def test_binop_deferral_to_types_that_opt_out():
    class Other:
        __array_ufunc__ = None

        def __radd__(self, other):
            return "handled"

    assert dnp.asarray(A) + Other() == "handled"


@pytest.mark.parametrize("exponent", [2, -1, 0.5, 2.0, -1.0, 3, True])
@pytest.mark.parametrize("dtype", ["complex128", "complex64", "float64", "float32", "int64"])
def test_power_operator_is_numpys_bit_for_bit(exponent, dtype):
    """``a ** 2``, ``a ** -1`` and ``a ** 0.5`` are NumPy's ``square``, ``reciprocal`` and
    ``sqrt`` for float and complex arrays (its ``fast_scalar_power``), not ``power``: on complex
    arrays the last bits differ."""
    a = (numpy.exp(1j * numpy.arange(1, 40.0)) * 1.3).astype(dtype) if "c" in dtype else None
    a = numpy.arange(1, 40).astype(dtype) if a is None else a
    try:
        expected = a**exponent
    except ValueError as exc:  # integers to negative integer powers
        with pytest.raises(type(exc)):
            dnp.asarray(a) ** exponent
        return
    got = dnp.asarray(a) ** exponent
    assert got.dtype == expected.dtype and got.asnumpy().tobytes() == expected.tobytes()
    inplace, d = a.copy(), dnp.asarray(a.copy())
    if inplace.dtype.kind in "fc" or isinstance(exponent, int):
        inplace **= exponent
        d **= exponent
        assert d.asnumpy().tobytes() == inplace.tobytes()


def test_block_of_one_array_is_a_copy():
    """NumPy's ``block(a)`` copies ``a``: writing into the result leaves ``a`` alone."""
    a = dnp.arange(4.0)
    b = dnp.block(a)
    b[0] = 7.0
    assert float(a[0]) == 0.0 and float(b[0]) == 7.0
