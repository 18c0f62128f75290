"""``dnp.lib.stride_tricks``: see `numpy.lib.stride_tricks`. Generated from the op table (rows
named 'lib.stride_tricks.*')."""

from .. import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["lib.stride_tricks"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["lib.stride_tricks"])
