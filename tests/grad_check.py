"""``check_grads``: a VJP checked against central differences, through random projections.

As in HIPS autograd's ``check_grads``: for random directions ``v`` (inputs) and ``u`` (output),
the directional derivative of ``L = Re<u, f(x)>`` along ``v`` by central differences in float64
must equal ``Re<grad L, v>`` from dnp's backward pass. ``order=2`` checks the gradient of that
gradient the same way (through ``create_graph``). Complex inputs use the convention
``grad = dL/dRe + i dL/dIm``.

Tables: ``grad_case(name, f, *inputs, order=2)`` with ``f`` a function of dnp arrays and
``inputs`` NumPy arrays; ``gradient_test(CASES)`` makes the parametrized test (every device).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy
import pytest

import dnp
from dnp import autograd
from tests.conformance import DEVICES


class GradCase(NamedTuple):
    name: str  # the op row the case differentiates ('exp', 'linalg.inv', 'ndarray.__getitem__')
    f: Callable
    inputs: tuple
    order: int
    rtol: float
    atol: float
    id: str


def grad_case(
    name: str,
    f: Callable,
    *inputs,
    order: int = 2,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    id: str | None = None,
) -> GradCase:  # noqa: A002
    return GradCase(name, f, tuple(numpy.asarray(x) for x in inputs), order, rtol, atol, id or name)


def raised(y, power: int):
    """``y`` (an array, or a list/tuple of them) to an elementwise ``power``."""
    if isinstance(y, (list, tuple)):
        return type(y)(raised(v, power) for v in y)
    return y**power if power != 2 else y * y


def raised_case(name: str, f: Callable, *inputs, power: int = 3, **kwargs) -> GradCase:
    """A case on ``f``'s outputs raised to ``power``: for an op linear in its input, the second
    derivative of the plain output is zero, so raising it makes order 2 run the rule's own
    backward."""
    return grad_case(name, lambda *xs: raised(f(*xs), power), *inputs, **kwargs)


def _random_like(rng: numpy.random.Generator, x) -> numpy.ndarray:
    shape = numpy.shape(x)
    v = rng.standard_normal(shape)
    if numpy.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(shape)
    return v


def _inner(u, y) -> Any:
    """Re<u, y> = sum(Re(conj(u) * y)), as a dnp scalar (differentiable) or a float."""
    if isinstance(y, (tuple, list)):
        return sum(_inner(ui, yi) for ui, yi in zip(u, y, strict=True) if ui is not None)
    if isinstance(y, dnp.ndarray):
        u = dnp.asarray(u, device=y.device)
        return (dnp.conjugate(u) * y).real.sum() if y.dtype.kind == "c" else (u * y).sum()
    return float(numpy.sum(numpy.real(numpy.conj(u) * numpy.asarray(y))))


def _outputs_like(rng, y):
    if isinstance(y, (tuple, list)):
        return [_outputs_like(rng, yi) for yi in y]
    if isinstance(y, dnp.ndarray) and y.dtype.kind in "fc":
        return _random_like(rng, y.asnumpy())
    return None


def check_grads(
    f: Callable,
    *inputs,
    order: int = 1,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    eps: float = 1e-6,
    device: str = "cpu",
    seed: int = 0,
) -> None:
    """Assert that dnp's gradient of ``f`` at ``inputs`` matches central differences."""
    rng = numpy.random.default_rng(seed)
    xs = [numpy.asarray(x, dtype=numpy.result_type(x, numpy.float64)) for x in inputs]
    to_dnp = lambda arrays: [dnp.asarray(a, device=device) for a in arrays]  # noqa: E731
    u = _outputs_like(rng, f(*to_dnp(xs)))
    loss = lambda *args: _inner(u, f(*args))  # noqa: E731
    vs = [_random_like(rng, x) for x in xs]
    plus = loss(*to_dnp([x + eps * v for x, v in zip(xs, vs, strict=True)]))
    minus = loss(*to_dnp([x - eps * v for x, v in zip(xs, vs, strict=True)]))
    numeric = (float(plus) - float(minus)) / (2 * eps)
    grads = autograd.grad_fn(loss, argnums=tuple(range(len(xs))))(*to_dnp(xs))
    analytic = sum(
        float(numpy.sum(numpy.real(numpy.conj(g.asnumpy()) * v)))
        for g, v in zip(grads, vs, strict=True)
    )
    scale = max(abs(numeric), abs(analytic), 1.0)
    assert abs(numeric - analytic) <= atol + rtol * scale, (
        f"order-1 gradient mismatch: finite differences {numeric!r}, autograd {analytic!r}"
    )
    if order >= 2:
        ws = [_random_like(rng, x) for x in xs]
        grad_of_loss = autograd.grad_fn(loss, argnums=tuple(range(len(xs))))

        def projected(*args):
            return _inner(ws, list(grad_of_loss(*args)))

        check_grads(
            projected,
            *xs,
            order=order - 1,
            rtol=rtol * 10,
            atol=atol * 10,
            eps=eps,
            device=device,
            seed=seed + 1,
        )


def gradient_test(cases: list[GradCase]) -> Callable:
    """A pytest test checking every case's gradients on every device."""

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("c", cases, ids=[c.id for c in cases])
    def test_gradients(c: GradCase, device: str) -> None:
        check_grads(c.f, *c.inputs, order=c.order, rtol=c.rtol, atol=c.atol, device=device)

    return test_gradients
