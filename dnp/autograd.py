"""Tape-based automatic differentiation, MXNet style: the public API (the tape is ``_tape``).

``x.attach_grad()`` marks a leaf; inside ``with autograd.record():`` every dispatched op whose
inputs carry a gradient appends a node to the tape (its row's ``vjp`` rules, its arguments and its
result); ``y.backward()`` walks the tape backwards and writes ``x.grad``. VJP rules are written
with dnp functions, so ``create_graph=True`` records the backward pass itself and gradients can
be differentiated again. A node keeps references to the arrays it needs; writing into one of them
in place after it was saved makes ``backward`` raise instead of returning a wrong gradient.

Non-scalar heads without ``head_grad`` get a head gradient of ones (MXNet's rule: the gradient
of the sum of the head's elements). ``max``/``min`` split the gradient equally between tied
elements.

Complex inputs: the gradient of a real ``L`` with respect to ``z = x + 1j*y`` is
``dL/dx + 1j * dL/dy`` (PyTorch's convention; twice ``dL/dconj(z)``). It points where ``L``
grows fastest, so ``z -= lr * z.grad`` descends as it does for real numbers. JAX and HIPS
autograd return its conjugate, ``dL/dx - 1j * dL/dy``: take ``g.conj()`` to get theirs. A
complex result has no gradient (``grad_fn`` raises TypeError): differentiate a real function of
it (its real part, ``abs``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import _tape, tree
from ._ndarray import _new, ndarray
from ._ops import OPS
from ._tape import (
    attach,
    backward,
    grad,
    is_recording,
    is_training,
    mark_variables,
    parents_of,
    pause,
    predict_mode,
    record,
    train_mode,
    variable,
    zeros_like,
)

__all__ = [
    "record",
    "pause",
    "train_mode",
    "predict_mode",
    "is_recording",
    "is_training",
    "backward",
    "grad",
    "grad_fn",
    "value_and_grad",
    "mark_variables",
    "Function",
]


# --- functional helpers --------------------------------------------------------------------------
def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``f``'s value and its gradient with respect to the arguments ``argnums``.

    Like JAX's and HIPS autograd's: ``f`` returns a real scalar (other shapes get a head gradient
    of ones; a complex result raises TypeError); an argument that is a tree of arrays (nested
    tuples, lists, dicts, named tuples and None: ``dnp.tree``) gets a gradient of the same
    structure; a result that does not depend on the arguments (a constant) gives zeros; nesting
    (``grad_fn(grad_fn(f))``) differentiates again. For complex arguments the gradient is
    ``dL/dRe + 1j * dL/dIm`` (see the module docstring).
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        outer = is_recording()
        leaves: list[ndarray] = []
        treedefs = []
        for i in nums:
            values, treedef = tree.flatten(args[i])
            values = [variable(x) for x in values]
            args[i] = treedef.unflatten(values)
            leaves += values
            treedefs.append(treedef)
        with record():
            value = f(*args, **kwargs)
        if isinstance(value, complex) or getattr(getattr(value, "dtype", None), "kind", "") == "c":
            raise TypeError(
                f"grad requires a real-valued result; {getattr(f, '__name__', 'f')} returned a "
                f"complex one (differentiate its real part, abs or another real function of it)"
            )
        if not isinstance(value, ndarray) or value._ag is None:  # f does not depend on them
            grads = [zeros_like(v) for v in leaves]
        else:
            grads = grad(value, leaves, create_graph=outer, retain_graph=outer)
        out, start = [], 0
        for treedef in treedefs:
            out.append(treedef.unflatten(grads[start : start + treedef.num_leaves]))
            start += treedef.num_leaves
        return value, out[0] if isinstance(argnums, int) else tuple(out)

    return wrapped


def grad_fn(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of scalar-valued ``f`` with respect to ``argnums``. See ``value_and_grad``."""
    vg = value_and_grad(f, argnums)
    return lambda *args, **kwargs: vg(*args, **kwargs)[1]


# --- user-defined gradients ----------------------------------------------------------------------
class Function:
    """A differentiable function with a hand-written backward (MXNet's ``autograd.Function``).

    Subclass it with ``forward(self, *inputs)`` and ``backward(self, *output_grads)``; call an
    instance on arrays. ``save_for_backward`` keeps what backward needs.
    """

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError

    def __call__(self, *inputs):
        with pause(is_training()):
            outputs = self.forward(*inputs)
        parents = parents_of(inputs)
        if not is_recording() or not parents:
            return outputs
        outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        # Fresh arrays for the outputs, so an output that is an input keeps its own history.
        outs = tuple(_new(o._buf, o._device) for o in outs)
        ans = outs if isinstance(outputs, (tuple, list)) else outs[0]

        memo: dict = {}

        def rule(i):
            def gradient(g, ans, *args):
                if memo.get("g") is not g:  # one backward call serves every input's rule
                    gs = self.backward(*(g if isinstance(g, tuple) else (g,)))
                    memo["g"], memo["gs"] = g, gs if isinstance(gs, (tuple, list)) else (gs,)
                return memo["gs"][i]

            return gradient

        rules = tuple(rule(i) for i in range(len(inputs)))
        attach(type(self).__name__, rules, inputs, {}, ans, parents, list(outs))
        return ans


_tape.OPS = OPS  # the tape runs rows of the table (see _tape.OPS)
