"""Business-day and datetime-formatting routines on datetime64 arrays (CPU only: CuPy has no
datetime dtypes). Their results have the broadcast shape of their array arguments, which the
probe computes on stand-ins; none carries a gradient."""

from .._meta import probe
from ._row import Op

NAMES = ("busday_count", "busday_offset", "is_busday", "datetime_as_string")
ROWS = [Op(name, meta=probe) for name in NAMES]
NONDIFFERENTIABLE = frozenset(NAMES)
