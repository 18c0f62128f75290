"""A chain's state as one flat vector: a dict of arrays raveled and cut back (NumPyro's
``ravel_pytree``), and the velocity ``M^-1 r`` of a flat momentum."""

from __future__ import annotations

import math

import dnp

__all__ = ["flat_potential", "ravel", "unravel_like", "velocity"]


def ravel(tree) -> object:
    """The leaves of ``tree`` flattened and joined into one vector."""
    leaves = [dnp.ravel(x) for x in dnp.tree.leaves(tree)]
    return leaves[0] if len(leaves) == 1 else dnp.concatenate(leaves)


def unravel_like(flat, tree):
    """``flat`` cut into arrays shaped as the leaves of ``tree``, in its structure."""
    leaves, treedef = dnp.tree.flatten(tree)
    if len(leaves) == 1:  # no slicing (nor its gradient's scatter into zeros)
        return treedef.unflatten([dnp.reshape(flat, dnp.asarray(leaves[0]).shape)])
    out, start = [], 0
    for leaf in leaves:
        shape = dnp.asarray(leaf).shape
        size = math.prod(shape)
        out.append(dnp.reshape(flat[start : start + size], shape))
        start += size
    return treedef.unflatten(out)


def velocity(inverse_mass_matrix, r):
    """``M^-1 r`` of a flat momentum (the inverse mass matrix diagonal, 1-d, or dense, 2-d),
    or of the rows of ``r`` (``(n, ..., size)``) with one inverse mass matrix per row
    (``(n, size)`` or ``(n, size, size)``), broadcast over the axes in between."""
    if r.ndim > 2:
        lead = (r.shape[0], *(1,) * (r.ndim - 2))
        inverse_mass_matrix = inverse_mass_matrix.reshape(lead + inverse_mass_matrix.shape[1:])
    if inverse_mass_matrix.ndim == r.ndim:
        return inverse_mass_matrix * r
    return dnp.matmul(inverse_mass_matrix, r[..., None])[..., 0]


def flat_potential(potential_fn, template):
    """``potential_fn`` (of dicts shaped as ``template``) as a function of a flat vector."""
    return lambda z: potential_fn(unravel_like(z, template))
