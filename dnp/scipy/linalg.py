"""``dnp.scipy.linalg``: see `scipy.linalg`. Generated from the op table (rows named
'scipy.linalg.*')."""

from .. import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["scipy.linalg"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["scipy.linalg"])
