"""``dnp.ndarray``: an array whose buffer lives on a device.

This module holds what the array *is* (its buffer, device and metadata), its sync points
(conversions that hand the values to Python or another library) and its autograd methods. Every
method and operator that computes is generated from the op table (``dnp/_namespace.py``), so each
is defined once, as a row. What the array reaches above this layer (the tape, ``dnp.array_api``)
it reaches through seams that those modules set when they are imported (below).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import numpy

from ._backend import CPU, Device, get_device
from ._engine import _gpu
from ._engine._threaded import wait
from ._engine._vars import VARS, owner_of

# Object arrays hold Python objects, not data a device can compute on: dnp arrays never do.
UNSUPPORTED_KINDS = frozenset("OT")
# Datetimes, timedeltas, strings, bytes and structured (void) arrays: on the CPU, as NumPy holds
# them (no gradient: they are not floating); not on a GPU, where CuPy has no such dtypes.
HOST_ONLY_KINDS = frozenset("MmSUV")


class _Traces(threading.local):
    """The trace this thread records (``dnp._jit``), or None."""

    tracer: Any = None


TRACES = _Traces()

# The tape's seams (set by dnp._tape, which sits above this module, when it is imported): the
# functions behind ``attach_grad``, ``grad`` and ``backward``. MARK_VARIABLES(variables,
# grad_reqs=...) makes arrays leaves; LEAF_GRAD(record) is the gradient a leaf's record holds
# (None for other records); BACKWARD(heads, head_grads, retain_graph, train_mode) runs the tape.
MARK_VARIABLES: Callable | None = None
LEAF_GRAD: Callable | None = None
BACKWARD: Callable | None = None
# The Array API seam (set by the dnp package when it is imported): ARRAY_NAMESPACE(api_version)
# is ``dnp.array_api``, what ``__array_namespace__`` returns, or raises for an unknown version.
ARRAY_NAMESPACE: Callable | None = None


def unsupported_dtype(dtype: numpy.dtype) -> TypeError:
    return TypeError(
        f"dnp arrays hold no Python objects; dtype {dtype} (kind {dtype.kind!r}) is not "
        "supported: use NumPy for object arrays"
    )


def host_only_dtype(dtype: numpy.dtype, device) -> TypeError:
    """The error for a datetime, string or structured array on a GPU (CuPy's rule)."""
    return TypeError(
        f"dtype {dtype} (kind {dtype.kind!r}) is supported on the CPU only, not on {device}: "
        "a GPU array (CuPy) holds numbers and booleans"
    )


class ndarray:
    """An N-dimensional array on a device. See `numpy.ndarray`.

    ``ndarray(shape, dtype=float, *, device=None)`` makes an uninitialized array, as NumPy does;
    the usual way to make one is ``dnp.array``/``dnp.asarray``/``dnp.zeros``.
    """

    # _ag: the tape's record of this array (None: no gradient flows through it); see _tape.py
    __slots__ = ("_buf", "_device", "_ag", "__weakref__")
    __module__ = "dnp"
    __array_priority__ = 100.0
    __hash__ = None  # type: ignore[assignment]  # mutable, like numpy.ndarray

    _buf: Any
    _device: Device

    def __new__(cls, shape=(), dtype=float, *, device=None) -> ndarray:
        dev = get_device(device)
        with dev.activate():
            arr = _new(dev.xp.empty(shape, dtype), dev)
        return arr if cls is ndarray else as_subclass(arr, cls, None)

    def __array_finalize__(self, obj) -> None:
        """Called on each new instance of a subclass, with the array it came from (None from
        the constructor), as NumPy calls it: subclasses set their attributes here."""

    # --- metadata: known at once, without waiting for the data --------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._buf.shape

    @shape.setter
    def shape(self, value) -> None:
        self._ready().shape = value  # pending work holds this buffer object: let it finish

    @property
    def dtype(self) -> numpy.dtype:
        return self._buf.dtype

    @property
    def ndim(self) -> int:
        return self._buf.ndim

    @property
    def size(self) -> int:
        return self._buf.size

    @property
    def itemsize(self) -> int:
        return self._buf.itemsize

    @property
    def nbytes(self) -> int:
        return self._buf.nbytes

    @property
    def strides(self) -> tuple[int, ...]:
        return self._buf.strides

    @property
    def device(self) -> Device:
        return self._device

    @property
    def flags(self):
        return self._buf.flags

    @property
    def base(self) -> ndarray | None:
        base = self._buf.base
        return None if base is None else _new(base, self._device)

    @property
    def data(self):
        return self._ready().data

    def __len__(self) -> int:
        if not self._buf.ndim:
            raise TypeError("len() of unsized object")
        return self._buf.shape[0]

    def __iter__(self):
        if not self._buf.ndim:
            raise TypeError("iteration over a 0-d array")
        for i in range(self._buf.shape[0]):
            yield self[i]

    # --- sync points: the values leave dnp ------------------------------------------------------
    def _ready(self):
        """The buffer, once no op on its memory is pending (raises an op's stored error)."""
        buf = self._buf
        tracer = TRACES.tracer
        if tracer is not None:  # a value read while tracing: the trace cannot stand for f
            tracer.read_back()
        if VARS:
            wait(owner_of(buf))
        if self._device is not CPU and _gpu.DEVICES:
            _gpu.wait(owner_of(buf), self._device)
        return buf

    def asnumpy(self) -> numpy.ndarray:
        """The values as a NumPy array (a copy off the GPU; the buffer itself on cpu)."""
        return self._device.asnumpy(self._ready())

    get = asnumpy  # CuPy's name

    def wait_to_read(self) -> None:
        """Block until the array's value is computed; raise the error of an op that failed."""
        self._ready()

    def __array__(self, dtype=None, copy=None) -> numpy.ndarray:
        host = self.asnumpy()
        if copy is False and self._device is not CPU:
            raise ValueError("a GPU array cannot be viewed as a NumPy array without a copy")
        if dtype is not None and dtype != host.dtype:
            if copy is False:
                raise ValueError("converting the dtype needs a copy, but copy=False was given")
            return host.astype(dtype)
        return host.copy() if copy else host

    def item(self, *args):
        return self._ready().item(*args)

    def tolist(self):
        return self._ready().tolist()

    def tobytes(self, order="C") -> bytes:
        return self.asnumpy().tobytes(order)

    def tofile(self, fid, sep="", format="%s") -> None:  # noqa: A002  # NumPy's parameter name
        self.asnumpy().tofile(fid, sep, format)

    def __bool__(self) -> bool:
        return bool(self._ready())

    def __int__(self) -> int:
        return int(self._ready())

    def __float__(self) -> float:
        return float(self._ready())

    def __complex__(self) -> complex:
        return complex(self._ready())

    def __round__(self, ndigits=None):
        if self._buf.ndim:
            raise TypeError("type dnp.ndarray doesn't define __round__ method (use dnp.round)")
        return round(self._ready().item(), ndigits)

    def __index__(self) -> int:
        return self._ready().__index__()

    def __repr__(self) -> str:
        host = self.asnumpy()
        if type(self) is not ndarray:  # a subclass: NumPy shows (and indents by) its name
            host = host.view(_named_like(type(self).__name__))
        text = repr(host)
        if self._device is CPU:
            return text
        return f"{text[:-1]}, device='{self._device.name}')"

    def __str__(self) -> str:
        return str(self.asnumpy())

    def __format__(self, spec: str) -> str:
        return format(self.asnumpy(), spec)

    def __reduce__(self):
        return (_from_host, (self.asnumpy(), self._device.name))

    def __copy__(self) -> ndarray:
        return self.copy()

    def __deepcopy__(self, memo) -> ndarray:
        return self.copy()

    # --- interop ---------------------------------------------------------------------------------
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        kwargs = {"stream": stream}
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        return self._ready().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._buf.__dlpack_device__()

    def __array_namespace__(self, *, api_version: str | None = None):
        """``dnp.array_api``: dnp with the standard's ``eig``, ``argsort`` and ``clip``."""
        return ARRAY_NAMESPACE(api_version)

    def to_device(self, device, /, *, stream=None) -> ndarray:
        """This array on ``device`` (itself when already there)."""
        dev = get_device(device)
        if dev is self._device:
            return self
        if dev is not CPU and self.dtype.kind in HOST_ONLY_KINDS:
            raise host_only_dtype(self.dtype, dev)
        with dev.activate():
            return _new(dev.from_host(self.asnumpy()), dev)

    # --- autograd (the tape: dnp/_tape.py) -------------------------------------------------------
    def attach_grad(self, grad_req: str = "write", stype=None) -> None:
        """Make this array a leaf whose gradient ``backward`` computes into ``.grad``."""
        MARK_VARIABLES([self], grad_reqs=grad_req)

    @property
    def grad(self) -> ndarray | None:
        """The gradient ``backward`` computed for this leaf (``attach_grad``); None for other
        arrays."""
        return LEAF_GRAD(self._ag)

    def detach(self) -> ndarray:
        """The same values, cut from the tape."""
        return _new(self._buf, self._device)

    def backward(self, head_grad=None, retain_graph: bool = False, train_mode: bool = True) -> None:
        """Compute the gradients of this array into the ``.grad`` of every leaf it depends on
        (``autograd.backward``)."""
        BACKWARD([self], None if head_grad is None else [head_grad], retain_graph, train_mode)


def to_host(obj, convert=None):
    """``obj`` with every dnp array in it (also inside lists, tuples and dicts) as a NumPy array:
    its values (``asnumpy``: a sync point; a copy from a GPU), or ``convert(array)``."""
    if isinstance(obj, ndarray):
        return obj.asnumpy() if convert is None else convert(obj)
    if type(obj) in (list, tuple):
        return type(obj)(to_host(x, convert) for x in obj)
    if type(obj) is dict:
        return {key: to_host(value, convert) for key, value in obj.items()}
    return obj


@functools.cache
def _named_like(name: str) -> type:
    """A NumPy subclass named ``name``: NumPy's repr of a subclass instance starts with it."""
    return type(name, (numpy.ndarray,), {})


def as_subclass(arr: ndarray, cls: type, source) -> ndarray:
    """``arr`` as an instance of ``cls`` (``ndarray`` or a subclass), sharing its buffer and its
    autograd record, after ``cls.__array_finalize__(source)``: what NumPy gives for a view
    (``a.view(cls)``) and for results computed from an instance of a subclass."""
    obj = object.__new__(cls)
    obj._buf, obj._device, obj._ag = arr._buf, arr._device, arr._ag
    if cls is not ndarray:
        obj.__array_finalize__(source)
    return obj


def _new(buf, device: Device) -> ndarray:
    """Wrap backend buffer ``buf`` (already on ``device``) without copying."""
    obj = object.__new__(ndarray)
    obj._buf = buf
    obj._device = device
    obj._ag = None
    return obj


def _from_host(host: numpy.ndarray, device: str) -> ndarray:
    dev = get_device(device)
    if dev is not CPU and host.dtype.kind in HOST_ONLY_KINDS:
        raise host_only_dtype(host.dtype, dev)
    return _new(dev.from_host(host), dev)
