"""Indexing routines: take, put, choose, compress, where, select, index helpers."""

from ._meta import probe
from ._row import Op

ROWS = [Op(name, meta=probe) for name in "take put choose trace".split()]
ROWS += [Op("nonzero", meta=None)]
