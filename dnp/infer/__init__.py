"""Probabilistic inference on dnp, with NumPyro's names and semantics.

``constraints`` holds the regions variables live in, ``transforms`` the bijections between
them, and ``biject_to(constraint)`` the transform from unconstrained space onto a constraint,
``distributions`` (also ``dist``, as NumPyro's) the probability distributions.
Everything here is written on the public ``dnp`` namespace only (a test enforces it), so it
runs on every device and differentiates with ``dnp.autograd``.
"""

from dnp.infer import constraints, distributions, transforms
from dnp.infer import distributions as dist
from dnp.infer.transforms import biject_to

__all__ = ["biject_to", "constraints", "dist", "distributions", "transforms"]
