"""The op table: one row per NumPy function, grouped by kind, one module per kind.

``OPS`` maps each row's name to its ``Op``. ``dnp/_namespace.py`` generates ``dnp.<name>``,
``dnp.linalg.<name>``, ``dnp.fft.<name>``, the ufunc objects, ``ndarray`` methods and operators
from it.
"""

from . import (
    creation,
    elementwise,
    fft,
    indexing,
    linalg,
    logic,
    manipulation,
    methods,
    numerical,
    reductions,
    sets,
    sorting,
)
from ._row import Op

MODULES = (
    elementwise,
    reductions,
    manipulation,
    indexing,
    creation,
    sorting,
    sets,
    logic,
    numerical,
    linalg,
    fft,
    methods,
)


def _collect() -> dict[str, Op]:
    table: dict[str, Op] = {}
    for module in MODULES:
        for op in module.ROWS:
            if op.name in table:
                raise RuntimeError(f"op {op.name!r} is defined twice ({module.__name__})")
            table[op.name] = op
    return table


OPS = _collect()
# Ops with no gradient (integer, boolean or non-array results, or locally constant): their
# results are not tracked by autograd.
NONDIFFERENTIABLE = frozenset().union(*(getattr(m, "NONDIFFERENTIABLE", ()) for m in MODULES))
# Ops that are differentiable but have no gradient rule yet, each with the reason: a gradient
# that reaches one raises NotImplementedError naming it.
NO_GRADIENT: dict[str, str] = {}
for _module in MODULES:
    NO_GRADIENT.update(getattr(_module, "NO_GRADIENT", {}))
