"""The Array API namespace of dnp arrays (``x.__array_namespace__()``): dnp itself, except the
three functions where the standard (2025.12) and NumPy disagree, which here follow the standard.

``import dnp as np`` keeps NumPy's behaviour, so NumPy code runs unchanged; array-API clients
(scikit-learn, SciPy, array-api-compat) reach dnp through ``__array_namespace__`` and get the
standard's. This is what NumPy 1.x's ``numpy.array_api`` and array-api-compat's ``numpy``
namespace do for NumPy. The three:

- ``linalg.eig`` / ``linalg.eigvals`` always return complex results (complex64 for float32);
  NumPy returns real ones when every eigenvalue is real.
- ``argsort`` (and ``sort``) are stable unless ``stable=False``; NumPy's default is not.
- ``clip`` names its bounds ``min`` and ``max``; NumPy's are ``a_min`` and ``a_max``.
"""

from __future__ import annotations

import types

import dnp

__array_api_version__ = dnp.__array_api_version__


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    """The indices that sort ``x`` along ``axis``, stable by default (the standard's default)."""
    return dnp.argsort(x, axis=axis, descending=descending, stable=stable)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    """``x`` sorted along ``axis``, stable by default (the standard's default)."""
    return dnp.sort(x, axis=axis, descending=descending, stable=stable)


def clip(x, /, min=None, max=None):
    """``x`` with its elements limited to ``[min, max]`` (the standard's names for the bounds)."""
    return dnp.clip(x, min=min, max=max)


def _complex(x):
    return x if dnp.iscomplexobj(x) else x.astype(dnp.result_type(x.dtype, dnp.complex64))


def _eig(x, /):
    """Eigenvalues and right eigenvectors of square matrices, always complex."""
    result = dnp.linalg.eig(x)  # NumPy's EigResult
    return result._replace(
        eigenvalues=_complex(result.eigenvalues), eigenvectors=_complex(result.eigenvectors)
    )


def _eigvals(x, /):
    """Eigenvalues of square matrices, always complex."""
    return _complex(dnp.linalg.eigvals(x))


class _Linalg(types.ModuleType):
    """``dnp.linalg`` with the standard's ``eig`` and ``eigvals``."""

    eig = staticmethod(_eig)
    eigvals = staticmethod(_eigvals)

    def __getattr__(self, name):
        return getattr(dnp.linalg, name)

    def __dir__(self):
        return sorted({*dir(dnp.linalg), "eig", "eigvals"})


linalg = _Linalg("dnp.array_api.linalg", _Linalg.__doc__)
_eig.__name__, _eigvals.__name__ = "eig", "eigvals"


def __getattr__(name: str):
    return getattr(dnp, name)


def __dir__():
    return sorted({*dir(dnp), "argsort", "sort", "clip", "linalg"})
