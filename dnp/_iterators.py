"""NumPy's iterators over dnp arrays: ``ndenumerate``, ``nditer``, ``nested_iters``.

They walk memory element by element in Python, which only makes sense on the host. On the CPU
``nditer`` and ``nested_iters`` iterate the dnp arrays' own memory, once the ops pending on it
have finished, so writes through them (``op_flags=['readwrite']``) land in the dnp arrays; a GPU
array raises TypeError (copy it with ``asnumpy()`` first). ``ndenumerate`` reads the values
once, on the host (a sync point; a copy from a GPU), and yields NumPy scalars, as NumPy's does.
"""

from __future__ import annotations

import numpy

from ._backend import CPU
from ._dispatch import VERSIONS
from ._engine._vars import owner_of
from ._ndarray import ndarray


class ndenumerate:  # noqa: N801  # NumPy's name
    """``(index, value)`` for every element of ``arr``, in C order. See `numpy.ndenumerate`."""

    __module__ = "dnp"

    def __init__(self, arr) -> None:
        host = arr.asnumpy() if isinstance(arr, ndarray) else numpy.asarray(arr)
        self._iter = numpy.ndenumerate(host)

    def __iter__(self) -> ndenumerate:
        return self

    def __next__(self):
        return next(self._iter)


def _host_memory(x, writes: bool):
    """A dnp array's own CPU buffer, once what is pending on it has finished (and, if it will be
    written, recorded as written for autograd's checks); other operands as they are."""
    if not isinstance(x, ndarray):
        return x
    if x.device is not CPU:
        raise TypeError(
            "nditer iterates host memory element by element: copy a GPU array with asnumpy() first"
        )
    buf = x._ready()
    if writes and VERSIONS.on:
        VERSIONS.bump(owner_of(buf))
    return buf


def _writes(op_flags, k: int) -> bool:
    flags = op_flags[k] if op_flags and isinstance(op_flags[0], (list, tuple)) else op_flags
    return bool(flags) and any(f in ("readwrite", "writeonly") for f in flags)


def nditer(op, flags=None, op_flags=None, *args, **kwargs) -> numpy.nditer:
    """NumPy's ``nditer`` over the dnp arrays' own memory (CPU). See `numpy.nditer`."""
    if isinstance(op, (list, tuple)):
        ops = [_host_memory(x, _writes(op_flags, k)) for k, x in enumerate(op)]
    else:
        ops = _host_memory(op, _writes(op_flags, 0))
    return numpy.nditer(ops, flags, op_flags, *args, **kwargs)


def nested_iters(op, axes, flags=None, op_flags=None, *args, **kwargs) -> tuple:
    """NumPy's ``nested_iters`` over the dnp arrays' own memory (CPU). See
    `numpy.nested_iters`."""
    ops = [_host_memory(x, _writes(op_flags, k)) for k, x in enumerate(op)]
    return numpy.nested_iters(ops, axes, flags, op_flags, *args, **kwargs)
