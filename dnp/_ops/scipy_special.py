"""``scipy.special``'s functions that distributions and models stand on (``dnp.scipy.special``):
SciPy's ufuncs on the CPU, cupyx.scipy's on a GPU, each with its gradient. Where CuPy lacks a
function or a form of it (``log_expit``, ``polygamma`` on arrays of orders, ``logsumexp``'s
``b=`` and ``return_sign=``), the GPU forward composes backend calls."""

from __future__ import annotations

import math
import numbers

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._fpstate import ignores
from .._meta import (
    FLOAT32_64,
    Meta,
    bound,
    check_out,
    elementwise,
    resized,
    run_bound,
    shape_of,
    small,
)
from ._grad import np, to_input
from ._row import Op, home
from .special import sinc_vjp

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _special(xp):
    """The backend's ``scipy.special``: SciPy's on the CPU, cupyx.scipy's on a GPU."""
    return home(xp, "scipy.special.gammaln")[0]


def _no_closed_form(name: str, arg: str):
    """The rule of an argument whose gradient has no closed form: raises saying so."""

    def rule(g, ans, *args, **kwargs):
        raise NotImplementedError(
            f"dnp.scipy.special.{name}: no gradient with respect to {arg} (no closed form)"
        )

    return rule


# --- forwards where CuPy lacks a function or a form of it --------------------------------------


_SCIPY_BELOW = 384  # elements: SciPy's one loop is the faster below, the six passes above


def _log_expit(xp, x, **kwargs):
    """log(expit(x)) = min(x, 0) - log1p(exp(-|x|)): within 4 ulp of SciPy's, and 3-4 times
    faster for float32 and float64 arrays of a few thousand elements (SciPy's loop, or
    logaddexp, evaluates a slower log and exp); SciPy's own for other dtypes, for out= or
    where=, and on the CPU below ``_SCIPY_BELOW`` elements, where its one call costs less than
    six passes."""
    if xp is numpy and _scipy_log_expit(x, kwargs):
        return _special(xp).log_expit(x, **kwargs)
    x = xp.asarray(x)
    if xp is numpy and ignores("under"):  # as NumPy's default is: no errstate block to open
        return _log_expit_of(xp, x)
    with numpy.errstate(under="ignore"):  # exp(-|x|) underflows to 0 for |x| > 745: exact
        return _log_expit_of(xp, x)


def _scipy_log_expit(x, kwargs: dict) -> bool:
    """Whether ``_log_expit`` on the CPU calls SciPy's ufunc for this call."""
    return bool(
        kwargs
        or getattr(x, "dtype", None) not in FLOAT32_64
        or getattr(x, "size", 0) < _SCIPY_BELOW
    )


def _log_expit_replay(xp, args, kwargs):
    """For ``dnp.jit``: where the forward takes SciPy's loop, that ufunc itself; where it takes
    the six passes with underflow already ignored (the step's errstate, the same at every
    replay), those."""
    if xp is not numpy or len(args) != 1 or type(args[0]) is not numpy.ndarray:
        return None
    if _scipy_log_expit(args[0], kwargs):
        return _special(xp).log_expit if not kwargs else None
    return _log_expit_numpy if ignores("under") else None


def _log_expit_numpy(x):
    return _log_expit_of(numpy, x)


def _log_expit_of(xp, x):
    """min(x, 0) - log1p(exp(-|x|)), the temporary reused in place (fewer allocations)."""
    t = xp.abs(x)
    if t.ndim == 0:
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-t))
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    xp.log1p(t, out=t)
    m = xp.minimum(x, 0)
    return xp.subtract(m, t, out=m)


def _polygamma(xp, n, x):
    if xp is numpy:
        return _special(xp).polygamma(n, x)
    sp = _special(xp)
    n, x = xp.asarray(n), xp.asarray(x)
    fac2 = (-1.0) ** (n + 1) * sp.gamma(n + 1.0) * sp.zeta(n + 1, x)
    return xp.where(n == 0, sp.digamma(x), fac2)


def _stdtrit(xp, df, p, **kwargs):
    """Student's t quantile; on a GPU from the inverse regularized incomplete beta function (in
    float64, as SciPy's loops compute): ``x = df / (df + t**2)`` from the tail probability in the
    tails, ``1 - x`` from ``|2p - 1|`` (exact there) near the centre."""
    if xp is numpy:
        return _special(xp).stdtrit(df, p, **kwargs)
    sp = _special(xp)
    dtype = xp.result_type(df, p, xp.float32)
    df, p = xp.asarray(df, dtype=xp.float64), xp.asarray(p, dtype=xp.float64)
    tail = xp.minimum(p, 1 - p)
    x = sp.betaincinv(df / 2, 0.5, 2 * tail)
    y = sp.betaincinv(0.5, df / 2, xp.abs(2 * p - 1))
    t = xp.sqrt(xp.where(tail < 0.25, df * (1 / x - 1), df * y / (1 - y)))
    t = xp.where(xp.isinf(df), sp.ndtri(p), xp.where(p < 0.5, -t, t))
    t = xp.where((p == 0) & (df > 0), xp.inf, t)  # SciPy's stdtrit(df, 0) is +inf
    return t.astype(dtype, copy=False)


def _logsumexp(xp, a, axis=None, b=None, keepdims=False, return_sign=False):
    if xp is numpy:
        return _special(xp).logsumexp(a, axis, b, keepdims, return_sign)
    a = xp.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(xp.float64)
    if b is not None:
        a, b = xp.broadcast_arrays(a, xp.asarray(b))
        a = xp.where(b == 0, -xp.inf, a)  # terms with b == 0 count for nothing
    m = xp.max(a, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(a - m)
    s = xp.sum(e if b is None else b * e, axis=axis, keepdims=True)
    sign = xp.sign(s)
    out = xp.log(xp.abs(s) if return_sign else s) + m
    if not keepdims:
        axes = tuple(range(a.ndim)) if axis is None else axis
        out, sign = xp.squeeze(out, axes), xp.squeeze(sign, axes)
    return (out, sign) if return_sign else out


# --- metadata rules -----------------------------------------------------------------------------
def _broadcast_meta(op, args, kwargs):
    """Functions broadcasting their array arguments (``polygamma``, ``zeta``): the broadcast
    shape; the dtype and SciPy's errors from the function on one-element stand-ins."""
    params = bound(op, args, kwargs)
    out = params.pop("out", None)
    shape = numpy.broadcast_shapes(*(shape_of(v) for v in params.values() if v is not None))
    tiny = run_bound(op, {k: small(v) for k, v in params.items()})
    check_out(out, shape)
    return resized(tiny, shape) if out is None else Meta(shape, out.dtype)


def _multigammaln_meta(op, args, kwargs):
    """The shape of ``a``; SciPy's check of ``d`` and the dtype from the function on a one-element
    ``a`` set to ``d`` (inside the domain ``a > (d - 1) / 2``, which only the data can break)."""
    params = bound(op, args, kwargs)
    a, d = params["a"], params["d"]
    value = float(d) if isinstance(d, numbers.Real) else 1.0
    tiny = small(a)
    if hasattr(tiny, "dtype"):
        tiny = numpy.full(tiny.shape, value, tiny.dtype)
    else:
        tiny = type(a)(value) if isinstance(a, (int, float)) else value
    return resized(run_bound(op, {**params, "a": tiny}), shape_of(a))


def _reduced_shape(shape, axis, keepdims):
    axes = range(len(shape)) if axis is None else normalize_axis_tuple(axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _logsumexp_meta(op, args, kwargs):
    """``a`` and ``b`` broadcast, reduced over ``axis``; dtype and errors from the function on
    one-element stand-ins; a (value, sign) pair with ``return_sign=True``."""
    params = bound(op, args, kwargs)
    shape = shape_of(params["a"])
    if params.get("b") is not None:
        shape = numpy.broadcast_shapes(shape, shape_of(params["b"]))
    tiny = run_bound(op, {**params, "a": small(params["a"]), "b": small(params.get("b"))})
    shape = _reduced_shape(shape, params.get("axis"), params.get("keepdims", False))
    if params.get("return_sign", False):
        return tuple(resized(t, shape) for t in tiny)
    return resized(tiny, shape)


def _same_shape_meta(op, args, kwargs):
    """``softmax`` and ``log_softmax``: ``x``'s shape; dtype and errors (``axis``) from the
    function on a one-element stand-in."""
    params = bound(op, args, kwargs)
    tiny = run_bound(op, {**params, "x": small(params["x"])})
    return resized(tiny, shape_of(params["x"]))


# --- gradient rules -----------------------------------------------------------------------------
def _unary(derivative):
    """The rule ``g * f'(x)`` of a one-argument function, ``derivative(ans, x)`` giving f'."""
    return (lambda g, ans, x, **kwargs: to_input(g * derivative(ans, x), x),)


def _sp():
    """``dnp.scipy.special``, whose functions the rules are written with."""
    return np.scipy.special


def _polygamma_vjp(g, ans, n, x):
    return to_input(g * _sp().polygamma(n + 1, x), x)


def _multigammaln_vjp(g, ans, a, d):
    total = sum(_sp().digamma(a - j / 2) for j in range(int(d)))
    return to_input(g * total, a)


def _betaln_vjp(which):
    def rule(g, ans, a, b, **kwargs):
        x = (a, b)[which]
        return to_input(g * (_sp().digamma(x) - _sp().digamma(a + b)), x)

    return rule


def _gammainc_density(a, x):
    """d/dx of the regularized lower incomplete gamma function."""
    return np.exp(_sp().xlogy(a - 1, x) - x - _sp().gammaln(a))


def _betainc_x_vjp(g, ans, a, b, x, **kwargs):
    logd = _sp().xlogy(a - 1, x) + _sp().xlog1py(b - 1, -x) - _sp().betaln(a, b)
    return to_input(g * np.exp(logd), x)


def _gammaincinv_y_vjp(sign):
    """The rule for ``y`` of ``gammaincinv`` (``sign`` 1) and ``gammainccinv`` (-1): one over the
    density of ``gammainc`` at the result, by the inverse function rule."""

    def rule(g, ans, a, y, **kwargs):
        slope = np.exp(_sp().gammaln(a) + ans - _sp().xlogy(a - 1, ans))
        return to_input(sign * g * slope, y)

    return rule


def _betaincinv_y_vjp(g, ans, a, b, y, **kwargs):
    logd = _sp().betaln(a, b) - _sp().xlogy(a - 1, ans) - _sp().xlog1py(b - 1, -ans)
    return to_input(g * np.exp(logd), y)


def _stdtrit_p_vjp(g, ans, df, p, **kwargs):
    """One over Student's t density with ``df`` degrees of freedom at the result."""
    half = (df + 1) / 2
    log_pdf = (
        _sp().gammaln(half)
        - _sp().gammaln(df / 2)
        - 0.5 * np.log(df * math.pi)
        - half * np.log1p(ans * ans / df)
    )
    return to_input(g * np.exp(-log_pdf), p)


def _xlogy_vjp(log, pole):
    """The rule for ``x`` of ``x log(y)`` (``log(1 + y)``): ``log(y)``, and 0 at ``x = 0`` where
    ``y`` is the log's pole (SciPy's convention there makes the function 0 at ``x = 0``)."""

    def x_rule(g, ans, x, y, **kwargs):
        return to_input(g * np.where((x == 0) & (y == pole), 0, log(y)), x)

    return x_rule


def _i1_derivative(ans, x):
    zero = x == 0
    return np.where(zero, 0.5, _sp().i0(x) - _sp().i1(x) / np.where(zero, 1, x))


def _i1e_derivative(ans, x):
    zero = x == 0
    tail = ans * (np.sign(x) + 1 / np.where(zero, 1, x))
    return np.where(zero, 0.5, _sp().i0e(x) - tail)


def _zeta_q_vjp(g, ans, x, q=None, out=None):
    return to_input(-g * x * _sp().zeta(x + 1, q), q)


def _expand(v, shape, axis, keepdims):
    """A reduction's result ``v`` with its reduced axes back (as length 1) to broadcast against
    an operand of ``shape``."""
    if keepdims:
        return v
    axes = tuple(range(len(shape))) if axis is None else normalize_axis_tuple(axis, len(shape))
    return np.expand_dims(v, axes)


def _logsumexp_weights(g, ans, a, axis, b, keepdims, return_sign):
    """(g, exp(a - value) * sign): the softmax weights of d value / d (b exp(a)), expanded."""
    shape = shape_of(a) if b is None else numpy.broadcast_shapes(shape_of(a), shape_of(b))
    value, sign = ans if return_sign else (ans, 1)
    if return_sign:
        g = g[0]  # the sign is locally constant
        sign = _expand(sign, shape, axis, keepdims)
    value = _expand(value, shape, axis, keepdims)
    value = np.where(np.isfinite(value), value, 0)  # all terms zero: weights 0, not nan
    return _expand(g, shape, axis, keepdims), np.exp(a - value) * sign


def _logsumexp_a_vjp(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    g, w = _logsumexp_weights(g, ans, a, axis, b, keepdims, return_sign)
    return to_input(g * w if b is None else g * b * w, a)


def _logsumexp_b_vjp(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
    g, w = _logsumexp_weights(g, ans, a, axis, b, keepdims, return_sign)
    return to_input(g * w, b)


def _softmax_vjp(g, ans, x, axis=None):
    return to_input(ans * (g - np.sum(g * ans, axis=axis, keepdims=True)), x)


def _log_softmax_vjp(g, ans, x, axis=None):
    return to_input(g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True), x)


def _name(short: str) -> str:
    return f"scipy.special.{short}"


def _ufunc(short: str, vjp, forward=None, replay=None) -> Op:
    return Op(_name(short), forward, elementwise, vjp=vjp, replay=replay)


ROWS = [
    # gamma and beta functions
    _ufunc("gammaln", _unary(lambda ans, x: _sp().digamma(x))),
    _ufunc("digamma", _unary(lambda ans, x: _sp().polygamma(1, x))),
    Op(_name("polygamma"), _polygamma, _broadcast_meta, vjp=(None, _polygamma_vjp)),
    Op(_name("multigammaln"), None, _multigammaln_meta, vjp=(_multigammaln_vjp, None)),
    _ufunc("betaln", (_betaln_vjp(0), _betaln_vjp(1))),
    _ufunc(
        "gammainc",
        (
            _no_closed_form("gammainc", "a"),
            lambda g, ans, a, x, **kw: to_input(g * _gammainc_density(a, x), x),
        ),
    ),
    _ufunc(
        "gammaincc",
        (
            _no_closed_form("gammaincc", "a"),
            lambda g, ans, a, x, **kw: to_input(-g * _gammainc_density(a, x), x),
        ),
    ),
    _ufunc(
        "betainc",
        (_no_closed_form("betainc", "a"), _no_closed_form("betainc", "b"), _betainc_x_vjp),
    ),
    # their inverses in the probability argument
    _ufunc("gammaincinv", (_no_closed_form("gammaincinv", "a"), _gammaincinv_y_vjp(1))),
    _ufunc("gammainccinv", (_no_closed_form("gammainccinv", "a"), _gammaincinv_y_vjp(-1))),
    _ufunc(
        "betaincinv",
        (
            _no_closed_form("betaincinv", "a"),
            _no_closed_form("betaincinv", "b"),
            _betaincinv_y_vjp,
        ),
    ),
    _ufunc("stdtrit", (_no_closed_form("stdtrit", "df"), _stdtrit_p_vjp), forward=_stdtrit),
    # error function and the normal distribution
    _ufunc("erf", _unary(lambda ans, x: (2 / _SQRT_PI) * np.exp(-x * x))),
    _ufunc("erfc", _unary(lambda ans, x: (-2 / _SQRT_PI) * np.exp(-x * x))),
    _ufunc("erfinv", _unary(lambda ans, x: (_SQRT_PI / 2) * np.exp(ans * ans))),
    _ufunc("erfcx", _unary(lambda ans, x: 2 * x * ans - 2 / _SQRT_PI)),
    _ufunc("ndtr", _unary(lambda ans, x: np.exp(-x * x / 2) / _SQRT_2PI)),
    _ufunc("ndtri", _unary(lambda ans, x: _SQRT_2PI * np.exp(ans * ans / 2))),
    _ufunc("log_ndtr", _unary(lambda ans, x: np.exp(-x * x / 2 - ans) / _SQRT_2PI)),
    # logistic functions
    _ufunc("expit", _unary(lambda ans, x: ans * _sp().expit(-x))),
    _ufunc("logit", _unary(lambda ans, x: 1 / (x * (1 - x)))),
    _ufunc(
        "log_expit",
        _unary(lambda ans, x: _sp().expit(-x)),
        forward=_log_expit,
        replay=_log_expit_replay,
    ),
    # reductions and normalizations
    Op(
        _name("logsumexp"),
        _logsumexp,
        _logsumexp_meta,
        vjp=(_logsumexp_a_vjp, None, _logsumexp_b_vjp),
    ),
    Op(_name("softmax"), None, _same_shape_meta, vjp=(_softmax_vjp,)),
    Op(_name("log_softmax"), None, _same_shape_meta, vjp=(_log_softmax_vjp,)),
    # x log y and entropy
    _ufunc(
        "xlogy",
        (_xlogy_vjp(lambda y: np.log(y), 0), lambda g, ans, x, y, **kw: to_input(g * x / y, y)),
    ),
    _ufunc(
        "xlog1py",
        (
            _xlogy_vjp(lambda y: np.log1p(y), -1),
            lambda g, ans, x, y, **kw: to_input(g * x / (1 + y), y),
        ),
    ),
    _ufunc("entr", _unary(lambda ans, x: -(np.log(x) + 1))),
    # modified Bessel functions of orders 0 and 1 (plain and exponentially scaled)
    _ufunc("i0", _unary(lambda ans, x: _sp().i1(x))),
    _ufunc("i0e", _unary(lambda ans, x: _sp().i1e(x) - np.sign(x) * ans)),
    _ufunc("i1", _unary(_i1_derivative)),
    _ufunc("i1e", _unary(_i1e_derivative)),
    # Hurwitz zeta (Riemann's without q)
    Op(_name("zeta"), None, _broadcast_meta, vjp=(_no_closed_form("zeta", "x"), _zeta_q_vjp)),
    # NumPy's sinc under SciPy's name: one forward and one gradient with the "sinc" row
    _ufunc("sinc", (sinc_vjp,), forward=lambda xp, x: xp.sinc(x)),
]
