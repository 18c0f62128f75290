"""``dnp.lib.array_utils``: see `numpy.lib.array_utils`. The axis helpers are NumPy's (they read
no array); ``byte_bounds`` reads a dnp array's memory layout."""

from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .._ndarray import ndarray

__all__ = ["byte_bounds", "normalize_axis_index", "normalize_axis_tuple"]


def byte_bounds(a) -> tuple[int, int]:
    """The first and one-past-last byte addresses of ``a``'s memory. See
    `numpy.lib.array_utils.byte_bounds`; a dnp array's on its device (CPU or GPU memory)."""
    import numpy

    buf = a._buf if isinstance(a, ndarray) else numpy.asarray(a)
    if isinstance(buf, numpy.ndarray):
        return numpy.lib.array_utils.byte_bounds(buf)
    low = high = buf.data.ptr  # a CuPy array: NumPy's rule on its pointer and strides
    for n, stride in zip(buf.shape, buf.strides, strict=True):
        if stride < 0:
            low += (n - 1) * stride
        else:
            high += (n - 1) * stride
    return low, high + buf.itemsize
