"""Products: einsum (and einsum_path), dot, vdot, inner, outer, tensordot, kron, cross, and the
products and matrix reads of ``numpy.linalg`` (matmul, multi_dot, outer, tensordot, cross,
vecdot, trace, diagonal, matrix_transpose).

Metadata rules are shape rules (``_meta.shaped``): the result's shape from the operands'
shapes, its dtype (and NumPy's checks of the call) from the op on one-element operands. Most
gradients are einsum's: a product's rule is einsum's gradient on the product's subscripts. Rules
are batched over leading dimensions and written with dnp functions, so they differentiate again.
"""

import math
import string

import numpy
from numpy.lib.array_utils import normalize_axis_index

from .._meta import (
    Meta,
    _quiet_call,
    batch,
    check_out,
    contraction_work,
    is_array,
    probe,
    shape_of,
    shaped,
    signature_of,
    small_ones,
)
from . import _views
from ._grad import as_array, conj, np, unbroadcast
from ._matrices import eye, mh, mm, mt
from ._row import Op
from .gufuncs import vecdot_rule

# --- einsum: its subscripts, its shape rule, its gradient ---------------------------------------
_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # sublist ints 0..51, in NumPy's order


def _tokens(term):
    left, dots, right = term.partition("...")
    return [*left, *(["..."] if dots else []), *right]


def _sublist(sub):
    return ["..." if s is Ellipsis else _LETTERS[s] for s in sub]


def _operand_positions(args):
    """Where einsum's operands are in ``args``: after the subscripts, or interleaved with their
    sublists (an odd count ends with the output's sublist)."""
    if args and isinstance(args[0], str):
        return range(1, len(args))
    return range(0, len(args) - len(args) % 2, 2)


def _einsum_parse(args):
    """(input terms, output term, operands, operand positions in ``args``) for both call forms;
    terms are lists of labels, with '...' for an ellipsis."""
    positions = _operand_positions(args)
    operands = [args[i] for i in positions]
    if isinstance(args[0], str):
        inputs, arrow, output = args[0].replace(" ", "").partition("->")
        terms = [_tokens(t) for t in inputs.split(",")]
        if arrow:
            return terms, _tokens(output), operands, positions
    else:
        terms = [_sublist(s) for s in args[1::2]]
        if len(args) % 2:
            return terms, _sublist(args[-1]), operands, positions
    labels = [c for t in terms for c in t if c != "..."]
    output = ["..."] * any("..." in t for t in terms)
    return (
        terms,
        output + sorted(c for c in set(labels) if labels.count(c) == 1),
        operands,
        positions,
    )


def _label_sizes(terms, shapes):
    """Each label's size (1 broadcasts against the other operands' sizes, as in NumPy) and the
    dimensions each operand's ellipsis stands for; NumPy's ValueError where sizes disagree."""
    sizes, ellipses = {}, []
    for term, dims in zip(terms, shapes, strict=True):
        n_ell = len(dims) - len(term) + ("..." in term)
        own, k = {}, 0
        for tok in term:
            if tok == "...":
                ellipses.append(tuple(dims[k : k + n_ell]))
                k += n_ell
                continue
            n, k = dims[k], k + 1
            if own.setdefault(tok, n) != n:
                raise ValueError(
                    f"dimensions in single operand for collapsing index '{tok}' don't match "
                    f"({own[tok]} != {n})"
                )
            if sizes.get(tok, 1) == 1:
                sizes[tok] = n
            elif n not in (1, sizes[tok]):
                raise ValueError(
                    f"operands could not be broadcast together: label '{tok}' has "
                    f"sizes {sizes[tok]} and {n}"
                )
    return sizes, ellipses


def _einsum_meta(op, args, kwargs):
    """The output's shape from its labels' sizes; its dtype, and NumPy's checks of the call,
    from the einsum of one-element operands (every axis of length 1, so the labels agree)."""
    positions = _operand_positions(args)
    tiny = [small_ones(a) if i in positions else a for i, a in enumerate(args)]
    out = kwargs.get("out")
    if out is not None:  # NumPy checks its number of dimensions and the cast to its dtype
        kwargs = {**kwargs, "out": numpy.zeros((1,) * out.ndim, out.dtype)}
    dtype = numpy.asarray(_quiet_call(op.kernel(numpy), tiny, kwargs)).dtype
    terms, output, operands, _ = _einsum_parse(args)
    sizes, ellipses = _label_sizes(terms, [shape_of(x) for x in operands])
    dots = numpy.broadcast_shapes(*ellipses)
    result = tuple(n for tok in output for n in (dots if tok == "..." else (sizes[tok],)))
    check_out(out, result)
    return Meta(result, dtype)


def _einsum_grad(terms, output, operands, i, g, optimize=False):
    """The gradient of ``einsum(terms -> output)`` wrt ``operands[i]``: an einsum of ``g`` with the
    other operands (conjugated), identities for labels repeated in operand i (diagonals, traces),
    ones for labels only operand i has (sums), then ellipsis broadcasting undone."""
    x = operands[i]
    shape = tuple(np.shape(x))
    sizes, _ = _label_sizes(terms, [np.shape(op) for op in operands])
    used = set(sizes) | set(output)
    fresh = (c for c in _LETTERS if c not in used)
    target, extra_subs, extra_ops, seen = [], [], [], []
    for tok in terms[i]:
        if tok != "..." and tok in seen:
            f = next(fresh)
            target.append(f)
            extra_subs.append(tok + f)
            extra_ops.append(eye(sizes[tok], g))
        else:
            target.append(tok)
            if tok != "...":
                seen.append(tok)
    others = [j for j in range(len(operands)) if j != i]
    subs = ["".join(output), *("".join(terms[j]) for j in others), *extra_subs]
    have = set("".join(subs))
    for tok in seen:
        if tok not in have:
            subs.append(tok)
            extra_ops.append(np.ones(sizes[tok], dtype=bool, device=g.device))
    ellipsis = any("..." in s for s in subs)
    own = "..." in target
    out = ([] if own or not ellipsis else ["..."]) + [t for t in target if ellipsis or t != "..."]
    spec = ",".join(subs) + "->" + "".join(out)
    opt = optimize if isinstance(optimize, (bool, str)) else True
    ops = [conj(as_array(operands[j])) for j in others]
    r = np.einsum(spec, g, *ops, *extra_ops, optimize=opt)
    if ellipsis or own:  # the ellipsis block: add missing axes, sum extra leading ones
        p = target.index("...") if own else 0
        q = len(target) - p - 1 if own else len(target)
        n_x, n_r = len(shape) - p - q if own else 0, (r.ndim - p - q) if ellipsis else 0
        if n_r < n_x:
            r = r.reshape(r.shape[:p] + (1,) * (n_x - n_r) + r.shape[p:])
        elif n_r > n_x:
            r = r.sum(axis=tuple(range(p, p + n_r - n_x)))
    r = unbroadcast(r, x)  # sums the axes of length 1 in x that g has longer
    return r if r.shape == shape else np.broadcast_to(r, shape)


def _einsum_rule(k):
    def rule(g, ans, *args, out=None, optimize=False, **kwargs):
        terms, output, operands, positions = _einsum_parse(args)
        return _einsum_grad(terms, output, operands, positions.index(k), g, optimize)

    return rule


def _einsum_vjps(spec):
    """The rules of a product of two operands that is ``einsum`` on the subscripts
    ``spec(*args, **kwargs)`` gives (input terms, output term)."""

    def rule(i):
        def vjp(g, ans, *args, **kwargs):
            terms, output = spec(*args, **kwargs)
            return _einsum_grad(terms, output, list(args[:2]), i, g)

        return vjp

    return rule(0), rule(1)


def _letters(n, start=0):
    return list(_LETTERS[start : start + n])


ROWS = [
    Op(
        "einsum",
        meta=_einsum_meta,
        vjp=tuple(_einsum_rule(k) for k in range(2 * len(_LETTERS) + 1)),
        work=contraction_work,
        aliases=True,  # "ii->i", "ij->ji" make views
        threaded=True,
    ),
    # A Python value (the path and its report) that follows from the operands' shapes alone.
    Op("einsum_path", meta=None, differentiable=False, signature_only=True),
]


# --- dot, inner, tensordot, matmul: einsums of two operands -------------------------------------
def _aligned(a, b, i, j):
    if a[i] != b[j]:
        raise ValueError(
            f"shapes {a} and {b} not aligned: "
            f"{a[i]} (dim {i % len(a)}) != {b[j]} (dim {j % len(b)})"
        )


def _dot(a, b, out=None):
    a, b = shape_of(a), shape_of(b)
    if not a or not b:
        return numpy.broadcast_shapes(a, b)
    k = max(len(b) - 2, 0)  # b's contracted axis: its last for a vector, else its second-to-last
    _aligned(a, b, -1, k)
    return a[:-1] + b[:k] + b[k + 1 :]


def _dot_spec(a, b, out=None):
    na, nb = np.ndim(a), np.ndim(b)
    ta, tb = _letters(na), _letters(nb, na)
    if na == 0 or nb == 0:
        return [ta, tb], ta + tb
    k = max(nb - 2, 0)  # b's contracted axis
    tb[k] = ta[-1]
    return [ta, tb], ta[:-1] + tb[:k] + tb[k + 1 :]


def _inner(a, b):
    a, b = shape_of(a), shape_of(b)
    if not a or not b:
        return numpy.broadcast_shapes(a, b)
    _aligned(a, b, -1, -1)
    return a[:-1] + b[:-1]


def _inner_spec(a, b):
    na, nb = np.ndim(a), np.ndim(b)
    ta, tb = _letters(na), _letters(nb, na)
    if na and nb:
        tb[-1] = ta[-1]
        return [ta, tb], ta[:-1] + tb[:-1]
    return [ta, tb], ta + tb


def _contracted(axes, na, nb):
    """tensordot's ``axes`` (N: the last N axes of a with the first N of b; or a pair of axes or
    sequences of axes) as two lists of axes."""
    try:
        axes_a, axes_b = axes
    except TypeError:
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return axes_a, axes_b


def _tensordot(a, b, axes=2):
    a, b = shape_of(a), shape_of(b)
    axes_a, axes_b = _contracted(axes, len(a), len(b))
    if len(axes_a) != len(axes_b) or any(a[i] != b[j] for i, j in zip(axes_a, axes_b, strict=True)):
        raise ValueError("shape-mismatch for sum")
    drop_a = {i % len(a) for i in axes_a}
    drop_b = {j % len(b) for j in axes_b}
    return tuple(n for i, n in enumerate(a) if i not in drop_a) + tuple(
        n for j, n in enumerate(b) if j not in drop_b
    )


def _tensordot_spec(a, b, axes=2):
    na, nb = np.ndim(a), np.ndim(b)
    axes_a, axes_b = _contracted(axes, na, nb)
    ta, tb = _letters(na), _letters(nb, na)
    for i, j in zip(axes_a, axes_b, strict=True):
        tb[j % nb] = ta[i % na]
    drop_a = {i % na for i in axes_a}
    drop_b = {j % nb for j in axes_b}
    return [ta, tb], [c for i, c in enumerate(ta) if i not in drop_a] + [
        c for j, c in enumerate(tb) if j not in drop_b
    ]


def _matmul(x1, x2):
    a, b = shape_of(x1), shape_of(x2)
    if not a or not b:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError(f"matmul: core dimension mismatch: {a} and {b}")
    stack = numpy.broadcast_shapes(a2[:-2], b2[:-2])
    return stack + a2[-2:-1] * (len(a) > 1) + b2[-1:] * (len(b) > 1)


def _matmul_spec(x1, x2, **kwargs):
    ta = ["...", "i", "j"] if np.ndim(x1) > 1 else ["j"]
    tb = ["...", "j", "k"] if np.ndim(x2) > 1 else ["j"]
    out = (["..."] if "..." in ta + tb else []) + ["i"] * (len(ta) > 1) + ["k"] * (len(tb) > 1)
    return [ta, tb], out


ROWS += [
    Op(
        "dot",
        meta=shaped(_dot, 2),
        vjp=_einsum_vjps(_dot_spec),
        work=contraction_work,
        threaded=True,
    ),
    Op(
        "inner",
        meta=shaped(_inner, 2),
        vjp=_einsum_vjps(_inner_spec),
        work=contraction_work,
        threaded=True,
    ),
    Op(
        "tensordot",
        meta=shaped(_tensordot, 2),
        vjp=_einsum_vjps(_tensordot_spec),
        work=contraction_work,
        threaded=True,
    ),
    Op(
        "linalg.tensordot",
        lambda xp, x1, x2, /, *, axes=2: xp.tensordot(x1, x2, axes=axes),
        shaped(_tensordot, 2),
        vjp=_einsum_vjps(_tensordot_spec),
        threaded=True,
    ),
    Op("linalg.matmul", meta=shaped(_matmul, 2), vjp=_einsum_vjps(_matmul_spec), threaded=True),
]


# --- vdot, vecdot, outer, kron --------------------------------------------------------------------
def _vdot_a(g, ans, a, b):
    return unbroadcast((np.conjugate(g) * as_array(b)).reshape(np.shape(a)), a)


def _vdot_b(g, ans, a, b):
    return unbroadcast((g * as_array(a)).reshape(np.shape(b)), b)


def _vecdot(x1, x2, /, *, axis=-1):
    """linalg.vecdot's shape: the vectors' axis dropped, the rest broadcast (the gufunc
    (n),(n)->() with its core axis at ``axis``)."""
    a, b = list(shape_of(x1)), list(shape_of(x2))
    n, m = a.pop(normalize_axis_index(axis, len(a))), b.pop(normalize_axis_index(axis, len(b)))
    if n != m:
        raise ValueError(
            "vecdot: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
            f"signature (n),(n)->() (size {m} is different from {n})"
        )
    return numpy.broadcast_shapes(tuple(a), tuple(b))


def _outer(a, b, out=None):
    return (math.prod(shape_of(a)), math.prod(shape_of(b)))


def _outer_rule(i):
    def rule(g, ans, a, b, out=None):
        x, y = (a, b) if i == 0 else (b, a)
        y = as_array(y).reshape(-1)
        gm = g if i == 0 else mt(g)
        return unbroadcast(mm(gm, conj(y)).reshape(np.shape(x)), x)

    return rule


def _linalg_outer(xp, x1, x2, /):
    """NumPy's linalg.outer, for the CuPy versions that lack it."""
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(
            "Input arrays must be one-dimensional, but they are "
            f"x1.ndim={x1.ndim} and x2.ndim={x2.ndim}."
        )
    return xp.outer(x1, x2)


def _kron(a, b):
    """Each dimension the product of the operands' (the shorter shape padded with ones)."""
    a, b = shape_of(a), shape_of(b)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    return tuple(i * j for i, j in zip(a, b, strict=True))


def _kron_rule(i):
    def rule(g, ans, a, b):
        n = max(np.ndim(a), np.ndim(b))
        sa = (1,) * (n - np.ndim(a)) + tuple(np.shape(a))
        sb = (1,) * (n - np.ndim(b)) + tuple(np.shape(b))
        gi = g.reshape(tuple(d for pair in zip(sa, sb, strict=True) for d in pair))
        ta, tb = _letters(n), _letters(n, n)
        tg = [c for pair in zip(ta, tb, strict=True) for c in pair]
        x = (a, b)[i]
        other = as_array((b, a)[i]).reshape((sb, sa)[i])
        spec = f"{''.join(tg)},{''.join((tb, ta)[i])}->{''.join((ta, tb)[i])}"
        return unbroadcast(np.einsum(spec, gi, conj(other)).reshape(np.shape(x)), x)

    return rule


ROWS += [
    Op("vdot", meta=shaped(lambda a, b: (), 2), vjp=(_vdot_a, _vdot_b), threaded=True),
    Op(
        "linalg.vecdot",
        meta=shaped(_vecdot, 2),
        vjp=(vecdot_rule(0), vecdot_rule(1)),
        threaded=True,
    ),
    Op("outer", meta=shaped(_outer, 2), vjp=(_outer_rule(0), _outer_rule(1))),
    Op(
        "linalg.outer",
        _linalg_outer,
        shaped(_outer, 2),
        vjp=(_outer_rule(0), _outer_rule(1)),
        threaded=True,
    ),
    Op("kron", meta=shaped(_kron, 2), vjp=(_kron_rule(0), _kron_rule(1))),
]


# --- cross ----------------------------------------------------------------------------------------
def _vectors(x, axis):
    """A stand-in for an operand of cross: every axis of length 1 but the vectors' (kept, up to
    a length of 4, so NumPy checks it is 2 or 3)."""
    dims = [1] * x.ndim
    if x.ndim:  # a 0-d operand: NumPy's error
        axis = normalize_axis_index(axis, x.ndim)
        dims[axis] = min(x.shape[axis], 4)
    return numpy.zeros(dims, x.dtype)


def _cross_meta(op, args, kwargs):
    """cross, linalg.cross: the operands' other axes broadcast, with the result's vectors at
    ``axisc`` (none for two 2-vectors: their product is its z component)."""
    options = kwargs
    if kwargs or len(args) != 2:  # by name: cross's axisa, axisb, axisc may come positionally
        options = dict(signature_of(op.numpy_function()).bind(*args, **kwargs).arguments)
        args = [options.pop(name) for name in list(options)[:2]]
    x, y = (a if is_array(a) else numpy.asarray(a) for a in args)
    axis = options.get("axis")
    ax, ay, az = (
        (axis,) * 3
        if axis is not None
        else (options.get("axisa", -1), options.get("axisb", -1), options.get("axisc", -1))
    )
    dtype = _quiet_call(op.kernel(numpy), (_vectors(x, ax), _vectors(y, ay)), options).dtype

    def others(dims, axis):
        axis = normalize_axis_index(axis, len(dims))
        return dims[:axis] + dims[axis + 1 :]

    stack = numpy.broadcast_shapes(others(x.shape, ax), others(y.shape, ay))
    if x.shape[ax] == y.shape[ay] == 2:
        return Meta(stack, dtype)
    at = normalize_axis_index(az, len(stack) + 1)
    return Meta(stack[:at] + (3,) + stack[at:], dtype)


def _cross_grad(i, g, a, b, axisa, axisb, axisc):
    """cross is bilinear: <g, a x b> = <a, conj(b) x g> = <b, g x conj(a)> (conjugated)."""
    am, bm = np.moveaxis(as_array(a), axisa, -1), np.moveaxis(as_array(b), axisb, -1)
    pad = [
        np.eye(2, 3, dtype=bool, device=g.device) if x.shape[-1] == 2 else None for x in (am, bm)
    ]
    a3, b3 = (
        x if p is None else np.einsum("...i,ik->...k", x, p)
        for x, p in zip((am, bm), pad, strict=True)
    )
    if am.shape[-1] == bm.shape[-1] == 2:  # the result is the z component
        ez = np.asarray(numpy.array([0, 0, 1], bool), device=g.device)
        gm = np.einsum("...,k->...k", g, ez)
    else:
        gm = np.moveaxis(g, axisc, -1)
    gx = np.cross(conj(b3), gm) if i == 0 else np.cross(gm, conj(a3))
    x = (am, bm)[i]
    if pad[i] is not None:
        gx = np.einsum("...k,ik->...i", gx, pad[i])
    return np.moveaxis(unbroadcast(gx, x), -1, (axisa, axisb)[i])


def _cross_rule(i):
    def rule(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
        if axis is not None:
            axisa = axisb = axisc = axis
        return _cross_grad(i, g, a, b, axisa, axisb, axisc)

    return rule


def _linalg_cross_rule(i):
    return lambda g, ans, x1, x2, axis=-1: _cross_grad(i, g, x1, x2, axis, axis, axis)


ROWS += [
    Op("cross", meta=_cross_meta, vjp=(_cross_rule(0), _cross_rule(1)), c_ordered=False),
    Op(
        "linalg.cross",
        meta=_cross_meta,
        vjp=(_linalg_cross_rule(0), _linalg_cross_rule(1)),
        c_ordered=False,
        threaded=True,
    ),
]


# --- multi_dot ------------------------------------------------------------------------------------
def _multi_dot(arrays, *, out=None):
    first, last = shape_of(arrays[0]), shape_of(arrays[-1])
    return first[:1] * (len(first) == 2) + last[1:] * (len(last) == 2)


def _multi_dot_vjp(g, ans, arrays, out=None):
    mats = [as_array(x) for x in arrays]
    first, last = mats[0].ndim == 1, mats[-1].ndim == 1
    if first:
        mats[0] = mats[0].reshape(1, -1)
    if last:
        mats[-1] = mats[-1].reshape(-1, 1)
    gm = g.reshape(mats[0].shape[0], mats[-1].shape[1])
    prefix = [None] * len(mats)
    acc = None
    for k in range(len(mats)):  # prefix[k] = mats[0] @ ... @ mats[k-1]
        prefix[k] = acc
        acc = mats[k] if acc is None else mm(acc, mats[k])
    grads, acc = [None] * len(mats), None
    for k in reversed(range(len(mats))):  # acc = mats[k+1] @ ... @ mats[-1]
        gk = gm if acc is None else mm(gm, mh(acc))
        gk = gk if prefix[k] is None else mm(mh(prefix[k]), gk)
        grads[k] = unbroadcast(gk.reshape(np.shape(arrays[k])), arrays[k])
        acc = mats[k] if acc is None else mm(mats[k], acc)
    return grads


ROWS.append(Op("linalg.multi_dot", meta=shaped(_multi_dot), vjp=(_multi_dot_vjp,), threaded=True))


# --- trace, diagonal, matrix_transpose: reads of the last two axes ------------------------------
def _trace_vjp(g, ans, x, offset=0, dtype=None, **kwargs):
    n, m = np.shape(x)[-2:]
    return unbroadcast(np.expand_dims(g, (-2, -1)) * eye(n, g, m, offset), x)


def _diagonal_vjp(g, ans, x, offset=0, **kwargs):
    n, m = np.shape(x)[-2:]
    size = g.shape[-1]
    if offset >= 0:  # element d is (d, d + offset)
        placed = np.einsum("...d,di->...i", g, eye(size, g, n))
        return unbroadcast(np.einsum("...i,ij->...ij", placed, eye(n, g, m, offset)), x)
    placed = np.einsum("...d,dj->...j", g, eye(size, g, m))
    return unbroadcast(np.einsum("...j,ij->...ij", placed, eye(n, g, m, offset)), x)


ROWS += [
    Op(
        "linalg.trace",
        lambda xp, x, /, *, offset=0, dtype=None: xp.trace(x, offset, -2, -1, dtype),
        shaped(batch),
        vjp=(_trace_vjp,),
        threaded=True,
    ),
    Op(
        "linalg.diagonal",
        lambda xp, x, /, *, offset=0: xp.diagonal(x, offset, -2, -1),
        probe,
        vjp=(_diagonal_vjp,),
        view=_views.of_first,
        threaded=True,
    ),
    Op(
        "linalg.matrix_transpose",
        meta=probe,
        vjp=(lambda g, ans, x: unbroadcast(mt(g), x),),
        view=_views.of_first,
        threaded=True,
    ),
]
