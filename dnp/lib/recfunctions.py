"""``dnp.lib.recfunctions``: NumPy's helpers for structured arrays (``numpy.lib.recfunctions``),
on dnp arrays on the CPU (where structured arrays live).

Each function is NumPy's, given the dnp arrays' own memory once the ops pending on it have
finished (so the ones that fill an array in place, ``assign_fields_by_name`` and
``recursive_fill_fields``, fill the dnp array). Plain results come back as dnp arrays, record
arrays (``asrecarray=True``) as ``dnp.rec.recarray``; masked results (``usemask=True``, the
default of several) stay NumPy's masked arrays, as ``dnp.ma`` keeps them.
"""

from __future__ import annotations

import numpy.lib.recfunctions as _np_recfunctions

from .._iterators import _host_memory
from .._on_host import on_host

__all__ = sorted(_np_recfunctions.__all__)


def _own_memory(x):
    return _host_memory(x, writes=True)


for _name in __all__:
    globals()[_name] = on_host(getattr(_np_recfunctions, _name), __name__, _own_memory)
del _name
