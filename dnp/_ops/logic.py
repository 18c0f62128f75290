"""logic ops. (Rows are added by kind; see dnp/_ops/__init__.py.)"""

from ._row import Op

ROWS: list[Op] = []
