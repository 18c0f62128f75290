"""``dnp.rec``: NumPy's record arrays, as dnp arrays (CPU: structured dtypes live there).

``recarray`` is a subclass of ``dnp.ndarray`` whose fields are attributes too (``r.age`` is
``r['age']``; a structured field stays a recarray, others are plain arrays, as in NumPy), and
whose repr is NumPy's ``rec.array(...)``. ``array``, ``fromarrays``, ``fromrecords``,
``fromstring`` and ``fromfile`` build the record array with NumPy's function (dnp arguments
read on the host) and hand it back as a dnp ``recarray`` sharing that memory. ``record``,
``format_parser`` and ``find_duplicate`` are NumPy's.
"""

from __future__ import annotations

import numpy
import numpy.rec as _np_rec
from numpy.rec import find_duplicate, format_parser, record

from ._ndarray import ndarray
from ._on_host import on_host

__all__ = [
    "array",
    "find_duplicate",
    "format_parser",
    "fromarrays",
    "fromfile",
    "fromrecords",
    "fromstring",
    "recarray",
    "record",
]
_OWN = frozenset(("_buf", "_device", "_ag"))


class recarray(ndarray):  # noqa: N801  # NumPy's name
    """A structured dnp array whose fields are also attributes. See `numpy.recarray`."""

    __module__ = "dnp.rec"

    def __getattr__(self, name: str):
        names = self.dtype.names  # only asked for names normal lookup does not find
        if name.startswith("_") or not names or name not in names:
            raise AttributeError(f"recarray has no attribute {name!r}")
        field = self[name]
        return field if field.dtype.names else field.view(ndarray)

    def __setattr__(self, name: str, value) -> None:
        names = None if name in _OWN else self.dtype.names
        if names and name in names:
            self[name] = value
        else:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return repr(self.asnumpy().view(numpy.recarray))


array = on_host(_np_rec.array, __name__)
fromarrays = on_host(_np_rec.fromarrays, __name__)
fromrecords = on_host(_np_rec.fromrecords, __name__)
fromstring = on_host(_np_rec.fromstring, __name__)
fromfile = on_host(_np_rec.fromfile, __name__)
