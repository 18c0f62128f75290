"""``dnp.infer`` is written on the public ``dnp`` namespace only: no file under ``dnp/infer``
imports numpy, scipy, cupy or a private ``dnp._*`` module (at module level or inside functions,
absolute or relative), so it runs on every device and differentiates with ``dnp.autograd``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INFER = Path(__file__).resolve().parent.parent / "dnp" / "infer"
FORBIDDEN_ROOTS = {"numpy", "scipy", "cupy", "cupyx"}


def _imported(node: ast.AST, package: str) -> list[str]:
    """The absolute module names an import statement reads (for ``from m import a``, also m.a,
    which may be a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        return [module] + [f"{module}.{alias.name}" for alias in node.names]
    return []


def forbidden_imports(path: Path, package: str) -> list[str]:
    """The forbidden modules that ``path`` (a module of ``package``) imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        for name in _imported(node, package):
            parts = name.split(".")
            private = parts[0] == "dnp" and any(p.startswith("_") for p in parts[1:])
            if parts[0] in FORBIDDEN_ROOTS or private:
                found.append(f"{path.name}:{node.lineno}: {name}")
    return found


def _package_of(path: Path) -> str:
    parts = path.relative_to(INFER.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1])


FILES = sorted(INFER.rglob("*.py")) + [INFER.parent / "optim.py"]  # dnp.optim: public too


def test_infer_has_files() -> None:
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(INFER.parent)) for p in FILES])
def test_infer_imports_only_public_dnp(path: Path) -> None:
    assert forbidden_imports(path, _package_of(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy",
        "import numpy.linalg as la",
        "from scipy import special",
        "import cupy",
        "from dnp._ops import grad",
        "from dnp import _tape",
        "def f():\n    from .. import _dispatch",
        "from dnp.random._generator import Generator",
    ],
)
def test_rule_catches(tmp_path: Path, source: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(source + "\n")
    assert forbidden_imports(path, "dnp.infer")


@pytest.mark.parametrize(
    "source", ["import dnp", "from dnp import linalg", "import math", "from . import constraints"]
)
def test_rule_allows(tmp_path: Path, source: str) -> None:
    path = tmp_path / "module.py"
    path.write_text(source + "\n")
    assert forbidden_imports(path, "dnp.infer") == []
