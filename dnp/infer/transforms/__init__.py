"""Transforms (bijectors) and ``biject_to``, the map from a constraint to unconstrained space.

The names and semantics are NumPyro's (``numpyro.distributions.transforms``), so code ports by
changing one import: ``t(x)`` is the forward map, ``t.inv`` the inverse transform (``t.inv.inv is
t``), ``t.log_abs_det_jacobian(x, y)`` the log |det J| of the forward map at ``x`` (``y = t(x)``),
summed over the transform's event axes; ``domain`` and ``codomain`` are constraints from
``dnp.infer.constraints``; ``forward_shape``/``inverse_shape`` map shapes. ``TanhTransform``,
absent from NumPyro, is PyTorch's. Each class's docstring gives its formulas in the style of
TensorFlow Probability's bijectors, and the reason for a stable form where one is used.
Written on the public ``dnp`` only, so everything runs on any device and differentiates with
``dnp.autograd``.
"""

from __future__ import annotations

from dnp.infer.transforms.base import (
    AffineTransform,
    ComposeTransform,
    IdentityTransform,
    IndependentTransform,
    Transform,
)
from dnp.infer.transforms.biject import biject_to
from dnp.infer.transforms.elementwise import (
    ExpTransform,
    OrderedTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from dnp.infer.transforms.matrix import (
    CholeskyTransform,
    CorrCholeskyTransform,
    CorrMatrixCholeskyTransform,
    LowerCholeskyTransform,
    StickBreakingTransform,
)

__all__ = [
    "AffineTransform",
    "CholeskyTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CorrMatrixCholeskyTransform",
    "ExpTransform",
    "IdentityTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "OrderedTransform",
    "PowerTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "biject_to",
]
