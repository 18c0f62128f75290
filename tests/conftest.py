"""Test-suite settings: every dispatch checks its op's metadata rule against the real result."""

import os

import pytest
from hypothesis import HealthCheck, settings

import dnp

dnp._dispatch.CHECK_META = True

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    if not dnp.gpu_available():
        skip = pytest.mark.skip(reason="no GPU: CuPy finds no device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
