"""Deterministic sample inputs, as NumPy arrays, for every supported dtype."""

import numpy

BOOL = ["bool"]
SIGNED = ["int8", "int16", "int32", "int64"]
UNSIGNED = ["uint8", "uint16", "uint32", "uint64"]
FLOAT = ["float16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
INTEGER = SIGNED + UNSIGNED
ALL_DTYPES = BOOL + INTEGER + FLOAT + COMPLEX

_REAL = [-2.5, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 7.0]


def sample(dtype: str, shape=(3, 4), offset: int = 0) -> numpy.ndarray:
    """A small array of ``dtype`` and ``shape`` with varied, well-behaved values."""
    n = int(numpy.prod(shape))
    idx = (numpy.arange(n) * 5 + offset) % len(_REAL)
    real = numpy.array(_REAL)[idx]
    kind = numpy.dtype(dtype).kind
    if kind == "b":
        values = (numpy.arange(n) + offset) % 3 == 0
    elif kind == "i":
        values = numpy.round(real).astype(dtype)
    elif kind == "u":
        values = numpy.abs(numpy.round(real)).astype(dtype)
    elif kind == "c":
        imag = numpy.array(_REAL)[(idx + 3) % len(_REAL)]
        values = (real + 1j * imag).astype(dtype)
    else:
        values = real.astype(dtype)
    return values.reshape(shape)


def positive(dtype: str, shape=(3, 4), offset: int = 0) -> numpy.ndarray:
    """Like ``sample`` but strictly positive (for logs, roots, divisors)."""
    a = sample(dtype, shape, offset)
    if a.dtype.kind == "b":
        return numpy.ones(shape, dtype)
    return (numpy.abs(a) + 1).astype(dtype)
