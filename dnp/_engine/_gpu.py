"""The GPU-stream engine: GPU ops on a small pool of CUDA streams per device, ordered by events.

It implements the engine's interface (``dnp/_engine/__init__.py``): ``push`` a kernel with the
memory owners it reads and writes, ``wait`` for one owner, ``wait_all``. A CuPy call launches
its kernel and returns, so the calling thread already runs ahead of the device: the GPU needs
no worker threads. What it needs from the engine is that independent
kernels go to different streams (the device may then run them at once) and dependent ones stay
ordered. Each GPU op is launched here, in the calling thread:

- its stream: the stream of the pending writer of its first input that has one (a chain stays
  on one stream, ordered without events), else the next stream in turn;
- before it, its stream waits for the event of the last writer of each memory owner it reads
  (read-after-write) and, for each it writes, also for the events of the readers since
  (write-after-read), whenever they ran on another stream;
- after it, an event recorded on its stream becomes the last writer of what it writes and of
  its new results, and a reader of what it reads (a result that is a view of an input is read).

The host blocks only at sync points: an array's sync point (``asnumpy()``, ``item()``,
printing...) waits for the event of the last op writing its memory (``wait``), ``waitall()``
for every stream (``wait_all``). The streams are blocking streams, so work on them also waits
for CuPy's uploads of NumPy data, which run on the legacy default stream (CuPy's default).
CuPy's memory pool hands a freed block to later work on the stream it was allocated on; a block
still being read or written by another stream must not be handed out, so the buffers of each op
are kept until its event has completed.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from ._vars import owner_of

STREAMS_PER_DEVICE = 4
# Ops whose buffers are kept at most; past this, the launching thread waits for the oldest.
KEPT_LIMIT = 4096


class _Use:
    """What is pending on one memory owner: its last writer and the readers since, as
    ``(stream, event)``, readers one per stream."""

    __slots__ = ("writer", "readers")

    def __init__(self) -> None:
        self.writer: tuple | None = None
        self.readers: dict[Any, Any] = {}


class DeviceStreams:
    """The streams of one device and what is pending on its memory."""

    def __init__(self, device) -> None:
        self.device = device
        cuda = device.xp.cuda
        with device.activate():
            self.streams = [cuda.Stream(non_blocking=False) for _ in range(STREAMS_PER_DEVICE)]
        self.turn = 0
        self.uses: dict[int, _Use] = {}  # by id of memory owner
        self.kept: collections.deque = collections.deque()  # (event, buffers, owner ids)
        self.lock = threading.Lock()

    def launch(self, kernel, xargs: list, xkwargs: dict, reads: list, writes: list) -> Any:
        """Run ``kernel(*xargs, **xkwargs)``, which reads ``reads`` and writes ``writes``
        (memory owners), on a stream chosen and ordered as above."""
        with self.lock:
            self._release_done()
            stream = self._pick(reads)
            waited: set = set()
            for o in reads:
                use = self.uses.get(id(o))
                if use is not None and use.writer is not None:
                    self._wait(stream, use.writer, waited)
            for o in writes:
                use = self.uses.get(id(o))
                if use is not None:
                    for pair in use.readers.items():
                        self._wait(stream, pair, waited)
            with self.device.activate(), stream:
                res = kernel(*xargs, **xkwargs)
            event = stream.record()
            buffers = _buffers(res, self.device.xp.ndarray)
            read_ids = {id(o) for o in reads}
            fresh = [o for o in map(owner_of, buffers) if id(o) not in read_ids]  # not views
            written_ids = {id(o) for o in writes}
            for o in writes + fresh:
                use = self._use(o)
                use.writer = (stream, event)
                use.readers = {}
                written_ids.add(id(o))
            for o in reads:
                if id(o) not in written_ids:
                    self._use(o).readers[stream] = event
            keys = written_ids | read_ids
            self.kept.append((event, (xargs, xkwargs, buffers), keys))
        return res

    def _pick(self, reads: list):
        for o in reads:
            use = self.uses.get(id(o))
            if use is not None and use.writer is not None:
                return use.writer[0]
        stream = self.streams[self.turn]
        self.turn = (self.turn + 1) % len(self.streams)
        return stream

    @staticmethod
    def _wait(stream, pending: tuple, waited: set) -> None:
        other, event = pending
        if other is not stream and id(event) not in waited:
            stream.wait_event(event)
            waited.add(id(event))

    def _use(self, owner) -> _Use:
        use = self.uses.get(id(owner))
        if use is None:
            use = self.uses[id(owner)] = _Use()
        return use

    def _release_done(self) -> None:
        """Drop the buffers and the records of ops that have completed (oldest first)."""
        kept = self.kept
        while kept and (len(kept) > KEPT_LIMIT or kept[0][0].done):
            event, _buffers_of_op, keys = kept.popleft()
            event.synchronize()  # at once when done; past the limit, the oldest is waited for
            for key in keys:
                use = self.uses.get(key)
                if use is None:
                    continue
                if use.writer is not None and use.writer[1] is event:
                    use.writer = None
                for s, e in list(use.readers.items()):
                    if e is event:
                        del use.readers[s]
                if use.writer is None and not use.readers:
                    del self.uses[key]

    def synchronize(self) -> None:
        """Block until every op launched on this device has completed."""
        with self.lock:
            for s in self.streams:
                s.synchronize()
            self.kept.clear()
            self.uses.clear()


def _buffers(res, array_type) -> list:
    """The device arrays in an op's result (looking inside tuples and lists)."""
    if isinstance(res, array_type):
        return [res]
    if isinstance(res, (tuple, list)):
        found = []
        for r in res:
            found.extend(_buffers(r, array_type))
        return found
    return []


DEVICES: dict[Any, DeviceStreams] = {}
_devices_lock = threading.Lock()


def streams_of(device) -> DeviceStreams:
    state = DEVICES.get(device)
    if state is None:
        with _devices_lock:
            state = DEVICES.get(device)
            if state is None:
                state = DEVICES[device] = DeviceStreams(device)
    return state


def push(fn, args: list, kwargs: dict, reads: list, writes: list, device) -> Any:
    """Launch ``fn(*args, **kwargs)``, one GPU op's kernel, which reads ``reads`` and writes
    ``writes`` (memory owners), on ``device``'s streams (see the module docstring); its result
    (CuPy arrays, computed in stream order)."""
    return streams_of(device).launch(fn, args, kwargs, reads, writes)


def wait_all() -> None:
    """Block until every GPU op launched so far has completed (``waitall()``)."""
    for state in list(DEVICES.values()):
        state.synchronize()


def wait(owner, device) -> None:
    """Block until the last op writing ``owner``'s memory on ``device`` has completed (a sync
    point: CuPy's host copies would wait anyway on the legacy default stream; this does not
    rely on it)."""
    state = DEVICES.get(device)
    use = None if state is None else state.uses.get(id(owner))
    if use is not None and use.writer is not None:
        use.writer[1].synchronize()
