"""Every conformance case again through dispatch's fast path.

The suite turns ``CHECK_META`` on, which sends every call down dispatch's general path; most
calls of real programs (positional arrays and scalars on the CPU) take the fast path instead.
Here it is off: once with every op on ready inputs run inline (an inline limit no op reaches),
once with every op pushed to the workers.
"""

import sys

import pytest

import dnp
from tests.conformance import compare
from tests.engine.test_forced import CASES


@pytest.fixture(params=["inline", "pushed"])
def fast_path(request, monkeypatch):
    monkeypatch.setattr(dnp._dispatch, "CHECK_META", False)
    limit = sys.maxsize if request.param == "inline" else 0
    with dnp.engine.engine("threaded", inline_limit=limit):
        yield
    dnp.waitall()  # nothing failed unseen


@pytest.mark.parametrize("c", [c for _, c in CASES], ids=[f"{m}-{c.id}" for m, c in CASES])
def test_every_case_through_the_fast_path(c, fast_path):
    compare(c.body, "cpu", c.rtol, c.atol)
