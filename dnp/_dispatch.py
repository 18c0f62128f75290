"""``dispatch(op, args, kwargs)``: the one door every dnp operation goes through.

1. Unwrap dnp arrays (also inside lists and tuples, and in ``out=``/``where=``) to backend buffers
   and pick the device: the inputs' device (they must agree, as in CuPy), else ``device=`` for
   creation ops, else the default device.
2. Run the row's forward on the device's backend module.
3. Wrap buffers in the result as dnp arrays; ``out=`` arrays come back as themselves.

This is the seam the executor plugs into (``ENGINE``, set by ``dnp/_execute.py``): on the
threaded engine, a CPU call on large inputs, or on inputs with pending ops, goes to ``ENGINE``,
which applies the readiness test (``_vars.must_wait``), makes the outputs from the row's metadata
rule and pushes the forward (or hands a call that need not wait back to run here); a GPU call
goes to ``GPU``, which launches it on one of the device's CUDA streams. Calls on small ready
inputs (the fast path below) and the naive engine run at once, in the calling thread (on a GPU,
on the current stream).
``CHECK_META`` (set by the test suite) runs every rule beside the op and fails loudly when the rule
disagrees with what the op produced, so the rules are exercised by every conformance test.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy

from ._backend import CPU, Device, get_device
from ._engine import _naive
from ._engine._cost import MEASURE_FROM, heavy, timed, work
from ._engine._settings import SETTINGS
from ._engine._vars import VARS, must_wait, owner_of
from ._meta import Meta, signature_of
from ._ndarray import (
    HOST_ONLY_KINDS,
    TRACES,
    UNSUPPORTED_KINDS,
    _new,
    as_subclass,
    host_only_dtype,
    ndarray,
    to_host,
    unsupported_dtype,
)

CHECK_META = False
# The executor's seam (set by dnp._execute): execute(op, xargs, xkwargs, known, written, plain)
# runs or pushes a call, or returns INLINE for dispatch to run it here.
ENGINE: Callable | None = None
INLINE = object()
# The GPU side of the executor (dnp._engine._gpu.push, set with ENGINE): push(kernel, xargs,
# xkwargs, reads, writes, device) runs a GPU op on the device's streams.
GPU: Callable | None = None
# The tape's seam (set by dnp._tape): while any thread records, calls go through TAPE.
RECORDING = 0
TAPE: Callable | None = None
# dnp.jit's seam: while any thread traces, its calls go to its tracer (``TRACES.tracer.call``).
TRACING = 0


class WriteEpochs:
    """When each buffer was last written in place, keyed by memory owner, once the tape is used.

    Every in-place write (``out=``, in-place operators, ``__setitem__``) takes the next epoch; a
    tape node remembers the epoch it was recorded at, and backward refuses a node whose saved
    arrays were written since. Recording costs one integer read per node; only writes pay for a
    dictionary entry. (NumPy arrays are unhashable: keyed by id, with a weakref to tell a reused
    id; entries of dead buffers are pruned as the dictionary grows.)
    """

    def __init__(self) -> None:
        self.on = False  # set by the tape when it first records
        self.epoch = 0
        self._last: dict[int, tuple[int, Any]] = {}
        self._prune_at = 1024

    def bump(self, *owners) -> None:
        """``owners`` were written (at one new epoch)."""
        self.epoch += 1
        last = self._last
        for owner in owners:
            entry = last.get(id(owner))
            if entry is not None and entry[1]() is owner:  # its weak reference, made before
                last[id(owner)] = (self.epoch, entry[1])
                continue
            try:
                ref = weakref.ref(owner)
            except TypeError:  # a foreign owner (bytes): dnp never writes into it
                continue
            last[id(owner)] = (self.epoch, ref)
        if len(self._last) > self._prune_at:
            self._last = {k: e for k, e in self._last.items() if e[1]() is not None}
            self._prune_at = 2 * len(self._last) + 1024

    def written_since(self, owner, epoch: int) -> bool:
        """Whether ``owner`` was written in place after ``epoch``."""
        if self.epoch <= epoch:
            return False
        entry = self._last.get(id(owner))
        return entry is not None and entry[0] > epoch and entry[1]() is owner


VERSIONS = WriteEpochs()
_SEQUENCES = (list, tuple)
_SCALARS = frozenset((int, float, complex, bool, slice, type(None), type(Ellipsis)))
_SMALL_NUMBERS = frozenset((int, float, complex, bool))
_SMALL = 1 << 16  # an int argument of a creation below this makes at most that many elements


class DeviceMismatch(ValueError):
    """Inputs of one op live on different devices."""


def _mismatch(op, a: Device, b: Device) -> DeviceMismatch:
    return DeviceMismatch(
        f"dnp.{op.name}: arrays on different devices ({a.name} and {b.name}); "
        "move them with .to_device() first"
    )


class _Unwrap:
    """Unwraps arguments and remembers the device they agree on.

    ``known`` holds the dnp arrays seen (inputs and ``out=``): when the op returns one of their
    buffers, as NumPy's ``asarray(x)`` or ``add(..., out=o)`` do, the caller gets that very array.
    """

    __slots__ = ("op", "device", "known")

    def __init__(self, op) -> None:
        self.op = op
        self.device: Device | None = None
        self.known: list[ndarray] = []

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, ndarray):
            dev = obj._device
            if self.device is None:
                self.device = dev
            elif dev is not self.device:
                if not self.op.creation:
                    raise _mismatch(self.op, self.device, dev)
                return obj.asnumpy()
            self.known.append(obj)
            return obj._buf
        if type(obj) in _SEQUENCES and obj and _holds_array(obj):
            return type(obj)(map(self, obj))
        return obj

    def kwargs(self, kwargs: dict) -> dict:
        out = kwargs.get("out")
        if out is not None:
            for o in out if type(out) is tuple else (out,):
                if o is not None and not isinstance(o, ndarray):
                    raise TypeError(
                        f"dnp.{self.op.name}: out= must be a dnp.ndarray, not {type(o).__name__}"
                    )
        return {k: self(v) for k, v in kwargs.items()}


def _holds_array(seq) -> bool:
    """Whether ``seq``, an op's argument, holds dnp arrays (in plain lists and tuples only, as
    NumPy reads array_likes: not ``dnp.tree``'s notion of a tree, and faster)."""
    for x in seq:  # noqa: SIM110  # a plain loop: this is on every call's path
        if isinstance(x, ndarray) or (type(x) in _SEQUENCES and _holds_array(x)):
            return True
    return False


def _wrap(res: Any, dev: Device, known: list[ndarray]) -> Any:
    if isinstance(res, (numpy.ndarray, numpy.generic)) or hasattr(res, "__cuda_array_interface__"):
        for o in known:
            if o._buf is res:
                return o
        if res.dtype.kind in UNSUPPORTED_KINDS:
            raise unsupported_dtype(res.dtype)
        if dev is not CPU and res.dtype.kind in HOST_ONLY_KINDS:
            raise host_only_dtype(res.dtype, dev)
        if type(res) is not numpy.ndarray and isinstance(res, numpy.generic):
            res = numpy.asarray(res) if dev is CPU else dev.xp.asarray(res)
        return _new(res, dev)
    if isinstance(res, tuple):
        items = [_wrap(r, dev, known) for r in res]
        return type(res)(*items) if hasattr(res, "_fields") else tuple(items)
    if type(res) is list:
        return [_wrap(r, dev, known) for r in res]
    return res


def dispatch(op, args: tuple, kwargs: dict) -> Any:
    """Run ``op`` on dnp (or plain) arguments; return dnp arrays. See the module docstring."""
    if RECORDING:
        return TAPE(op, args, kwargs)
    return run(op, args, kwargs)


def run(op, args: tuple, kwargs: dict) -> Any:
    """``dispatch`` without the tape (what the tape itself calls)."""
    if TRACING and TRACES.tracer is not None:
        return TRACES.tracer.call(op, args, kwargs)
    if (
        op.creation
        and not CHECK_META
        and (op.meta is None or _one_small_number(args, kwargs))
        and get_device(None) is CPU
    ):
        # A creation with nothing to wait for and too little work to push, made here, now: a
        # draw (or another creation whose result follows from its values) from plain values and
        # ready CPU arrays, or one from a single small Python number (asarray(2.0), zeros(4)).
        xargs = _ready_on_cpu(args, kwargs)
        if xargs is not None:
            if "device" in kwargs:  # device=None: the default
                kwargs = {k: v for k, v in kwargs.items() if k != "device"}
            fn = op.kernels.get(numpy) or op.kernel(numpy)
            return cpu_result(fn(*xargs, **kwargs) if kwargs else fn(*xargs), args)
    # Fast path (most calls): dnp arrays on one cpu device and scalars, keywords of plain values
    # (axis=, keepdims=, dtype=), no in-place write once the tape counts writes. A creation op
    # given a dnp array first (asarray(x), zeros_like(x)) makes its result on that array's
    # device, unless told otherwise (device=, like=); from nothing, on the default device.
    if not (
        (
            op.creation
            and (not args or type(args[0]) is not ndarray or "device" in kwargs or "like" in kwargs)
        )
        or CHECK_META
        or (kwargs and not _plain(kwargs))
        or (VERSIONS.on and may_write(op, args, kwargs) and written(op, args, kwargs))
    ):
        xargs = []
        size = 0
        busy = False
        arrays = listed = False
        for a in args:
            if type(a) is ndarray:
                if a._device is not CPU:
                    break
                arrays = True
                buf = a._buf
                if VARS and not busy:  # owner_of(buf), its common case inline
                    # Memory with a Var has ops pending (or an error): the engine decides, by the
                    # readiness test, whether the call waits or still runs here.
                    busy = id(buf if buf.base is None else owner_of(buf)) in VARS
                size += buf.size
                xargs.append(buf)
            elif type(a) in _SCALARS or _plain_value(a):
                xargs.append(a)
            elif type(a) is list and a and _cpu_arrays(a):  # concatenate([x, y])
                bufs = [x._buf for x in a]
                for b in bufs:
                    busy = busy or must_wait(VARS.get(id(owner_of(b))), False)
                    size += b.size
                xargs.append(bufs)
                arrays = listed = True
            else:
                break
        else:
            if not arrays:  # scalars alone: they go to the default device (_dispatch)
                return _dispatch(op, args, kwargs)
            # A view of ready memory does no work at any size: no need to ask the engine.
            if (
                (busy or (heavy(op, size, xargs) and op.view is None))
                and SETTINGS.threaded
                and ENGINE
            ):
                if listed:
                    known = arrays_in(args)
                else:
                    known = []
                    for a in args:  # a loop, not a comprehension: no extra frame (Python 3.11)
                        if type(a) is ndarray:
                            known.append(a)
                res = ENGINE(op, xargs, kwargs, known, written(op, args, kwargs), True)
                if type(res) is ndarray:  # pushed: its result, made by the engine
                    return res
                if res is not INLINE:
                    return _wrap(res, CPU, known)
            fn = op.kernels.get(numpy) or op.kernel(numpy)
            if size < MEASURE_FROM or op.view is not None:  # too small to tell; no work
                res = fn(*xargs, **kwargs) if kwargs else fn(*xargs)
            else:  # what an op costs decides when the engine pushes it (heavy)
                res = timed(op, work(op, size, xargs), fn, *xargs, **kwargs)
            if type(res) is numpy.ndarray and res.dtype.kind not in UNSUPPORTED_KINDS:
                for a in args:  # NumPy returns an input itself (asarray(x) is x): so does dnp
                    if type(a) is ndarray and a._buf is res:
                        return a
                return _new(res, CPU)
            if isinstance(res, numpy.generic) and res.dtype.kind not in UNSUPPORTED_KINDS:
                return _new(res.__array__(), CPU)  # NumPy's scalars are dnp's 0-d arrays
            return _wrap(res, CPU, [a for a in args if type(a) is ndarray])
    return _dispatch(op, args, kwargs)


def cpu_result(res: Any, args: tuple) -> Any:
    """A result NumPy computed on the CPU from ``args``, as dnp arrays."""
    if type(res) is numpy.ndarray and res.dtype.kind not in UNSUPPORTED_KINDS:
        return _new(res, CPU)
    return _wrap(res, CPU, [a for a in args if type(a) is ndarray])


def ready_now(args: tuple, kwargs: dict) -> list | None:
    """``args`` unwrapped (``_ready_on_cpu``) for a call that may run now, on NumPy, unseen by
    the tape and by ``dnp.jit`` (neither records, the default device is the CPU, no metadata
    checks); else None. How a draw skips dispatch (``dnp.random``)."""
    if RECORDING or CHECK_META or (TRACING and TRACES.tracer is not None):
        return None
    if get_device(None) is not CPU:
        return None
    return _ready_on_cpu(args, kwargs)


def _one_small_number(args: tuple, kwargs: dict) -> bool:
    """One Python number (an int below _SMALL: at most that many elements), or a short flat
    list of them (data or a shape: its ints' product below _SMALL), and at most a ``dtype=``."""
    if len(args) != 1:
        return False
    a = args[0]
    if type(a) is list and len(a) <= 64:
        product = 1
        for v in a:
            if type(v) not in _SMALL_NUMBERS:
                return False
            if type(v) is int:
                product *= abs(v)
        if product >= _SMALL:
            return False
    elif type(a) not in _SMALL_NUMBERS or type(a) is int and not -_SMALL < a < _SMALL:
        return False
    return not kwargs or (len(kwargs) == 1 and "dtype" in kwargs)


def _ready_on_cpu(args: tuple, kwargs: dict) -> list | None:
    """``args`` with their dnp arrays unwrapped, when those are CPU arrays with no work pending
    and the keywords hold no array, device, ``like=`` or ``out=``; else None."""
    if kwargs:
        if kwargs.get("device") is not None or "like" in kwargs or "out" in kwargs:
            return None
        for v in kwargs.values():
            if not _plain_value(v) and not _no_array(v):
                return None
    xargs = []
    for a in args:
        t = type(a)
        if t is ndarray:
            buf = a._buf
            if a._device is not CPU or (VARS and id(owner_of(buf)) in VARS):
                return None
            xargs.append(buf)
        elif t in _SCALARS or (t is tuple and _all_scalars(a)) or _no_array(a):
            xargs.append(a)
        else:
            return None
    return xargs


def _no_array(a) -> bool:
    """Whether an argument is free of dnp arrays (and is not a masked array)."""
    return not (
        isinstance(a, ndarray) or is_masked_array(a) or (type(a) in _SEQUENCES and _holds_array(a))
    )


def _plain(kwargs: dict) -> bool:
    """Whether keyword arguments hold only plain values (``_plain_value``)."""
    for v in kwargs.values():  # noqa: SIM110  # a plain loop: this is on every call's path
        if type(v) not in _SCALARS and not _plain_value(v):
            return False
    return True


def _plain_value(v) -> bool:
    """A value with nothing to unwrap or move: a number, string, None, slice, dtype, type, or a
    tuple of numbers."""
    t = type(v)
    return (
        t in _SCALARS
        or t is str
        or isinstance(v, (numpy.dtype, type))
        or (t is tuple and _all_scalars(v))
    )


def _cpu_arrays(items: list) -> bool:
    """Whether a list holds only dnp arrays on the CPU."""
    for x in items:  # noqa: SIM110  # a plain loop: this is on every call's path
        if type(x) is not ndarray or x._device is not CPU:
            return False
    return True


def _all_scalars(items: tuple) -> bool:
    for x in items:  # noqa: SIM110  # a plain loop: this is on every call's path
        if type(x) not in _SCALARS:
            return False
    return True


def _dispatch(op, args: tuple, kwargs: dict) -> Any:
    if any(map(is_masked_array, args)) or any(map(is_masked_array, kwargs.values())):
        return _on_masked(op, args, kwargs)
    unwrap = _Unwrap(op)
    xargs = [unwrap(a) for a in args]
    xkwargs = unwrap.kwargs(kwargs) if kwargs else kwargs
    dev = unwrap.device
    if op.creation:
        target = xkwargs.pop("device", None)
        xkwargs.pop("like", None)
        if target is not None or dev is None:
            dev = get_device(target)
    elif dev is None:
        dev = get_device(None)
    if dev is not CPU:  # NumPy arrays among the arguments are host data: move them, as CuPy won't
        mine = {id(a._buf) for a in unwrap.known}
        xargs = [unwrap_host(a, dev, mine) for a in xargs]
        xkwargs = {k: unwrap_host(v, dev, mine) for k, v in xkwargs.items()}
    meta = _meta_or_error(op, args, kwargs) if CHECK_META else None
    res = INLINE
    if dev is CPU and SETTINGS.threaded and ENGINE is not None:
        res = ENGINE(op, xargs, xkwargs, unwrap.known, written(op, args, kwargs), False)
    if res is not INLINE:
        pass  # pushed (or a view made at once)
    elif dev is CPU:
        if op.view is not None:  # no work to time
            res = op.kernel(numpy)(*xargs, **xkwargs)
        else:
            size = sum(a._buf.size for a in unwrap.known)
            res = timed(op, work(op, size, xargs), op.kernel(numpy), *xargs, **xkwargs)
    elif SETTINGS.threaded and GPU is not None:
        reads = [owner_of(a._buf) for a in unwrap.known]
        writes = [owner_of(a._buf) for a in written(op, args, kwargs)]
        res = GPU(op.kernel(dev.xp), xargs, xkwargs, reads, writes, dev)
    else:
        with dev.activate():
            res = _naive.push(op.kernel(dev.xp), xargs, xkwargs)
    out = _wrap(res, dev, unwrap.known)
    if any(type(a) is not ndarray for a in unwrap.known):
        out = _subclassed(out, unwrap.known)
    if meta is not None:
        _check_meta(op, meta, out)
    if CHECK_META:
        _check_aliasing(op, args, kwargs, out)
    if VERSIONS.on:
        for a in written(op, args, kwargs):
            VERSIONS.bump(owner_of(a._buf))
    return out


def _subclassed(out: Any, known: list[ndarray]) -> Any:
    """A result computed from instances of ``ndarray`` subclasses, as NumPy gives it: its new
    arrays are instances of the subclass with the highest ``__array_priority__`` among the
    inputs, each after ``__array_finalize__(that input)``."""
    source = max((a for a in known if type(a) is not ndarray), key=_priority)
    cls = type(source)

    def retyped(r):
        if type(r) is ndarray and all(r is not a for a in known):
            return as_subclass(r, cls, source)
        if isinstance(r, tuple):
            items = [retyped(x) for x in r]
            return type(r)(*items) if hasattr(r, "_fields") else tuple(items)
        if type(r) is list:
            return [retyped(x) for x in r]
        return r

    return retyped(out)


def _priority(a: ndarray) -> float:
    return getattr(a, "__array_priority__", 0.0)


def is_masked_array(x) -> bool:
    """Whether ``x`` is a NumPy masked array (or a list or tuple holding one). Its mask is its
    meaning, which dnp's ops do not carry: NumPy computes on it (``_on_masked``)."""
    if type(x) in (list, tuple):
        return any(map(is_masked_array, x))
    return isinstance(x, numpy.ndarray) and type(x).__module__.startswith("numpy.ma")


def _on_masked(op, args: tuple, kwargs: dict) -> Any:
    """A call given a NumPy masked array: NumPy's function, on the host values of its dnp
    arrays (a sync point), as NumPy would compute it; a masked result stays NumPy's, a plain
    one comes back as dnp arrays (on the CPU)."""

    res = op.kernel(numpy)(*to_host(args), **to_host(kwargs))
    if is_masked_array(res) or isinstance(res, tuple) and any(map(is_masked_array, res)):
        return res
    return _wrap(res, CPU, [])


def arrays_in(obj) -> list[ndarray]:
    """The dnp arrays in ``obj``, looking inside (nested) lists and tuples."""
    if isinstance(obj, ndarray):
        return [obj]
    found: list[ndarray] = []
    if isinstance(obj, (list, tuple)):
        for x in obj:
            if isinstance(x, ndarray):
                found.append(x)
            elif isinstance(x, (list, tuple)):
                found.extend(arrays_in(x))
    return found


def written(op, args: tuple, kwargs: dict) -> list[ndarray]:
    """The arrays the op writes into: ``out`` (by keyword or position), or the first argument
    of an in-place op."""
    if op.inplace:
        return [args[0]] if args and isinstance(args[0], ndarray) else []
    if "out" in kwargs:
        return arrays_in(kwargs["out"])
    start, stop = op.out_at or _positional_out(op)
    return arrays_in(args[start:stop]) if len(args) > start else []


def may_write(op, args: tuple, kwargs: dict) -> bool:
    """Whether the call can write into an argument (``written`` may then name some): a cheap
    test first, for the calls that cannot."""
    return op.inplace or "out" in kwargs or len(args) > (op.out_at or _positional_out(op))[0]


_NO_OUT = (1 << 30, 0)


def _positional_out(op) -> tuple[int, int | None]:
    """Where ``op`` takes ``out`` positionally: ``args[start:stop]`` (nothing: ``_NO_OUT``);
    remembered on the row (``Op.out_at``)."""
    fn = op.numpy_function()
    if isinstance(fn, numpy.ufunc):
        op.out_at = (fn.nin, None)
    else:
        index = _out_position(fn)
        op.out_at = _NO_OUT if index is None else (index, index + 1)
    return op.out_at


@functools.cache
def _out_position(fn) -> int | None:
    """Where ``fn`` takes ``out`` positionally, if it does."""
    try:
        params = list(signature_of(fn).parameters.values())
    except (TypeError, ValueError):  # no signature to read (None, or a C function without one)
        return None
    for i, p in enumerate(params):
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return None  # from here on (after *operands, say) out is keyword-only
        if p.name == "out":
            return i
    return None


def unwrap_host(x: Any, dev: Device, mine: set = frozenset()) -> Any:
    """Host data (a NumPy array, other than the buffers ``mine`` of the call's dnp arrays)
    among an op's arguments, moved to ``dev``."""
    if isinstance(x, numpy.ndarray) and id(x) not in mine:
        if x.dtype.kind in HOST_ONLY_KINDS:
            raise host_only_dtype(x.dtype, dev)
        return dev.from_host(x)
    return x


# --- the metadata check the test suite turns on ------------------------------------------------
class MetaRuleError(AssertionError):
    """An op's metadata rule disagrees with the result the op produced."""


def _meta_or_error(op, args, kwargs):
    if op.meta is None:
        return None
    try:
        return ("ok", op.meta(op, args, kwargs))
    except Exception as exc:  # compared with the op's own outcome below
        return ("raised", exc)


def _check_meta(op, meta, result) -> None:
    status, value = meta
    if status == "raised":
        raise MetaRuleError(
            f"meta rule of dnp.{op.name} raised {value!r} but the op succeeded"
        ) from value
    if value is None:  # the rule says: depends on the data, for these arguments
        return
    got = _describe(result)
    if got != value or type(got) is not type(value):  # named tuples are part of the result
        raise MetaRuleError(f"meta rule of dnp.{op.name} predicted {value}, op gave {got}")


def _check_aliasing(op, args, kwargs, result) -> None:
    """An op whose result shares memory with an input must be declared (the executor relies on
    it): its row's ``view`` rule or ``aliases``."""
    if op.inplace or op.view is not None or op.aliases:
        return
    targets = {id(a) for a in written(op, args, kwargs)}
    inputs = {id(owner_of(a._buf)) for a in arrays_in((args, tuple(kwargs.values())))}
    for r in arrays_in(result if isinstance(result, (tuple, list)) else (result,)):
        if id(r) not in targets and id(owner_of(r._buf)) in inputs:
            raise MetaRuleError(
                f"dnp.{op.name} returned a view of an input: give its row a view rule"
            )


def _describe(result):
    if isinstance(result, ndarray):
        return Meta(result.shape, result.dtype)
    if isinstance(result, (tuple, list)):
        return _same_kind(result, [_describe(r) for r in result])
    return result


def _same_kind(like, items: list):
    """``items`` as a sequence of ``like``'s type (tuple, list or named tuple)."""
    if hasattr(like, "_fields"):
        return type(like)(*items)
    return type(like)(items)
