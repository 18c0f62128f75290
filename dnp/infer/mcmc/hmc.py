"""The HMC and NUTS kernels (NumPyro's ``numpyro.infer.hmc``) for one chain: every leapfrog step
is one replayed ``dnp.jit`` program (``trajectory``); trajectories and trees are driven by plain
Python."""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp
from dnp.infer.distributions.distribution import as_generator
from dnp.infer.mcmc.adaptation import AdaptState, warmup_adapter
from dnp.infer.mcmc.flat import ravel, unravel_like
from dnp.infer.mcmc.potential import initialize_model
from dnp.infer.mcmc.trajectory import (
    MAX_DELTA_ENERGY,
    Programs,
    Proposal,
    Uniforms,
    accept_probability,
)
from dnp.infer.mcmc.tree import (
    END_ACCEPTED,
    RESTART,
    Tick,
    TrajectoryPrograms,
    TreePrograms,
    TreeState,
    grow_tree,
    proposal_reader,
    run_single,
    run_single_trajectory,
    run_ticks,
    trajectory_reader,
)
from dnp.infer.mcmc.zhusuan import ZhuSuanSampler
from dnp.infer.vi.initialization import init_to_uniform

__all__ = ["HMC", "NUTS", "HMCState"]

_UNSET = object()  # adapt_step_size not given: True for NumPyro's HMC, None for ZhuSuan's


class HMCState(NamedTuple):
    """One chain's state after iteration ``i``: ``z`` (unconstrained values, a dict), its
    potential energy and gradient, the energy of the last trajectory's accepted point, the
    number of leapfrog steps taken, the accept probability (mean over the trajectory for NUTS)
    and its running mean, whether the trajectory diverged, the adaptation state and the
    generator; as NumPyro's ``HMCState``, plus the depth of the last NUTS tree (the number of
    doublings, 0 for HMC)."""

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
    tree_depth: int = 0

    @property
    def step_size(self) -> float:
        return self.adapt_state.step_size

    @property
    def inverse_mass_matrix(self):
        return self.adapt_state.inverse_mass_matrix


class HMC:
    """Hamiltonian Monte Carlo with a fixed trajectory length (NumPyro's ``HMC``), and
    ZhuSuan's ``HMC`` on ``BayesianNet`` models.

    NumPyro's: give ``model`` (a model of ``dnp.infer`` primitives, sampled in unconstrained
    space with the Jacobian correction) or ``potential_fn`` (a function of a dict of arrays;
    then ``init`` needs ``init_params``) and run it with ``MCMC``. ``trajectory_length``
    (default ``2 pi``) divided by the step size gives the number of leapfrog steps, unless
    ``num_steps`` is given. During warm-up the step size is adapted by dual averaging towards
    ``target_accept_prob`` and the mass matrix (diagonal, or ``dense_mass``) in Stan's windows.

    ZhuSuan's: ``HMC(step_size, n_leapfrogs, adapt_step_size=None,
    target_acceptance_rate=0.8, gamma=0.05, t0=100, kappa=0.75, adapt_mass=None,
    mass_collect_iters=10, mass_decay=0.99)`` (the first two may be positional, the rest by
    keyword), then ``samples, info = hmc.sample(meta_bn, observed, latent)`` for each
    iteration (see ``dnp.infer.mcmc.zhusuan``); set ``hmc.adapt_step_size`` and
    ``hmc.adapt_mass`` false after the burn-in, as ZhuSuan's placeholders are fed.
    """

    def __init__(
        self,
        model=None,
        potential_fn=None,
        step_size=1.0,
        trajectory_length=None,
        num_steps=None,
        adapt_step_size=_UNSET,
        adapt_mass_matrix=True,
        dense_mass=False,
        target_accept_prob=0.8,
        init_strategy=init_to_uniform,
        *,
        n_leapfrogs=None,
        target_acceptance_rate=None,
        gamma=0.05,
        t0=100,
        kappa=0.75,
        adapt_mass=None,
        mass_collect_iters=10,
        mass_decay=0.99,
    ):
        if isinstance(model, (int, float)):  # ZhuSuan's positional (step_size, n_leapfrogs)
            step_size, model = model, None
            n_leapfrogs, potential_fn = potential_fn, None
        zhusuan = n_leapfrogs is not None
        if not zhusuan and (model is None) == (potential_fn is None):
            raise ValueError(
                "Only one of `model` or `potential_fn` must be specified (or ZhuSuan's "
                "`n_leapfrogs` for HMC.sample(meta_bn, observed, latent))."
            )
        if model is not None and potential_fn is not None:
            raise ValueError("Only one of `model` or `potential_fn` must be specified.")
        if trajectory_length is None and num_steps is None:
            trajectory_length = 2 * math.pi
        if adapt_step_size is _UNSET:
            adapt_step_size = None if zhusuan else True
        if target_acceptance_rate is not None:
            target_accept_prob = target_acceptance_rate
        if adapt_mass is not None and adapt_step_size is None:
            raise ValueError("If adapt mass is set, we should also adapt step size")
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
        self.n_leapfrogs = 10 if n_leapfrogs is None else n_leapfrogs
        self.gamma, self.t0, self.kappa = gamma, t0, kappa
        self.adapt_mass = adapt_mass
        self.mass_collect_iters = mass_collect_iters if adapt_mass is not None else 0
        self.mass_decay = mass_decay
        self._zhusuan = None
        self._postprocess = None
        self._potential_fn = None
        self._programs = None
        self._tree_programs = None
        self._trajectory_programs = None
        self._position = None

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
        self._potential_fn = potential_fn
        return {k: _as_float(v) for k, v in dict(init_params).items()}

    def init(self, rng, num_warmup, init_params=None, model_args=(), model_kwargs=None):
        """The chain's initial state; ``num_warmup`` iterations will adapt."""
        model_kwargs = {} if model_kwargs is None else model_kwargs
        rng = as_generator(rng)
        self.num_warmup = num_warmup
        z = self._setup(rng, init_params, model_args, model_kwargs)
        self._programs = Programs(self._potential_fn, z)
        self._uniforms = Uniforms(rng)
        z_flat = ravel(z)
        pe, z_grad = self._programs.value_and_grad(z_flat)
        pe = float(pe)
        self._position = (z_flat, pe, z_grad)

        def find_step_size(step_size, inverse_mass_matrix, sqrt):
            return _find_reasonable_step_size(
                self._programs, inverse_mass_matrix, sqrt, *self._position, rng, step_size
            )

        adapter_init, self._adapt_update = warmup_adapter(
            num_warmup,
            find_reasonable_step_size=find_step_size,
            adapt_step_size=self.adapt_step_size,
            adapt_mass_matrix=self.adapt_mass_matrix,
            dense_mass=self.dense_mass,
            target_accept_prob=self.target_accept_prob,
        )
        adapt_state = adapter_init(z_flat.shape[0], self.step_size, dtype=z_flat.dtype)
        z_grad = unravel_like(z_grad, z)
        return HMCState(
            0, z, z_grad, pe, pe, None, self.trajectory_length, 0, 0.0, 0.0, False, adapt_state, rng
        )

    def sample(self, state, model_args=(), model_kwargs=None, *, observed=None, latent=None):
        """The chain's next state (``model_args`` and ``model_kwargs`` are those of ``init``);
        or ZhuSuan's ``sample(meta_bn, observed, latent)``: one iteration on ``latent`` (updated
        in place), returning ``(samples, HMCInfo)``."""
        if not isinstance(state, HMCState):
            if observed is None:
                observed = model_args
            if latent is None:
                latent = model_kwargs
            if self._zhusuan is None:
                self._zhusuan = ZhuSuanSampler(self)
            return self._zhusuan.sample(state, dict(observed or {}), latent or {})
        states = []
        self.run_group([self], [state], 1, lambda c, new: states.append(new))
        return states[0]

    def _next_state(self, state, proposal, num_steps, accept_prob, diverging, depth):
        """The state after an iteration from ``state`` that moved to ``proposal`` (flat
        arrays), with its warm-up adaptation."""
        adapt_state = state.adapt_state
        self._position = (proposal.z, proposal.potential_energy, proposal.z_grad)
        itr = state.i + 1
        if state.i < self.num_warmup:
            adapt_state = self._adapt_update(state.i, accept_prob, proposal.z, adapt_state)
            mean_accept_prob = state.mean_accept_prob + (accept_prob - state.mean_accept_prob) / itr
        else:
            n = itr - self.num_warmup
            mean_accept_prob = state.mean_accept_prob + (accept_prob - state.mean_accept_prob) / n
        return HMCState(
            itr,
            unravel_like(proposal.z, state.z),
            unravel_like(proposal.z_grad, state.z),
            proposal.potential_energy,
            proposal.energy,
            None,
            self.trajectory_length,
            num_steps,
            accept_prob,
            mean_accept_prob,
            diverging,
            adapt_state,
            state.rng,
            depth,
        )

    def _trajectory_steps(self, step_size) -> int:
        """The leapfrog steps of a trajectory: ``num_steps``, or ``trajectory_length`` over the
        step size (at least one)."""
        if self.num_steps is None:
            return max(1, math.ceil(self.trajectory_length / step_size))
        return int(self.num_steps)

    def run_group(self, kernels, states, iterations, on_iteration):
        """``iterations`` iterations of the chains of ``kernels`` (copies of this kernel, each
        initialized) from ``states``, side by side: their trajectories' steps one batched
        program per step (``tree.TrajectoryPrograms``) while each chain counts its own steps;
        a chain alone runs ``sample``. ``on_iteration(c, state)`` gets chain ``c``'s state after
        each; a chain's draws do not depend on the group it runs in."""
        if len(kernels) == 1:
            chain = self._trajectories(0, states[0], iterations, on_iteration)
            with dnp.errstate(all="ignore"):  # a non-finite energy is a divergence, counted
                run_single_trajectory(self._programs, chain, states[0])
            return
        if self._trajectory_programs is None:
            self._trajectory_programs = TrajectoryPrograms(self._potential_fn, states[0].z)
        z = dnp.stack([ravel(state.z) for state in states])
        z_grad = dnp.stack([ravel(state.z_grad) for state in states])
        start = (z, dnp.zeros_like(z), z_grad, dnp.stack([z, z_grad], axis=1))
        chains = [
            kernel._trajectories(c, state, iterations, on_iteration)
            for c, (kernel, state) in enumerate(zip(kernels, states, strict=True))
        ]
        with dnp.errstate(all="ignore"):  # a non-finite energy is a divergence, counted
            run_ticks(
                self._trajectory_programs.tick, chains, start, trajectory_reader,
                z.shape[1], z.dtype,
            )  # fmt: skip

    def _trajectories(self, c, state, iterations, on_iteration):
        """Chain ``c`` of a group (a generator of ``Tick``s for ``run_ticks``): per iteration,
        the steps of a trajectory (the first restarting from the current point, which takes
        the last trajectory's end if that was accepted; its last step ``closes`` the
        trajectory), then the accept test."""
        accepted = False
        for _ in range(iterations):
            adapt_state = state.adapt_state
            step_size, inverse_mass_matrix = adapt_state.step_size, adapt_state.inverse_mass_matrix
            r = _draw_momentum(state.rng, adapt_state.mass_matrix_sqrt)
            pe = state.potential_energy
            energy = pe + float(self._programs.kinetic_energy(inverse_mass_matrix, r))
            num_steps = self._trajectory_steps(step_size)
            control = RESTART | (END_ACCEPTED if accepted else 0)
            tick = Tick(control, step_size, inverse_mass_matrix, r, closes=num_steps == 1)
            for i in range(num_steps):
                row, read = yield tick  # the last step's row: its energies
                tick = Tick(0, step_size, inverse_mass_matrix, closes=i + 2 == num_steps)
            delta = row[1] - energy
            accept_prob = accept_probability(delta)
            diverging = not delta <= MAX_DELTA_ENERGY
            accepted = self._uniforms() < accept_prob
            if accepted:
                proposal = Proposal(*read(c), *row)
            else:
                proposal = Proposal(ravel(state.z), ravel(state.z_grad), pe, energy)
            state = self._next_state(state, proposal, num_steps, accept_prob, diverging, 0)
            on_iteration(c, state)


def _as_float(value):
    """``value`` as an array of its floating dtype, or of float64."""
    value = dnp.asarray(value)
    return value if dnp.issubdtype(value.dtype, dnp.floating) else value.astype(float)


def _draw_momentum(rng, mass_matrix_sqrt):
    """A flat ``r ~ N(0, M)``, ``mass_matrix_sqrt`` a vector (diagonal) or a Cholesky factor
    (of the chain's dtype)."""
    eps = rng.standard_normal(mass_matrix_sqrt.shape[0], dtype=mass_matrix_sqrt.dtype)
    if mass_matrix_sqrt.ndim == 1:
        return mass_matrix_sqrt * eps
    return dnp.matmul(mass_matrix_sqrt, eps)


def _find_reasonable_step_size(programs, inverse_mass_matrix, sqrt, z, pe, z_grad, rng, step_size):
    """Double or halve the step size until the accept probability of one leapfrog step from
    ``z`` crosses 0.8 (NumPyro's ``find_reasonable_step_size``, after Hoffman and Gelman)."""
    target = math.log(0.8)
    last_direction, direction = 0, 0
    tiny, huge = 1e-300, 1e300
    while True:
        step_size = (2.0**direction) * step_size
        r = _draw_momentum(rng, sqrt)
        energy_current = float(pe) + float(programs.kinetic_energy(inverse_mass_matrix, r))
        with dnp.errstate(all="ignore"):
            *_, energy_new = programs.leapfrog_energy(
                z, r, z_grad, dnp.asarray(step_size, dtype=z.dtype), inverse_mass_matrix
            )
        delta = float(energy_new) - energy_current
        last_direction, direction = direction, 1 if target < -delta else -1
        if not (
            (step_size > tiny or direction >= 0)
            and (step_size < huge or direction <= 0)
            and (direction == last_direction or last_direction == 0)
        ):
            return step_size


class NUTS(HMC):
    """The No-U-Turn sampler (NumPyro's ``NUTS``): trees doubled in random directions until the
    generalized no-U-turn criterion (Betancourt 2017; within a new half against NumPyro's
    checkpoints, then across the whole tree) holds or ``max_tree_depth`` is reached,
    multinomial sampling of the proposal (biased progressive sampling between a tree and its
    new half); a step whose energy error exceeds 1000 diverges and stops the tree. The other
    arguments are ``HMC``'s."""

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

    def run_group(self, kernels, states, iterations, on_iteration):
        """``iterations`` iterations of the chains of ``kernels`` (copies of this kernel, each
        initialized) from ``states``, their trees built side by side (``tree.run_ticks``);
        ``on_iteration(c, state)`` gets chain ``c``'s state after each. A chain's draws do not
        depend on the group it runs in."""
        chains = [
            kernel._chain(c, state, iterations, on_iteration)
            for c, (kernel, state) in enumerate(zip(kernels, states, strict=True))
        ]
        z = [ravel(state.z) for state in states]
        z_grad = [ravel(state.z_grad) for state in states]
        with dnp.errstate(all="ignore"):  # a non-finite energy is a divergence, counted
            if len(chains) == 1:
                run_single(self._programs, chains[0], z[0], z_grad[0], self.max_tree_depth)
                return
            if self._tree_programs is None:
                self._tree_programs = TreePrograms(self._potential_fn, states[0].z)
            tree_state = TreeState.start(dnp.stack(z), dnp.stack(z_grad), self.max_tree_depth)
            size, dtype = z[0].shape[0], z[0].dtype
            run_ticks(self._tree_programs.tick, chains, tree_state, proposal_reader, size, dtype)

    def _chain(self, c, state, iterations, on_iteration):
        """Chain ``c`` of a group (a generator of ``Tick``s for ``run_ticks``): per iteration
        a tree (``grow_tree``), then a tick that applies its last choices and reads the
        proposal from the program's state, and the state's update (adaptation)."""
        for _ in range(iterations):
            adapt_state = state.adapt_state
            inverse_mass_matrix = adapt_state.inverse_mass_matrix
            r = _draw_momentum(state.rng, adapt_state.mass_matrix_sqrt)
            kinetic = float(self._programs.kinetic_energy(inverse_mass_matrix, r))
            start = (state.potential_energy, state.potential_energy + kinetic)
            proposal, num_steps, accept_prob, diverging, depth, pending = yield from grow_tree(
                self._uniforms,
                start[1],
                adapt_state.step_size,
                inverse_mass_matrix,
                r,
                self.max_tree_depth,
            )
            pe, energy = proposal or start
            _, read_proposal = yield Tick(
                pending, adapt_state.step_size, adapt_state.inverse_mass_matrix
            )
            z, z_grad = read_proposal(c)
            state = self._next_state(
                state, Proposal(z, z_grad, pe, energy), num_steps, accept_prob, diverging, depth
            )
            on_iteration(c, state)
