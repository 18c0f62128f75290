"""Metadata rules never run their op's own kernel at full size.

Every call the conformance tables make is recorded with its rule's arguments; then each rule runs
again on the same call with its arrays scaled up (every axis longer than 1 made ``SCALE`` times
longer; for creation ops, every integer of 2 or more made ``SCALE`` times larger). The work a
rule hands to its op's NumPy kernel (``op.kernel(numpy)`` or NumPy's own function) is counted:
the elements of the arrays it passes and gets back, except for calls that return only views of
what they were given, which compute nothing. A rule whose work grows with its inputs runs the op
at full size. The count is exact, so the outcome does not depend on the machine or its load;
the rule's time is bounded because its work is.
"""

from __future__ import annotations

import functools
import importlib
import pathlib
import warnings
from collections import defaultdict

import numpy
import pytest

import dnp
from dnp import _dispatch
from dnp._ops import OPS
from dnp._ops._row import Op

SCALE = 4
CALLS_PER_OP = 3


def _case_modules():
    root = pathlib.Path(__file__).parent / "ops"
    return [importlib.import_module(f"tests.ops.{p.stem}") for p in sorted(root.glob("test_*.py"))]


@functools.cache
def recorded_calls() -> dict[str, list]:
    """Up to CALLS_PER_OP calls per op whose rule described the result, from the case tables."""
    calls: dict[str, list] = defaultdict(list)
    original = _dispatch._meta_or_error

    def recording(op, args, kwargs):
        outcome = original(op, args, kwargs)
        described = outcome is not None and outcome[0] == "ok" and outcome[1] is not None
        if described and len(calls[op.name]) < CALLS_PER_OP:
            calls[op.name].append((args, dict(kwargs)))
        return outcome

    _dispatch._meta_or_error = recording
    try:
        with dnp.default_device("cpu"), warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for module in _case_modules():
                for c in getattr(module, "CASES", []):
                    try:
                        c.body(dnp)
                    except Exception:  # noqa: BLE001, S112  # invalid calls are cases too
                        continue
    finally:
        _dispatch._meta_or_error = original
    return dict(calls)


def _scaled(obj, scale: int, ints: bool):
    if isinstance(obj, dnp.ndarray):
        shape = tuple(n * scale if n > 1 else n for n in obj.shape)
        order = (
            "F" if obj.ndim > 1 and obj.flags.f_contiguous and not obj.flags.c_contiguous else "C"
        )
        return dnp.asarray(numpy.zeros(shape, obj.dtype, order=order))
    if type(obj) in (list, tuple):
        return type(obj)(_scaled(o, scale, ints) for o in obj)
    if type(obj) is dict:
        return {k: _scaled(v, scale, ints) for k, v in obj.items()}
    if ints and type(obj) is int and obj >= 2:
        return obj * scale
    return obj


def _arrays(obj):
    if isinstance(obj, numpy.ndarray):
        yield obj
    elif type(obj) in (list, tuple) or (isinstance(obj, tuple) and hasattr(obj, "_fields")):
        for o in obj:
            yield from _arrays(o)
    elif type(obj) is dict:
        for o in obj.values():
            yield from _arrays(o)


class _Counter:
    """Counts the elements the op's NumPy kernel reads and makes, while installed."""

    def __init__(self) -> None:
        self.work = 0

    def wrap(self, fn):
        @functools.wraps(fn)  # rules bind arguments to the kernel's signature
        def counted(*args, **kwargs):
            result = fn(*args, **kwargs)
            inputs = list(_arrays((args, kwargs)))
            outputs = list(_arrays(result if isinstance(result, (tuple, list)) else (result,)))
            views = outputs and all(any(numpy.shares_memory(r, a) for a in inputs) for r in outputs)
            if not views:
                self.work += sum(a.size for a in inputs) + sum(r.size for r in outputs)
            return result

        return counted


def rule_work(op: Op, args, kwargs) -> int | None:
    """The work ``op``'s rule hands its kernel for this call (None: the rule raised)."""
    counter = _Counter()
    kernel, numpy_function = op.kernel(numpy), Op.numpy_function
    op.kernels[numpy] = counter.wrap(kernel)
    Op.numpy_function = lambda self: (
        counter.wrap(numpy_function(self)) if self is op else numpy_function(self)
    )
    try:
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            op.meta(op, args, kwargs)
    except Exception:  # noqa: BLE001  # a scaled call may be invalid (a reshape to a fixed shape)
        return None
    finally:
        op.kernels[numpy], Op.numpy_function = kernel, numpy_function
    return counter.work


def test_the_tables_exercise_every_rule():
    """Every rule function that describes results (in-place ops' rules describe none) is run by
    some recorded call; rows sharing a rule (a ufunc method's) are covered by any of them."""
    calls = recorded_calls()
    rules = {op.meta for op in OPS.values() if op.meta is not None and not op.inplace}
    exercised = {OPS[name].meta for name in calls}
    assert not rules - exercised, sorted(
        getattr(r, "__qualname__", repr(r)) for r in rules - exercised
    )


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.meta is not None))
def test_a_rule_does_not_grow_with_its_inputs(name):
    op = OPS[name]
    calls = recorded_calls().get(name)
    if not calls:
        pytest.skip("no table case reaches this rule")
    for args, kwargs in calls:
        small = rule_work(op, _scaled(args, 1, False), _scaled(kwargs, 1, False))
        large = rule_work(
            op, _scaled(args, SCALE, op.creation), _scaled(kwargs, SCALE, op.creation)
        )
        if small is None or large is None:
            continue
        assert large <= small, (
            f"dnp.{name}'s metadata rule runs its kernel on data that grows with its inputs "
            f"({small} elements, then {large} on inputs {SCALE} times longer)"
        )
