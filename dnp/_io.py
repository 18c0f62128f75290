"""File input and output through NumPy on the host: ``save``, ``load``, ``loadtxt``, ...

Files are NumPy's formats byte for byte, so NumPy and dnp read each other's files. Writers take dnp
arrays anywhere in their arguments and write their values; readers return dnp arrays on
``device=`` (a dnp extension; default: the default device, or ``like=``'s device as for creation
functions).
"""

from __future__ import annotations

import collections.abc
import functools

import numpy

from ._backend import get_device
from ._ndarray import ndarray, to_host
from ._on_host import from_host


def _writer(np_func):
    @functools.wraps(np_func, assigned=("__name__", "__qualname__"))
    def write(*args, **kwargs):
        return np_func(*to_host(args), **to_host(kwargs))

    write.__module__ = "dnp"
    write.__doc__ = f"See `numpy.{np_func.__name__}`; dnp arrays are written as their values."
    return write


def _reader(np_func):
    @functools.wraps(np_func, assigned=("__name__", "__qualname__"))
    def read(*args, device=None, like=None, **kwargs):
        if device is None and isinstance(like, ndarray):
            device = like.device
        return from_host(np_func(*args, **kwargs), device)

    read.__module__ = "dnp"
    read.__doc__ = (
        f"See `numpy.{np_func.__name__}`; returns dnp arrays on ``device`` (default: the default "
        "device)."
    )
    return read


save = _writer(numpy.save)
savez = _writer(numpy.savez)
savez_compressed = _writer(numpy.savez_compressed)
savetxt = _writer(numpy.savetxt)
loadtxt = _reader(numpy.loadtxt)
genfromtxt = _reader(numpy.genfromtxt)
fromfile = _reader(numpy.fromfile)
fromregex = _reader(numpy.fromregex)


def load(
    file,
    mmap_mode=None,
    allow_pickle=False,
    fix_imports=True,
    encoding="ASCII",
    *,
    max_header_size=10000,
    device=None,
):
    """See `numpy.load`. An ``.npy`` file gives a dnp array on ``device`` (with ``mmap_mode`` a
    cpu array backed by the map); an ``.npz`` file gives an `NpzFile` whose items are dnp arrays;
    pickled objects come back as they are.
    """
    result = numpy.load(
        file, mmap_mode, allow_pickle, fix_imports, encoding, max_header_size=max_header_size
    )
    if isinstance(result, numpy.lib.npyio.NpzFile):
        return NpzFile(result, get_device(device))
    return from_host(result, device)


class NpzFile(collections.abc.Mapping):
    """An ``.npz`` archive opened by `dnp.load`: NumPy's `~numpy.lib.npyio.NpzFile`, read lazily,
    whose items are dnp arrays on the device given (or default) when it was loaded.
    """

    def __init__(self, npz: numpy.lib.npyio.NpzFile, device) -> None:
        self._npz = npz
        self._device = device

    @property
    def files(self) -> list[str]:
        return self._npz.files

    def __getitem__(self, key: str):
        return from_host(self._npz[key], self._device)

    def __contains__(self, key) -> bool:  # without reading the array, as NumPy's does
        return key in self._npz

    def __iter__(self):
        return iter(self._npz)

    def __len__(self) -> int:
        return len(self._npz)

    def close(self) -> None:
        self._npz.close()

    def __enter__(self) -> NpzFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"dnp.{self._npz!r}"
