"""Elementwise ops: every NumPy ufunc (but the generalized ones, ``gufuncs.py``; their methods
are ``ufunc_methods.py``). Each ufunc's forward is the backend's ufunc of the same name; ``out=``,
``where=``, ``dtype=``, ``casting=`` and ``order=`` pass through to it. Aliases (``abs``, ``acos``,
``pow``, ...) are found from NumPy's own namespace, so they are not rows.

Gradients: each ufunc's rule comes from its derivative (``DERIVATIVES``, read by the rows).
"""

import math

from .._meta import elementwise
from ._grad import conj, np, unbroadcast
from ._row import Op

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
# The ufunc methods: each ufunc's are rows named ``<ufunc>.<method>`` (``ufunc_methods.py``).
UFUNC_METHODS = ("reduce", "accumulate", "outer", "at", "reduceat")

UFUNCS = ARITHMETIC + EXP_LOG + TRIG + ROUNDING + FLOATING + BITWISE + COMPARISON + LOGICAL


# --- gradients ----------------------------------------------------------------------------------
# ``DERIVATIVES[name]``: per argument, the gradient before it is summed down to the argument's
# shape, ``d(g, ans, *args)`` (g and ans broadcast shape); ``_ufunc_rules`` adds ``unbroadcast``
# and ``where=``; ufuncs without an entry have integer, boolean or locally constant results.
# Holomorphic functions use ``g * conj(f'(z))`` (see _grad.py).
_LN2, _LN10, _DEG = math.log(2.0), math.log(10.0), math.pi / 180.0


def replace_zero(a):
    """``a`` with its zeros replaced by ones (HIPS autograd's guard against dividing by zero)."""
    return a + (a == 0)


def _pow_dx(x, y, pow_):
    return y * pow_(x, y - 1 + (y == 0))  # y == 0: 0 * x**0 (no 0 * inf at x == 0)


def _abs_dx(g, ans, x):
    # Complex: |z| is not holomorphic; d|z| = Re(conj(z)/|z| dz), so the gradient is g z/|z|.
    return g * x / replace_zero(ans) if np.iscomplexobj(x) else g * np.sign(x)


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


DERIVATIVES = {
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
        lambda g, ans, x, y: g * conj(ans * np.log(replace_zero(x))),
    ),
    "float_power": (
        lambda g, ans, x, y: g * conj(_pow_dx(x, y, np.float_power)),
        lambda g, ans, x, y: g * conj(ans * np.log(replace_zero(x))),
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


def times_where(g, where):
    """``g`` (or each of a tuple of gradients) times the ``where=`` mask: zero where the ufunc did
    not compute."""
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
    """A ufunc's gradient rules (one per operand) from its ``DERIVATIVES`` entry."""
    nin = len(derivs)

    def make(i, d):
        if d is None:
            return None

        def rule(g, ans, *args, out=None, where=True, **kwargs):
            # ``where=``: the gradient flows only where the ufunc computed.
            return unbroadcast(d(times_where(g, where), ans, *args[:nin]), args[i])

        return rule

    return tuple(make(i, d) for i, d in enumerate(derivs))


# Facts of a few ufuncs: how ``dnp.jit`` carries negated operands through them (``signs``;
# ``unit``, ``right_unit``: the operands that leave the other as it is); outputs taken only as
# ``out=`` (NumPy 2 deprecates passing them after the inputs to maximum and minimum).
_FACTS = {
    "negative": {"signs": "negate"},
    "add": {"signs": "sum"},
    "subtract": {"signs": "difference", "right_unit": 0.0},
    "multiply": {"signs": "product", "unit": 1},
    "divide": {"signs": "product", "right_unit": 1},
    "maximum": {"out_keyword": True},
    "minimum": {"out_keyword": True},
}


def _ufunc_row(name):
    derivs = DERIVATIVES.get(name)
    return Op(
        name,
        meta=elementwise,
        vjp=None if derivs is None else _ufunc_rules(derivs),
        differentiable=derivs is not None,
        **_FACTS.get(name, {}),
    )


ROWS = [_ufunc_row(name) for name in UFUNCS]
