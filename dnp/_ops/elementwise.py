"""Elementwise ops: every NumPy ufunc, and the ufunc methods (reduce, accumulate, outer, at,
reduceat). Each ufunc's forward is the backend's ufunc of the same name; ``out=``, ``where=``,
``dtype=``, ``casting=`` and ``order=`` pass through to it. Aliases (``abs``, ``acos``, ``pow``,
...) are found from NumPy's own namespace, so they are not rows.
"""

import dnp as np  # VJP rules are dnp code (see _grad.py)

from ._grad import conj, unbroadcast
from ._meta import elementwise, probe
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
# Generalized ufuncs: core dimensions, so their shape is not a broadcast; probe the real shapes.
GUFUNCS = "matmul vecdot matvec vecmat".split()

UFUNC_METHODS = ("reduce", "accumulate", "outer", "at", "reduceat")

UFUNCS = ARITHMETIC + EXP_LOG + TRIG + ROUNDING + FLOATING + BITWISE + COMPARISON + LOGICAL

# Gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)``.
VJPS = {
    "add": (lambda g, ans, x, y: unbroadcast(g, x), lambda g, ans, x, y: unbroadcast(g, y)),
    "multiply": (
        lambda g, ans, x, y: unbroadcast(g * conj(y), x),
        lambda g, ans, x, y: unbroadcast(g * conj(x), y),
    ),
    "conjugate": (lambda g, ans, x: unbroadcast(np.conjugate(g), x),),
}
NONDIFFERENTIABLE = frozenset(BITWISE + COMPARISON + LOGICAL)

ROWS = [Op(name, meta=elementwise, vjp=VJPS.get(name)) for name in UFUNCS]
ROWS += [Op(name, meta=probe) for name in GUFUNCS]
ROWS += [Op(f"{u}.{m}", meta=probe) for u in UFUNCS + GUFUNCS for m in UFUNC_METHODS]
