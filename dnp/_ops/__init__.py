"""The op table: one row per NumPy function, grouped by kind, one module per kind.

``OPS`` maps each row's name to its ``Op``. ``dnp/_namespace.py`` generates ``dnp.<name>``,
``dnp.linalg.<name>``, ``dnp.fft.<name>``, the ufunc objects, ``ndarray`` methods and operators
from it.
"""

import importlib
import pkgutil

from ._row import Op

# Every module of this package not named with an underscore holds rows (``ROWS``), one kind each.
MODULES = tuple(
    importlib.import_module(f"{__name__}.{m.name}")
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if not m.name.startswith("_")
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
