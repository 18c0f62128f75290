"""NumPyro's module path ``numpyro.infer.autoguide``: the autoguides of ``dnp.infer.vi.autoguide``
(``from dnp.infer.autoguide import AutoNormal`` ports as it is)."""

from dnp.infer.vi import autoguide as _autoguide
from dnp.infer.vi.autoguide import *  # noqa: F403

__all__ = list(_autoguide.__all__)
