"""The op table: one row per NumPy function, grouped by kind, one module per kind.

``OPS`` maps each row's name to its ``Op``. ``dnp/_namespace.py`` generates ``dnp.<name>``,
``dnp.linalg.<name>``, ``dnp.fft.<name>``, the ufunc objects, ``ndarray`` methods and operators
from it.
"""

import importlib
import pkgutil

from ._row import Op
from ._views import VIEWS

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
# TRANSITIONAL (issue 17): the lists below move into the rows' own fields, module by module.
# DNP_NO_TRANSITION=1 skips this block, to see which rows carry their facts themselves.
import os  # noqa: E402

_TRANSITION = os.environ.get("DNP_NO_TRANSITION") != "1"
for _module in MODULES if _TRANSITION else ():
    for _name in getattr(_module, "NONDIFFERENTIABLE", ()):
        OPS[_name].differentiable = False
    for _name, _why in getattr(_module, "NO_GRADIENT", {}).items():
        OPS[_name].no_gradient = _why
for _name, _rule in VIEWS.items() if _TRANSITION else ():
    OPS[_name].view = _rule

# Ops whose result can be (a view of) an input: VIEWS, each with its rule telling the calls that
# make a view without reading data (``_views.py``), which the executor runs at once even on
# pending inputs; ALIASES_AFTER_READING decide from the data whether to return a view, so they
# wait for their inputs. The test suite checks that every op whose result shares memory with an
# input is in one of them (``_dispatch.CHECK_META``).
ALIASES_AFTER_READING = frozenset(
    "asarray_chkfinite diff einsum histogram histogram2d histogram_bin_edges isposinf ix_ "
    "linalg.matrix_power nan_to_num polyder polyint real_if_close round trim_zeros".split()
)
# Ops without a metadata rule whose result, a Python value, follows from the shapes and dtypes
# of the arrays they are given (and the values of the rest): ``dnp.jit`` keeps the value a trace
# saw and runs nothing for them.
SIGNATURE_ONLY = frozenset(
    "ndim shape size result_type can_cast common_type iscomplexobj isrealobj isscalar".split()
)
# Ops whose result NumPy may lay out other than in C order for C-ordered inputs (an axis moved
# last, LAPACK's column-major factors): the executor runs them at once, since outputs it makes
# ahead are C-ordered and the order of memory decides how later reductions round. The test
# suite checks the layout of every pushed op's result.
NOT_C_ORDERED = frozenset(
    "cross linalg.cross geomspace linspace logspace linalg.qr linalg.svd nanpercentile "
    "nanquantile percentile quantile median nanmedian tile unpackbits unravel_index".split()
)
for _name in ALIASES_AFTER_READING if _TRANSITION else ():
    OPS[_name].aliases = True
for _name in SIGNATURE_ONLY if _TRANSITION else ():
    OPS[_name].signature_only = True
for _name in NOT_C_ORDERED if _TRANSITION else ():
    OPS[_name].c_ordered = False
for _name in "matmul dot vdot inner tensordot einsum matvec vecmat".split() if _TRANSITION else ():
    OPS[_name].threaded = True
for _op in OPS.values() if _TRANSITION else ():
    if _op.name.startswith("linalg."):
        _op.threaded = True
    if _op.name.endswith("_like") or _op.name in ("copy", "ndarray.copy"):
        _op.keeps_order = True
for _name, _signs in (
    ()
    if not _TRANSITION
    else (
        ("negative", "negate"),
        ("multiply", "product"),
        ("divide", "product"),
        ("add", "sum"),
        ("subtract", "difference"),
    )
):
    OPS[_name].signs = _signs
if _TRANSITION:
    OPS["multiply"].unit = 1
