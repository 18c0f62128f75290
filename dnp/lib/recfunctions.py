"""``dnp.lib.recfunctions``: NumPy's helpers for structured arrays (``numpy.lib.recfunctions``),
on dnp arrays on the CPU (where structured arrays live).

Each function is NumPy's, given the dnp arrays' own memory once the ops pending on it have
finished (so the ones that fill an array in place, ``assign_fields_by_name`` and
``recursive_fill_fields``, fill the dnp array). Plain results come back as dnp arrays, record
arrays (``asrecarray=True``) as ``dnp.rec.recarray``; masked results (``usemask=True``, the
default of several) stay NumPy's masked arrays, as ``dnp.ma`` keeps them.
"""

from __future__ import annotations

import functools

import numpy
import numpy.lib.recfunctions as _np_recfunctions

from .._dispatch import is_masked_array
from .._iterators import _host_memory
from .._ndarray import ndarray

__all__ = sorted(_np_recfunctions.__all__)


def _host(x):
    if isinstance(x, ndarray):
        return _host_memory(x, writes=True)
    if type(x) in (list, tuple):
        return type(x)(map(_host, x))
    return x


def _back(res):
    import dnp

    if isinstance(res, numpy.recarray):
        return dnp.asarray(res.view(numpy.ndarray)).view(dnp.rec.recarray)
    if isinstance(res, numpy.ndarray) and not is_masked_array(res):
        return dnp.asarray(res)
    return res


def _on_host_memory(fn):
    @functools.wraps(fn)
    def function(*args, **kwargs):
        return _back(fn(*map(_host, args), **{k: _host(v) for k, v in kwargs.items()}))

    function.__module__ = __name__
    return function


for _name in __all__:
    globals()[_name] = _on_host_memory(getattr(_np_recfunctions, _name))
del _name
