"""``python -m dnp.coverage [--verbose]``: how much of NumPy's namespace dnp has.

Every public callable (function, ufunc or class) of ``numpy`` and of its submodules in
``MODULES`` is *covered* when dnp has an attribute of the same name there, *excluded* when it
is listed in `EXCLUDED` (left out on purpose, with the reason), and *missing* otherwise. The
fraction covered counts covered names among those not excluded.
"""

from __future__ import annotations

import argparse
import warnings

import numpy

import dnp

# numpy and these submodules
MODULES = ("", "linalg", "fft", "random", "emath", "lib", "lib.stride_tricks", "lib.array_utils")

_DATETIME = "dnp has no datetime dtype"
_NOT_NUMBERS = "dnp arrays hold numbers and booleans only: no string, bytes, void or object dtype"
_TOOLING = "NumPy's own tooling, not array code"
_BUFFERS = "NumPy buffer internals: iterates or maps host memory in place"
_MATRIX = "the matrix class is deprecated in NumPy: use 2-d arrays"

# Left out on purpose. Keep this short and honest: anything numeric dnp should have is missing.
EXCLUDED = {
    **dict.fromkeys(
        "busday_count busday_offset busdaycalendar is_busday datetime_as_string datetime_data "
        "datetime64 timedelta64".split(),
        _DATETIME,
    ),
    **dict.fromkeys(
        "str_ bytes_ character flexible void object_ record recarray".split(), _NOT_NUMBERS
    ),
    "frompyfunc": "makes ufuncs returning object arrays; dnp has no object dtype",
    "float128": "platform-dependent name of longdouble; extended precision is not a dnp dtype",
    "complex256": "platform-dependent name of clongdouble; extended precision is not a dnp dtype",
    **dict.fromkeys("matrix asmatrix bmat".split(), _MATRIX),
    **dict.fromkeys("nditer nested_iters ndenumerate flatiter memmap".split(), _BUFFERS),
    "getbufsize": "the size of NumPy's ufunc buffers, which dnp does not use",
    "setbufsize": "the size of NumPy's ufunc buffers, which dnp does not use",
    "row_stack": "deprecated alias of vstack (NumPy 2.0)",
    **dict.fromkeys(
        "test show_config show_runtime get_include info linalg.test fft.test random.test "
        "lib.test".split(),
        _TOOLING,
    ),
}


def _module(prefix: str, root):
    obj = root
    for part in prefix.split(".") if prefix else ():
        obj = getattr(obj, part)
    return obj


def numpy_callables() -> list[str]:
    """Public callables of numpy and its submodules, as 'name' or 'linalg.name'."""
    names = []
    with warnings.catch_warnings():  # reading a deprecated name warns
        warnings.simplefilter("ignore")
        for prefix in MODULES:
            module = _module(prefix, numpy)
            for name in dir(module):
                if not name.startswith("_") and callable(getattr(module, name, None)):
                    names.append(f"{prefix}.{name}" if prefix else name)
    return sorted(names)


def status(qualname: str) -> str:
    """'covered', 'excluded' or 'missing'."""
    prefix, _, name = qualname.rpartition(".")
    if hasattr(_module(prefix, dnp), name):
        return "covered"
    return "excluded" if qualname in EXCLUDED else "missing"


def report() -> dict[str, str]:
    """``{qualified name: status}`` for every NumPy callable."""
    return {name: status(name) for name in numpy_callables()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dnp.coverage", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="print every name's status")
    args = parser.parse_args(argv)
    table = report()
    if args.verbose:
        width = max(map(len, table))
        for name, state in table.items():
            reason = f"  ({EXCLUDED[name]})" if state == "excluded" else ""
            print(f"{name:<{width}}  {state}{reason}")
    counts = {s: sum(v == s for v in table.values()) for s in ("covered", "missing", "excluded")}
    considered = counts["covered"] + counts["missing"]
    print(
        f"covered {counts['covered']} of {considered} NumPy {numpy.__version__} callables "
        f"({counts['covered'] / considered:.1%}); {counts['missing']} missing; "
        f"{counts['excluded']} excluded on purpose"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
