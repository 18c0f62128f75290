"""``python -m dnp.coverage [--verbose]``: how much of NumPy's namespace dnp has.

Every public callable (function, ufunc or class) of ``numpy`` and of each of its public
submodules (``MODULES``; ``SKIPPED_MODULES`` says which are left out and why) is *covered* when
dnp has an attribute of the same name there, *excluded* when it is listed in `EXCLUDED` (left
out on purpose, with the reason), and *missing* otherwise. The fraction covered counts covered
names among those not excluded; it is printed per module, then for all of them. Before the total,
one line per SciPy module says how many of the names dnp carries (``SCIPY``) ``dnp.scipy`` has.
"""

from __future__ import annotations

import argparse
import warnings

import numpy
import numpy.lib.recfunctions  # noqa: F401  # a submodule numpy.lib does not load

import dnp

# numpy ("") and every public submodule user code reaches through it.
MODULES = (
    "",
    "linalg",
    "fft",
    "random",
    "emath",
    "lib",
    "lib.stride_tricks",
    "lib.array_utils",
    "lib.recfunctions",
    "polynomial",
    "polynomial.polynomial",
    "polynomial.chebyshev",
    "polynomial.legendre",
    "polynomial.hermite",
    "polynomial.hermite_e",
    "polynomial.laguerre",
    "polynomial.polyutils",
    "ma",
    "strings",
    "char",
    "rec",
    "ctypeslib",
    "testing",
    "exceptions",
    "dtypes",
    "typing",
)
# Public submodules not counted, with the reason.
SKIPPED_MODULES = {
    "f2py": "NumPy's Fortran wrapper generator: a build tool, not array code",
    "core": "NumPy's private implementation, kept as a module only for old pickles",
    "lib.format": "the .npy file format, NumPy's own (dnp.lib.format is it)",
    "lib.npyio": "NumPy's file readers' classes (dnp.lib.npyio is it; dnp.load reads files)",
    "lib.mixins": "NumPy's operator mixin for user classes (dnp.lib.mixins is it)",
    "lib.introspect": "NumPy's build introspection (dnp.lib.introspect is it)",
    "lib.scimath": "the same functions as numpy.emath, counted there",
}

_NOT_NUMBERS = "dnp arrays hold no Python objects: no object dtype"
_TOOLING = "NumPy's own tooling, not array code"
_MATRIX = "the matrix class is deprecated in NumPy: use 2-d arrays"

# Left out on purpose. Keep this short and honest: anything numeric dnp should have is missing.
EXCLUDED = {
    "object_": _NOT_NUMBERS,
    "frompyfunc": "makes ufuncs returning object arrays; dnp has no object dtype",
    "float128": "platform-dependent name of longdouble; extended precision is not a dnp dtype",
    "complex256": "platform-dependent name of clongdouble; extended precision is not a dnp dtype",
    **dict.fromkeys("matrix asmatrix bmat".split(), _MATRIX),
    **dict.fromkeys(
        "char.split char.rsplit char.splitlines".split(),
        "their results are lists in object arrays; dnp has no object dtype",
    ),
    **dict.fromkeys(
        "char.array char.asarray char.chararray".split(),
        "chararray is NumPy's legacy string subclass (NumPy recommends numpy.strings)",
    ),
    "memmap": "maps a file into host memory as a NumPy subclass; dnp.asarray(numpy.memmap(...)) "
    "shares that memory on the CPU",
    "getbufsize": "the size of NumPy's ufunc buffers, which dnp does not use",
    "setbufsize": "the size of NumPy's ufunc buffers, which dnp does not use",
    "row_stack": "deprecated alias of vstack (NumPy 2.0)",
    **dict.fromkeys(
        "test get_include info linalg.test fft.test random.test "
        "lib.test testing.test polynomial.test ma.test".split(),
        _TOOLING,
    ),
}


# SciPy's functions dnp carries (``dnp.scipy``): those distributions and models stand on. They are
# counted against this list, not against all of SciPy's namespaces.
SCIPY = {
    "special": (
        "gammaln digamma polygamma multigammaln betaln gammainc gammaincc betainc gammaincinv "
        "gammainccinv betaincinv stdtrit erf erfc "
        "erfinv erfcx ndtr ndtri log_ndtr expit logit log_expit logsumexp softmax log_softmax "
        "xlogy xlog1py entr i0 i0e i1 i1e zeta sinc"
    ).split(),
    "linalg": (
        "solve_triangular cholesky cho_factor cho_solve lu_factor lu_solve block_diag expm"
    ).split(),
}


def scipy_report() -> dict[str, dict[str, int]]:
    """Per SciPy module: how many of the names in ``SCIPY`` dnp has, and SciPy's own count."""
    import importlib

    counts = {}
    for module, names in SCIPY.items():
        theirs = importlib.import_module(f"scipy.{module}")
        public = [n for n in dir(theirs) if not n.startswith("_") and callable(getattr(theirs, n))]
        counts[module] = {
            "covered": sum(has(dnp.scipy, f"{module}.{n}") for n in names),
            "listed": len(names),
            "scipy": len(public),
        }
    return counts


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
    if has(dnp, qualname):
        return "covered"
    return "excluded" if qualname in EXCLUDED else "missing"


def has(root, qualname: str) -> bool:
    """Whether module ``root`` has ``qualname`` ('name' or 'submodule.name'; names of callables
    hold no dot, so what comes before the last one is the module)."""
    prefix, _, name = qualname.rpartition(".")
    try:
        return hasattr(_module(prefix, root), name)
    except AttributeError:  # no such submodule
        return False


def report() -> dict[str, str]:
    """``{qualified name: status}`` for every NumPy callable."""
    return {name: status(name) for name in numpy_callables()}


def by_module(table: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per module of ``MODULES``: how many of its callables are covered, missing, excluded."""
    counts = {m: dict.fromkeys(("covered", "missing", "excluded"), 0) for m in MODULES}
    for name, state in table.items():
        counts[name.rpartition(".")[0]][state] += 1
    return counts


def _summary(counts: dict[str, int], what: str) -> str:
    considered = counts["covered"] + counts["missing"]
    share = counts["covered"] / considered if considered else 1.0
    return (
        f"covered {counts['covered']} of {considered} {what} ({share:.1%}); "
        f"{counts['missing']} missing; {counts['excluded']} excluded on purpose"
    )


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
    for module, per in by_module(table).items():
        print(f"module numpy{'.' if module else ''}{module}: {_summary(per, 'callables')}")
    for module, why in SKIPPED_MODULES.items():
        print(f"module numpy.{module}: not counted ({why})")
    for module, c in scipy_report().items():
        print(
            f"module scipy.{module}: covered {c['covered']} of the {c['listed']} names dnp "
            f"carries (of {c['scipy']} public callables in scipy.{module})"
        )
    counts = {s: sum(v == s for v in table.values()) for s in ("covered", "missing", "excluded")}
    print(_summary(counts, f"NumPy {numpy.__version__} callables"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
