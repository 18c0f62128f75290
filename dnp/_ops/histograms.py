"""Histograms and binning: ``histogram``, ``histogram_bin_edges``, ``histogram2d``,
``histogramdd``, ``bincount``, ``digitize``.

A number of bins fixes the result's shapes; edges given as arrays, bin rules (``'auto'``) and
``bincount``'s length leave them to the data. The counts, edges and bin indices carry no
gradient; ``bincount``'s weights do (the count of each weight's bin is a sum of weights).
"""

import numpy

from .._meta import Meta, _quiet_call, _shape_of, describe, signature_of
from ._grad import np
from ._reduced import fit_to, on_lists, ones_standin
from ._row import Op


def _digitize_meta(op, args, kwargs):
    """One bin index (intp) per element of ``x``."""
    x = args[0] if args else kwargs["x"]
    return Meta(_shape_of(x) or (), numpy.dtype(numpy.intp))


def _histogram_meta(op, args, kwargs):
    """A number of bins fixes the shapes, and a one-element run of the op gives the dtypes; edges
    (whose checks read their values) and rules such as ``'auto'`` leave the result to the data."""
    params = signature_of(op.numpy_function()).bind(*args, **kwargs).arguments
    if type(params.get("bins", 10)) is not int:
        return None
    for name in ("a", "weights"):
        if type(params.get(name)) in (list, tuple):
            params[name] = numpy.asarray(params[name])  # host data: its dtype, not its values
    small = {k: ones_standin(v, (1,)) for k, v in params.items()}
    return describe(_quiet_call(op.numpy_function(), (), small))


def _histogram_bin_edges(xp, a, bins=10, range=None, weights=None):  # noqa: A002  # NumPy's name
    # CuPy has no histogram_bin_edges; the edges are histogram's second result.
    return xp.histogram(a, bins, range, weights=weights)[1]


def _bincount_weights_vjp(g, ans, x, weights=None, minlength=0):
    return fit_to(np.take(g, x), weights)


# The histograms may return (views of) their inputs' data: ``aliases``.
ROWS = [
    Op("histogram", meta=_histogram_meta, aliases=True, differentiable=False),
    Op(
        "histogram_bin_edges",
        _histogram_bin_edges,
        _histogram_meta,
        aliases=True,
        differentiable=False,
    ),
    # The shape depends on the data (bincount's length) or on bins given as edges or rules.
    Op("histogram2d", meta=None, aliases=True, differentiable=False),
    Op("histogramdd", meta=None, differentiable=False),
    Op("bincount", meta=None, vjp=on_lists(None, _bincount_weights_vjp)),
    Op("digitize", meta=_digitize_meta, differentiable=False),
]
