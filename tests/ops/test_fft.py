"""numpy.fft against NumPy: every transform, its n/s/axes/norm/out options, frequencies, shifts."""

import numpy

from tests.conformance import case, conformance
from tests.samples import sample

DTYPES = ["float32", "float64", "complex64", "complex128", "int64", "bool"]
NORMS = ["backward", "ortho", "forward"]
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
REAL_INPUT = {"rfft", "ihfft", "rfftn", "rfft2"}  # these reject complex input

CASES = []


def inp(dt="float64", shape=(4, 6)):
    """An input maker: a sample array of ``dt`` and ``shape`` on backend ``xp``."""
    return lambda xp: xp.asarray(sample(dt, shape))


def add(name, label, make, *args, **kwargs):
    """A case: ``xp.fft.<name>(make(xp), *args, **kwargs)``."""
    body = lambda xp: getattr(xp.fft, name)(make(xp), *args, **kwargs)  # noqa: E731
    CASES.append(case(f"fft.{name}", body, id=f"fft.{name}-{label}"))


def out_body(name, shape, dtype):
    def body(xp):
        out = xp.zeros(shape, dtype)
        source = inp("float64" if name in REAL_INPUT else "complex128")(xp)
        return getattr(xp.fft, name)(source, out=out) is out, out

    return body


for name in ONE_D:
    for dt in DTYPES:
        add(name, dt, inp(dt))
    for norm in NORMS:
        add(name, norm, inp("float64" if name in REAL_INPUT else "complex128"), norm=norm)
    for n in (3, 8, 1):
        add(name, f"n{n}", inp("float32", (3, 5)), n=n)
    add(name, "axis1", inp("float64", (4, 5, 3)), axis=1)
    add(name, "positional", inp("float64", (7,)), 5, 0, "ortho")
    add(name, "list", lambda xp: sample("float64", (4, 6)).tolist())
    add(name, "bad-axis", inp(), axis=2)
    add(name, "bad-n", inp(), n=0)
    add(name, "bad-norm", inp(), norm="bad")
    add(name, "length1", inp("float64", (4, 1)))

for name, shape, dtype in (
    ("fft", (4, 6), "complex128"),
    ("rfft", (4, 4), "complex128"),
    ("irfft", (4, 10), "float64"),
    ("fftn", (4, 6), "complex128"),
    ("fft", (4, 5), "complex128"),
):
    CASES.append(case(f"fft.{name}", out_body(name, shape, dtype), id=f"fft.{name}-out-{shape}"))

for name in N_D:
    for dt in DTYPES:
        add(name, dt, inp(dt, (3, 4, 6)))
    for norm in NORMS:
        add(name, norm, inp("float32"), norm=norm)
    add(name, "s-axes", inp("float64", (3, 4, 6)), s=(5, 3), axes=(0, 2))
    add(name, "axes", inp("float64", (3, 4, 6)), axes=(2, 0))
    add(name, "s-minus1", inp("float64", (3, 4, 6)), s=(8, -1), axes=(-1, 1))
    add(name, "s-only", inp("float64", (3, 4, 6)), s=(4, 4))
    add(name, "s-axes-len", inp(), s=(4, 4, 4), axes=(0, 1))
    add(name, "bad-axis", inp(), s=(3, 3), axes=(0, 3))
    add(name, "bad-s", inp(), s=(0, 3), axes=(0, 1))
    add(name, "bad-norm", inp(), norm="bad")

# Repeated axes apply the 1-D transforms in NumPy's order; None in s is the 1-D default length.
add("fftn", "repeated-axes", inp(), s=(3, 5), axes=(0, 0))
add("rfftn", "repeated-axes", inp(), s=(3, 5), axes=(1, 1))
add("irfftn", "repeated-axes", inp(), axes=(1, 1))
add("fftn", "s-none", inp(), s=(None, 3), axes=(0, 1))
add("irfftn", "s-none", inp(), s=(3, None), axes=(0, 1))
add("fft", "empty", inp("float64", (0,)))
add("fft2", "empty-batch", inp("complex64", (0, 4, 6)))

for name in ("fftshift", "ifftshift"):
    for dt in ("float64", "complex64", "int8", "bool"):
        add(name, dt, inp(dt, (5, 6)))
    add(name, "axis", inp("float64", (3, 4, 5)), axes=1)
    add(name, "axes", inp("float64", (3, 4, 5)), axes=(0, -1))
    add(name, "1d", lambda xp: xp.asarray(numpy.arange(7.0)))
    add(name, "bad-axis", inp(), axes=2)
    add(name, "list", lambda xp: [[1, 2, 3], [4, 5, 6]])


def _cast_freqs(freqs, dtype):
    if numpy.dtype(dtype).kind != "f":
        raise ValueError(f"dtype must be a real floating-point type, not {dtype}")
    return freqs.astype(dtype)


for name in ("fftfreq", "rfftfreq"):
    for n in (1, 8, 9):
        add(name, f"n{n}", lambda xp, n=n: n)
    add(name, "d", lambda xp: 10, 0.1)
    add(name, "d-float32", lambda xp: 6, d=numpy.float32(2))
    add(name, "d-complex", lambda xp: 6, d=2j)
    add(name, "device", lambda xp: 5, device="cpu")
    add(name, "bad-n", lambda xp: 5.5)
    # dtype= (the array API's; NumPy has none): NumPy's frequencies cast, or its error.
    for dt in ("float32", "float64", "int32"):
        CASES.append(
            case(
                f"fft.{name}",
                lambda xp, name=name, dt=dt: (
                    _cast_freqs(getattr(numpy.fft, name)(7, 0.5), dt)
                    if xp is numpy
                    else getattr(xp.fft, name)(7, 0.5, dtype=dt)
                ),
                id=f"{name}-dtype-{dt}",
            )
        )

test_conformance = conformance(CASES)
