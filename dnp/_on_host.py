"""NumPy's functions run on the host for dnp: the round trip, written once.

Where NumPy's own Python code does the work (file readers and writers, polynomial coefficient
series, masked arrays, record arrays, structured-array helpers), dnp hands it the host values
of its dnp arrays (``to_host``: a sync point; a copy from a GPU) and takes its results back
(``from_host``). ``on_host(fn)`` is the two around one function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy

from ._dispatch import arrays_in, is_masked_array
from ._ndarray import to_host


def from_host(result: Any, device=None) -> Any:
    """NumPy's arrays and scalars in ``result`` (also inside lists and tuples) as dnp arrays on
    ``device`` (default: the default device); NumPy's record arrays as ``dnp.rec.recarray``;
    masked arrays stay NumPy's (their mask is their meaning: see ``dnp.ma``); other values as
    they are."""
    import dnp  # the top of the package: this module serves its modules at call time

    if is_masked_array(result):
        return result
    if isinstance(result, numpy.recarray):
        return dnp.asarray(result.view(numpy.ndarray), device=device).view(dnp.rec.recarray)
    if isinstance(result, (numpy.ndarray, numpy.generic)):  # NumPy's scalars: dnp's 0-d arrays
        return dnp.asarray(result, device=device)
    if type(result) is list:
        return [from_host(r, device) for r in result]
    if isinstance(result, tuple):
        items = [from_host(r, device) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    return result


def on_host(fn: Callable, module: str, convert: Callable | None = None) -> Callable:
    """``fn`` (NumPy's) taking and giving dnp arrays: run on the host values of its dnp array
    arguments (or ``convert(array)``: ``to_host``), its results back on the device of the first
    of them (``from_host``). ``module`` names where it is exported."""

    @functools.wraps(fn)
    def function(*args, **kwargs):
        found = arrays_in((args, tuple(kwargs.values())))
        device = found[0].device if found else None
        result = fn(*to_host(args, convert), **to_host(kwargs, convert))
        return from_host(result, device)

    function.__module__ = module
    return function
