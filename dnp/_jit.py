"""``dnp.jit(f)``: trace a function once per signature of its arguments, then replay the trace.

The first call with a given signature (the shapes, dtypes and devices of the array arguments,
which of them are one array, the values of the other arguments, training mode, the default
device and NumPy's errstate) runs ``f`` as usual while recording every op it dispatches, the
backward pass of ``autograd.value_and_grad`` included. Later calls with that signature skip
``f``'s Python code, the tape and the per-op work of dispatch and the engine: they run the
recorded kernels straight through, generated as one Python function (simplified first:
``_Trace.simplify``), which the engine runs as one op. This is the contract of JAX's ``jit``,
with a fallback instead of an error where a trace cannot stand for ``f``:

- every op must have a metadata rule (its result's shape follows from the signature): draws of
  ``dnp.random`` and data-dependent shapes (``nonzero``, boolean masks) are not replayed;
- no value may be read back into Python while tracing (``float(x)``, ``if x > 0:``, ``print``);
- ``f`` must return arrays it made (not its arguments, views of them or arrays it captured),
  nested in tuples, lists and dicts; on a GPU, it may write in place only into arrays it made.

Python numbers among the arguments are part of the signature (as ``static_argnums`` in JAX): a
value that changes on every call (a decaying learning rate) is better passed as a 0-d array.
Python loops in ``f`` are unrolled into the trace, which holds every intermediate array until
the trace ends (a replay frees each after its last use).

A signature whose trace breaks a rule runs ``f`` eagerly on every call (nothing is lost but
speed); ``Jitted.eager_reasons`` says why. An op that raises while tracing is such a break (``f``
may handle the error); one that raises in a replay makes ``f`` run for that call instead, unless
the replay already wrote into an argument: then the error is raised, naming the op.

As with ``jax.jit``, a replay does not repeat ``f``'s Python side effects, and non-array values
``f`` reads from globals or closures are those of the trace; arrays it captures are read at each
call, with their current values. Calls while autograd records run ``f`` eagerly, so the tape
sees its ops.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy

from . import _dispatch, _ndarray
from ._backend import CPU, _default
from ._dispatch import written
from ._engine._core import VARS, owner_of, pending
from ._engine._errors import annotate, caller, location
from ._ndarray import _new, ndarray
from ._ops import OPS, Op
from .autograd import is_recording, is_training

_state = _ndarray.TRACES  # .tracer: the trace this thread records, or None
_counting = threading.Lock()


MAX_SIGNATURES = 256  # traces kept per function, then forgotten all at once


class _Untraceable(Exception):
    """Why a trace cannot be replayed."""


class _Rerun(Exception):
    """A replay raised before writing anything its caller can see: ``f`` runs instead, and
    raises the error (or handles it) as it does."""


# --- the signature of a call -----------------------------------------------------------------
try:  # NumPy's floating-point error state is one context variable: a new value when it changes
    from numpy._core._ufunc_config import _extobj_contextvar as _EXTOBJ
except ImportError:  # pragma: no cover  # another layout: ask geterr() every time
    _EXTOBJ = None
_ERRSTATES: dict[int, tuple] = {}  # id(state object) -> (it, its geterr() items)


def _errstate() -> tuple:
    """``numpy.geterr()`` as a tuple of items (remembered per state object: geterr costs a
    microsecond, this lookup a tenth of one)."""
    if _EXTOBJ is None:
        return tuple(numpy.geterr().items())
    obj = _EXTOBJ.get()
    hit = _ERRSTATES.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    state = tuple(numpy.geterr().items())
    if len(_ERRSTATES) >= 64:
        _ERRSTATES.clear()
    _ERRSTATES[id(obj)] = (obj, state)  # held: its id is not reused while it is here
    return state


_STATIC = frozenset((int, float, bool, complex, str, type(None), type(Ellipsis)))


def _signature(obj: Any, key: list, arrays: list) -> None:
    """Append ``obj``'s part of the cache key to ``key`` and its dnp arrays to ``arrays``;
    raise TypeError for a value that cannot be part of a key."""
    t = type(obj)
    if t is ndarray:
        buf = obj._buf
        key.append((buf.shape, buf.dtype, obj._device.name))
        arrays.append(obj)
    elif t is float or t is complex:  # by their bits: -0.0 == 0.0, and nan != nan
        key.append((t, repr(obj)))
    elif t in _STATIC or isinstance(obj, (numpy.dtype, type)):
        key.append((t, obj))
    elif t is slice:
        key.append((t, obj.start, obj.stop, obj.step))
    elif t in (tuple, list):
        key.append((t, len(obj)))
        for x in obj:
            _signature(x, key, arrays)
    elif t is dict:
        key.append((t, *obj))
        for x in obj.values():
            _signature(x, key, arrays)
    elif isinstance(obj, numpy.generic):
        key.append(t)
        _signature(obj.item(), key, arrays)
    else:
        raise TypeError(t.__name__)


def _key(args: tuple, kwargs: dict) -> tuple[tuple, list[ndarray]] | None:
    """The call's cache key and its dnp arrays, in order; None when an argument cannot be keyed
    (NumPy arrays, objects)."""
    key: list = [is_training(), _default.get().name, _errstate()]
    arrays: list[ndarray] = []
    try:
        for a in args:  # arrays inline: this is on every call's path
            if type(a) is ndarray:
                buf = a._buf
                key.append((buf.shape, buf.dtype, a._device.name))
                arrays.append(a)
            else:
                _signature(a, key, arrays)
        if kwargs:
            _signature(kwargs, key, arrays)
    except TypeError:
        return None
    if len(arrays) > 1:  # the same buffer passed twice is one name in the trace
        ids = [id(a._buf) for a in arrays]
        if len(set(ids)) < len(ids):
            key.append(tuple(ids.index(i) for i in ids))
    return tuple(key), arrays


# --- tracing: what f dispatched, as lines of a Python function ---------------------------------
class _Step:
    """One op of the trace: ``call`` (its kernel's call, with the program's names of what it
    reads), the names it ``reads`` and ``defines`` (one per array it made; ``multi``: it returns
    a sequence), whether it writes in place (``effect``), and its op (a row) and call site."""

    __slots__ = (
        "kernel",
        "call",
        "reads",
        "defines",
        "multi",
        "effect",
        "op",
        "where",
        "errstate",
        "writes",
    )

    def __init__(self, kernel, call, reads, defines, multi, effect, op, where) -> None:
        self.kernel, self.call, self.reads, self.defines = kernel, call, reads, defines
        self.multi, self.effect, self.op, self.where = multi, effect, op, where
        self.errstate = _errstate()  # numpy.errstate inside f: the replay sets it around the step
        self.writes: set[int] = set()  # ids of the memory owners it writes into


_NAME = re.compile(r"\b[tvn]\d+(?:_\w+)?\b")


class _Trace:
    """The ops one call of ``f`` dispatched, keyed by the buffers they read and made."""

    def __init__(self, inputs: list[ndarray]) -> None:
        self.names: dict[int, str] = {}  # id(buffer) -> its name in the program
        # name -> the array it named while tracing (held: the ids above stay unique); ``t``
        # names are what f's ops made, ``a`` and ``c`` its inputs and the arrays it captured
        self.arrays: dict[str, ndarray] = {}
        self.owners: dict[str, int] = {}  # name -> id of its memory's owner
        # ids of the memory owners of inputs and captured arrays -> their parameters' positions
        self.external: dict[int, list[int]] = {}
        self.written: set[int] = set()  # positions of those whose memory f writes into
        self.namespace: dict[str, Any] = {"_arr": numpy.asarray, "_errstate": numpy.errstate}
        self.captured: list[ndarray] = []  # arrays f read but did not make: inputs after inputs
        self.host: set[str] = set()  # names of values read at each call (NumPy arrays, lists)
        self.host_owners: set[int] = set()  # ids of those NumPy arrays' memory owners
        self.steps: list[_Step] = []
        self.device = inputs[0]._device if inputs else _default.get()
        self.inputs = len(inputs)
        self.failure: str | None = None
        self.errstate = _errstate()  # the caller's (part of the key)
        self._count = itertools.count()
        for i, a in enumerate(inputs):
            self._bind(a, f"a{i}")
            self.external.setdefault(id(owner_of(a._buf)), []).append(i)

    def _bind(self, arr: ndarray, name: str) -> None:
        self.names[id(arr._buf)] = name
        self.arrays[name] = arr
        self.owners[name] = id(owner_of(arr._buf))

    # --- the seam: dispatch's run hands each call here while this thread traces -------------
    def call(self, op: Op, args: tuple, kwargs: dict) -> Any:
        _state.tracer = None  # neither the call nor its metadata rule is traced again
        try:
            try:
                result = _dispatch.run(op, args, kwargs)
            except Exception:
                if self.failure is None:  # f may handle it: what it does next depends on it
                    self.failure = f"dnp.{op.name} raised while tracing"
                raise
            if self.failure is None:
                try:
                    self._record(op, args, kwargs, result)
                except _Untraceable as exc:
                    self.failure = str(exc)
                except Exception as exc:  # noqa: BLE001  # a trace never changes what f does
                    self.failure = f"dnp.{op.name} could not be traced ({exc!r})"
        finally:
            _state.tracer = self
        return result

    def read_back(self) -> None:
        """A value left dnp for Python (a sync point): what ``f`` does next may depend on it."""
        if self.failure is None:
            self.failure = "a value was read back into Python while tracing (a sync point)"

    def _record(self, op: Op, args: tuple, kwargs: dict, result: Any) -> None:
        if op.signature_only and not isinstance(result, ndarray):
            return  # a value of the signature: nothing to replay
        if not (op.inplace and result is None) and (
            op.meta is None or op.meta(op, args, kwargs) is None
        ):  # only a write in place can be replayed whatever its shapes
            raise _Untraceable(f"dnp.{op.name}: its result depends on values or random state")
        reads: set[str] = set()
        parts = [self._expr(a, reads) for a in args]
        for k, v in kwargs.items():
            if not (op.creation and k in ("device", "like")):  # dispatch's, not the kernel's
                parts.append(f"{k}={self._expr(v, reads)}")
        effect, owners = False, set()
        for t in written(op, args, kwargs):
            owners.add(id(owner_of(t._buf)))
            if id(owner_of(t._buf)) in self.host_owners:  # f made that NumPy array afresh
                raise _Untraceable(f"dnp.{op.name} writes into NumPy data f passed to dnp")
            positions = self.external.get(id(owner_of(t._buf)))
            if positions is not None:  # an argument's or a captured array's memory
                if self.device is not CPU:  # its engine would not know the program writes it
                    raise _Untraceable(f"dnp.{op.name} writes into an argument on a GPU")
                self.written.update(positions)
            effect = True
        n = next(self._count)
        kernel = op.kernel(self.device.xp)
        self.namespace[f"k{n}"] = kernel
        call = f"k{n}({', '.join(parts)})"
        if isinstance(result, ndarray):
            multi, results = False, (result,)
        elif isinstance(result, (tuple, list)):
            multi, results = True, result
        elif result is None and effect:
            multi, results = False, ()
        else:
            raise _Untraceable(f"dnp.{op.name} returned a Python value")
        defines = []
        for k, r in enumerate(results):
            if not isinstance(r, ndarray):
                raise _Untraceable(f"dnp.{op.name} returned {type(r).__name__} values")
            if r._device is not self.device:
                raise _Untraceable(f"dnp.{op.name} made an array on another device")
            name = f"t{n}_{k}" if multi else f"t{n}"
            if id(r._buf) in self.names:  # an input returned (asarray(x), out=)
                defines.append(None)
            else:
                self._bind(r, name)
                defines.append(name)
        if not effect and not any(defines):
            return  # it returned what it was given: nothing to replay
        step = _Step(kernel, call, reads, defines, multi, effect, op, location(caller()))
        step.writes = owners
        self.steps.append(step)

    def _expr(self, x: Any, reads: set) -> str:
        """The program's expression for argument ``x`` of a call."""
        if isinstance(x, ndarray):
            if x._device is not self.device:
                raise _Untraceable("arrays on more than one device")
            name = self.names.get(id(x._buf))
            if name is None:  # made before the trace, or outside dispatch: read at each call
                name = f"c{len(self.captured)}"
                self.external.setdefault(id(owner_of(x._buf)), []).append(
                    self.inputs + len(self.captured)
                )
                self.captured.append(x)
                self._bind(x, name)
            reads.add(name)
            return name
        t = type(x)
        if t in (tuple, list) and _dispatch._holds_array(x):
            items = [self._expr(v, reads) for v in x]
            return f"({', '.join(items)},)" if t is tuple else f"[{', '.join(items)}]"
        if t is dict and any(isinstance(v, ndarray) for v in x.values()):
            raise _Untraceable("a dict of arrays as an argument of an op")
        if isinstance(x, numpy.ndarray) and self.device is not CPU:
            raise _Untraceable("host data in an op on a GPU")
        return self._value(x)

    def _value(self, x: Any, frozen: bool = False) -> str:
        """A name for value ``x`` in the program (NumPy arrays and lists: read at each call, as
        they are then, unless ``frozen``)."""
        name = f"v{len(self.namespace)}"
        self.namespace[name] = x
        if not frozen and isinstance(x, (numpy.ndarray, list)):
            self.host.add(name)
            if isinstance(x, numpy.ndarray):
                self.host_owners.add(id(owner_of(x)))
        return name

    # --- the program ----------------------------------------------------------------------
    def outputs(self, result: Any) -> tuple[Any, list[str]]:
        """``result``'s structure (arrays replaced by their index in the program's output tuple)
        and the names of those arrays."""
        names: list[str] = []

        def spec(x):
            if isinstance(x, ndarray):
                name = self.names.get(id(x._buf))
                if name is None or name[0] != "t":
                    raise _Untraceable("it returns an argument or an array it did not make")
                if id(owner_of(x._buf)) in self.external:
                    raise _Untraceable("it returns a view of an argument or of a captured array")
                if id(owner_of(x._buf)) in self.host_owners:
                    raise _Untraceable("it returns NumPy data it passed to dnp (not a copy)")
                names.append(name)
                return _Out(len(names) - 1)
            t = type(x)
            if t in (tuple, list):
                return t(map(spec, x))
            if t is dict:
                return {k: spec(v) for k, v in x.items()}
            if t in _STATIC:
                return x
            raise _Untraceable(f"it returns a {t.__name__}")

        return spec(result), names

    def simplify(self, outputs: list[str]) -> tuple[list[_Step], dict[str, str]]:
        """The steps to run and what the other names became. Each rewrite is exact, and is made
        only to steps on memory that no step writes in place: a step reading only constants is
        folded into its traced value (read-only); multiplying by an array of ones keeps the
        other factor; negations of real floats are carried into the products, sums and
        differences that read them (``_signs``); a step repeating an earlier one reuses its
        result. Outputs stay fresh arrays. Last, the steps no output needs are dropped."""
        written = set().union(*(s.writes for s in self.steps))

        def stable(s: _Step) -> bool:  # what it reads and makes keeps its value
            if not written:
                return True
            names = (*s.reads, *s.defines)
            return not s.effect and all(self.owners.get(n) not in written for n in names)

        keep_fresh = set(outputs)
        alias: dict[str, str] = {}  # a name -> the name (or folded value) that replaces it
        folded: set[str] = set()
        signs = _Signs(self)
        seen: dict[tuple, list] = {}
        steps: list[_Step] = []
        for s in self.steps:
            if alias:
                s.call = _NAME.sub(lambda m: alias.get(m.group(), m.group()), s.call)
                s.reads = {alias.get(r, r) for r in s.reads}
            if stable(s) and None not in s.defines and not keep_fresh.intersection(s.defines):
                if (
                    s.reads <= folded
                    and not self.host.intersection(_NAME.findall(s.call))
                    and not any(pending(owner_of(self.arrays[d]._buf)) for d in s.defines)
                ):  # (a value still computing, or failed: left to run)
                    for d in s.defines:
                        alias[d] = self._value(self._frozen(self.arrays[d]), frozen=True)
                        folded.add(alias[d])
                    continue
                same = self._times_ones(s, folded)
                if same is None:
                    same = signs.rewrite(s, steps)
                if same is not None:  # the step is another name's value (or its negation)
                    if same != s.defines[0]:
                        alias[s.defines[0]] = same
                    continue
                key = (id(s.kernel), s.call[s.call.index("(") :], s.errstate)
                if key in seen:
                    same_as = dict(zip(s.defines, seen[key], strict=True))
                    alias.update(same_as)
                    signs.rename(same_as)
                    continue
                seen[key] = s.defines
            elif stable(s) and None not in s.defines:  # an output: rewrites giving its value
                signs.rewrite(s, steps, as_is=True)
                seen.setdefault((id(s.kernel), s.call[s.call.index("(") :], s.errstate), s.defines)
            else:
                signs.materialize(s, steps)
            steps.append(s)
        needed, kept = set(outputs), []
        for s in reversed(steps):
            if s.effect or needed.intersection(s.defines):
                kept.append(s)
                needed |= s.reads
        kept.reverse()
        return kept, alias

    def _frozen(self, arr: ndarray):
        """The traced value of a folded step, as a read-only buffer."""
        buf = arr._ready().copy()
        if isinstance(buf, numpy.ndarray):
            buf.flags.writeable = False
        return buf

    def _times_ones(self, s: _Step, folded: set) -> str | None:
        """For ``multiply(x, ones)`` (either order) of real floats whose result is like ``x``:
        the name of ``x`` (exact: x * 1.0 is x)."""
        if s.op.unit != 1 or len(s.reads) != 2 or s.multi or len(s.defines) != 1:
            return None
        args = [a.strip() for a in s.call[s.call.index("(") + 1 : -1].split(",")]
        if len(args) != 2 or len(folded.intersection(args)) != 1:
            return None
        ones, x = (args[0], args[1]) if args[0] in folded else (args[1], args[0])
        result, value, other = self.arrays[s.defines[0]], self.namespace[ones], self.arrays[x]
        if (
            result.shape == other.shape
            and result.dtype == other.dtype
            and other.dtype.kind == "f"
            and value.dtype.kind == "f"
            and bool((value == 1).all())
        ):
            return x
        return None

    def program(self, n_inputs: int, outputs: list[str], label: str) -> _Program:
        """One Python function of the buffers: the simplified steps, then the outputs."""
        steps, alias = self.simplify(outputs)
        pure = not any(s.effect for s in steps)

        def array(name: str, value: str) -> str:
            """NumPy gives scalars where dispatch gives 0-d arrays: the same in a ufunc, not as
            an output or when written in place."""
            scalar = self.arrays[name].ndim == 0 and self.device is CPU
            return f"_arr({value})" if scalar and (name in outputs or not pure) else value

        # Each array is dropped after its last use, as it is when f runs: holding every
        # intermediate to the end costs memory and, once freed, fresh pages on the next call.
        last: dict[str, int] = {}
        for i, s in enumerate(steps):
            for name in (*s.reads, *s.defines):
                if name is not None and name[0] in "tn":
                    last[name] = i
        dead: list[list[str]] = [[] for _ in steps]
        for name, i in last.items():
            if name not in outputs:
                dead[i].append(name)
        params = [f"a{i}" for i in range(n_inputs)] + [f"c{i}" for i in range(len(self.captured))]
        lines = [f"def program({', '.join(params)}):"]
        where = {}  # line of the program -> (op name, file:line of the call in f)
        for i, s in enumerate(steps):
            indent = "    "
            if s.errstate != self.errstate:  # f set numpy.errstate around this op
                settings = ", ".join(f"{k}={v!r}" for k, v in s.errstate)
                lines.append(f"    with _errstate({settings}):")
                indent = "        "
            where[len(lines) + 1] = (s.op.name, s.where)
            if not s.multi and s.defines in ([], [None]):  # it wrote into what it returns
                lines.append(f"{indent}{s.call}")
            elif not s.multi:
                lines.append(f"{indent}{s.defines[0]} = {array(s.defines[0], s.call)}")
            else:
                lines.append(f"{indent}_r = {s.call}")
                for k, d in enumerate(s.defines):
                    if d is not None:
                        lines.append(f"{indent}{d} = {array(d, f'_r[{k}]')}")
                dead[i].append("_r")
            if dead[i]:
                lines.append(f"    del {', '.join(sorted(dead[i]))}")
        lines.append(f"    return ({''.join(alias.get(o, o) + ', ' for o in outputs)})")
        source = "\n".join(lines)
        namespace = dict(self.namespace)
        exec(compile(source, f"<dnp.jit {label}>", "exec"), namespace)  # noqa: S102  # made above
        return _Program(namespace["program"], source, where, label)


class _Signs:
    """Negations carried, not computed: ``negative(x)`` of real floats runs only where a value
    is needed as it is. Exact in IEEE arithmetic (only a NaN's sign bit may differ):
    ``(-a) * b == -(a * b)``, the same for division, and ``a + (-b) == a - b``; a sum of two
    negated values is not ``-(a + b)`` (the sign of a zero result), so one of them is negated.
    """

    _OPERAND = re.compile(r"[tavcn]\d+(?:_\w+)?$")

    def __init__(self, trace: _Trace) -> None:
        self.trace = trace
        self.negated: dict[str, str] = {}  # name -> base: the name's value is -base's
        self.computed: dict[str, str] = {}  # base -> the name of negative(base), once computed

    def rewrite(self, s: _Step, steps: list[_Step], as_is: bool = False) -> str | None:
        """Rewrite arithmetic step ``s`` on negated operands; the name whose value (or, when
        it is recorded as negated, negation) the step's result is, when it needs no step.
        ``as_is``: the step must compute its own value (an output)."""
        args = self._operands(s)
        signs = s.op.signs
        if args is None or (as_is and signs == "negate"):
            self.materialize(s, steps)
            return None
        d = s.defines[0]
        if signs == "negate":
            x = args[0]
            if x in self.negated:
                return self.negated[x]  # -(-b) is b
            self.negated[d] = x
            return d
        (x, y), trace = args, self.trace
        if signs == "product":  # a negation carried on costs a result's size
            size = trace.arrays[d].size
            x, y = (
                self._negative(a, s, steps)
                if a in self.negated and trace.arrays[a].size < size
                else a
                for a in (x, y)
            )
            if as_is and (x in self.negated) != (y in self.negated):  # no negated result
                x, y = (self._negative(a, s, steps) if a in self.negated else a for a in (x, y))
        nx, ny = x in self.negated, y in self.negated
        bx, by = self.negated.get(x, x), self.negated.get(y, y)
        if signs == "product":
            if [bx, by] != args:
                self._call(s, s.kernel, bx, by)
                if nx != ny:  # the step computes the negation of d, under another name
                    held = s.defines[0] = f"{d}_negated"
                    trace.arrays[held] = trace.arrays[d]  # its shape and dtype
                    self.negated[d] = held
            return None
        if signs == "difference":
            ny = not ny
        xp = trace.device.xp
        if nx and ny:  # -(bx + by) would give -0.0 where (-bx) + (-by) gives 0.0
            self._call(s, OPS["subtract"].kernel(xp), self._negative(x, s, steps), by)
        elif nx:
            self._call(s, OPS["subtract"].kernel(xp), by, bx)
        elif ny:
            self._call(s, OPS["subtract"].kernel(xp), bx, by)
        else:
            self._call(s, OPS["add"].kernel(xp), bx, by)
        return None

    def rename(self, same_as: dict[str, str]) -> None:
        """Names that became others (a repeated step): negations of them are of those."""
        for lazy, base in self.negated.items():
            if base in same_as:
                self.negated[lazy] = same_as[base]

    def materialize(self, s: _Step, steps: list[_Step]) -> None:
        """Before ``s`` reads a name recorded as negated, compute the negation (once)."""
        hits = s.reads.intersection(self.negated)
        if not hits:
            return
        names = {n: self._negative(n, s, steps) for n in hits}
        s.call = _NAME.sub(lambda m: names.get(m.group(), m.group()), s.call)
        s.reads = {names.get(r, r) for r in s.reads}

    def _negative(self, lazy: str, s: _Step, steps: list[_Step]) -> str:
        """The name of a step computing the value of negated name ``lazy``, added before ``s``."""
        base = self.negated[lazy]
        name = self.computed.get(base)
        if name is None:
            trace = self.trace
            name = self.computed[base] = f"n{len(self.computed)}_{base}"
            negative = OPS["negative"]
            kernel = negative.kernel(trace.device.xp)
            step = _Step(kernel, "", {base}, [name], False, False, negative, s.where)
            self._call(step, kernel, base)
            step.errstate = s.errstate
            trace.arrays[name] = trace.arrays[lazy]  # its shape and dtype
            steps.append(step)
        return name

    def _call(self, s: _Step, kernel, *args: str) -> None:
        namespace = self.trace.namespace
        name = base = f"_{getattr(kernel, '__name__', 'kernel')}"
        for i in itertools.count(1):  # by the kernel's name, unless another holds it
            if namespace.setdefault(name, kernel) is kernel:
                break
            name = f"{base}{i}"
        s.kernel, s.call = kernel, f"{name}({', '.join(args)})"
        s.reads = {a for a in args if a[0] != "v"}

    def _operands(self, s: _Step) -> list[str] | None:
        """The arguments of an arithmetic step on real floats, else None."""
        if s.op.signs is None or s.multi:
            return None
        args = s.call[s.call.index("(") + 1 : -1].split(", ")
        if len(args) != (1 if s.op.signs == "negate" else 2):
            return None
        trace = self.trace
        for a in (*args, s.defines[0]):
            if not self._OPERAND.match(a):
                return None
            if a[0] == "v":  # a Python int or float, or a NumPy value
                value = trace.namespace[a]
                float_like = type(value) in (int, float)
                dtype = numpy.dtype(float) if float_like else getattr(value, "dtype", None)
            else:
                dtype = trace.arrays[a].dtype
            if getattr(dtype, "kind", None) != "f":
                return None
        return args


class _Out:
    """Where an output array goes in the structure ``f`` returns: its index among the outputs."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _rebuilder(spec: Any, device) -> Callable:
    """A function of the program's output buffers that returns them as dnp arrays, in the
    structure ``f`` returned (generated, like the program: it runs on every call)."""
    namespace: dict[str, Any] = {"_new": _new, "_dev": device}

    def expr(x) -> str:
        t = type(x)
        if t is _Out:
            return f"_new(r[{x.index}], _dev)"
        if t is tuple:
            return f"({''.join(expr(v) + ', ' for v in x)})"
        if t is list:
            return f"[{', '.join(map(expr, x))}]"
        if t is dict:
            return "{" + ", ".join(f"{expr(k)}: {expr(v)}" for k, v in x.items()) + "}"
        name = f"v{len(namespace)}"
        namespace[name] = x
        return name

    exec(f"def rebuild(r):\n    return {expr(spec)}", namespace)  # noqa: S102  # made above
    return namespace["rebuild"]


class _Program:
    """The generated function, and which op of ``f`` each of its lines runs (for errors)."""

    def __init__(self, fn: Callable, source: str, lines: dict, label: str) -> None:
        self.fn, self.source, self.lines, self.label = fn, source, lines, label

    def __call__(self, xp, *buffers):  # the forward of the op the engine runs
        return self.fn(*buffers)

    def note(self, exc: BaseException) -> None:
        """Name the op that raised and where ``f`` called it when it was traced."""
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self.fn.__code__ and tb.tb_lineno in self.lines:
                name, (file, line) = self.lines[tb.tb_lineno]
                where = f"traced at {file}:{line}"
                annotate(exc, f"raised by dnp.{name} in a replay of jit({self.label}), {where}")
                return
            tb = tb.tb_next


class _Plan:
    """A replayable trace: its program, the arrays it captured, how to return its outputs, and
    which parameters' memory it writes into (by position: inputs, then captured arrays)."""

    def __init__(self, program, captured: tuple, rebuild: Callable, device, writes) -> None:
        self.program, self.captured, self.rebuild, self.device = program, captured, rebuild, device
        self.writes = sorted(writes)
        self.op = Op(f"jit({program.label})", program, None)  # no rule: it runs when called

    def run(self, arrays: list[ndarray]) -> Any:
        """Run the program now when its inputs are ready CPU memory (the common case), else as
        an op of the engine, which waits for them (and their readers) first, or launches it on
        a GPU stream."""
        if self.device is CPU:
            bufs = [a._buf for a in arrays]
            for c in self.captured:
                bufs.append(c._buf)
            if not VARS or not any(pending(owner_of(b)) for b in bufs):
                try:
                    out = self.program.fn(*bufs)
                except Exception as exc:
                    self._failed(exc)
                    raise
                finally:
                    self._written(bufs)
                return self.rebuild(out)
        try:
            flat = _dispatch.run(self.op, (*arrays, *self.captured), {})
        except Exception as exc:
            self._failed(exc)
            raise
        finally:
            self._written([a._buf for a in (*arrays, *self.captured)])
        return self.rebuild([a._buf for a in flat])

    def _failed(self, exc: Exception) -> None:
        """A replay raised: without writes into its parameters nothing of it is seen, and ``f``
        runs instead (``_Rerun``); else the error goes to the caller, naming the op."""
        if not self.writes:
            raise _Rerun from exc
        self.program.note(exc)

    def _written(self, bufs: list) -> None:
        """Written in place, as by the ops f ran: arrays the tape saved are now stale."""
        if self.writes and _dispatch.VERSIONS.on:
            for i in self.writes:
                _dispatch.VERSIONS.bump(owner_of(bufs[i]))


# --- the public face --------------------------------------------------------------------------
class Jitted:
    """``f``, traced once per signature of its arguments and replayed (see ``dnp.jit``)."""

    def __init__(self, f: Callable) -> None:
        self.f = f
        self.label = getattr(f, "__qualname__", None) or type(f).__name__
        self._plans: dict[tuple, _Plan | str] = {}  # key -> its plan, or why it runs eagerly
        functools.update_wrapper(self, f)

    def __get__(self, obj, objtype=None):
        """As a method: bound to its object (which, not being an array or a plain value, makes
        every call run eagerly)."""
        return self if obj is None else functools.partial(self, obj)

    @property
    def eager_reasons(self) -> list[str]:
        """Why some signatures run ``f`` eagerly (their traces could not be replayed)."""
        return [p for p in self._plans.values() if type(p) is str]

    @property
    def traces(self) -> int:
        """How many signatures have been traced."""
        return len(self._plans)

    def programs(self) -> list[str]:
        """The source of each replayable trace's program (what a replay runs)."""
        return [p.program.source for p in self._plans.values() if type(p) is _Plan]

    def __call__(self, *args, **kwargs):
        if _state.tracer is not None or is_recording():  # inside an outer trace, or a tape
            return self.f(*args, **kwargs)
        keyed = _key(args, kwargs)
        if keyed is None:
            return self.f(*args, **kwargs)
        key, arrays = keyed
        plan = self._plans.get(key)
        if type(plan) is _Plan:
            try:
                return plan.run(arrays)
            except _Rerun:
                return self.f(*args, **kwargs)
        if plan is None:
            if len(self._plans) >= MAX_SIGNATURES:  # values that change on every call
                self._plans.clear()
            return self._trace(key, arrays, args, kwargs)
        return self.f(*args, **kwargs)

    def _trace(self, key: tuple, arrays: list[ndarray], args: tuple, kwargs: dict) -> Any:
        trace = _Trace(arrays)
        _state.tracer = trace
        _count_tracers(1)
        try:
            result = self.f(*args, **kwargs)
        finally:
            _count_tracers(-1)
            _state.tracer = None
        try:
            if trace.failure is not None:
                raise _Untraceable(trace.failure)
            spec, outputs = trace.outputs(result)
            program = trace.program(len(arrays), outputs, self.label)
        except _Untraceable as exc:
            self._plans[key] = f"{_describe(key)}: {exc}"
            return result
        except Exception as exc:  # noqa: BLE001  # a fault of dnp's: f's own result stands
            reason = f"{_describe(key)}: the trace could not be built ({type(exc).__name__}: {exc})"
            warnings.warn(f"dnp.jit({self.label}) runs eagerly: {reason}", RuntimeWarning, 2)
            self._plans[key] = reason
            return result
        rebuild = _rebuilder(spec, trace.device)
        self._plans[key] = _Plan(
            program, tuple(trace.captured), rebuild, trace.device, trace.written
        )
        return result


def _describe(key: tuple) -> str:
    shapes = [
        f"{k[1]}{list(k[0])}"
        for k in key
        if type(k) is tuple and len(k) == 3 and isinstance(k[1], numpy.dtype)
    ]
    return f"arrays {', '.join(shapes) or 'none'}"


def jit(f: Callable | None = None) -> Any:
    """Trace ``f`` once per signature of its arguments and replay the trace (see ``dnp._jit``);
    use as ``jit(f)`` or ``@jit``. Composes with ``autograd``: ``jit(value_and_grad(loss))``."""
    if f is None:
        return jit
    return Jitted(f)


def _count_tracers(delta: int) -> None:
    """Dispatch reads the count without the lock: 0 means no thread traces."""
    with _counting:
        _dispatch.TRACING += delta
