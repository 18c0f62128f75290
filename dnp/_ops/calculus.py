"""Discrete calculus on arrays: differences (``diff``, ``ediff1d``, ``gradient``, ``unwrap``),
integration (``trapezoid``), interpolation (``interp``) and 1-d convolution (``convolve``,
``correlate``), each with its metadata rule and gradient."""

from __future__ import annotations

from functools import partial

import numpy
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._meta import (
    Meta,
    bound,
    is_array,
    resized,
    run_bound,
    run_small,
    shape_of,
    signature_of,
    size_of,
    small,
)
from ._grad import as_array, conj, host_values, np, to_input
from ._row import Op


def _slice(x, axis, start, stop):
    return x[(slice(None),) * (axis % x.ndim) + (slice(start, stop),)]


def _along_axis(w, ndim, axis):
    return numpy.reshape(w, (-1,) + (1,) * (ndim - 1 - axis))


def _on_small(op, params: dict, limit: int = 1):
    """The op on the call's arguments (by name) with every array cut to ``limit`` per axis."""
    return run_bound(op, {k: small(v, limit) for k, v in params.items()})


# --- differences ---------------------------------------------------------------------------------
def _end_length(x, shape: list, axis: int) -> int:
    """How much ``diff``'s prepend or append ``x`` adds along ``axis`` (a scalar: one)."""
    s = shape_of(x)
    if not s:
        return 1
    if len(s) != len(shape) or s[:axis] + s[axis + 1 :] != tuple(shape[:axis] + shape[axis + 1 :]):
        raise ValueError(
            "all the input array dimensions except for the concatenation axis must match exactly"
        )
    return s[axis]


def _diff_meta(op, args, kwargs):
    """The axis shortened by n (not below 0) after prepend and append; n=0 returns the input
    itself. The dtype and NumPy's checks from the op on one-element arrays."""
    params = bound(op, args, kwargs)
    a, n = params["a"], params.get("n", 1)
    if n == 0:
        return Meta(a.shape, a.dtype) if is_array(a) else None
    result = _on_small(op, dict(params, n=min(n, 1)))
    shape = list(shape_of(a))
    axis = normalize_axis_index(params.get("axis", -1), len(shape))
    length = shape[axis] - n
    for end in ("prepend", "append"):
        if end in params:
            length += _end_length(params[end], shape, axis)
    shape[axis] = max(length, 0)
    return resized(result, shape)


def _diff_adjoint(g, n, axis):
    """The adjoint of ``diff(., n, axis)``: each difference's transpose is ``-diff`` of g
    padded with a zero at each end."""
    for _ in range(n):
        zero = numpy.zeros((), g.dtype)  # an int 0 would promote float32 to float64
        g = -np.diff(g, axis=axis, prepend=zero, append=zero)
    return g


_NO_VALUE = numpy._NoValue  # diff's default for prepend and append


def _diff_part(g, ans, a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE, *, part):
    full = _diff_adjoint(g, n, axis)
    axis %= full.ndim
    before = 0 if prepend is _NO_VALUE else (np.shape(prepend) or (1,) * full.ndim)[axis]
    after = 0 if append is _NO_VALUE else (np.shape(append) or (1,) * full.ndim)[axis]
    m = full.shape[axis]
    x, lo, hi = {
        "a": (a, before, m - after),
        "prepend": (prepend, 0, before),
        "append": (append, m - after, m),
    }[part]
    return to_input(_slice(full, axis, lo, hi), x)


def _ediff1d_meta(op, args, kwargs):
    """The flattened input's differences, with to_begin before and to_end after."""
    params = bound(op, args, kwargs)
    result = _on_small(op, params)
    n = max(size_of(params["ary"]) - 1, 0)
    n += sum(size_of(params[k]) for k in ("to_begin", "to_end") if params.get(k) is not None)
    return resized(result, (n,))


def _ediff1d_part(g, ans, ary, to_end=None, to_begin=None, *, part):
    before = 0 if to_begin is None else np.size(to_begin)
    after = 0 if to_end is None else np.size(to_end)
    m = g.shape[0]
    if part == "ary":
        grad = _diff_adjoint(_slice(g, 0, before, m - after), 1, 0)
        return to_input(grad.reshape(np.shape(ary)), ary)
    x, lo, hi = (to_begin, 0, before) if part == "to_begin" else (to_end, m - after, m)
    return to_input(_slice(g, 0, lo, hi).reshape(np.shape(x)), x)


def _gradient(xp, f, *varargs, **kwargs):
    # NumPy 2.x returns a tuple for several axes; CuPy returns a list.
    res = xp.gradient(f, *varargs, **kwargs)
    return tuple(res) if isinstance(res, list) else res


def _gradient_meta(op, args, kwargs):
    """One array of f's shape per axis (a tuple for several); the dtypes and NumPy's checks from
    the op on f cut to three points per axis (as few as it needs, so too short stays too short)
    and coordinates cut alike."""
    f, *varargs = args
    shape = shape_of(f)
    axis = kwargs.get("axis")
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    if len(varargs) == len(axes):
        for ax, v in zip(axes, varargs, strict=True):
            s = shape_of(v)
            if len(s) == 1 and s[0] != shape[ax]:
                raise ValueError(
                    "when 1d, distances must match the length of the corresponding dimension"
                )
    result = run_small(op, [small(x, 3) for x in args], kwargs)
    if isinstance(result, tuple):
        return tuple(resized(r, shape) for r in result)
    return resized(result, shape)


def _stencil(m, spacing, edge_order):
    """numpy.gradient's stencil along an axis of length m, read off by probing it with three
    vectors (each row mixes at most three neighbouring points, so every row meets each probe
    once): interior rows (a, b, c) for f[i-1], f[i], f[i+1]; the first and last rows' weights."""
    probes = (numpy.arange(m)[None, :] % 3 == numpy.arange(3)[:, None]).astype(float)
    rows = numpy.gradient(probes, spacing, axis=1, edge_order=edge_order)  # rows[r][i]
    i = numpy.arange(1, m - 1)
    inner = [rows[(i + d) % 3, i] for d in (-1, 0, 1)]
    width = min(3, m)
    first = numpy.array([rows[j % 3, 0] for j in range(width)])
    last = numpy.array([rows[j % 3, m - 1] for j in range(m - width, m)])
    return inner, first, last


def _with(shape, axis, n):
    shape = list(shape)
    shape[axis] = n
    return tuple(shape)


def _stencil_adjoint(g, axis, m, spacing, edge_order):
    """The transpose of numpy.gradient's stencil along ``axis`` applied to ``g``."""
    inner, first, last = _stencil(m, spacing, edge_order)
    dtype = numpy.finfo(g.dtype).dtype
    shape = lambda w: _along_axis(w.astype(dtype), g.ndim, axis)  # noqa: E731
    zeros = lambda n: np.zeros_like(_slice(g, axis, 0, 1), shape=_with(g.shape, axis, n))  # noqa: E731
    width = len(first)
    out = np.concatenate([_slice(g, axis, 0, 1) * shape(first), zeros(m - width)], axis=axis)
    out = out + np.concatenate([zeros(m - width), _slice(g, axis, m - 1, m) * shape(last)], axis)
    if m > 2:
        gi = _slice(g, axis, 1, m - 1)
        for k, w in enumerate(inner):  # column i - 1 + k gets a, b, c times row i
            part = [zeros(k), gi * shape(w), zeros(2 - k)]
            out = out + np.concatenate(part, axis=axis)
    return out


def _gradient_vjp(g, ans, f, *varargs, axis=None, edge_order=1):
    """Not with respect to the spacings."""
    nd = np.ndim(f)
    axes = list(range(nd)) if axis is None else [axis] if numpy.ndim(axis) == 0 else list(axis)
    axes = [normalize_axis_index(a, nd) for a in axes]
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and numpy.ndim(host_values(varargs[0])) == 0:
        spacings = [host_values(varargs[0])] * len(axes)
    else:
        spacings = [host_values(v) for v in varargs]
    gs = g if isinstance(g, (tuple, list)) else (g,)
    total = None
    for gk, ax, dx in zip(gs, axes, spacings, strict=True):
        part = _stencil_adjoint(gk, ax, np.shape(f)[ax], dx, edge_order)
        total = part if total is None else total + part
    return to_input(total, f)


def _unwrap_meta(op, args, kwargs):
    """The input's shape; the dtype and NumPy's checks from the op on one element per axis."""
    params = bound(op, args, kwargs)
    return resized(_on_small(op, params), shape_of(params["p"]))


def _unwrap_vjp(g, ans, p, *args, **kwargs):
    return to_input(g, p)  # p plus a locally constant multiple of the period


ROWS = [
    Op(
        "diff",
        meta=_diff_meta,
        vjp=(
            partial(_diff_part, part="a"),
            None,
            None,
            partial(_diff_part, part="prepend"),
            partial(_diff_part, part="append"),
        ),
        aliases=True,  # n=0 returns the input
    ),
    Op(
        "ediff1d",
        meta=_ediff1d_meta,
        vjp=tuple(partial(_ediff1d_part, part=p) for p in ("ary", "to_end", "to_begin")),
    ),
    Op("gradient", _gradient, _gradient_meta, vjp=(_gradient_vjp,)),
    Op("unwrap", meta=_unwrap_meta, vjp=(_unwrap_vjp,)),
]


# --- integration and interpolation ---------------------------------------------------------------
def _trapezoid_meta(op, args, kwargs):
    """The product of the spacings (dx, or diff(x) placed along ``axis``) and the pairwise sums
    of y along it, broadcast, then summed over ``axis``."""
    params = bound(op, args, kwargs)
    result = _on_small(op, params)
    shape = list(shape_of(params["y"]))
    axis = params.get("axis", -1)
    ax = normalize_axis_index(axis, len(shape))
    shape[ax] = max(shape[ax] - 1, 0)
    x = params.get("x")
    if x is None:
        spacing = shape_of(params.get("dx", 1.0))
    elif len(shape_of(x)) == 1:
        spacing = _with([1] * len(shape), ax, max(shape_of(x)[0] - 1, 0))
    else:
        spacing = list(shape_of(x))
        x_axis = normalize_axis_index(axis, len(spacing))
        spacing = _with(spacing, x_axis, max(spacing[x_axis] - 1, 0))
    summed = list(numpy.broadcast_shapes(tuple(spacing), tuple(shape)))
    del summed[normalize_axis_index(axis, len(summed))]
    return resized(result, summed)


def _trapezoid_weights(x, dx, n, ndim, axis):
    """w with trapezoid(y) = sum(w * y, axis): half the spacing on each side of each point."""
    if x is None:
        w = numpy.ones(n)
        w[0] = w[-1] = 0.5
        return _along_axis(w, ndim, axis) * dx  # dx may be an array with a gradient
    x = as_array(x)
    if x.ndim == 1:
        x = np.reshape(x, tuple(-1 if i == axis else 1 for i in range(ndim)))
    d = np.diff(x, axis=axis)
    zero = np.zeros_like(_slice(d, axis, 0, 1))
    return (np.concatenate([zero, d], axis=axis) + np.concatenate([d, zero], axis=axis)) / 2


def _trapezoid_y(g, ans, y, x=None, dx=1.0, axis=-1):
    axis %= np.ndim(y)
    w = _trapezoid_weights(x, dx, np.shape(y)[axis], np.ndim(y), axis)
    return to_input(np.expand_dims(g, axis) * conj(w), y)


def _trapezoid_x(g, ans, y, x=None, dx=1.0, axis=-1):
    nd = np.ndim(y)
    axis %= nd
    mid = (_slice(y, axis, 1, None) + _slice(y, axis, 0, -1)) / 2  # d out / d diff(x)
    grad = _diff_adjoint(np.expand_dims(g, axis) * conj(mid), 1, axis)
    if np.ndim(x) == 1 and nd > 1:
        grad = np.sum(grad, axis=tuple(i for i in range(nd) if i != axis))
    return to_input(grad, x)


def _trapezoid_dx(g, ans, y, x=None, dx=1.0, axis=-1):
    if x is not None:
        return None  # dx is not used
    axis %= np.ndim(y)
    mid = (_slice(y, axis, 1, None) + _slice(y, axis, 0, -1)) / 2
    return to_input(np.sum(np.expand_dims(g, axis) * conj(mid)), dx)


def _interp_meta(op, args, kwargs):
    """One value per x; the dtype and NumPy's checks from the op on one-element arrays."""
    params = bound(op, args, kwargs)
    points, values = shape_of(params["xp"]), shape_of(params["fp"])
    if len(points) == len(values) == 1 and points != values:
        raise ValueError("fp and xp are not of the same length")
    return resized(_on_small(op, params), shape_of(params["x"]))


def _interp_grid(x, xp, period):
    """The sample points interp uses (host), the index into fp behind each, and x as interp
    uses it (dnp: reduced modulo the period, where given)."""
    xpn = numpy.asarray(host_values(xp), dtype=float).ravel()
    idx = numpy.arange(len(xpn))
    xd = np.ravel(as_array(x))
    if period is not None:  # NumPy's: both reduced, xp sorted, one point added at each end
        period = abs(float(period))
        xd = np.remainder(xd, period)
        xpn = xpn % period
        idx = numpy.argsort(xpn, kind="stable")
        xpn = xpn[idx]
        xpn = numpy.concatenate([xpn[-1:] - period, xpn, xpn[:1] + period])
        idx = numpy.concatenate([idx[-1:], idx, idx[:1]])
    xn = numpy.asarray(host_values(xd), dtype=float)
    j = numpy.clip(numpy.searchsorted(xpn, xn, side="right") - 1, 0, max(len(xpn) - 2, 0))
    return xpn, idx, xd, xn, j


def _interp_fp(g, ans, x, xp, fp, left=None, right=None, period=None):
    """interp is linear in fp: each x mixes its segment's two ends (hat functions)."""
    xpn, idx, xd, xn, j = _interp_grid(x, xp, period)
    m = np.size(fp)
    if len(xpn) > 1:  # t in dnp ops: the weights depend on x (mixed second derivatives)
        lo, hi = xpn[j].astype(xn.dtype), xpn[j + 1]
        t = np.clip((xd - lo) / (hi - lo), 0.0, 1.0)
    else:
        t = np.zeros_like(xd, dtype=float)
    gf = np.ravel(g)
    if period is None and left is not None:  # left/right replace fp[0]/fp[-1] outside
        gf = np.where(xn < xpn[0], 0, gf)
    if period is None and right is not None:
        gf = np.where(xn > xpn[-1], 0, gf)
    lo_i, hi_i = idx[j], idx[numpy.minimum(j + 1, len(xpn) - 1)]

    def scatter(w):  # bincount sums the weights of each fp index (positional: they carry g)
        return np.bincount(lo_i, w * (1 - t), m) + np.bincount(hi_i, w * t, m)

    grad = scatter(gf.real) + 1j * scatter(gf.imag) if np.iscomplexobj(gf) else scatter(gf)
    return to_input(grad, fp)


def _interp_x(g, ans, x, xp, fp, left=None, right=None, period=None):
    """The slope of the segment each x falls in (zero outside [xp[0], xp[-1]])."""
    xpn, idx, xd, xn, j = _interp_grid(x, xp, period)
    if len(xpn) < 2:
        return np.zeros_like(x)
    f = np.take(as_array(fp), idx)
    slope = (np.take(f, j + 1) - np.take(f, j)) / (xpn[j + 1] - xpn[j])
    inside = (xn >= xpn[0]) & (xn <= xpn[-1])
    grad = np.ravel(g) * np.where(inside, conj(slope), 0)
    return to_input(np.reshape(grad, np.shape(x)), x)


def _interp_outside(side):
    """left/right: the values of interp below xp[0] / above xp[-1]."""

    def rule(g, ans, x, xp, fp, left=None, right=None, period=None):
        xpn = numpy.asarray(host_values(xp), dtype=float)
        xn = numpy.asarray(host_values(x), dtype=float)
        out = xn < xpn[0] if side == "left" else xn > xpn[-1]
        return to_input(np.sum(np.where(out, g, 0)), left if side == "left" else right)

    return rule


ROWS += [
    Op("trapezoid", meta=_trapezoid_meta, vjp=(_trapezoid_y, _trapezoid_x, _trapezoid_dx)),
    Op(
        "interp",
        meta=_interp_meta,
        vjp=(_interp_x, None, _interp_fp, _interp_outside("left"), _interp_outside("right")),
    ),
]


# --- convolution ---------------------------------------------------------------------------------
_MODES = {"valid": 0, "same": 1, "full": 2, 0: 0, 1: 1, 2: 2}


def _convolution_meta(op, args, kwargs):
    """convolve, correlate of 1-d a (n) and v (m): n + m - 1 values in 'full' mode, max(n, m)
    in 'same', max - min + 1 in 'valid'; the dtype and NumPy's checks (empty or 2-d inputs, an
    unknown mode) from the op on one-element inputs."""
    params = bound(op, args, kwargs)
    result = _on_small(op, params)
    n, m = size_of(params["a"]), size_of(params["v"])
    mode = params.get("mode", signature_of(op.numpy_function()).parameters["mode"].default)
    length = (max(n, m) - min(n, m) + 1, max(n, m), n + m - 1)[_MODES[mode]]
    return resized(result, (length,))


# convolve(a, v, mode) is a slice of the full convolution at this offset; correlate's too.
def _conv_offset(n, k, mode):
    return {"full": 0, "same": (min(n, k) - 1) // 2, "valid": min(n, k) - 1}[mode]


def _corr_offset(n, k, mode):
    same = (k - 1) // 2 if n >= k else n // 2
    return {"full": 0, "same": same, "valid": min(n, k) - 1}[mode]


def _full_grad(g, n, k, offset):
    """g placed in zeros of the full result's length n + k - 1, at ``offset``."""
    full = n + k - 1
    after = full - offset - len(g)
    return np.concatenate([np.zeros_like(g, shape=(offset,)), g, np.zeros_like(g, shape=(after,))])


def _convolve_part(g, ans, a, v, mode="full", *, part):
    n, k = np.size(a), np.size(v)
    G = _full_grad(g, n, k, _conv_offset(n, k, mode))
    # d(a * v)/da is correlation with v (conjugated: numpy.correlate conjugates its second).
    other, x = (v, a) if part == 0 else (a, v)
    return to_input(np.correlate(G, other, "valid"), x)


def _correlate_part(g, ans, a, v, mode="valid", *, part):
    # correlate(a, v) = convolve(a, w) with w = conj(v[::-1]); grad_v = conj(grad_w)[::-1].
    n, k = np.size(a), np.size(v)
    G = _full_grad(g, n, k, _corr_offset(n, k, mode))
    if part == 0:
        return to_input(np.correlate(G, np.conjugate(np.flip(v)), "valid"), a)
    return to_input(np.flip(np.conjugate(np.correlate(G, a, "valid"))), v)


ROWS += [
    Op(
        "convolve",
        meta=_convolution_meta,
        vjp=(partial(_convolve_part, part=0), partial(_convolve_part, part=1)),
    ),
    Op(
        "correlate",
        meta=_convolution_meta,
        vjp=(partial(_correlate_part, part=0), partial(_correlate_part, part=1)),
    ),
]
