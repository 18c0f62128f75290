"""Helpers shared by the VJP rules in the op table.

Rules are written with dnp functions (``np`` below: the public callables generated from this
table), so that with ``create_graph=True`` the backward pass is itself recorded.

Complex convention (PyTorch's): the gradient of a real loss ``L`` with respect to ``z = x + iy``
is ``dL/dx + i dL/dy``. For a holomorphic ``f``, the rule is ``g * conj(f'(z))``; ``unbroadcast``
drops the imaginary part when the input was real.
"""

from __future__ import annotations

import numpy

from .._ndarray import ndarray, to_host


class _Public:
    """dnp's public callables for the rules (``np.sum``, ``np.linalg.solve``, ``np.add.at``):
    those ``dnp._namespace`` generates from this table, looked up when a rule first uses one
    (the table is complete by then), then kept as attributes."""

    def __getattr__(self, name: str):
        from .. import _namespace  # the layer of the table: built from it, so imported late

        value = _namespace.public(name)
        setattr(self, name, value)
        return value


np = _Public()


def as_array(x):
    """``x`` as a dnp array, keeping the very object (and its history) when it is one already
    (no ``asarray`` node is recorded for arrays)."""
    return x if isinstance(x, ndarray) else np.asarray(x)


def host_values(x) -> numpy.ndarray:
    """``x``'s values as a NumPy array on the host (a sync point for dnp arrays), for rules
    whose work depends on values (spacings, sample points, repeat counts)."""
    return numpy.asarray(to_host(x))


def shape_dtype(x) -> tuple[tuple[int, ...], numpy.dtype]:
    """Shape and dtype of an argument, read directly from a dnp array (no dispatch)."""
    if isinstance(x, ndarray):
        buf = x._buf
        return buf.shape, buf.dtype
    a = numpy.asarray(x)
    return a.shape, a.dtype


def unbroadcast(g, x):
    """``g`` summed down to ``x``'s shape (undoing broadcasting) and made real if ``x`` is real."""
    shape, dtype = shape_dtype(x)
    if g._buf.shape != shape:
        extra = g.ndim - len(shape)
        if extra:
            g = g.sum(axis=tuple(range(extra)))
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    if dtype.kind != "c" and g._buf.dtype.kind == "c":
        g = g.real
    return g


def to_input(g, x):
    """``unbroadcast``, then in the input's floating dtype (a float32 input gets float32)."""
    g = unbroadcast(g, x)
    dtype = shape_dtype(x)[1]
    if dtype.kind in "fc" and g.dtype != dtype:
        g = g.astype(dtype)
    return g


def fit(x, shape, axes=None):
    """``x`` truncated or zero-padded at the end of each of ``axes`` (default all) to ``shape``."""
    for ax in range(len(shape)) if axes is None else axes:
        m, n = shape[ax], x.shape[ax]
        if n > m:
            x = x[(slice(None),) * ax + (slice(0, m),)]
        elif n < m:
            pad = list(x.shape)
            pad[ax] = m - n
            x = np.concatenate([x, np.zeros_like(x, shape=tuple(pad))], axis=ax)
    return x


def conj(x):
    """``conj(x)``, without a copy for real ``x`` (the common case)."""
    return np.conjugate(x) if shape_dtype(x)[1].kind == "c" else x


def expand_reduced(g, shape, axis, keepdims: bool):
    """A reduction's output gradient ``g`` reshaped to broadcast against its input's ``shape``."""
    if keepdims or axis is None and g.ndim == 0:
        return g
    if axis is None:
        return g.reshape((1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = sorted(a % len(shape) for a in axes)
    return np.expand_dims(g, tuple(axes))
