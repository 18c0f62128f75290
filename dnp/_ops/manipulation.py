"""Shape changes: ``reshape``, ``ravel``, transposes and axis moves, ``squeeze``/``expand_dims``,
``broadcast_to``/``broadcast_arrays``, ``atleast_*d``, flips and rotations, ``diagonal``,
``real``/``imag``, and ``shape``/``ndim``/``size``.

Most make views of their input (each row's ``view`` rule says which calls do), which ``probe``
describes for free on stride-0 stand-ins; where a shape-giving argument is itself an array
(``reshape(a, shape)``), the shape is read from its data and the rule answers None. ``ravel`` and
``imag`` may copy: their shape is shape arithmetic, their dtype from a one-element stand-in.
Forwards exist where CuPy differs from NumPy in argument names or result type (lists for tuples).
Gradients: the inverse rearrangement of ``g``.
"""

import math

import numpy

from .._meta import bound, is_array, probe, resized, run_bound, shape_of, small
from . import _views
from ._grad import np, unbroadcast
from ._row import Op
from .indexing import diagonal_vjp


def probe_unless_array(*params):
    """``probe``, or None (data-dependent) when one of ``params`` is given as an array."""

    def rule(op, args, kwargs):
        given = bound(op, args, kwargs)
        return None if any(is_array(given.get(p)) for p in params) else probe(op, args, kwargs)

    return rule


def _ravel_meta(op, args, kwargs):
    """``ravel``: one axis of all the elements."""
    params = bound(op, args, kwargs)
    result = run_bound(op, {**params, "a": small(params["a"])})
    return resized(result, (math.prod(shape_of(params["a"])),))


def _imag_meta(op, args, kwargs):
    """``imag``: the input's shape, a real dtype."""
    params = bound(op, args, kwargs)
    return resized(run_bound(op, {"val": small(params["val"])}), shape_of(params["val"]))


# --- forwards: CuPy differs from NumPy (names, defaults, lists for tuples) ----------------------
def _reshape(xp, a, /, shape, order="C", *, copy=None):
    return xp.reshape(a, shape, order=order, copy=copy)  # CuPy names the shape 'newshape'


def _as_tuple(fn):
    """NumPy's ``atleast_*d`` give one array for one input and a tuple for several; CuPy a list."""

    def forward(xp, *arys):
        res = getattr(xp, fn)(*arys)
        return tuple(res) if isinstance(res, list) else res

    return forward


def _broadcast_arrays(xp, *args, subok=False):
    return tuple(xp.broadcast_arrays(*args))


# --- gradients: one rule per positional argument, ``rule(g, ans, *args, **kwargs)`` ---------------
class Variadic:
    """Rules for ``f(*arrays)``: ``rules[i]`` is ``rule(i)``, for any number of arguments."""

    def __init__(self, rule) -> None:
        self.rule = rule

    def __len__(self) -> int:
        return 1 << 30

    def __getitem__(self, i):
        return self.rule(i)


def _transpose_vjp(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, numpy.argsort([ax % a.ndim for ax in axes]).tolist())


def _rollaxis_vjp(g, ans, a, axis, start=0):
    dims = numpy.broadcast_to(0, tuple(range(2, a.ndim + 2)))
    perm = [n - 2 for n in numpy.rollaxis(dims, axis, start).shape]
    return np.transpose(g, numpy.argsort(perm).tolist())


def ravel_order(a, order):
    if order == "F" or (order in "AK" and a.flags.f_contiguous and not a.flags.c_contiguous):
        return "F"
    return "C"


def _back_to_shape(g, ans, *args, **kwargs):
    """The gradient of a reshape that keeps the elements' order (squeeze, expand_dims)."""
    return np.reshape(g, args[0].shape)


def _atleast_vjp(i):
    return lambda g, ans, *arys: np.reshape(g[i] if len(arys) > 1 else g, arys[i].shape)


def _broadcast_arrays_vjp(i):
    return lambda g, ans, *args, subok=False: unbroadcast(g[i], args[i])


def _view(name, vjp, meta=probe, forward=None, **facts):
    """A row whose result is a view of its first argument (``_views.of_first``)."""
    return Op(name, forward, meta, vjp=vjp, view=_views.of_first, **facts)


ROWS = [
    Op(
        "reshape",
        _reshape,
        probe_unless_array("shape"),
        vjp=(lambda g, ans, a, shape=None, order="C", **kw: np.reshape(g, a.shape, order=order),),
        view=_views.reshape,
    ),
    Op(
        "ravel",
        meta=_ravel_meta,
        vjp=(lambda g, ans, a, order="C": np.reshape(g, a.shape, order=ravel_order(a, order)),),
        view=_views.ravel,
    ),
    _view("transpose", (_transpose_vjp,)),
    _view("matrix_transpose", (lambda g, ans, x: np.matrix_transpose(g),)),
    _view("swapaxes", (lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2),)),
    _view("moveaxis", (lambda g, ans, a, source, dest: np.moveaxis(g, dest, source),)),
    _view("rollaxis", (_rollaxis_vjp,)),
    _view("squeeze", (_back_to_shape,)),
    _view("expand_dims", (_back_to_shape,)),
    _view("broadcast_to", (lambda g, ans, a, shape, subok=False: unbroadcast(g, a),)),
    _view("flip", (lambda g, ans, m, axis=None: np.flip(g, axis),)),
    _view("fliplr", (lambda g, ans, m: np.fliplr(g),)),
    _view("flipud", (lambda g, ans, m: np.flipud(g),)),
    _view("rot90", (lambda g, ans, m, k=1, axes=(0, 1): np.rot90(g, -k, axes),)),
    _view("diagonal", (diagonal_vjp,)),
    _view("real", (lambda g, ans, x: g * (1 + 0j) if np.iscomplexobj(x) else g,)),
    Op(
        "imag",
        meta=_imag_meta,
        vjp=(lambda g, ans, val: unbroadcast(g * 1j, val),),
        view=_views.imag,
    ),
    *(
        Op(name, _as_tuple(name), probe, vjp=Variadic(_atleast_vjp), view=_views.of_all)
        for name in ("atleast_1d", "atleast_2d", "atleast_3d")
    ),
    Op(
        "broadcast_arrays",
        _broadcast_arrays,
        probe,
        vjp=Variadic(_broadcast_arrays_vjp),
        view=_views.of_all,
    ),
    # Python values read from the metadata.
    *(
        Op(name, meta=None, differentiable=False, signature_only=True)
        for name in ("shape", "ndim", "size")
    ),
]
