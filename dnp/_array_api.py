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


class _Info:
    """NumPy's ``finfo``/``iinfo`` object for a dtype, a type or an array (the Array API's take
    arrays), with the standard's fields (``FIELDS``) as Python numbers; every other field is
    NumPy's."""

    __module__ = "dnp"
    _numpy_info: type
    FIELDS: dict

    def __init__(self, dtype) -> None:
        self._numpy = self._numpy_info(_dtype_of(dtype))
        self.dtype = self._numpy.dtype
        for name, kind in self.FIELDS.items():
            setattr(self, name, kind(getattr(self._numpy, name)))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy, name)

    def __repr__(self) -> str:
        return repr(self._numpy)

    def __str__(self) -> str:
        return str(self._numpy)


class finfo(_Info):  # noqa: N801  # NumPy's name
    """NumPy's ``finfo``, with ``bits`` an int and ``eps``, ``max``, ``min``,
    ``smallest_normal`` floats (NumPy's are scalars of the type; the value is the same)."""

    _numpy_info = numpy.finfo
    FIELDS = {"bits": int, "eps": float, "max": float, "min": float, "smallest_normal": float}


class iinfo(_Info):  # noqa: N801  # NumPy's name
    """NumPy's ``iinfo`` (``bits``, ``max``, ``min`` as Python ints)."""

    _numpy_info = numpy.iinfo
    FIELDS = {"bits": int, "max": int, "min": int}


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The Array API inspection namespace (`capabilities`, `devices`, `dtypes`, ...)."""
    return ArrayNamespaceInfo()
