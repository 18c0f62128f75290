"""``dnp.polynomial``: NumPy's ``numpy.polynomial`` on dnp arrays.

- The series classes ``Polynomial``, ``Chebyshev``, ``Legendre``, ``Hermite``, ``HermiteE``,
  ``Laguerre``: NumPy's, whose values at points ``p(x)`` are computed with dnp (on ``x``'s
  device, differentiable); coefficients stay NumPy arrays on the host (``_classes.py``).
- The function modules ``polynomial``, ``chebyshev``, ``legendre``, ``hermite``, ``hermite_e``,
  ``laguerre`` and ``polyutils``: the ``*val``, ``*val2d``/``3d`` and ``*grid2d``/``3d``
  functions are written with dnp (``_values.py``); the others (arithmetic, calculus, roots,
  fits, Vandermonde matrices, quadrature) run NumPy's on host copies and return dnp arrays
  (``_host.py``: a sync point, and a copy to and from a GPU).
"""

import sys
import types

import numpy.polynomial as _np_polynomial
from numpy.polynomial import set_default_printstyle

from . import _values
from ._classes import Chebyshev, Hermite, HermiteE, Laguerre, Legendre, Polynomial
from ._host import mirror

_BASES = {
    "polynomial": ("poly", _values.polyval, Polynomial),
    "chebyshev": ("cheb", _values.chebval, Chebyshev),
    "legendre": ("leg", _values.legval, Legendre),
    "hermite": ("herm", _values.hermval, Hermite),
    "hermite_e": ("herme", _values.hermeval, HermiteE),
    "laguerre": ("lag", _values.lagval, Laguerre),
}


def _submodule(name: str, names: dict, doc: str) -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.{name}", doc)
    module.__dict__.update(names)
    module.__all__ = sorted(names)
    sys.modules[module.__name__] = module
    return module


for _name, (_prefix, _val, _cls) in _BASES.items():
    _np_module = getattr(_np_polynomial, _name)
    _names = mirror(_np_module, f"{__name__}.{_name}", _values.native(_prefix, _val))
    _names[_cls.__name__] = _cls
    _names["ABCPolyBase"] = _np_module.ABCPolyBase  # NumPy's abstract base of the classes
    globals()[_name] = _submodule(
        _name, _names, f"``dnp.polynomial.{_name}``: see `numpy.polynomial.{_name}`."
    )
polyutils = _submodule(
    "polyutils",
    mirror(_np_polynomial.polyutils, f"{__name__}.polyutils", {}),
    "``dnp.polynomial.polyutils``: see `numpy.polynomial.polyutils`.",
)
del _name, _prefix, _val, _cls, _names, _np_module

__all__ = [
    "Chebyshev",
    "Hermite",
    "HermiteE",
    "Laguerre",
    "Legendre",
    "Polynomial",
    "chebyshev",
    "hermite",
    "hermite_e",
    "laguerre",
    "legendre",
    "polynomial",
    "polyutils",
    "set_default_printstyle",
]
