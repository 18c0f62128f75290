"""Fixtures of the engine tests."""

import pytest

import dnp


@pytest.fixture
def forced():
    """Every op with array inputs goes to the workers."""
    with dnp.engine.engine("threaded", inline_limit=0):
        yield
    dnp.waitall()
