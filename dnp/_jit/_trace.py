"""Tracing: the ops one call of ``f`` dispatched, recorded as steps (``Trace``), simplified and
generated as one Python function of the buffers (``Trace.program``)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

from .. import _dispatch, tree
from .._backend import CPU, _default
from .._dispatch import written
from .._engine._errors import caller, location
from .._engine._vars import owner_of, pending
from .._fpstate import enter, errstate, leave
from .._meta import FLOAT32_64
from .._ndarray import TRACES, ndarray
from .._ops import Op
from ._key import STATIC
from ._replay import Out, Program
from ._signs import Signs
from ._step import NAME, OPERAND, Step

_OPERATORS = {
    numpy.add: "+",
    numpy.subtract: "-",
    numpy.multiply: "*",
    numpy.divide: "/",
    numpy.negative: "-x",
}


def _small_int(x: Any) -> bool:
    """A Python int that float32 holds exactly (and so converts as NumPy's weak scalars do)."""
    return type(x) is int and -(2**24) <= x <= 2**24


class Untraceable(Exception):
    """Why a trace cannot be replayed."""


class Tracer:
    """What dispatch's tracer seam (``TRACES.tracer``) asks of a recorder besides ``call``:
    ``read_back`` at a sync point and ``untraceable`` when ``f`` does what a replay would not
    repeat. The first reason is kept in ``failure``."""

    failure: str | None = None

    def read_back(self) -> None:
        """A value left dnp for Python (a sync point): what ``f`` does next may depend on it."""
        self.untraceable("a value was read back into Python while tracing (a sync point)")

    def untraceable(self, reason: str) -> None:
        """``f`` did something a replay would not repeat."""
        if self.failure is None:
            self.failure = reason


class Trace(Tracer):
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
        self.namespace: dict[str, Any] = {"_arr": numpy.asarray, "_enter": enter, "_leave": leave}
        self.captured: list[ndarray] = []  # arrays f read but did not make: inputs after inputs
        self.host: set[str] = set()  # names of values read at each call (NumPy arrays, lists)
        self.host_owners: set[int] = set()  # ids of those NumPy arrays' memory owners
        self.steps: list[Step] = []
        self.device = inputs[0]._device if inputs else _default.get()
        self.inputs = len(inputs)
        self.draws = False  # whether f draws random numbers (a replay then never reruns f)
        self.errstate = errstate()  # the caller's (part of the key)
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
        TRACES.tracer = None  # neither the call nor its metadata rule is traced again
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
                except Untraceable as exc:
                    self.failure = str(exc)
                except Exception as exc:  # noqa: BLE001  # a trace never changes what f does
                    self.failure = f"dnp.{op.name} could not be traced ({exc!r})"
        finally:
            TRACES.tracer = self
        return result

    def _record(self, op: Op, args: tuple, kwargs: dict, result: Any) -> None:
        if op.signature_only and not isinstance(result, ndarray):
            return  # a value of the signature: nothing to replay
        if not (op.inplace and result is None or op.draws) and (
            op.meta is None or op.meta(op, args, kwargs) is None
        ):  # only a write in place, or a draw, can be replayed whatever its shapes
            raise Untraceable(f"dnp.{op.name}: its result depends on values")
        reads: set[str] = set()
        kernel = op.kernel(self.device.xp)
        if op.replay is not None:  # a cheaper kernel for calls like this one
            bufs = [a._buf if isinstance(a, ndarray) else a for a in args]
            kernel = op.replay(self.device.xp, bufs, kwargs) or kernel
        if op.draws:  # a fresh ticket of the stream at each replay, in program order
            if args[0].stream.born_tracing:
                raise Untraceable(f"dnp.{op.name}: f draws from a generator it made")
            self.draws = True
            stream = self._value(args[0].stream, frozen=True)
            parts = [f"{stream}.take()", *(self._expr(a, reads) for a in args[1:])]
        else:
            typed = self._typed_scalars(kernel, args, kwargs, result)
            parts = [typed.get(i) or self._expr(a, reads) for i, a in enumerate(args)]
        for k, v in kwargs.items():
            if not (op.creation and k in ("device", "like")):  # dispatch's, not the kernel's
                parts.append(f"{k}={self._expr(v, reads)}")
        effect, owners = op.draws, set()  # a draw advances its stream: kept, as a write is
        for t in written(op, args, kwargs):
            owners.add(id(owner_of(t._buf)))
            if id(owner_of(t._buf)) in self.host_owners:  # f made that NumPy array afresh
                raise Untraceable(f"dnp.{op.name} writes into NumPy data f passed to dnp")
            positions = self.external.get(id(owner_of(t._buf)))
            if positions is not None:  # an argument's or a captured array's memory
                if self.device is not CPU:  # its engine would not know the program writes it
                    raise Untraceable(f"dnp.{op.name} writes into an argument on a GPU")
                self.written.update(positions)
            effect = True
        n = next(self._count)
        self.namespace[f"k{n}"] = kernel
        call = f"k{n}({', '.join(parts)})"
        if isinstance(result, ndarray):
            multi, results = False, (result,)
        elif isinstance(result, (tuple, list)):
            multi, results = True, result
        elif result is None and effect:
            multi, results = False, ()
        else:
            raise Untraceable(f"dnp.{op.name} returned a Python value")
        defines = []
        for k, r in enumerate(results):
            if not isinstance(r, ndarray):
                raise Untraceable(f"dnp.{op.name} returned {type(r).__name__} values")
            if r._device is not self.device:
                raise Untraceable(f"dnp.{op.name} made an array on another device")
            name = f"t{n}_{k}" if multi else f"t{n}"
            if id(r._buf) in self.names:  # an input returned (asarray(x), out=)
                defines.append(None)
            else:
                self._bind(r, name)
                defines.append(name)
        if not effect and not any(defines):
            return  # it returned what it was given: nothing to replay
        step = Step(kernel, call, reads, defines, multi, effect, op, location(caller()))
        step.writes = owners
        self.steps.append(step)

    def _typed_scalars(self, kernel, args: tuple, kwargs: dict, result) -> dict[int, str]:
        """The names of Python ints and floats among a NumPy ufunc's inputs as 0-d arrays of
        the dtypes its loop casts them to (they are NumPy's weak scalars: the same loop, the
        same values), by position: a ufunc takes those a third of a microsecond faster; the
        same for ``numpy.where``'s choices, in its result's float dtype."""
        if self.device is not CPU:
            return {}
        if kernel is numpy.where and len(args) == 3 and not kwargs:
            inputs, dtype = args, getattr(result, "dtype", None)
            weak = [i for i in (1, 2) if type(args[i]) is float or _small_int(args[i])]
            if not weak or dtype is None or dtype.kind != "f":
                return {}
            loop = {i: dtype for i in weak}
        elif isinstance(kernel, numpy.ufunc) and not kwargs.keys() - {"out"}:
            inputs = args[: kernel.nin]
            weak = [i for i, a in enumerate(inputs) if type(a) is int or type(a) is float]
            if not weak or len(inputs) < kernel.nin:
                return {}
            if not all(i in weak or isinstance(a, ndarray) for i, a in enumerate(inputs)):
                return {}
            dtypes = [type(a) if i in weak else a.dtype for i, a in enumerate(inputs)]
            try:
                loop = kernel.resolve_dtypes((*dtypes, *(None,) * kernel.nout))
            except (TypeError, ValueError):  # no loop
                return {}
        else:
            return {}
        try:
            with numpy.errstate(all="ignore"):
                values = {i: numpy.asarray(inputs[i], loop[i]) for i in weak}
        except OverflowError:  # out of the dtype's range
            return {}
        typed = {}
        for i, value in values.items():
            if math.isfinite(inputs[i]) and not numpy.isfinite(value):  # it would overflow
                return {}
            value.flags.writeable = False
            typed[i] = self._value(value, frozen=True)
        return typed

    def _expr(self, x: Any, reads: set) -> str:
        """The program's expression for argument ``x`` of a call."""
        if isinstance(x, ndarray):
            if x._device is not self.device:
                raise Untraceable("arrays on more than one device")
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
        # Not dnp.tree: an op's argument is unwrapped as dispatch does (plain lists and tuples).
        if t in (tuple, list) and _dispatch._holds_array(x):
            items = [self._expr(v, reads) for v in x]
            return f"({', '.join(items)},)" if t is tuple else f"[{', '.join(items)}]"
        if t is dict and any(isinstance(v, ndarray) for v in x.values()):
            raise Untraceable("a dict of arrays as an argument of an op")
        if isinstance(x, numpy.ndarray) and self.device is not CPU:
            raise Untraceable("host data in an op on a GPU")
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
                    raise Untraceable("it returns an argument or an array it did not make")
                if id(owner_of(x._buf)) in self.external:
                    raise Untraceable("it returns a view of an argument or of a captured array")
                if id(owner_of(x._buf)) in self.host_owners:
                    raise Untraceable("it returns NumPy data it passed to dnp (not a copy)")
                names.append(name)
                return Out(len(names) - 1)
            if type(x) in STATIC:
                return x
            raise Untraceable(f"it returns a {type(x).__name__}")

        return tree.map(spec, result), names

    def simplify(self, outputs: list[str]) -> tuple[list[Step], dict[str, str]]:
        """The steps to run and what the other names became. Each rewrite is exact, and is made
        only to steps on memory that no step writes in place: a step reading only constants is
        folded into its traced value (read-only); multiplying by an array of ones keeps the
        other factor; negations of real floats are carried into the products, sums and
        differences that read them (``Signs``; also where those read memory written later, as
        they still read it where they stand); a step repeating an earlier one reuses its
        result. Outputs stay fresh arrays. Last, the steps no output needs are dropped."""
        written = set().union(*(s.writes for s in self.steps))

        def stable(s: Step) -> bool:  # what it reads and makes keeps its value
            if s.effect:  # a write in place, or a draw (new values at each replay)
                return False
            if not written:
                return True
            names = (*s.reads, *s.defines)
            return all(self.owners.get(n) not in written for n in names)

        def signable(s: Step) -> bool:  # Signs may rewrite it where it stands: what it makes
            # keeps its value, and a negation is carried only of a value no step writes
            if s.effect or s.op.signs is None:
                return False
            names = (*s.reads, *s.defines) if s.op.signs == "negate" else s.defines
            return all(self.owners.get(n) not in written for n in names)

        keep_fresh = set(outputs)
        alias: dict[str, str] = {}  # a name -> the name (or folded value) that replaces it
        folded: set[str] = set()
        signs = Signs(self)
        seen: dict[tuple, list] = {}
        steps: list[Step] = []
        for s in self.steps:
            if alias:
                s.call = NAME.sub(lambda m: alias.get(m.group(), m.group()), s.call)
                s.reads = {alias.get(r, r) for r in s.reads}
            if stable(s) and None not in s.defines and not keep_fresh.intersection(s.defines):
                if (
                    s.reads <= folded
                    and not self.host.intersection(NAME.findall(s.call))
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
            elif signable(s) and None not in s.defines and not keep_fresh.intersection(s.defines):
                same = signs.rewrite(s, steps)  # it reads memory written later: nothing else
                if same is not None:
                    if same != s.defines[0]:
                        alias[s.defines[0]] = same
                    continue
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

    def _times_ones(self, s: Step, folded: set) -> str | None:
        """For ``multiply(x, ones)`` (either order), ``x - zeros`` and ``x / ones`` of real
        floats whose result is like ``x``: the name of ``x`` (exact: x * 1.0 and x / 1.0 are x,
        and so is x - (+0.0), even for x = -0.0)."""
        op = s.op
        if op.unit is None and op.right_unit is None:
            return None
        if len(s.reads) != 2 or s.multi or len(s.defines) != 1:
            return None
        args = s.arguments()
        if len(args) != 2 or len(folded.intersection(args)) != 1:
            return None
        if args[1] in folded:
            unit, (x, const) = op.right_unit if op.unit is None else op.unit, args
        elif op.unit is not None:
            unit, (const, x) = op.unit, args
        else:
            return None
        result, value, other = self.arrays[s.defines[0]], self.namespace[const], self.arrays[x]
        if (
            result.shape == other.shape
            and result.dtype == other.dtype
            and other.dtype.kind == "f"
            and value.dtype.kind == "f"
            and bool((value == unit).all())
            and not (unit == 0 and numpy.signbit(value).any())
        ):
            return x
        return None

    def _scalar_arithmetic(self, s: Step) -> str | None:
        """``s`` as Python arithmetic, where it adds, subtracts, multiplies, divides, negates or
        casts (float32 <-> float64) 0-d float32 or float64 values (or booleans, into a float
        result) on the CPU: on NumPy's scalars a tenth of a ufunc call's time, and the same IEEE
        operation, rounding and floating-point errors (NumPy's scalar math follows
        ``numpy.errstate``)."""
        if s.effect or s.multi or self.device is not CPU:
            return None
        result = self.arrays[s.defines[0]]
        if result.ndim or result.dtype not in FLOAT32_64:
            return None
        args = s.arguments()
        if s.op.name == "ndarray.astype" and len(args) == 2 and OPERAND.match(args[0]):
            x = self.arrays.get(args[0])  # a cast between float32 and float64: NumPy's type
            if x is not None and not x.ndim and x.dtype in FLOAT32_64:
                self.namespace[f"_{result.dtype}"] = result.dtype.type
                return f"_{result.dtype}({args[0]})"
            return None
        op = _OPERATORS.get(s.kernel)
        if op is None:
            return None
        if len(args) != (1 if op == "-x" else 2):
            return None
        operands = []
        for a in args:
            if not OPERAND.match(a):
                return None
            if a[0] != "v":
                x = self.arrays[a]
                if x.ndim or (x.dtype not in FLOAT32_64 and x.dtype != bool):
                    return None
                operands.append(a)
                continue
            value = self.namespace[a]
            if type(value) in (int, float):  # weak, as in the ufunc call
                operands.append(a)
            elif type(value) is numpy.ndarray and not value.ndim and value.dtype in FLOAT32_64:
                operands.append(self._value(value[()], frozen=True))  # a folded 0-d value
            else:
                return None
        if op == "-x":
            return f"(-{operands[0]})"
        return f"({operands[0]} {op} {operands[1]})"

    def program(self, n_inputs: int, outputs: list[str], label: str) -> Program:
        """One Python function of the buffers: the simplified steps, then the outputs."""
        steps, alias = self.simplify(outputs)
        # NumPy gives scalars where dispatch gives 0-d arrays: the same in a ufunc or in Python
        # arithmetic, not as an output, when written in place or for other kernels (a
        # reduction's fast path).
        written = set().union(*(s.writes for s in steps))
        arrays_needed = set(outputs)
        for s in steps:
            arithmetic = self._scalar_arithmetic(s)
            if arithmetic is not None:
                s.call = arithmetic
            elif not isinstance(s.kernel, numpy.ufunc):
                arrays_needed |= s.reads

        def array(name: str, value: str) -> str:
            if self.arrays[name].ndim or self.device is not CPU:
                return value
            if name in arrays_needed or self.owners.get(name) in written:
                return f"_arr({value})"
            return value

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
        block = self.errstate  # the errstate of the open block (the caller's: none open)
        for i, s in enumerate(steps):
            if s.errstate != block:  # f set numpy.errstate around this op: one block per run
                if block != self.errstate:
                    lines += ["    finally:", "        _leave(_e)"]
                block = s.errstate
                if block != self.errstate:
                    lines += [f"    _e = _enter({self._value(block, frozen=True)})", "    try:"]
            indent = "    " if block == self.errstate else "        "
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
                lines.append(f"{indent}del {', '.join(sorted(dead[i]))}")
        if block != self.errstate:
            lines += ["    finally:", "        _leave(_e)"]
        lines.append(f"    return ({''.join(alias.get(o, o) + ', ' for o in outputs)})")
        source = "\n".join(lines)
        namespace = dict(self.namespace)
        exec(compile(source, f"<dnp.jit {label}>", "exec"), namespace)  # noqa: S102  # made above
        return Program(namespace["program"], source, where, label)
