"""The naive engine: every op runs at once, in the calling thread (MXNet's NaiveEngine).

It implements the engine's interface (``dnp/_engine/__init__.py``) trivially: nothing is ever
pending, so there is no Var to make, and waiting is the threaded engine's ``wait``/``wait_all``,
which return at once when nothing is pending. The reference the threaded engine is tested against,
and good for debugging (``dnp.engine.set_engine("naive")``). On the CPU, dispatch runs the naive
engine's calls itself (its inline path, the same thing); GPU calls come here.
"""

from __future__ import annotations

from typing import Any


def push(fn, args, kwargs: dict, reads=(), writes=()) -> Any:
    """Run ``fn(*args, **kwargs)`` now; its result."""
    return fn(*args, **kwargs)
