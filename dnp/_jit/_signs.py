"""Carried negations: ``dnp.jit``'s rewrite of ``negative`` into the arithmetic that reads it."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy

from .._ops import OPS
from ._step import NAME, OPERAND, Step

if TYPE_CHECKING:
    from ._trace import Trace


class Signs:
    """Negations carried, not computed: ``negative(x)`` of real floats runs only where a value
    is needed as it is. Exact in IEEE arithmetic (only a NaN's sign bit may differ):
    ``(-a) * b == -(a * b)``, the same for division, and ``a + (-b) == a - b``; a sum of two
    negated values is not ``-(a + b)`` (the sign of a zero result), so one of them is negated.
    """

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.negated: dict[str, str] = {}  # name -> base: the name's value is -base's
        self.computed: dict[str, str] = {}  # base -> the name of negative(base), once computed

    def rewrite(self, s: Step, steps: list[Step], as_is: bool = False) -> str | None:
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

    def materialize(self, s: Step, steps: list[Step]) -> None:
        """Before ``s`` reads a name recorded as negated, compute the negation (once)."""
        hits = s.reads.intersection(self.negated)
        if not hits:
            return
        names = {n: self._negative(n, s, steps) for n in hits}
        s.call = NAME.sub(lambda m: names.get(m.group(), m.group()), s.call)
        s.reads = {names.get(r, r) for r in s.reads}

    def _negative(self, lazy: str, s: Step, steps: list[Step]) -> str:
        """The name of a step computing the value of negated name ``lazy``, added before ``s``."""
        base = self.negated[lazy]
        name = self.computed.get(base)
        if name is None:
            trace = self.trace
            name = self.computed[base] = f"n{len(self.computed)}_{base}"
            negative = OPS["negative"]
            kernel = negative.kernel(trace.device.xp)
            step = Step(kernel, "", {base}, [name], False, False, negative, s.where)
            self._call(step, kernel, base)
            step.errstate = s.errstate
            trace.arrays[name] = trace.arrays[lazy]  # its shape and dtype
            steps.append(step)
        return name

    def _call(self, s: Step, kernel, *args: str) -> None:
        namespace = self.trace.namespace
        name = base = f"_{getattr(kernel, '__name__', 'kernel')}"
        for i in itertools.count(1):  # by the kernel's name, unless another holds it
            if namespace.setdefault(name, kernel) is kernel:
                break
            name = f"{base}{i}"
        s.kernel, s.call = kernel, f"{name}({', '.join(args)})"
        s.reads = {a for a in args if a[0] != "v"}

    def _operands(self, s: Step) -> list[str] | None:
        """The arguments of an arithmetic step on real floats, else None."""
        if s.op.signs is None or s.multi:
            return None
        args = s.arguments()
        if len(args) != (1 if s.op.signs == "negate" else 2):
            return None
        trace = self.trace
        for a in (*args, s.defines[0]):
            if not OPERAND.match(a):
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
