"""Reductions and statistics: sums, extrema, moments, ``nan*`` variants, quantiles, histograms."""

from ._meta import probe, reduction
from ._row import Op

# (a, axis=None, ..., keepdims=...): shape from axis/keepdims, dtype from a one-element stand-in.
REDUCTIONS = (
    "sum prod mean std var max min amax amin all any argmax argmin ptp count_nonzero "
    "nansum nanprod nanmean nanstd nanvar nanmax nanmin nanargmax nanargmin median nanmedian"
).split()
SCANS = "cumsum cumprod nancumsum nancumprod cumulative_sum cumulative_prod".split()

ROWS = [Op(name, meta=reduction) for name in REDUCTIONS]
ROWS += [Op(name, meta=probe) for name in SCANS]
