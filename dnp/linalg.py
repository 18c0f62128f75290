"""``dnp.linalg``: see `numpy.linalg`. Generated from the op table (rows named 'linalg.*')."""

from . import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["linalg"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["linalg"])
from numpy.linalg import LinAlgError  # noqa: E402  # NumPy's exception, so except clauses match
