"""Array creation: from data, from shapes, ranges, grids, ``*_like``, and printing.

Rows whose NumPy function takes ``device=`` or ``like=`` are ``creation=True``: dispatch places the
result on ``device=`` (else the inputs' device, else the default device) and drops ``like=``. The
``*_like`` rows are creation rows too, so ``zeros_like(a, device='gpu')`` places its result there;
without ``device=`` their result lives where the prototype does.

Metadata: ``filled`` (shape constructors, ``*_like``) and ``converted`` (conversions of arrays)
allocate nothing of the result's size; ranges and grids are probed. ``fromiter`` consumes its
iterator and ``fromfunction`` calls the user's function, so neither is probed (rule None); the
printing functions return strings.
"""

import inspect
import operator

import numpy

from .._dispatch import dispatch
from .._meta import Meta, _quiet_call, _replace, describe, is_array, probe, standin
from ._grad import fit, np, to_input, unbroadcast
from ._row import Op, attach_vjps


def _dims(shape) -> tuple[int, ...]:
    """``shape`` as NumPy reads it: one integer or a sequence of them, none negative."""
    try:
        dims = (operator.index(shape),)
    except TypeError:
        dims = tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in dims):
        raise ValueError("negative dimensions are not allowed")
    return dims


def _bound(op, args, kwargs) -> dict:
    """The arguments by NumPy's parameter names, without the placement ones dispatch consumes."""
    kwargs = {k: v for k, v in kwargs.items() if k not in ("device", "like")}
    return inspect.signature(op.numpy_function()).bind(*args, **kwargs).arguments


def _meta_of(x):
    return x if is_array(x) else numpy.asarray(x)


def filled(op, args, kwargs):
    """``empty``/``zeros``/``ones``/``full`` and their ``*_like``: the shape from the arguments,
    the dtype from NumPy's own call on a 0-d stand-in. Unlike ``probe``, nothing of the result's
    size is allocated or filled."""
    params = _bound(op, args, kwargs)
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


def converted(op, args, kwargs):
    """``array``/``asarray``/``copy``/... of an array: its shape (after any ``ndmin``), the dtype
    and NumPy's checks from the call on a one-element stand-in; other data is probed."""
    params = _bound(op, args, kwargs)
    first = next(iter(params))
    a = params[first]
    if not is_array(a):
        return probe(op, args, kwargs)
    rest = {k: v for k, v in params.items() if k != first}
    small = _quiet_call(op.kernel(numpy), (standin((1,) * a.ndim, a.dtype),), rest)
    return Meta((1,) * (small.ndim - a.ndim) + a.shape, small.dtype)


def as_array(xp, a):
    """A list or tuple operand as a backend array: CuPy's functions take arrays only, while
    NumPy's convert them (to the very array ``xp.asarray`` makes)."""
    return xp.asarray(a) if type(a) in (list, tuple) else a


def on_arrays(name):
    """A forward: ``xp.<name>`` with its list and tuple positional operands made arrays."""

    def forward(xp, *args, **kwargs):
        return getattr(xp, name)(*(as_array(xp, a) for a in args), **kwargs)

    return forward


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


# CuPy's *_like functions take arrays only, and raise for any subok= (NumPy's default is True;
# dnp arrays have no subclasses, so it changes nothing).
def _like(name):
    def forward(xp, a, dtype=None, order="K", subok=True, shape=None):
        return getattr(xp, name)(xp.asarray(a), dtype, order, shape=shape)

    return forward


def _full_like(xp, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return xp.full_like(xp.asarray(a), fill_value, dtype, order, shape=shape)


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


def _geomspace(xp, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """NumPy's algorithm (CuPy has no geomspace), on ``xp``."""
    start, stop = xp.asarray(start), xp.asarray(stop)
    if bool(xp.any(start == 0)) or bool(xp.any(stop == 0)):
        raise ValueError("Geometric sequence cannot include zero")
    dt = xp.result_type(start, stop, float(num), xp.zeros((), dtype))
    dtype = dt if dtype is None else xp.dtype(dtype)
    # Rotate start to the positive real axis so that logs of negative or complex values are
    # exact, then rotate back; the end points are set exactly (exp(log(x)) may differ from x).
    start = start.astype(dt, copy=True)
    stop = stop.astype(dt, copy=True)
    out_sign = xp.sign(start)
    start /= out_sign
    stop = stop / out_sign
    result = xp.logspace(xp.log10(start), xp.log10(stop), num=num, endpoint=endpoint, dtype=dt)
    if num > 0:
        result[0] = start
        if num > 1 and endpoint:
            result[-1] = stop
    result *= out_sign
    if axis != 0:
        result = xp.moveaxis(result, 0, axis)
    return result.astype(dtype, copy=False)


def _geomspace_meta(op, args, kwargs):
    """``probe`` on stand-ins of ones: the shared stand-ins hold zeros, which it rejects."""
    ones = lambda a: numpy.ones(a.shape, a.dtype)  # start and stop: a few values
    return describe(_quiet_call(op.kernel(numpy), _replace(args, ones), _replace(kwargs, ones)))


def _meshgrid(xp, *xi, copy=True, sparse=False, indexing="xy"):
    # NumPy flattens each input; CuPy takes 1-d arrays only.
    flat = [xp.asarray(x).ravel() for x in xi]
    return tuple(xp.meshgrid(*flat, copy=copy, sparse=sparse, indexing=indexing))


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


FROM_DATA = "array asarray asanyarray ascontiguousarray asfortranarray".split()
PLAIN = "arange linspace eye identity tri frombuffer fromstring from_dlpack".split()
LIKE = ("empty_like", "zeros_like", "ones_like")

ROWS = [Op(name, meta=converted, creation=True) for name in FROM_DATA]
ROWS += [Op(name, meta=probe, creation=True) for name in PLAIN]
ROWS += [Op(name, meta=filled, creation=True) for name in ("empty", "zeros", "ones", "full")]
ROWS += [Op(name, _like(name), filled, creation=True) for name in LIKE]
ROWS += [Op(name, meta=probe) for name in "logspace diag tril triu vander".split()]
ROWS += [Op(name, meta=None) for name in "array2string array_repr array_str".split()]
ROWS += [
    Op("full_like", _full_like, filled, creation=True),
    Op("require", _require, converted, creation=True),
    Op("asarray_chkfinite", meta=converted),  # raises for NaN/inf when it runs: reads the data
    Op("copy", _copy, converted),
    Op("diagflat", on_arrays("diagflat"), probe),
    Op("geomspace", _geomspace, _geomspace_meta),
    Op("meshgrid", _meshgrid, probe),
    Op("indices", _indices, probe),
    Op("fromfunction", _fromfunction, None, creation=True),
    Op("fromiter", meta=None, creation=True),  # probing would consume the iterator
]


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


def _index_trick(name: str) -> Op:
    return Op(f"{name}.__getitem__", lambda xp, key: getattr(xp, name)[key], probe, creation=True)


INDEX_TRICKS = {name: _index_trick(name) for name in ("mgrid", "ogrid", "r_", "c_")}
ROWS += INDEX_TRICKS.values()
mgrid, ogrid, r_, c_ = (IndexTrick(op) for op in INDEX_TRICKS.values())


# --- gradients ---------------------------------------------------------------------------------


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


def _from_data(g, ans, a, *args, **kwargs):
    """array/asarray/copy/...: the identity, up to ndmin's leading axes, dtype and device."""
    if type(a) in (list, tuple):  # array([x, y]): a gradient for each element (stacked)
        return [_back_to(g[j], x) for j, x in enumerate(a)]
    return _back_to(g, a)


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


def _linspace_t(num, endpoint, ndim, axis, dtype):
    div = (num - 1) if endpoint else num
    t = numpy.arange(num, dtype=dtype) / div if div > 0 else numpy.zeros(num, dtype)
    return numpy.moveaxis(t.reshape((-1,) + (1,) * ndim), 0, axis), div


def _linspace_rule(which):
    def rule(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, **kw):
        step_g = None
        if retstep:
            g, step_g = g
        x = start if which == 0 else stop
        nd = np.ndim(ans[0] if retstep else ans) - 1
        axis = axis % (nd + 1)
        t, div = _linspace_t(num, endpoint, nd, axis, numpy.finfo(g.dtype).dtype)
        w = 1 - t if which == 0 else t
        grad = np.sum(g * w, axis=axis)
        if step_g is not None and div > 0:
            grad = grad + (step_g / div if which else -step_g / div)
        return to_input(grad, x)

    return rule


def _logspace_rule(which):
    # y = base ** linspace(start, stop): the gradient of the exponents is g * y * log(base).
    def rule(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
        if numpy.ndim(base) != 0:
            raise NotImplementedError("dnp.logspace: the gradient is written for a scalar base")
        ge = g * (np.conjugate(ans) * numpy.log(complex(base) if base < 0 else base))
        return _linspace_rule(which)(ge, ans, start, stop, num, endpoint, False, None, axis)

    return rule


def _geomspace_rule(which):
    # y = start ** (1 - t) * stop ** t: dy/dstart = (1 - t) y / start, dy/dstop = t y / stop.
    def rule(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
        nd = np.ndim(ans) - 1
        axis = axis % (nd + 1)
        t, _ = _linspace_t(num, endpoint, nd, axis, numpy.finfo(g.dtype).dtype)
        x = start if which == 0 else stop
        w = 1 - t if which == 0 else t
        xe = np.expand_dims(x, axis) if np.ndim(x) else x
        return to_input(np.sum(g * np.conjugate(ans * w / xe), axis=axis), x)

    return rule


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


def _full_vjp(g, ans, shape, fill_value, *args, **kwargs):
    return to_input(g, fill_value)


VJPS = {name: (_from_data,) for name in FROM_DATA}
VJPS |= {name: (_from_data,) for name in ("require", "asarray_chkfinite", "copy")}
VJPS |= {
    "diag": (_diag_vjp,),
    "diagflat": (lambda g, ans, v, k=0: np.diag(g, k).reshape(np.shape(v)),),
    "tril": (lambda g, ans, m, k=0: np.tril(g, k),),
    "triu": (lambda g, ans, m, k=0: np.triu(g, k),),
    "vander": (_vander_vjp,),
    "meshgrid": tuple(_meshgrid_rule(i) for i in range(64)),  # one per array argument
    "linspace": (_linspace_rule(0), _linspace_rule(1)),
    "logspace": (_logspace_rule(0), _logspace_rule(1)),
    "geomspace": (_geomspace_rule(0), _geomspace_rule(1)),
    # full(shape, fill_value) and full_like(a, fill_value): the values are fill_value's.
    "full": (None, _full_vjp),
    "r_.__getitem__": _index_trick_rule(False),
    "c_.__getitem__": _index_trick_rule(True),
    "full_like": (None, _full_vjp),
}
NONDIFFERENTIABLE = frozenset(
    {"arange", "eye", "identity", "tri", "indices", "empty", "zeros", "ones", *LIKE}
    | {"frombuffer", "fromstring", "fromiter", "fromfunction", "from_dlpack"}  # host data
    | {"array2string", "array_repr", "array_str"}  # strings
    | {"mgrid.__getitem__", "ogrid.__getitem__"}  # grids of numbers from slices
)
attach_vjps(ROWS, VJPS)
