"""Sorting and searching: sort, argsort, partition, searchsorted, lexsort."""

from ._meta import probe
from ._row import Op

ROWS = [Op(name, meta=probe) for name in "sort argsort searchsorted".split()]
