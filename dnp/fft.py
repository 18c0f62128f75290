"""``dnp.fft``: see `numpy.fft`. Generated from the op table (rows named 'fft.*')."""

from . import _SUBMODULE_FUNCTIONS

globals().update(_SUBMODULE_FUNCTIONS["fft"])
__all__ = sorted(_SUBMODULE_FUNCTIONS["fft"])
