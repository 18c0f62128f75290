"""Array creation: from data, from shapes, ranges, grids, ``*_like``."""

from ._meta import probe
from ._row import Op

ROWS = [Op(name, meta=probe, creation=True) for name in "array asarray zeros ones empty full arange".split()]
ROWS += [Op(name, meta=probe) for name in "copy zeros_like ones_like empty_like full_like".split()]
