"""Generalized ufuncs: ``matmul``, ``vecdot``, ``matvec``, ``vecmat``.

Their operands have core dimensions (a matrix, a vector) that the signature matches up, and loop
dimensions that broadcast; ``axes=``/``axis=`` say where the core dimensions are, ``keepdims=``
keeps a reduced core dimension. The forward is the backend's gufunc of the same name. Gradients:
the products with the other operand, conjugated (``matmul``'s 1-d operands are promoted and
squeezed back as NumPy does).
"""

import re

import numpy
from numpy.lib.array_utils import normalize_axis_tuple

from .._meta import FLOAT32_64, Meta, _quiet_call, contraction_work, shape_of, small
from ._grad import conj, np, unbroadcast
from ._row import Op

GUFUNCS = "matmul vecdot matvec vecmat".split()


# --- metadata: core dimensions matched by name, loop dimensions broadcast -----------------------
def _core_dims(signature: str) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    """Each input's core dimension names, and the output's: '(n?,k),(k,m?)->(n?,m?)' gives
    [('n?', 'k'), ('k', 'm?')] and ('n?', 'm?')."""
    ins, out = signature.split("->")
    parse = lambda s: [tuple(filter(None, g.split(","))) for g in re.findall(r"\((.*?)\)", s)]
    return parse(ins), parse(out)[0]


def _core_axes(ax, n_core: int, ndim: int) -> tuple[int, ...]:
    """Where an operand's core dimensions are: ``axes=``'s entry, or its last ``n_core`` axes."""
    if ax is None:
        return tuple(range(ndim - n_core, ndim))
    return normalize_axis_tuple(ax, ndim, allow_duplicate=True)


def core_shape(ufunc, shapes, axes=None, axis=None, keepdims=False, out_shape=None):
    """The result shape of gufunc ``ufunc`` on operands of ``shapes`` (written into an output of
    ``out_shape`` if given), with NumPy's ValueError for core dimensions that differ and loop
    dimensions that do not broadcast. The other argument errors (too few dimensions, bad
    ``axes``) are NumPy's own, from its call on one-element stand-ins (``gufunc_meta``)."""
    ins, out = _core_dims(ufunc.signature)
    # A flexible dimension (``n?``) that an operand with too few axes lacks is dropped throughout.
    short = [core for core, s in zip(ins, shapes, strict=True) if len(s) < len(core)]
    gone = {d for core in short for d in core if d.endswith("?")}
    ins = [tuple(d for d in core if d not in gone) for core in ins]
    out = tuple(d for d in out if d not in gone)
    if axis is not None:
        axes = [(axis,)] * len(ins)
    axes = [None] * (len(ins) + 1) if axes is None else [*axes, None][: len(ins) + 1]
    sizes: dict[str, int] = {}
    loops = []
    for i, (core, shape, ax) in enumerate(zip(ins, shapes, axes[: len(ins)], strict=True)):
        at = _core_axes(ax, len(core), len(shape))
        for j, (name, k) in enumerate(zip(core, at, strict=True)):
            if sizes.setdefault(name, shape[k]) != shape[k]:
                raise ValueError(
                    f"{ufunc.__name__}: Input operand {i} has a mismatch in its core dimension "
                    f"{j}, with gufunc signature {ufunc.signature} (size {shape[k]} is different "
                    f"from {sizes[name]})"
                )
        loops.append(tuple(n for k, n in enumerate(shape) if k not in at))
    loop = numpy.broadcast_shapes(*loops)
    core, out_ax = tuple(sizes[d] for d in out), axes[len(ins)]
    if keepdims:  # the reduced core dimension stays, of length one, where the inputs had it
        core, out_ax = (1,) * len(ins[0]), axes[0]
    if out_shape is not None:
        at = _core_axes(out_ax, len(core), len(out_shape))
        kept = tuple(n for k, n in enumerate(out_shape) if k not in at)
        if tuple(out_shape[k] for k in at) != core or numpy.broadcast_shapes(loop, kept) != kept:
            raise ValueError(
                f"{ufunc.__name__}: output operand of shape {tuple(out_shape)} does not match "
                f"the result's core dimensions {core} and loop dimensions {loop}"
            )
        return tuple(out_shape)
    ndim = len(loop) + len(core)
    at = _core_axes(out_ax, len(core), ndim)
    rest = iter(loop)
    return tuple(core[at.index(k)] if k in at else next(rest) for k in range(ndim))


def gufunc_meta(op, args, kwargs):
    """``core_shape``; the dtype (and NumPy's argument checks) from the gufunc on one-element
    stand-ins of the operands (and of ``out=``)."""
    ufunc = getattr(numpy, op.name)
    rest, stand = list(args[2:]), dict(kwargs)
    out = rest[0] if rest else kwargs.get("out")
    out = out[0] if type(out) is tuple and len(out) == 1 else out
    if out is not None:
        stand["out"] = small(out)
        rest = rest[1:]
    result = _quiet_call(op.kernel(numpy), [*map(small, args[:2]), *rest], stand)
    dtype = result.dtype if isinstance(result, (numpy.ndarray, numpy.generic)) else object
    shape = core_shape(
        ufunc,
        [shape_of(a) for a in args[:2]],
        kwargs.get("axes"),
        kwargs.get("axis"),
        kwargs.get("keepdims", False),
        None if out is None else out.shape,
    )
    return Meta(shape, numpy.dtype(dtype))


# --- gradients: 1-d matmul operands are promoted and squeezed back ------------------------------
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


def vecdot_rule(i):
    """The gradient of ``vecdot`` (and ``linalg.vecdot``) with respect to its ``i``-th operand."""

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


# --- replays: a matrix-vector product of C-ordered real floats as ndarray.dot ------------------


def _gemv_replay(name: str, *ndims: tuple):
    """For ``dnp.jit``: ``name``'s calls on a matrix and a vector of one real float dtype (in
    an order ``ndims`` gives) as ``ndarray.dot`` where both are C-ordered, which calls the
    same BLAS ``gemv`` as the gufunc's loop with less work per call (half a microsecond);
    the gufunc itself for other layouts, whose loop may not be BLAS's."""
    ufunc = getattr(numpy, name)

    def dot_when_c_ordered(a, b):
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return a.dot(b)
        return ufunc(a, b)

    def replay(xp, args, kwargs):
        if xp is not numpy or kwargs or len(args) != 2:
            return None
        a, b = args
        if type(a) is not numpy.ndarray or type(b) is not numpy.ndarray:
            return None
        if (a.ndim, b.ndim) not in ndims or a.dtype != b.dtype or a.dtype not in FLOAT32_64:
            return None
        return dot_when_c_ordered

    return replay


# matmul, matvec and vecmat run on BLAS, which may use every core (``threaded``).
ROWS = [
    Op("matmul", None, gufunc_meta, vjp=(_matmul_dx1, _matmul_dx2), work=contraction_work,
       threaded=True, replay=_gemv_replay("matmul", (2, 1), (1, 2))),
    Op("vecdot", None, gufunc_meta, vjp=(vecdot_rule(0), vecdot_rule(1))),
    Op("matvec", None, gufunc_meta, vjp=(_matvec_dx1, _matvec_dx2), work=contraction_work,
       threaded=True, replay=_gemv_replay("matvec", (2, 1))),
    Op("vecmat", None, gufunc_meta, vjp=(_vecmat_dx1, _vecmat_dx2), work=contraction_work,
       threaded=True, replay=_gemv_replay("vecmat", (1, 2))),
]  # fmt: skip
