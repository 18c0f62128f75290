"""HMC trajectories and NUTS trees on flat vectors: each leapfrog step is one replayed ``dnp.jit``
program, and the bookkeeping around it is plain Python on floats.

A chain's position, momentum and gradient are flat vectors (``flat.ravel``); the model's
potential sees them cut back into its sites. ``Programs`` jits, per chain: the potential's value
and gradient, one leapfrog step with its kinetic energy, and, for a NUTS chain run alone
(``tree.run_single``), ``Programs.nuts_step``: a leapfrog step of NumPyro's iterative NUTS
(``numpyro.infer.hmc_util``), which also adds the new momentum to the subtree's sum and takes
the dot products of the no-U-turn checks against the checkpoints the new state closes, and
``Programs.end_dots``. Everything a step returns that Python decides on comes back in one
small vector, read once. What a step needs to know (is it the subtree's first state, which
checkpoints does it close) is in the structure of its arguments, so each program has a handful of
traces and no recompilation follows from the data or the settings.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp
from dnp.infer.mcmc.flat import flat_potential, velocity

__all__ = [
    "MAX_DELTA_ENERGY",
    "leapfrog",
    "Programs",
    "Proposal",
    "Uniforms",
    "accept_probability",
    "checkpoint_dots",
    "checkpoint_range",
    "end_dots",
    "kinetic_energy",
    "log_add_exp",
]

MAX_DELTA_ENERGY = 1000.0  # an energy error above this is a divergence


class Proposal(NamedTuple):
    """A state a trajectory may move to: position and gradient (flat arrays), potential and
    total energy (floats)."""

    z: object
    z_grad: object
    potential_energy: float
    energy: float


class NutsStep(NamedTuple):
    """What ``Programs.nuts_step`` returns: the new state, its velocity ``M^-1 r``, the
    subtree's summed momentum with it, and ``(potential energy, kinetic energy, *dots)``."""

    z: object
    r: object
    z_grad: object
    v: object
    r_sum: object
    scalars: object


class Programs:
    """The jitted steps of one chain for the potential ``potential_fn`` of dicts shaped as
    ``template``."""

    def __init__(self, potential_fn, template):
        value_and_grad = dnp.autograd.value_and_grad(flat_potential(potential_fn, template))

        def leapfrog_energy(z, r, z_grad, step_size, inverse_mass_matrix):
            """One step and the total energy after it."""
            z, r, (potential_energy, z_grad) = leapfrog(
                z, r, z_grad, step_size, inverse_mass_matrix, value_and_grad
            )
            return (
                z,
                r,
                potential_energy,
                z_grad,
                potential_energy + kinetic_energy(inverse_mass_matrix, r),
            )

        def nuts_step(z, r, z_grad, step_size, inverse_mass_matrix, r_sum, checkpoints):
            """One step from ``(z, r, z_grad)`` in a subtree whose momenta sum to ``r_sum``
            (``None``: the step starts the subtree). ``checkpoints``: the ``(v, r, r_sum)`` of
            the states whose subtrees the new state closes; for each, the two dot products of
            the no-U-turn criterion (``is_turning``) between it and the new state. The
            arithmetic of a row of ``tree.TreePrograms.tick``, op for op (the same bits)."""
            z, r, (pe, z_grad) = leapfrog(
                z, r, z_grad, step_size, inverse_mass_matrix, value_and_grad
            )
            v = velocity(inverse_mass_matrix, r)
            r_sum = r if r_sum is None else r_sum + r
            scalars = [pe, kinetic_energy(inverse_mass_matrix, r, v)]
            for checkpoint in checkpoints:
                scalars += checkpoint_dots(*checkpoint, v, r, r_sum)
            return NutsStep(z, r, z_grad, v, r_sum, dnp.stack(scalars))

        def nuts_pair(z, r, z_grad, step_size, inverse_mass_matrix, r_sum, checkpoints):
            """Two steps, a subtree's states ``2k`` and ``2k + 1``: the first is checked
            against nothing, the second against ``checkpoints`` and the first; their scalars
            joined."""
            one = nuts_step(z, r, z_grad, step_size, inverse_mass_matrix, r_sum, ())
            two = nuts_step(
                one.z, one.r, one.z_grad, step_size, inverse_mass_matrix, one.r_sum,
                (*checkpoints, (one.v, one.r, one.r_sum)),
            )  # fmt: skip
            return one._replace(scalars=None), two, dnp.concatenate([one.scalars, two.scalars])

        self.value_and_grad = dnp.jit(value_and_grad)
        self.leapfrog_energy = dnp.jit(leapfrog_energy)
        self.nuts_step = dnp.jit(nuts_step)
        self.nuts_pair = dnp.jit(nuts_pair)
        self.end_dots = dnp.jit(end_dots)
        self.kinetic_energy = dnp.jit(kinetic_energy)
        self.velocity = dnp.jit(velocity)


def leapfrog(z, r, z_grad, step_size, inverse_mass_matrix, value_and_grad):
    """One leapfrog step of ``step_size`` (signed) from ``(z, r, z_grad)``:
    ``(z, r, (potential energy, z_grad))`` after it, ``value_and_grad`` the potential's."""
    half = 0.5 * step_size
    r = r - half * z_grad
    z = z + step_size * velocity(inverse_mass_matrix, r)
    potential_energy, z_grad = value_and_grad(z)
    return z, r - half * z_grad, (potential_energy, z_grad)


def kinetic_energy(inverse_mass_matrix, r, v=None):
    """``r^T M^-1 r / 2`` of a flat momentum, or of each row (``v``: ``M^-1 r`` if known)."""
    return 0.5 * dnp.vecdot(r, velocity(inverse_mass_matrix, r) if v is None else v)


def checkpoint_dots(v_ckpt, r_ckpt, r_sum_ckpt, v, r, r_sum):
    """The two dot products of NumPyro's no-U-turn check (``is_turning``) between a
    checkpoint's state and a later one of the same subtree, whose momenta from the checkpoint
    on sum to ``r_sum - r_sum_ckpt`` plus the checkpoint's own (the ends counted half)."""
    between = r_sum - r_sum_ckpt + 0.5 * (r_ckpt - r)
    return [dnp.vecdot(v_ckpt, between), dnp.vecdot(v, between)]


def end_dots(v_left, r_left, v_right, r_right, r_sum, r_sum_new):
    """The dot products of the no-U-turn check between the outer ends of a tree whose momenta
    sum to ``r_sum`` joined to a new half summing to ``r_sum_new`` (stacked on the last
    axis)."""
    between = r_sum + r_sum_new - 0.5 * (r_left + r_right)
    return dnp.stack([dnp.vecdot(v_left, between), dnp.vecdot(v_right, between)], axis=-1)


def checkpoint_range(leaf_idx: int) -> tuple[int, int]:
    """``(idx_min, idx_max)`` of the checkpoints a subtree's ``leaf_idx``-th state closes
    (NumPyro's ``_leaf_idx_to_ckpt_idxs``): ``idx_max`` counts the set bits of ``leaf_idx`` but
    the last, ``idx_min`` is ``idx_max`` less the trailing set bits, plus one. An even index
    closes none (``idx_min > idx_max``) and is written as checkpoint ``idx_max``."""
    idx_max = bin(leaf_idx >> 1).count("1")
    trailing = len(bin(leaf_idx)) - len(bin(leaf_idx).rstrip("1"))
    return idx_max - trailing + 1, idx_max


def accept_probability(delta: float) -> float:
    """``min(1, exp(-delta))`` of an energy error (a NaN error counts as infinite)."""
    if math.isnan(delta):
        return 0.0
    return math.exp(min(-delta, 0.0))


def log_add_exp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` of floats."""
    m = max(a, b)
    if m == -math.inf:
        return m
    return m + math.log1p(math.exp(-abs(a - b)))


class Uniforms:
    """Uniform floats in [0, 1) drawn from ``rng`` in blocks (one draw call per ``block``
    numbers): the same sequence however the chain is run."""

    def __init__(self, rng, block=64):
        self.rng, self.block, self._left = rng, block, []

    def __call__(self) -> float:
        if not self._left:
            self._left = self.rng.random(self.block).tolist()[::-1]
        return self._left.pop()
