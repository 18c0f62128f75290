"""Evaluating series of the six bases at points, with dnp functions: on any device, and
differentiable in the points and the coefficients.

Each ``<basis>val(x, c, tensor=True)`` is NumPy's: Horner's scheme for the power series,
Clenshaw's recurrence for the others, in the same order of operations, on coefficients ``c``
(their first axis indexes the degree; integer and boolean coefficients become float64) and
points ``x`` (``tensor=True``: every column of ``c`` at every point). ``valnd``/``gridnd`` build
the 2-d and 3-d forms from them as NumPy does.
"""

from __future__ import annotations

import numpy

import dnp


def _series(c, x):
    """``c`` as NumPy's val functions take it: at least 1-d, integers as float64; coefficients
    that are not a dnp array go where the points ``x`` are (a series' NumPy coefficients, for
    points on a GPU)."""
    if not isinstance(c, dnp.ndarray) and isinstance(x, dnp.ndarray):
        c = dnp.asarray(c, device=x.device)
    c = dnp.asarray(c)
    if c.ndim == 0:
        c = c.reshape(1)
    if c.dtype.kind in "biu":
        c = c.astype(numpy.float64)
    return c


def _points(x, c, tensor: bool):
    if isinstance(x, (tuple, list)):
        x = dnp.asarray(x)
    if isinstance(x, (dnp.ndarray, numpy.ndarray)) and tensor:
        c = c.reshape(c.shape + (1,) * numpy.ndim(x))
    return x, c


def polyval(x, c, tensor=True):
    """See `numpy.polynomial.polynomial.polyval`."""
    c = _series(c, x)
    x, c = _points(x, c, tensor)
    c0 = c[-1] + x * 0
    for i in range(2, len(c) + 1):
        c0 = c[-i] + c0 * x
    return c0


def _clenshaw(step, last):
    """A val function from its recurrence: ``step(c_i, c0, c1, x, nd) -> (c0, c1)`` and the
    closing ``last(c0, c1, x)``."""

    def val(x, c, tensor=True):
        c = _series(c, x)
        x, c = _points(x, c, tensor)
        if len(c) == 1:
            c0, c1 = c[0], 0
        elif len(c) == 2:
            c0, c1 = c[0], c[1]
        else:
            nd = len(c)
            c0, c1 = c[-2], c[-1]
            for i in range(3, len(c) + 1):
                nd -= 1
                c0, c1 = step(c[-i], c0, c1, x, nd)
        return last(c0, c1, x)

    return val


chebval = _clenshaw(
    lambda ci, c0, c1, x, nd: (ci - c1, c0 + c1 * (2 * x)), lambda c0, c1, x: c0 + c1 * x
)
legval = _clenshaw(
    lambda ci, c0, c1, x, nd: (ci - (c1 * (nd - 1)) / nd, c0 + (c1 * x * (2 * nd - 1)) / nd),
    lambda c0, c1, x: c0 + c1 * x,
)
hermval = _clenshaw(
    lambda ci, c0, c1, x, nd: (ci - c1 * (2 * (nd - 1)), c0 + c1 * (x * 2)),
    lambda c0, c1, x: c0 + c1 * (x * 2),
)
hermeval = _clenshaw(
    lambda ci, c0, c1, x, nd: (ci - c1 * (nd - 1), c0 + c1 * x), lambda c0, c1, x: c0 + c1 * x
)
lagval = _clenshaw(
    lambda ci, c0, c1, x, nd: (ci - (c1 * (nd - 1)) / nd, c0 + (c1 * ((2 * nd - 1) - x)) / nd),
    lambda c0, c1, x: c0 + c1 * (1 - x),
)
for _name, _fn in (
    ("chebval", chebval),
    ("legval", legval),
    ("hermval", hermval),
    ("hermeval", hermeval),
    ("lagval", lagval),
):
    _fn.__name__ = _fn.__qualname__ = _name


def valnd(val, c, *points):
    """NumPy's ``<basis>val2d``/``val3d``: the series at the points ``(x[i], y[i], ...)``."""
    arrays = [dnp.asarray(p) for p in points]
    if any(a.shape != arrays[0].shape for a in arrays[1:]):
        raise ValueError(f"x, y{', z' if len(arrays) == 3 else ''} are incompatible")
    c = val(arrays[0], c)
    for a in arrays[1:]:
        c = val(a, c, tensor=False)
    return c


def gridnd(val, c, *points):
    """NumPy's ``<basis>grid2d``/``grid3d``: the series on the Cartesian product of points."""
    for p in points:
        c = val(p, c)
    return c


def native(prefix: str, val) -> dict:
    """The dnp-written functions of a basis module: ``<prefix>val`` and its 2-d and 3-d forms
    (``val2d(x, y, c)``, ``grid3d(x, y, z, c)``, ...)."""

    def val2d(x, y, c):
        return valnd(val, c, x, y)

    def val3d(x, y, z, c):
        return valnd(val, c, x, y, z)

    def grid2d(x, y, c):
        return gridnd(val, c, x, y)

    def grid3d(x, y, z, c):
        return gridnd(val, c, x, y, z)

    out = {f"{prefix}val": val}
    for suffix, fn in (("val2d", val2d), ("val3d", val3d), ("grid2d", grid2d), ("grid3d", grid3d)):
        fn.__name__ = fn.__qualname__ = prefix + suffix
        fn.__doc__ = f"See `numpy.polynomial` ({prefix}{suffix}); written with dnp functions."
        out[prefix + suffix] = fn
    return out
