"""Elementwise functions NumPy writes in Python rather than as ufuncs: ``angle``, ``sinc``,
``i0``, ``fix``, ``nan_to_num`` and ``real_if_close``, each with its gradient."""

from __future__ import annotations

import math

import numpy

from .._meta import elementwise
from ._grad import conj, np, to_input
from ._row import Op


def _angle_vjp(g, ans, z, deg=False):
    if not np.iscomplexobj(z):
        return np.zeros_like(g)  # 0 or pi: locally constant
    # angle = atan2(y, x): d/dx = -y/|z|^2, d/dy = x/|z|^2, i.e. i / conj(z).
    scale = 180 / numpy.pi if deg else 1
    return g * (1j * scale) / np.conjugate(z)


def sinc_vjp(g, ans, x):
    zero = x == 0
    safe = np.where(zero, 1, x)
    d = (np.cos(numpy.pi * safe) - np.sinc(safe)) / safe
    return to_input(g * conj(np.where(zero, 0, d)), x)


# i0' = i1, which NumPy lacks: its power series for |x| <= 20 (45 terms; all positive, so no
# cancellation) and its asymptotic expansion beyond (25 terms), both to about 2e-15 relative.
_I1_SERIES = [1 / (math.factorial(k) * math.factorial(k + 1)) for k in range(46)]
_I1_ASYMPTOTIC = [1.0]
for _k in range(1, 26):
    _I1_ASYMPTOTIC.append(_I1_ASYMPTOTIC[-1] * ((2 * _k - 1) ** 2 - 4) / (8 * _k))


def _horner(coefficients, t):
    s = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        s = s * t + c
    return s


def _i1(x):
    """The modified Bessel function of the first kind of order 1, in dnp ops."""
    small = np.abs(x) <= 20
    xs = np.where(small, x, 0.0)  # each branch sees only its own range: no overflow or NaN
    series = _horner(_I1_SERIES, xs * xs / 4) * xs / 2
    xl = np.where(small, 21.0, np.abs(x))
    scale = np.exp(xl) / np.sqrt((2 * numpy.pi) * xl)
    asymptotic = np.sign(x) * scale * _horner(_I1_ASYMPTOTIC, 1 / xl)
    return np.where(small, series, asymptotic)


def _nan_to_num_vjp(g, ans, x, *args, **kwargs):
    if np.iscomplexobj(x):
        re = np.where(np.isfinite(x.real), g.real, 0)
        im = np.where(np.isfinite(x.imag), g.imag, 0)
        return re + 1j * im
    return to_input(np.where(np.isfinite(x), g, 0), x)


def _real_if_close_vjp(g, ans, a, tol=100):
    if np.iscomplexobj(a) and not np.iscomplexobj(ans):
        return np.asarray(g, dtype=np.result_type(a))  # only the real part was kept
    return to_input(g, a)


ROWS = [
    Op("angle", meta=elementwise, vjp=(_angle_vjp,)),
    Op("sinc", meta=elementwise, vjp=(sinc_vjp,)),
    Op("i0", meta=elementwise, vjp=(lambda g, ans, x: g * _i1(x),)),
    # locally constant: zero gradient almost everywhere
    Op("fix", meta=elementwise, differentiable=False),
    # copy=False writes into its input and returns it
    Op("nan_to_num", meta=elementwise, vjp=(_nan_to_num_vjp,), aliases=True),
    # its dtype depends on the data (real if the imaginary parts are small); may return a itself
    Op("real_if_close", meta=None, vjp=(_real_if_close_vjp,), aliases=True),
]
