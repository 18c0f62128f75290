"""Test code run in several user threads at once, and a thread that keeps the GIL."""

import contextlib
import sys
import threading
from collections.abc import Callable


def run_threads(work: Callable[[int], None], count: int, timeout: float = 60.0) -> None:
    """Run ``work(k)`` for each ``k`` in ``range(count)``, each in a thread of its own, all at
    once; fail if one is still running after ``timeout`` seconds (a deadlock), and raise the
    first error one of them raised."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # raised below, in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "deadlock: a thread never finished"
    if errors:
        raise errors[0]


@contextlib.contextmanager
def gil_kept():
    """A switch interval of 1 s while the block runs: a thread running Python keeps the GIL, and
    the others get it only when it blocks or calls C code that lets it go."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
