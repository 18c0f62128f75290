"""Devices and their array modules: NumPy on ``cpu``, CuPy on ``gpu:N``.

Everything above this module is backend-agnostic: an op's forward receives ``xp`` (``numpy`` or
``cupy``) and backend arrays. CuPy is imported only when a GPU device is first asked for, so
``import dnp`` never needs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator

import numpy

GPU_HINT = "install the GPU extra (pip install 'dnp[gpu]') on a machine with a CUDA GPU"


class Device:
    """One place arrays live: ``Device('cpu')`` or ``Device('gpu:0')``.

    Devices are singletons, so ``a.device == b.device`` is an identity test.
    """

    __slots__ = ("kind", "index", "xp", "name")

    kind: str
    index: int
    name: str

    def __new__(cls, spec: str | Device = "cpu") -> Device:
        return get_device(spec)

    @classmethod
    def _make(cls, kind: str, index: int, xp) -> Device:
        self = object.__new__(cls)
        self.kind, self.index, self.xp = kind, index, xp
        self.name = "cpu" if kind == "cpu" else f"gpu:{index}"
        return self

    def __repr__(self) -> str:
        return f"Device('{self.name}')"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                return get_device(other) is self
            except (ValueError, RuntimeError):
                return False
        return self is other

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return (get_device, (self.name,))

    def activate(self):
        """Context in which backend calls run on this device (a no-op on cpu)."""
        if self.kind == "cpu":
            return contextlib.nullcontext()
        return self.xp.cuda.Device(self.index)

    def asnumpy(self, buf):
        """A NumPy array holding ``buf`` (a copy off the GPU; ``buf`` itself on cpu)."""
        return buf if self.kind == "cpu" else self.xp.asnumpy(buf)

    def from_host(self, obj, dtype=None):
        """``obj`` (anything ``numpy.asarray`` takes) as a buffer on this device."""
        if self.kind == "cpu":
            return numpy.asarray(obj, dtype=dtype)
        with self.activate():
            return self.xp.asarray(obj, dtype=dtype)


CPU = Device._make("cpu", 0, numpy)


@functools.cache
def _cupy():
    try:
        import cupy
    except ImportError as exc:
        raise RuntimeError(
            f"dnp has no GPU backend here: CuPy is not installed; {GPU_HINT}"
        ) from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises its own CUDARuntimeError when no driver is present
        raise RuntimeError(
            f"dnp has no GPU backend here: CuPy finds no CUDA GPU; {GPU_HINT}"
        ) from exc
    if count == 0:
        raise RuntimeError(f"dnp has no GPU backend here: CuPy finds no CUDA GPU; {GPU_HINT}")
    return cupy, count


@functools.cache
def _gpu(index: int) -> Device:
    cupy, count = _cupy()
    if not 0 <= index < count:
        raise ValueError(f"device 'gpu:{index}' does not exist: this machine has {count} GPU(s)")
    return Device._make("gpu", index, cupy)


def get_device(spec: str | Device | None = None) -> Device:
    """The Device named by ``spec`` ('cpu', 'gpu', 'gpu:N', 'cuda:N'); None gives the default."""
    if spec is None:
        return _default.get()
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"device must be a str or dnp.Device, not {type(spec).__name__}")
    kind, _, index = spec.strip().lower().partition(":")
    if kind == "cpu" and index in ("", "0"):
        return CPU
    if kind in ("gpu", "cuda"):
        if index and not index.isdigit():
            raise ValueError(f"bad device {spec!r}: expected 'gpu' or 'gpu:N'")
        return _gpu(int(index or 0))
    raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'gpu' or 'gpu:N'")


def gpu_available() -> bool:
    """Whether CuPy is installed and sees at least one GPU."""
    try:
        _cupy()
    except RuntimeError:
        return False
    return True


def devices() -> list[Device]:
    """Every device present: cpu, then each GPU CuPy sees."""
    if not gpu_available():
        return [CPU]
    return [CPU] + [_gpu(i) for i in range(_cupy()[1])]


_default: contextvars.ContextVar[Device] = contextvars.ContextVar("dnp_default_device", default=CPU)


def device_of_buffer(buf) -> Device:
    """The Device a backend buffer lives on."""
    if isinstance(buf, numpy.ndarray):
        return CPU
    return _gpu(buf.device.id)


@contextlib.contextmanager
def default_device(spec: str | Device) -> Iterator[Device]:
    """Make ``spec`` the device new arrays are created on, inside a ``with`` block."""
    token = _default.set(get_device(spec))
    try:
        yield _default.get()
    finally:
        _default.reset(token)


def set_default_device(spec: str | Device) -> None:
    """Make ``spec`` the device new arrays are created on (in this context/thread)."""
    _default.set(get_device(spec))
