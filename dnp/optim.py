"""Optimizers that update nested dicts of dnp arrays in place, gradient clipping, and
learning-rate schedules.

The update rules, hyperparameter names and defaults are PyTorch's (``torch.optim``), with
optax's ``learning_rate``; the schedules are optax's (``optax.*_schedule``), evaluated at the
number of steps taken before the update. The API is MXNet's in-place one::

    opt = dnp.optim.Adam(learning_rate=1e-3)
    state = opt.init(params)          # params: a dict (or nested dicts, lists, tuples) of arrays
    opt.update(params, grads, state)  # writes the new values into params' arrays

Every per-step quantity (the step count, bias corrections, a scheduled learning rate) is
computed with dnp ops from the state's arrays, so a training step wrapped in ``dnp.jit``
replays exactly as it runs eagerly. Updates are not recorded by ``dnp.autograd``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import dnp
import dnp.tree

__all__ = [
    "OptState",
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "clip_by_global_norm",
    "constant",
    "step",
    "piecewise_constant",
    "exponential_decay",
    "cosine_decay",
    "linear_warmup",
]

Schedule = Callable[[Any], Any]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


# --- gradient clipping ----------------------------------------------------------------------
def _clip_to_norm(grads: list, max_norm: float) -> list:
    norm = dnp.sqrt(sum(dnp.sum(dnp.square(g)) for g in grads))
    scale = max_norm / dnp.maximum(norm, max_norm)  # exactly 1 below max_norm
    return [g * scale.astype(g.dtype) for g in grads]


def clip_by_global_norm(grads: Any, max_norm: float) -> Any:
    """``grads`` scaled by ``max_norm / norm`` where ``norm``, the 2-norm of all their elements
    together, exceeds ``max_norm``. See ``optax.clip_by_global_norm`` (PyTorch's
    ``clip_grad_norm_`` adds 1e-6 to the norm); returns new arrays."""
    _check(max_norm > 0, f"max_norm must be positive, got {max_norm}")
    leaves, treedef = dnp.tree.flatten(grads)
    return treedef.unflatten(_clip_to_norm(leaves, max_norm))


# --- optimizers -----------------------------------------------------------------------------
class OptState(NamedTuple):
    """An optimizer's state: ``count``, the steps taken (a 0-d int64 dnp array), and
    ``slots``, one tree like the params' per slot, under PyTorch's state names (``exp_avg``,
    ``momentum_buffer``, ...). A tree itself (a named tuple, as optax's states), so it may be
    an argument of a ``dnp.jit`` function."""

    count: dnp.ndarray
    slots: dict[str, Any]


def _cast(x: Any, dtype: Any) -> Any:
    """A per-step float scalar (a float64 0-d array) in a leaf's dtype, as PyTorch's Python
    floats are cast to the parameter's."""
    if isinstance(x, dnp.ndarray) and x.dtype.kind == "f" and x.dtype != dtype:
        return x.astype(dtype)
    return x


class Optimizer:
    """The update loop shared by the optimizers: clip the gradients (``clip_value`` per
    element, then ``clip_norm`` on their global norm), advance the step count, and apply the
    subclass's rule to each (param, grad) leaf. A grad of None leaves its param as it is."""

    decoupled = False  # weight decay applied to the parameter instead of the gradient

    def __init__(
        self,
        learning_rate: float | Schedule,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        if not callable(learning_rate):
            _check(learning_rate >= 0, f"Invalid learning rate: {learning_rate}")
        _check(weight_decay >= 0, f"Invalid weight_decay value: {weight_decay}")
        _check(clip_norm is None or clip_norm > 0, f"Invalid clip_norm value: {clip_norm}")
        _check(clip_value is None or clip_value > 0, f"Invalid clip_value value: {clip_value}")
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.clip_value = clip_value

    def init(self, params: Any) -> OptState:
        """A fresh state for ``params`` (a tree of floating dnp arrays: see ``dnp.tree``)."""
        leaves = dnp.tree.leaves(params)
        _check(bool(leaves), "optimizer got an empty parameter list")
        for p in leaves:
            if not isinstance(p, dnp.ndarray) or p.dtype.kind != "f":
                kind = f"{p.dtype} array" if isinstance(p, dnp.ndarray) else type(p).__name__
                raise TypeError(f"optimizers update floating dnp arrays; one param is a {kind}")
        count = dnp.zeros((), dtype=dnp.int64, device=leaves[0].device)
        slots = {
            name: dnp.tree.map(lambda p, v=value: dnp.full_like(p, v), params)
            for name, value in self._slots().items()
        }
        return OptState(count, slots)

    def update(self, params: Any, grads: Any, state: OptState) -> None:
        """Write the updated values into ``params``' arrays and advance ``state``."""
        ps, treedef = dnp.tree.flatten(params)
        try:
            gs = treedef.flatten_up_to(grads)
            by_name = {name: treedef.flatten_up_to(t) for name, t in state.slots.items()}
        except ValueError as exc:
            raise ValueError(f"grads and state must have the params' structure: {exc}") from None
        slots = [{name: s[i] for name, s in by_name.items()} for i in range(len(ps))]
        leaves = [(p, g, s) for p, g, s in zip(ps, gs, slots, strict=True) if g is not None]
        for p, g, _ in leaves:
            shape = getattr(g, "shape", type(g).__name__)
            _check(shape == p.shape, f"a grad of shape {shape} for a param of shape {p.shape}")
        with dnp.autograd.pause(dnp.autograd.is_training()):
            gs = [g for _, g, _ in leaves]
            if self.clip_value is not None:
                gs = [dnp.clip(g, -self.clip_value, self.clip_value) for g in gs]
            if self.clip_norm is not None:
                gs = _clip_to_norm(gs, self.clip_norm)
            count, lr = state.count, self.learning_rate
            lr = lr(count) if callable(lr) else lr  # at the steps taken before this one
            count += 1  # in place: the state's array
            scalars = self._scalars(count, lr)
            cast: dict = {}  # the scalars in each params' dtype, cast once per dtype
            for (p, _, s), g in zip(leaves, gs, strict=True):
                k = cast.get(p.dtype)
                if k is None:
                    k = cast[p.dtype] = {name: _cast(v, p.dtype) for name, v in scalars.items()}
                new, written = self._rule(p, g, s, k)
                if new is not None:  # (None: the rule wrote in place)
                    p[...] = new
                for name, value in written.items():
                    s[name][...] = value

    def step_count(self, state: OptState) -> int:
        """The number of updates ``state`` has seen."""
        return int(state.count)

    def _decayed(self, p: dnp.ndarray, g: dnp.ndarray) -> dnp.ndarray:
        """The gradient with L2 weight decay (PyTorch's ``weight_decay``) added."""
        return g if self.decoupled or not self.weight_decay else g + self.weight_decay * p

    def _slots(self) -> dict[str, float]:
        """The slot names and their initial values."""
        return {}

    def _scalars(self, t: dnp.ndarray, lr: Any) -> dict[str, Any]:
        """The per-step scalars of update ``t`` (1 for the first) with learning rate ``lr``."""
        return {"lr": lr}

    def _rule(self, p, g, slots: dict, k: dict) -> tuple[dnp.ndarray | None, dict]:
        """The new parameter and the new slot values from the old ones and the gradient (or
        None and {} where the rule wrote them into ``p`` and ``slots`` itself)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay.
    See ``torch.optim.SGD``: ``b = momentum * b + (1 - dampening) * g`` (``b = g`` at the first
    step), ``g = g + momentum * b`` if ``nesterov`` else ``b``, ``p = p - lr * g``."""

    def __init__(
        self,
        learning_rate: float | Schedule = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clip_norm, clip_value)
        _check(momentum >= 0, f"Invalid momentum value: {momentum}")
        _check(
            not nesterov or (momentum > 0 and dampening == 0),
            "Nesterov momentum requires a momentum and zero dampening",
        )
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov

    def _slots(self) -> dict[str, float]:
        return {"momentum_buffer": 0.0} if self.momentum else {}

    def _scalars(self, t, lr):
        return {"lr": lr, "first": t == 1}

    def _rule(self, p, g, slots, k):
        g = self._decayed(p, g)
        if not self.momentum:
            return p - k["lr"] * g, {}
        old = slots["momentum_buffer"]
        b = dnp.where(k["first"], g, self.momentum * old + (1 - self.dampening) * g)
        g = g + self.momentum * b if self.nesterov else b
        return p - k["lr"] * g, {"momentum_buffer": b}


class Adam(Optimizer):
    """Adam with L2 weight decay. See ``torch.optim.Adam``: ``m = b1 * m + (1 - b1) * g``,
    ``v = b2 * v + (1 - b2) * g * g``, ``p = p - lr / (1 - b1**t) * (m / (sqrt(v) /
    sqrt(1 - b2**t) + eps))``, computed as ``p - s * (m / (sqrt(v) + e))`` with the per-step
    scalars ``s = lr sqrt(1 - b2**t) / (1 - b1**t)`` and ``e = eps sqrt(1 - b2**t)`` (the same
    value, to rounding; one pass over each parameter fewer)."""

    def __init__(
        self,
        learning_rate: float | Schedule = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clip_norm, clip_value)
        _check(eps >= 0, f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            _check(0 <= beta < 1, f"Invalid beta parameter at index {i}: {beta}")
        self.betas, self.eps = tuple(betas), eps

    def _slots(self) -> dict[str, float]:
        return {"exp_avg": 0.0, "exp_avg_sq": 0.0}

    def _scalars(self, t, lr):
        b1, b2 = self.betas
        t = t.astype(dnp.float64)  # once: the powers' loop would cast the int count each time
        bc2_sqrt = dnp.sqrt(1 - dnp.power(b2, t))
        return {
            "lr": lr,
            "step": lr / (1 - dnp.power(b1, t)) * bc2_sqrt,
            "eps": self.eps * bc2_sqrt,
        }

    def _rule(self, p, g, slots, k):
        # In place: fewer arrays and copies a step.
        b1, b2 = self.betas
        g = self._decayed(p, g)
        m, v = slots["exp_avg"], slots["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        denom = dnp.sqrt(v)
        denom += k["eps"]
        step = m / denom
        step *= k["step"]
        p -= step
        return None, {}


class AdamW(Adam):
    """Adam with decoupled weight decay. See ``torch.optim.AdamW``: ``p = p * (1 - lr *
    weight_decay)``, then Adam's step on that ``p`` with the undecayed gradient."""

    decoupled = True

    def __init__(
        self,
        learning_rate: float | Schedule = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(learning_rate, betas, eps, weight_decay, clip_norm, clip_value)

    def _scalars(self, t, lr):
        return {**super()._scalars(t, lr), "shrink": 1 - lr * self.weight_decay}

    def _rule(self, p, g, slots, k):
        p *= k["shrink"]
        return super()._rule(p, g, slots, k)


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum. See ``torch.optim.RMSprop``:
    ``s = alpha * s + (1 - alpha) * g * g``; centered: ``a = alpha * a + (1 - alpha) * g`` and
    ``d = sqrt(s - a * a) + eps``, else ``d = sqrt(s) + eps``; ``b = momentum * b + g / d`` and
    ``p = p - lr * b`` with momentum, else ``p = p - lr * (g / d)``. (optax's ``decay`` is
    ``alpha``.)"""

    def __init__(
        self,
        learning_rate: float | Schedule = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clip_norm, clip_value)
        _check(eps >= 0, f"Invalid epsilon value: {eps}")
        _check(momentum >= 0, f"Invalid momentum value: {momentum}")
        _check(alpha >= 0, f"Invalid alpha value: {alpha}")
        self.alpha, self.eps, self.momentum, self.centered = alpha, eps, momentum, centered

    def _slots(self) -> dict[str, float]:
        slots = {"square_avg": 0.0}
        if self.centered:
            slots["grad_avg"] = 0.0
        if self.momentum > 0:
            slots["momentum_buffer"] = 0.0
        return slots

    def _rule(self, p, g, slots, k):
        a = self.alpha
        g = self._decayed(p, g)
        new = {"square_avg": a * slots["square_avg"] + (1 - a) * g * g}
        if self.centered:
            new["grad_avg"] = mean = a * slots["grad_avg"] + (1 - a) * g
            denom = dnp.sqrt(new["square_avg"] - mean * mean) + self.eps
        else:
            denom = dnp.sqrt(new["square_avg"]) + self.eps
        if self.momentum > 0:
            new["momentum_buffer"] = self.momentum * slots["momentum_buffer"] + g / denom
            return p - k["lr"] * new["momentum_buffer"], new
        return p - k["lr"] * (g / denom), new


class Adagrad(Optimizer):
    """Adagrad. See ``torch.optim.Adagrad``: ``s = s + g * g`` (``s`` starts at
    ``initial_accumulator_value``), ``p = p - lr / (1 + (t - 1) * lr_decay) * (g / (sqrt(s) +
    eps))``."""

    def __init__(
        self,
        learning_rate: float | Schedule = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        clip_norm: float | None = None,
        clip_value: float | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clip_norm, clip_value)
        _check(lr_decay >= 0, f"Invalid lr_decay value: {lr_decay}")
        _check(
            initial_accumulator_value >= 0,
            f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
        )
        _check(eps >= 0, f"Invalid epsilon value: {eps}")
        self.lr_decay, self.eps = lr_decay, eps
        self.initial_accumulator_value = initial_accumulator_value

    def _slots(self) -> dict[str, float]:
        return {"sum": self.initial_accumulator_value}

    def _scalars(self, t, lr):
        return {"clr": lr / (1 + (t - 1) * self.lr_decay)}

    def _rule(self, p, g, slots, k):
        g = self._decayed(p, g)
        total = slots["sum"] + g * g
        return p - k["clr"] * (g / (dnp.sqrt(total) + self.eps)), {"sum": total}


# --- learning-rate schedules: callables of the step count, as optax's ------------------------
def _count(count: Any) -> dnp.ndarray:
    return dnp.asarray(count).astype(dnp.float64)


def constant(value: float) -> Schedule:
    """``value`` at every step. See ``optax.constant_schedule``."""
    return lambda count: dnp.full_like(_count(count), value)


def step(init_value: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``init_value * gamma ** (count // step_size)``. See ``torch.optim.lr_scheduler.StepLR``."""
    _check(step_size > 0, f"step_size must be positive, got {step_size}")
    return lambda count: init_value * dnp.power(gamma, dnp.floor(_count(count) / step_size))


def piecewise_constant(boundaries: list[int], values: list[float]) -> Schedule:
    """``values[i]`` from step ``boundaries[i - 1]`` on (``values[0]`` before
    ``boundaries[0]``). See ``optax.piecewise_constant_schedule``, which takes the ratios of
    consecutive values, and PyTorch's ``MultiStepLR``."""
    _check(
        len(values) == len(boundaries) + 1,
        f"piecewise_constant needs one value more than boundaries, got {len(values)} values "
        f"and {len(boundaries)} boundaries",
    )
    _check(list(boundaries) == sorted(boundaries), f"boundaries must increase: {boundaries}")

    def schedule(count: Any) -> dnp.ndarray:
        count = _count(count)
        value = dnp.full_like(count, values[0])
        for boundary, v in zip(boundaries, values[1:], strict=True):
            value = dnp.where(count >= boundary, v, value)
        return value

    return schedule


def exponential_decay(
    init_value: float, transition_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``init_value * decay_rate ** (count / transition_steps)``, the exponent floored when
    ``staircase``. See ``optax.exponential_decay``."""
    _check(transition_steps > 0, f"transition_steps must be positive, got {transition_steps}")

    def schedule(count: Any) -> dnp.ndarray:
        p = _count(count) / transition_steps
        return init_value * dnp.power(decay_rate, dnp.floor(p) if staircase else p)

    return schedule


def cosine_decay(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """``init_value * ((1 - alpha) * (1 + cos(pi * min(count, decay_steps) / decay_steps)) / 2
    + alpha)``. See ``optax.cosine_decay_schedule``."""
    _check(decay_steps > 0, f"decay_steps must be positive, got {decay_steps}")

    def schedule(count: Any) -> dnp.ndarray:
        fraction = dnp.minimum(_count(count), decay_steps) / decay_steps
        return init_value * ((1 - alpha) * (0.5 * (1 + dnp.cos(math.pi * fraction))) + alpha)

    return schedule


def linear_warmup(schedule: float | Schedule, warmup_steps: int, init_value: float = 0.0):
    """A linear ramp from ``init_value`` to ``schedule(0)`` over ``warmup_steps`` steps, then
    ``schedule(count - warmup_steps)``. See optax's ``join_schedules([linear_schedule(
    init_value, schedule(0), warmup_steps), schedule], [warmup_steps])``."""
    _check(warmup_steps > 0, f"warmup_steps must be positive, got {warmup_steps}")
    after = schedule if callable(schedule) else constant(schedule)

    def warmed(count: Any) -> dnp.ndarray:
        count = _count(count)
        peak = after(dnp.zeros_like(count))
        ramp = init_value + (peak - init_value) * (count / warmup_steps)
        return dnp.where(count < warmup_steps, ramp, after(count - warmup_steps))

    return warmed
