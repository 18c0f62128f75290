"""Shape and layout: reshape, transpose, joining, splitting, tiling, flipping, padding."""

from ._meta import probe
from ._row import Op

# Views (free to probe on stride-0 stand-ins) and copies whose shape the probe computes exactly.
SHAPE_OPS = (
    "reshape ravel transpose matrix_transpose swapaxes moveaxis rollaxis squeeze expand_dims "
    "real imag diagonal repeat round around clip"
).split()

ROWS = [Op(name, meta=probe) for name in SHAPE_OPS]
