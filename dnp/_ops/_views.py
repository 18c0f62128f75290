"""The view ops, and for each, which calls make a view of an input without reading its data.

The executor runs a view op at once even on inputs that pending ops write, since making a view
reads no data (``dnp/_execute.py``). Whether a call makes a view follows from its arguments'
metadata, but not for every call of these ops: ``a[m]`` with a boolean mask copies what the mask
selects, ``reshape`` copies a non-contiguous array, ``astype`` copies by default. Such a call run
on pending memory reads it while a worker writes it: a mask counted before a worker rewrote it
and read after made NumPy write past the end of its result (heap corruption, issue 15).

So each view op's row names a rule here (its ``view`` field), ``rule(args, kwargs)`` on the
call's backend arguments:
``True``: a view of the first argument (or of all, ``of_all``), made from metadata alone;
``False``: a copy (the executor pushes it like any other op); ``None``: it depends on more than
the rule looks at (the executor waits for the inputs, then runs it as NumPy would).
"""

from __future__ import annotations

import numpy


def of_first(args, kwargs) -> bool | None:
    """A view of the first argument, unless another argument is an array (NumPy would read its
    values: an axis, a shape, split indices)."""
    for a in args[1:]:
        if isinstance(a, numpy.ndarray):
            return None
    for a in kwargs.values():
        if isinstance(a, numpy.ndarray):
            return None
    return isinstance(args[0], numpy.ndarray) or None


def of_all(args, kwargs) -> bool | None:
    """Views of every argument (``broadcast_arrays``)."""
    return all(isinstance(a, numpy.ndarray) for a in args) and not kwargs or None


def meshgrid(args, kwargs) -> bool | None:
    if kwargs.get("copy", True):
        return False
    return of_all(args, {k: v for k, v in kwargs.items() if k != "copy"})


def diag(args, kwargs) -> bool | None:
    """A 2-D input's diagonal is a view; a 1-D one makes a new matrix."""
    view = of_first(args, kwargs)
    return view and args[0].ndim == 2


def imag(args, kwargs) -> bool | None:
    """A complex array's imaginary part is a view; a real array's is a new array of zeros."""
    view = of_first(args, kwargs)
    return view and args[0].dtype.kind == "c"


_INDEX_SCALARS = (int, numpy.integer)


def getitem(args, kwargs) -> bool | None:
    """Basic indexing (integers, slices, None, Ellipsis) makes a view, unless integers pick one
    element (a scalar); arrays, lists and booleans are advanced indexing: a copy. An integer
    read from an array's value (a 0-d index, a slice's bound) leaves it to NumPy."""
    a, key = args
    items = key if type(key) is tuple else (key,)
    ints, marker, advanced = 0, False, False
    for k in items:
        if k is None or k is Ellipsis:
            marker = True
        elif type(k) is slice:
            for bound in (k.start, k.stop, k.step):
                if bound is not None and not _is_int(bound):
                    return None
        elif _is_int(k):
            ints += 1
        elif isinstance(k, numpy.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            return None
        else:
            advanced = True
    return False if advanced else marker or ints < a.ndim


def _is_int(k) -> bool:
    return isinstance(k, _INDEX_SCALARS) and not isinstance(k, (bool, numpy.bool_))


def _same_dtype(a, dtype) -> bool:
    if dtype is None:
        return True
    try:
        return numpy.dtype(dtype) == a.dtype
    except TypeError:
        return False


def _in_order(a, order) -> bool:
    """Whether ``a`` is laid out as ``order`` asks (None, 'K' and 'A' take it as it is)."""
    if order in (None, "K", "A", "k", "a"):
        return True
    if order in ("C", "c"):
        return a.flags.c_contiguous
    if order in ("F", "f"):
        return a.flags.f_contiguous
    return False


def _converted(a, dtype, order, copy) -> bool | None:
    """``asarray``'s rule: no copy when the dtype and memory order already match."""
    if not isinstance(a, numpy.ndarray):
        return False  # a list of arrays: NumPy copies them into a new array
    if copy:
        return False
    return (_same_dtype(a, dtype) and _in_order(a, order)) or None


def array(args, kwargs) -> bool | None:
    dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
    return _converted(args[0], dtype, kwargs.get("order", "K"), kwargs.get("copy", True))


def asarray(args, kwargs) -> bool | None:
    dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
    order = args[2] if len(args) > 2 else kwargs.get("order")
    return _converted(args[0], dtype, order, kwargs.get("copy"))


def contiguous(order: str):
    def rule(args, kwargs) -> bool | None:
        dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
        return _converted(args[0], dtype, order, False)

    return rule


def require(args, kwargs) -> bool | None:
    dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
    requirements = args[2] if len(args) > 2 else kwargs.get("requirements")
    return None if requirements else _converted(args[0], dtype, None, False)


def astype(args, kwargs) -> bool | None:
    """``astype(x, dtype, copy=True)``: a copy unless ``copy=False`` and the dtype is x's."""
    if kwargs.get("copy", True):
        return False
    return _same_dtype(args[0], args[1] if len(args) > 1 else kwargs.get("dtype")) or False


def astype_method(args, kwargs) -> bool | None:
    """``a.astype(dtype, order='K', casting='unsafe', subok=True, copy=True)``."""
    copy = args[5] if len(args) > 5 else kwargs.get("copy", True)
    if copy:
        return False
    order = args[2] if len(args) > 2 else kwargs.get("order", "K")
    dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
    return (_same_dtype(args[0], dtype) and _in_order(args[0], order)) or None


def _reshaped(a, shape, order, copy) -> bool | None:
    """A contiguous array reshaped in its own order is a view; otherwise it may be a copy."""
    if copy:
        return False
    if isinstance(shape, numpy.ndarray) or (
        type(shape) in (tuple, list) and any(isinstance(n, numpy.ndarray) for n in shape)
    ):
        return None  # NumPy reads the shape from the array's values
    if order in ("C", "c"):
        return a.flags.c_contiguous or None
    if order in ("F", "f"):
        return a.flags.f_contiguous or None
    return None


def reshape(args, kwargs) -> bool | None:
    shape = args[1] if len(args) > 1 else kwargs.get("shape", kwargs.get("newshape"))
    order = args[2] if len(args) > 2 else kwargs.get("order", "C")
    return _reshaped(args[0], shape, order, kwargs.get("copy"))


def reshape_method(args, kwargs) -> bool | None:
    return _reshaped(args[0], args[1:], kwargs.get("order", "C"), kwargs.get("copy"))


def ravel(args, kwargs) -> bool | None:
    a = args[0]
    order = args[1] if len(args) > 1 else kwargs.get("order", "C")
    if a.flags.c_contiguous and order in ("C", "K", "A", "c", "k", "a"):
        return True
    if a.flags.f_contiguous and order in ("F", "K", "A", "f", "k", "a"):
        return True
    return None
