"""The Array API's inspection namespace (``dnp.__array_namespace_info__()``) and its data type
functions ``finfo``/``iinfo`` (standard 2025.12)."""

from __future__ import annotations

import numpy

from ._backend import Device, devices, get_device

_SIGNED = ("int8", "int16", "int32", "int64")
_UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
_REAL = ("float32", "float64")  # float16 is a dnp dtype but not an Array API one
_COMPLEX = ("complex64", "complex128")
KINDS = {
    "bool": ("bool",),
    "signed integer": _SIGNED,
    "unsigned integer": _UNSIGNED,
    "integral": _SIGNED + _UNSIGNED,
    "real floating": _REAL,
    "complex floating": _COMPLEX,
    "numeric": _SIGNED + _UNSIGNED + _REAL + _COMPLEX,
}
ALL_DTYPES = ("bool", *KINDS["numeric"])


class ArrayNamespaceInfo:
    """What dnp supports, as the Array API's inspection functions report it."""

    __module__ = "dnp"

    def capabilities(self) -> dict:
        # NumPy's limit on dimensions; CuPy shares it.
        max_dims = numpy.__array_namespace_info__().capabilities()["max dimensions"]
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": max_dims}

    def default_device(self) -> Device:
        return get_device(None)

    def devices(self) -> tuple[Device, ...]:
        return tuple(devices())  # a tuple from 2025.12 on (a list before)

    def default_dtypes(self, *, device: str | Device | None = None) -> dict:
        get_device(device)  # an unknown device raises
        index = numpy.dtype(numpy.intp)
        return {
            "real floating": numpy.dtype(numpy.float64),
            "complex floating": numpy.dtype(numpy.complex128),
            "integral": index,
            "indexing": index,
        }

    def dtypes(self, *, device: str | Device | None = None, kind=None) -> dict:
        get_device(device)  # every device holds the same dtypes
        if kind is None:
            names = ALL_DTYPES
        else:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            for k in kinds:
                if k not in KINDS:
                    raise ValueError(f"unknown dtype kind {k!r}; expected one of {list(KINDS)}")
            names = [n for n in ALL_DTYPES if any(n in KINDS[k] for k in kinds)]
        return {name: numpy.dtype(name) for name in names}


def _dtype_of(x):
    """A dtype, a type, or an array's dtype (the Array API's finfo and iinfo take arrays)."""
    return x if isinstance(x, type) else getattr(x, "dtype", x)


class finfo:  # noqa: N801  # NumPy's name
    """NumPy's ``finfo``, with the Array API's fields as Python numbers: ``bits`` an int, and
    ``eps``, ``max``, ``min``, ``smallest_normal`` floats (NumPy's are scalars of the type;
    the value is the same). Every other field is NumPy's. Takes a dtype, a type or an array."""

    __module__ = "dnp"

    def __init__(self, dtype) -> None:
        self._numpy = numpy.finfo(_dtype_of(dtype))
        self.dtype = self._numpy.dtype
        self.bits = int(self._numpy.bits)
        self.eps = float(self._numpy.eps)
        self.max = float(self._numpy.max)
        self.min = float(self._numpy.min)
        self.smallest_normal = float(self._numpy.smallest_normal)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy, name)

    def __repr__(self) -> str:
        return repr(self._numpy)

    def __str__(self) -> str:
        return str(self._numpy)


class iinfo:  # noqa: N801  # NumPy's name
    """NumPy's ``iinfo`` (its fields are Python ints already), taking dnp arrays too."""

    __module__ = "dnp"

    def __init__(self, dtype) -> None:
        self._numpy = numpy.iinfo(_dtype_of(dtype))
        self.dtype = self._numpy.dtype
        self.bits = int(self._numpy.bits)
        self.max = int(self._numpy.max)
        self.min = int(self._numpy.min)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy, name)

    def __repr__(self) -> str:
        return repr(self._numpy)

    def __str__(self) -> str:
        return str(self._numpy)


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The Array API inspection namespace (`capabilities`, `devices`, `dtypes`, ...)."""
    return ArrayNamespaceInfo()
