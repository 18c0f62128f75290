"""``dnp.scipy.special``: see `scipy.special`. Generated from the op table (rows named
'scipy.special.*')."""

from .. import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["scipy.special"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["scipy.special"])
