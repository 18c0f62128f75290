"""Variational inference, NumPyro's: ``SVI`` and the ELBO losses (``Trace_ELBO``,
``TraceMeanField_ELBO``, ``RenyiELBO``)."""

from dnp.infer.vi.elbo import ELBO, RenyiELBO, Trace_ELBO, TraceMeanField_ELBO
from dnp.infer.vi.svi import SVI, SVIRunResult, SVIState

__all__ = [
    "ELBO",
    "RenyiELBO",
    "SVI",
    "SVIRunResult",
    "SVIState",
    "TraceMeanField_ELBO",
    "Trace_ELBO",
]
