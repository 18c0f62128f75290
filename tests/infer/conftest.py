import pytest

import dnp
from tests.conformance import DEVICES
from tests.simulated_gpu import simulated_gpu


@pytest.fixture(params=[*DEVICES, "simgpu"])
def device(request):
    """Each test that asks for it runs once per device, that device the default; "simgpu" is
    the simulated GPU of ``tests/simulated_gpu.py``, its race checker on."""
    if request.param == "simgpu":
        with simulated_gpu() as (dev, _):
            yield dev
    else:
        with dnp.default_device(request.param):
            yield request.param
