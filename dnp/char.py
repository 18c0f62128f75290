"""``dnp.char``: see `numpy.char`. Generated from the op table (rows named
'char.*'); string arrays live on the CPU."""

from . import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["char"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["char"])
