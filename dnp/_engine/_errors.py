"""Errors of ops that ran later: where they were called, and that none is ever lost.

An op's exception keeps its type; a note names the op and the user's file:line that created it.
It is *unreported* until a sync point raises it; ``waitall()`` raises unreported ones, and at
interpreter exit any still unreported are printed as a warning.
"""

from __future__ import annotations

import atexit
import copy
import os
import sys
import threading
import warnings

_DNP = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_unreported: dict[int, BaseException] = {}
_lock = threading.Lock()


# The ids of dnp's code objects met by ``caller`` (asked on every push: a set beats the string
# test). dnp's code lives as long as its modules, so an id here is never reused by other code.
_DNP_CODES: set[int] = set()
# Other code met by ``caller``, by id (held: an id must not be reused while it is here).
_OTHER_CODES: dict[int, object] = {}


def caller() -> tuple:
    """Where the user's call is: the innermost frame outside dnp, as its code and instruction
    offset (``location`` makes file:line of it, only when an error needs it). Frames are fetched
    by depth: following ``f_back`` would make a frame object of every frame on the way."""
    # Frames 1-5 are dnp's: push, the executor's execute, dispatch's run or _dispatch, what
    # called that (dispatch, the tape, or run itself), and what called that (dnp's functions and
    # methods call dispatch; the tape and run are called by dispatch).
    depth = 6
    get = sys._getframe
    try:
        while True:
            f = get(depth)
            code = f.f_code
            if _OTHER_CODES.get(id(code)) is code:
                return (code, f.f_lasti)
            if id(code) not in _DNP_CODES:
                if not code.co_filename.startswith(_DNP):
                    if len(_OTHER_CODES) >= 4096:  # code made on the fly (exec, lambdas)
                        _OTHER_CODES.clear()
                    _OTHER_CODES[id(code)] = code
                    return (code, f.f_lasti)
                _DNP_CODES.add(id(code))
            depth += 1
    except ValueError:  # the bottom of the stack: no frame outside dnp
        return (None, 0)


def location(where: tuple) -> tuple[str, int]:
    """The file and line of a ``caller()`` result."""
    code, offset = where
    if code is None:
        return ("<unknown>", 0)
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return (code.co_filename, line or 0)
    return (code.co_filename, code.co_firstlineno)


def record(exc: BaseException, name: str, where: tuple) -> BaseException:
    """Note on ``exc`` which op raised it and where (``caller()``) it was called; remember it as
    unreported."""
    where = location(where)
    annotate(exc, f"raised by dnp.{name}, called at {where[0]}:{where[1]}")
    exc.dnp_op = name
    exc.dnp_where = where
    # The worker's frames hold the op's arrays (a frame keeps its function, whose closure keeps
    # the outputs): drop them, or a failed array would live as long as its error, which lives
    # as long as the array. The note says where the op came from.
    exc.__traceback__ = None
    with _lock:
        _unreported[id(exc)] = exc
    return exc


def annotate(exc: BaseException, note: str) -> None:
    """Add ``note`` to ``exc``, keeping its type."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10: no notes; extend the message
        exc.args = (f"{exc.args[0] if exc.args else ''} ({note})", *exc.args[1:])


def reported(exc: BaseException) -> BaseException:
    """``exc``, no longer unreported, as a copy to raise: raising appends the raiser's frames
    (and their arrays) to the traceback, which must not stay on the stored error."""
    with _lock:
        _unreported.pop(id(exc), None)
    try:
        fresh = copy.copy(exc)
    except Exception:  # noqa: BLE001  # an exception that cannot be copied: raise it itself
        return exc
    fresh.__traceback__ = exc.__traceback__
    return fresh


def raise_unreported() -> None:
    """Raise the oldest error no sync point has raised yet (and forget it)."""
    with _lock:
        if not _unreported:
            return
        exc = next(iter(_unreported.values()))
    raise reported(exc)


def _at_exit() -> None:
    from . import _threaded

    try:
        _threaded.wait_all()
    except BaseException as exc:  # noqa: BLE001  # reported below, with any others
        with _lock:
            _unreported[id(exc)] = exc
    for exc in list(_unreported.values()):
        warnings.warn(
            f"dnp: an error no sync point raised: {type(exc).__name__}: {exc} "
            f"(dnp.{exc.dnp_op}, called at {exc.dnp_where[0]}:{exc.dnp_where[1]})",
            RuntimeWarning,
            stacklevel=1,
        )


atexit.register(_at_exit)
