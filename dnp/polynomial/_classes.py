"""The series classes (``Polynomial``, ``Chebyshev``, ...): NumPy's, evaluated with dnp.

Each is a subclass of NumPy's class of the same name whose values at points (``p(x)``) come from
the dnp val function of its basis (``_values.py``): on the points' device, differentiable in
them. Its coefficients, domain and window are NumPy arrays on the host, as in NumPy, and
fitting (``fit``), arithmetic, calculus and roots are NumPy's (they work on the coefficients).
"""

from __future__ import annotations

import numpy
import numpy.polynomial as _np_polynomial
from numpy.polynomial import polyutils

import dnp

from . import _values


def _call(self, arg):
    """The series at ``arg``, its points mapped from the domain to the window as NumPy maps
    them, computed with dnp (NumPy's mapping would copy a dnp array to the host). A series
    as ``arg`` (composition, as ``convert`` does) is NumPy's business, on the host."""
    if isinstance(arg, _np_polynomial._polybase.ABCPolyBase):
        return self._numpy_val(polyutils.mapdomain(arg, self.domain, self.window), self.coef)
    if isinstance(arg, (list, tuple, numpy.ndarray)):
        arg = dnp.asarray(arg)
    off, scl = polyutils.mapparms(self.domain, self.window)
    return self._val(off + scl * arg, self.coef)


def _with_dnp_values(base: type, val) -> type:
    return type(
        base.__name__,
        (base,),
        {
            "__module__": "dnp.polynomial",
            "__doc__": f"NumPy's `numpy.polynomial.{base.__name__}`, evaluated with dnp.",
            "_val": staticmethod(val),
            "_numpy_val": staticmethod(base._val),
            "__call__": _call,
        },
    )


Polynomial = _with_dnp_values(_np_polynomial.Polynomial, _values.polyval)
Chebyshev = _with_dnp_values(_np_polynomial.Chebyshev, _values.chebval)
Legendre = _with_dnp_values(_np_polynomial.Legendre, _values.legval)
Hermite = _with_dnp_values(_np_polynomial.Hermite, _values.hermval)
HermiteE = _with_dnp_values(_np_polynomial.HermiteE, _values.hermeval)
Laguerre = _with_dnp_values(_np_polynomial.Laguerre, _values.lagval)
