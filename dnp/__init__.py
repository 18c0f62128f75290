"""dnp: deep NumPy. ``import dnp as np`` runs NumPy code on CPU (NumPy) or GPU (CuPy) buffers.

Every array function is generated from the op table in ``dnp/_ops`` and goes through
``dispatch``; data types, constants and settings are NumPy's own objects, re-exported below so
that code comparing ``x.dtype == np.float32`` keeps working.
"""

import numpy as _numpy

from . import _namespace, _ndarray
from ._backend import Device, default_device, devices, get_device, gpu_available
from ._backend import set_default_device as set_default_device
from ._dispatch import DeviceMismatch
from ._ndarray import ndarray

_FROM_NUMPY = _namespace.FROM_NUMPY
globals().update(_FROM_NUMPY)

_FUNCTIONS, _SUBMODULE_FUNCTIONS = _namespace.build()
globals().update(_FUNCTIONS)
_namespace.attach_methods(_FUNCTIONS)
_namespace.attach_protocols(_FUNCTIONS, _SUBMODULE_FUNCTIONS)
ufunc = _namespace.ufunc
flatiter = _namespace.flatiter  # what ndarray.flat gives

__array_api_version__ = "2025.12"
_ARRAY_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12", "2025.12")


def _array_namespace(api_version: str | None):
    """``dnp.array_api``, for ``ndarray.__array_namespace__`` (its seam)."""
    if api_version not in (None, *_ARRAY_API_VERSIONS):
        raise ValueError(f"unsupported Array API version {api_version!r}")
    from . import array_api

    return array_api


_ndarray.ARRAY_NAMESPACE = _array_namespace

from . import (  # noqa: E402
    _execute,  # noqa: F401  # plugs the executor into dispatch
    autograd,
    char,
    emath,
    engine,
    fft,
    lib,
    linalg,
    random,
    scipy,  # noqa: F401  # dnp.scipy.special and dnp.scipy.linalg: attributes after import dnp
    strings,
    tree,
)
from ._array_api import __array_namespace_info__, finfo, iinfo  # noqa: E402
from ._io import (  # noqa: E402  # file io, through NumPy on the host
    fromfile,
    fromregex,
    genfromtxt,
    load,
    loadtxt,
    save,
    savetxt,
    savez,
    savez_compressed,
)
from ._iterators import ndenumerate, nditer, nested_iters  # noqa: E402
from ._jit import jit  # noqa: E402
from ._ops.creation import c_, mgrid, ogrid, r_  # noqa: E402
from ._ops.functional import vectorize  # noqa: E402
from ._vmap import vmap  # noqa: E402

waitall = engine.waitall


def __getattr__(name: str):
    """``dnp.testing``, ``dnp.polynomial``, ``dnp.ctypeslib``, ``dnp.rec`` and ``dnp.ma`` are
    imported on first use, as NumPy imports its own: they load NumPy's modules of the same
    names, which would cost every `import dnp` (about 20, 15, 5, 1 and 7 ms). So are
    ``dnp.array_api``, the namespace that ``__array_namespace__`` returns, and ``dnp.optim``."""
    lazy = ("testing", "polynomial", "ctypeslib", "rec", "recarray", "ma", "array_api", "optim")
    if name in lazy:
        import importlib

        module = importlib.import_module(f"dnp.{name if name != 'recarray' else 'rec'}")
        return module.recarray if name == "recarray" else module
    raise AttributeError(f"module 'dnp' has no attribute {name!r}")


# NumPy's exception classes, dtype classes and annotations: dnp raises NumPy's errors and its
# arrays hold NumPy's dtypes, so these are NumPy's own modules.
exceptions, dtypes, typing = _numpy.exceptions, _numpy.dtypes, _numpy.typing
__version__ = "0.1.0"
__all__ = [
    "ndarray",
    "ufunc",
    "Device",
    "DeviceMismatch",
    "default_device",
    "set_default_device",
    "get_device",
    "devices",
    "gpu_available",
    "autograd",
    "fft",
    "linalg",
    "random",
    "engine",
    "jit",
    "vmap",
    "tree",
    "waitall",
    *_FROM_NUMPY,
    *_FUNCTIONS,
]
__all__ += ["emath", "exceptions", "dtypes", "typing", "lib", "polynomial", "strings", "char"]
__all__ += ["ctypeslib", "rec", "recarray", "ma", "array_api", "optim"]
__all__ += ["finfo", "iinfo", "ndenumerate", "nditer", "nested_iters", "flatiter"]
__all__ += ["testing", "__array_namespace_info__", "fromfile", "fromregex", "genfromtxt", "load"]
__all__ += [
    "mgrid",
    "ogrid",
    "r_",
    "c_",
    "vectorize",
    "loadtxt",
    "save",
    "savetxt",
    "savez",
    "savez_compressed",
]
