"""Elementwise ops: every NumPy ufunc, and the ufunc methods (reduce, accumulate, outer, at,
reduceat). Each ufunc's forward is the backend's ufunc of the same name; ``out=``, ``where=``,
``dtype=``, ``casting=`` and ``order=`` pass through to it. Aliases (``abs``, ``acos``, ``pow``,
...) are found from NumPy's own namespace, so they are not rows. The reduce, accumulate and
reduceat of the ufuncs NumPy does not reorder fold left on every host (see "left folds").

Gradients (``VJPS`` at the bottom): each ufunc's rule comes from its derivative (``_D``);
the methods reuse those: ``u.outer`` is ``u`` on reshaped operands, ``u.reduce``/``accumulate``
differentiate the fold ``y[k] = u(y[k-1], x[k])`` step by step (add, multiply and the extrema
have direct rules: exact at zeros, ties split equally), ``u.reduceat`` is ``u.reduce`` per
slice, ``u.at`` is ``u`` on the indexed elements (repeated indices only for add/subtract).
"""

import functools
import math

import numpy

from .._meta import _quiet_call, contraction_work, elementwise, probe, probe_numpy
from ._grad import conj, expand_reduced, np, unbroadcast
from ._row import Op, attach_vjps

ARITHMETIC = (
    "add subtract multiply divide floor_divide remainder fmod divmod power float_power "
    "negative positive absolute fabs sign reciprocal square sqrt cbrt heaviside maximum "
    "minimum fmax fmin gcd lcm conjugate"
).split()
EXP_LOG = "exp exp2 expm1 log log2 log10 log1p logaddexp logaddexp2".split()
TRIG = (
    "sin cos tan arcsin arccos arctan arctan2 hypot sinh cosh tanh arcsinh arccosh arctanh "
    "deg2rad rad2deg degrees radians"
).split()
ROUNDING = "rint floor ceil trunc".split()
FLOATING = "isfinite isinf isnan isnat signbit copysign nextafter spacing modf ldexp frexp".split()
BITWISE = "bitwise_and bitwise_or bitwise_xor invert left_shift right_shift bitwise_count".split()
COMPARISON = "greater greater_equal less less_equal equal not_equal".split()
LOGICAL = "logical_and logical_or logical_xor logical_not".split()
# Generalized ufuncs: core dimensions, so their shape is not a broadcast; probe the real shapes.
GUFUNCS = "matmul vecdot matvec vecmat".split()

UFUNC_METHODS = ("reduce", "accumulate", "outer", "at", "reduceat")

UFUNCS = ARITHMETIC + EXP_LOG + TRIG + ROUNDING + FLOATING + BITWISE + COMPARISON + LOGICAL


# --- gradients ----------------------------------------------------------------------------------
# ``_D[name]``: per argument, the gradient before it is summed down to the argument's shape,
# ``d(g, ans, *args)`` (g and ans broadcast shape); ``_ufunc_rules`` adds ``unbroadcast`` and
# ``where=``. Holomorphic functions use ``g * conj(f'(z))`` (see _grad.py).
_LN2, _LN10, _DEG = math.log(2.0), math.log(10.0), math.pi / 180.0


def _nz(a):
    """``a`` with its zeros replaced by ones (the guard HIPS autograd calls ``replace_zero``)."""
    return a + (a == 0)


def _pow_dx(x, y, pow_):
    return y * pow_(x, y - 1 + (y == 0))  # y == 0: 0 * x**0 (no 0 * inf at x == 0)


def _abs_dx(g, ans, x):
    # Complex: |z| is not holomorphic; d|z| = Re(conj(z)/|z| dz), so the gradient is g z/|z|.
    return g * x / _nz(ans) if np.iscomplexobj(x) else g * np.sign(x)


def _max_d(first, ties_nan):
    """maximum/minimum (``first`` = greater/less), fmax/fmin: the gradient goes to the selected
    argument; ties split it equally. NaN: maximum/minimum select the NaN, fmax/fmin the other."""

    def dx(g, ans, x, y):
        pick = getattr(np, first)(x, y) | (np.isnan(x) if ties_nan == "self" else np.isnan(y))
        return g * pick + g * (x == y) / 2

    def dy(g, ans, x, y):
        pick = getattr(np, first)(y, x) | (np.isnan(y) if ties_nan == "self" else np.isnan(x))
        return g * pick + g * (x == y) / 2

    return dx, dy


_D = {
    "add": (lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    "subtract": (lambda g, ans, x, y: g, lambda g, ans, x, y: -g),
    "multiply": (lambda g, ans, x, y: g * conj(y), lambda g, ans, x, y: g * conj(x)),
    "divide": (lambda g, ans, x, y: g / conj(y), lambda g, ans, x, y: -g * conj(ans / y)),
    "remainder": (lambda g, ans, x, y: g, lambda g, ans, x, y: -g * np.floor_divide(x, y)),
    "fmod": (lambda g, ans, x, y: g, lambda g, ans, x, y: -g * np.trunc(x / y)),
    # Two outputs (quotient, remainder): the quotient is locally constant.
    "divmod": (lambda g, ans, x, y: g[1], lambda g, ans, x, y: -g[1] * ans[0]),
    "power": (
        lambda g, ans, x, y: g * conj(_pow_dx(x, y, np.power)),
        lambda g, ans, x, y: g * conj(ans * np.log(_nz(x))),
    ),
    "float_power": (
        lambda g, ans, x, y: g * conj(_pow_dx(x, y, np.float_power)),
        lambda g, ans, x, y: g * conj(ans * np.log(_nz(x))),
    ),
    "negative": (lambda g, ans, x: -g,),
    "positive": (lambda g, ans, x: g,),
    "absolute": (_abs_dx,),
    "fabs": (lambda g, ans, x: g * np.sign(x),),
    "reciprocal": (lambda g, ans, x: -g * conj(ans * ans),),
    "square": (lambda g, ans, x: g * conj(2 * x),),
    "sqrt": (lambda g, ans, x: g / conj(2 * ans),),
    "cbrt": (lambda g, ans, x: g / (3 * ans * ans),),
    "maximum": _max_d("greater", "self"),
    "minimum": _max_d("less", "self"),
    "fmax": _max_d("greater", "other"),
    "fmin": _max_d("less", "other"),
    "conjugate": (lambda g, ans, x: np.conjugate(g),),
    "exp": (lambda g, ans, x: g * conj(ans),),
    "exp2": (lambda g, ans, x: g * conj(ans * _LN2),),
    "expm1": (lambda g, ans, x: g * conj(ans + 1),),
    "log": (lambda g, ans, x: g / conj(x),),
    "log2": (lambda g, ans, x: g / conj(x * _LN2),),
    "log10": (lambda g, ans, x: g / conj(x * _LN10),),
    "log1p": (lambda g, ans, x: g / conj(x + 1),),
    "logaddexp": (
        lambda g, ans, x, y: g * np.exp(x - ans),
        lambda g, ans, x, y: g * np.exp(y - ans),
    ),
    "logaddexp2": (
        lambda g, ans, x, y: g * np.exp2(x - ans),
        lambda g, ans, x, y: g * np.exp2(y - ans),
    ),
    "sin": (lambda g, ans, x: g * conj(np.cos(x)),),
    "cos": (lambda g, ans, x: -g * conj(np.sin(x)),),
    "tan": (lambda g, ans, x: g * conj(1 + ans * ans),),
    "arcsin": (lambda g, ans, x: g / conj(np.sqrt(1 - x * x)),),
    "arccos": (lambda g, ans, x: -g / conj(np.sqrt(1 - x * x)),),
    "arctan": (lambda g, ans, x: g / conj(1 + x * x),),
    "arctan2": (
        lambda g, ans, x, y: g * y / (x * x + y * y),
        lambda g, ans, x, y: -g * x / (x * x + y * y),
    ),
    "hypot": (lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans),
    "sinh": (lambda g, ans, x: g * conj(np.cosh(x)),),
    "cosh": (lambda g, ans, x: g * conj(np.sinh(x)),),
    "tanh": (lambda g, ans, x: g * conj(1 - ans * ans),),
    "arcsinh": (lambda g, ans, x: g / conj(np.sqrt(x * x + 1)),),
    "arccosh": (lambda g, ans, x: g / conj(np.sqrt(x - 1) * np.sqrt(x + 1)),),
    "arctanh": (lambda g, ans, x: g / conj(1 - x * x),),
    "deg2rad": (lambda g, ans, x: g * _DEG,),
    "radians": (lambda g, ans, x: g * _DEG,),
    "rad2deg": (lambda g, ans, x: g / _DEG,),
    "degrees": (lambda g, ans, x: g / _DEG,),
    # copysign(x1, x2) = |x1| with x2's sign: slope +-1 in x1 (do the signs agree?), 0 in x2.
    "copysign": (lambda g, ans, x, y: g * np.copysign(1, x) * np.copysign(1, y), None),
    # ldexp(x1, x2) = x1 * 2**x2, x2 integer.
    "ldexp": (lambda g, ans, x, e: np.ldexp(g, e), None),
    # Two outputs (fractional part, integral part): the integral part is locally constant.
    "modf": (lambda g, ans, x: g[0],),
    # Two outputs (mantissa x / 2**e, integer exponent e).
    "frexp": (lambda g, ans, x: np.ldexp(g[0], -ans[1]),),
}


def _masked(g, where):
    if where is True:
        return g
    if isinstance(g, tuple):
        return (
            type(g)(*(gi * where for gi in g))
            if hasattr(g, "_fields")
            else tuple(gi * where for gi in g)
        )
    return g * where


def _ufunc_rules(derivs):
    nin = len(derivs)

    def make(i, d):
        if d is None:
            return None

        def rule(g, ans, *args, out=None, where=True, **kwargs):
            # ``where=``: the gradient flows only where the ufunc computed.
            return unbroadcast(d(_masked(g, where), ans, *args[:nin]), args[i])

        return rule

    return tuple(make(i, d) for i, d in enumerate(derivs))


# --- generalized ufuncs: core dimensions; 1-d matmul operands are promoted and squeezed back ----
def _matmul_dx1(g, ans, x1, x2, out=None, **kwargs):
    if np.ndim(x2) == 1:  # g (..., m) (a scalar when x1 is 1-d too): outer product with x2
        return unbroadcast(np.multiply.outer(g, conj(x2)), x1)
    if np.ndim(x1) == 1:  # g (..., n), x2 (..., k, n)
        return unbroadcast(np.matvec(conj(x2), g), x1)
    return unbroadcast(np.matmul(g, conj(np.matrix_transpose(x2))), x1)


def _matmul_dx2(g, ans, x1, x2, out=None, **kwargs):
    if np.ndim(x1) == 1:
        if np.ndim(x2) == 1:
            return unbroadcast(g * conj(x1), x2)
        return unbroadcast(np.expand_dims(conj(x1), -1) * np.expand_dims(g, -2), x2)
    if np.ndim(x2) == 1:  # sum_m g_m conj(x1_mk) (vecmat conjugates its vector)
        return unbroadcast(conj(np.vecmat(g, x1)), x2)
    return unbroadcast(np.matmul(conj(np.matrix_transpose(x1)), g), x2)


def _vecdot_rule(i):
    # vecdot(x1, x2) = sum(conj(x1) * x2, axis): antiholomorphic in x1, holomorphic in x2.
    def rule(g, ans, x1, x2, out=None, axis=-1, axes=None, **kwargs):
        if axes is not None:
            raise NotImplementedError("the gradient of dnp.vecdot with axes= (use axis=)")
        a, b = (x1, x2) if i == 0 else (x2, x1)
        ge = np.expand_dims(np.conjugate(g) if i == 0 and np.iscomplexobj(g) else g, -1)
        moved = np.moveaxis(a, axis, -1)
        return np.moveaxis(unbroadcast(ge * np.moveaxis(b, axis, -1), moved), -1, axis)

    return rule


def _no_axes(kwargs, name):
    if "axes" in kwargs or "axis" in kwargs:
        raise NotImplementedError(f"the gradient of dnp.{name} with axes=")


def _matvec_dx1(g, ans, x1, x2, out=None, **kwargs):
    _no_axes(kwargs, "matvec")
    return unbroadcast(np.expand_dims(g, -1) * conj(np.expand_dims(x2, -2)), x1)


def _matvec_dx2(g, ans, x1, x2, out=None, **kwargs):
    _no_axes(kwargs, "matvec")
    return unbroadcast(conj(np.vecmat(g, x1)), x2)


def _vecmat_dx1(g, ans, x1, x2, out=None, **kwargs):
    _no_axes(kwargs, "vecmat")
    return unbroadcast(np.matvec(x2, np.conjugate(g) if np.iscomplexobj(g) else g), x1)


def _vecmat_dx2(g, ans, x1, x2, out=None, **kwargs):
    _no_axes(kwargs, "vecmat")
    return unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2)


# --- ufunc methods --------------------------------------------------------------------------------
_NOVALUE = numpy._NoValue


def _outer_rules(u):
    """``u.outer(A, B)`` is ``u(A[..., None, ..., None], B)``: u's own rules on reshaped A."""

    def make(i, d):
        if d is None:
            return None

        def rule(g, ans, A, B, **kwargs):
            Ae = np.reshape(A, np.shape(A) + (1,) * np.ndim(B))
            r = d(_masked(g, kwargs.get("where", True)), ans, Ae, B)
            return np.reshape(unbroadcast(r, Ae), np.shape(A)) if i == 0 else unbroadcast(r, B)

        return rule

    return tuple(make(i, d) for i, d in enumerate(_D[u]))


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes))


def _expanded(g, x, axis, keepdims):
    """The reduction's gradient ``g`` broadcast to its input ``x``'s shape."""
    shape = np.shape(x)
    axes = _axes(axis, len(shape))
    return np.broadcast_to(expand_reduced(g, shape, axes, keepdims), shape)


def _add_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    return _masked(_expanded(g, array, axis, keepdims), kwargs.get("where", True))


def _extreme_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    # The gradient goes to the elements equal to the result, split equally between ties.
    full = _expanded(ans, array, axis, keepdims)
    hit = _masked(array == full, kwargs.get("where", True))
    count = np.add.reduce(hit, axis=_axes(axis, np.ndim(array)), keepdims=True)
    return _expanded(g, array, axis, keepdims) * hit / _nz(count)


def _flat_last(x, axes):
    """``x`` with ``axes`` moved to the end and flattened into one: (x', undo)."""
    shape = np.shape(x)
    rest = [i for i in range(len(shape)) if i not in axes]
    perm = rest + list(axes)
    moved = tuple(shape[i] for i in perm)
    inverse = [perm.index(i) for i in range(len(shape))]
    xm = np.reshape(np.transpose(x, perm), tuple(shape[i] for i in rest) + (-1,))
    return xm, lambda y: np.transpose(np.reshape(y, moved), inverse)


def _multiply_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    # Exact at zeros: each element's gradient is the product of all the others (prefix and
    # suffix products).
    if kwargs.get("where", True) is not True:
        raise NotImplementedError("the gradient of dnp.multiply.reduce with where=")
    axes = _axes(axis, np.ndim(array))
    xm, undo = _flat_last(array, axes)
    ones = np.ones_like(xm[..., :1])
    left = np.multiply.accumulate(xm, axis=-1)
    right = np.flip(np.multiply.accumulate(np.flip(xm, -1), axis=-1), -1)
    others = np.concatenate([ones, left[..., :-1]], -1) * np.concatenate([right[..., 1:], ones], -1)
    if kwargs.get("initial", _NOVALUE) is not _NOVALUE:
        others = others * kwargs["initial"]
    gm = np.expand_dims(np.reshape(g, np.shape(xm)[:-1]), -1)
    return undo(gm * conj(others))


def _moved0(x, axis):
    return np.moveaxis(x, 0 if axis is None else axis, 0)


def _fold_rule(u, accumulate):
    """Any binary ufunc's reduce/accumulate along one axis, from its call rules: the fold
    ``y[k] = u(y[k-1], x[k])`` differentiated step by step backwards."""
    d0, d1 = _D[u]

    def rule(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
        if kwargs.get("initial", _NOVALUE) is not _NOVALUE or kwargs.get("where", True) is not True:
            raise NotImplementedError(f"the gradient of dnp.{u}.reduce with initial= or where=")
        if not isinstance(axis, int) and not (axis is None and np.ndim(array) == 1):
            raise NotImplementedError(f"the gradient of dnp.{u}.reduce over several axes")
        axis = 0 if axis is None else axis
        x = np.moveaxis(array, axis, 0)
        acc = getattr(np, u).accumulate(x, axis=0)
        if accumulate:
            gs = np.moveaxis(g, axis, 0)
        elif keepdims:
            g = np.squeeze(g, axis)
        n = np.shape(x)[0]
        if n == 0:
            return np.zeros_like(array)
        grads = [None] * n
        carry = gs[n - 1] if accumulate else g
        for k in range(n - 1, 0, -1):
            step = (carry, acc[k], acc[k - 1], x[k])
            grads[k] = np.zeros_like(x[k]) if d1 is None else unbroadcast(d1(*step), x[k])
            carry = unbroadcast(d0(*step), acc[k - 1])
            if accumulate:
                carry = carry + gs[k - 1]
        grads[0] = carry
        return np.moveaxis(np.stack(grads), 0, axis)

    return rule


def _add_accumulate(g, ans, array, axis=0, dtype=None, out=None):
    axis = 0 if axis is None else axis
    return np.flip(np.add.accumulate(np.flip(g, axis), axis=axis), axis)


def _multiply_accumulate(g, ans, array, axis=0, dtype=None, out=None):
    from .reductions import _cumprod_grad  # cumprod's rule: exact at zeros, no division

    return _cumprod_grad(g, array, ans, (0 if axis is None else axis) % np.ndim(array))


def _reduceat_rule(u):
    """``u.reduceat``: each output is ``u.reduce`` of a slice (or one element); the slices'
    gradients, from u.reduce's rule, are padded back to the input's length and summed."""

    def rule(g, ans, array, indices, axis=0, dtype=None, out=None):
        reduce_rule = REDUCE_RULES[u]
        idx = numpy.asarray(indices.tolist() if hasattr(indices, "tolist") else indices).ravel()
        idx = [int(i) for i in idx.tolist()]
        nd, n = np.ndim(array), np.shape(array)[axis]
        axis %= nd
        total = None
        for j, start in enumerate(idx):
            end = idx[j + 1] if j + 1 < len(idx) else n
            end = end if end > start else start + 1
            pre = (slice(None),) * axis
            seg = array[(*pre, slice(start, end))]
            gj, aj = g[(*pre, j)], ans[(*pre, j)]
            part = reduce_rule(gj, aj, seg, axis) if end - start > 1 else np.expand_dims(gj, axis)
            width = [(0, 0)] * nd
            width[axis] = (start, n - end)
            part = np.pad(part, width)
            total = part if total is None else total + part
        return total

    return rule


def _at_rules(u):
    """``u.at(a, indices, b)``, in place: ``a[indices] = u(a[indices], b)``. add/subtract allow
    repeated indices; the other ufuncs' rules need distinct ones (NumPy applies u repeatedly)."""
    derivs = _D[u]
    linear = u in ("add", "subtract")

    def check(a, ans, indices):
        if a is ans:  # the tape handed the written array itself, not its value before the write
            raise NotImplementedError(
                f"the gradient of dnp.{u}.at needs the array's value before the write, which the "
                "tape did not keep"
            )
        if not linear:
            hits = np.zeros(np.shape(a), dtype=numpy.intp)
            np.add.at(hits, indices, 1)
            if bool(np.any(hits > 1)):
                raise NotImplementedError(f"the gradient of dnp.{u}.at with repeated indices")

    def rule_a(g, ans, a, indices, b=None):
        if linear:
            return g
        check(a, ans, indices)
        gs, args = g[indices], (a[indices],) if b is None else (a[indices], b)
        new = getattr(np, u)(*args)  # recomputed: the written array may change again later
        change = unbroadcast(derivs[0](gs, new, *args), args[0]) - gs
        hits = np.zeros_like(g)
        np.add.at(hits, indices, change)
        return g + hits

    def rule_b(g, ans, a, indices, b=None):
        if linear:
            return unbroadcast(derivs[1](g[indices], None, None, b), b)
        check(a, ans, indices)
        old = a[indices]
        return unbroadcast(derivs[1](g[indices], getattr(np, u)(old, b), old, b), b)

    return (rule_a, None, rule_b) if len(derivs) == 2 and derivs[1] is not None else (rule_a,)


_BINARY = [u for u, d in _D.items() if len(d) == 2 and u not in ("divmod", "ldexp")]
_EXTREMES = ("maximum", "minimum", "fmax", "fmin")
REDUCE_RULES = {u: _fold_rule(u, False) for u in _BINARY}
REDUCE_RULES.update(add=_add_reduce, multiply=_multiply_reduce)
REDUCE_RULES.update(dict.fromkeys(_EXTREMES, _extreme_reduce))
_ACCUMULATE = {u: _fold_rule(u, True) for u in _BINARY}
_ACCUMULATE.update(add=_add_accumulate, multiply=_multiply_accumulate)

VJPS = {u: _ufunc_rules(d) for u, d in _D.items()}
VJPS.update(
    matmul=(_matmul_dx1, _matmul_dx2),
    vecdot=(_vecdot_rule(0), _vecdot_rule(1)),
    matvec=(_matvec_dx1, _matvec_dx2),
    vecmat=(_vecmat_dx1, _vecmat_dx2),
)
for _u in _BINARY:
    VJPS[f"{_u}.reduce"] = (REDUCE_RULES[_u],)
    VJPS[f"{_u}.accumulate"] = (_ACCUMULATE[_u],)
    VJPS[f"{_u}.reduceat"] = (_reduceat_rule(_u), None)
for _u in [*_BINARY, "divmod"]:
    VJPS[f"{_u}.outer"] = _outer_rules(_u)
for _u in _D:
    if _u not in ("divmod", "modf", "frexp", "ldexp"):  # NumPy has no .at for these
        VJPS[f"{_u}.at"] = _at_rules(_u)

# No gradient: integer/boolean results, locally constant functions (zero gradient almost
# everywhere), and ufunc methods NumPy always refuses (unary ufuncs' reduce/accumulate/outer/
# reduceat, two-output ufuncs', ldexp's, gcd's and the generalized ufuncs' methods).
NONDIFFERENTIABLE = frozenset(
    [u for u in UFUNCS + GUFUNCS if u not in VJPS]
    + [f"{u}.{m}" for u in UFUNCS + GUFUNCS for m in UFUNC_METHODS if f"{u}.{m}" not in VJPS]
)
NO_GRADIENT: dict[str, str] = {}


# --- left folds ----------------------------------------------------------------------------------
# The binary ufuncs NumPy does not reorder in a reduction (it refuses to reduce them over several
# axes at once): their reduce, accumulate and reduceat are the left fold ``y[k] = u(y[k-1], x[k])``.
# Some hosts' NumPy folds some of them in another order (NumPy 2.4.6 with AVX-512: float
# ``power.reduce`` of [2, 3, 1.5, .5] is 2 ** .5, not ((2 ** 3) ** 1.5) ** .5). ``HOST_FOLDS_WRONG``
# is the one fact about the host: it checks each ufunc, method and dtype once, at its first call,
# and only the calls it finds wrong fold in Python (one ufunc call per element of the axis); the
# others run NumPy's own.
NOT_REORDERED = (
    "subtract divide floor_divide remainder fmod power float_power heaviside lcm arctan2 copysign "
    "nextafter ldexp left_shift right_shift greater greater_equal less less_equal equal not_equal"
).split()
FOLDS = ("reduce", "accumulate", "reduceat")
_DTYPE_AT = {"reduce": 1, "accumulate": 1, "reduceat": 2}  # dtype's place after the array's
_PROBE_LENGTHS = (4, 5, 8, 17, 33)  # NumPy's SIMD loops differ by length (vector width, tails)
_PROBE = numpy.resize([1.5, 0.75, 1.25, 0.5, 1.75, 0.625, 2.0], _PROBE_LENGTHS[-1])


def _step(ufunc, acc, x, out=None, where=True):
    """``out = ufunc(acc, x)`` (``out`` defaults to ``acc``) in acc's dtype, ``x`` cast to the
    loop's operand type as NumPy's reduce casts it (``unsafe``)."""
    sig = (acc.dtype, None, acc.dtype)
    ufunc(acc, x, out=acc if out is None else out, where=where, signature=sig, casting="unsafe")


def _into(out, result):
    """The fold's result as NumPy returns it: in ``out`` if given, a scalar if 0-d."""
    if out is None:
        return result[()] if result.ndim == 0 else result
    out = out[0] if isinstance(out, tuple) else out
    numpy.copyto(out, result, casting="unsafe")
    return out


# Each fold first makes NumPy's own call, quietly (its values are replaced, and so are its
# floating-point errors): it checks the arguments and gives the result's dtype and shape.
def _fold_reduce(
    ufunc, array, axis=0, dtype=None, out=None, keepdims=False, initial=_NOVALUE, where=True
):
    """``ufunc.reduce`` as the left fold, in the dtype of NumPy's result (cast into ``out``)."""
    res = _quiet_call(ufunc.reduce, (array, axis, dtype, None, False, initial, where), {})
    a = numpy.asarray(array)
    axes = _axes(axis, a.ndim)  # NumPy raised above for more than one
    n = a.shape[axes[0]] if axes else 0
    if n == 0 or (n == 1 and initial is _NOVALUE):  # nothing to fold
        res = numpy.asarray(res)
        return _into(out, numpy.expand_dims(res, axes) if keepdims else res)
    x = numpy.moveaxis(a, axes[0], 0)
    w = None if where is True else numpy.moveaxis(numpy.broadcast_to(where, a.shape), axes[0], 0)
    acc = numpy.empty(x.shape[1:], res.dtype)
    numpy.copyto(acc, x[0] if initial is _NOVALUE else initial, casting="unsafe")
    for k in range(1 if initial is _NOVALUE else 0, n):
        _step(ufunc, acc, x[k], where=True if w is None else w[k])
    return _into(out, numpy.expand_dims(acc, axes) if keepdims else acc)


def _fold_accumulate(ufunc, array, axis=0, dtype=None, out=None):
    res = _quiet_call(ufunc.accumulate, (array, axis, dtype), {})  # first entries right: casts
    r = numpy.moveaxis(res, axis or 0, 0)
    x = numpy.moveaxis(numpy.asarray(array), axis or 0, 0)
    for k in range(1, len(x)):
        _step(ufunc, r[k - 1 : k], x[k : k + 1], out=r[k : k + 1])
    return _into(out, res)


def _fold_reduceat(ufunc, array, indices, axis=0, dtype=None, out=None):
    res = _quiet_call(ufunc.reduceat, (array, indices, axis, dtype), {})  # one-element slices right
    r = numpy.moveaxis(res, axis, 0)
    x = numpy.moveaxis(numpy.asarray(array), axis, 0)
    starts = numpy.asarray(indices).tolist()
    for j, (start, stop) in enumerate(zip(starts, [*starts[1:], len(x)], strict=True)):
        if stop - start > 1:
            numpy.copyto(r[j : j + 1], x[start : start + 1], casting="unsafe")
            for k in range(start + 1, stop):
                _step(ufunc, r[j : j + 1], x[k : k + 1])
    return _into(out, res)


_FOLDERS = {"reduce": _fold_reduce, "accumulate": _fold_accumulate, "reduceat": _fold_reduceat}


def _close(got, want) -> bool:
    got, want = numpy.asarray(got), numpy.asarray(want)
    if got.dtype.kind in "fc":  # the SIMD loops round otherwise, but folding out of order is far
        rtol = numpy.finfo(got.dtype).eps ** 0.5
        return bool(numpy.allclose(got, want, rtol=rtol, atol=0, equal_nan=True))
    return bool(numpy.array_equal(got, want))


def _probe_args(method, data):
    return (data, [0]) if method == "reduceat" else (data,)


def _differs(ufunc, method, dtype, loop_dtype) -> bool:
    """Whether NumPy's ``ufunc.<method>`` of probe data of ``dtype`` is not the left fold."""
    kind = dtype.kind
    if kind not in "biufc":
        return False
    x = (_PROBE > 1 if kind == "b" else _PROBE * (1 if kind in "fc" else 2)).astype(dtype)
    strided = numpy.empty(2 * len(x), dtype)[::2]
    strided[...] = x
    outer = numpy.stack([x, x[::-1]], axis=1)  # folded along its outer axis
    for n in _PROBE_LENGTHS:
        for data in (x[:n], strided[:n], outer[:n]):
            args = _probe_args(method, data)
            try:
                got = getattr(ufunc, method)(*args, dtype=loop_dtype)
            except (TypeError, ValueError):  # NumPy refuses the call: it raises as it should
                return False
            if not _close(got, _FOLDERS[method](ufunc, *args, dtype=loop_dtype)):
                return True
    return False


def _host_folds_wrong(u: str, method: str, dtype: numpy.dtype, loop_dtype) -> bool:
    """Whether the host's NumPy ``u.<method>`` of ``dtype`` data (``dtype=loop_dtype``) is not
    the left fold, on lengths and strides that take its SIMD loops: on data of ``dtype``, and of
    the result's dtype where that differs (few values of bool data tell folds apart)."""
    ufunc = getattr(numpy, u)
    with numpy.errstate(all="ignore"):
        try:
            result = getattr(ufunc, method)(
                *_probe_args(method, numpy.ones(1, dtype)), dtype=loop_dtype
            )
        except (TypeError, ValueError):
            return False
        dtypes = dict.fromkeys([dtype, numpy.asarray(result).dtype])
        return any(_differs(ufunc, method, d, loop_dtype) for d in dtypes)


class _Checked(dict):
    """``(ufunc, method, dtype, loop dtype) -> _host_folds_wrong(...)``, checked at the first
    lookup of each key: a lookup is all a call pays where the host's NumPy is right."""

    def __missing__(self, key):
        self[key] = wrong = _host_folds_wrong(*key)
        return wrong


HOST_FOLDS_WRONG = _Checked()


def _left_fold(u, method):
    """The forward of ``u.<method>``: NumPy's own, or the left fold where the host's is wrong."""
    ufunc = getattr(numpy, u)
    native, fold = getattr(ufunc, method), functools.partial(_FOLDERS[method], ufunc)
    at = _DTYPE_AT[method]

    def forward(xp, array, *args, **kwargs):
        if xp is numpy:
            dtype = array.dtype if type(array) is numpy.ndarray else numpy.asarray(array).dtype
            loop_dtype = args[at] if len(args) > at else kwargs.get("dtype")
            if HOST_FOLDS_WRONG[u, method, dtype, loop_dtype]:
                return fold(array, *args, **kwargs)
            return native(array, *args, **kwargs)
        return getattr(getattr(xp, u), method)(array, *args, **kwargs)

    return forward


def _method_row(u, m):
    if u in NOT_REORDERED and m in FOLDS:
        return Op(f"{u}.{m}", _left_fold(u, m), probe_numpy)
    return Op(f"{u}.{m}", meta=probe, inplace=m == "at")


ROWS = [Op(name, meta=elementwise) for name in UFUNCS]
ROWS += [
    Op(name, meta=probe, work=contraction_work if name != "vecdot" else None) for name in GUFUNCS
]
ROWS += [_method_row(u, m) for u in UFUNCS + GUFUNCS for m in UFUNC_METHODS]
attach_vjps(ROWS, VJPS)
