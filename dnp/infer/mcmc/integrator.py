"""The velocity-Verlet (leapfrog) integrator on dict states (NumPyro's ``velocity_verlet`` in
``numpyro.infer.hmc_util``), and the Euclidean kinetic energy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import dnp

__all__ = [
    "IntegratorState",
    "euclidean_kinetic_energy",
    "ravel",
    "unravel_like",
    "velocity",
    "velocity_verlet",
]


class IntegratorState(NamedTuple):
    """Position ``z``, momentum ``r`` (dicts of the same structure), potential energy and its
    gradient at ``z``."""

    z: dict
    r: dict
    potential_energy: object
    z_grad: dict


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


def velocity(inverse_mass_matrix, r_flat):
    """``M^-1 r`` for a diagonal (1-d) or dense (2-d) inverse mass matrix."""
    if inverse_mass_matrix.ndim == 1:
        return inverse_mass_matrix * r_flat
    return dnp.matmul(inverse_mass_matrix, r_flat)


def euclidean_kinetic_energy(inverse_mass_matrix, r) -> object:
    """``r^T M^-1 r / 2`` of the momentum ``r`` (a dict or a vector)."""
    r_flat = ravel(r)
    return 0.5 * dnp.dot(r_flat, velocity(inverse_mass_matrix, r_flat))


def velocity_verlet(value_and_grad_fn: Callable, inverse_mass_matrix):
    """``(init_fn, update_fn)`` of the leapfrog for the potential whose ``(value, grad)`` is
    ``value_and_grad_fn(z)`` and the kinetic energy of ``inverse_mass_matrix``:
    ``init_fn(z, r)`` -> ``IntegratorState``, ``update_fn(step_size, state)`` -> the state one
    step later (negative ``step_size`` steps back in time)."""

    def init_fn(z, r, potential_energy=None, z_grad=None):
        if potential_energy is None or z_grad is None:
            potential_energy, z_grad = value_and_grad_fn(z)
        return IntegratorState(z, r, potential_energy, z_grad)

    def update_fn(step_size, state):
        z, r, _, z_grad = state
        r = dnp.tree.map(lambda ri, gi: ri - 0.5 * step_size * gi, r, z_grad)
        v = unravel_like(velocity(inverse_mass_matrix, ravel(r)), r)
        z = dnp.tree.map(lambda zi, vi: zi + step_size * vi, z, v)
        potential_energy, z_grad = value_and_grad_fn(z)
        r = dnp.tree.map(lambda ri, gi: ri - 0.5 * step_size * gi, r, z_grad)
        return IntegratorState(z, r, potential_energy, z_grad)

    return init_fn, update_fn
