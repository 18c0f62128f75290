"""Bit packing: ``packbits`` (booleans or integers to the bits of uint8) and ``unpackbits``.
Their results are integer bits: none carries a gradient."""

from __future__ import annotations

import operator

from numpy.lib.array_utils import normalize_axis_index

from .._meta import bound, resized, run_bound, shape_of, size_of, small
from ._row import Op


def _bits_meta(factor):
    """The rule of an op that makes ``factor(n, count)`` elements of n along ``axis`` (of the
    flattened input with axis None); the dtype and NumPy's checks from the op on one element."""

    def rule(op, args, kwargs):
        params = bound(op, args, kwargs)
        count = params.get("count")
        count = None if count is None else operator.index(count)
        tiny = dict(params, a=small(params["a"]))
        if "count" in params:
            tiny["count"] = None
        result = run_bound(op, tiny)
        shape = list(shape_of(params["a"]) or (1,))  # a 0-d input is read as 1-d
        axis = params.get("axis")
        if axis is None:
            return resized(result, (factor(size_of(params["a"]), count),))
        axis = normalize_axis_index(axis, len(shape))
        shape[axis] = factor(shape[axis], count)
        return resized(result, shape)

    return rule


def _packed(n, count):
    return (n + 7) // 8


def _unpacked(n, count):
    """8 bits a byte; count: that many (zero-padded), or as many fewer when negative."""
    if count is None:
        return 8 * n
    if count >= 0:
        return count
    if -count > 8 * n:
        raise ValueError("-count larger than number of elements")
    return 8 * n + count


def _unpackbits(xp, a, axis=None, count=None, bitorder="big"):
    # CuPy's unpackbits has no count: unpack everything, then trim or zero-pad along the axis.
    bits = xp.unpackbits(a, axis=axis, bitorder=bitorder)
    if count is None:
        return bits
    count = operator.index(count)
    ax = -1 if axis is None else axis
    n = bits.shape[ax]
    if count < 0:
        if -count > n:
            raise ValueError("-count larger than number of elements")
        count += n
    if count > n:
        pad_shape = list(bits.shape)
        pad_shape[ax] = count - n
        return xp.concatenate((bits, xp.zeros(pad_shape, bits.dtype)), axis=ax)
    index = [slice(None)] * bits.ndim
    index[ax] = slice(0, count)
    return bits[tuple(index)]


ROWS = [
    Op("packbits", meta=_bits_meta(_packed), differentiable=False),
    Op(
        "unpackbits",
        _unpackbits,
        _bits_meta(_unpacked),
        differentiable=False,
        c_ordered=False,
    ),
]
