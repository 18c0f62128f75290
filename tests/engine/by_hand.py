"""Work pushed to the engine by hand, for tests that need an op to wait (a gate)."""

import types

from dnp._engine import _core


def push_by_hand(fn, name: str, writes: list, *, reads: tuple = (), light: bool = False) -> None:
    """Push ``fn()`` as an op named ``name`` that writes the dnp arrays ``writes`` (and reads
    ``reads``): later ops on them wait for it as for such an op (a gate:
    ``push_by_hand(event.wait, ...)``)."""
    stand_in = types.SimpleNamespace(name=name)  # the engine reads an op row's name
    owners = [_core.owner_of(a._buf) for a in writes]
    read = [_core.owner_of(a._buf) for a in reads]
    _core.push(fn, (), {}, stand_in, 0, read, owners, [], light=light)
