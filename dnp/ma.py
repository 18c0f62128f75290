"""``dnp.ma``: NumPy's masked arrays (``numpy.ma``), on the host.

A masked array's mask is its meaning, and dnp's ops do not carry one yet, so masked arrays stay
NumPy's: every function here is NumPy's, given the host values of its dnp array arguments (a
sync point; a copy from a GPU); results that are masked arrays stay NumPy's, plain arrays come
back as dnp arrays (``_on_host.py``). dnp functions and operators given a masked array compute with
NumPy too (``dnp/_dispatch.py``: ``_on_masked``). The classes and constants (``MaskedArray``,
``masked``, ``nomask``, ...) are NumPy's.
"""

from __future__ import annotations

import inspect

import numpy
import numpy.ma as _np_ma

from ._on_host import on_host

__all__ = sorted(n for n in dir(_np_ma) if not n.startswith("_") and n != "test")
for _name in __all__:
    _obj = getattr(_np_ma, _name)
    is_function = (
        callable(_obj) and not inspect.isclass(_obj) and not isinstance(_obj, numpy.ndarray)
    )
    globals()[_name] = on_host(_obj, __name__) if is_function else _obj
del _name, _obj, is_function
