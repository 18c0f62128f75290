"""``dnp.emath`` (NumPy's ``numpy.emath``, alias ``numpy.lib.scimath``): functions whose result is
complex where the real one is undefined: ``sqrt(-1)`` is ``1j``, ``log(-1)`` is ``pi*1j``.

Written as NumPy writes them, over dnp's own functions, so they run on every device and
differentiate like any dnp code. The result's dtype depends on the data (real for inputs in the
real domain, complex otherwise), so each call reads whether any input lies outside it: a sync
point, as reading a value is.
"""

from __future__ import annotations

import dnp as _np

__all__ = ["sqrt", "log", "log2", "logn", "log10", "power", "arccos", "arcsin", "arctanh"]

# Real dtypes whose complex counterpart is complex64 (NumPy's rule); others go to complex128.
_SINGLE = frozenset(map(_np.dtype, ("float32", "int8", "int16", "uint8", "uint16", "complex64")))


def _tocomplex(x):
    return x.astype(_np.complex64 if x.dtype in _SINGLE else _np.complex128)


def _outside(x, real_domain):
    """Whether any real element of ``x`` lies outside ``real_domain`` (a sync point)."""
    return bool(_np.any(_np.isreal(x) & real_domain(x)))


def _fix_real_lt_zero(x):
    x = _np.asarray(x)
    return _tocomplex(x) if _outside(x, lambda v: v < 0) else x


def _fix_int_lt_zero(x):
    x = _np.asarray(x)
    return x * 1.0 if _outside(x, lambda v: v < 0) else x


def _fix_real_abs_gt_1(x):
    x = _np.asarray(x)
    return _tocomplex(x) if _outside(x, lambda v: _np.abs(v) > 1) else x


def sqrt(x):
    """The square root of ``x``; complex for negative reals."""
    return _np.sqrt(_fix_real_lt_zero(x))


def log(x):
    """The natural logarithm of ``x``; complex for negative reals."""
    return _np.log(_fix_real_lt_zero(x))


def log10(x):
    """The base-10 logarithm of ``x``; complex for negative reals."""
    return _np.log10(_fix_real_lt_zero(x))


def log2(x):
    """The base-2 logarithm of ``x``; complex for negative reals."""
    return _np.log2(_fix_real_lt_zero(x))


def logn(n, x):
    """The base-``n`` logarithm of ``x``; complex for negative reals."""
    x = _fix_real_lt_zero(x)
    n = _fix_real_lt_zero(n)
    return _np.log(x) / _np.log(n)


def power(x, p):
    """``x`` to the power ``p``; complex for negative real ``x``, and a negative integer ``p``
    is taken as a float."""
    x = _fix_real_lt_zero(x)
    p = _fix_int_lt_zero(p)
    return _np.power(x, p)


def arccos(x):
    """The inverse cosine of ``x``; complex for reals with ``abs(x) > 1``."""
    return _np.arccos(_fix_real_abs_gt_1(x))


def arcsin(x):
    """The inverse sine of ``x``; complex for reals with ``abs(x) > 1``."""
    return _np.arcsin(_fix_real_abs_gt_1(x))


def arctanh(x):
    """The inverse hyperbolic tangent of ``x``; complex for reals with ``abs(x) > 1``."""
    return _np.arctanh(_fix_real_abs_gt_1(x))
