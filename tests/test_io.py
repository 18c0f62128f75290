"""File io: dnp writes NumPy's files byte for byte and reads them back as dnp arrays."""

import io

import numpy
import pytest

import dnp
from tests.conformance import DEVICES, compare
from tests.samples import ALL_DTYPES, sample


@pytest.fixture(params=DEVICES)
def device(request):
    with dnp.default_device(request.param):
        yield request.param


def _bytes(write, *args, **kwargs) -> bytes:
    buf = io.BytesIO()
    write(buf, *args, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_save_load_round_trip(dtype, device, tmp_path):
    a = sample(dtype, (3, 4))
    path = tmp_path / "a.npy"
    dnp.save(path, dnp.asarray(a))
    assert _bytes(dnp.save, dnp.asarray(a)) == _bytes(numpy.save, a)
    compare(lambda xp: xp.load(path), device)
    assert dnp.load(path).device == dnp.get_device(device)


def test_save_list_of_arrays(device, tmp_path):
    a = sample("float32", (2, 3))
    dnp.save(tmp_path / "l.npy", [dnp.asarray(a), dnp.asarray(a + 1)])
    compare(lambda xp: xp.load(tmp_path / "l.npy"), device)
    numpy.testing.assert_array_equal(numpy.load(tmp_path / "l.npy"), [a, a + 1])


def test_load_mmap(device, tmp_path):
    numpy.save(tmp_path / "m.npy", sample("int32", (4, 5)))
    compare(lambda xp: xp.load(tmp_path / "m.npy", mmap_mode="r")[1:3], device)


def test_load_errors(device, tmp_path):
    numpy.save(tmp_path / "o.npy", numpy.array([{"a": 1}, None], dtype=object))
    compare(lambda xp: xp.load(tmp_path / "o.npy"), device)  # needs allow_pickle: ValueError
    with pytest.raises(TypeError, match="object"):  # dnp has no object arrays
        dnp.load(tmp_path / "o.npy", allow_pickle=True)
    compare(lambda xp: xp.load(tmp_path / "missing.npy"), device)


@pytest.mark.parametrize("save", ["savez", "savez_compressed"])
def test_savez_load(save, device, tmp_path):
    a, b = sample("float64", (3, 4)), sample("int16", (5,))
    path = tmp_path / "z.npz"
    getattr(dnp, save)(path, dnp.asarray(a), b=dnp.asarray(b))
    with numpy.load(path) as expected, dnp.load(path) as got:
        assert isinstance(got, dnp._io.NpzFile)
        assert got.files == expected.files and sorted(got.files) == ["arr_0", "b"]
        assert list(got) == list(got.keys()) == expected.files
        assert len(got) == 2 and "b" in got and "c" not in got
        for key in expected.files:
            compare(lambda xp, key=key: (expected if xp is numpy else got)[key], device)
            assert got[key].device == dnp.get_device(device)
        compare(lambda xp: (expected if xp is numpy else got)["c"], device)  # KeyError


def test_npz_items_on_device_given(tmp_path):
    numpy.savez(tmp_path / "z.npz", x=numpy.arange(3))
    got = dnp.load(tmp_path / "z.npz", device="cpu")
    assert got["x"].device == dnp.get_device("cpu")
    assert isinstance(dict(got.items())["x"], dnp.ndarray)
    got.close()


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "complex128"])
def test_savetxt_writes_numpys_text(dtype, device, tmp_path):
    a = sample(dtype, (3, 4))
    kwargs = {"fmt": "%.6g", "delimiter": ","} if dtype != "complex128" else {}
    assert _bytes(dnp.savetxt, dnp.asarray(a), **kwargs) == _bytes(numpy.savetxt, a, **kwargs)
    dnp.savetxt(tmp_path / "a.txt", dnp.asarray(a), header="h", **kwargs)
    compare(
        lambda xp: xp.loadtxt(tmp_path / "a.txt", dtype=dtype, delimiter=kwargs.get("delimiter")),
        device,
    )


TEXT = "# x y z\n1,2,3\n4,5,6\n7,8,9\n"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delimiter": ","},
        {"delimiter": ",", "dtype": "int32"},
        {"delimiter": ",", "usecols": (0, 2), "skiprows": 1},
        {"delimiter": ",", "unpack": True},
        {"delimiter": ",", "ndmin": 2, "max_rows": 1},
        {"delimiter": ";"},  # not a number: ValueError
    ],
    ids=str,
)
def test_loadtxt(kwargs, device, tmp_path):
    (tmp_path / "t.csv").write_text(TEXT)
    compare(lambda xp: xp.loadtxt(tmp_path / "t.csv", **kwargs), device)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delimiter": ","},
        {"delimiter": ",", "filling_values": -1.0, "dtype": "float32"},
        {"delimiter": ",", "skip_header": 2, "usecols": 1},
    ],
    ids=str,
)
def test_genfromtxt(kwargs, device, tmp_path):
    (tmp_path / "g.csv").write_text("1,2,3\n4,,6\n7,8,nan\n")
    compare(lambda xp: xp.genfromtxt(tmp_path / "g.csv", **kwargs), device)


def test_genfromtxt_masked_gives_numpys_masked_array(tmp_path):
    """A masked result stays NumPy's masked array, as everywhere in dnp (``dnp.ma``)."""
    (tmp_path / "g.csv").write_text("1,2\n3,\n")
    got = dnp.genfromtxt(tmp_path / "g.csv", delimiter=",", usemask=True)
    expected = numpy.genfromtxt(tmp_path / "g.csv", delimiter=",", usemask=True)
    assert type(got) is type(expected) is numpy.ma.MaskedArray
    numpy.testing.assert_array_equal(numpy.ma.getmaskarray(got), numpy.ma.getmaskarray(expected))
    numpy.testing.assert_array_equal(got.filled(-1), expected.filled(-1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dtype": "float32"},
        {"dtype": "int16", "count": 5, "offset": 4},
        {"dtype": "uint8"},
    ],
    ids=str,
)
def test_fromfile_binary(kwargs, device, tmp_path):
    sample("float32", (3, 4)).tofile(tmp_path / "b.bin")
    compare(lambda xp: xp.fromfile(tmp_path / "b.bin", **kwargs), device)


def test_fromfile_text_and_like(device, tmp_path):
    (tmp_path / "s.txt").write_text("1 2 3 4.5")
    compare(lambda xp: xp.fromfile(tmp_path / "s.txt", sep=" "), device)
    like = dnp.asarray([1.0], device="cpu")
    assert dnp.fromfile(tmp_path / "s.txt", sep=" ", like=like).device == like.device


def test_fromregex(device, tmp_path):
    (tmp_path / "r.txt").write_text("x=1 y=2.5\nx=3 y=4.5\n")
    compare(lambda xp: xp.fromregex(tmp_path / "r.txt", r"y=([\d.]+)", "float64"), device)


def test_readers_take_device(tmp_path):
    (tmp_path / "t.csv").write_text(TEXT)
    for dev in DEVICES:
        got = dnp.loadtxt(tmp_path / "t.csv", delimiter=",", device=dev)
        assert isinstance(got, dnp.ndarray) and got.device == dnp.get_device(dev)
