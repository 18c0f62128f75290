import pytest

import dnp
from tests.conformance import DEVICES


@pytest.fixture(params=DEVICES)
def device(request):
    """Each test that asks for it runs once per device, that device the default."""
    with dnp.default_device(request.param):
        yield request.param
