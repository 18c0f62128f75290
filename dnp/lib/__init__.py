"""``dnp.lib``: NumPy's ``numpy.lib``.

- ``stride_tricks``: ``as_strided`` and ``sliding_window_view``, views of dnp arrays on any
  device, with gradients (rows ``lib.stride_tricks.*`` of the op table);
- ``array_utils``: ``normalize_axis_index``, ``normalize_axis_tuple`` (NumPy's: they read no
  array) and ``byte_bounds`` (of a dnp array's memory);
- ``scimath``: ``dnp.emath``;
- ``recfunctions``: NumPy's structured-array helpers on dnp arrays (loaded on first use: it loads
  ``numpy.ma``);
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
    "recfunctions",
    "scimath",
    "stride_tricks",
    "tracemalloc_domain",
]


def __getattr__(name: str):
    if name == "recfunctions":
        import importlib

        return importlib.import_module("dnp.lib.recfunctions")
    raise AttributeError(f"module 'dnp.lib' has no attribute {name!r}")
