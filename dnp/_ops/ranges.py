"""Evenly spaced numbers: ``arange``, ``linspace``, ``logspace``, ``geomspace``.

Metadata: an arange's length from its arguments as NumPy computes it (its arguments' values
when they are arrays: no rule then); a linspace family's points along ``axis`` of its end
points' broadcast shape. Dtypes and NumPy's checks come from the op on an empty range or at
most two points.
"""

import operator

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, bound, is_array, run_bound, shape_of, small, unplaced
from ._grad import np, to_input
from ._row import Op


def _ceil(value) -> int:
    value = float(value)
    if value != value:
        raise ValueError("arange: cannot compute length")
    if value in (float("inf"), float("-inf")):
        raise ValueError("Maximum allowed size exceeded")
    return max(int(numpy.ceil(value)), 0)


def range_length(start, stop, step) -> int:
    """How many numbers ``arange(start, stop, step)`` makes of scalars: NumPy's
    ceil((stop - start) / step), in the arguments' own arithmetic; for a quotient that is a
    Python complex (complex128 is one), the lesser of its parts' counts; of other complex types,
    NumPy reads the real part."""
    with numpy.errstate(all="ignore"):
        value = (stop - start) / (1 if step is None else step)
    if isinstance(value, complex):
        return min(_ceil(value.real), _ceil(value.imag))
    return _ceil(value.real)


def _datetime_range(start, stop, step, dtype) -> tuple[int, numpy.dtype]:
    """Length and dtype of an arange of dates or times: whole steps of the finest unit."""
    step = 1 if step is None else step
    if dtype is None:
        first = numpy.arange(start, start, step).dtype  # start's and step's units, or NumPy's error
        dtype = numpy.promote_types(first, numpy.asarray(stop).dtype)
    dtype = numpy.dtype(dtype)
    unit, count = numpy.datetime_data(dtype)
    lo, hi = (numpy.asarray(x, dtype).astype(numpy.int64) for x in (start, stop))
    if isinstance(step, numpy.timedelta64):
        step = step.astype(f"m8[{count}{unit}]").astype(numpy.int64)
    return max(int(-((lo - hi) // step)), 0), dtype


def _same_type(x, value):
    """``value`` as a number of ``x``'s type (``x`` itself where its value decides NumPy's type:
    a Python int beyond int64; not a number: NumPy judges it)."""
    if type(x) is int and not -(2**63) <= x < 2**63:
        return x
    if isinstance(x, (bool, int, float, complex, numpy.number, numpy.bool_)):
        return type(x)(value)
    return x


def _is_datetime(x) -> bool:
    return isinstance(x, (str, numpy.datetime64, numpy.timedelta64))


def arange_meta(op, args, kwargs):
    """arange of scalars: its length from ``range_length``; its dtype and NumPy's checks of the
    call from arange over an empty range of arguments of the same types."""
    kwargs = unplaced(kwargs)
    if any(map(is_array, (*args, *kwargs.values()))):
        return None  # the length is read from the arrays' values
    start, stop, step, dtype = (*args, None, None, None, None)[:4]
    start, stop = kwargs.get("start", start), kwargs.get("stop", stop)
    step, dtype = kwargs.get("step", step), kwargs.get("dtype", dtype)
    if stop is None:
        start, stop = 0, start
    start = 0 if start is None else start
    if (dtype is not None and numpy.dtype(dtype).kind in "mM") or any(
        map(_is_datetime, (start, stop, step))
    ):
        length, dtype = _datetime_range(start, stop, step, dtype)
        return Meta((length,), dtype)
    empty = numpy.arange(
        *(_same_type(a, int(i == 2)) for i, a in enumerate(args)),
        **{k: _same_type(v, int(k == "step")) for k, v in kwargs.items()},
    )
    return Meta((range_length(start, stop, step),), empty.dtype)


def _spaced(op, args, kwargs):
    """linspace, logspace, geomspace: ``num`` points along ``axis`` of the end points' (and
    logspace's base's) broadcast shape; the dtype, retstep's step and NumPy's checks from the op
    on one-element end points of ones and at most two points."""
    params = bound(op, args, kwargs)
    ends = [k for k in ("start", "stop", "base") if k in params]
    shape = numpy.broadcast_shapes(*(shape_of(params[k]) for k in ends))
    num = operator.index(params.get("num", 50))
    tiny = dict(params, num=min(num, 2))
    for k in ends:
        x = small(params[k])
        tiny[k] = numpy.ones(x.shape, x.dtype) if is_array(x) else x  # geomspace rejects zeros
    result = run_bound(op, tiny)
    points, step = result if params.get("retstep") else (result, None)
    axis = normalize_axis_index(params.get("axis", 0), len(shape) + 1)
    points = Meta(shape[:axis] + (num,) + shape[axis:], points.dtype)
    if not params.get("retstep"):
        return points
    if isinstance(step, (numpy.ndarray, numpy.generic)):  # else NaN: fewer than two points
        step = Meta(shape, step.dtype)
    return points, step


def _geomspace(xp, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """NumPy's algorithm (CuPy has no geomspace), on ``xp``."""
    start, stop = xp.asarray(start), xp.asarray(stop)
    if bool(xp.any(start == 0)) or bool(xp.any(stop == 0)):
        raise ValueError("Geometric sequence cannot include zero")
    dt = xp.result_type(start, stop, float(num), xp.zeros((), dtype))
    dtype = dt if dtype is None else xp.dtype(dtype)
    # Rotate start to the positive real axis so that logs of negative or complex values are
    # exact, then rotate back; the end points are set exactly (exp(log(x)) may differ from x).
    start = start.astype(dt, copy=True)
    stop = stop.astype(dt, copy=True)
    out_sign = xp.sign(start)
    start /= out_sign
    stop = stop / out_sign
    result = xp.logspace(xp.log10(start), xp.log10(stop), num=num, endpoint=endpoint, dtype=dt)
    if num > 0:
        result[0] = start
        if num > 1 and endpoint:
            result[-1] = stop
    result *= out_sign
    if axis != 0:
        result = xp.moveaxis(result, 0, axis)
    return result.astype(dtype, copy=False)


def _linspace_t(num, endpoint, ndim, axis, dtype):
    div = (num - 1) if endpoint else num
    t = numpy.arange(num, dtype=dtype) / div if div > 0 else numpy.zeros(num, dtype)
    return numpy.moveaxis(t.reshape((-1,) + (1,) * ndim), 0, axis), div


def _linspace_rule(which):
    def rule(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, **kw):
        step_g = None
        if retstep:
            g, step_g = g
        x = start if which == 0 else stop
        nd = np.ndim(ans[0] if retstep else ans) - 1
        axis = axis % (nd + 1)
        t, div = _linspace_t(num, endpoint, nd, axis, numpy.finfo(g.dtype).dtype)
        w = 1 - t if which == 0 else t
        grad = np.sum(g * w, axis=axis)
        if step_g is not None and div > 0:
            grad = grad + (step_g / div if which else -step_g / div)
        return to_input(grad, x)

    return rule


def _logspace_rule(which):
    # y = base ** linspace(start, stop): the gradient of the exponents is g * y * log(base).
    def rule(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
        if numpy.ndim(base) != 0:
            raise NotImplementedError("dnp.logspace: the gradient is written for a scalar base")
        ge = g * (np.conjugate(ans) * numpy.log(complex(base) if base < 0 else base))
        return _linspace_rule(which)(ge, ans, start, stop, num, endpoint, False, None, axis)

    return rule


def _geomspace_rule(which):
    # y = start ** (1 - t) * stop ** t: dy/dstart = (1 - t) y / start, dy/dstop = t y / stop.
    def rule(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
        nd = np.ndim(ans) - 1
        axis = axis % (nd + 1)
        t, _ = _linspace_t(num, endpoint, nd, axis, numpy.finfo(g.dtype).dtype)
        x = start if which == 0 else stop
        w = 1 - t if which == 0 else t
        xe = np.expand_dims(x, axis) if np.ndim(x) else x
        return to_input(np.sum(g * np.conjugate(ans * w / xe), axis=axis), x)

    return rule


ROWS = [
    Op("arange", meta=arange_meta, creation=True, differentiable=False),
    Op(
        "linspace",
        meta=_spaced,
        creation=True,
        vjp=(_linspace_rule(0), _linspace_rule(1)),
        c_ordered=False,
    ),
    Op("logspace", meta=_spaced, vjp=(_logspace_rule(0), _logspace_rule(1)), c_ordered=False),
    Op(
        "geomspace",
        _geomspace,
        _spaced,
        vjp=(_geomspace_rule(0), _geomspace_rule(1)),
        c_ordered=False,
    ),
]
