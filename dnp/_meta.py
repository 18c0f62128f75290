"""Metadata rules: an op's result shape and dtype from its inputs' metadata alone.

A rule is ``rule(op, args, kwargs) -> Meta | tuple | list | None`` and never reads array data, so
``dispatch`` can describe (and reject) a call before anything runs, and it never runs the op at
full size: its cost does not grow with the inputs (``tests/test_meta_cost.py``). Rows name one of
a few shared rules here, or a rule of their own built from the helpers below:

- ``elementwise``: broadcast shapes; dtype from the ufunc's own type resolution on 0-d stand-ins.
- ``reduction``: shape from ``axis``/``keepdims``; dtype (and errors) from the op on a stand-in
  with one element per axis (none where the input has none).
- ``shaped(shapes)``: the shape from a function of the arguments' shapes, the dtype from the op
  on one-element operands of ones (products, factorizations, sorts).
- ``probe``: the row's NumPy forward run on stand-ins of the real shapes whose memory is a single
  element (stride 0): for ops that return views (no work at any size) and calls whose work is
  bounded.
- ``None`` (on the row): the result shape depends on the data.

The stand-in helpers (``small``, ``bound``, ``run_bound``, ``resized``, ``shape_of``...) take a
call's arguments by NumPy's parameter names and shrink its arrays to one element per axis.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any, NamedTuple

import numpy
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.lib.stride_tricks import as_strided

from ._ndarray import ndarray


class Meta(NamedTuple):
    """What is known of an array before it is computed."""

    shape: tuple[int, ...]
    dtype: numpy.dtype


def is_array(x: Any) -> bool:
    return isinstance(x, (ndarray, numpy.ndarray))


def standin(shape: tuple[int, ...], dtype: numpy.dtype) -> numpy.ndarray:
    """A writable zero array of ``shape`` and ``dtype`` backed by one element (all strides 0)."""
    return as_strided(numpy.zeros(1, dtype), shape, (0,) * len(shape), writeable=True)


def _replace(obj: Any, fn) -> Any:
    if is_array(obj):
        return fn(obj)
    if type(obj) in (list, tuple):
        return type(obj)(_replace(o, fn) for o in obj)
    if type(obj) is dict:
        return {k: _replace(v, fn) for k, v in obj.items()}
    return obj


def full_standins(obj: Any) -> Any:
    """``obj`` with every array replaced by a stride-0 stand-in of the same shape and dtype."""
    return _replace(obj, lambda a: standin(a.shape, a.dtype))


def scalar_standins(obj: Any) -> Any:
    """``obj`` with every array replaced by a 0-d zero of its dtype (for dtype resolution)."""
    return _replace(obj, lambda a: numpy.zeros((), a.dtype))


def describe(result: Any) -> Any:
    """The Meta (or structure of Metas) of a NumPy result."""
    if isinstance(result, (numpy.ndarray, numpy.generic)):
        return Meta(result.shape, result.dtype)
    if isinstance(result, tuple) and hasattr(result, "_fields"):  # a named tuple (SVDResult...)
        return type(result)(*map(describe, result))
    if isinstance(result, tuple):
        return tuple(describe(r) for r in result)
    if isinstance(result, list):
        return [describe(r) for r in result]
    return result


def _quiet_call(fn, args, kwargs):
    with numpy.errstate(all="ignore"):
        return fn(*args, **kwargs)


def contraction_work(args) -> int:
    """The work of a product contracting the last axis of its first array operand (matmul, dot,
    inner, ...): its multiply-adds, a.size * b.size / k (what one costs against an add is
    measured as the engine runs it: ``_engine._cost.observe``)."""
    if len(args) >= 2 and type(args[0]) is numpy.ndarray and type(args[1]) is numpy.ndarray:
        a, b = args[0], args[1]  # a call's path: two NumPy arrays first, without the loop
    else:
        a = b = None
        for x in args:
            if is_array(x):
                if a is None:
                    a = x
                else:
                    b = x
                    break
        if b is None:
            return 0 if a is None else a.size
    k = a.shape[-1] if a.ndim else 1
    return a.size * b.size // max(k, 1)


def probe(op, args, kwargs):
    """Run the row's NumPy forward on stride-0 stand-ins of the inputs."""
    if op.creation:
        kwargs = unplaced(kwargs)
    return describe(_quiet_call(op.kernel(numpy), full_standins(args), full_standins(kwargs)))


def probe_numpy(op, args, kwargs):
    """``probe`` with NumPy's own function: for rows whose forward only corrects NumPy's values,
    at a cost (a Python loop) that stand-ins of the real shapes would pay too."""
    return describe(_quiet_call(op.numpy_function(), full_standins(args), full_standins(kwargs)))


def _shape_of(x: Any) -> tuple[int, ...] | None:
    if is_array(x):
        return x.shape
    if type(x) in (list, tuple):
        return numpy.shape(x)
    return None


def elementwise(op, args, kwargs):
    """Broadcast the array operands' shapes; resolve the dtype on 0-d stand-ins."""
    shapes = [s for s in map(_shape_of, args) if s is not None]
    where = kwargs.get("where", True)
    if is_array(where):
        shapes.append(where.shape)
    shape = numpy.broadcast_shapes(*shapes)
    out = kwargs.get("out")
    probe_kwargs = scalar_standins(kwargs)  # keeps out=: casting to it is checked on 0-d stand-ins
    probe_kwargs.pop("where", None)
    # Lists are arrays to NumPy (not weak scalars): give them a dtype before shrinking them.
    probe_args = [numpy.asarray(a) if type(a) in (list, tuple) else a for a in args]
    dtypes = _quiet_call(op.kernel(numpy), scalar_standins(probe_args), probe_kwargs)
    if out is not None:
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            if o is not None and o.shape != shape:
                numpy.broadcast_shapes(
                    o.shape, shape
                )  # NumPy's message for a non-broadcastable out
                raise ValueError(
                    f"non-broadcastable output operand with shape {o.shape} doesn't match "
                    f"the broadcast shape {shape}"
                )
        if len(outs) == 1:
            return Meta(shape, outs[0].dtype)
        return tuple(Meta(shape, o.dtype) for o in outs)
    if isinstance(dtypes, tuple):
        return tuple(Meta(shape, d.dtype) for d in dtypes)
    return Meta(shape, dtypes.dtype)


@functools.cache
def signature_of(fn) -> inspect.Signature:
    """NumPy's signature of ``fn`` (cached: binding arguments is on the rule's path)."""
    return inspect.signature(fn)


def reduction(op, args, kwargs):
    """Shape from ``axis``/``keepdims`` (bound to NumPy's signature); dtype from a tiny stand-in."""
    np_fn = op.numpy_function()
    bound = signature_of(np_fn).bind(*args, **kwargs)
    params = bound.arguments
    a_name = next(iter(params))
    a = params[a_name]
    shape = _shape_of(a) or ()
    axis = params.get("axis")
    keepdims = params.get("keepdims", False)
    ndim = len(shape)
    axes = range(ndim) if axis is None else normalize_axis_tuple(axis, ndim)
    if keepdims is True:
        out_shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    else:
        out_shape = tuple(n for i, n in enumerate(shape) if i not in axes)
    out = params.pop("out", None)
    # A tiny stand-in, empty where the input is: NumPy then raises as it would on the input
    # (a reduction with no identity over nothing). With ``ddof``, one element more than it along
    # the reduced axes (where the input has them), so NumPy does not warn of degrees of freedom
    # <= 0 where the call itself does not.
    ddof = params.get("ddof")
    k = ddof + 1 if isinstance(ddof, (int, numpy.integer)) and ddof > 0 else 1
    tiny = tuple(min(n, k) if i in axes else min(n, 1) for i, n in enumerate(shape))
    params[a_name] = standin(tiny, a.dtype if is_array(a) else numpy.asarray(a).dtype)
    if "where" in params and not isinstance(params["where"], bool):
        params["where"] = True  # a mask changes values, not the result's shape or dtype
    if is_array(params.get("mean")):  # std/var's precomputed mean, shaped like the result
        params["mean"] = numpy.zeros((), params["mean"].dtype)
    dtype = numpy.asarray(_quiet_call(np_fn, bound.args, bound.kwargs)).dtype
    check_out(out, out_shape)
    return Meta(out_shape, out.dtype if out is not None else dtype)


def check_out(out, shape: tuple[int, ...]) -> None:
    """NumPy's ValueError for an ``out=`` array of the wrong shape."""
    if out is not None and tuple(out.shape) != tuple(shape):
        raise ValueError(f"output array has shape {tuple(out.shape)}, expected {tuple(shape)}")


# --- stand-ins for rules of shape arithmetic: the dtype (and NumPy's checks of the call) from the
# op on one-element stand-ins, so describing a call costs the same at any size ------------------
# The real float dtypes that kernels call BLAS, LAPACK or their own loops for directly (and that
# dnp.jit replays as NumPy scalar arithmetic).
FLOAT32_64 = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
_PLACEMENT = ("device", "like")  # consumed by dispatch for creation rows; NumPy never sees them


def unplaced(kwargs: dict) -> dict:
    """``kwargs`` without the placement keywords dispatch consumes (``device=``, ``like=``)."""
    return {k: v for k, v in kwargs.items() if k not in _PLACEMENT}


def bound(op, args, kwargs) -> dict:
    """The call's arguments by the names of the NumPy function the row mirrors."""
    return signature_of(op.numpy_function()).bind(*args, **unplaced(kwargs)).arguments


def as_numpy(x) -> Any:
    """Arrays as they are; lists and tuples as the NumPy arrays NumPy makes of them (arrays in
    them by stand-ins); scalars and other values as they are."""
    if type(x) in (list, tuple):
        return numpy.asarray(full_standins(x))
    return x


def shape_of(x) -> tuple[int, ...]:
    """The shape NumPy gives ``x`` (an array, a nested list, a scalar)."""
    return tuple(x.shape) if is_array(x) else numpy.shape(as_numpy(x))


def size_of(x) -> int:
    return math.prod(shape_of(x))


def small(x, limit: int = 1) -> Any:
    """``x`` as NumPy sees it, each axis cut to at most ``limit`` elements (an empty axis stays
    empty): arrays and lists become stride-0 stand-ins; scalars and other values stay."""
    x = as_numpy(x)
    if is_array(x):
        return standin(tuple(min(n, limit) for n in x.shape), x.dtype)
    return x


def run_small(op, args, kwargs) -> Any:
    """The row's NumPy forward on (small) arguments, warnings silenced."""
    return _quiet_call(op.kernel(numpy), args, unplaced(kwargs))


def run_bound(op, params: dict) -> Any:
    """The row's NumPy forward on arguments given by NumPy's parameter names (as ``bound``
    gives them), passed as its signature takes them."""
    call = inspect.BoundArguments(signature_of(op.numpy_function()), params)
    return _quiet_call(op.kernel(numpy), call.args, call.kwargs)


def resized(result, shape) -> Meta:
    """The Meta of an array of ``shape`` with the dtype of ``result`` (an array or scalar)."""
    return Meta(tuple(shape), numpy.asarray(result).dtype)


# --- shape rules: a rule from a function of the arguments' shapes (products, factorizations,
# sorts) ------------------------------------------------------------------------------------------
def small_ones(x):
    """An array argument as ones of shape ``(1,) * ndim`` and its dtype (well conditioned, so
    factorizations succeed on it); a sequence of arrays item by item; Python scalars kept."""
    if isinstance(x, (ndarray, numpy.ndarray, numpy.generic)):
        return numpy.ones((1,) * x.ndim, x.dtype)
    if type(x) in (list, tuple):
        if any(isinstance(i, (ndarray, numpy.ndarray)) for i in x):  # a sequence of arrays
            return type(x)(map(small_ones, x))
        x = numpy.asarray(x)
        return numpy.ones((1,) * x.ndim, x.dtype)
    return x


def shaped(shapes, arrays=1):
    """A metadata rule: result shape(s) from ``shapes(*args, **kwargs)``; dtype(s) from the op
    run with its first ``arrays`` parameters ``small_ones`` and without ``out`` (``out=`` gives the
    dtype and, where it broadcasts with the result, the shape). ``shapes`` returning None means:
    depends on the data for these arguments."""

    def rule(op, args, kwargs):
        if kwargs or len(args) > arrays:
            bound = signature_of(op.numpy_function()).bind(*args, **kwargs)
            out = bound.arguments.pop("out", None)
            for name in list(bound.signature.parameters)[:arrays]:
                if name in bound.arguments:
                    bound.arguments[name] = small_ones(bound.arguments[name])
            tiny = _quiet_call(op.kernel(numpy), bound.args, bound.kwargs)
        else:  # the arrays alone (most calls): nothing to bind
            out = None
            tiny = _quiet_call(op.kernel(numpy), [small_ones(x) for x in args], {})
        result = shapes(*args, **kwargs)
        if result is None:
            return None
        if isinstance(tiny, tuple):  # keeps NumPy's named tuple (SVDResult, QRResult...)
            metas = [Meta(s, numpy.asarray(t).dtype) for s, t in zip(result, tiny, strict=True)]
            return type(tiny)(*metas) if hasattr(tiny, "_fields") else tuple(metas)
        if out is None:
            return Meta(result, numpy.asarray(tiny).dtype)
        if numpy.broadcast_shapes(out.shape, result) != tuple(out.shape):
            raise ValueError(
                f"non-broadcastable output operand with shape {tuple(out.shape)} doesn't match "
                f"the broadcast shape {result}"
            )
        return Meta(tuple(out.shape), out.dtype)

    return rule


def same(a, *rest, **kwargs):
    """The shape of the first argument (inv, cholesky, matrix_power, sort_complex)."""
    return shape_of(a)


def batch(a, *rest, **kwargs):
    """The leading dimensions of a stack of matrices (..., M, N): det, cond, trace."""
    return shape_of(a)[:-2]
