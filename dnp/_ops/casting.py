"""Casting and values' range: ``astype``, ``copyto``, ``round``/``around`` and ``clip``.

``astype`` keeps the shape (its dtype sized from the input's where the target leaves it open);
``round`` and ``clip`` broadcast like ufuncs, their dtype from NumPy on stand-ins. Gradients: a
cast's is the gradient cast back (``cast_back``); ``clip`` passes it where the bound did not
apply, to the bound where it did; rounding is locally constant (no gradient).
"""

import numpy

from .._meta import Meta, _quiet_call, elementwise, is_array, resized, shape_of, small
from . import _views
from ._grad import np, unbroadcast
from ._row import Op
from .indexing import to_shape


def cast_meta(x, dtype) -> Meta | None:
    """The result of casting array ``x`` to ``dtype``: its shape, and ``dtype``, sized from
    ``x``'s dtype where ``dtype`` leaves the size (``'U'``, ``'S'``) or the unit (``'M8'``) open;
    None (the data decides) for strings cast to a datetime of no unit."""
    target = numpy.dtype(dtype)
    unsized = target.kind in "SUV" and target.itemsize == 0
    generic = target.kind in "Mm" and numpy.datetime_data(target)[0] == "generic"
    if generic and x.dtype.kind in "SU":
        return None
    if unsized or generic:
        target = numpy.zeros(1, x.dtype).astype(target).dtype
    return Meta(x.shape, target)


def astype_meta(op, args, kwargs):
    """``astype(x, dtype)`` and ``x.astype(dtype)``: ``cast_meta``."""
    x, *rest = args
    return cast_meta(x, rest[0] if rest else kwargs["dtype"])


def _astype(xp, x, dtype, /, *, copy=True, device=None):
    # CuPy's astype has no device=; NumPy's checks it (only "cpu").
    kwargs = {} if device is None else {"device": device}
    return xp.astype(x, dtype, copy=copy, **kwargs)


_UNSET = object()  # NumPy tells "not given" from None for clip's bounds


def _clip(xp, a, a_min=_UNSET, a_max=_UNSET, out=None, *, min=_UNSET, max=_UNSET, **kwargs):
    """NumPy's bound checks; CuPy's clip takes the bounds positionally only (no min=/max=)."""
    if a_min is _UNSET and a_max is _UNSET:
        a_min, a_max = (None if b is _UNSET else b for b in (min, max))
    elif a_min is _UNSET or a_max is _UNSET:
        missing = "a_min" if a_min is _UNSET else "a_max"
        raise TypeError(f"clip() missing 1 required positional argument: '{missing}'")
    elif min is not _UNSET or max is not _UNSET:
        raise ValueError(
            "Passing `min` or `max` keyword argument when `a_min` and `a_max` are provided is "
            "forbidden."
        )
    return xp.clip(a, a_min, a_max, out=out, **kwargs)


def _clip_meta(op, args, kwargs):
    """The operands' (and bounds', ``where=``'s) broadcast shape, or ``out=``'s, which it must
    broadcast to; the dtype (and NumPy's checks) from ``clip`` on stand-ins."""
    out = args[3] if len(args) > 3 else kwargs.get("out")
    out = out[0] if type(out) is tuple and len(out) == 1 else out  # ufuncs' out=(array,)
    others = {k: v for k, v in kwargs.items() if k != "out"}
    stand = {k: small(v) for k, v in others.items()}
    if "out" in kwargs:
        stand["out"] = small(out)
    result = _quiet_call(op.kernel(numpy), list(map(small, args)), stand)
    operands = [*args[:3], *others.values()]
    shape = numpy.broadcast_shapes(
        *(shape_of(x) for x in operands if is_array(x) or type(x) in (list, tuple))
    )
    if out is None:
        return resized(result, shape)
    if numpy.broadcast_shapes(out.shape, shape) != out.shape:
        raise ValueError(
            f"non-broadcastable output operand with shape {out.shape} doesn't match the "
            f"broadcast shape {shape}"
        )
    return Meta(out.shape, out.dtype)


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
def cast_back(g, x):
    """``g`` (the gradient of a cast of ``x``) in ``x``'s dtype: real part for a real ``x``."""
    dt = np.result_type(x)
    if g.dtype.kind == "c" and dt.kind != "c":
        g = g.real
    return g if g.dtype == dt else g.astype(dt)


def _copyto_dst(g, ans, dst, src, casting="same_kind", where=True):
    return np.where(where, 0, g)


def _copyto_src(g, ans, dst, src, casting="same_kind", where=True):
    return cast_back(to_shape(np.where(where, g, 0), src), src)


def _clip_bounds(a_min, a_max, kwargs):
    lo = kwargs.get("min") if a_min is _UNSET else a_min
    hi = kwargs.get("max") if a_max is _UNSET else a_max
    return lo, hi


def _clip_vjp(which):
    def rule(g, ans, a, a_min=_UNSET, a_max=_UNSET, out=None, **kwargs):
        lo, hi = _clip_bounds(a_min, a_max, kwargs)
        low = a if lo is None else np.maximum(a, lo)
        if which == 0:
            inside = np.ones(a.shape, bool)
            if lo is not None:
                inside = inside & (a >= lo)
            if hi is not None:
                inside = inside & (a <= hi)
            return unbroadcast(np.where(inside, g, 0), a)
        if which == 1:
            used = a < lo
            if hi is not None:
                used = used & (lo <= hi)
            return unbroadcast(np.where(used, g, 0), lo)
        return unbroadcast(np.where(low > hi, g, 0), hi)

    return rule


ROWS = [
    Op(
        "astype",
        _astype,
        astype_meta,
        vjp=(lambda g, ans, x, dtype, **kwargs: cast_back(g, x),),
        view=_views.astype,
    ),
    Op("copyto", meta=None, vjp=(_copyto_dst, _copyto_src), inplace=True),
    Op("clip", _clip, _clip_meta, vjp=(_clip_vjp(0), _clip_vjp(1), _clip_vjp(2))),
    # Elementwise in all but name; locally constant. ``round`` may return its input itself.
    Op("round", meta=elementwise, differentiable=False, aliases=True),
    Op("around", meta=elementwise, differentiable=False),
]
