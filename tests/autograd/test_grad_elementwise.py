"""Gradients of the elementwise ops: ufuncs, generalized ufuncs (matmul, vecdot, matvec, vecmat)
and the ufunc methods (reduce, accumulate, outer, at, reduceat).

Order 1 only where there is nothing to differentiate twice: the function is (piecewise) linear,
so its gradient does not depend on the inputs (check_grads then has no graph to differentiate),
or the case sits on a kink (ties of maximum), where only the first derivative is defined.
"""

import numpy

import dnp as np
from dnp._ops.ufunc_methods import _BINARY
from tests.grad_check import grad_case, gradient_test

rng = numpy.random.default_rng(0)


def uniform(lo, hi, shape):
    return rng.uniform(lo, hi, shape)


def signed(lo, hi, shape):
    """Magnitudes in [lo, hi), random signs: away from zero."""
    return uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def cplx(shape, lo=0.5, hi=1.5):
    return uniform(lo, hi, shape) + 1j * uniform(lo, hi, shape)


X, Y, V = uniform(0.5, 2.0, (3, 4)), uniform(0.5, 2.0, (4,)), uniform(0.5, 2.0, (3, 1))
Z, W = cplx((3, 4)), cplx((4,))
S = signed(0.3, 2.0, (3, 4))
SMALL = signed(0.1, 0.8, (3, 4))  # inside (-1, 1): arcsin, arccos, arctanh
L1, L2 = "linear: the gradient does not depend on the inputs", "kink"

# Unary ufuncs: (name, inputs, complex inputs or None, order).
UNARY = [
    ("negative", S, Z, 1),
    ("positive", S, Z, 1),
    ("absolute", S, Z, 2),  # order 1 for real inputs (piecewise linear), see below
    ("fabs", S, None, 1),
    ("reciprocal", S, Z, 2),
    ("square", S, Z, 2),
    ("sqrt", X, Z, 2),
    ("cbrt", S, None, 2),
    ("conjugate", S, Z, 1),
    ("exp", S, Z, 2),
    ("exp2", S, None, 2),
    ("expm1", S, None, 2),
    ("log", X, Z, 2),
    ("log2", X, None, 2),
    ("log10", X, None, 2),
    ("log1p", X, None, 2),
    ("sin", S, Z, 2),
    ("cos", S, Z, 2),
    ("tan", SMALL, Z * 0.5, 2),
    ("arcsin", SMALL, None, 2),
    ("arccos", SMALL, None, 2),
    ("arctan", S, None, 2),
    ("sinh", S, None, 2),
    ("cosh", S, None, 2),
    ("tanh", S, Z, 2),
    ("arcsinh", S, None, 2),
    ("arccosh", X + 1.0, None, 2),
    ("arctanh", SMALL, None, 2),
    ("deg2rad", S, None, 1),
    ("rad2deg", S, None, 1),
    ("degrees", S, None, 1),
    ("radians", S, None, 1),
]

CASES = []
for name, x, z, order in UNARY:
    fn = getattr(np, name)
    CASES.append(
        grad_case(name, lambda a, fn=fn: fn(a), x, order=1 if name == "absolute" else order)
    )
    if z is not None:
        CASES.append(grad_case(name, lambda a, fn=fn: fn(a), z, order=order, id=f"{name}-complex"))

# Two outputs; both piecewise linear.
CASES += [
    grad_case(
        "modf",
        lambda a: np.modf(a),
        uniform(0.1, 0.9, (3, 4)) + rng.integers(-3, 3, (3, 4)),
        order=1,
    ),
    grad_case("frexp", lambda a: np.frexp(a), S, order=1),
]

# Binary ufuncs: (name, x, y, complex (x, y) or None, order); y broadcasts against x.
BINARY = [
    ("add", S, Y, (Z, W), 1),
    ("subtract", S, Y, (Z, W), 1),
    ("multiply", S, Y, (Z, W), 2),
    ("divide", S, Y, (Z, W), 2),
    ("remainder", X * 3, Y, None, 1),  # piecewise linear
    ("fmod", S * 3, Y, None, 1),  # piecewise linear
    ("power", X, signed(0.5, 2.0, (4,)), (Z, W), 2),
    ("float_power", X, signed(0.5, 2.0, (4,)), (Z, W), 2),
    ("maximum", S, signed(0.3, 2.0, (4,)), None, 1),  # piecewise linear
    ("minimum", S, signed(0.3, 2.0, (4,)), None, 1),
    ("fmax", S, signed(0.3, 2.0, (4,)), None, 1),
    ("fmin", S, signed(0.3, 2.0, (4,)), None, 1),
    ("logaddexp", S, Y, None, 2),
    ("logaddexp2", S, Y, None, 2),
    ("arctan2", S, signed(0.3, 2.0, (4,)), None, 2),
    ("hypot", S, signed(0.3, 2.0, (4,)), None, 2),
    ("copysign", S, signed(0.3, 2.0, (4,)), None, 1),  # piecewise linear in x1
]
for name, x, y, zw, order in BINARY:
    fn = getattr(np, name)
    CASES.append(grad_case(name, lambda a, b, fn=fn: fn(a, b), x, y, order=order))
    CASES.append(
        grad_case(name, lambda a, b, fn=fn: fn(b, a), x, V, order=order, id=f"{name}-swapped")
    )
    if zw is not None:
        CASES.append(
            grad_case(name, lambda a, b, fn=fn: fn(a, b), *zw, order=order, id=f"{name}-complex")
        )

TIES = numpy.array([1.0, 2.0, -1.0, 0.5])
NANS = numpy.array([numpy.nan, 2.0, -1.0, 0.5])
CASES += [
    # Ties: the gradient is split equally (the central difference sees the mean slope).
    *(
        grad_case(
            m, lambda a, b, m=m: getattr(np, m)(a, b), TIES, TIES.copy(), order=1, id=f"{m}-ties"
        )
        for m in ("maximum", "minimum", "fmax", "fmin")
    ),
    # NaN: fmax/fmin take the number (maximum/minimum propagate the NaN: no finite loss).
    *(
        grad_case(
            m, lambda b, m=m: getattr(np, m)(np.asarray(NANS), b), -TIES, order=1, id=f"{m}-nan"
        )
        for m in ("fmax", "fmin")
    ),
    grad_case("power", lambda a: np.power(a, 3), S, id="power-int-exponent"),
    grad_case("power", lambda b: np.power(2.5, b), S, id="power-scalar-base"),
    grad_case("power", lambda a: np.power(a, 0.0) * a, numpy.array([0.0, 1.5]), id="power-zero"),
    grad_case("divmod", lambda a, b: np.divmod(a, b), X * 3, Y, order=1),  # piecewise linear
    grad_case(
        "divmod.outer", lambda a, b: np.divmod.outer(a, b), X[0] * 3, Y[:3].reshape(3, 1), order=1
    ),
    grad_case("ldexp", lambda a: np.ldexp(a, numpy.array([1, -2, 3, 0])), S, order=1),
    grad_case("multiply", lambda a: a * 2.0, S, id="multiply-scalar", order=1),
    grad_case("divide", lambda a: 1.0 / a, S, id="divide-scalar"),
    grad_case("exp", lambda a: np.exp(a, out=np.zeros((3, 4)), where=a > 0), S, id="exp-where-out"),
    grad_case("sin", lambda a: np.sin(a, out=np.zeros((3, 4))), S, id="sin-out"),
]

# Generalized ufuncs.
M34, M45, B234 = signed(0.3, 1, (3, 4)), signed(0.3, 1, (4, 5)), signed(0.3, 1, (2, 3, 4))
C34, C45 = cplx((3, 4)), cplx((4, 5))
v4, v3 = signed(0.3, 1, (4,)), signed(0.3, 1, (3,))
CASES += [
    grad_case("matmul", np.matmul, M34, M45),
    grad_case("matmul", np.matmul, B234, M45, id="matmul-batch-broadcast"),
    grad_case(
        "matmul",
        np.matmul,
        signed(0.3, 1, (2, 1, 3, 4)),
        signed(0.3, 1, (5, 4, 2)),
        id="matmul-batch-both",
    ),
    grad_case("matmul", np.matmul, v4, M45, id="matmul-1d-2d"),
    grad_case("matmul", np.matmul, M34, v4, id="matmul-2d-1d"),
    grad_case("matmul", np.matmul, v4, v4.copy(), id="matmul-1d-1d"),
    grad_case("matmul", np.matmul, v4, signed(0.3, 1, (2, 4, 5)), id="matmul-1d-3d"),
    grad_case("matmul", np.matmul, B234, v4, id="matmul-3d-1d"),
    grad_case("matmul", np.matmul, C34, C45, id="matmul-complex"),
    grad_case("matmul", np.matmul, M34, C45, id="matmul-real-complex"),
    grad_case("matmul", lambda a, b: a @ b, cplx((4,)), C45, id="matmul-complex-1d"),
    grad_case("vecdot", np.vecdot, M34, v4),
    grad_case("vecdot", np.vecdot, C34, cplx((4,)), id="vecdot-complex"),
    grad_case("vecdot", lambda a, b: np.vecdot(a, b, axis=0), M34, v3[:, None], id="vecdot-axis"),
    grad_case("matvec", np.matvec, B234, v4),
    grad_case("matvec", np.matvec, C34, cplx((2, 4)).reshape(2, 1, 4), id="matvec-complex"),
    grad_case("vecmat", np.vecmat, v3, signed(0.3, 1, (2, 3, 5))),
    grad_case("vecmat", np.vecmat, cplx((2, 3)), cplx((3, 5)), id="vecmat-complex"),
]


# --- ufunc methods -------------------------------------------------------------------------------
def domain(u, shape):
    """Inputs where u's folds stay smooth (no kinks, positive bases, no ties)."""
    if u in ("power", "float_power"):
        return uniform(0.6, 1.4, shape)
    if u in ("remainder", "fmod"):
        return uniform(1.0, 2.0, shape) * numpy.linspace(3.0, 1.0, shape[0]).reshape(
            -1, *[1] * (len(shape) - 1)
        )
    if u in ("divide", "hypot", "arctan2", "copysign", "multiply"):
        return signed(0.5, 1.5, shape)
    return signed(0.2, 2.0, shape)


PIECEWISE_LINEAR = {
    "add",
    "subtract",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "remainder",
    "fmod",
    "copysign",
}
for u in _BINARY:
    ufunc = getattr(np, u)
    order = 1 if u in PIECEWISE_LINEAR else 2
    CASES += [
        grad_case(f"{u}.reduce", lambda a, f=ufunc: f.reduce(a), domain(u, (4, 3)), order=order),
        grad_case(
            f"{u}.reduce",
            lambda a, f=ufunc: f.reduce(a, axis=1, keepdims=True),
            domain(u, (4, 3)).T.copy(),
            order=order,
            id=f"{u}.reduce-axis1-keepdims",
        ),
        grad_case(
            f"{u}.accumulate", lambda a, f=ufunc: f.accumulate(a), domain(u, (4, 3)), order=order
        ),
        grad_case(
            f"{u}.accumulate",
            lambda a, f=ufunc: f.accumulate(a, axis=-1),
            domain(u, (4, 3)).T.copy(),
            order=order,
            id=f"{u}.accumulate-axis-1",
        ),
        grad_case(
            f"{u}.outer",
            lambda a, b, f=ufunc: f.outer(a, b),
            domain(u, (3,)),
            domain(u, (2, 2)),
            order=order,
        ),
        grad_case(
            f"{u}.reduceat",
            lambda a, f=ufunc: f.reduceat(a, [0, 3, 1, 4]),
            domain(u, (6, 2)),
            order=order,
        ),
        grad_case(
            f"{u}.reduceat",
            lambda a, f=ufunc: f.reduceat(a, numpy.array([0, 2]), axis=1),
            domain(u, (6, 2)).T.copy(),
            order=order,
            id=f"{u}.reduceat-axis1",
        ),
    ]


WITH_ZEROS = numpy.array([[1.5, 0.0, -0.7], [0.0, 2.0, 0.0], [1.2, -0.4, 0.9], [0.8, 1.1, -1.3]])
CASES += [
    grad_case("add.reduce", lambda a: np.add.reduce(a, axis=None), S, order=1, id="add.reduce-all"),
    grad_case(
        "add.reduce",
        lambda a: np.add.reduce(a, axis=(0, 1), where=numpy.arange(4) % 2 == 0),
        S,
        order=1,
        id="add.reduce-axes-where",
    ),
    grad_case("multiply.reduce", np.multiply.reduce, WITH_ZEROS, id="multiply.reduce-zeros"),
    grad_case(
        "multiply.reduce",
        lambda a: np.multiply.reduce(a, axis=(0, 1), initial=1.5),
        S[:2],
        id="multiply.reduce-axes-initial",
    ),
    grad_case(
        "multiply.accumulate",
        lambda a: np.multiply.accumulate(a, axis=1),
        WITH_ZEROS,
        id="multiply.accumulate-zeros",
    ),
    grad_case(
        "maximum.reduce",
        np.maximum.reduce,
        numpy.array([[1.0, 2.0], [1.0, -1.0]]),
        order=1,
        id="maximum.reduce-ties",
    ),
    grad_case(
        "minimum.reduce",
        lambda a: np.minimum.reduce(a, axis=None),
        S,
        order=1,
        id="minimum.reduce-all",
    ),
    grad_case(
        "fmax.reduce",
        lambda a: np.fmax.reduce(a, initial=5.0),
        S,
        order=1,
        id="fmax.reduce-initial-wins",
    ),
    grad_case(
        "subtract.reduce",
        lambda a: np.subtract.reduce(a, axis=None),
        S[0],
        order=1,
        id="subtract.reduce-1d-all",
    ),
    grad_case(
        "logaddexp.reduce",
        lambda a: np.logaddexp.reduce(a, axis=None),
        S[0],
        id="logaddexp.reduce-1d-all",
    ),
    grad_case("multiply.outer", np.multiply.outer, C34[0], C45[:2], id="multiply.outer-complex"),
]


# ``u.at(a, indices, b)`` writes into ``a``: the cases write into a copy (an array with
# attach_grad() cannot be written while recording), one with history (the tape keeps its old
# value for the node that made it) and one without (kept for the rules of the write itself).
# add/subtract allow repeated indices.
LINEAR_UNARY = {"negative", "positive", "conjugate", "absolute", "fabs"}
LINEAR_UNARY |= {"deg2rad", "rad2deg", "degrees", "radians"}


def at_case(u, a0=None):
    f = getattr(np, u)
    idx = [0, 2, 2] if u in ("add", "subtract") else [0, 2, 4]
    if a0 is not None:  # unary: the rows 0 and 2 of a0

        def at_a(a):
            c = a * 1.0
            f.at(c, [0, 2])
            return c

        order = 1 if u in LINEAR_UNARY else 2
        return [grad_case(f"{u}.at", at_a, a0, order=order)]

    order = 1 if u in PIECEWISE_LINEAR else 2
    a0 = domain(u, (5, 2))

    def at_b(b):
        c = np.array(a0)  # a copy: the write must not reach a0
        f.at(c, idx, b)
        return c

    def at_ab(a, b):
        c = a * 1.0
        f.at(c, idx, b)
        return c

    return [
        grad_case(
            f"{u}.at",
            at_b,
            domain(u, (3, 2)),
            order=1 if u == "multiply" else order,
            id=f"{u}.at-b",
        ),
        grad_case(f"{u}.at", at_ab, a0, domain(u, (2,)), order=order, id=f"{u}.at-a-b"),
    ]


for _name, _x, *_ in UNARY:
    CASES += at_case(_name, _x)
for u in _BINARY:
    CASES += at_case(u)

GRAD_CASES = CASES
test_gradients = gradient_test(GRAD_CASES)
