"""Set routines: unique and its Array API forms, intersections, unions, differences, isin.

Their result lengths are read from the data (rule None), except ``isin``, which has its first
argument's shape. The Array API forms return NumPy's own namedtuple types (CuPy has its own).
"""

import functools
import inspect

import numpy
from numpy.lib._arraysetops_impl import UniqueAllResult, UniqueCountsResult, UniqueInverseResult

from .._meta import shape_of, shaped
from .._ndarray import ndarray
from ._grad import np, unbroadcast
from ._row import Op
from .creation import backend_array, on_arrays


@functools.cache
def _takes(fn, name: str) -> bool:
    return name in inspect.signature(fn).parameters


def _unique(xp, ar, *args, sorted=True, **kwargs):
    # sorted=False lets the values come in any order; sorted is one such order, and CuPy (which
    # has no sorted=) always sorts. NumPy gets the flag: unsorted is faster there.
    if not sorted and _takes(xp.unique, "sorted"):
        kwargs["sorted"] = False
    return xp.unique(backend_array(xp, ar), *args, **kwargs)


def _unique_values(xp, x):
    """The array API's ``unique_values``, sorted (NumPy sorts floats but leaves integers in hash
    order; scikit-learn's encoders and metrics rely on sorted values): ``unique`` of the
    flattened array with each NaN a value of its own, as ``unique_values`` counts them."""
    x = backend_array(xp, x).ravel()
    if x.dtype.kind in "fc" and _takes(xp.unique, "equal_nan"):
        return xp.unique(x, equal_nan=False)
    return xp.unique(x)


def _named(name, result_type):
    return lambda xp, x: result_type(*getattr(xp, name)(backend_array(xp, x)))


def _isin(xp, element, test_elements, assume_unique=False, invert=False, *, kind=None):
    # NumPy makes both operands arrays (scalars and lists too); CuPy takes arrays only.
    element, test_elements = xp.asarray(element), xp.asarray(test_elements)
    # kind= picks NumPy's algorithm, not the result. CuPy has one algorithm and no kind=, so the
    # argument is checked here as NumPy checks it, and passed on where the backend takes it.
    if kind not in (None, "sort", "table"):
        raise ValueError(f"Invalid kind: '{kind}'. Please use None, 'sort' or 'table'.")
    if kind == "table" and not all(a.dtype.kind in "biu" for a in (element, test_elements)):
        raise ValueError(
            "The 'table' method is only supported for boolean or integer arrays. "
            "Please select 'sort' or None for kind."
        )
    kwargs = {"kind": kind} if kind is not None and _takes(xp.isin, "kind") else {}
    return xp.isin(element, test_elements, assume_unique=assume_unique, invert=invert, **kwargs)


def _unique_values_vjp(g, ans, ar, *args, axis=None, **kwargs):
    """Each value's gradient goes to the elements equal to it, split equally among them (as
    max splits it among ties): exact where the elements are distinct. Flattened input only."""
    if len(args) >= 4:
        axis = args[3]
    if axis is not None:
        raise NotImplementedError("dnp.unique: no gradient with axis= (unique slices)")
    values = ans[0] if isinstance(ans, tuple) else ans
    gv = g[0] if isinstance(g, tuple) else g
    host = values.asnumpy()
    flat = numpy.ravel(ar.asnumpy() if isinstance(ar, ndarray) else numpy.asarray(ar))
    order = numpy.argsort(host, kind="stable")  # values in any order (sorted=False)
    inverse = order[numpy.searchsorted(host[order], flat)]
    counts = numpy.bincount(inverse, minlength=len(host)).astype(numpy.finfo(gv.dtype).dtype)
    return unbroadcast(np.reshape(np.take(gv / counts, inverse), np.shape(ar)), ar)


ROWS = [
    Op(name, forward, None, vjp=(_unique_values_vjp,))
    for name, forward in (
        ("unique", _unique),
        ("unique_all", _named("unique_all", UniqueAllResult)),
        ("unique_counts", _named("unique_counts", UniqueCountsResult)),
        ("unique_inverse", _named("unique_inverse", UniqueInverseResult)),
        ("unique_values", _unique_values),
    )
]
# isin answers booleans, with its first argument's shape. The other set routines' values are
# elements of their inputs, but which element (of equal ones) a value comes from, and how many
# values there are, is data-dependent: no gradient.
ROWS.append(
    Op(
        "isin",
        _isin,
        shaped(lambda element, *rest, **kwargs: shape_of(element), 2),
        differentiable=False,
    )
)
ROWS += [
    Op(name, on_arrays(name), None, differentiable=False)
    for name in ("intersect1d", "union1d", "setdiff1d", "setxor1d")
]
