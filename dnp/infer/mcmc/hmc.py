"""The HMC and NUTS kernels (NumPyro's ``numpyro.infer.hmc``) for one chain: the potential's
value and gradient run through ``dnp.jit``; trajectories and trees are built in plain Python."""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.mcmc.adaptation import AdaptState, warmup_adapter
from dnp.infer.mcmc.integrator import (
    IntegratorState,
    euclidean_kinetic_energy,
    ravel,
    unravel_like,
    velocity,
    velocity_verlet,
)
from dnp.infer.mcmc.potential import initialize_model
from dnp.infer.vi.initialization import init_to_uniform

__all__ = ["HMC", "NUTS", "HMCState"]

_MAX_DELTA_ENERGY = 1000.0


class HMCState(NamedTuple):
    """One chain's state after iteration ``i``: ``z`` (unconstrained values, a dict), its
    potential energy and gradient, the energy of the last trajectory's accepted point, the
    number of leapfrog steps taken, the accept probability (mean over the trajectory for NUTS)
    and its running mean, whether the trajectory diverged, the adaptation state and the
    generator. As NumPyro's ``HMCState``."""

    i: int
    z: dict
    z_grad: dict
    potential_energy: float
    energy: float
    r: dict | None
    trajectory_length: float | None
    num_steps: int
    accept_prob: float
    mean_accept_prob: float
    diverging: bool
    adapt_state: AdaptState
    rng: object

    @property
    def step_size(self) -> float:
        return self.adapt_state.step_size

    @property
    def inverse_mass_matrix(self):
        return self.adapt_state.inverse_mass_matrix


class HMC:
    """Hamiltonian Monte Carlo with a fixed trajectory length (NumPyro's ``HMC``).

    Give ``model`` (a model of ``dnp.infer`` primitives, sampled in unconstrained space with the
    Jacobian correction) or ``potential_fn`` (a function of a dict of arrays; then ``init``
    needs ``init_params``). ``trajectory_length`` (default ``2 pi``) divided by the step size
    gives the number of leapfrog steps, unless ``num_steps`` is given. During warm-up the step
    size is adapted by dual averaging towards ``target_accept_prob`` and the mass matrix
    (diagonal, or ``dense_mass``) in Stan's windows.
    """

    def __init__(
        self,
        model=None,
        potential_fn=None,
        step_size=1.0,
        trajectory_length=None,
        num_steps=None,
        adapt_step_size=True,
        adapt_mass_matrix=True,
        dense_mass=False,
        target_accept_prob=0.8,
        init_strategy=init_to_uniform,
    ):
        if (model is None) == (potential_fn is None):
            raise ValueError("Only one of `model` or `potential_fn` must be specified.")
        if trajectory_length is None and num_steps is None:
            trajectory_length = 2 * math.pi
        self.model = model
        self.potential_fn = potential_fn
        self.step_size = float(step_size)
        self.trajectory_length = trajectory_length
        self.num_steps = num_steps
        self.adapt_step_size = adapt_step_size
        self.adapt_mass_matrix = adapt_mass_matrix
        self.dense_mass = dense_mass
        self.target_accept_prob = target_accept_prob
        self.init_strategy = init_strategy
        self._postprocess = None
        self._value_and_grad = None

    @property
    def sample_field(self) -> str:
        return "z"

    def postprocess_fn(self, model_args=(), model_kwargs=None):
        """A function mapping ``z`` to constrained values (and deterministic sites); the
        identity for a ``potential_fn``."""
        if self._postprocess is None:
            return lambda z: z
        return self._postprocess

    def _setup(self, rng, init_params, model_args, model_kwargs):
        if self.model is not None:
            info = initialize_model(
                rng,
                self.model,
                init_strategy=self.init_strategy,
                model_args=model_args,
                model_kwargs=model_kwargs,
            )
            potential_fn, self._postprocess = info.potential_fn, info.postprocess_fn
            if init_params is None:
                init_params = info.param_info.z
        else:
            if init_params is None:
                raise ValueError(
                    "Valid value of `init_params` must be provided with `potential_fn`."
                )
            potential_fn = self.potential_fn
        self._value_and_grad = dnp.jit(dnp.autograd.value_and_grad(potential_fn))
        return {k: dnp.asarray(v, dtype=float) for k, v in dict(init_params).items()}

    def init(self, rng, num_warmup, init_params=None, model_args=(), model_kwargs=None):
        """The chain's initial state; ``num_warmup`` iterations will adapt."""
        model_kwargs = {} if model_kwargs is None else model_kwargs
        rng = as_generator(rng)
        self.num_warmup = num_warmup
        z = self._setup(rng, init_params, model_args, model_kwargs)
        pe, z_grad = self._value_and_grad(z)
        size = ravel(z).shape[0]

        def find_step_size(step_size, inverse_mass_matrix, sqrt):
            return _find_reasonable_step_size(
                self._value_and_grad, inverse_mass_matrix, sqrt, z, pe, z_grad, rng, step_size
            )

        adapter_init, self._adapt_update = warmup_adapter(
            num_warmup,
            find_reasonable_step_size=find_step_size,
            adapt_step_size=self.adapt_step_size,
            adapt_mass_matrix=self.adapt_mass_matrix,
            dense_mass=self.dense_mass,
            target_accept_prob=self.target_accept_prob,
        )
        adapt_state = adapter_init(size, self.step_size)
        pe = float(pe)
        return HMCState(
            0, z, z_grad, pe, pe, None, self.trajectory_length, 0, 0.0, 0.0, False, adapt_state, rng
        )

    def sample(self, state, model_args=(), model_kwargs=None):
        """The chain's next state (``model_args`` and ``model_kwargs`` are those of ``init``)."""
        adapt_state, rng = state.adapt_state, state.rng
        inverse_mass_matrix = adapt_state.inverse_mass_matrix
        r = _draw_momentum(rng, adapt_state.mass_matrix_sqrt, state.z)
        vv_init, vv_update = velocity_verlet(self._value_and_grad, inverse_mass_matrix)
        start = vv_init(state.z, r, state.potential_energy, state.z_grad)
        energy_old = start.potential_energy + float(
            euclidean_kinetic_energy(inverse_mass_matrix, r)
        )
        proposal, num_steps, accept_prob, diverging, energy = self._trajectory(
            start, energy_old, adapt_state.step_size, inverse_mass_matrix, vv_update, rng
        )
        itr = state.i + 1
        if state.i < self.num_warmup:
            adapt_state = self._adapt_update(state.i, accept_prob, ravel(proposal.z), adapt_state)
            mean_accept_prob = state.mean_accept_prob + (accept_prob - state.mean_accept_prob) / itr
        else:
            n = itr - self.num_warmup
            mean_accept_prob = state.mean_accept_prob + (accept_prob - state.mean_accept_prob) / n
        return HMCState(
            itr,
            proposal.z,
            proposal.z_grad,
            float(proposal.potential_energy),
            energy,
            proposal.r,
            self.trajectory_length,
            num_steps,
            accept_prob,
            mean_accept_prob,
            diverging,
            adapt_state,
            rng,
        )

    def _trajectory(self, start, energy_old, step_size, inverse_mass_matrix, vv_update, rng):
        if self.num_steps is None:
            num_steps = max(1, math.ceil(self.trajectory_length / step_size))
        else:
            num_steps = int(self.num_steps)
        new = start
        for _ in range(num_steps):
            new = vv_update(step_size, new)
        energy_new = float(new.potential_energy) + float(
            euclidean_kinetic_energy(inverse_mass_matrix, new.r)
        )
        delta = energy_new - energy_old
        delta = math.inf if math.isnan(delta) else delta
        accept_prob = min(1.0, math.exp(-delta)) if delta > -700 else 1.0
        if float(rng.random()) < accept_prob:
            return new, num_steps, accept_prob, delta > _MAX_DELTA_ENERGY, energy_new
        return start, num_steps, accept_prob, delta > _MAX_DELTA_ENERGY, energy_old


def _draw_momentum(rng, mass_matrix_sqrt, z):
    """``r ~ N(0, M)`` shaped as ``z``."""
    eps = rng.standard_normal(ravel(z).shape[0])
    r = mass_matrix_sqrt * eps if mass_matrix_sqrt.ndim == 1 else dnp.matmul(mass_matrix_sqrt, eps)
    return unravel_like(r, z)


def _find_reasonable_step_size(
    value_and_grad_fn, inverse_mass_matrix, sqrt, z, pe, z_grad, rng, step_size
):
    """Double or halve the step size until the accept probability of one leapfrog step from
    ``z`` crosses 0.8 (NumPyro's ``find_reasonable_step_size``, after Hoffman and Gelman)."""
    vv_init, vv_update = velocity_verlet(value_and_grad_fn, inverse_mass_matrix)
    target = math.log(0.8)
    last_direction, direction = 0, 0
    tiny, huge = 1e-300, 1e300
    while True:
        step_size = (2.0**direction) * step_size
        r = _draw_momentum(rng, sqrt, z)
        energy_current = float(pe) + float(euclidean_kinetic_energy(inverse_mass_matrix, r))
        new = vv_update(step_size, vv_init(z, r, pe, z_grad))
        energy_new = float(new.potential_energy) + float(
            euclidean_kinetic_energy(inverse_mass_matrix, new.r)
        )
        delta = energy_new - energy_current
        last_direction, direction = direction, 1 if target < -delta else -1
        if not (
            (step_size > tiny or direction >= 0)
            and (step_size < huge or direction <= 0)
            and (direction == last_direction or last_direction == 0)
        ):
            return step_size


class _End(NamedTuple):
    """An end of a NUTS subtree: its state, flat momentum and velocity ``M^-1 r``."""

    state: IntegratorState
    r: object
    v: object


class _Tree(NamedTuple):
    """A NUTS subtree: its leftmost and rightmost ends (in time), the proposal sampled from it
    and its energy, its log weight, the sum of its momenta, whether it turned or diverged, and
    its accept statistics."""

    left: _End
    right: _End
    proposal: IntegratorState
    proposal_energy: float
    log_weight: float
    r_sum: object
    turning: bool
    diverging: bool
    sum_accept_probs: float
    num_proposals: int


def _logaddexp(a, b):
    m = max(a, b)
    if m == -math.inf:
        return m
    return m + math.log(math.exp(a - m) + math.exp(b - m))


class NUTS(HMC):
    """The No-U-Turn sampler (NumPyro's ``NUTS``): trees doubled in random directions until the
    generalized no-U-turn criterion (Betancourt 2017, with Stan's checks across subtrees) holds
    or ``max_tree_depth`` is reached, multinomial sampling of the proposal (biased progressive
    sampling between a tree and its new half); a step whose energy error exceeds 1000 diverges
    and stops the tree. The other arguments are ``HMC``'s."""

    def __init__(
        self,
        model=None,
        potential_fn=None,
        step_size=1.0,
        adapt_step_size=True,
        adapt_mass_matrix=True,
        dense_mass=False,
        target_accept_prob=0.8,
        trajectory_length=None,
        max_tree_depth=10,
        init_strategy=init_to_uniform,
    ):
        super().__init__(
            model,
            potential_fn,
            step_size,
            trajectory_length=trajectory_length,
            adapt_step_size=adapt_step_size,
            adapt_mass_matrix=adapt_mass_matrix,
            dense_mass=dense_mass,
            target_accept_prob=target_accept_prob,
            init_strategy=init_strategy,
        )
        self.trajectory_length = None
        self.max_tree_depth = max_tree_depth

    def _trajectory(self, start, energy_old, step_size, inverse_mass_matrix, vv_update, rng):
        builder = _TreeBuilder(vv_update, inverse_mass_matrix, step_size, energy_old, rng)
        tree = builder.leaf(start)
        depth = 0
        while depth < self.max_tree_depth:
            direction = 1 if float(rng.random()) < 0.5 else -1
            new = builder.build(tree.right if direction > 0 else tree.left, direction, depth)
            sum_accept = tree.sum_accept_probs + new.sum_accept_probs
            num_proposals = tree.num_proposals + new.num_proposals
            if new.turning or new.diverging:
                tree = tree._replace(
                    diverging=new.diverging,
                    sum_accept_probs=sum_accept,
                    num_proposals=num_proposals,
                )
                break
            tree = builder.merge(tree, new, direction, biased=True)
            tree = tree._replace(sum_accept_probs=sum_accept, num_proposals=num_proposals)
            depth += 1
            if tree.turning:
                break
        accept_prob = tree.sum_accept_probs / max(tree.num_proposals, 1)
        return tree.proposal, builder.num_steps, accept_prob, tree.diverging, tree.proposal_energy


class _TreeBuilder:
    """Recursive tree doubling of one NUTS iteration."""

    def __init__(self, vv_update, inverse_mass_matrix, step_size, energy_init, rng):
        self.vv_update = vv_update
        self.inverse_mass_matrix = inverse_mass_matrix
        self.step_size = step_size
        self.energy_init = energy_init
        self.rng = rng
        self.num_steps = 0

    def leaf(self, state, counted=False):
        """The tree of one state; ``counted`` for a new point of the trajectory (its accept
        probability counts in the statistics)."""
        r = ravel(state.r)
        v = velocity(self.inverse_mass_matrix, r)
        energy = float(state.potential_energy) + 0.5 * float(dnp.dot(r, v))
        delta = energy - self.energy_init
        delta = math.inf if math.isnan(delta) else delta
        accept = min(1.0, math.exp(-delta)) if delta > -700 else 1.0
        end = _End(state, r, v)
        return _Tree(
            end,
            end,
            state,
            energy,
            -delta,
            r,
            False,
            delta > _MAX_DELTA_ENERGY,
            accept if counted else 0.0,
            1 if counted else 0,
        )

    def build(self, end, direction, depth) -> _Tree:
        """A subtree of ``2 ** depth`` new states from ``end`` in ``direction``."""
        if depth == 0:
            self.num_steps += 1
            return self.leaf(self.vv_update(direction * self.step_size, end.state), counted=True)
        first = self.build(end, direction, depth - 1)
        if first.turning or first.diverging:
            return first
        second = self.build(first.right if direction > 0 else first.left, direction, depth - 1)
        merged = self.merge(first, second, direction, biased=False)
        return merged._replace(
            turning=merged.turning or second.turning,
            sum_accept_probs=first.sum_accept_probs + second.sum_accept_probs,
            num_proposals=first.num_proposals + second.num_proposals,
        )

    def merge(self, tree, new, direction, biased) -> _Tree:
        """``tree`` joined with ``new``, its extension in ``direction``; the proposal is
        ``new``'s with probability ``w_new / w_tree`` capped at 1 (``biased``) or ``w_new /
        (w_tree + w_new)``."""
        log_weight = _logaddexp(tree.log_weight, new.log_weight)
        if biased:
            log_prob = min(0.0, new.log_weight - tree.log_weight)
        else:
            log_prob = new.log_weight - log_weight
        take_new = math.log(max(float(self.rng.random()), 1e-300)) < log_prob
        source = new if take_new else tree
        left, right = (tree, new) if direction > 0 else (new, tree)
        r_sum = left.r_sum + right.r_sum
        turning = (
            _turning(left.left, right.right, r_sum)
            or _turning(left.left, right.left, left.r_sum + right.left.r)
            or _turning(left.right, right.right, right.r_sum + left.right.r)
        )
        return _Tree(
            left.left,
            right.right,
            source.proposal,
            source.proposal_energy,
            log_weight,
            r_sum,
            turning,
            new.diverging,
            tree.sum_accept_probs,
            tree.num_proposals,
        )


def _turning(left, right, r_sum) -> bool:
    """The generalized no-U-turn criterion: the velocities at the two ends do not both point
    along the summed momentum ``r_sum`` of the states between them."""
    return float(dnp.dot(left.v, r_sum)) <= 0 or float(dnp.dot(right.v, r_sum)) <= 0
