"""Business-day and datetime-formatting routines on datetime64 arrays (CPU only: CuPy has no
datetime dtypes). None carries a gradient.

Their results have the broadcast shape of their date (and offset) arguments; the dtype and
NumPy's checks come from the op on one-element stand-ins of those, the calendar arguments as
given. A stand-in date is 1970-01-01, which need not be a business day: ``busday_offset`` runs
on it with roll='forward' where the call says 'raise', since whether a real date needs a roll
is read from it when the op runs.
"""

import numpy

from .._meta import bound, check_out, resized, run_bound, shape_of, small
from ._row import Op


def _dates_meta(*broadcast):
    """The rule of an op whose result has the broadcast shape of its ``broadcast`` arguments."""

    def rule(op, args, kwargs):
        params = bound(op, args, kwargs)
        shape = numpy.broadcast_shapes(*(shape_of(params[k]) for k in broadcast))
        tiny = dict(params, **{k: small(params[k]) for k in broadcast})
        if "out" in tiny:
            tiny["out"] = None
        if tiny.get("roll") == "raise":
            tiny["roll"] = "forward"
        result = run_bound(op, tiny)
        out = params.get("out")
        check_out(out, shape)
        return resized(result if out is None else out, shape)

    return rule


ROWS = [
    Op("busday_count", meta=_dates_meta("begindates", "enddates"), differentiable=False),
    Op("busday_offset", meta=_dates_meta("dates", "offsets"), differentiable=False),
    Op("is_busday", meta=_dates_meta("dates"), differentiable=False),
    Op("datetime_as_string", meta=_dates_meta("arr"), differentiable=False),
]
