"""Effect handlers (NumPyro's ``numpyro.handlers``): small composable ``Messenger``s that record,
seed, condition, substitute, hide, scale, mask or replay the sites of a model.

Each is a wrapper, ``handler(model, ...)(*args)``, and a context manager, ``with handler(...):``
(see ``dnp.infer.primitives`` for the messages they see)::

    exec_trace = trace(seed(model, 0)).get_trace(data)
    with seed(rng_seed=0), trace() as tr:
        model(data)
"""

from __future__ import annotations

from collections import OrderedDict

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.primitives import Messenger

__all__ = ["block", "condition", "mask", "replay", "scale", "seed", "substitute", "trace"]


class trace(Messenger):
    """Record every named site's message, in program order. See ``numpyro.handlers.trace``.

    ``with trace() as tr:`` gives the ordered dict it fills; ``trace(fn).get_trace(*args,
    **kwargs)`` runs ``fn`` and returns it. Two sample or deterministic sites of one name raise
    AssertionError, as NumPyro's.
    """

    def __enter__(self):
        super().__enter__()
        self.trace = OrderedDict()
        return self.trace

    def postprocess_message(self, msg: dict) -> None:
        if "name" not in msg:
            return
        if msg["type"] in ("sample", "deterministic") and msg["name"] in self.trace:
            raise AssertionError(
                f"all sites must have unique names but got `{msg['name']}` duplicated"
            )
        self.trace[msg["name"]] = msg.copy()

    def get_trace(self, *args, **kwargs) -> OrderedDict:
        """Run the wrapped model on the arguments and return its trace."""
        self(*args, **kwargs)
        return self.trace


class seed(Messenger):
    """Give the latent sample sites, plates that subsample and ``param`` initializers inside one
    ``dnp.random.Generator``: ``rng_seed`` itself or ``dnp.random.default_rng(rng_seed)``. See
    ``numpyro.handlers.seed``.

    Each site takes the generator's next draws, so a model seeded with the same int gives the
    same values in the same program order; the generator advances across calls, as NumPyro's key
    does. Message types in ``hide_types`` are left unseeded.
    """

    def __init__(self, fn=None, rng_seed=None, hide_types=None) -> None:
        self.rng = as_generator(rng_seed)
        self.hide_types = () if hide_types is None else tuple(hide_types)
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] in self.hide_types:
            return
        latent = msg["type"] == "sample" and not msg["is_observed"]
        if not (latent or msg["type"] in ("rng", "plate")) or msg["value"] is not None:
            return
        if msg["kwargs"]["rng"] is None:
            msg["kwargs"]["rng"] = self.rng


class condition(Messenger):
    """Observe sample sites at values: ``data[name]``, or ``condition_fn(msg)`` where not None.
    See ``numpyro.handlers.condition``."""

    def __init__(self, fn=None, data=None, condition_fn=None) -> None:
        if (data is None) == (condition_fn is None):
            raise ValueError("Only one of `data` or `condition_fn` should be provided.")
        self.data = data
        self.condition_fn = condition_fn
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] != "sample":
            return
        value = self.data.get(msg["name"]) if self.condition_fn is None else self.condition_fn(msg)
        if value is not None:
            msg["value"] = value
            msg["is_observed"] = True


class substitute(Messenger):
    """Give sample, param, plate and deterministic sites values, ``data[name]`` or
    ``substitute_fn(msg)`` where not None, without observing them. See
    ``numpyro.handlers.substitute``."""

    def __init__(self, fn=None, data=None, substitute_fn=None) -> None:
        if (data is None) == (substitute_fn is None):
            raise ValueError("Only one of `data` or `substitute_fn` should be provided.")
        self.data = data
        self.substitute_fn = substitute_fn
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] not in ("sample", "param", "plate", "deterministic"):
            return
        value = (
            self.data.get(msg["name"]) if self.substitute_fn is None else self.substitute_fn(msg)
        )
        if value is not None:
            msg["value"] = value


class block(Messenger):
    """Hide sites from the handlers outside this one: those where ``hide_fn(msg)`` is True, or
    named in ``hide``, or whose type is not in ``expose_types``, or not named in ``expose``
    (the first of these given; all sites when none is). See ``numpyro.handlers.block``."""

    def __init__(self, fn=None, hide_fn=None, hide=None, expose_types=None, expose=None) -> None:
        if hide_fn is not None:
            self.hide_fn = hide_fn
        elif hide is not None:
            self.hide_fn = lambda msg: msg.get("name") in hide
        elif expose_types is not None:
            self.hide_fn = lambda msg: msg["type"] not in expose_types
        elif expose is not None:
            self.hide_fn = lambda msg: msg.get("name") not in expose
        else:
            self.hide_fn = lambda msg: True
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if self.hide_fn(msg):
            msg["stop"] = True


class scale(Messenger):
    """Multiply the log density of sample sites (and param/plate scales) by ``scale``, a
    positive number or array broadcast with the sites' batch. See ``numpyro.handlers.scale``."""

    def __init__(self, fn=None, scale=1.0) -> None:
        if bool(dnp.any(dnp.asarray(scale) <= 0)):
            raise ValueError("'scale' argument should be positive.")
        self.scale = scale
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] not in ("param", "sample", "plate"):
            return
        msg["scale"] = self.scale if msg.get("scale") is None else self.scale * msg["scale"]


class mask(Messenger):
    """Keep the log density of sample sites where ``mask`` (a bool or boolean array broadcast
    with their batch) is True and zero it elsewhere, through ``Distribution.mask``. See
    ``numpyro.handlers.mask``."""

    def __init__(self, fn=None, mask=True) -> None:
        if not isinstance(mask, bool) and dnp.result_type(mask) != dnp.bool_:
            raise ValueError("`mask` should be a bool array.")
        self.mask = mask
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] == "sample":
            msg["fn"] = msg["fn"].mask(self.mask)


class replay(Messenger):
    """Give latent sample sites and plates the values they have in ``trace`` (a trace's
    ordered dict), e.g. a guide's. See ``numpyro.handlers.replay``."""

    def __init__(self, fn=None, trace=None) -> None:
        if trace is None:
            raise ValueError("replay needs a `trace`")
        self.trace = trace
        super().__init__(fn)

    def process_message(self, msg: dict) -> None:
        if msg["type"] not in ("sample", "plate") or msg["name"] not in self.trace:
            return
        site = self.trace[msg["name"]]
        if msg["type"] == "plate":
            if site["type"] != "plate":
                raise RuntimeError(f"Site {msg['name']} must be a plate in trace.")
            msg["value"] = site["value"]
            return
        if msg["is_observed"]:
            return
        if site["type"] != "sample" or site["is_observed"]:
            raise RuntimeError(f"Site {msg['name']} must be sampled in trace.")
        msg["value"] = site["value"]
        msg["infer"] = site["infer"].copy()
