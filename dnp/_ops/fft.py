"""``numpy.fft``: discrete Fourier transforms, their frequencies and shifts.

The backends' functions have NumPy's semantics (single precision stays single), so every row
forwards to ``xp.fft.<name>`` (CuPy's transforms take no ``out=``: on a GPU it raises TypeError).
The metadata rules follow NumPy's ``n``/``s``/``axes`` rules for the
shape; the dtype comes from the NumPy function on a tiny input of the same dtype and rank.
"""

import inspect
import operator

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._ndarray import ndarray
from ._meta import Meta, _quiet_call
from ._row import Op

# How each transform maps its length n along an axis: 'c' complex to complex (n -> n), 'r' real to
# half spectrum (n -> n // 2 + 1), 'i' half spectrum to real (default n = 2 * (m - 1), n -> n).
KINDS = {"fft": "c", "ifft": "c", "rfft": "r", "irfft": "i", "hfft": "i", "ihfft": "r"}
ND_KINDS = {"fftn": "c", "ifftn": "c", "rfftn": "r", "irfftn": "i"}
ND_KINDS |= {f"{name[:-1]}2": kind for name, kind in ND_KINDS.items()}  # fft2 = fftn on 2 axes


def _tiny(op, x, **options):
    """The NumPy function on a 2 x ... x 2 input of ``x``'s dtype: the result dtype, for free."""
    dtype = x.dtype if isinstance(x, (ndarray, numpy.ndarray)) else numpy.asarray(x).dtype
    tiny = numpy.ones((2,) * len(numpy.shape(x)), dtype)
    return _quiet_call(op.numpy_function(), (tiny,), options).dtype


def _cook_nd(kind, shape, s, axes):
    """NumPy's ``_cook_nd_args``: the length (None: the default) for each transformed axis."""
    if axes is None:
        axes = range(-len(shape if s is None else s), 0)
    axes = [normalize_axis_index(ax, len(shape)) for ax in axes]
    if s is None:
        s = [shape[ax] for ax in axes]
        if kind == "i":
            s[-1] = 2 * (shape[axes[-1]] - 1)
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    return [shape[ax] if n == -1 else n for n, ax in zip(s, axes, strict=True)], axes


def _transform(shape, kind, n, axis):
    """One 1-D transform of length ``n`` along ``axis``: its effect on ``shape``."""
    if n is None:
        n = 2 * (shape[axis] - 1) if kind == "i" else shape[axis]
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    shape[axis] = n // 2 + 1 if kind == "r" else n


def transform_meta(op, args, kwargs):
    """Metadata of fft, rfftn, irfft2, ...: the 1-D transforms applied in NumPy's order."""
    bound = inspect.signature(op.numpy_function()).bind(*args, **kwargs)
    bound.apply_defaults()
    p = bound.arguments
    shape = list(numpy.shape(p["a"]))
    kind = (KINDS | ND_KINDS)[op.name.partition(".")[2]]
    if "axis" in p:
        axis = normalize_axis_index(p["axis"], len(shape))
        _transform(shape, kind, p["n"], axis)
        where = {"axis": axis}
    else:
        s, axes = _cook_nd(kind, shape, p["s"], p["axes"])
        steps = [("c", n, ax) for n, ax in zip(s, axes, strict=True)]
        if kind == "r":  # rfft on the last axis first, then fft on the others, last to first
            steps = [("r", s[-1], axes[-1]), *reversed(steps[:-1])]
        elif kind == "i":  # ifft on the others, first to last, then irfft on the last axis
            steps = [*steps[:-1], ("i", s[-1], axes[-1])]
        else:
            steps.reverse()
        for step_kind, n, ax in steps:
            _transform(shape, step_kind, n, ax)
        where = {"axes": axes}
    if p["out"] is not None:
        return Meta(tuple(shape), p["out"].dtype)
    return Meta(tuple(shape), _tiny(op, p["a"], norm=p["norm"], **where))


def shift_meta(op, args, kwargs):
    """fftshift/ifftshift: a rolled copy, same shape and dtype (axes checked on a tiny input)."""
    p = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    return Meta(numpy.shape(p["x"]), _tiny(op, p["x"], axes=p.get("axes")))


def freq_meta(op, args, kwargs):
    """fftfreq/rfftfreq: n (or n // 2 + 1) frequencies; dtype from the NumPy function at n=1."""
    p = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    n = operator.index(p["n"])
    d = _quiet_call(op.numpy_function(), (1, p.get("d", 1.0)), {})
    return Meta((n // 2 + 1 if op.name == "fft.rfftfreq" else n,), d.dtype)


ROWS = [Op(f"fft.{name}", meta=transform_meta) for name in (*KINDS, *ND_KINDS)]
ROWS += [Op(f"fft.{name}", meta=shift_meta) for name in ("fftshift", "ifftshift")]
ROWS += [Op(f"fft.{name}", meta=freq_meta, creation=True) for name in ("fftfreq", "rfftfreq")]
