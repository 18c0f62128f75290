"""String routines: ``numpy.strings`` and the legacy ``numpy.char``, as rows named
``strings.<name>`` and ``char.<name>``.

String arrays live on the CPU (CuPy has no string dtypes), so each row is NumPy's function.
Their results' itemsizes often depend on the data (``replace``, ``add``, ``center`` with a
wide fill), so no row has a metadata rule: each runs at the call, after what it reads is
ready. None carries a gradient. Left out (``dnp/coverage.py`` says why): ``char.split``,
``char.rsplit`` and ``char.splitlines`` (their results are object arrays) and the legacy
``chararray`` class with ``char.array``/``char.asarray``.
"""

import inspect

import numpy

from ._row import Op

_OBJECT_RESULTS = {"split", "rsplit", "splitlines"}  # lists in object arrays
_CHARARRAY = {"array", "asarray", "chararray"}  # NumPy's legacy string subclass


def _public(module) -> list[str]:
    return sorted(
        name
        for name in dir(module)
        if not name.startswith("_")
        and callable(getattr(module, name))
        and not inspect.isclass(getattr(module, name))
    )


ROWS = [Op(f"strings.{name}", meta=None, differentiable=False) for name in _public(numpy.strings)]
ROWS += [
    Op(f"char.{name}", meta=None, differentiable=False)
    for name in _public(numpy.char)
    if name not in _OBJECT_RESULTS | _CHARARRAY
]
