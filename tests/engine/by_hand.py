"""Work pushed to the engine by hand, for tests that need an op to wait (a gate), and the
opening of a gate at a point set by what the engine does, not by how long anything takes."""

import contextlib
import threading
import time
import types
from collections.abc import Callable, Iterator

from dnp._engine import _threaded, _vars


class Gate(threading.Event):
    """An event that ops pushed by hand wait for (``push_by_hand(gate.wait, ...)``), counting
    the workers it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.holds = 0
        self._count = threading.Lock()

    def wait(self, timeout: float | None = None) -> bool:
        with self._count:
            self.holds += 1
        try:
            return super().wait(timeout)
        finally:
            with self._count:
                self.holds -= 1


def push_by_hand(fn, name: str, writes: list, *, reads: tuple = (), light: bool = False) -> None:
    """Push ``fn()`` as an op named ``name`` that writes the dnp arrays ``writes`` (and reads
    ``reads``): later ops on them wait for it as for such an op (a gate:
    ``push_by_hand(gate.wait, ...)``)."""
    stand_in = types.SimpleNamespace(name=name)  # the engine reads an op row's name
    owners = [_vars.owner_of(a._buf) for a in writes]
    read = [_vars.owner_of(a._buf) for a in reads]
    _threaded.push(fn, (), {}, stand_in, 0, read, owners, [], light=light)


def filled_later(x, values) -> Gate:
    """Make dnp array ``x`` pending: a pushed op writes ``values`` into it once the returned gate
    opens. An op that read ``x`` before would see its old values; one that wrote it before would
    be overwritten."""
    gate = Gate()
    buf = x._buf

    def fill() -> None:
        gate.wait()
        buf[...] = values

    push_by_hand(fill, "fill", [x])
    return gate


@contextlib.contextmanager
def opened_when_blocked(gate: Gate, first: Callable[[], None] | None = None) -> Iterator[None]:
    """Open ``gate`` once a thread has blocked in the engine while the block runs (a call
    waiting for an op behind the gate, a push waiting for room), or else once the block has
    ended, and nothing but the gate holds work back: then ``first()`` and the opening, with the
    blocked thread still blocked. Whatever the timing, an op that ought to wait for the gate
    but does not has run before it opens, and a call that waits for it cannot hang the test.
    (Whatever waits in the block must wait for the gate.)"""
    go, ended = threading.Event(), threading.Event()
    wait_changed = _threaded._wait_changed

    def spy(var=None, everything=False) -> None:
        go.set()
        wait_changed(var, everything)

    def opener() -> None:
        go.wait()
        while True:
            with _vars.LOCK:  # free while the blocked thread waits in _wait_changed
                if gate.is_set():
                    return
                # Every op ready or running is one the gate holds, or it holds every worker.
                if _threaded._ready <= gate.holds or gate.holds >= len(_threaded._workers):
                    if first is not None and not ended.is_set():
                        first()
                    gate.set()
                    return
            time.sleep(0.001)  # until the other ops have run: how long is not what is tested

    thread = threading.Thread(target=opener, daemon=True)
    _threaded._wait_changed = spy
    thread.start()
    try:
        yield
    finally:
        _threaded._wait_changed = wait_changed
        ended.set()
        go.set()
        thread.join()
