"""NumPy's polynomial functions on dnp arrays, through the host.

Coefficient series are short: adding, multiplying, dividing, integrating, differentiating and
finding roots of them, and fitting them (a least-squares solve with as many unknowns as
coefficients), run on NumPy. ``on_host(fn)`` hands NumPy the host values of dnp arrays (a sync
point; a copy from a GPU) and gives array results back as dnp arrays on the device of the first
dnp array argument (the default device if there is none). What is worth running where the data
is, evaluating a series at many points, is written with dnp functions (``_values.py``).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy

import dnp


def _to_host(x, devices: list) -> Any:
    if isinstance(x, dnp.ndarray):
        devices.append(x.device)
        return x.asnumpy()
    if isinstance(x, list):
        return [_to_host(v, devices) for v in x]
    if isinstance(x, tuple):
        return tuple(_to_host(v, devices) for v in x)
    return x


def _to_device(x, device) -> Any:
    if isinstance(x, (numpy.ndarray, numpy.generic)):  # NumPy's scalars are dnp's 0-d arrays
        return dnp.asarray(x, device=device)
    if isinstance(x, list):
        return [_to_device(v, device) for v in x]
    if isinstance(x, tuple):
        items = [_to_device(v, device) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    return x


def on_host(fn):
    """``fn`` (a NumPy function) taking and giving dnp arrays, run on host copies."""

    @functools.wraps(fn)
    def function(*args, **kwargs):
        devices: list = []
        host_args = _to_host(args, devices)
        host_kwargs = {k: _to_host(v, devices) for k, v in kwargs.items()}
        return _to_device(fn(*host_args, **host_kwargs), devices[0] if devices else None)

    function.__module__ = None  # set by the module that exports it
    return function


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
            wrapped = on_host(obj)
            wrapped.__module__ = module_name
            names[name] = wrapped
    return names
