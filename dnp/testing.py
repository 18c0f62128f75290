"""``dnp.testing``: NumPy's testing helpers, for dnp arrays.

Every public name of `numpy.testing` is here. The assertions see dnp arrays in their arguments
(also inside lists, tuples and dicts) as NumPy arrays, so ``assert_allclose(dnp_result, expected)``
compares values exactly as NumPy does. Helpers that call a function with the arguments given
(``assert_raises(ValueError, f, x)``) pass them on unchanged: ``f`` expects dnp arrays.
"""

import functools
import inspect

import numpy.testing as _nt

from ._ndarray import to_host

# They call a function (or run a block) with the arguments: those must stay dnp arrays.
CALLERS = frozenset(
    "assert_raises assert_raises_regex assert_warns assert_no_warnings assert_no_gc_cycles "
    "run_threaded".split()
)


def _on_host(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True  # pytest shows the failing assertion, not this wrapper
        return fn(*to_host(args), **to_host(kwargs))

    wrapper.__module__ = __name__
    return wrapper


def _export(name: str):
    obj = getattr(_nt, name)
    if name in CALLERS or not inspect.isfunction(obj):
        return obj  # classes, constants, and the helpers that call back into dnp code
    return _on_host(obj)


__all__ = list(_nt.__all__)
globals().update({name: _export(name) for name in __all__})
