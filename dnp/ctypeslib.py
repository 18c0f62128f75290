"""``dnp.ctypeslib``: NumPy's ``numpy.ctypeslib`` for dnp arrays on the CPU.

C code reads and writes host memory: ``as_ctypes`` and the ``ndpointer`` argument types hand
it a dnp array's own memory, once the ops pending on it have finished (and record it as written
for autograd's checks); ``as_array`` makes a dnp array sharing a ctypes object's memory.
``load_library``, ``as_ctypes_type`` and ``c_intp`` are NumPy's.
"""

from __future__ import annotations

import numpy.ctypeslib as _np_ctypeslib
from numpy.ctypeslib import as_ctypes_type, c_intp, load_library

from ._iterators import _host_memory

__all__ = ["as_array", "as_ctypes", "as_ctypes_type", "c_intp", "load_library", "ndpointer"]


def as_array(obj, shape=None):
    """A dnp array (CPU) sharing the memory of a ctypes array or pointer. See
    `numpy.ctypeslib.as_array`."""
    import dnp

    return dnp.asarray(_np_ctypeslib.as_array(obj, shape))


def as_ctypes(obj):
    """A ctypes object sharing a dnp array's memory (CPU). See `numpy.ctypeslib.as_ctypes`."""
    return _np_ctypeslib.as_ctypes(_host_memory(obj, writes=True))


def ndpointer(dtype=None, ndim=None, shape=None, flags=None):
    """NumPy's ``ndpointer`` argument type, which also takes dnp arrays (their CPU memory).
    See `numpy.ctypeslib.ndpointer`."""
    base = _np_ctypeslib.ndpointer(dtype, ndim, shape, flags)

    def from_param(cls, obj):
        return base.from_param(_host_memory(obj, writes=True))

    return type(base.__name__, (base,), {"from_param": classmethod(from_param)})
