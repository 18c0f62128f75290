"""Window functions (``bartlett``, ``blackman``, ``hamming``, ``hanning``, ``kaiser``): arrays of
M points made from a length, on ``device=``. None carries a gradient."""

from __future__ import annotations

import numpy

from .._meta import Meta, bound, run_bound
from ._row import Op
from .ranges import range_length


def _window_meta(points):
    """The rule of a window that evaluates ``arange(*points(M))`` (``points`` None: no points),
    or one point for M = 1, with M read as NumPy reads it (at least float64); the dtype and
    NumPy's checks from the op on at most two points."""

    def rule(op, args, kwargs):
        params = bound(op, args, kwargs)
        m = numpy.array([0.0, params["M"]])[1]
        result = run_bound(op, dict(params, M=params["M"] if m <= 2 else 2))
        if m == 1:
            return Meta((1,), result.dtype)
        span = points(m)
        return Meta((0 if span is None else range_length(*span),), result.dtype)

    return rule


def _cosine_points(m):
    return None if m < 1 else (1 - m, m, 2)


ROWS = [
    Op(name, meta=_window_meta(_cosine_points), creation=True, differentiable=False)
    for name in ("bartlett", "blackman", "hamming", "hanning")
]
ROWS += [Op("kaiser", meta=_window_meta(lambda m: (0, m, 1)), creation=True, differentiable=False)]
