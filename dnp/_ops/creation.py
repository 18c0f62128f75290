"""Array creation: from data, from shapes and fill values (and ``*_like``), matrices, grids,
index tricks and printing (evenly spaced numbers: ``ranges.py``).

Rows whose NumPy function takes ``device=`` or ``like=`` are ``creation=True``: dispatch places the
result on ``device=`` (else the inputs' device, else the default device) and drops ``like=``. The
``*_like`` rows are creation rows too, so ``zeros_like(a, device='gpu')`` places its result there;
without ``device=`` their result lives where the prototype does.

Metadata: shapes come from the arguments (shape arithmetic), dtypes and NumPy's checks from the
op on one-element stand-ins, so nothing of the result's size is made. ``fromfunction`` calls the
user's function and ``fromiter`` consumes its iterator, so neither has a rule; the printing
functions return strings.
"""

import operator

import numpy
from numpy.lib._index_tricks_impl import AxisConcatenator
from numpy.lib.array_utils import normalize_axis_index

from .._dispatch import dispatch
from .._meta import (
    Meta,
    _quiet_call,
    as_numpy,
    bound,
    is_array,
    probe,
    run_bound,
    run_small,
    shape_of,
    size_of,
    small,
    standin,
)
from . import _views
from ._grad import fit, np, to_input, unbroadcast
from ._row import Op
from .ranges import arange_meta


def _dims(shape) -> tuple[int, ...]:
    """``shape`` as NumPy reads it: one integer or a sequence of them, none negative."""
    try:
        dims = (operator.index(shape),)
    except TypeError:
        dims = tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in dims):
        raise ValueError("negative dimensions are not allowed")
    return dims


def _meta_of(x):
    return x if is_array(x) else numpy.asarray(x)


def backend_array(xp, a):
    """A list or tuple operand as a backend array: CuPy's functions take arrays only, while
    NumPy's convert them (to the very array ``xp.asarray`` makes)."""
    return xp.asarray(a) if type(a) in (list, tuple) else a


def on_arrays(name):
    """A forward: ``xp.<name>`` with its list and tuple positional operands made arrays."""

    def forward(xp, *args, **kwargs):
        return getattr(xp, name)(*(backend_array(xp, a) for a in args), **kwargs)

    return forward


def _back_to(g, a):
    """``g`` shaped, typed and placed like the input ``a`` it is the gradient of."""
    if not hasattr(a, "shape"):
        return g
    g = unbroadcast(g, a) if g.dtype.kind == "c" and a.dtype.kind != "c" else g
    if g.shape != a.shape:
        g = np.reshape(g, a.shape)
    if g.dtype != a.dtype or g.device != a.device:
        g = np.asarray(g, dtype=a.dtype, device=a.device)
    return g


# --- from data -----------------------------------------------------------------------------------
def converted(op, args, kwargs):
    """``array``/``asarray``/``copy``/... of an array: its shape (after any ``ndmin``), the dtype
    and NumPy's checks from the call on a one-element stand-in; other data is probed."""
    params = bound(op, args, kwargs)
    first = next(iter(params))
    a = params[first]
    if not is_array(a):
        return probe(op, args, kwargs)
    rest = {k: v for k, v in params.items() if k != first}
    small_result = _quiet_call(op.kernel(numpy), (standin((1,) * a.ndim, a.dtype),), rest)
    return Meta((1,) * (small_result.ndim - a.ndim) + a.shape, small_result.dtype)


def _from_data(g, ans, a, *args, **kwargs):
    """array/asarray/copy/...: the identity, up to ndmin's leading axes, dtype and device."""
    if type(a) in (list, tuple):  # array([x, y]): a gradient for each element (stacked)
        return [_back_to(g[j], x) for j, x in enumerate(a)]
    return _back_to(g, a)


def _copy(xp, a, order="K", subok=False):
    # NumPy's own definition; CuPy's copy calls a.copy(order), which lists do not take.
    return xp.array(a, order=order, copy=True)


_REQUIREMENTS = {
    "C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C",
    "F": "F", "F_CONTIGUOUS": "F", "FORTRAN": "F",
    "A": "aligned", "ALIGNED": "aligned",
    "W": "writeable", "WRITEABLE": "writeable",
    "O": "owndata", "OWNDATA": "owndata",
    "E": None, "ENSUREARRAY": None,
}  # fmt: skip


def _require(xp, a, dtype=None, requirements=None):
    """NumPy's algorithm; CuPy's require rejects 'A', 'W' and 'E', which its arrays always meet."""
    if not requirements:
        return xp.asanyarray(a, dtype=dtype)
    flags = {_REQUIREMENTS[r.upper()] for r in requirements} - {None}  # KeyError, as NumPy
    if {"C", "F"} <= flags:
        raise ValueError('Cannot specify both "C" and "F" order')
    order = "C" if "C" in flags else "F" if "F" in flags else "A"
    arr = xp.asarray(a, dtype=dtype, order=order)
    if not all(getattr(arr.flags, flag, True) for flag in flags - {"C", "F"}):
        return arr.copy(order)
    return arr


# Each conversion row with its view rule: which calls return (a view of) their input.
FROM_DATA = {
    "array": _views.array,
    "asarray": _views.asarray,
    "asanyarray": _views.asarray,
    "ascontiguousarray": _views.contiguous("C"),
    "asfortranarray": _views.contiguous("F"),
}
ROWS = [
    Op(name, meta=converted, creation=True, vjp=(_from_data,), view=view)
    for name, view in FROM_DATA.items()
]
ROWS += [
    Op("require", _require, converted, creation=True, vjp=(_from_data,), view=_views.require),
    # raises for NaN/inf when it runs: reads the data, then returns its input
    Op("asarray_chkfinite", meta=converted, vjp=(_from_data,), aliases=True),
    Op("copy", _copy, converted, vjp=(_from_data,), keeps_order=True),
]
# Host data to arrays: the data is read where the call is made.
ROWS += [
    Op(name, meta=probe, creation=True, differentiable=False)
    for name in ("frombuffer", "fromstring", "from_dlpack")
]
ROWS += [Op("fromiter", meta=None, creation=True, differentiable=False)]


# --- from shapes and fill values ------------------------------------------------------------------
def filled(op, args, kwargs):
    """``empty``/``zeros``/``ones``/``full`` and their ``*_like``: the shape from the arguments,
    the dtype from NumPy's own call on a 0-d stand-in. Unlike ``probe``, nothing of the result's
    size is allocated or filled."""
    params = bound(op, args, kwargs)
    first = next(iter(params))
    rest = {k: v for k, v in params.items() if k not in (first, "shape")}
    if first == "shape":
        dims, lead = _dims(params["shape"]), ()
    else:  # the prototype of a *_like
        proto = _meta_of(params[first])
        shape = params.get("shape")
        dims = proto.shape if shape is None else _dims(shape)
        lead = numpy.zeros((), proto.dtype)
    fill = rest.get("fill_value")
    if fill is not None and not numpy.isscalar(fill):
        fill = _meta_of(fill)
        numpy.broadcast_to(standin(fill.shape, fill.dtype), dims)  # NumPy's error if it cannot
        rest["fill_value"] = numpy.zeros((), fill.dtype)
    return Meta(dims, _quiet_call(op.kernel(numpy), (lead,), rest).dtype)


# CuPy's *_like functions take arrays only, and raise for any subok= (NumPy's default is True;
# dnp arrays have no subclasses, so it changes nothing).
def _like(name):
    def forward(xp, a, dtype=None, order="K", subok=True, shape=None):
        return getattr(xp, name)(xp.asarray(a), dtype, order, shape=shape)

    return forward


def _full_like(xp, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return xp.full_like(xp.asarray(a), fill_value, dtype, order, shape=shape)


def _full_vjp(g, ans, shape, fill_value, *args, **kwargs):
    """full(shape, fill_value) and full_like(a, fill_value): the values are fill_value's."""
    return to_input(g, fill_value)


ROWS += [
    Op(name, meta=filled, creation=True, differentiable=False)
    for name in ("empty", "zeros", "ones")
]
ROWS += [
    Op(name, _like(name), filled, creation=True, differentiable=False, keeps_order=True)
    for name in ("empty_like", "zeros_like", "ones_like")
]
ROWS += [
    Op("full", meta=filled, creation=True, vjp=(None, _full_vjp)),
    Op("full_like", _full_like, filled, creation=True, vjp=(None, _full_vjp), keeps_order=True),
]


# --- matrices ------------------------------------------------------------------------------------
def _matrix(op, args, kwargs):
    """eye, identity, tri: N by M (M defaults to N); the dtype and NumPy's checks from the op
    on at most one row and column."""
    params = bound(op, args, kwargs)
    first = next(iter(params))  # N (n for identity)
    rows = operator.index(params[first])
    cols = rows if params.get("M") is None else operator.index(params["M"])
    tiny = dict(params, **{first: min(rows, 1)})
    if params.get("M") is not None:
        tiny["M"] = min(cols, 1)
    return Meta((max(rows, 0), max(cols, 0)), run_bound(op, tiny).dtype)  # tri: none below 0


def _diagflat(op, args, kwargs):
    """The flattened input on the k-th diagonal of a square of its size plus |k|."""
    params = bound(op, args, kwargs)
    result = run_bound(op, dict(params, v=small(params["v"])))
    n = size_of(params["v"]) + abs(params.get("k", 0))
    return Meta((n, n), result.dtype)


def _triangle(op, args, kwargs):
    """tril, triu: the input's shape (a 1-d input of n: n by n)."""
    params = bound(op, args, kwargs)
    result = run_bound(op, dict(params, m=small(params["m"])))
    shape = shape_of(params["m"])
    return Meta(shape if len(shape) > 1 else shape * 2, result.dtype)


def _vander(op, args, kwargs):
    """len(x) by N (default len(x)) powers."""
    params = bound(op, args, kwargs)
    n = params.get("N")
    tiny = dict(params, x=small(params["x"]), N=None if n is None else min(n, 1))
    result = run_bound(op, tiny)
    rows = shape_of(params["x"])[0]
    return Meta((rows, rows if n is None else n), result.dtype)


def _diag_vjp(g, ans, v, k=0):
    if np.ndim(v) == 1:
        return np.diag(g, k)
    return fit(np.diag(g, k), np.shape(v))  # the diagonal, in zeros of v's shape


def _vander_vjp(g, ans, x, N=None, increasing=False):
    n = g.shape[1]
    if n <= 1:
        return np.zeros_like(x)
    powers = numpy.arange(n)
    if increasing:  # d x^j = j x^(j-1): columns 1.. against vander(x, n - 1)
        g, powers = g[:, 1:], powers[1:]
    else:
        g, powers = g[:, :-1], powers[::-1][:-1]
    lower = np.vander(x, n - 1, increasing=increasing)
    return to_input(np.sum(g * np.conjugate(lower) * powers.astype(g.real.dtype), axis=1), x)


ROWS += [
    Op(name, meta=_matrix, creation=True, differentiable=False)
    for name in ("eye", "identity", "tri")
]
ROWS += [
    Op("diag", meta=probe, vjp=(_diag_vjp,), view=_views.diag),
    Op(
        "diagflat",
        on_arrays("diagflat"),
        _diagflat,
        vjp=(lambda g, ans, v, k=0: np.diag(g, k).reshape(np.shape(v)),),
    ),
    Op("tril", meta=_triangle, vjp=(lambda g, ans, m, k=0: np.tril(g, k),)),
    Op("triu", meta=_triangle, vjp=(lambda g, ans, m, k=0: np.triu(g, k),)),
    Op("vander", meta=_vander, vjp=(_vander_vjp,)),
]


# --- grids ---------------------------------------------------------------------------------------
def _meshgrid(xp, *xi, copy=True, sparse=False, indexing="xy"):
    # NumPy flattens each input; CuPy takes 1-d arrays only.
    flat = [xp.asarray(x).ravel() for x in xi]
    return tuple(xp.meshgrid(*flat, copy=copy, sparse=sparse, indexing=indexing))


def _meshgrid_meta(op, args, kwargs):
    """Input i's length along axis i (axes 0 and 1 swapped for 'xy'): each output spans every
    input's axis, or only its own when sparse; the dtypes from the op on one-element inputs."""
    result = run_small(op, [small(x) for x in args], kwargs)
    sizes = [size_of(x) for x in args]
    axes = list(range(len(args)))
    if kwargs.get("indexing", "xy") == "xy" and len(args) > 1:
        axes[0], axes[1] = 1, 0
    full = [1] * len(args)
    for i, n in zip(axes, sizes, strict=True):
        full[i] = n
    if kwargs.get("sparse", False):
        shapes = [
            tuple(n if j == i else 1 for j in range(len(args)))
            for i, n in zip(axes, sizes, strict=True)
        ]
    else:
        shapes = [tuple(full)] * len(args)
    return tuple(Meta(s, r.dtype) for s, r in zip(shapes, result, strict=True))


def _meshgrid_rule(i):
    def rule(g, ans, *xi, copy=True, sparse=False, indexing="xy"):
        ndim = len(xi)
        axis = i
        if indexing == "xy" and ndim > 1 and i < 2:
            axis = 1 - i
        gi = g[i]
        gi = np.sum(gi, axis=tuple(ax for ax in range(ndim) if ax != axis))
        return _back_to(gi, xi[i])

    return rule


def _indices(xp, dimensions, dtype=int, sparse=False):
    # CuPy's indices has no sparse=; NumPy's sparse grid is one broadcastable arange per axis.
    if not sparse:
        return xp.indices(dimensions, dtype=dtype)
    n = len(dimensions)
    return tuple(
        xp.arange(d, dtype=dtype).reshape((1,) * i + (d,) + (1,) * (n - i - 1))
        for i, d in enumerate(dimensions)
    )


def _fromfunction(xp, function, shape, *, dtype=float, **kwargs):
    """NumPy's definition: ``function`` receives backend index arrays (NumPy or CuPy ones).

    CuPy's fromfunction computes on the host; calling ``function`` on ``xp.indices`` keeps the
    work on the device. The result is whatever ``function`` returns, as in NumPy.
    """
    return function(*xp.indices(shape, dtype=dtype), **kwargs)


ROWS += [
    # one gradient rule per array argument
    Op(
        "meshgrid",
        _meshgrid,
        _meshgrid_meta,
        vjp=tuple(_meshgrid_rule(i) for i in range(64)),
        view=_views.meshgrid,
    ),
    Op("indices", _indices, probe, differentiable=False),
    Op("fromfunction", _fromfunction, None, creation=True, differentiable=False),
]
# Printing: strings.
ROWS += [
    Op(name, meta=None, differentiable=False)
    for name in ("array2string", "array_repr", "array_str")
]


# --- index tricks --------------------------------------------------------------------------------
class IndexTrick:
    """``mgrid``, ``ogrid``, ``r_``, ``c_``: arrays built by indexing an object. See `numpy.mgrid`.

    ``dnp.mgrid[0:3, 0:4]`` runs the backend's own index trick on the default device (or the
    device of the arrays inside the brackets).
    """

    __slots__ = ("_op",)

    def __init__(self, op: Op) -> None:
        self._op = op

    def __getitem__(self, key):
        return dispatch(self._op, (key,), {})

    def __repr__(self) -> str:
        return f"dnp.{self._op.name.partition('.')[0]}"


def _concatenated(objs, axis=0) -> Meta:
    """``numpy.concatenate``'s result, from its operands' shapes (all of one dtype here)."""
    if not objs:
        raise ValueError("need at least one array to concatenate")
    first = objs[0].shape
    if not first:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, len(first))
    for o in objs:
        if len(o.shape) != len(first):
            raise ValueError("all the input arrays must have same number of dimensions")
        if o.shape[:axis] + o.shape[axis + 1 :] != first[:axis] + first[axis + 1 :]:
            raise ValueError(
                "all the input array dimensions except for the concatenation axis must match"
            )
    length = sum(o.shape[axis] for o in objs)
    return Meta(first[:axis] + (length,) + first[axis + 1 :], objs[0].dtype)


class _Described(AxisConcatenator):
    """NumPy's reading of an ``r_``/``c_`` key, ending in the result's Meta (no concatenation)."""

    __slots__ = ()
    concatenate = staticmethod(_concatenated)


def _slice_standin(item: slice):
    """A stand-in for the range a slice in an ``r_`` key makes (arange, or linspace for a
    complex step): a 1-d array is placed as that range is."""
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, numpy.complexfloating)):
        n = int(abs(step))
        return standin((n,), numpy.linspace(start, item.stop, num=0).dtype)
    meta = arange_meta(None, (start, item.stop, step), {})
    return standin(meta.shape, meta.dtype)


_NUMBERS = (int, float, complex, bool, numpy.generic)


def _item_standin(item):
    """An ``r_``/``c_`` key item as NumPy reads it, with stand-ins for its arrays and ranges."""
    if type(item) is slice:
        return _slice_standin(item)
    if isinstance(item, (str, *_NUMBERS)):
        return item
    return as_numpy(item)


def _concatenation_meta(op, args, kwargs):
    """r_, c_: NumPy's own reading of the key, on stand-ins of each item already in the
    result's dtype, with concatenate replaced by shape arithmetic. A matrix (a string key, an
    'r' or 'c' directive) has no rule."""
    (key,) = args
    items = key if type(key) is tuple else (key,)
    if type(key) is str or (items and type(items[0]) is str and items[0] in ("r", "c")):
        return None
    items = [_item_standin(k) for k in items]
    dtypes = [k if isinstance(k, _NUMBERS) else k.dtype for k in items if type(k) is not str]
    final = numpy.result_type(*dtypes) if dtypes else None
    key = tuple(k if isinstance(k, (str, *_NUMBERS)) else standin(k.shape, final) for k in items)
    trick = getattr(numpy, op.name.partition(".")[0])
    return _Described(trick.axis, trick.matrix, trick.ndmin, trick.trans1d)[key]


def _index_trick_rule(columns):
    """r_[a, b, 2.0] / c_[a, b]: concatenations of arrays and scalars (not of slices, not with
    directive strings): each array gets its block of ``g``."""

    def rule(g, ans, key):
        items = key if type(key) is tuple else (key,)
        if any(isinstance(k, (slice, str)) for k in items):
            raise NotImplementedError(
                f"dnp.{'c_' if columns else 'r_'}: the gradient is written for arrays and scalars"
            )
        axis = g.ndim - 1 if columns else 0
        grads, start = [], 0
        for k in items:
            nd = np.ndim(k)
            width = 1 if nd == 0 or (columns and nd < 2) else np.shape(k)[axis]
            block = g[(slice(None),) * axis + (slice(start, start + width),)]
            start += width
            is_array = hasattr(k, "shape")
            grads.append(_back_to(np.reshape(block, np.shape(k)), k) if is_array else None)
        return grads if type(key) is tuple else grads[0]

    return (rule,)


def _index_trick(name: str, meta, **facts) -> Op:
    def forward(xp, key):
        return getattr(xp, name)[key]

    return Op(f"{name}.__getitem__", forward, meta, creation=True, **facts)


INDEX_TRICKS = {
    # grids of numbers from slices
    "mgrid": _index_trick("mgrid", probe, differentiable=False),
    "ogrid": _index_trick("ogrid", probe, differentiable=False),
    "r_": _index_trick("r_", _concatenation_meta, vjp=_index_trick_rule(False)),
    "c_": _index_trick("c_", _concatenation_meta, vjp=_index_trick_rule(True)),
}
ROWS += INDEX_TRICKS.values()
mgrid, ogrid, r_, c_ = (IndexTrick(op) for op in INDEX_TRICKS.values())
