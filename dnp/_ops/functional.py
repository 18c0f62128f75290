"""Ops that call the user's Python functions: ``piecewise``, ``apply_along_axis``,
``apply_over_axes`` and ``vectorize``.

The functions see dnp arrays and run dnp code, so a result is known only once they have run:
no row has a metadata rule. Their gradient rules run the functions again on a variable for the
input, under record, and differentiate that.
"""

from __future__ import annotations

import collections.abc

import numpy
from numpy import ndindex
from numpy.lib.array_utils import normalize_axis_index

from .. import _tape
from .._backend import device_of_buffer
from .._dispatch import dispatch
from .._ndarray import _new, ndarray
from ._grad import host_values, np
from ._row import Op


def _to_dnp(buf):
    return _new(buf, device_of_buffer(buf))


def _wrap_args(xp, args, kwargs):
    """Extra arguments for a user function: dispatch unwrapped dnp arrays; give them back."""
    wrap = lambda x: _to_dnp(x) if isinstance(x, xp.ndarray) else x  # noqa: E731
    return tuple(map(wrap, args)), {k: wrap(v) for k, v in kwargs.items()}


def _to_backend(xp, res):
    """A user function's result (dnp arrays, scalars, sequences of them) as a backend array."""
    if isinstance(res, ndarray):
        return res._ready()  # the user function's ops may still be running
    if isinstance(res, (list, tuple)):
        return xp.asarray([_to_backend(xp, r) for r in res])
    return xp.asarray(res)


def _rerun_vjp(g, x, forward):
    """The VJP of ``forward`` (dnp ops on a dnp array) at ``x`` for the result gradient ``g``."""
    outer = _tape.is_recording()  # create_graph: the variable stays connected to x
    v = _tape.variable(x)
    with _tape.record():
        y = forward(v)
    if not isinstance(y, ndarray) or y._ag is None:
        return np.zeros_like(x)  # the functions' results do not depend on x
    return _tape.grad(y, v, g, retain_graph=outer, create_graph=outer)


def _piecewise(xp, x, condlist, funclist, *args, **kw):
    args, kw = _wrap_args(xp, args, kw)
    x = xp.asarray(x)
    n2 = len(funclist)
    # NumPy's undocumented rule: a single condition is promoted to a list of one condition.
    if xp.isscalar(condlist) or (not isinstance(condlist[0], (list, xp.ndarray)) and x.ndim != 0):
        condlist = [condlist]
    condlist = xp.asarray(condlist, dtype=bool)
    n = len(condlist)
    if n == n2 - 1:  # the "otherwise" condition
        condelse = ~xp.any(condlist, axis=0, keepdims=True)
        condlist = xp.concatenate([condlist, condelse], axis=0)
        n += 1
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = xp.zeros_like(x)
    for cond, func in zip(condlist, funclist, strict=True):
        if not isinstance(func, collections.abc.Callable):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = _to_backend(xp, func(_to_dnp(vals), *args, **kw))
    return y


def _piecewise_vjp(g, ans, x, condlist, funclist, *args, **kw):
    conds = host_values(condlist)  # the host values: a sync point
    xn = host_values(x)
    if numpy.ndim(conds) == 0 or (numpy.ndim(conds) == xn.ndim and xn.ndim != 0):
        conds = conds[None] if numpy.ndim(conds) == xn.ndim else numpy.asarray([conds])
    conds = numpy.asarray([numpy.asarray(c, dtype=bool) for c in conds])
    if len(conds) == len(funclist) - 1:
        conds = numpy.concatenate([conds, ~numpy.any(conds, axis=0, keepdims=True)], axis=0)

    def forward(v):
        y = np.zeros_like(v)
        for cond, func in zip(conds, funclist, strict=True):
            if callable(func) and cond.any():
                part = np.zeros_like(v)  # one write per array: the tape saves what it writes
                part[cond] = func(v[cond], *args, **kw)
                y = np.where(cond, part, y)
            elif not callable(func):
                y = np.where(cond, func, y)
        return y

    return _rerun_vjp(g, x, forward)


def _apply_along_axis(xp, func1d, axis, arr, *args, **kwargs):
    args, kwargs = _wrap_args(xp, args, kwargs)
    arr = xp.asarray(arr)
    axis = normalize_axis_index(axis, arr.ndim)
    dims = list(range(arr.ndim))
    inarr_view = xp.transpose(arr, dims[:axis] + dims[axis + 1 :] + [axis])
    # The trailing Ellipsis keeps 0-d slices arrays (NumPy gh-8642).
    inds = (ind + (Ellipsis,) for ind in ndindex(inarr_view.shape[:-1]))
    try:
        ind0 = next(inds)
    except StopIteration:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0") from None
    call = lambda ind: _to_backend(xp, func1d(_to_dnp(inarr_view[ind]), *args, **kwargs))  # noqa: E731
    res = call(ind0)
    buff = xp.zeros(inarr_view.shape[:-1] + res.shape, res.dtype)
    bd = list(range(buff.ndim))
    permute = bd[:axis] + bd[buff.ndim - res.ndim :] + bd[axis : buff.ndim - res.ndim]
    buff[ind0] = res
    for ind in inds:
        buff[ind] = call(ind)
    return xp.transpose(buff, permute)


def _apply_along_axis_vjp(g, ans, func1d, axis, arr, *args, **kwargs):
    nd = np.ndim(arr)
    axis = normalize_axis_index(axis, nd)

    def forward(v):
        moved = np.moveaxis(v, axis, -1)
        lead = moved.shape[:-1]
        res = [func1d(moved[ind + (Ellipsis,)], *args, **kwargs) for ind in ndindex(lead)]
        res = [r if isinstance(r, ndarray) else np.asarray(r) for r in res]
        buff = np.reshape(np.stack(res), moved.shape[:-1] + res[0].shape)
        bd = list(range(buff.ndim))
        rd = res[0].ndim
        return np.transpose(buff, bd[:axis] + bd[buff.ndim - rd :] + bd[axis : buff.ndim - rd])

    return _rerun_vjp(g, arr, forward)


def _apply_over_axes(xp, func, a, axes):
    val = xp.asarray(a)
    if xp.asarray(axes).ndim == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = val.ndim + axis
        res = _to_backend(xp, func(_to_dnp(val), axis))
        if res.ndim != val.ndim:
            res = xp.expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


def _apply_over_axes_vjp(g, ans, func, a, axes):
    def forward(val):
        for axis in numpy.atleast_1d(axes):
            axis = int(axis) + val.ndim if axis < 0 else int(axis)
            res = func(val, axis)
            val = res if res.ndim == val.ndim else np.expand_dims(res, axis)
        return val

    return _rerun_vjp(g, a, forward)


ROWS = [
    Op("piecewise", _piecewise, None, vjp=(_piecewise_vjp,)),
    Op("apply_along_axis", _apply_along_axis, None, vjp=(None, None, _apply_along_axis_vjp)),
    Op("apply_over_axes", _apply_over_axes, None, vjp=(None, _apply_over_axes_vjp)),
]


def _on_host(xp, x):
    return xp.asnumpy(x) if xp is not numpy and isinstance(x, xp.ndarray) else x


def _vectorized_call(xp, vec, *args, **kwargs):
    """NumPy's vectorize loop, on the host: it calls a Python function once per element."""
    result = vec(
        *(_on_host(xp, a) for a in args), **{k: _on_host(xp, v) for k, v in kwargs.items()}
    )
    if isinstance(result, tuple):
        return tuple(xp.asarray(r) for r in result)
    return xp.asarray(result)


_VECTORIZE = Op(
    "vectorize.__call__",
    _vectorized_call,
    None,
    no_gradient="runs a Python function per element on the host",
)
ROWS.append(_VECTORIZE)


class vectorize:
    """A Python function applied elementwise with broadcasting. See `numpy.vectorize`.

    As in NumPy, the function runs once per element in Python (on the host, for GPU arrays) and
    receives NumPy scalars; the result is a dnp array on the inputs' device.
    """

    def __init__(self, pyfunc, otypes=None, doc=None, excluded=None, cache=False, signature=None):
        self._vec = numpy.vectorize(pyfunc, otypes, doc, excluded, cache, signature)
        self.pyfunc = pyfunc
        self.__doc__ = self._vec.__doc__

    def __call__(self, *args, **kwargs):
        return dispatch(_VECTORIZE, (self._vec, *args), kwargs)
