"""``numpy.fft``: discrete Fourier transforms, their frequencies and shifts.

The backends' functions have NumPy's semantics (single precision stays single), so every row
forwards to ``xp.fft.<name>`` (CuPy's transforms take no ``out=``: on a GPU it raises TypeError).
The metadata rules follow NumPy's ``n``/``s``/``axes`` rules for the
shape; the dtype comes from the NumPy function on a tiny input of the same dtype and rank.
"""

import operator

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, _quiet_call, check_out, shape_of, signature_of
from .._ndarray import ndarray
from ._grad import fit, np, unbroadcast
from ._row import Op

# How each transform maps its length n along an axis: 'c' complex to complex (n -> n), 'r' real to
# half spectrum (n -> n // 2 + 1), 'i' half spectrum to real (default n = 2 * (m - 1), n -> n).
KINDS = {"fft": "c", "ifft": "c", "rfft": "r", "irfft": "i", "hfft": "i", "ihfft": "r"}
ND_KINDS = {"fftn": "c", "ifftn": "c", "rfftn": "r", "irfftn": "i"}
ND_KINDS |= {f"{name[:-1]}2": kind for name, kind in ND_KINDS.items()}  # fft2 = fftn on 2 axes


def _tiny(op, x, **options):
    """The NumPy function on a 2 x ... x 2 input of ``x``'s dtype: the result dtype, for free."""
    dtype = x.dtype if isinstance(x, (ndarray, numpy.ndarray)) else numpy.asarray(x).dtype
    tiny = numpy.ones((2,) * len(shape_of(x)), dtype)
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


def _transform_meta(kind):
    """The metadata rule of a transform of ``kind`` (fft, rfftn, irfft2, ...): the 1-D
    transforms applied in NumPy's order."""

    def rule(op, args, kwargs):
        bound = signature_of(op.numpy_function()).bind(*args, **kwargs)
        bound.apply_defaults()
        p = bound.arguments
        dims = list(shape_of(p["a"]))
        if "axis" in p:
            axis = normalize_axis_index(p["axis"], len(dims))
            _transform(dims, kind, p["n"], axis)
            where = {"axis": axis}
        else:
            s, axes = _cook_nd(kind, dims, p["s"], p["axes"])
            steps = [("c", n, ax) for n, ax in zip(s, axes, strict=True)]
            if kind == "r":  # rfft on the last axis first, then fft on the others, last to first
                steps = [("r", s[-1], axes[-1]), *reversed(steps[:-1])]
            elif kind == "i":  # ifft on the others, first to last, then irfft on the last axis
                steps = [*steps[:-1], ("i", s[-1], axes[-1])]
            else:
                steps.reverse()
            for step_kind, n, ax in steps:
                _transform(dims, step_kind, n, ax)
            where = {"axes": axes}
        if p["out"] is not None:
            check_out(p["out"], tuple(dims))
            return Meta(tuple(dims), p["out"].dtype)
        return Meta(tuple(dims), _tiny(op, p["a"], norm=p["norm"], **where))

    return rule


def shift_meta(op, args, kwargs):
    """fftshift/ifftshift: a rolled copy, same shape and dtype (axes checked on a tiny input)."""
    p = signature_of(op.numpy_function()).bind(*args, **kwargs).arguments
    return Meta(shape_of(p["x"]), _tiny(op, p["x"], axes=p.get("axes")))


def _freq_meta(half: bool):
    """The metadata rule of fftfreq (n frequencies) or rfftfreq (``half``: n // 2 + 1); dtype
    ``dtype=`` (the array API's), else from the NumPy function at n=1."""

    def rule(op, args, kwargs):
        dtype = kwargs.get("dtype")
        kwargs = {k: v for k, v in kwargs.items() if k != "dtype"}
        p = signature_of(op.numpy_function()).bind(*args, **kwargs).arguments
        n = operator.index(p["n"])
        d = _quiet_call(op.numpy_function(), (1, p.get("d", 1.0)), {})
        return Meta((n // 2 + 1 if half else n,), _freq_dtype(dtype, d.dtype))

    return rule


def _freq_dtype(dtype, default):
    if dtype is None:
        return default
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"fftfreq/rfftfreq: dtype must be a real floating-point type, not {dtype}")
    return dtype


def _frequencies(name):
    def forward(xp, n, d=1.0, *, dtype=None):
        """NumPy's frequencies (``device=`` is dispatch's), as ``dtype`` (the array API's)."""
        freqs = getattr(xp.fft, name)(n, d)
        return freqs if dtype is None else freqs.astype(_freq_dtype(dtype, freqs.dtype))

    return forward


# Frequencies follow from n and d alone: no gradient.
ROWS = [
    Op(f"fft.{name}", _frequencies(name), _freq_meta(half), creation=True, differentiable=False)
    for name, half in (("fftfreq", False), ("rfftfreq", True))
]


# --- the transforms and their gradients --------------------------------------------------------
# The VJP of a linear transform is its adjoint: the inverse transform with the opposite
# normalization (fft(norm='backward')^H = n * ifft = ifft(norm='forward')), preceded by the
# adjoint of the zero padding/truncation to ``n`` (a truncation/zero padding back to the input's
# length). Real transforms keep half the spectrum: see ``_rfft_adjoint`` / ``_irfft_adjoint``.


_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _along(w, ndim, axis):
    """A 1-D array shaped to broadcast along ``axis`` of an ``ndim``-d array."""
    return numpy.reshape(w, (-1,) + (1,) * (ndim - 1 - axis))


def _half_weights(g, n, axis, interior):
    """``g`` (a half spectrum for length ``n``) with its bins other than 0 and n/2 scaled."""
    w = numpy.full(g.shape[axis], interior, dtype=numpy.finfo(g.dtype).dtype)
    w[0] = 1
    if n % 2 == 0 and n // 2 < len(w):
        w[n // 2] = 1
    return g * _along(w, g.ndim, axis)


def _rfft_adjoint(g, n, axis, norm):
    """Re(A^H g) for A = rfft(., n, axis, norm) on real inputs of length n (g: n // 2 + 1 bins)."""
    return np.fft.irfft(_half_weights(g, n, axis, 0.5), n, axis, norm=_SWAP[norm])


def _irfft_adjoint(g, n, axis, norm):
    """A^H g for A = irfft(., n, axis, norm): the half spectrum (n // 2 + 1 bins) of real g."""
    return _half_weights(np.fft.rfft(g, n, axis, norm=_SWAP[norm]), n, axis, 2.0)


def _params(name, args, kwargs):
    """The bound arguments of ``numpy.fft.<name>``, with ``s``/``axes`` resolved for n-d ones."""
    p = signature_of(getattr(numpy.fft, name)).bind(*args, **kwargs)
    p.apply_defaults()
    p = p.arguments
    dims = shape_of(p["a"])
    if "axis" in p:
        axis = normalize_axis_index(p["axis"], len(dims))
        kind = KINDS[name]
        n = p["n"]
        if n is None:
            n = 2 * (dims[axis] - 1) if kind == "i" else dims[axis]
        return p["a"], [n], [axis], p["norm"]
    s, axes = _cook_nd(ND_KINDS[name], list(dims), p["s"], p["axes"])
    return p["a"], s, axes, p["norm"]


def _c2c_vjp(name, inverse):
    def rule(g, ans, *args, **kwargs):
        a, s, axes, norm = _params(name, args, kwargs)
        adjoint = np.fft.ifftn if inverse == "ifft" else np.fft.fftn
        return unbroadcast(fit(adjoint(g, axes=axes, norm=_SWAP[norm]), np.shape(a), axes), a)

    return rule


def _r2c_vjp(name):
    """rfft, rfftn, rfft2: rfft along the last axis, then complex ffts along the others."""

    def rule(g, ans, *args, **kwargs):
        a, s, axes, norm = _params(name, args, kwargs)
        if len(axes) > 1:
            g = np.fft.ifftn(g, axes=axes[:-1], norm=_SWAP[norm])
        return unbroadcast(fit(_rfft_adjoint(g, s[-1], axes[-1], norm), np.shape(a), axes), a)

    return rule


def _c2r_vjp(name):
    """irfft, irfftn, irfft2: complex iffts along all axes but the last, then irfft on it."""

    def rule(g, ans, *args, **kwargs):
        a, s, axes, norm = _params(name, args, kwargs)
        g = _irfft_adjoint(g, s[-1], axes[-1], norm)
        if len(axes) > 1:
            g = np.fft.fftn(g, axes=axes[:-1], norm=_SWAP[norm])
        return unbroadcast(fit(g, np.shape(a), axes), a)

    return rule


def _hfft_vjp(g, ans, *args, **kwargs):
    # hfft(a) = irfft(conj(a), n, norm=swapped): the gradient is conj of irfft's.
    a, (n,), (axis,), norm = _params("hfft", args, kwargs)
    grad = np.conjugate(_irfft_adjoint(g, n, axis, _SWAP[norm]))
    return unbroadcast(fit(grad, np.shape(a), [axis]), a)


def _ihfft_vjp(g, ans, *args, **kwargs):
    # ihfft(a) = conj(rfft(a, n, norm=swapped)) for real a.
    a, (n,), (axis,), norm = _params("ihfft", args, kwargs)
    grad = _rfft_adjoint(np.conjugate(g), n, axis, _SWAP[norm])
    return unbroadcast(fit(grad, np.shape(a), [axis]), a)


ROWS += [
    Op(f"fft.{name}", meta=_transform_meta((KINDS | ND_KINDS)[name]), vjp=(rule,))
    for name, rule in (
        ("fft", _c2c_vjp("fft", "ifft")),
        ("ifft", _c2c_vjp("ifft", "fft")),
        ("fftn", _c2c_vjp("fftn", "ifft")),
        ("ifftn", _c2c_vjp("ifftn", "fft")),
        ("fft2", _c2c_vjp("fft2", "ifft")),
        ("ifft2", _c2c_vjp("ifft2", "fft")),
        ("rfft", _r2c_vjp("rfft")),
        ("rfftn", _r2c_vjp("rfftn")),
        ("rfft2", _r2c_vjp("rfft2")),
        ("irfft", _c2r_vjp("irfft")),
        ("irfftn", _c2r_vjp("irfftn")),
        ("irfft2", _c2r_vjp("irfft2")),
        ("hfft", _hfft_vjp),
        ("ihfft", _ihfft_vjp),
    )
]
# A shift is a permutation: its adjoint is the inverse shift.
ROWS += [
    Op(
        "fft.fftshift",
        meta=shift_meta,
        vjp=(lambda g, ans, x, axes=None: np.fft.ifftshift(g, axes),),
    ),
    Op(
        "fft.ifftshift",
        meta=shift_meta,
        vjp=(lambda g, ans, x, axes=None: np.fft.fftshift(g, axes),),
    ),
]
