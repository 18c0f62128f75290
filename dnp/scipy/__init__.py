"""``dnp.scipy``: SciPy's functions on dnp arrays, as ``jax.scipy`` and ``cupyx.scipy`` give
them: ``dnp.scipy.special`` and ``dnp.scipy.linalg``. Each is a row of the op table (named
``scipy.special.<name>``): SciPy's function on the CPU, cupyx.scipy's on a GPU, with a metadata
rule and a gradient, so distributions and models written with them run on every device and
differentiate. SciPy itself loads when one is first called."""

from . import linalg, special

__all__ = ["linalg", "special"]
