"""Views with strides of the caller's choosing: ``numpy.lib.stride_tricks`` (``as_strided``,
``sliding_window_view``), as rows named ``lib.stride_tricks.<name>``.

Both make a view of their input's memory without reading it (their rows' view rule), on the
CPU with NumPy's functions and on a GPU with CuPy's. Their gradient sends each element of the
view back to the input element it is (elements seen more than once, as in overlapping windows,
add up); it is read off the two arrays' layouts, so it holds for any strides that stay inside
the input.
"""

import numpy

from .._meta import probe
from . import _views
from ._grad import np
from ._row import Op
from .creation import backend_array
from .indexing import flat_scatter


def _as_strided(xp, x, shape=None, strides=None, subok=False, writeable=True):
    return xp.lib.stride_tricks.as_strided(
        backend_array(xp, x), shape=shape, strides=strides, writeable=writeable
    )


def _sliding_window_view(xp, x, window_shape, axis=None, *, subok=False, writeable=False):
    return xp.lib.stride_tricks.sliding_window_view(
        backend_array(xp, x), window_shape, axis=axis, writeable=writeable
    )


def _address(buf) -> int:
    """Where ``buf``'s first element is in memory (NumPy or CuPy)."""
    if isinstance(buf, numpy.ndarray):
        return buf.__array_interface__["data"][0]
    return buf.data.ptr


def _offsets(shape, strides) -> numpy.ndarray:
    """The byte offset of each element of an array of ``shape`` and ``strides``, in C order."""
    offsets = numpy.zeros(shape, dtype=numpy.int64)
    for axis, (n, stride) in enumerate(zip(shape, strides, strict=True)):
        steps = numpy.arange(n, dtype=numpy.int64) * stride
        offsets += steps.reshape((n,) + (1,) * (len(shape) - axis - 1))
    return offsets


def view_positions(view, base) -> numpy.ndarray:
    """For each element of ``view`` (a strided view of ``base``'s memory, backend arrays), the
    C-order flat index of the element of ``base`` it is. ValueError if one is not an element of
    ``base`` (strides that step outside it, or between its elements)."""
    inside = _offsets(base.shape, base.strides).ravel()
    order = numpy.argsort(inside, kind="stable")
    known = inside[order]
    wanted = _offsets(view.shape, view.strides) + (_address(view) - _address(base))
    at = numpy.searchsorted(known, wanted)
    found = at < known.size
    found[found] = known[at[found]] == wanted[found]
    if not found.all():
        raise ValueError(
            "as_strided: a gradient needs every element of the view to be an element of the "
            "input; these strides step outside it"
        )
    return order[at]


def _strided_vjp(g, ans, x, *args, **kwargs):
    return flat_scatter(g, x, (np.asarray(view_positions(ans._buf, x._buf), device=g.device),))


ROWS = [
    Op(name, forward, probe, vjp=(_strided_vjp,), view=_views.of_first)
    for name, forward in (
        ("lib.stride_tricks.as_strided", _as_strided),
        ("lib.stride_tricks.sliding_window_view", _sliding_window_view),
    )
]
