"""NumPy's polynomial functions on dnp arrays, through the host.

Coefficient series are short: adding, multiplying, dividing, integrating, differentiating and
finding roots of them, and fitting them (a least-squares solve with as many unknowns as
coefficients), run on NumPy, through dnp's host round trip (``dnp/_on_host.py``: results on the
device of the first dnp array argument). What is worth running where the data
is, evaluating a series at many points, is written with dnp functions (``_values.py``).
"""

from __future__ import annotations

import numpy

import dnp

from .._on_host import on_host


def mirror(np_module, module_name: str, native: dict) -> dict:
    """Every public name of NumPy's ``np_module``: ``native`` ones as given, its functions
    through ``on_host``, its constants (domains, series) as dnp arrays."""
    names = {}
    for name in dir(np_module):
        if name.startswith("_") or name == "ABCPolyBase":
            continue
        obj = getattr(np_module, name)
        if name in native:
            names[name] = native[name]
        elif isinstance(obj, numpy.ndarray):
            names[name] = dnp.asarray(obj)
        elif callable(obj) and not isinstance(obj, type):
            names[name] = on_host(obj, module_name)
    return names
