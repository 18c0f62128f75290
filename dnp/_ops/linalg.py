"""Linear algebra: products (dot, tensordot, einsum, ...) and all of ``numpy.linalg``."""

from ._meta import probe
from ._row import Op

ROWS = [Op(name, meta=probe) for name in "dot".split()]
