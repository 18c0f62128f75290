"""Statistics: moments (``mean``, ``std``, ``var`` and their nan forms), ``average``, ``cov``
and ``corrcoef``.

Moments reduce like sums (``_meta.reduction``); ``average`` reduces too, with NumPy's checks of
its weights' shape; ``cov``/``corrcoef`` give a square matrix of the variables (squeezed: one
variable gives a 0-d result). Dtypes come from the ops on stand-ins of ones (weights that sum to
zero are an error).

Gradients: a moment's through the mean (``var``: ``2 g (a - mean) / (count - ddof)``); cov's
through the centred data; corrcoef's through cov's.
"""

import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import as_numpy, bound, is_array, reduction, resized, run_bound, shape_of
from ._grad import conj, np, unbroadcast
from ._reduced import (
    expand,
    fit_to,
    on_lists,
    ones_standin,
    read_mask,
    reduced_count,
    zero_outside,
)
from ._row import Op

MOMENTS = ["mean", "std", "var", "nanmean", "nanstd", "nanvar"]


def _moments(name):
    """``xp.<name>`` (mean, var, std and their nan forms) with NumPy's ``where=``, and for var/std
    ``mean=`` and ``correction=``, which CuPy lacks: sums over the selected elements (NaNs
    deselected for the nan forms) in the precision NumPy uses, divided by their count."""
    signature = inspect.signature(getattr(numpy, name))
    moment = name.removeprefix("nan")
    method = hasattr(numpy.ndarray, name)  # mean, std, var: as ``reductions._folding`` does

    def forward(xp, *args, **kwargs):
        fn = getattr(xp, name)
        if not kwargs.keys() & {"where", "mean", "correction"}:  # keyword-only in NumPy
            if method and type(args[0]) is xp.ndarray:
                return getattr(args[0], name)(*args[1:], **kwargs)
            return fn(*args, **kwargs)
        params = signature.bind(*args, **kwargs).arguments
        correction = params.pop("correction", numpy._NoValue)
        if correction is not numpy._NoValue:
            if "ddof" in params:
                raise ValueError("ddof and correction can't be provided simultaneously.")
            params["ddof"] = correction
        where, mean = params.pop("where", True), params.pop("mean", None)
        if where is True and mean is None:
            return fn(**params)
        a, axis = xp.asarray(params["a"]), params.get("axis")
        dtype, out, keepdims = params.get("dtype"), params.get("out"), params.get("keepdims", False)
        result_dtype = getattr(numpy, name)(numpy.ones(1, a.dtype), dtype=dtype).dtype
        work = numpy.result_type(numpy.mean(numpy.ones(1, a.dtype), dtype=dtype), numpy.float32)
        x = a.astype(work)
        mask = xp.broadcast_to(xp.asarray(where), a.shape)
        if name.startswith("nan"):
            mask = mask & ~xp.isnan(x)
        count = xp.sum(mask, axis=axis, keepdims=True).astype(x.real.dtype)
        if mean is None:
            mean = xp.sum(xp.where(mask, x, 0), axis=axis, keepdims=True) / count
        if moment == "mean":
            result = mean if keepdims is True else xp.squeeze(mean, axis)
        else:
            dev = xp.where(mask, x - mean, 0)
            square = (dev * dev.conj()).real if dev.dtype.kind == "c" else dev * dev
            dof = xp.maximum(count - params.get("ddof", 0), 0)
            result = xp.sum(square, axis=axis, keepdims=True) / dof
            if name.startswith("nan"):
                result = xp.where(dof > 0, result, xp.nan)
            result = result if moment == "var" else xp.sqrt(result)
            result = result if keepdims is True else xp.squeeze(result, axis)
        if out is not None:
            out[...] = result
            return out
        return result.astype(result_dtype)

    return forward


# --- metadata: average, cov, corrcoef ------------------------------------------------------------
def _tiny_ones(x, limit=1):
    """``x`` as NumPy sees it, arrays and lists as stand-ins of ones with at most ``limit``
    elements per axis (none where ``x`` has none); scalars and other values as they are."""
    x = as_numpy(x)
    return ones_standin(x, tuple(min(n, limit) for n in x.shape)) if is_array(x) else x


def _average_meta(op, args, kwargs):
    """The reduced shape (twice with ``returned``), NumPy's checks of the weights' shape; the
    dtypes from ``average`` on stand-ins."""
    p = bound(op, args, kwargs)
    shape, axis, weights = shape_of(p["a"]), p.get("axis"), p.get("weights")
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape), "axis")
    if weights is not None and shape_of(weights) != shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if shape_of(weights) != tuple(shape[ax] for ax in axes):
            raise ValueError(
                "Shape of weights must be consistent with shape of a along specified axis."
            )
    result = run_bound(op, dict(p, a=_tiny_ones(p["a"]), weights=_tiny_ones(weights)))
    keepdims = p.get("keepdims", False)
    if keepdims is not numpy._NoValue and keepdims:
        shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    else:
        shape = tuple(n for i, n in enumerate(shape) if i not in axes)
    if p.get("returned"):
        return tuple(resized(r, shape) for r in result)
    return resized(result, shape)


def _variables(shape, rowvar, first):
    """(variables, observations) of ``cov``'s ``m`` (``first``) or ``y`` of ``shape``, as NumPy
    arranges it: at least 2-d, transposed for ``rowvar=False``."""
    x = {0: (1, 1), 1: (1, *shape)}.get(len(shape), shape)
    flip = not rowvar and (len(shape) != 1 if first else x[0] != 1)
    return x[::-1] if flip else x


def _covariance_meta(op, args, kwargs):
    """``cov``/``corrcoef``: (variables, variables), squeezed; NumPy's checks of the shapes of
    ``y`` and the weights; the dtype from the op on stand-ins."""
    p = bound(op, args, kwargs)
    first = next(iter(p))
    # One observation more than ddof (at most 1 by default): fewer make NumPy warn of degrees
    # of freedom <= 0, which the call itself may not.
    ddof = p.get("ddof")
    limit = max(2, ddof + 1) if isinstance(ddof, (int, numpy.integer)) else 2
    result = run_bound(op, {k: _tiny_ones(v, limit) for k, v in p.items()})
    rowvar = p.get("rowvar", True)
    variables, observations = _variables(shape_of(p[first]), rowvar, True)
    if variables == 0:
        return resized(result, (0, 0))
    if p.get("y") is not None:
        y_vars, y_obs = _variables(shape_of(p["y"]), rowvar, False)
        if y_obs != observations:
            raise ValueError(
                "all the input array dimensions except for the concatenation axis must match "
                f"exactly, but along dimension 1, the array at index 0 has size {observations} "
                f"and the array at index 1 has size {y_obs}"
            )
        variables += y_vars
    for name in ("fweights", "aweights"):
        w = p.get(name)
        if w is not None and shape_of(w)[0] != observations:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
    return resized(result, () if variables == 1 else (variables, variables))


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
def _mean_vjp(nan=False):
    def rule(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        mask = read_mask(a, where, nan)
        count = reduced_count(a, axis, mask)
        if mask is not True:
            count = np.maximum(count, 1)
        return fit_to(zero_outside(expand(g, a, axis, keepdims) / count, mask), a)

    return rule


def _moment_vjp(nan=False, std=False):
    """var: ``2 g (a - mean) / (count - ddof)``; std: ``g (a - mean) / ((count - ddof) std)``.
    (For complex data too: ``|a - mean|^2`` has gradient ``2 (a - mean)``.) A ``mean=`` passed
    in is a constant (keyword arguments carry no gradient)."""

    def rule(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        mask = read_mask(a, kwargs.get("where", True), nan)
        if kwargs.get("correction", numpy._NoValue) is not numpy._NoValue:
            ddof = kwargs["correction"]
        mean = kwargs.get("mean", numpy._NoValue)
        if mean is numpy._NoValue:
            where = {} if mask is True else {"where": mask}
            mean = np.mean(a, axis=axis, keepdims=True, **where)
        dev = zero_outside(a - mean, mask)
        dof = reduced_count(a, axis, mask) - ddof
        ge = expand(g, a, axis, keepdims)
        if std:
            return fit_to(ge * dev / (dof * expand(ans, a, axis, keepdims)), a)
        return fit_to(2 * ge * dev / dof, a)

    return rule


def _average_weights(a, axis, w):
    """The weights as ``average`` broadcasts them against ``a``, and the way back to ``w``."""
    if np.shape(w) == np.shape(a):
        return w, lambda gw: gw
    axes = normalize_axis_tuple(axis, np.ndim(a))
    order = numpy.argsort(axes).tolist()
    wt = np.transpose(w, order)
    shape = tuple(s if i in axes else 1 for i, s in enumerate(np.shape(a)))
    inverse = numpy.argsort(order).tolist()
    return np.reshape(wt, shape), lambda gw: np.transpose(np.reshape(gw, wt.shape), inverse)


def _average_a(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    if returned:
        g, ans = g[0], ans[0]
    ge = expand(g, a, axis, keepdims)
    if weights is None:
        return fit_to(ge / reduced_count(a, axis, True), a)
    w, _ = _average_weights(a, axis, weights)
    return fit_to(ge * conj(w / np.sum(w, axis=axis, keepdims=True)), a)


def _average_w(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    g_scale = None
    if returned:
        (g, g_scale), ans = g, ans[0]
    w, back = _average_weights(a, axis, weights)
    total = np.sum(w, axis=axis, keepdims=True)
    grad = expand(g, a, axis, keepdims) * conj((a - expand(ans, a, axis, keepdims)) / total)
    if g_scale is not None:
        grad = grad + expand(g_scale, a, axis, keepdims)
    return fit_to(
        back(unbroadcast(np.broadcast_to(grad, np.broadcast_shapes(grad.shape, w.shape)), w)),
        weights,
    )


def _cov_data(m, y, rowvar):
    """NumPy's variables-by-observations matrix, and how to split its gradient back."""
    parts, backs = [], []
    for v in (m,) if y is None else (m, y):
        x = np.reshape(v, (1, -1)) if np.ndim(v) < 2 else v
        flip = not rowvar and x.shape[0] != 1
        parts.append(x.T if flip else x)
        backs.append((x.shape[1] if flip else x.shape[0], flip, np.shape(v)))
    return (parts[0] if y is None else np.concatenate(parts, axis=0)), backs


def _cov_grads(g, m, y, rowvar, bias, ddof, fweights, aweights):
    """Gradients of ``cov`` wrt ``m`` and ``y``: with ``C = Xc W Xc^H / f`` (``Xc`` centred with
    weights ``W``), ``dXc = (G + G^H) Xc W / f``, then the adjoint of the centring."""
    x, backs = _cov_data(m, y, rowvar)
    w = None
    for v in (fweights, aweights):
        if v is not None:
            v = np.asarray(v, dtype=float, device=x.device)
            w = v if w is None else w * v
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = x.shape[1]
    if w is None:
        total, mean = nobs, np.mean(x, axis=1, keepdims=True)
        fact = nobs - ddof
    else:
        total = np.sum(w)
        mean = np.sum(x * w, axis=1, keepdims=True) / total
        if ddof == 0:
            fact = total
        elif aweights is None:
            fact = total - ddof
        else:
            fact = total - ddof * np.sum(w * np.asarray(aweights, device=x.device)) / total
    nv = x.shape[0]
    g = np.reshape(g, (nv, nv))
    g = g + np.conjugate(g).T if np.iscomplexobj(g) else g + g.T
    xc = x - mean
    dxc = g @ (xc if w is None else xc * w) / fact
    dx = dxc - (np.mean(dxc, axis=1, keepdims=True) if w is None else
                np.sum(dxc, axis=1, keepdims=True) * w / total)  # fmt: skip
    grads, start = [], 0
    for size, flip, shape in backs:
        part = dx[start : start + size]
        grads.append(np.reshape((part.T if flip else part), shape))
        start += size
    return grads


def _cov_vjp(i):
    def rule(g, ans, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
             **kwargs):  # fmt: skip
        return fit_to(_cov_grads(g, m, y, rowvar, bias, ddof, fweights, aweights)[i], (m, y)[i])

    return rule


def _corrcoef_vjp(i):
    """``R = C / (s s^T)``, ``s = sqrt(diag C)``: ``gC = G / (s s^T) - diag(T / (2 diag C))`` with
    ``T`` the row plus column sums of ``Re(conj(G) R)``; then cov's rule."""

    def rule(g, ans, x, y=None, rowvar=True, **kwargs):
        if np.ndim(ans) == 0:  # one variable: NumPy returns c / c
            return fit_to(np.zeros(np.shape((x, y)[i]), device=ans.device), (x, y)[i])
        c = np.cov(x, y, rowvar)
        d = np.real(np.diagonal(c))
        s = np.sqrt(d)
        t = np.real(np.conjugate(g) * ans) if np.iscomplexobj(g) else g * ans
        t = np.sum(t, axis=0) + np.sum(t, axis=1)
        eye = np.eye(d.shape[0], dtype=d.dtype, device=d.device)
        gc = g / (s[:, None] * s[None, :]) - eye * (t / (2 * d))[:, None]
        return fit_to(_cov_grads(gc, x, y, rowvar, False, None, None, None)[i], (x, y)[i])

    return rule


ROWS = [
    Op("mean", _moments("mean"), reduction, vjp=on_lists(_mean_vjp())),
    Op("nanmean", _moments("nanmean"), reduction, vjp=on_lists(_mean_vjp(nan=True))),
    Op("var", _moments("var"), reduction, vjp=on_lists(_moment_vjp())),
    Op("nanvar", _moments("nanvar"), reduction, vjp=on_lists(_moment_vjp(nan=True))),
    Op("std", _moments("std"), reduction, vjp=on_lists(_moment_vjp(std=True))),
    Op("nanstd", _moments("nanstd"), reduction, vjp=on_lists(_moment_vjp(nan=True, std=True))),
    Op("average", meta=_average_meta, vjp=on_lists(_average_a, None, _average_w)),
    Op("cov", meta=_covariance_meta, vjp=on_lists(_cov_vjp(0), _cov_vjp(1))),
    Op("corrcoef", meta=_covariance_meta, vjp=on_lists(_corrcoef_vjp(0), _corrcoef_vjp(1))),
]
