"""Fixtures of the engine tests."""

import pytest

import dnp
from dnp._engine import _cost, _threaded


@pytest.fixture
def forced():
    """Every op with array inputs goes to the workers."""
    with dnp.engine.engine("threaded", inline_limit=0):
        yield
    dnp.waitall()


@pytest.fixture
def costs(monkeypatch):
    """The ops' weights, as the test sets them (none at first: every op weighs 1); timed runs
    leave them alone. What is pushed and handed over then follows from the test, not from how
    fast the ops ran on this machine, or how busy it was."""
    weights: dict = {}
    monkeypatch.setattr(_cost, "WEIGHTS", weights)
    monkeypatch.setattr(_cost, "observe", lambda *timing: None)
    return weights


@pytest.fixture
def pushed(monkeypatch):
    """The names of the ops pushed to the workers while a test runs."""
    names: list[str] = []
    push = _threaded.push

    def spy(fn, args, kwargs, op, *rest, **kw):
        names.append(op.name)
        return push(fn, args, kwargs, op, *rest, **kw)

    monkeypatch.setattr(_threaded, "push", spy)
    return names
