"""``dnp.vmap``: a function of one example mapped over a leading axis of its arguments (JAX's
``vmap``), by recording the ops one call dispatches and running each again on the whole batch.

The first call with a given signature runs ``f`` on one example (index 0 of each mapped
argument) while recording the ops it dispatches (through ``dnp.jit``'s seam). Every call then
runs those ops again on the batch, in order, each by its batching rule (``_RULES``): an op that
reads no mapped value runs as recorded, on the current values of what it reads; elementwise ops
align their operands' ranks; reductions, softmaxes and axis permutations move their axes past
the batch axis; ``matmul`` puts the batch where the product keeps it; reshapes, indexing with
basic indices, joins and stacked ``linalg`` functions take it along; any other op runs once per
example and its results are stacked. The rerun calls the ops as ``f`` did, so ``dnp.autograd``
differentiates it and ``dnp.jit`` traces it: ``jit(value_and_grad(vmap(f)))`` is one program.

As with ``dnp.jit``, ``f`` may not read values back into Python (``float(x)``, ``if x > 0:``),
draw random numbers or write in place, and its results must have one shape for all
examples; an ``f`` that does raises ``NotImplementedError`` saying which op did it. Python
values ``f`` computes from its arguments' shapes are those of one example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy
from numpy.lib.array_utils import normalize_axis_index

from . import _dispatch, _tape, tree
from ._dispatch import written
from ._jit import _count_tracers
from ._jit._key import key_of
from ._jit._trace import Tracer
from ._ndarray import TRACES, ndarray
from ._ops import OPS
from ._ops.elementwise import UFUNCS


class Mapped:
    """An argument of a rerun op that holds the batch: its ``value`` (the batch on axis 0) and
    the recorded ``example`` (one element's shape and dtype)."""

    __slots__ = ("value", "example")

    def __init__(self, value: ndarray, example: ndarray) -> None:
        self.value, self.example = value, example


def _call(name: str, *args, **kwargs) -> Any:
    return _dispatch.dispatch(OPS[name], args, kwargs)


def _mapped(x: Any) -> bool:
    return any(type(v) is Mapped for v in tree.leaves(x))


def _ndim(x: Any) -> int:
    """The rank of one example of an operand."""
    if type(x) is Mapped:
        return x.example.ndim
    return getattr(x, "ndim", 0)


def _align(x: Mapped, ndim: int) -> ndarray:
    """The batch with axes of length one after the batch axis, up to ``1 + ndim`` axes."""
    k = x.example.ndim
    if k >= ndim:
        return x.value
    return _call("reshape", x.value, (x.value.shape[0],) + (1,) * (ndim - k) + x.example.shape)


def _unwrap(x: Any, index: int | None = None) -> Any:
    """``x`` with each ``Mapped`` replaced by its batch (or by element ``index`` of it)."""
    if type(x) is Mapped:
        return x.value if index is None else x.value[index]
    if type(x) in (tuple, list):
        return type(x)(_unwrap(v, index) for v in x)
    if type(x) is dict:
        return {k: _unwrap(v, index) for k, v in x.items()}
    return x


# --- batching rules: rule(op, args, kwargs, example_result, size) -> the batched result ---------
def each(op, args, kwargs, example, size):
    """Any op: once per example, the results stacked."""
    results = [_dispatch.dispatch(op, _unwrap(args, i), _unwrap(kwargs, i)) for i in range(size)]
    single = isinstance(example, ndarray)
    parts = [[r] for r in results] if single else results
    if len({tuple(x.shape for x in p) for p in parts}) > 1:
        raise NotImplementedError(
            f"dnp.vmap: the shape of dnp.{op.name}'s result differs between examples"
        )
    if single:
        return _call("stack", results)
    return type(example)(_call("stack", [r[k] for r in results]) for k in range(len(example)))


def elementwise(op, args, kwargs, example, size):
    """Ufuncs and other elementwise functions: mapped operands ranked up to the broadcast rank
    (after the batch axis), so that the others broadcast against one example, as in ``f``."""
    if _mapped(kwargs):
        return each(op, args, kwargs, example, size)
    ndim = max(map(_ndim, args), default=0)
    return _dispatch.dispatch(
        op, tuple(_align(a, ndim) if type(a) is Mapped else a for a in args), kwargs
    )


def agnostic(op, args, kwargs, example, size):
    """Ops that act on each element alike whatever the shape (``astype``, ``copy``,
    ``zeros_like``): the batch in place of the example."""
    if type(args[0]) is not Mapped or _mapped(args[1:]) or _mapped(kwargs):
        return each(op, args, kwargs, example, size)
    return _dispatch.dispatch(op, (args[0].value, *args[1:]), kwargs)


def stacked(op, args, kwargs, example, size):
    """``linalg`` functions of a stack of matrices: the batch is one more stacking axis."""
    if type(args[0]) is not Mapped or args[0].example.ndim < 2 or _mapped(args[1:]):
        return each(op, args, kwargs, example, size)
    if _mapped(kwargs):
        return each(op, args, kwargs, example, size)
    return _dispatch.dispatch(op, (args[0].value, *args[1:]), kwargs)


# reductions that take ``axis=()`` (of a 0-d example): none of its axes, the value itself
_NO_AXES = frozenset("sum prod mean max min amax amin all any nansum nanprod nanmax nanmin".split())


def reduction(op, args, kwargs, example, size):
    """Reductions, softmaxes: each axis one further; ``axis=None`` names every axis of one
    example."""
    a = args[0]
    k = a.example.ndim if type(a) is Mapped else 0
    if (
        type(a) is not Mapped
        or _mapped(args[1:])
        or _mapped(kwargs)
        or not (k or op.name in _NO_AXES)
    ):
        return each(op, args, kwargs, example, size)
    axis = args[1] if len(args) > 1 else kwargs.get("axis")
    if axis is None:
        axes = tuple(range(1, k + 1))
    else:
        axes = tuple(normalize_axis_index(i, k) + 1 for i in numpy.atleast_1d(axis).tolist())
    if not axes and op.name in _NO_AXES and example.dtype == a.example.dtype:
        return a.value  # no axis to reduce: the values themselves
    if len(args) > 1:
        return _dispatch.dispatch(op, (a.value, axes, *args[2:]), kwargs)
    return _dispatch.dispatch(op, (a.value,), {**kwargs, "axis": axes})


def permutation(op, args, kwargs, example, size):
    """Axis permutations (``transpose``, ``swapaxes``, ``moveaxis``): the permutation of one
    example (found by NumPy's function on a stand-in whose axis ``i`` has length ``i + 2``),
    after the batch axis."""
    a = args[0]
    fn = op.numpy_function()
    if type(a) is not Mapped or _mapped(args[1:]) or _mapped(kwargs) or fn is None:
        return each(op, args, kwargs, example, size)
    k = a.example.ndim
    stand_in = numpy.broadcast_to(numpy.empty(()), tuple(range(2, k + 2)))
    order = [n - 2 for n in fn(stand_in, *args[1:], **kwargs).shape]
    return _call("transpose", a.value, (0, *(i + 1 for i in order)))


def reshaping(op, args, kwargs, example, size):
    """Reshapes in C order (``reshape``, ``ravel``, ``squeeze``, ``expand_dims``): one
    example's new shape after the batch axis (each example is a contiguous block)."""
    a = args[0]
    order = kwargs.get("order", "C")
    if type(a) is not Mapped or _mapped(args[1:]) or order != "C" or isinstance(args[-1], str):
        return each(op, args, kwargs, example, size)
    if a.value.shape == (size, *example.shape):  # no new shape: the values themselves
        return a.value
    return _call("reshape", a.value, (size, *example.shape))


def broadcast_to(op, args, kwargs, example, size):
    a = args[0]
    if type(a) is not Mapped or _mapped(args[1:]) or _mapped(kwargs):
        return each(op, args, kwargs, example, size)
    return _call("broadcast_to", _align(a, example.ndim), (size, *example.shape))


def joining(op, args, kwargs, example, size):
    """``concatenate`` and ``stack``: every operand batched (the others broadcast along the
    batch), the axis one further."""
    arrays = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis", 0)
    if axis is None or _mapped(args[1:]) or _mapped(kwargs) or type(arrays) not in (list, tuple):
        return each(op, args, kwargs, example, size)
    batched = [
        a.value if type(a) is Mapped else _call("broadcast_to", a, (size, *numpy.shape(a)))
        for a in arrays
    ]
    axis = normalize_axis_index(axis, example.ndim) + 1
    rest = {k: v for k, v in kwargs.items() if k != "axis"}
    return _dispatch.dispatch(op, (batched, axis), rest)


def getitem(op, args, kwargs, example, size):
    """Basic indexing (integers, slices, ``None``, ``...``): a full slice of the batch axis
    first."""
    a, index = args[0], args[1]
    items = index if type(index) is tuple else (index,)
    basic = all(
        i is None or i is Ellipsis or type(i) in (int, slice, bool) or isinstance(i, numpy.integer)
        for i in items
    )
    if type(a) is not Mapped or not basic:
        return each(op, args, kwargs, example, size)
    return _dispatch.dispatch(op, (a.value, (slice(None), *items)), kwargs)


def matmul(op, args, kwargs, example, size):
    """``matmul`` (and ``dot`` of vectors and matrices), as NumPy computes it for each example
    (one BLAS call each: one product of the whole batch would round differently): a product
    with a vector is ``matvec``, ``vecmat`` or (real) ``vecdot`` over the batch, a mapped vector
    given axes of length one to broadcast against the other operand's stacking axes; matrices
    are stacks, ranked up to the other operand's rank."""
    if kwargs or len(args) != 2:
        return each(op, args, kwargs, example, size)
    a, b = args
    ka, kb = _ndim(a), _ndim(b)
    if ka == 0 or kb == 0 or op.name == "dot" and not (ka <= 2 and kb <= 2):
        return each(op, args, kwargs, example, size)
    complex_ = any(getattr(_unwrap(x), "dtype", None) is not None
                   and _unwrap(x).dtype.kind == "c" for x in args)  # fmt: skip
    if ka >= 2 and kb >= 2 or complex_:  # stacks of matrices (vectors as one-row/column ones)
        ndim = max(ka, kb, 2)
        left = _stack_of(a, ka, ndim, (*(1,) * (ndim - 1), -1), size)
        right = _stack_of(b, kb, ndim, (*(1,) * (ndim - 2), -1, 1), size)
        out = _call("matmul", left, right)
        return (
            out
            if out.shape == (size, *example.shape)
            else _call("reshape", out, (size, *example.shape))
        )
    if ka == 1 and kb == 1:
        return _call("vecdot", _unwrap(a), _unwrap(b))
    if ka == 1:  # vector @ matrices
        return _call("vecmat", _vector(a, kb, size), _align(b, kb) if type(b) is Mapped else b)
    return _call("matvec", _align(a, ka) if type(a) is Mapped else a, _vector(b, ka, size))


def _stack_of(x, k, ndim, vector_shape, size):
    """Operand ``x`` of a stacked ``matmul``: a mapped matrix ranked up to ``ndim``, a mapped
    vector as a stack of one-row or one-column matrices; others as they are."""
    if type(x) is not Mapped:
        return x
    return _align(x, ndim) if k >= 2 else _call("reshape", x.value, (size, *vector_shape))


def _vector(x, other_ndim, size):
    """A vector operand of ``matvec``/``vecmat``: mapped, with axes of length one for the
    other operand's stacking axes."""
    if type(x) is not Mapped:
        return x
    if other_ndim <= 2:
        return x.value
    return _call("reshape", x.value, (size, *(1,) * (other_ndim - 2), -1))


def _rules() -> dict[str, Callable]:
    special = [n for n in OPS if n.startswith("scipy.special.")]
    axis_rules = ["scipy.special.logsumexp", "scipy.special.softmax", "scipy.special.log_softmax"]
    rules: dict[str, Callable] = {}
    for name in [*UFUNCS, *special, "where", "clip", "sinc", "i0", "nan_to_num"]:
        rules[name] = elementwise
    reductions = "sum prod mean max min amax amin all any std var ptp nansum nanprod nanmean "
    reductions += "nanmax nanmin nanstd nanvar median nanmedian count_nonzero"
    for name in [*reductions.split(), *axis_rules]:
        rules[name] = reduction
    agnostic_ops = "asarray array asanyarray ascontiguousarray copy ndarray.copy ndarray.astype "
    agnostic_ops += "astype zeros_like ones_like empty_like full_like real imag conj around round"
    for name in agnostic_ops.split():
        rules[name] = agnostic
    stacked_ops = "cholesky inv det slogdet eigh eigvalsh eig eigvals svd pinv matrix_power"
    for name in stacked_ops.split():
        rules[f"linalg.{name}"] = stacked
    for (
        name
    ) in "transpose ndarray.transpose permute_dims matrix_transpose swapaxes moveaxis".split():
        rules[name] = permutation
    for name in "reshape ndarray.reshape ravel ndarray.flatten squeeze expand_dims".split():
        rules[name] = reshaping
    rules.update(concatenate=joining, stack=joining, broadcast_to=broadcast_to)
    rules.update({"matmul": matmul, "dot": matmul, "ndarray.__getitem__": getitem})
    return {name: rule for name, rule in rules.items() if name in OPS}


_RULES = _rules()


# --- the recording ------------------------------------------------------------------------------
class Recording(Tracer):
    """The ops one call of ``f`` on one example dispatched, and which of their results depend
    on a mapped argument (``mapped``, by id: every array seen is held, so ids stay unique)."""

    def __init__(self, examples: list[ndarray]) -> None:
        self.steps: list[tuple] = []
        self.mapped = {id(x) for x in examples}
        self.held: list[Any] = list(examples)

    def call(self, op, args: tuple, kwargs: dict) -> Any:  # dispatch's tracer seam
        TRACES.tracer = None
        try:
            result = _dispatch.run(op, args, kwargs)
        finally:
            TRACES.tracer = self
        if self.failure is None:
            self._record(op, args, kwargs, result)
        return result

    def _record(self, op, args, kwargs, result) -> None:
        results = (result,) if isinstance(result, ndarray) else result
        if not isinstance(results, (tuple, list)) or not all(
            isinstance(r, ndarray) for r in results
        ):
            if not op.signature_only:
                self.untraceable(f"dnp.{op.name} returned a Python value")
            return
        mapped = any(id(x) in self.mapped for x in tree.leaves((args, kwargs)))
        if op.draws:
            self.untraceable(f"dnp.{op.name} draws random numbers")
        elif op.inplace or written(op, args, kwargs):
            self.untraceable(f"dnp.{op.name} writes in place")
        if mapped:
            self.mapped.update(id(r) for r in results)
        self.held += [args, kwargs, result]
        self.steps.append((op, args, kwargs, result, mapped))

    def rerun(self, values: dict[int, Any], size: int) -> dict[int, Any]:
        """Every recorded op again, on ``values`` (by the id of what it stands for: the
        examples' batches, then each result); returns ``values`` with the results added."""

        def sub(x):
            if isinstance(x, ndarray):
                if id(x) in self.mapped:
                    return Mapped(values[id(x)], x)
                return values.get(id(x), x)
            if type(x) in (tuple, list):
                return type(x)(sub(v) for v in x)
            if type(x) is dict:
                return {k: sub(v) for k, v in x.items()}
            return x

        for op, args, kwargs, result, mapped in self.steps:
            args, kwargs = sub(args), sub(kwargs)
            if mapped:
                rule = _RULES.get(op.name, each)
                out = rule(op, args, kwargs, result, size)
            else:
                out = _dispatch.dispatch(op, args, kwargs)
            if isinstance(result, ndarray):
                values[id(result)] = out
            else:
                values.update(zip(map(id, result), out, strict=True))
        return values


class Vmapped:
    """``f`` mapped over axis ``in_axes`` of its arguments (see ``dnp.vmap``)."""

    def __init__(self, f: Callable, in_axes: Any = 0, out_axes: int = 0) -> None:
        self.f, self.in_axes, self.out_axes = f, in_axes, out_axes
        self._recordings: dict[Any, tuple] = {}

    def __call__(self, *args):
        axes = self.in_axes if type(self.in_axes) in (tuple, list) else (self.in_axes,) * len(args)
        if len(axes) != len(args):
            raise ValueError(
                f"vmap in_axes has {len(axes)} entries for {len(args)} positional arguments"
            )
        batches, examples, sizes = [], [], set()
        moved = []
        for arg, axis in zip(args, axes, strict=True):
            if axis is None:
                moved.append(arg)
                continue
            leaves, treedef = tree.flatten(arg)
            out = []
            for leaf in leaves:
                if isinstance(leaf, ndarray):
                    leaf = _call("moveaxis", leaf, axis, 0) if axis else leaf
                    sizes.add(leaf.shape[0] if leaf.ndim else None)
                    batches.append(leaf)
                out.append(leaf)
            moved.append(treedef.unflatten(out))
        if not batches:
            raise ValueError("vmap needs at least one array argument mapped over an axis")
        if len(sizes) != 1 or None in sizes:
            raise ValueError(
                f"vmap got mapped axes of different sizes or 0-d arrays: {sorted(map(str, sizes))}"
            )
        (size,) = sizes
        keyed = key_of((tuple(moved), axes), {})
        key = None if keyed is None else keyed[0]
        entry = self._recordings.get(key) if key is not None else None
        if entry is None:
            entry = self._record(moved, axes, batches)
            if key is not None:
                self._recordings[key] = entry
        recording, examples, result = entry
        values = recording.rerun({id(x): b for x, b in zip(examples, batches, strict=True)}, size)
        return self._outputs(result, recording, values, size)

    def _record(self, moved: list, axes: tuple, batches: list[ndarray]) -> tuple:
        """The recording of ``f`` on the first example, the examples, and ``f``'s result."""
        with _tape._scope(False, None):
            examples = [b[0] for b in batches]
        it = iter(examples)
        example_args = []
        for arg, axis in zip(moved, axes, strict=True):
            if axis is not None:
                leaves, treedef = tree.flatten(arg)
                arg = treedef.unflatten([next(it) if isinstance(v, ndarray) else v for v in leaves])
            example_args.append(arg)
        recording = Recording(examples)
        outer = TRACES.tracer
        TRACES.tracer = recording
        _count_tracers(1)
        try:
            with _tape._scope(False, None):
                result = self.f(*example_args)
        finally:
            _count_tracers(-1)
            TRACES.tracer = outer
        if recording.failure is not None:
            label = getattr(self.f, "__qualname__", "f")
            raise NotImplementedError(f"dnp.vmap({label}): {recording.failure}")
        return recording, examples, result

    def _outputs(self, result: Any, recording: Recording, values: dict, size: int) -> Any:
        leaves, treedef = tree.flatten(result)
        out = []
        for leaf in leaves:
            if isinstance(leaf, ndarray):
                if id(leaf) in recording.mapped:
                    leaf = values[id(leaf)]
                else:  # the same for every example
                    leaf = _call("copy", _call("broadcast_to", values.get(id(leaf), leaf),
                                               (size, *leaf.shape)))  # fmt: skip
                if self.out_axes:
                    leaf = _call("moveaxis", leaf, 0, self.out_axes)
            out.append(leaf)
        return treedef.unflatten(out)


def vmap(f: Callable, in_axes: Any = 0, out_axes: int = 0) -> Vmapped:
    """``f`` of one example, mapped over axis ``in_axes`` of its arguments (an int for all,
    ``None`` for an argument passed whole, or a tuple with one entry per positional argument;
    an argument may be a ``dnp.tree`` of arrays), its results stacked on ``out_axes``: JAX's
    ``vmap``. Differentiable and jittable. See ``dnp._vmap``."""
    return Vmapped(f, in_axes, out_axes)
