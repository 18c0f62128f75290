"""Logic and type predicates: closeness, equality, complex/real tests, memory overlap, dtypes.

Predicates that answer for the whole array (``allclose``, ``array_equal``, ``iscomplexobj``,
``shares_memory``, ...) return Python bools, and the dtype routines (``result_type``,
``can_cast``, ...) return dtypes, scalar types or bools: their rule is None and the value passes
through dispatch unwrapped. CuPy answers ``allclose``/``array_equal``/``array_equiv`` with 0-d
arrays, so those forwards make NumPy's bool.
"""

import inspect

import numpy

from .._meta import bound, elementwise, resized, run_bound, shape_of, small
from ._row import Op
from .creation import on_arrays


def _broadcasting(op, args, kwargs):
    """``elementwise``, with operands given by keyword (``isclose(a=x, b=y)``) counted too."""
    params = inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments
    out = params.pop("out", None)
    return elementwise(op, tuple(params.values()), {} if out is None else {"out": out})


def _per_element(op, args, kwargs):
    """``iscomplex``/``isreal``: one bool per element; NumPy's checks from a one-element
    stand-in."""
    x = bound(op, args, kwargs)["x"]
    return resized(run_bound(op, {"x": small(x)}), shape_of(x))


def _allclose(xp, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all())


def _array_equal(xp, a1, a2, equal_nan=False):
    return bool(xp.array_equal(xp.asarray(a1), xp.asarray(a2), equal_nan=equal_nan))


def _array_equiv(xp, a1, a2):
    return bool(xp.array_equiv(xp.asarray(a1), xp.asarray(a2)))


def _min_scalar_type(xp, a, /):
    """NumPy reads the value of a scalar or 0-d array (CuPy gives a 0-d array's dtype)."""
    if isinstance(a, xp.ndarray) and a.ndim:
        return a.dtype
    # CuPy's asnumpy brings a device scalar to the host; NumPy's data is already there.
    return numpy.min_scalar_type(getattr(xp, "asnumpy", xp.asarray)(a))


def _overlap(name, default):
    # CuPy takes max_work=None only, its own exact or bounds check: what NumPy's default asks.
    def forward(xp, a, b, /, max_work=default):
        fn = getattr(xp, name)
        return fn(a, b) if max_work == default else fn(a, b, max_work=max_work)

    return forward


# Booleans, dtypes and Python bools: no gradient. The whole-array predicates and dtype routines
# return Python values (no rule); those that follow from the arguments' shapes and dtypes alone
# are ``signature_only`` (``dnp.jit`` keeps the value a trace saw).
ROWS = [
    Op("allclose", _allclose, None, differentiable=False),
    Op("array_equal", _array_equal, None, differentiable=False),
    Op("array_equiv", _array_equiv, None, differentiable=False),
    Op("min_scalar_type", _min_scalar_type, None, differentiable=False),
    Op("may_share_memory", _overlap("may_share_memory", 0), None, differentiable=False),
    Op("shares_memory", _overlap("shares_memory", -1), None, differentiable=False),
    Op("isclose", meta=_broadcasting, differentiable=False),
    Op("isneginf", on_arrays("isneginf"), _broadcasting, differentiable=False),
    # ``isposinf(x, out)`` (out given positionally) returns one of its inputs.
    Op("isposinf", on_arrays("isposinf"), _broadcasting, differentiable=False, aliases=True),
    Op("iscomplex", meta=_per_element, differentiable=False),
    Op("isreal", meta=_per_element, differentiable=False),
    Op("isfortran", meta=None, differentiable=False),
    *(
        Op(name, meta=None, differentiable=False, signature_only=True)
        for name in "iscomplexobj isrealobj isscalar result_type can_cast common_type".split()
    ),
]
