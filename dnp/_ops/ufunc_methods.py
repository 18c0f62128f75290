"""The ufunc methods: ``<ufunc>.reduce``, ``accumulate``, ``outer``, ``at`` and ``reduceat`` of
every ufunc (those NumPy refuses, a unary ufunc's reduce, raise NumPy's error).

Metadata: ``reduce`` reduces ``axis``; ``accumulate`` keeps the shape; ``reduceat`` has one entry
per index along ``axis``; ``outer`` stacks the operands' shapes; ``out=`` and ``where=`` broadcast
as NumPy's iterator broadcasts them. The dtype and NumPy's argument checks come from the method
run on stand-ins with one element per axis (none where the argument has none).

Gradients reuse the ufuncs' derivatives (``elementwise.DERIVATIVES``): ``u.outer`` is ``u`` on
reshaped operands, ``u.reduce``/``accumulate`` differentiate the fold ``y[k] = u(y[k-1], x[k])``
step by step (add, multiply and the extrema have direct rules: exact at zeros, ties split
equally), ``u.reduceat`` is ``u.reduce`` per slice, ``u.at`` is ``u`` on the indexed elements
(repeated indices only for add/subtract).

The reduce, accumulate and reduceat of the ufuncs NumPy does not reorder fold left on every host
(see "left folds").
"""

import functools
import inspect

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import Meta, _quiet_call, check_out, is_array, shape_of, small
from ._grad import conj, expand_reduced, np, unbroadcast
from ._reduced import reduced_axes, to_last
from ._row import Op
from .elementwise import DERIVATIVES, UFUNC_METHODS, UFUNCS, replace_zero, times_where
from .gufuncs import GUFUNCS
from .scans import cumprod_grad

_NOVALUE = numpy._NoValue


# --- metadata ------------------------------------------------------------------------------------
# NumPy's signatures of the folding methods (its own hide most parameters in ``**kwargs``).
def _reduce(array, /, axis=0, dtype=None, out=None, keepdims=False, initial=_NOVALUE, where=True):
    """``ufunc.reduce``."""


def _accumulate(array, /, axis=0, dtype=None, out=None):
    """``ufunc.accumulate``."""


def _reduceat(array, /, indices, axis=0, dtype=None, out=None):
    """``ufunc.reduceat``."""


_SIGNATURES = {f.__name__[1:]: inspect.signature(f) for f in (_reduce, _accumulate, _reduceat)}


def _is_mask(where) -> bool:
    return is_array(where) or type(where) in (list, tuple)


def _dtypes(result):
    """The dtype(s) of a method's result on stand-ins (a Python object: an object array's)."""
    if isinstance(result, tuple):
        return tuple(map(_dtypes, result))
    return result.dtype if isinstance(result, (numpy.ndarray, numpy.generic)) else numpy.dtype("O")


def _outs(out):
    """``out=`` as a tuple of arrays, or None."""
    return None if out is None else tuple(out) if type(out) is tuple else (out,)


def _small_out(out):
    """Stand-ins for ``out=`` (an array or a tuple of them), given as the call gives it."""
    return tuple(map(small, out)) if type(out) is tuple else small(out)


def _outputs(outs, shape, dtypes, ndim=None, axis=None):
    """The result's Meta(s): of ``shape`` and ``dtypes``, or of the ``out=`` arrays it is written
    into, which it must broadcast to (NumPy's ValueError otherwise), keeping ``ndim`` dimensions
    (if given) and the length of ``axis`` (if given)."""
    if outs is None:
        if type(dtypes) is tuple:
            return tuple(Meta(shape, d) for d in dtypes)
        return Meta(shape, dtypes)
    for o in outs:
        if (
            numpy.broadcast_shapes(o.shape, shape) != o.shape
            or ndim is not None
            and o.ndim != ndim
            or axis is not None
            and o.shape[axis] != shape[axis]
        ):
            raise ValueError(
                f"non-broadcastable output operand with shape {o.shape} doesn't match the "
                f"result's shape {shape}"
            )
    metas = tuple(Meta(o.shape, o.dtype) for o in outs)
    return metas if len(metas) > 1 else metas[0]


def _folding_call(op, args, kwargs):
    """A reduce/accumulate/reduceat call's arguments by name (``out=`` as ``_outs``) and the
    dtype of its result, from the method on stand-ins (and so NumPy's errors for the call)."""
    bound = _SIGNATURES[op.name.partition(".")[2]].bind(*args, **kwargs)
    bound.apply_defaults()
    p = bound.arguments
    stand = dict(p, array=small(p["array"]), out=_small_out(p["out"]))
    if _is_mask(p.get("where")):
        stand["where"] = small(p["where"])
    if "indices" in p:  # zeros: in range of the stand-in's axis of one element
        indices = p["indices"]  # NumPy makes host data intp (as it casts), keeps arrays' dtype
        tiny = tuple(min(n, 1) for n in shape_of(indices))
        stand["indices"] = small(indices) if is_array(indices) else numpy.zeros(tiny, numpy.intp)
    p["out"] = _outs(p["out"])
    return p, _dtypes(_quiet_call(op.numpy_function(), (stand.pop("array"),), stand))


def reduce_meta(op, args, kwargs):
    """``u.reduce``: ``axis`` reduced (None: all), or kept as length 1 with ``keepdims``."""
    p, dtype = _folding_call(op, args, kwargs)
    shape, where, outs = shape_of(p["array"]), p["where"], p["out"]
    if _is_mask(where) and numpy.broadcast_shapes(shape_of(where), shape) != shape:
        raise ValueError(f"where= of shape {shape_of(where)} does not broadcast to {shape}")
    axes = () if not shape else reduced_axes(p["axis"], len(shape))
    if p["keepdims"]:
        shape = tuple(1 if i in axes else n for i, n in enumerate(shape))
    else:
        shape = tuple(n for i, n in enumerate(shape) if i not in axes)
    if outs is not None:  # exactly the result's shape, unlike the other methods' out=
        check_out(outs[0], shape)
    return _outputs(outs, shape, dtype)


def accumulate_meta(op, args, kwargs):
    """``u.accumulate``: the array's shape."""
    p, dtype = _folding_call(op, args, kwargs)
    shape, outs = shape_of(p["array"]), p["out"]
    if shape == (0,) and outs is not None:  # NumPy returns out= as it is
        return _outputs(outs, outs[0].shape, dtype)
    axis = normalize_axis_index(p["axis"] or 0, len(shape))  # NumPy raised for None on 2-d
    return _outputs(outs, shape, dtype, len(shape), axis)


def reduceat_meta(op, args, kwargs):
    """``u.reduceat``: one entry per index along ``axis``; NumPy's IndexError for indices out of
    range where they are host data (an array's values are data: the op raises, when it runs)."""
    p, dtype = _folding_call(op, args, kwargs)
    shape, indices = shape_of(p["array"]), p["indices"]
    axis = normalize_axis_index(0 if p["axis"] is None else p["axis"], len(shape))
    n = shape[axis]
    if not is_array(indices):
        for i in numpy.asarray(indices).tolist():
            if not 0 <= i < n:
                raise IndexError(f"index {i} out-of-bounds in {op.name} [0, {n})")
    shape = (*shape[:axis], shape_of(indices)[0], *shape[axis + 1 :])
    return _outputs(p["out"], shape, dtype, len(shape))


def outer_meta(op, args, kwargs):
    """``u.outer(A, B)``: A's shape then B's (broadcast with ``where=``'s)."""
    stand, outs, where = dict(kwargs), _outs(kwargs.get("out")), kwargs.get("where")
    shape = shape_of(args[0]) + shape_of(args[1])
    if outs is not None:
        stand["out"] = _small_out(kwargs["out"])
    if _is_mask(where):
        stand["where"] = small(where)
        shape = numpy.broadcast_shapes(shape, shape_of(where))
    dtypes = _dtypes(_quiet_call(op.numpy_function(), list(map(small, args)), stand))
    return _outputs(outs, shape, dtypes)


# --- gradients ---------------------------------------------------------------------------------
def _outer_rules(u):
    """``u.outer(A, B)`` is ``u(A[..., None, ..., None], B)``: u's own rules on reshaped A."""

    def make(i, d):
        if d is None:
            return None

        def rule(g, ans, A, B, **kwargs):
            Ae = np.reshape(A, np.shape(A) + (1,) * np.ndim(B))
            r = d(times_where(g, kwargs.get("where", True)), ans, Ae, B)
            return np.reshape(unbroadcast(r, Ae), np.shape(A)) if i == 0 else unbroadcast(r, B)

        return rule

    return tuple(make(i, d) for i, d in enumerate(DERIVATIVES[u]))


def _expanded(g, x, axis, keepdims):
    """The reduction's gradient ``g`` broadcast to its input ``x``'s shape."""
    shape = np.shape(x)
    axes = reduced_axes(axis, len(shape))
    return np.broadcast_to(expand_reduced(g, shape, axes, keepdims), shape)


def _add_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    return times_where(_expanded(g, array, axis, keepdims), kwargs.get("where", True))


def _extreme_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    # The gradient goes to the elements equal to the result, split equally between ties.
    full = _expanded(ans, array, axis, keepdims)
    hit = times_where(array == full, kwargs.get("where", True))
    count = np.add.reduce(hit, axis=reduced_axes(axis, np.ndim(array)), keepdims=True)
    return _expanded(g, array, axis, keepdims) * hit / replace_zero(count)


def _multiply_reduce(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, **kwargs):
    # Exact at zeros: each element's gradient is the product of all the others (prefix and
    # suffix products).
    if kwargs.get("where", True) is not True:
        raise NotImplementedError("the gradient of dnp.multiply.reduce with where=")
    axes = reduced_axes(axis, np.ndim(array))
    xm, undo = to_last(array, axes)
    ones = np.ones_like(xm[..., :1])
    left = np.multiply.accumulate(xm, axis=-1)
    right = np.flip(np.multiply.accumulate(np.flip(xm, -1), axis=-1), -1)
    others = np.concatenate([ones, left[..., :-1]], -1) * np.concatenate([right[..., 1:], ones], -1)
    if kwargs.get("initial", _NOVALUE) is not _NOVALUE:
        others = others * kwargs["initial"]
    gm = np.expand_dims(np.reshape(g, np.shape(xm)[:-1]), -1)
    return undo(gm * conj(others))


def _fold_rule(u, accumulate):
    """Any binary ufunc's reduce/accumulate along one axis, from its call rules: the fold
    ``y[k] = u(y[k-1], x[k])`` differentiated step by step backwards."""
    d0, d1 = DERIVATIVES[u]

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
    # cumprod's rule: exact at zeros, no division
    return cumprod_grad(g, array, ans, (0 if axis is None else axis) % np.ndim(array))


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
    derivs = DERIVATIVES[u]
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
    axes = () if a.ndim == 0 else reduced_axes(axis, a.ndim)  # NumPy raised for several
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


# --- rows ----------------------------------------------------------------------------------------
_BINARY = [u for u, d in DERIVATIVES.items() if len(d) == 2 and u not in ("divmod", "ldexp")]
_EXTREMES = ("maximum", "minimum", "fmax", "fmin")
REDUCE_RULES = {u: _fold_rule(u, False) for u in _BINARY}
REDUCE_RULES.update(add=_add_reduce, multiply=_multiply_reduce)
REDUCE_RULES.update(dict.fromkeys(_EXTREMES, _extreme_reduce))
_ACCUMULATE = {u: _fold_rule(u, True) for u in _BINARY}
_ACCUMULATE.update(add=_add_accumulate, multiply=_multiply_accumulate)
_META = {
    "reduce": reduce_meta,
    "accumulate": accumulate_meta,
    "outer": outer_meta,
    "at": None,  # in place, run at once (its checks need the data)
    "reduceat": reduceat_meta,
}


def _gradient(u, m):
    """The gradient rules of ``u.<m>``; None for the methods NumPy refuses and those of ufuncs
    with no derivative (integer or boolean results, locally constant functions), ldexp's, gcd's
    and the two-output ufuncs' (but divmod.outer)."""
    if m == "outer":
        return _outer_rules(u) if u in _BINARY or u == "divmod" else None
    if m == "at":
        at = u in DERIVATIVES and u not in ("divmod", "modf", "frexp", "ldexp")
        return _at_rules(u) if at else None
    if u not in _BINARY:
        return None
    if m == "reduce":
        return (REDUCE_RULES[u],)
    if m == "accumulate":
        return (_ACCUMULATE[u],)
    return (_reduceat_rule(u), None)


def _method_row(u, m):
    vjp = _gradient(u, m)
    forward = _left_fold(u, m) if u in NOT_REORDERED and m in FOLDS else None
    return Op(
        f"{u}.{m}", forward, _META[m], vjp=vjp, differentiable=vjp is not None, inplace=m == "at"
    )


ROWS = [_method_row(u, m) for u in UFUNCS + GUFUNCS for m in UFUNC_METHODS]
