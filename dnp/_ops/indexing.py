"""Indexing routines: take, put, choose, compress, where, select, index helpers.

Ops that select by a mask (``nonzero``, ``compress``, ``extract``, one-argument ``where``) have
results whose length is read from the data: their rule is None. The in-place ops (``put``,
``putmask``, ``place``, ``put_along_axis``, ``fill_diagonal``) return None and write through to
their target, which may be a view.
"""

import numpy

from .._ndarray import ndarray
from ._meta import elementwise, probe
from ._row import Op


def _where_meta(op, args, kwargs):
    """``where(cond)`` is ``nonzero(cond)`` (data-dependent); ``where(cond, x, y)`` broadcasts."""
    return None if len(args) == 1 else elementwise(op, args, kwargs)


def _ix_meta(op, args, kwargs):
    """A boolean argument stands for its nonzero positions, so its length is read from the data."""
    masks = any(isinstance(a, (ndarray, numpy.ndarray)) and a.dtype == bool for a in args)
    return None if masks else probe(op, args, kwargs)


def _put_along_axis_meta(op, args, kwargs):
    """``probe``; with axis=None NumPy writes through ``arr.flat``, read-only on stand-ins."""
    axis = args[3] if len(args) > 3 else kwargs.get("axis")
    return None if axis is None else probe(op, args, kwargs)


# CuPy differs from NumPy in argument names or defaults ('wrap' for NumPy's 'raise').
def _take_along_axis(xp, arr, indices, axis=-1):
    return xp.take_along_axis(arr, indices, axis)


def _put(xp, a, ind, v, mode="raise"):
    return xp.put(a, ind, v, mode=mode)


def _ravel_multi_index(xp, multi_index, dims, mode="raise", order="C"):
    return xp.ravel_multi_index(multi_index, dims, mode=mode, order=order)


def _unravel_index(xp, indices, shape, order="C"):
    return xp.unravel_index(indices, shape, order=order)


PROBED = (
    "take putmask place choose select diag_indices diag_indices_from tril_indices "
    "tril_indices_from triu_indices triu_indices_from fill_diagonal trace"
).split()
DATA_DEPENDENT = "compress extract nonzero argwhere flatnonzero mask_indices".split()

ROWS = [Op(name, meta=probe) for name in PROBED]
ROWS += [Op(name, meta=None) for name in DATA_DEPENDENT]
ROWS += [
    Op("take_along_axis", _take_along_axis, probe),
    Op("put", _put, probe),
    Op("put_along_axis", meta=_put_along_axis_meta),
    Op("ravel_multi_index", _ravel_multi_index, probe),
    Op("unravel_index", _unravel_index, probe),
    Op("where", meta=_where_meta),
    Op("ix_", meta=_ix_meta),
]
