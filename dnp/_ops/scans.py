"""Scans: cumulative sums and products (``cumsum``, ``cumprod``, their nan forms,
``cumulative_sum``/``cumulative_prod``).

Gradients: a cumulative sum's is the reversed cumulative sum of ``g``; a cumulative product's is
exact at zeros (``cumprod_grad``, no division); NaNs of the nan forms get none.
"""

import math

from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, _quiet_call, _shape_of, check_out, signature_of
from ._grad import conj, np
from ._reduced import fit_to, on_lists, one_element_standin, read_mask, zero_outside
from ._row import Op

SCANS = ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum", "cumulative_prod"]


def _scan_meta(op, args, kwargs):
    """The input's shape (flattened where ``axis`` is None), one longer along the axis with
    ``include_initial``; the dtype and argument checks from the op on a one-element stand-in."""
    bound = signature_of(op.numpy_function()).bind(*args, **kwargs)
    params = bound.arguments
    a_name = next(iter(params))
    a, axis, out = params[a_name], params.get("axis"), params.pop("out", None)
    params[a_name] = one_element_standin(a)
    small = _quiet_call(op.numpy_function(), bound.args, bound.kwargs)
    shape = _shape_of(a) or ()
    shape = (math.prod(shape),) if axis is None else shape
    if params.get("include_initial"):
        ax = 0 if axis is None else normalize_axis_index(axis, len(shape))
        shape = (*shape[:ax], shape[ax] + 1, *shape[ax + 1 :])
    check_out(out, shape)
    return Meta(shape, out.dtype if out is not None else small.dtype)


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
def _shift(x, d, fill):
    """``y[..., i] = x[..., i + d]`` along the last axis, ``fill`` past the end (0 < d <= n)."""
    pad = np.full(x.shape[:-1] + (d,), fill, dtype=x.dtype, device=x.device)
    return np.concatenate([x[..., d:], pad], axis=-1)


def cumprod_grad(g, x, ans, axis):
    """The gradient of ``ans = cumprod(x, axis)``: ``conj(prod(x[:i])) * s[i]`` with
    ``s[i] = sum_{k >= i} g[k] conj(prod(x[i+1:k+1]))``, which solves ``s[i] = g[i] +
    conj(x[i+1]) s[i+1]``; an associative scan (log2(n) steps) solves that without division."""
    g, x, ans = (np.moveaxis(v, axis, -1) for v in (g, x, ans))
    n = x.shape[-1]
    if n == 0:
        return np.moveaxis(g, -1, axis)
    ones = np.ones(x.shape[:-1] + (1,), dtype=ans.dtype, device=ans.device)
    left = np.concatenate([ones, ans[..., :-1]], axis=-1)
    coef, total, d = _shift(conj(x), 1, 0), g, 1
    while d < n:  # invariant: s[i] = total[i] + coef[i] * s[i + d] (s is 0 past the end)
        total = total + coef * _shift(total, d, 0)
        coef = coef * _shift(coef, d, 0)
        d *= 2
    return np.moveaxis(conj(left) * total, -1, axis)


def _rcumsum(g, axis):
    """``g[i:].sum()`` at ``i`` along ``axis``: the gradient of a cumulative sum."""
    return np.flip(np.cumsum(np.flip(g, axis=axis), axis=axis), axis=axis)


def _drop_first(v, axis):
    return v[(slice(None),) * axis + (slice(1, None),)]


def _scan_vjp(kind, nan=False, initial=False):
    """cumsum/cumprod and their nan and cumulative_* forms: ``axis=None`` scans the flattened
    array; ``include_initial`` puts the initial value (no gradient) first."""

    def rule(g, ans, a, axis=None, dtype=None, out=None, include_initial=False):
        x = a.ravel() if axis is None else a
        ax = 0 if axis is None else normalize_axis_index(axis, np.ndim(a))
        if include_initial:
            g, ans = _drop_first(g, ax), _drop_first(ans, ax)
        mask = read_mask(x, True, nan)
        if kind == "sum":
            grad = _rcumsum(g, ax)
        else:
            grad = cumprod_grad(g, x if mask is True else np.where(mask, x, 1), ans, ax)
        return fit_to(np.reshape(zero_outside(grad, mask), np.shape(a)), a)

    if initial:
        return lambda g, ans, x, **kwargs: rule(g, ans, x, **kwargs)
    return rule


ROWS = [
    Op("cumsum", meta=_scan_meta, vjp=on_lists(_scan_vjp("sum"))),
    Op("cumprod", meta=_scan_meta, vjp=on_lists(_scan_vjp("prod"))),
    Op("nancumsum", meta=_scan_meta, vjp=on_lists(_scan_vjp("sum", nan=True))),
    Op("nancumprod", meta=_scan_meta, vjp=on_lists(_scan_vjp("prod", nan=True))),
    Op("cumulative_sum", meta=_scan_meta, vjp=on_lists(_scan_vjp("sum", initial=True))),
    Op("cumulative_prod", meta=_scan_meta, vjp=on_lists(_scan_vjp("prod", initial=True))),
]
