"""dnp's layers import downward only: the import-linter contract in pyproject.toml, checked here
with ``ast`` (import-linter itself is not needed).

Every import statement of every module in a layer is read, at module level and inside functions,
relative and absolute. A module may import from its own layer (from a sibling only where the
layer joins siblings with ":") and from the layers below. The public surface (the ``dnp`` package
itself and the modules in no layer) is above every layer: below the top layer, no module imports
it (``import dnp``, ``from dnp import x``, ``from .. import x`` where x is not a module).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomllib's forerunner, where installed
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "dnp"


class Layer(NamedTuple):
    """A layer's place (0 is the top), its sibling modules, and whether they are independent."""

    index: int
    siblings: tuple[str, ...]
    independent: bool


def contract() -> list[Layer]:
    """The layers of the contract in pyproject.toml, top first, as full module names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["root_package"] == PACKAGE
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    containers = layers.get("containers", [""])
    found = []
    for index, entry in enumerate(layers["layers"]):
        independent = "|" in entry
        names = [n.strip() for n in entry.replace("|", ":").split(":")]
        siblings = tuple(f"{c}.{n}" if c else n for c in containers for n in names)
        found.append(Layer(index, siblings, independent))
    return found


def modules() -> dict[str, Path]:
    """Every module of the package, by name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


LAYERS = contract()
MODULES = modules()


def place(module: str) -> tuple[Layer, str] | None:
    """The layer of ``module`` and the sibling it belongs to; None for the public surface."""
    for layer in LAYERS:
        for sibling in layer.siblings:
            if module == sibling or module.startswith(sibling + "."):
                return layer, sibling
    return None


def imported(module: str, source: str, is_package: bool) -> list[tuple[int, str]]:
    """``(line, module)`` for each dnp module an import statement in ``source`` names: the
    module itself for ``import a.b`` (which also binds the package ``a``: ``import dnp.x`` is
    an import of the package), ``base.x`` for ``from base import x`` when that is a module, else
    ``base`` (a name read from it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    found.append((node.lineno, PACKAGE))  # the name bound is the package
                    found.append((node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                package = parts if is_package else parts[:-1]
                base_parts = package[: len(package) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base != PACKAGE and not base.startswith(PACKAGE + "."):
                continue
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.append((node.lineno, name if name in MODULES else base))
    return found


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports in ``module``'s ``source`` that break the contract."""
    here = place(module)
    if here is None:
        return []
    layer, sibling = here
    found = []
    for line, target in imported(module, source, is_package):
        there = place(target)
        if there is None:  # the package itself, or a module of the public surface
            if layer.index > 0:
                what = "the dnp package" if target == PACKAGE else f"{target} (public surface)"
                found.append(f"{module}:{line} imports {what}")
            continue
        other, other_sibling = there
        if other.index < layer.index:
            found.append(f"{module}:{line} imports {target}, a higher layer ({other_sibling})")
        elif other is layer and other_sibling != sibling and layer.independent:
            found.append(f"{module}:{line} imports {target}, an independent sibling")
    return found


LAYERED = sorted(m for m in MODULES if place(m) is not None)


def test_every_layer_names_modules_that_exist():
    for layer in LAYERS:
        for sibling in layer.siblings:
            assert sibling in MODULES, f"the contract names {sibling}, which is no module"


@pytest.mark.parametrize("module", LAYERED)
def test_imports_go_downward(module):
    path = MODULES[module]
    found = violations(module, path.read_text(), path.name == "__init__.py")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("dnp._ops.numerical", "from .. import autograd"),  # a module, relatively
        ("dnp._ops.numerical", "def f():\n    from ..autograd import grad"),  # in a function
        ("dnp._dispatch", "import dnp._tape"),  # absolutely (and the package with it)
        ("dnp._ndarray", "def f():\n    from dnp import array_api"),  # the public surface
        ("dnp._meta", "from . import sum"),  # a name of the package
        ("dnp._engine._vars", "from .. import _ndarray"),  # from inside a package
        ("dnp._jit", "from .. import random"),  # a package's __init__
    ],
)
def test_the_check_sees_an_upward_import(module, source):
    assert violations(module, source, module == "dnp._jit")


def test_the_check_lets_downward_imports_pass():
    source = "from . import _dispatch\nfrom ._engine import _vars\nimport numpy"
    assert violations("dnp._tape", source) == []
    assert violations("dnp._ops._grad", "def np():\n    from .. import _namespace") == []
    assert violations("dnp.random._generator", "from .. import autograd, exp, linalg") == []
