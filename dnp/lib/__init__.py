"""``dnp.lib``: NumPy's ``numpy.lib``.

- ``stride_tricks``: ``as_strided`` and ``sliding_window_view``, views of dnp arrays on any
  device, with gradients (rows ``lib.stride_tricks.*`` of the op table);
- ``array_utils``: ``normalize_axis_index``, ``normalize_axis_tuple`` (NumPy's: they read no
  array) and ``byte_bounds`` (of a dnp array's memory);
- ``scimath``: ``dnp.emath``;
- NumPy's own objects, which read no array data or take dnp arrays through NumPy's protocols:
  ``NumpyVersion``, ``Arrayterator`` (its blocks of a dnp array are dnp arrays), ``mixins``,
  ``format``, ``npyio``, ``introspect``, ``add_docstring``, ``add_newdoc``,
  ``tracemalloc_domain``.
"""

from numpy.lib import (
    Arrayterator,
    NumpyVersion,
    add_docstring,
    add_newdoc,
    format,  # noqa: A004  # NumPy's name
    introspect,
    mixins,
    npyio,
    tracemalloc_domain,
)

from .. import emath as scimath
from . import array_utils, stride_tricks

__all__ = [
    "Arrayterator",
    "NumpyVersion",
    "add_docstring",
    "add_newdoc",
    "array_utils",
    "format",
    "introspect",
    "mixins",
    "npyio",
    "scimath",
    "stride_tricks",
    "tracemalloc_domain",
]
