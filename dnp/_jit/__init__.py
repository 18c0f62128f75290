"""``dnp.jit(f)``: trace a function once per signature of its arguments, then replay the trace.

The first call with a given signature (the shapes, dtypes and devices of the array arguments,
which of them are one array, the values of the other arguments, training mode, the default
device and NumPy's errstate) runs ``f`` as usual while recording every op it dispatches, the
backward pass of ``autograd.value_and_grad`` included. Later calls with that signature skip
``f``'s Python code, the tape and the per-op work of dispatch and the engine: they run the
recorded kernels straight through, generated as one Python function (simplified first:
``Trace.simplify``), which the engine runs as one op. This is the contract of JAX's ``jit``,
with a fallback instead of an error where a trace cannot stand for ``f``:

- every op must have a metadata rule (its result's shape follows from the signature), or be a
  draw of ``dnp.random``: a replay takes the generator's next numbers where the trace drew, so
  it draws exactly what ``f`` would have; data-dependent shapes (``nonzero``, boolean masks) are
  not replayed;
- no value may be read back into Python while tracing (``float(x)``, ``if x > 0:``, ``print``);
- ``f`` must return arrays it made (not its arguments, views of them or arrays it captured),
  nested in tuples, lists, dicts and named tuples (``dnp.tree``; dicts come back with their keys
  sorted, as from ``jax.jit``); on a GPU, it may write in place only into arrays it made.

Python numbers among the arguments are part of the signature (as ``static_argnums`` in JAX): a
value that changes on every call (a decaying learning rate) is better passed as a 0-d array.
Python loops in ``f`` are unrolled into the trace, which holds every intermediate array until
the trace ends (a replay frees each after its last use).

A signature whose trace breaks a rule runs ``f`` eagerly on every call (nothing is lost but
speed); ``Jitted.eager_reasons`` says why. An op that raises while tracing is such a break (``f``
may handle the error); one that raises in a replay makes ``f`` run for that call instead, unless
the replay already wrote into an argument or drew random numbers: then the error is raised,
naming the op.

As with ``jax.jit``, a replay does not repeat ``f``'s Python side effects, and non-array values
``f`` reads from globals or closures are those of the trace; arrays it captures are read at each
call, with their current values. Calls while autograd records run ``f`` eagerly, so the tape
sees its ops.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy

from .. import _dispatch, tree
from .._ndarray import TRACES, ndarray
from .._tape import is_recording
from ._key import key_of
from ._replay import Plan, Rerun, rebuilder
from ._trace import Trace, Untraceable

_counting = threading.Lock()


MAX_SIGNATURES = 256  # traces kept per function, then forgotten all at once
UNKEYED = (
    "an argument that is not a dnp array, a number, a string or a structure of them (a NumPy "
    "array, another object): such calls run f eagerly"
)


# --- the public face --------------------------------------------------------------------------
class Jitted:
    """``f``, traced once per signature of its arguments and replayed (see ``dnp.jit``)."""

    def __init__(self, f: Callable) -> None:
        self.f = f
        self.label = getattr(f, "__qualname__", None) or type(f).__name__
        self._plans: dict[tuple, Plan | str] = {}  # key -> its plan, or why it runs eagerly
        self._unkeyed = ""  # set once a call's arguments could not be keyed
        functools.update_wrapper(self, f)

    def __get__(self, obj, objtype=None):
        """As a method: bound to its object (which, not being an array or a plain value, makes
        every call run eagerly)."""
        return self if obj is None else functools.partial(self, obj)

    @property
    def eager_reasons(self) -> list[str]:
        """Why some signatures run ``f`` eagerly (their traces could not be replayed, or their
        arguments cannot be keyed)."""
        reasons = [p for p in self._plans.values() if type(p) is str]
        return reasons + [self._unkeyed] if self._unkeyed else reasons

    @property
    def traces(self) -> int:
        """How many signatures have been traced."""
        return len(self._plans)

    def programs(self) -> list[str]:
        """The source of each replayable trace's program (what a replay runs)."""
        return [p.program.source for p in self._plans.values() if type(p) is Plan]

    def __call__(self, *args, **kwargs):
        if TRACES.tracer is not None or is_recording():  # inside an outer trace, or a tape
            return self.f(*args, **kwargs)
        keyed = key_of(args, kwargs)
        if keyed is None:
            self._unkeyed = UNKEYED
            return self.f(*args, **kwargs)
        key, arrays = keyed
        plan = self._plans.get(key)
        if type(plan) is Plan:
            try:
                return plan.run(arrays)
            except Rerun:
                return self.f(*args, **kwargs)
        if plan is None:
            if len(self._plans) >= MAX_SIGNATURES:  # values that change on every call
                self._plans.clear()
            return self._trace(key, arrays, args, kwargs)
        return self.f(*args, **kwargs)

    def _trace(self, key: tuple, arrays: list[ndarray], args: tuple, kwargs: dict) -> Any:
        trace = Trace(arrays)
        TRACES.tracer = trace
        _count_tracers(1)
        try:
            result = self.f(*args, **kwargs)
        finally:
            _count_tracers(-1)
            TRACES.tracer = None
        try:
            if trace.failure is not None:
                raise Untraceable(trace.failure)
            spec, outputs = trace.outputs(result)
            program = trace.program(len(arrays), outputs, self.label)
        except Untraceable as exc:
            self._plans[key] = f"{_describe(key)}: {exc}"
            return result
        except Exception as exc:  # noqa: BLE001  # a fault of dnp's: f's own result stands
            reason = f"{_describe(key)}: the trace could not be built ({type(exc).__name__}: {exc})"
            warnings.warn(f"dnp.jit({self.label}) runs eagerly: {reason}", RuntimeWarning, 2)
            self._plans[key] = reason
            return result
        rebuild = rebuilder(spec, trace.device)
        self._plans[key] = Plan(
            program, tuple(trace.captured), rebuild, trace.device, trace.written, trace.draws
        )
        leaves, treedef = tree.flatten(result)
        return treedef.unflatten(leaves)  # as the replays return it: dicts by sorted keys


def _describe(key: tuple) -> str:
    shapes: list[str] = []

    def walk(part):  # an array's part of the key is (shape, dtype, device)
        if type(part) is tuple and len(part) == 3 and isinstance(part[1], numpy.dtype):
            shapes.append(f"{part[1]}{list(part[0])}")
        elif type(part) is tuple:
            for p in part:
                walk(p)

    walk(key)
    return f"arrays {', '.join(shapes) or 'none'}"


def jit(f: Callable | None = None) -> Any:
    """Trace ``f`` once per signature of its arguments and replay the trace (see ``dnp._jit``);
    use as ``jit(f)`` or ``@jit``. Composes with ``autograd``: ``jit(value_and_grad(loss))``."""
    if f is None:
        return jit
    return Jitted(f)


def _count_tracers(delta: int) -> None:
    """Dispatch reads the count without the lock: 0 means no thread traces."""
    with _counting:
        _dispatch.TRACING += delta
