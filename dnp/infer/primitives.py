"""Model primitives (NumPyro's): ``sample``, ``param``, ``deterministic``, ``factor``, ``plate``.

A model is plain Python over dnp arrays. Each primitive builds a site message (a dict with
``type``, ``name``, ``fn``, ``args``, ``kwargs``, ``value``, ``scale``, ``is_observed``, ``infer``,
``cond_indep_stack``) and sends it through the stack of active handlers (``Messenger``s, see
``dnp.infer.handlers``), innermost first; a handler may change the message or ``stop`` it from
reaching the outer ones. Then the site's value is computed if no handler gave one, and the
handlers that saw the message post-process it, outermost last.

Randomness: NumPyro's ``rng_key`` is ``rng`` here, a ``dnp.random.Generator``. The ``seed``
handler hands one generator to every site, so each draw takes the generator's next numbers and a
seeded model is reproducible in program order. Outside any ``seed`` handler a latent site draws
from ``dnp.infer``'s default generator, one for the process (``set_rng_seed`` seeds it), as
``Distribution.sample(rng=None)`` does and as NumPy's functions draw from its global state
(NumPyro raises there, having no global random state).
Outside any handler an observed site returns its ``obs`` (as Pyro does; NumPyro draws).
"""

from __future__ import annotations

import functools
import threading
from collections import namedtuple

import dnp
from dnp.infer import constraints
from dnp.infer.distributions.distribution import Distribution, as_generator
from dnp.infer.distributions.unit import Unit

__all__ = [
    "CondIndepStackFrame",
    "Messenger",
    "apply_stack",
    "deterministic",
    "factor",
    "param",
    "plate",
    "prng",
    "sample",
]


class _HandlerStack(threading.local):
    """The active handlers, one stack per thread (MCMC's parallel chains run models on threads)."""

    def __init__(self) -> None:
        self.handlers: list[Messenger] = []


_LOCAL = _HandlerStack()

CondIndepStackFrame = namedtuple("CondIndepStackFrame", ["name", "dim", "size"])


def apply_stack(msg: dict) -> dict:
    """Send ``msg`` through the active handlers, innermost first, until one sets ``stop``;
    compute its value if none was given; post-process it in the handlers it reached."""
    reached = 0
    for handler in reversed(_LOCAL.handlers):
        reached += 1
        handler.process_message(msg)
        if msg.get("stop"):
            break
    if msg["value"] is None:
        if msg["type"] == "sample":
            msg["value"] = msg["fn"].sample(msg["kwargs"]["sample_shape"], msg["kwargs"]["rng"])
        else:
            msg["value"] = msg["fn"](*msg["args"], **msg["kwargs"])
    # A stopped message is post-processed only by the handlers that processed it.
    stack = _LOCAL.handlers
    for handler in stack[len(stack) - reached :]:
        handler.postprocess_message(msg)
    return msg


class Messenger:
    """An effect handler: a context manager that pushes itself on the handler stack, or a
    wrapper of ``fn`` that runs it inside itself (``handler(fn)(*args)``; ``@handler()`` as a
    decorator). Subclasses override ``process_message`` and ``postprocess_message``."""

    def __init__(self, fn=None) -> None:
        if fn is not None and not callable(fn):
            raise ValueError(f"Expected `fn` to be a Python callable object; got {type(fn)}.")
        self.fn = fn
        if fn is not None:
            functools.update_wrapper(self, fn, updated=[])

    def __enter__(self):
        _LOCAL.handlers.append(self)

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        # On an error, drop this handler and every handler entered after it.
        stack = _LOCAL.handlers
        if self in stack:
            del stack[stack.index(self) :]

    def process_message(self, msg: dict) -> None:
        pass

    def postprocess_message(self, msg: dict) -> None:
        pass

    def __call__(self, *args, **kwargs):
        if self.fn is None:
            if len(args) != 1 or kwargs or not callable(args[0]):
                raise TypeError("a handler without `fn` is called with one function to wrap")
            self.fn = args[0]
            functools.update_wrapper(self, self.fn, updated=[])
            return self
        with self:
            return self.fn(*args, **kwargs)


def prng():
    """The generator the enclosing ``seed`` handler gives (``dnp.infer``'s default outside
    any): NumPyro's ``prng_key()``."""
    msg = {
        "type": "rng",
        "fn": as_generator,
        "args": (),
        "kwargs": {"rng": None},
        "value": None,
    }
    return apply_stack(msg)["value"]


def sample(
    name: str,
    fn: Distribution,
    obs=None,
    rng=None,
    sample_shape=(),
    infer=None,
    obs_mask=None,
):
    """A random variable ``name`` drawn from the distribution ``fn``, or observed at ``obs``.
    See ``numpyro.sample``.

    ``rng`` (a ``dnp.random.Generator`` or int seed), where given, draws this site in place of
    the ``seed`` handler's generator.
    ``obs_mask`` (boolean, broadcast with ``fn.batch_shape``) observes ``obs`` where True and
    samples elsewhere, as two sites ``name + "_observed"`` and ``name + "_unobserved"`` joined
    in a deterministic site ``name``.
    """
    if not isinstance(fn, Distribution):
        raise TypeError(f"sample site {name!r}: fn must be a Distribution, got {type(fn)}")
    if obs_mask is not None:
        return _masked_observe(name, fn, obs, obs_mask, rng, infer)
    msg = {
        "type": "sample",
        "name": name,
        "fn": fn,
        "args": (),
        "kwargs": {
            "rng": None if rng is None else as_generator(rng),
            "sample_shape": tuple(sample_shape),
        },
        "value": obs,
        "scale": None,
        "is_observed": obs is not None,
        "cond_indep_stack": [],
        "infer": {} if infer is None else infer,
    }
    return apply_stack(msg)["value"]


def _masked_observe(name, fn, obs, obs_mask, rng, infer):
    obs_mask = dnp.asarray(obs_mask)
    observed = sample(f"{name}_observed", fn.mask(obs_mask), obs=obs, rng=rng, infer=infer)
    unobserved = sample(f"{name}_unobserved", fn.mask(~obs_mask), rng=rng, infer=infer)
    batch_mask = dnp.reshape(obs_mask, obs_mask.shape + (1,) * fn.event_dim)
    return deterministic(name, dnp.where(batch_mask, observed, unobserved))


def _param_value(init_value, constraint=None, event_dim=None):
    return init_value(prng()) if callable(init_value) else init_value


def param(
    name: str,
    init_value=None,
    constraint=constraints.real,
    event_dim: int | None = None,
):
    """A parameter ``name`` of the model, ``init_value`` unless a handler (``substitute``) gives
    its value. See ``numpyro.param``.

    ``init_value`` may be a callable of a ``dnp.random.Generator`` (the seed's) returning the
    array. ``constraint`` and ``event_dim`` are recorded for inference (the value is not
    checked); inside a subsampled ``plate``, the batch axes left of ``event_dim`` are subsampled.
    """
    msg = {
        "type": "param",
        "name": name,
        "fn": _param_value,
        "args": (init_value,),
        "kwargs": {"constraint": constraint, "event_dim": event_dim},
        "value": None,
        "scale": None,
        "cond_indep_stack": [],
    }
    return apply_stack(msg)["value"]


def deterministic(name: str, value):
    """Record ``value`` in the trace as site ``name`` and return it. See
    ``numpyro.deterministic``."""
    msg = {"type": "deterministic", "name": name, "value": value}
    return apply_stack(msg)["value"]


def factor(name: str, log_factor) -> None:
    """Add ``log_factor`` (broadcast over enclosing plates) to the model's log density, as the
    observed site ``name`` of a ``Unit`` distribution. See ``numpyro.factor``."""
    unit = Unit(log_factor)
    sample(name, unit, obs=unit.sample(), infer={"is_auxiliary": True})


def _subsample(size, subsample_size, rng=None):
    """``subsample_size`` distinct indices of ``range(size)``, drawn from ``rng``."""
    return as_generator(rng).choice(size, subsample_size, replace=False)


class plate(Messenger):
    """A batch of ``size`` conditionally independent copies along array axis ``dim`` (the
    rightmost free one, -1 then -2 when nested, unless given). See ``numpyro.plate``.

    Sample sites inside have their distribution's batch broadcast to the plate's shape (a
    ``sample_shape`` joins the batch). With ``subsample_size``, ``with plate(...) as idx`` gives
    that many indices drawn without replacement from the seed's generator, and the sites' log
    densities are scaled by ``size / subsample_size``; without, ``idx`` is ``arange(size)``.
    """

    def __init__(self, name: str, size: int, subsample_size: int | None = None, dim=None):
        if size <= 0:
            raise ValueError(f"plate {name!r}: size must be positive, got {size}")
        if subsample_size is not None and not 0 < subsample_size <= size:
            raise ValueError(
                f"plate {name!r}: subsample_size must be in [1, {size}], got {subsample_size}"
            )
        if dim is not None and dim >= 0:
            raise ValueError("dim arg must be negative.")
        self.name = name
        self.size = size
        self.dim, self._indices = self._subsample(name, size, subsample_size, dim)
        self.subsample_size = int(self._indices.shape[0])
        super().__init__()

    @staticmethod
    def _subsample(name, size, subsample_size, dim):
        subsampled = subsample_size is not None and subsample_size != size
        msg = {
            "type": "plate",
            "name": name,
            "fn": _subsample,
            "args": (size, subsample_size),
            "kwargs": {"rng": None},
            "value": None if subsampled else dnp.arange(size),
            "scale": 1.0,
            "cond_indep_stack": [],
        }
        apply_stack(msg)
        occupied = {frame.dim for frame in msg["cond_indep_stack"]}
        if dim is None:
            dim = -1
            while dim in occupied:
                dim -= 1
        elif dim in occupied:
            raise ValueError(f"plate {name!r}: dim {dim} is already used by an enclosing plate")
        return dim, msg["value"]

    def __enter__(self):
        super().__enter__()
        return self._indices

    def process_message(self, msg: dict) -> None:
        if msg["type"] not in ("param", "sample", "plate"):
            return
        stack = msg["cond_indep_stack"]
        stack.append(CondIndepStackFrame(self.name, self.dim, self.subsample_size))
        if msg["type"] == "sample":
            msg["fn"] = msg["fn"].expand(self._batch_shape(msg))
        if self.size != self.subsample_size:
            scale = 1.0 if msg["scale"] is None else msg["scale"]
            msg["scale"] = scale * (self.size / self.subsample_size)

    def _batch_shape(self, msg: dict) -> tuple[int, ...]:
        """The site's batch (``sample_shape`` folded in) broadcast with the enclosing plates."""
        stack = msg["cond_indep_stack"]
        expected = [1] * max(-frame.dim for frame in stack)
        for frame in stack:
            expected[frame.dim] = frame.size
        site = tuple(msg["kwargs"]["sample_shape"]) + msg["fn"].batch_shape
        msg["kwargs"]["sample_shape"] = ()
        overlap = max(len(expected) - len(site), 0)
        try:
            trailing = dnp.broadcast_shapes(tuple(expected[overlap:]), site)
        except ValueError:
            raise ValueError(
                f"sample site {msg['name']!r} has batch shape {site}, which does not broadcast "
                f"with shape {tuple(expected)} of its enclosing plates (plate {self.name!r}: "
                f"size {self.subsample_size} at dim {self.dim})"
            ) from None
        return tuple(expected[:overlap]) + trailing

    def postprocess_message(self, msg: dict) -> None:
        if msg["type"] != "param" or msg["kwargs"]["event_dim"] is None:
            return
        dim = self.dim - msg["kwargs"]["event_dim"]
        shape = dnp.shape(msg["value"])
        if len(shape) < -dim or shape[dim] == 1:
            return
        if shape[dim] != self.size:
            raise ValueError(
                f"Inside plate({self.name!r}, {self.size}, dim={self.dim}) invalid shape of "
                f"param({msg['name']!r}, ..., event_dim={msg['kwargs']['event_dim']}): {shape}"
            )
        if self.subsample_size < self.size:
            msg["value"] = dnp.take(msg["value"], self._indices, axis=dim)
