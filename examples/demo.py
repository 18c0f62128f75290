"""Run a plain NumPy program with ``numpy`` and with ``dnp`` and check that the results match.

    python examples/demo.py [--device cpu|gpu|gpu:N]

The program is ``dnp.__main__.program(np)``: ordinary NumPy code that only names its array module
``np``. It lives in the package so that ``python -m dnp`` runs the same demonstration.
"""

import sys
from pathlib import Path

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dnp.__main__ import main, program  # noqa: E402

__all__ = ["main", "program"]

if __name__ == "__main__":
    raise SystemExit(main())
