"""``dnp.ma``: NumPy's masked arrays (``numpy.ma``), on the host.

A masked array's mask is its meaning, and dnp's ops do not carry one yet, so masked arrays stay
NumPy's: every function here is NumPy's, given the host values of its dnp array arguments (a
sync point; a copy from a GPU); results that are masked arrays stay NumPy's, plain arrays come
back as dnp arrays on the CPU. dnp functions and operators given a masked array compute with
NumPy too (``dnp/_dispatch.py``: ``_on_masked``). The classes and constants (``MaskedArray``,
``masked``, ``nomask``, ...) are NumPy's.
"""

from __future__ import annotations

import functools
import inspect

import numpy
import numpy.ma as _np_ma

from ._dispatch import is_masked_array
from ._ndarray import ndarray


def _host(x):
    if isinstance(x, ndarray):
        return x.asnumpy()
    if type(x) in (list, tuple):
        return type(x)(map(_host, x))
    return x


def _back(res):
    if isinstance(res, numpy.ndarray) and not is_masked_array(res):
        import dnp

        return dnp.asarray(res)
    if type(res) is tuple:
        return tuple(map(_back, res))
    return res


def _on_host(fn):
    @functools.wraps(fn)
    def function(*args, **kwargs):
        return _back(fn(*map(_host, args), **{k: _host(v) for k, v in kwargs.items()}))

    function.__module__ = __name__
    return function


__all__ = sorted(n for n in dir(_np_ma) if not n.startswith("_") and n != "test")
for _name in __all__:
    _obj = getattr(_np_ma, _name)
    is_function = (
        callable(_obj) and not inspect.isclass(_obj) and not isinstance(_obj, numpy.ndarray)
    )
    globals()[_name] = _on_host(_obj) if is_function else _obj
del _name, _obj, is_function
