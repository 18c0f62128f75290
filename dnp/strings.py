"""``dnp.strings``: see `numpy.strings`. Generated from the op table (rows named
'strings.*'); string arrays live on the CPU."""

from . import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["strings"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["strings"])
