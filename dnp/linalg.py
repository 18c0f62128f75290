"""``dnp.linalg``: see `numpy.linalg`. Generated from the op table (rows named 'linalg.*')."""

from numpy.linalg import LinAlgError  # NumPy's exception, so ``except LinAlgError`` matches

from . import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["linalg"])
__all__ = ["LinAlgError", *sorted(_SUBMODULE_FUNCTIONS["linalg"])]
