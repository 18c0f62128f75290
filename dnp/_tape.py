"""The tape: what autograd records while dispatch runs ops, and the walk back through it.

``x.attach_grad()`` (``mark_variables``) marks a leaf; inside ``with record():`` every dispatched
op whose inputs carry a gradient appends a node to the tape (its row's ``vjp`` rules, its
arguments and its result); ``backward`` walks the tape backwards and writes ``x.grad``, ``grad``
returns the gradients instead. VJP rules are written with dnp functions, so ``create_graph=True``
records the backward pass itself and gradients can be differentiated again. A node keeps
references to the arrays it needs; writing into one of them in place after it was saved makes
``backward`` raise instead of returning a wrong gradient.

This module sits below the op table: gradient rules that differentiate a user's function
(``apply_along_axis``, ``piecewise``: ``dnp/_ops``) run it under ``record`` on a ``variable``
and take its ``grad``. It plugs itself into dispatch (``TAPE``) and into ``ndarray``'s autograd
methods when it is imported; the table reaches it through ``OPS`` (set by ``dnp.autograd``).
The public API is ``dnp.autograd``.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from typing import Any

from . import _dispatch, _ndarray
from ._dispatch import arrays_in, may_write, written
from ._dispatch import run as _run
from ._engine._vars import owner_of
from ._meta import signature_of
from ._ndarray import _new, ndarray

# The op table (dnp._ops.OPS), set by dnp.autograd when it is imported: the table sits above the
# tape (its rules run the tape), and the tape runs rows of it (copy, zeros, ones, asarray, view).
OPS: dict = {}


class _State(threading.local):
    recording = False
    training = False


_state = _State()


# --- what an array carries: a Leaf (attach_grad) or (Node, output index) -----------------------
class Leaf:
    """A variable the user asked the gradient of: ``x.attach_grad(grad_req)``."""

    __slots__ = ("grad_req", "grad", "__weakref__")

    def __init__(self, grad_req: str, grad: ndarray | None) -> None:
        self.grad_req = grad_req
        self.grad = grad


class Node:
    """One recorded call: the rules to send gradients back to its inputs, and what they need."""

    __slots__ = ("name", "rules", "args", "kwargs", "ans", "parents", "epoch", "seq", "__weakref__")

    def __init__(self, name, rules, args, kwargs, ans, parents) -> None:
        self.name = name
        self.rules = rules  # rules[i](g, ans, *args, **kwargs) -> gradient of args[i]
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.parents = parents  # [(i, path, record)]: see parents_of
        self.epoch = _dispatch.VERSIONS.epoch  # in-place writes after this make it stale
        self.seq = next(_sequence)  # recording order: consumers come after what they consume

    def free(self) -> None:
        self.args = self.kwargs = self.ans = None


_sequence = itertools.count()


# --- recording -------------------------------------------------------------------------------
def parents_of(args: tuple) -> list[tuple[int, tuple[int, ...], Any]]:
    """``(i, path, record)`` for each array carrying a gradient: ``args[i][path[0]][path[1]]...``
    (a path into nested lists, as in ``block([[a, b], [c, d]])``) and its tape record."""
    found = []
    for i, a in enumerate(args):
        if isinstance(a, ndarray):
            if a._ag is not None:
                found.append((i, (), a._ag))
        elif type(a) in (list, tuple):
            _visit(found, i, (), a)
    return found


def _visit(found: list, i: int, path: tuple, seq) -> None:
    for j, a in enumerate(seq):
        if isinstance(a, ndarray):
            if a._ag is not None:
                found.append((i, (*path, j), a._ag))
        elif type(a) in (list, tuple):
            _visit(found, i, (*path, j), a)


def _snapshot(a: ndarray) -> ndarray:
    """The value ``a`` holds now, as a new array carrying ``a``'s history (before a write)."""
    copy = _run(OPS["copy"], (a,), {})  # an op: it runs after a's pending writes
    copy._ag = a._ag
    return copy


def _record_call(op, args: tuple, kwargs: dict) -> Any:
    """``dispatch`` while any thread records: run the op; append a node if gradients flow."""
    if not _state.recording:
        return _run(op, args, kwargs)
    if kwargs and any(map(_carries_gradient, kwargs.values())):
        args, kwargs = _positional(op, args, kwargs)
    targets = written(op, args, kwargs) if may_write(op, args, kwargs) else ()
    rec_args = _before_writing(op, args, targets) if targets else args
    result = _run(op, args, kwargs)
    if not targets and isinstance(result, ndarray) and _is_input(result, args):
        result = _new(result._buf, result._device)  # asarray(x) is x: its own record
    parents = parents_of(rec_args)
    if not parents or not op.differentiable:
        for t in targets:
            t._ag = None  # now holds values that carry no gradient
        return result
    ans = result  # what the node hands gradients back from: the result, or what it wrote
    if targets:
        ans = targets[0] if op.inplace or len(targets) == 1 else tuple(targets)
    rec_kwargs = {k: v for k, v in kwargs.items() if k != "out"} if kwargs else kwargs
    attach(op.name, op.vjp, rec_args, rec_kwargs, ans, parents, arrays_in(ans))
    return result


def _before_writing(op, args: tuple, targets: list) -> tuple:
    """Before ``op`` overwrites ``targets``: refuse leaves; keep the old values (and history) in
    snapshots, which take their place in the nodes that made them and, for inputs, in this op's
    recorded arguments (returned)."""
    for t in targets:
        if isinstance(t._ag, Leaf):
            raise RuntimeError(
                f"dnp.{op.name} writes in place into an array with attach_grad() while recording; "
                "update parameters outside autograd.record(), or write into a copy"
            )
    recording_inputs = bool(parents_of(args))
    snaps = {
        id(t): _snapshot(t)
        for t in targets
        if isinstance(t._ag, tuple) or (recording_inputs and _is_input(t, args))
    }
    for t in targets:
        if isinstance(t._ag, tuple):
            _repoint(t, snaps[id(t)])
    return tuple(snaps.get(id(a), a) if isinstance(a, ndarray) else a for a in args)


def _is_input(t: ndarray, args: tuple) -> bool:
    for a in args:
        if a is t or (type(a) in (list, tuple) and any(x is t for x in arrays_in(a))):
            return True
    return False


def _carries_gradient(value) -> bool:
    return any(a._ag is not None for a in arrays_in(value))


def _positional(op, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Move keyword arguments that carry gradients into positional places (rules index by them)."""
    fn = op.numpy_function()
    if fn is None:
        raise NotImplementedError(
            f"dnp.{op.name}: pass the arrays to differentiate positionally, not by keyword"
        )
    params = list(signature_of(fn).parameters.values())
    bound = signature_of(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    values = bound.arguments
    last = max(i for i, p in enumerate(params) if _carries_gradient(values.get(p.name)))
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params[: last + 1]):
        raise NotImplementedError(
            f"dnp.{op.name}: no gradient with respect to keyword-only argument "
            f"{params[last].name!r}"
        )
    head = tuple(values[p.name] for p in params[: last + 1])
    rest = {p.name: values[p.name] for p in params[last + 1 :] if p.name in kwargs}
    return head, rest


def _repoint(t: ndarray, snap: ndarray) -> None:
    """Make the node that produced ``t`` hold ``snap`` (``t``'s value now) as its result."""
    node, k = t._ag
    if node.ans is None:  # freed by an earlier backward
        return
    if k is None:
        node.ans = snap
    else:
        parts = list(node.ans)
        parts[k] = snap
        node.ans = type(node.ans)(*parts) if hasattr(node.ans, "_fields") else type(node.ans)(parts)


def attach(name, rules, args, kwargs, ans, parents, targets) -> None:
    """Record a node; ``targets`` get it as their history."""
    if not _dispatch.VERSIONS.on:
        _dispatch.VERSIONS.on = True  # from now on, in-place writes are counted
    node = Node(name, rules, args, kwargs, ans, parents)
    multi = isinstance(ans, (tuple, list))
    for k, t in enumerate(targets):
        if t.dtype.kind in "fc":
            t._ag = (node, k if multi else None)
        else:
            t._ag = None  # integer and boolean results carry no gradient


# --- recording state --------------------------------------------------------------------------
_counter_lock = threading.Lock()


def _count_recorders(delta: int) -> None:
    with _counter_lock:  # dispatch reads the count without the lock: 0 means no thread records
        _dispatch.RECORDING += delta


@contextlib.contextmanager
def _scope(recording: bool | None = None, training: bool | None = None):
    prev = _state.recording, _state.training
    if recording is not None:
        _state.recording = recording
    if recording:
        _count_recorders(1)
    if training is not None:
        _state.training = training
    try:
        yield
    finally:
        if recording:
            _count_recorders(-1)
        _state.recording, _state.training = prev


def record(train_mode: bool = True):
    """Record the ops in this block for ``backward`` (and set training mode)."""
    return _scope(True, train_mode)


def pause(train_mode: bool = False):
    """Stop recording inside this block."""
    return _scope(False, train_mode)


def train_mode():
    """Training mode (for layers like dropout) without changing recording."""
    return _scope(None, True)


def predict_mode():
    """Prediction mode without changing recording."""
    return _scope(None, False)


def is_recording() -> bool:
    return _state.recording


def is_training() -> bool:
    return _state.training


def _check_floating(x: ndarray, what: str) -> None:
    if not isinstance(x, ndarray):
        raise TypeError(f"{what} must be a dnp.ndarray, not {type(x).__name__}")
    if x.dtype.kind not in "fc":
        raise TypeError(
            f"{what} has dtype {x.dtype}: only floating and complex arrays carry gradients"
        )


def mark_variables(variables, gradients=None, grad_reqs="write") -> None:
    """Make arrays leaves of the tape, with gradient buffers (MXNet's mark_variables)."""
    variables = [variables] if isinstance(variables, ndarray) else list(variables)
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    grads = gradients if gradients is not None else [None] * len(variables)
    for x, req, g in zip(variables, reqs, grads, strict=True):
        if req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', not {req!r}")
        _check_floating(x, "attach_grad: the array")
        if req == "null":
            x._ag = None
            continue
        x._ag = Leaf(req, g if g is not None else zeros_like(x))


def zeros_like(x: ndarray) -> ndarray:
    """Zeros of ``x``'s shape and dtype, made by an op (so ``dnp.jit`` traces it as one)."""
    return _run(OPS["zeros"], (x.shape,), {"dtype": x.dtype, "device": x._device})


def _ones_like(x: ndarray) -> ndarray:
    """Ones of ``x``'s shape and dtype, made by an op (the default head gradient)."""
    return _run(OPS["ones"], (x.shape,), {"dtype": x.dtype, "device": x._device})


def _node_head_grad(node: Node, grads: dict):
    """The gradient with respect to the node's result (popped from ``grads``), or None.

    For several outputs: the same structure, zeros for outputs no gradient reached, None for
    outputs that carry none (integer results).
    """
    ans = node.ans
    if not isinstance(ans, (tuple, list)):
        return grads.pop((node, None), None)
    hits = [grads.pop((node, k), None) for k in range(len(ans))]
    if all(h is None for h in hits):
        return None
    parts = [
        h
        if h is not None
        else (zeros_like(a) if isinstance(a, ndarray) and a.dtype.kind in "fc" else None)
        for h, a in zip(hits, ans, strict=True)
    ]
    return type(ans)(*parts) if hasattr(ans, "_fields") else type(ans)(parts)


def _check_versions(node: Node) -> None:
    versions = _dispatch.VERSIONS
    if versions.epoch <= node.epoch:  # nothing written in place since it was recorded
        return
    for a in arrays_in((node.args, node.ans, tuple(node.kwargs.values()))):
        if versions.written_since(owner_of(a._buf), node.epoch):
            raise RuntimeError(
                f"an array saved by dnp.{node.name} for the backward pass was modified in place "
                "after it was recorded; compute the gradient before writing into it, or write "
                "into a copy"
            )


def _run_backward(heads, head_grads, retain_graph: bool, create_graph: bool, wanted=()):
    """Propagate head gradients through the tape; return ``{record: gradient}``.

    A record is a ``Leaf`` or ``(node, output index)``. Nodes run in reverse recording order
    (a node is recorded after every node it consumes), each once its consumers have all run;
    only nodes a gradient reaches run. Gradients of leaves, and of the records in ``wanted``,
    are in the result.
    """
    heads = [heads] if isinstance(heads, ndarray) else list(heads)
    if head_grads is None or isinstance(head_grads, ndarray):
        head_grads = [head_grads] * len(heads) if head_grads is None else [head_grads]
    grads: dict = {}
    ready: list = []  # a heap of (-seq, node) for the nodes a gradient reached
    queued: set = set()

    def accumulate(rec, g) -> None:
        if rec in grads:
            grads[rec] = grads[rec] + g
        else:
            grads[rec] = g
        if type(rec) is tuple:
            node = rec[0]
            if node not in queued:
                queued.add(node)
                heapq.heappush(ready, (-node.seq, node))

    for h, hg in zip(heads, head_grads, strict=True):
        if not isinstance(h, ndarray) or h._ag is None:
            raise ValueError(
                "cannot differentiate: the head was not computed from arrays with attach_grad() "
                "inside autograd.record()"
            )
        if hg is None:
            hg = _ones_like(h)
        elif not isinstance(hg, ndarray) or hg.shape != h.shape:
            raise ValueError(f"head_grad must be a dnp.ndarray of shape {h.shape}")
        accumulate(h._ag, hg)
    kept: dict = {}
    with _scope(create_graph, None):
        while ready:
            node = heapq.heappop(ready)[1]
            if node.args is None:
                raise RuntimeError(
                    f"the graph through dnp.{node.name} was freed by an earlier backward; pass "
                    "retain_graph=True to the first backward to run another"
                )
            if wanted:  # a variable computed on the tape: its gradient is complete now
                for rec in _records_of(node):
                    if rec in wanted and rec in grads:
                        kept[rec] = grads[rec]
            g = _node_head_grad(node, grads)
            _check_versions(node)
            if node.rules is None:
                raise NotImplementedError(f"dnp.{node.name} has no gradient rule")
            parents, rules = node.parents, node.rules
            for entry in parents:
                if entry[1]:  # an array inside a list argument
                    _through_lists(node, g, accumulate)
                    break
            else:
                for i, _, rec in parents:  # one entry per argument
                    rule = rules[i] if i < len(rules) else None
                    if rule is not None:  # None: an argument that takes no gradient (axes)
                        gi = rule(g, node.ans, *node.args, **node.kwargs)
                        if gi is not None:
                            accumulate(rec, gi)
            if not retain_graph:
                node.free()
    grads.update(kept)
    return grads


def _records_of(node: Node) -> list[tuple]:
    """The tape records of the node's outputs."""
    if isinstance(node.ans, (tuple, list)):
        return [(node, k) for k in range(len(node.ans))]
    return [(node, None)]


def _through_lists(node: Node, g, accumulate) -> None:
    """Send ``g`` back through a node with arrays inside list arguments (``concatenate([a,
    b])``): each argument's rule runs once; each array gets its part."""
    by_arg: dict[int, list] = {}
    for i, path, rec in node.parents:
        by_arg.setdefault(i, []).append((path, rec))
    for i, entries in by_arg.items():
        rule = node.rules[i] if i < len(node.rules) else None
        if rule is None:
            continue
        gi = rule(g, node.ans, *node.args, **node.kwargs)
        for path, rec in entries:
            part = gi
            for j in path:
                part = None if part is None else part[j]
            if part is not None:
                accumulate(rec, part)


def backward(heads, head_grads=None, retain_graph: bool = False, train_mode: bool = True) -> None:
    """Compute the gradients of ``heads`` into the ``.grad`` of every leaf they depend on."""
    grads = _run_backward(heads, head_grads, retain_graph, False)
    for rec, g in grads.items():
        if isinstance(rec, Leaf):
            _store(rec, g)


def _store(leaf: Leaf, g: ndarray) -> None:
    if leaf.grad_req == "add" and leaf.grad is not None:
        leaf.grad += g
    elif leaf.grad is not None and leaf.grad.shape == g.shape and g._ag is None:
        leaf.grad[...] = g  # in place: optimizers may hold the gradient buffer
    else:
        leaf.grad = g


def grad(
    heads,
    variables,
    head_grads=None,
    retain_graph=None,
    create_graph: bool = False,
    train_mode: bool = True,
) -> list[ndarray]:
    """Gradients of ``heads`` with respect to ``variables`` (returned, not stored in ``.grad``).

    With ``create_graph=True`` the gradients are recorded, so they can be differentiated again.
    A variable the heads do not depend on gets a gradient of zeros.
    """
    single = isinstance(variables, ndarray)
    variables = [variables] if single else list(variables)
    for v in variables:
        if not isinstance(v, ndarray) or v._ag is None:
            raise ValueError("every variable must have attach_grad() or be computed under record()")
    keep = create_graph if retain_graph is None else retain_graph
    grads = _run_backward(heads, head_grads, keep, create_graph, {v._ag for v in variables})
    out = []
    for v in variables:
        hit = grads.get(v._ag)
        out.append(hit if hit is not None else zeros_like(v))
    return out[0] if single else out


def variable(x) -> ndarray:
    """A fresh graph variable holding ``x``'s value, connected to ``x``'s history if it has one."""
    if not isinstance(x, ndarray):  # lists, scalars, NumPy arrays: as dnp.asarray takes them
        x = _dispatch.dispatch(OPS["asarray"], (x,), {})
    _check_floating(x, "the argument to differentiate")
    if x._ag is not None and _state.recording:
        return _record_call(OPS["ndarray.view"], (x,), {})  # a view: its own record
    v = _new(x._buf, x._device)
    v._ag = Leaf("write", None)
    return v


def leaf_grad(record) -> ndarray | None:
    """The gradient a tape record holds: a leaf's ``.grad``; None for other records."""
    return record.grad if isinstance(record, Leaf) else None


# --- the seams: dispatch hands calls to the tape while anything records; ndarray's autograd
# methods run it ----------------------------------------------------------------------------------
_dispatch.TAPE = _record_call
_ndarray.MARK_VARIABLES, _ndarray.LEAF_GRAD, _ndarray.BACKWARD = mark_variables, leaf_grad, backward
