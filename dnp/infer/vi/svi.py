"""Stochastic variational inference, NumPyro's loop (``numpyro.infer.SVI``)::

    svi = SVI(model, guide, dnp.optim.Adam(1e-2), Trace_ELBO())
    result = svi.run(0, 2000, data)   # result.params, result.state, result.losses

Parameters (the ``param`` sites of the model and the guide, the guide's winning a shared name)
live unconstrained, ``biject_to(constraint).inv(value)``; the loss sees them constrained and
``get_params`` returns them constrained. A step is one ``dnp.autograd.value_and_grad`` of the
loss and one ``optim.update``, which writes the new values into the state's arrays in place
(``dnp.optim`` is MXNet style): ``update`` returns the state it was given, advanced, and its
generator advances too. Each step reads one scalar, to check that the loss and the gradients
are finite.

A step goes through ``dnp.jit`` (``jit=False`` turns it off): the first step of each
signature (the shapes of the data) runs the model and the guide and records them, later steps
replay the recorded program, draws included, with the values the eager step would give. On the
CPU the gradient, the check of the loss and the update are one replay, whose check raises
before the update writes anything (then the step runs again unjitted, with the same draws, to
skip it or say what went wrong); on a GPU they are two. Where ``dnp.jit`` cannot replay a step
(a model that reads a value back into Python to branch on it, say), it runs eagerly and
``SVI.eager_reasons`` says why.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
import os
import sys
import traceback
from typing import Any, NamedTuple

import dnp
from dnp.infer.handlers import replay, seed, substitute, trace
from dnp.infer.transforms import biject_to
from dnp.infer.vi.elbo import ELBO, log_prob_sum, sample_sites

__all__ = ["SVI", "SVIRunResult", "SVIState"]


class SVIState(NamedTuple):
    """SVI's state: ``params`` (unconstrained, name -> dnp array), ``optim_state`` (the
    ``dnp.optim`` state), ``mutable_state`` (the ELBO's moving-average ``"baseline"``, where it
    has non-reparameterized sites), ``rng`` (the ``dnp.random.Generator`` the steps draw from)
    and ``num_skipped``, the steps skipped for a non-finite loss or gradient
    (``nan_policy="skip"``)."""

    params: dict
    optim_state: Any
    mutable_state: dict
    rng: dnp.random.Generator
    num_skipped: int


class SVIRunResult(NamedTuple):
    """What ``SVI.run`` returns: the constrained ``params``, the final ``state`` and the
    ``losses``, a dnp array of the loss of each step (skipped ones included)."""

    params: dict
    state: SVIState
    losses: dnp.ndarray


class SVI:
    """Stochastic variational inference of ``model`` by ``guide``: ``optim`` (a ``dnp.optim``
    optimizer) minimizes ``loss`` (an ELBO, or any object with NumPyro's ``loss(rng, params,
    model, guide, *args, **kwargs)``). ``static_kwargs`` go to model and guide at every call.

    ``nan_policy``: ``"raise"`` raises FloatingPointError at a non-finite loss, naming the first
    guide or model site whose log density is not finite (and the error of the operation that
    first made it so), or at a non-finite gradient, naming the param; ``"skip"`` leaves the
    params as they are and counts the step in ``SVIState.num_skipped``. ``jit``: run the steps
    through ``dnp.jit`` (see the module docstring). See ``numpyro.infer.SVI``.
    """

    def __init__(
        self,
        model,
        guide,
        optim,
        loss,
        nan_policy: str = "raise",
        jit: bool = True,
        **static_kwargs,
    ):
        if nan_policy not in ("raise", "skip"):
            raise ValueError(f"nan_policy must be 'raise' or 'skip', got {nan_policy!r}")
        self.model = model
        self.guide = guide
        self.optim = optim
        self.loss = loss
        self.nan_policy = nan_policy
        self.jit = jit
        self.static_kwargs = static_kwargs
        self._transforms: dict | None = None
        self._gradient_of = None  # (the generator it draws from, the gradient function)
        self._checked = None  # (generator, params, optim state, params' ids, the checked step)
        self._update = dnp.jit(optim.update) if jit else optim.update

    def init(self, rng, *args, init_params=None, **kwargs) -> SVIState:
        """The initial state: the guide run with draws from ``rng`` (a ``dnp.random.Generator``
        or int seed), the model replayed on it, their ``param`` sites' values (or
        ``init_params``, constrained values by name) made unconstrained."""
        rng = rng if isinstance(rng, dnp.random.Generator) else dnp.random.default_rng(rng)
        kwargs = {**kwargs, **self.static_kwargs}
        guide = seed(self.guide, rng)
        if init_params is not None:
            guide = substitute(guide, data=init_params)
        guide_trace = trace(guide).get_trace(*args, **kwargs)
        values = {n: s["value"] for n, s in guide_trace.items() if s["type"] == "param"}
        values.update(init_params or {})
        model = substitute(replay(seed(self.model, rng), trace=guide_trace), data=values)
        model_trace = trace(model).get_trace(*args, **kwargs)
        params, transforms = {}, {}
        for site in list(model_trace.values()) + list(guide_trace.values()):
            if site["type"] != "param":
                continue
            transform = biject_to(site["kwargs"]["constraint"])
            value = transform.inv(dnp.asarray(site["value"]))
            # A copy of its own: the optimizer writes into it.
            params[site["name"]] = dnp.array(value, dtype=dnp.result_type(value, 1.0), copy=True)
            transforms[site["name"]] = transform
        if not params:
            raise ValueError("SVI found no param sites in the model or the guide")
        self._transforms = transforms
        return SVIState(params, self.optim.init(params), {}, rng, 0)

    def _constrain(self, params: dict) -> dict:
        if self._transforms is None:
            raise RuntimeError("SVI has no params yet: call init (or run) first")
        return {name: self._transforms[name](value) for name, value in params.items()}

    def get_params(self, svi_state: SVIState) -> dict:
        """The params, constrained, as new arrays (the state's change in place)."""
        params = self._constrain(svi_state.params)
        return {
            name: value.copy() if value is svi_state.params[name] else value
            for name, value in params.items()
        }

    def _evaluate(self, rng, params, baseline, args, kwargs):
        kwargs = {**kwargs, **self.static_kwargs}
        if isinstance(self.loss, ELBO):
            return self.loss.evaluate(rng, params, self.model, self.guide, args, kwargs, baseline)
        return self.loss.loss(rng, params, self.model, self.guide, *args, **kwargs), None, None

    @property
    def eager_reasons(self) -> list[str]:
        """Why ``dnp.jit`` runs some of the steps' signatures eagerly (empty: every step is a
        replay). See ``dnp.jit``."""
        fns = [self._update]
        if self._gradient_of is not None:
            fns.append(self._gradient_of[1])
        if self._checked is not None:
            fns.append(self._checked[-1])
        return [reason for fn in fns for reason in getattr(fn, "eager_reasons", [])]

    def _gradient_fn(self, rng):
        """``_gradient(rng)``, jitted unless ``jit=False``."""
        if self._gradient_of is None or self._gradient_of[0] is not rng:
            gradient = self._gradient(rng)
            self._gradient_of = (rng, dnp.jit(gradient) if self.jit else gradient)
        return self._gradient_of[1]

    def _checked_step_fn(self, rng, params: dict, optim_state):
        """``_checked_step`` of this state, jitted; None where a step is two calls (without
        ``jit``, or off the CPU: CuPy raises no floating-point errors). Made again for another
        state, or where ``params`` holds other arrays."""
        hit = self._checked
        if (
            hit is None
            or hit[0] is not rng
            or hit[1] is not params
            or hit[2] is not optim_state
            or len(hit[3]) != len(params)
            or not all(map(operator.is_, hit[3], params.values()))
        ):
            step = None
            if self.jit and all(x.device == "cpu" for x in dnp.tree.leaves(params)):
                step = dnp.jit(self._checked_step(rng, params, optim_state))
            hit = self._checked = (rng, params, optim_state, tuple(params.values()), step)
        return hit[4]

    def _gradient(self, rng):
        """``(params, baseline, args, kwargs) -> (loss, grads, new baseline, guard)``, drawing
        from ``rng``; ``guard`` is finite when the loss and every gradient are."""

        def gradient(params, baseline, args, kwargs):
            found = {}

            def objective(p):
                loss, found["baseline"], _ = self._evaluate(
                    rng, self._constrain(p), baseline, args, kwargs
                )
                return loss

            loss, grads = dnp.autograd.value_and_grad(objective)(params)
            loss = loss.detach()
            sums = [dnp.sum(g) for g in grads.values()]  # added without a 0 to start from
            guard = loss + 0 * functools.reduce(operator.add, sums) if sums else loss
            new_baseline = found["baseline"]
            return loss, grads, None if new_baseline is None else new_baseline.detach(), guard

        return gradient

    def _checked_step(self, rng, params: dict, optim_state):
        """``(baseline, args, kwargs) -> (loss, new baseline)``: the gradient and the update of
        this state in one call, with a check between them that raises FloatingPointError
        (NumPy's, for 1 / False under ``errstate(divide="raise")``) where the loss or a gradient
        is not finite, before anything is written. Its arrays are captured, not arguments: a
        jitted call reads them at each call, without keying them."""
        gradient = self._gradient(rng)

        def step(baseline, args, kwargs):
            loss, grads, new_baseline, guard = gradient(params, baseline, args, kwargs)
            with dnp.errstate(divide="raise"):  # 1 / False raises; loss * 1 is loss
                loss = loss * (1.0 / dnp.isfinite(guard)).astype(loss.dtype)
            self.optim.update(params, grads, optim_state)
            return loss, new_baseline

        return step

    def _step(self, svi_state: SVIState, args, kwargs, skip: bool):
        """One update: ``(state, loss, loss as a float)``."""
        args, kwargs = _as_dnp(args, kwargs)
        rng = svi_state.rng
        before = rng.bit_generator.state  # to take a failed step's draws again
        baseline = svi_state.mutable_state.get("baseline")
        params, optim_state = svi_state.params, svi_state.optim_state
        mutable_state = svi_state.mutable_state
        step = self._checked_step_fn(rng, params, optim_state)
        gradient = None
        if step is not None:
            try:
                loss, new_baseline = step(baseline, args, kwargs)
            except FloatingPointError:  # nothing written: the step decides again, unjitted
                gradient = self._gradient(_generator_at(rng, before))
            else:
                if new_baseline is None:
                    return svi_state, loss, float(loss)
                mutable_state = {**mutable_state, "baseline": new_baseline}
                return svi_state._replace(mutable_state=mutable_state), loss, float(loss)
        gradient = gradient or self._gradient_fn(rng)
        loss, grads, new_baseline, guard = gradient(params, baseline, args, kwargs)
        value = float(guard)  # the one sync: non-finite if the loss or a gradient is
        if new_baseline is not None:
            mutable_state = {**mutable_state, "baseline": new_baseline}
        if math.isfinite(value):
            self._update(params, grads, optim_state)
            return svi_state._replace(mutable_state=mutable_state), loss, value
        if not skip:
            # The step again, eagerly, with the same draws: its traces name the site, and run
            # once more with floating-point errors raised, the first operation at fault.
            def again():
                params = self._constrain(svi_state.params)
                return self._evaluate(_generator_at(rng, before), params, baseline, args, kwargs)

            message = _nan_message(float(loss), again()[2], grads)
            raise FloatingPointError(message + _first_error(again))
        state = svi_state._replace(num_skipped=svi_state.num_skipped + 1)
        return state, loss, float(loss)

    def update(self, svi_state: SVIState, *args, **kwargs):
        """One step of ``optim`` on the loss: ``(svi_state, loss)``. See ``nan_policy``."""
        state, loss, _ = self._step(svi_state, args, kwargs, self.nan_policy == "skip")
        return state, loss

    step = update

    def stable_update(self, svi_state: SVIState, *args, **kwargs):
        """``update`` that skips (and counts) a step whose loss or gradient is not finite,
        whatever ``nan_policy`` says."""
        state, loss, _ = self._step(svi_state, args, kwargs, True)
        return state, loss

    def evaluate(self, svi_state: SVIState, *args, **kwargs):
        """The loss at the state's params, with the draws the next ``update`` would take; the
        state is left unchanged."""
        rng = copy.deepcopy(svi_state.rng)
        params = self._constrain(svi_state.params)
        baseline = svi_state.mutable_state.get("baseline")
        return self._evaluate(rng, params, baseline, args, kwargs)[0]

    def run(
        self,
        rng,
        num_steps: int,
        *args,
        progress_bar: bool = True,
        stable_update: bool = False,
        init_state: SVIState | None = None,
        init_params: dict | None = None,
        **kwargs,
    ) -> SVIRunResult:
        """``num_steps`` updates from ``init_state`` (or ``init(rng, *args,
        init_params=init_params, **kwargs)``). ``progress_bar`` shows a tqdm bar (the first
        loss and the average over the last 1% of steps) when stderr is a terminal and tqdm is
        installed (``pip install dnp[infer]``); ``stable_update`` skips non-finite steps as
        ``nan_policy="skip"`` does."""
        if num_steps < 1:
            raise ValueError("num_steps must be a positive integer.")
        state = init_state
        if state is None:
            state = self.init(rng, *args, init_params=init_params, **kwargs)
        skip = stable_update or self.nan_policy == "skip"
        args, kwargs = _as_dnp(args, kwargs)  # once, not at every step
        bar = _progress_bar(num_steps) if progress_bar else None
        every = max(num_steps // 100, 1)
        losses, start, dtype = [], 0, None
        try:
            for i in range(1, num_steps + 1):
                state, loss, value = self._step(state, args, kwargs, skip)
                losses.append(value)
                dtype = loss.dtype
                if bar is not None and (i % every == 0 or i == num_steps):
                    _report(bar, losses, start)
                    start = i
        finally:
            if bar is not None:
                bar.close()
        return SVIRunResult(self.get_params(state), state, dnp.asarray(losses, dtype=dtype))


def _generator_at(rng: dnp.random.Generator, state: dict) -> dnp.random.Generator:
    """A new generator of ``rng``'s kind, at bit-generator state ``state``."""
    bits = type(rng.bit_generator)()
    bits.state = state
    return dnp.random.Generator(bits)


def _as_dnp(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The arguments with their other arrays (NumPy's, say) as dnp arrays, which ``dnp.jit``
    keys."""
    if not kwargs and all(type(a) is dnp.ndarray for a in args):
        return args, kwargs  # the common case, at every step: nothing to convert
    leaves, treedef = dnp.tree.flatten((args, kwargs))
    if all(isinstance(x, dnp.ndarray) or not hasattr(x, "__array__") for x in leaves):
        return args, kwargs
    return treedef.unflatten([dnp.asarray(x) if hasattr(x, "__array__") else x for x in leaves])


def _progress_bar(total: int):
    """A tqdm bar on stderr, or None when stderr is no terminal or tqdm is not installed."""
    if not sys.stderr.isatty():
        return None
    try:
        import tqdm
    except ImportError:
        return None
    return tqdm.tqdm(total=total, file=sys.stderr)


def _report(bar, losses: list, start: int) -> None:
    """Advance ``bar`` to ``len(losses)`` steps, showing the first loss and the average of the
    finite losses since step ``start``."""
    recent = [x for x in losses[start:] if math.isfinite(x)]
    average = sum(recent) / len(recent) if recent else math.nan
    end = len(losses)
    bar.set_postfix_str(
        f"init loss: {losses[0]:.4f}, avg. loss [{start + 1}-{end}]: {average:.4f}", refresh=False
    )
    bar.update(end - start)


def _nan_message(loss: float, traces, grads: dict) -> str:
    """Where a non-finite step went wrong: the first guide or model site (program order,
    guide first) whose log density is not finite, else the first param with a non-finite
    gradient."""
    if not math.isfinite(loss):
        for model_trace, guide_trace in traces or ():
            for role, tr in (("guide", guide_trace), ("model", model_trace)):
                for site in sample_sites(tr):
                    log_density = float(log_prob_sum(site))
                    if not math.isfinite(log_density):
                        return (
                            f"SVI loss is {loss}: the log density of {role} site {site['name']!r} "
                            f"({type(site['fn']).__name__}) is {log_density}"
                        )
        return f"SVI loss is {loss}"
    for name, g in grads.items():
        if not bool(dnp.all(dnp.isfinite(g))):
            return f"SVI loss is finite ({loss}) but the gradient of param {name!r} is not"
    return f"SVI loss is finite ({loss}) but the sum of the gradients overflows"


def _first_error(evaluate) -> str:
    """Where ``evaluate()`` (a step's loss) first makes a non-finite value: the error NumPy
    raises there with floating-point errors raised, and the line of the caller's code that
    ran the operation; or '' when none does (the non-finite value came in as a value)."""
    try:
        with dnp.errstate(divide="raise", invalid="raise", over="raise"):
            float(evaluate()[0])
    except FloatingPointError as exc:
        inside = (os.path.dirname(dnp.__file__), os.path.dirname(os.__file__))
        theirs = [
            f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(inside)
        ]
        where = f" at {theirs[-1].filename}:{theirs[-1].lineno}" if theirs else ""
        return f"; the first operation to make one: {exc}{where}"
    return ""
