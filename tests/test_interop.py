"""dnp arrays in other libraries' hands: Array API, DLPack, NumPy's protocols, pickle, SciPy."""

import copy
import inspect
import pickle

import array_api_compat
import numpy
import pytest
import scipy.special

import dnp
from tests.conformance import DEVICES, compare
from tests.samples import sample


@pytest.fixture(params=DEVICES)
def device(request):
    with dnp.default_device(request.param):
        yield request.param


# --- Array API --------------------------------------------------------------------------------
def test_array_namespace(device):
    x = dnp.asarray([1.0])
    assert array_api_compat.array_namespace(x) is dnp.array_api
    assert x.__array_namespace__() is dnp.array_api
    assert x.__array_namespace__(api_version="2023.12") is dnp.array_api
    with pytest.raises(ValueError):
        x.__array_namespace__(api_version="1999.01")
    assert x.__array_namespace__(api_version="2025.12") is dnp.array_api
    assert dnp.__array_api_version__ == dnp.array_api.__array_api_version__ == "2025.12"
    # Everything else is dnp's own.
    assert dnp.array_api.sum is dnp.sum and dnp.array_api.linalg.norm is dnp.linalg.norm
    assert dnp.array_api.fft is dnp.fft and dnp.array_api.float32 is dnp.float32
    assert {"argsort", "clip", "linalg", "matmul"} <= set(dir(dnp.array_api))
    assert {"eig", "eigvals", "solve"} <= set(dir(dnp.array_api.linalg))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "int64"])
def test_array_api_eig_is_always_complex(device, dtype):
    """The standard's eig/eigvals are complex (complex64 for float32); dnp.linalg's are NumPy's,
    real when every eigenvalue is."""
    a = numpy.array([[2.0, 1.0], [1.0, 3.0]]).astype(dtype)
    xp = dnp.asarray(a).__array_namespace__()
    expected = numpy.linalg.eig(a)
    complex_dtype = numpy.result_type(expected.eigenvalues.dtype, numpy.complex64)
    result = xp.linalg.eig(dnp.asarray(a))
    assert type(result) is type(expected)
    for got, want in zip(result, expected, strict=True):
        assert got.dtype == complex_dtype
        numpy.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)
    values = xp.linalg.eigvals(dnp.asarray(a))
    assert values.dtype == complex_dtype
    numpy.testing.assert_allclose(values.asnumpy(), numpy.linalg.eigvals(a), rtol=1e-5)
    assert dnp.linalg.eigvals(dnp.asarray(a)).dtype == numpy.linalg.eigvals(a).dtype


def test_array_api_sorts_stably_and_clips_with_min_max(device):
    xp = dnp.array_api
    keys = numpy.array([3, 1, 2, 1, 3, 1, 2] * 40, dtype=numpy.float64)
    x = dnp.asarray(keys)
    stable = numpy.argsort(keys, kind="stable")
    numpy.testing.assert_array_equal(xp.argsort(x).asnumpy(), stable)
    numpy.testing.assert_array_equal(
        xp.argsort(x, descending=True).asnumpy(), numpy.argsort(-keys, kind="stable")
    )
    numpy.testing.assert_array_equal(xp.sort(x).asnumpy(), numpy.sort(keys))
    numpy.testing.assert_array_equal(xp.clip(x, 1.5, max=2.5).asnumpy(), keys.clip(1.5, 2.5))
    numpy.testing.assert_array_equal(xp.clip(x, min=2).asnumpy(), keys.clip(min=2))
    assert list(inspect.signature(xp.clip).parameters) == ["x", "min", "max"]
    with pytest.raises(TypeError):
        xp.clip(x, a_min=1, a_max=2)


def test_namespace_info_matches_numpys_where_they_agree(device):
    info, np_info = dnp.__array_namespace_info__(), numpy.__array_namespace_info__()
    assert info.capabilities() == np_info.capabilities()
    assert info.default_dtypes() == np_info.default_dtypes()
    assert info.default_dtypes(device=device) == np_info.default_dtypes()
    for kind in (
        None,
        "bool",
        "signed integer",
        "unsigned integer",
        "integral",
        "real floating",
        "complex floating",
        "numeric",
        ("bool", "complex floating"),
    ):
        expected = {k: numpy.dtype(v) for k, v in np_info.dtypes(kind=kind).items()}
        got = info.dtypes(kind=kind, device=device)
        assert got == expected and list(got) == list(expected), kind


def test_namespace_info_devices(device):
    info = dnp.__array_namespace_info__()
    assert info.devices() == tuple(dnp.devices())  # a tuple from 2025.12 on
    assert all(isinstance(d, dnp.Device) for d in info.devices())
    assert info.default_device() is dnp.get_device(device)
    assert info.default_device() in info.devices()
    assert dnp.asarray([1]).device == info.default_device()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128"])
def test_finfo_gives_the_array_apis_fields_as_python_numbers(dtype):
    ours, theirs = dnp.finfo(dtype), numpy.finfo(dtype)
    for name in ("eps", "max", "min", "smallest_normal"):
        value = getattr(ours, name)
        assert type(value) is float and value == getattr(theirs, name), name
    assert type(ours.bits) is int and ours.bits == theirs.bits
    assert ours.dtype == theirs.dtype
    assert ours.tiny == theirs.tiny and ours.resolution == theirs.resolution  # the rest: NumPy's
    assert ours.precision == theirs.precision
    for arg in (numpy.dtype(dtype), numpy.dtype(dtype).type, dnp.ones(2, dtype=dtype)):
        assert dnp.finfo(arg).eps == ours.eps
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "uint64"])
def test_iinfo_gives_python_ints_and_takes_arrays(dtype):
    ours, theirs = dnp.iinfo(dnp.zeros(1, dtype=dtype)), numpy.iinfo(dtype)
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (
        theirs.bits,
        theirs.max,
        theirs.min,
        theirs.dtype,
    )
    assert all(type(v) is int for v in (ours.bits, ours.max, ours.min))
    with pytest.raises(ValueError):
        dnp.iinfo("float32")
    with pytest.raises(ValueError):
        dnp.finfo("int32")


def test_namespace_info_rejects_bad_arguments():
    info = dnp.__array_namespace_info__()
    with pytest.raises(ValueError):
        info.dtypes(kind="floating")
    with pytest.raises(ValueError):
        info.dtypes(kind=("bool", "text"))
    with pytest.raises(ValueError):
        info.default_dtypes(device="tpu")


# --- DLPack -----------------------------------------------------------------------------------
def test_numpy_from_dlpack_shares_memory():
    x = dnp.asarray(sample("float32", (3, 4)), device="cpu")
    y = numpy.from_dlpack(x)
    assert isinstance(y, numpy.ndarray)
    assert numpy.shares_memory(y, x.asnumpy())
    numpy.testing.assert_array_equal(y, x.asnumpy())
    assert x.__dlpack_device__() == x.asnumpy().__dlpack_device__()


def test_dnp_from_dlpack(device):
    a = sample("int32", (2, 3))
    y = dnp.from_dlpack(a)
    assert isinstance(y, dnp.ndarray)
    numpy.testing.assert_array_equal(y.asnumpy(), a)
    if device == "cpu":
        assert numpy.shares_memory(y.asnumpy(), a)
    compare(lambda xp: xp.from_dlpack(xp.asarray(a)), device)


# --- NumPy's protocols ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "int16", "complex64", "bool"])
def test_numpy_asarray(dtype, device):
    a = sample(dtype)
    x = dnp.asarray(a)
    host = numpy.asarray(x)
    assert type(host) is numpy.ndarray and host.dtype == a.dtype
    numpy.testing.assert_array_equal(host, a)
    numpy.testing.assert_array_equal(numpy.asarray(x, dtype="complex128"), a.astype("complex128"))
    numpy.testing.assert_array_equal(numpy.array(x, copy=True), a)


PROTOCOL_CASES = {
    "sum": lambda xp: numpy.sum(xp.asarray(sample("float64")), axis=0),
    "mean_keepdims": lambda xp: numpy.mean(xp.asarray(sample("int32")), axis=1, keepdims=True),
    "exp": lambda xp: numpy.exp(xp.asarray(sample("float32"))),
    "add_scalar": lambda xp: numpy.add(xp.asarray(sample("int8")), 3),
    "add_reduce": lambda xp: numpy.add.reduce(xp.asarray(sample("float64")), axis=1),
    "multiply_outer": lambda xp: numpy.multiply.outer(xp.asarray([1, 2]), xp.asarray([3, 4, 5])),
    "shape_mismatch": lambda xp: numpy.add(xp.asarray(sample("float64")), xp.asarray([1.0, 2.0])),
    "bad_axis": lambda xp: numpy.sum(xp.asarray(sample("float64")), axis=2),
}


@pytest.mark.parametrize("name", PROTOCOL_CASES)
def test_numpy_functions_and_ufuncs_return_dnp_arrays(name, device):
    # compare() requires a dnp.ndarray from the dnp run: __array_function__/__array_ufunc__.
    compare(PROTOCOL_CASES[name], device)


def test_scipy_special_through_numpy_asarray(device):
    x = dnp.asarray(sample("float64") + 3.0)
    expected = scipy.special.gammaln(sample("float64") + 3.0)
    got = scipy.special.gammaln(numpy.asarray(x))
    numpy.testing.assert_allclose(got, expected)
    back = dnp.asarray(got)
    assert back.device == x.device
    numpy.testing.assert_allclose(back.asnumpy(), expected)


# --- copies -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "uint64", "complex128", "bool"])
def test_pickle_round_trip(dtype, device):
    x = dnp.asarray(sample(dtype, (2, 3)))[:, ::2]
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, dnp.ndarray)
    assert (y.dtype, y.shape, y.device) == (x.dtype, x.shape, x.device)
    numpy.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    assert pickle.loads(pickle.dumps(x.device)) is x.device


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy])
def test_copies_are_independent(copier, device):
    x = dnp.asarray(sample("float64"))
    y = copier(x)
    assert isinstance(y, dnp.ndarray) and y.device == x.device
    numpy.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    y[0, 0] = 100.0
    assert x[0, 0].item() != 100.0


def test_deepcopy_of_containers(device):
    x = dnp.asarray(sample("int32"))
    box = {"a": [x, x]}
    copied = copy.deepcopy(box)
    assert copied["a"][0] is copied["a"][1]  # memo: one array copied once
    assert copied["a"][0] is not x


def test_numpy_classes_reexported_work_on_dnp_arrays():
    p = dnp.poly1d(dnp.asarray([1.0, 2.0, 3.0]))
    ref = numpy.poly1d([1.0, 2.0, 3.0])
    x = dnp.asarray([0.5, 2.0])
    assert isinstance(p.coeffs, dnp.ndarray) and isinstance(p(x), dnp.ndarray)
    numpy.testing.assert_allclose(p(x).asnumpy(), ref(numpy.asarray([0.5, 2.0])))
    numpy.testing.assert_allclose((p * p).coeffs.asnumpy(), (ref * ref).coeffs)
    b = dnp.broadcast(dnp.ones((3, 1)), dnp.ones(4))
    assert (b.shape, b.ndim, b.size, b.numiter) == ((3, 4), 2, 12, 2)
