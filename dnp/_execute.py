"""The glue between dispatch and the engine: ``dispatch`` hands it each CPU op to run now or push.

``execute`` decides, for one call whose arguments are already unwrapped:

- *inline* (``INLINE``: dispatch runs it at once, as the naive engine does) when its inputs are
  ready and its work small (``_cost.heavy``: elements times the op's measured cost), when its
  result shape depends on the data (no metadata rule), when it reads host data the caller could
  change afterwards (NumPy arrays, lists), when it runs on a worker already, or when its metadata
  rule rejects the call (the op then raises NumPy's own error at the call). Pending inputs are
  waited for first. Ready: ``_vars.must_wait`` (no pending op writes what it reads, and none
  reads or writes what it writes).
- *view* ops (rows with a ``view`` rule: reshape, transpose, basic indexing) run at once on pending
  inputs, for the calls their rule says make a view (a view reads no data). A call that makes a
  copy (advanced indexing, ``astype``) is pushed like any other; one whose rule cannot tell
  waits for its inputs and runs inline. Never is a kernel run on memory a pending op writes.
- otherwise it is *pushed*: the outputs are allocated now from the row's metadata rule (so the
  caller gets arrays of the right shape and dtype at once, and views of them share their
  dependency state), and the work runs on a worker thread once what it reads and writes is free.
  A large output goes into an array only pending ops still hold (``_pool.dead_input``), if there
  is one, else into a block of the pool (``_pool.empty``).

The engine is ``dnp/_engine`` (the threaded scheduler: ``_threaded``); its public face is
``dnp.engine``. Importing this module plugs ``execute`` (CPU calls) and the GPU-stream engine's
``push`` (GPU calls) into ``dispatch``.
"""

from __future__ import annotations

import os
from threading import get_ident as _get_ident
from typing import Any

import numpy

from . import _dispatch
from ._dispatch import INLINE, _same_kind
from ._engine import _cost, _gpu, _pool, _settings, _threaded
from ._engine._threaded import BULK_ELEMENTS
from ._engine._vars import VARS, must_wait, owner_of
from ._meta import Meta
from ._ndarray import _new, ndarray


def execute(
    op, xargs: list, xkwargs: dict, known: list[ndarray], written: list[ndarray], plain: bool
) -> Any:
    """Run ``op`` on the engine, or return ``INLINE`` for the caller to run it now (see above).

    ``known``: the dnp arrays among the arguments; ``written``: those the op writes; ``plain``:
    the arguments are only those arrays' buffers and Python scalars (no host data to check).
    """
    if not known:  # creation from nothing or host data: nothing to wait for
        return INLINE
    reads = []
    busy = False
    size = 0
    for a in known:
        buf = a._buf
        o = buf if buf.base is None else owner_of(buf)  # owner_of, its common case inline
        reads.append(o)
        if not busy and VARS:
            v = VARS.get(id(o))
            if v is not None:  # memory with ops pending: ask
                busy = must_wait(v, bool(written))
        size += buf.size
    units = _cost.work(op, size, xargs)
    cost = _cost.weighed(op, size, units)
    if not busy and cost < _settings.SETTINGS.inline_limit:
        return INLINE
    kind = (_PLANS.get(op) or _plan(op))[0]
    if kind is _VIEW:
        if not busy:
            return INLINE
        view = op.view(xargs, xkwargs)  # from metadata: running the op may read data
        if view is None:
            return _wait_then_inline(reads)
        if view:
            res = _try_view(op, xargs, xkwargs, reads)
            if res is not INLINE:
                return res
    if (
        kind is _AT_ONCE
        or _get_ident() in _settings.WORKER_IDS  # a worker's own calls run inline
        or (written and not all(a._buf.flags.writeable for a in written))  # NumPy's error now
        or "order" in xkwargs
        or (kind is _COPY and not all(a._buf.flags.c_contiguous for a in known))
        or (not plain and _holds_host_data(xargs, xkwargs, known))
    ):
        return _wait_then_inline(reads)
    try:
        meta = cached_meta(op, xargs, xkwargs)
    except Exception:  # noqa: BLE001  # let the op raise NumPy's own error, at the call
        return _wait_then_inline(reads)
    fresh: list = []
    large = size >= BULK_ELEMENTS  # its output may take memory only pending ops hold
    if op.inplace:
        result = None
    elif written:
        result = _out_result(xkwargs, written)
    else:
        fresh = _allocate(op, meta, known, reads if large else None)
        if fresh is None:  # not arrays, or a memory layout only running the op tells
            return _wait_then_inline(reads)
        dev = known[0]._device
        if type(meta) is Meta:
            result = _new(fresh[0], dev)
        else:
            result = _same_kind(meta, [_new(b, dev) for b in fresh])
    writes = [owner_of(a._buf) for a in written] if written else []
    made = []
    nbytes = 0
    for b in fresh:
        o = b if b.base is None else owner_of(b)
        if large and id(o) in VARS:  # memory pending ops still hold (dead_input): written
            writes.append(o)
        else:
            made.append(o)
        nbytes += b.nbytes
    light = not large and nbytes < BULK_ELEMENTS * 8 and op.work is None
    long = not light and cost >= _threaded.HAND_OVER_UNITS
    fn, args, kwargs = _task(op, xargs, xkwargs, fresh, meta)
    _threaded.push(fn, args, kwargs, op, units, reads, writes, made, nbytes, light, long)
    return result


# How the engine treats an op.
_VIEW, _AT_ONCE, _COPY, _PUSH = "view", "at once", "copy", "push"


def _multithreaded_blas() -> bool:
    """Whether BLAS may use several threads (unless the environment pins it to one, as
    ``benchmarks/bench_scheduler.py`` does, BLAS libraries use every core)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return not any(os.environ.get(n, "").strip() == "1" for n in names)


def _kind(op) -> str:
    """How the engine treats the row (see the module docstring)."""
    if op.view is not None:
        kind = _VIEW
    elif (
        op.meta is None  # the result's shape depends on the data
        or op.aliases
        or not op.c_ordered
    ):
        kind = _AT_ONCE
    elif op.threaded and _multithreaded_blas():
        kind = _AT_ONCE  # BLAS runs it on every core already: two at once would oversubscribe
    elif op.keeps_order:
        kind = _COPY  # keeps its input's memory order: pushed only for C-ordered inputs
    else:
        kind = _PUSH
    return kind


def _wait_then_inline(owners: list) -> object:
    for o in owners:
        _threaded.wait(o)
    return INLINE


def _holds_host_data(xargs, xkwargs, known) -> bool:
    """Whether the call reads NumPy arrays or lists the caller could change before it runs."""
    mine = {id(a._buf) for a in known}

    def host(x) -> bool:
        if isinstance(x, numpy.ndarray):
            return id(x) not in mine
        if type(x) is list:
            return True
        return type(x) is tuple and any(map(host, x))

    return any(map(host, xargs)) or any(map(host, xkwargs.values()))


def _try_view(op, xargs, xkwargs, reads):
    """Run a view op on pending inputs, for a call its row's ``view`` rule says makes a view
    without reading data: its result; INLINE if it raised (it runs properly below and raises
    NumPy's error at the call)."""
    try:
        res = op.kernel(numpy)(*xargs, **xkwargs)
    except Exception:  # noqa: BLE001
        return INLINE
    owners = {id(o) for o in reads}
    items = res if isinstance(res, (tuple, list)) else (res,)
    for r in items:
        if not isinstance(r, numpy.ndarray) or id(owner_of(r)) not in owners:
            if _dispatch.CHECK_META:  # the suite runs every case pushed: a wrong rule fails it
                raise _dispatch.MetaRuleError(
                    f"dnp.{op.name}: its view rule (dnp/_ops/_views.py) took a call that made "
                    f"a {type(r).__name__}, not a view, for a view"
                )
            return INLINE
    return res


# --- metadata, cached: a loop calls the same op on the same shapes over and over ----------------
_META: dict = {}
_META_LIMIT = 4096


class _Uncacheable(Exception):
    pass


_VALUES = frozenset((int, float, bool, complex, str, type(None)))  # keyed by type and value


def _key_of(x) -> Any:
    t = type(x)
    if t is numpy.ndarray:
        return (x.shape, x.dtype)
    if t in _VALUES or isinstance(x, (numpy.dtype, type)):
        return (t, x)
    if t is tuple:
        return (tuple, *map(_key_of, x))
    if isinstance(x, numpy.generic):
        return (t, x.item())
    raise _Uncacheable


def cached_meta(op, xargs, xkwargs) -> Any:
    """``op.meta`` for these arguments, remembered by their shapes, dtypes and values."""
    key = [op]
    try:
        for x in xargs:  # arrays and Python numbers inline: this is on every push's path
            t = type(x)
            if t is numpy.ndarray:
                key.append((x.shape, x.dtype))
            elif t is float or t is int:
                key.append((t, x))
            else:
                key.append(_key_of(x))
        if xkwargs:
            for k, v in xkwargs.items():
                key.append((k, _key_of(v)))
    except _Uncacheable:
        return op.meta(op, xargs, xkwargs)
    key = tuple(key)
    meta = _META.get(key)
    if meta is None:
        meta = op.meta(op, xargs, xkwargs)
        if len(_META) >= _META_LIMIT:
            _META.clear()
        _META[key] = meta
    return meta


# --- outputs ---------------------------------------------------------------------------------
def _allocate(op, meta, known: list[ndarray], reads: list | None) -> list | None:
    """Outputs laid out in memory as NumPy would lay out the result (the order of memory
    decides how later reductions round): C order for C-ordered inputs; a ufunc's K order
    (``empty_like``) from its one full-shape input. None: only running the op can tell.
    One large C-ordered output goes into an array that only ops this one runs after still hold
    (``_pool.dead_input``, looked for among ``reads`` unless None), if there is one, else into
    a pool block."""
    c_ordered = True
    for a in known:
        if not a._buf.flags.c_contiguous:
            c_ordered = False
            break
    if type(meta) is Meta:
        if c_ordered:
            if reads is not None:
                dead = _pool.dead_input(reads, meta.shape, meta.dtype)
                if dead is not None:
                    return [dead]
            return [_pool.empty(meta.shape, meta.dtype, _forget)]
        metas = [meta]
    else:
        metas = meta
        if not isinstance(metas, (tuple, list)) or not all(isinstance(m, Meta) for m in metas):
            return None
        if c_ordered:
            return [_pool.empty(m.shape, m.dtype, _forget) for m in metas]
    if _plain_ufunc(op):
        full = {a._buf.strides: a._buf for a in known if a._buf.shape == metas[0].shape}
        if len(full) == 1:
            (like,) = full.values()
            return [numpy.empty_like(like, dtype=m.dtype) for m in metas]
    return None


def _forget(block) -> None:
    """A recycled block starts clean: no error stored from an array it held before."""
    VARS.pop(id(block), None)


def _out_result(xkwargs, written: list[ndarray]) -> Any:
    out = xkwargs.get("out")
    if isinstance(out, tuple):
        return tuple(written)
    return written[0]


def _task(op, xargs, xkwargs, fresh: list, meta) -> tuple:
    """The work of one pushed op, as a function, its arguments and keywords: compute, then store
    into the outputs made at the push. (A pending op's objects outlive young garbage collections,
    which then cost every op: a ufunc's call is a tuple of arrays, not a closure.)"""
    _, kernel, ufunc = _PLANS.get(op) or _plan(op)
    if fresh and ufunc:  # it writes into its outputs at no extra cost
        if not xkwargs and not op.out_keyword:  # outputs after inputs: no dict
            return kernel, (*xargs, *fresh), _NO_KEYWORDS
        out = fresh[0] if len(fresh) == 1 else tuple(fresh)
        return kernel, tuple(xargs), {**xkwargs, "out": out}
    if fresh and op.fills_out:  # no fresh memory of NumPy's and no copy of it
        return kernel, tuple(xargs), {**xkwargs, "out": fresh[0]}

    def run() -> None:
        res = kernel(*xargs, **xkwargs)
        if fresh:
            _store(op, res, fresh, meta)

    return run, (), _NO_KEYWORDS


_NO_KEYWORDS: dict = {}  # never changed: a call with no keywords shares it

# A ufunc takes its outputs after its inputs, not as ``out=`` unless its row says so
# (``out_keyword``): a keyword costs a dict per op, kept while the op is pending, and objects that
# survive young garbage collections cost every op (here 0.8 us per pushed add).


_PLANS: dict = {}


def _plan(op) -> tuple:
    """How the engine treats the row (``_kind``), its NumPy kernel, and whether that is a NumPy
    ufunc itself (cached per row)."""
    kernel = op.kernels.get(numpy) or op.kernel(numpy)
    plan = _PLANS[op] = (_kind(op), kernel, op.forward is None and isinstance(kernel, numpy.ufunc))
    return plan


def _plain_ufunc(op) -> bool:
    """Whether the row's forward is a NumPy ufunc itself."""
    return (_PLANS.get(op) or _plan(op))[2]


def _layout(a: numpy.ndarray) -> tuple:
    """The strides that matter (none for an empty array; none along axes of length 1)."""
    if a.size == 0:
        return ()
    return tuple(st for n, st in zip(a.shape, a.strides, strict=True) if n > 1)


def _store(op, res, fresh: list, meta) -> None:
    items = (res,) if isinstance(meta, Meta) else res
    if len(items) != len(fresh):
        raise RuntimeError(f"dnp.{op.name}: its metadata rule predicted {meta}, not its result")
    for buf, r in zip(fresh, items, strict=True):
        if _dispatch.CHECK_META and isinstance(r, numpy.ndarray) and _layout(r) != _layout(buf):
            raise RuntimeError(  # the test suite checks layouts: they decide later roundings
                f"dnp.{op.name}: NumPy laid out its result with strides {r.strides}, the "
                f"engine with {buf.strides}"
            )
        if numpy.shape(r) != buf.shape or getattr(r, "dtype", None) != buf.dtype:
            raise RuntimeError(
                f"dnp.{op.name}: its metadata rule predicted {meta}, but it gave shape "
                f"{numpy.shape(r)} dtype {getattr(r, 'dtype', type(r).__name__)}"
            )
        buf[...] = r


_dispatch.ENGINE = execute
_dispatch.GPU = _gpu.push
