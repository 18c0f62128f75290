"""NUTS trees of a group of chains built side by side: every tick is one replayed ``dnp.jit``
program that takes leapfrog steps of every chain at once, the chains along a leading axis of
its arrays (the model's potential and gradient by ``dnp.vmap``), while each chain's tree is
decided in plain Python on floats, as a generator that tells the program, by a control word,
what to do with its row at the next tick.

A chain's row of the program's state (``TreeState``) holds its trajectory's left and right
ends, the states the last tick made, the proposals of the current subtree and of the tree,
the momentum sums of the subtree and of the tree, and NumPyro's checkpoints of the no-U-turn
checks within a subtree. A tick, for each row, applies what the chain decided after the last
one (the subtree's proposal moves to a state the last tick made, the tree's to the subtree's,
the subtree's momentum sum joins the tree's) and may restart the row at a new iteration; then
takes two steps (a subtree's leaves ``2k`` and ``2k + 1``) or one (a subtree of one leaf) from
the end the chain grows, and returns their energies, the dot products of the no-U-turn checks
against every checkpoint, and those between the tree's ends as if the subtree ended there. A
chain waits one tick between iterations (its row does not step), to read its proposal and
adapt; there is no barrier between chains' iterations. A chain alone runs the same arithmetic
with Python holding its states (``run_single``).

HMC's fixed-length trajectories run side by side the same way (``TrajectoryPrograms``): a tick
steps every row, each chain counting its own steps.

Every operation acts on each row alone, and the products of the potential run once per row
(``dnp.vmap``), so a chain's draws are the same whatever the group it runs in.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp
from dnp.infer.mcmc.flat import flat_potential, ravel, velocity
from dnp.infer.mcmc.trajectory import (
    MAX_DELTA_ENERGY,
    accept_probability,
    checkpoint_dots,
    checkpoint_range,
    end_dots,
    kinetic_energy,
    leapfrog,
    log_add_exp,
)

__all__ = [
    "END_ACCEPTED",
    "RESTART",
    "Tick",
    "TrajectoryPrograms",
    "TreePrograms",
    "TreeState",
    "control_word",
    "grow_tree",
    "proposal_reader",
    "run_single",
    "run_single_trajectory",
    "run_ticks",
    "trajectory_reader",
]

# the bits of a tick's control word: what to apply first (the subtree's proposal moves to the
# last tick's first or second state, the tree's to the subtree's, the subtree's momentum joins the
# tree's), then how to step (restart the row, the side it grows, a new subtree, two steps or
# one); then the checkpoint its first step writes, one bit each from bit CONTROLS
TAKE_FIRST, TAKE_SECOND, ACCEPT, JOIN, RESET, LEFT, RIGHT, NEW_SUBTREE, PAIR = range(9)
CONTROLS = 9


# the bits of an HMC tick's control word: the row's state becomes its chain's current point (the
# last trajectory was accepted); the row restarts from the current point with fresh momentum
END_ACCEPTED, RESTART = 1, 2


def control_word(*flags: bool, checkpoint: int | None = None) -> int:
    """A tick's control word: ``flags`` in bit order, and the bit of ``checkpoint``."""
    word = sum(1 << bit for bit, flag in enumerate(flags) if flag)
    return word if checkpoint is None else word | 1 << (CONTROLS + checkpoint)


class TreeState(NamedTuple):
    """The program's state, the chains along axis 0: ``ends`` (left, right) x (position,
    momentum, gradient); the same three of the states the last tick made (``first``,
    ``second``) and of the subtree's and the tree's proposals (``subtree``, ``proposal``; their
    momenta unused); the momentum sums of the subtree (``r_sub``) and of the tree (``r_tree``);
    ``checkpoints`` (velocity, momentum, momentum sum) x ``max_tree_depth``."""

    ends: object
    first: object
    second: object
    subtree: object
    proposal: object
    r_sub: object
    r_tree: object
    checkpoints: object

    @classmethod
    def start(cls, z, z_grad, max_tree_depth):
        """The state of chains at positions ``z`` with gradients ``z_grad`` (stacked)."""
        n, size = z.shape
        zeros = dnp.zeros((n, 3, size), dtype=z.dtype)
        return cls(
            dnp.zeros((n, 2, 3, size), dtype=z.dtype),
            zeros,
            zeros,
            zeros,
            dnp.stack([z, zeros[:, 0], z_grad], axis=1),
            zeros[:, 0],
            zeros[:, 0],
            dnp.zeros((n, 3, max_tree_depth, size), dtype=z.dtype),
        )


class Tick:
    """A chain's request for the next tick: its ``control_word``, step size, inverse mass
    matrix and, on a restart, fresh momentum."""

    __slots__ = ("control", "step_size", "inverse_mass_matrix", "momentum", "checks", "closes")

    def __init__(
        self, control, step_size, inverse_mass_matrix, momentum=None, checks=(1, 0), closes=False
    ):
        self.control, self.step_size = control, step_size
        self.inverse_mass_matrix, self.momentum = inverse_mass_matrix, momentum
        # for ``run_single``: the checkpoints the step is checked against (``checkpoint_range``)
        # and whether it may close the subtree (then the tree's ends are checked)
        self.checks, self.closes = checks, closes


class TreePrograms:
    """The tick program of the potential ``potential_fn`` of dicts shaped as ``template``."""

    def __init__(self, potential_fn, template):
        value_and_grad = batched_value_and_grad(potential_fn, template)

        def tick(state, control, step_size, inverse_mass_matrix, momentum):
            ends, first, second, subtree, proposal, r_sub, r_tree, checkpoints = state
            imm = inverse_mass_matrix
            masks = 1 << dnp.arange(CONTROLS + checkpoints.shape[2])  # a constant of the trace
            bits = control[:, None] & masks != 0
            flag = [bits[:, k : k + 1] for k in range(CONTROLS)]
            subtree = dnp.where(flag[TAKE_FIRST][:, None], first, subtree)
            subtree = dnp.where(flag[TAKE_SECOND][:, None], second, subtree)
            proposal = dnp.where(flag[ACCEPT][:, None], subtree, proposal)
            r_tree = dnp.where(flag[JOIN], r_tree + r_sub, r_tree)
            start = dnp.where(_MOMENTUM_ROW, momentum[:, None], proposal)
            ends = dnp.where(flag[RESET][:, :, None, None], start[:, None], ends)
            r_tree = dnp.where(flag[RESET], momentum, r_tree)
            right = flag[RIGHT]
            chosen = dnp.where(right[:, None], ends[:, 1], ends[:, 0])
            eps = dnp.where(right, step_size, -step_size)
            z, r, (pe, g) = leapfrog(*(chosen[:, k] for k in range(3)), eps, imm, value_and_grad)
            v = velocity(imm, r)
            kinetic = [kinetic_energy(imm, r, v)]
            r_sub = dnp.where(flag[NEW_SUBTREE], r, r_sub + r)
            checkpoints = dnp.where(
                bits[:, None, CONTROLS:, None],
                dnp.stack([v, r, r_sub], axis=1)[:, :, None],
                checkpoints,
            )
            first = dnp.stack([z, r, g], axis=1)
            z, r, (pe2, g) = leapfrog(z, r, g, eps, imm, value_and_grad)
            v = velocity(imm, r)
            kinetic.append(kinetic_energy(imm, r, v))
            r_sub2 = r_sub + r
            ckpt_dots = checkpoint_dots(
                *(checkpoints[:, k] for k in range(3)), v[:, None], r[:, None], r_sub2[:, None]
            )
            second = dnp.stack([z, r, g], axis=1)
            pair = flag[PAIR]
            last = dnp.where(pair[:, None], second, first)
            r_sub = dnp.where(pair, r_sub2, r_sub)
            ends = dnp.where(bits[:, LEFT : RIGHT + 1, None, None], last[:, None], ends)
            r_left, r_right = ends[:, 0, 1], ends[:, 1, 1]
            joined = end_dots(
                velocity(imm, r_left), r_left, velocity(imm, r_right), r_right, r_tree, r_sub
            )
            scalars = dnp.concatenate(
                [dnp.stack([pe, kinetic[0], pe2, kinetic[1]], axis=1), joined, *ckpt_dots], axis=1
            )
            state = TreeState(ends, first, second, subtree, proposal, r_sub, r_tree, checkpoints)
            return state, scalars

        self.tick = dnp.jit(tick)


class TrajectoryPrograms:
    """The tick of HMC's fixed-length trajectories, chains along axis 0: each row steps from
    its state ``(z, r, z_grad)``, after taking it as its chain's current point (the last
    trajectory accepted: ``END_ACCEPTED``) and restarting from the current point with
    ``momentum`` (``RESTART``); returns the new state and each row's potential and total
    energy."""

    def __init__(self, potential_fn, template):
        value_and_grad = batched_value_and_grad(potential_fn, template)

        def tick(state, control, step_size, inverse_mass_matrix, momentum):
            z, r, g, current = state
            accept = control[:, None] & END_ACCEPTED != 0
            restart = control[:, None] & RESTART != 0
            current = dnp.where(accept[:, None], dnp.stack([z, g], axis=1), current)
            z = dnp.where(restart, current[:, 0], z)
            g = dnp.where(restart, current[:, 1], g)
            r = dnp.where(restart, momentum, r)
            z, r, (pe, g) = leapfrog(z, r, g, step_size, inverse_mass_matrix, value_and_grad)
            energy = pe + kinetic_energy(inverse_mass_matrix, r)
            return (z, r, g, current), dnp.stack([pe, energy], axis=1)

        self.tick = dnp.jit(tick)


_MOMENTUM_ROW = dnp.asarray([False, True, False])[:, None]  # of a state's (z, r, z_grad)


def batched_value_and_grad(potential_fn, template):
    """The value and gradient of ``potential_fn`` (of dicts shaped as ``template``) at each
    row of a stack of flat vectors."""
    return dnp.autograd.value_and_grad(dnp.vmap(flat_potential(potential_fn, template)))


def _ticks(depth: int) -> list[tuple]:
    """The ticks of a subtree of ``depth``: one step (depth 0), else its leaves in pairs
    ``(2k, 2k + 1)`` (the first can stop the subtree only by diverging); per tick, its control
    bits (new subtree, pair, the checkpoint its first step writes), the checkpoints its last
    step's checks read (``checkpoint_range``) and whether that step closes the subtree."""
    ticks = _TICKS.get(depth)
    if ticks is None:
        ticks = []
        for leaf in range(0, 2**depth, 2):
            last = leaf + 1 if depth else leaf
            bits = control_word(checkpoint=checkpoint_range(leaf)[1])
            bits |= (1 << NEW_SUBTREE if leaf == 0 else 0) | (1 << PAIR if depth else 0)
            ticks.append((bits, checkpoint_range(last), last == 2**depth - 1, bool(depth)))
        _TICKS[depth] = ticks
    return ticks


_TICKS: dict[int, list] = {}


def grow_tree(uniform, start_energy, step_size, inverse_mass_matrix, momentum, max_depth):
    """One chain's NUTS tree from a state of total energy ``start_energy``, a generator: it
    yields the ``Tick`` of each step (the first restarts the chain's row at its proposal with
    ``momentum``), is sent that tick's row of scalars (and the program's state), and returns
    ``(proposal, num_steps, mean accept probability, diverging, tree depth, pending)``:
    ``proposal`` the potential and total energy of the point accepted (None: the start), in the
    row's ``proposal`` once the next tick has applied the flags ``pending``."""
    k = max_depth
    tick = Tick(0, step_size, inverse_mass_matrix, momentum)  # one object, updated per tick
    pending = 1 << RESET  # the control bits of choices made since the last tick
    log_weight, proposal = 0.0, None
    num_steps, sum_accept_probs, diverging, tree_depth = 0, 0.0, False, 0
    exp, inf = math.exp, math.inf
    for depth in range(max_depth):
        tree_depth = depth + 1
        right = uniform() < 0.5
        side = 1 << RIGHT if right else 1 << LEFT
        sub_log_weight, sub_proposal = -inf, None
        stop = False
        for bits, checks, closes, pair in _ticks(depth):
            tick.control, tick.checks, tick.closes = pending | side | bits, checks, closes
            scalars, _ = yield tick
            tick.momentum, pending = None, 0
            end_left, end_right = scalars[4], scalars[5]
            for second in (False, True) if pair else (False,):
                pe, kinetic = scalars[2:4] if second else scalars[:2]
                num_steps += 1
                energy = pe + kinetic
                delta = energy - start_energy
                if delta != delta:  # NaN
                    delta = inf
                sum_accept_probs += accept_probability(delta)
                sub_log_weight_new = log_add_exp(sub_log_weight, -delta)
                if uniform() < exp(-delta - sub_log_weight_new):
                    pending = 1 << (TAKE_SECOND if second else TAKE_FIRST)
                    sub_proposal = (pe, energy)
                sub_log_weight = sub_log_weight_new
                diverging = delta > MAX_DELTA_ENERGY
                if diverging:
                    stop = True
                    break
            if not stop and pair:  # the odd leaf's no-U-turn checks
                lo, hi = checks
                if min(scalars[6 + lo : 7 + hi]) <= 0 or min(scalars[6 + k + lo : 7 + k + hi]) <= 0:
                    stop = True
            if stop:
                break
        if stop:
            pending = 0
            break
        if uniform() < exp(min(sub_log_weight - log_weight, 0.0)):
            pending, proposal = pending | 1 << ACCEPT, sub_proposal
        log_weight = log_add_exp(log_weight, sub_log_weight)
        pending |= 1 << JOIN
        if end_left <= 0 or end_right <= 0:
            break
    return (proposal, num_steps, sum_accept_probs / max(num_steps, 1), diverging, tree_depth,
            pending)  # fmt: skip


def run_ticks(tick, chains, state, reader, size, dtype):
    """Drive ``chains`` (generators yielding ``Tick``s, each sent its row of the tick's scalars
    and ``reader(state)``, a function of ``c`` giving arrays of chain ``c``) to their ends, one
    ``tick`` of the program for all of them at a time (an ended chain's row idles); ``size``
    and ``dtype``: a chain's flat vectors'. Returns the final state."""
    n = len(chains)
    requests = [next(chain) for chain in chains]
    live = list(range(n))
    steps = imms = None
    momentum = zeros = dnp.zeros((n, size), dtype=dtype)
    while live:
        if steps != [r.step_size for r in requests]:
            steps = [r.step_size for r in requests]
            step_sizes = dnp.asarray(steps, dtype=dtype)[:, None]
        if imms is None or any(
            r.inverse_mass_matrix is not m for r, m in zip(requests, imms, strict=True)
        ):
            imms = [r.inverse_mass_matrix for r in requests]
            inverse_mass_matrix = dnp.stack(imms)
        if any(r.momentum is not None for r in requests):
            momentum = dnp.stack([zeros[0] if r.momentum is None else r.momentum for r in requests])
        control = dnp.asarray([r.control for r in requests])
        state, scalars = tick(state, control, step_sizes, inverse_mass_matrix, momentum)
        rows = scalars.tolist()
        read = reader(state)
        for c in list(live):
            try:
                requests[c] = chains[c].send((rows[c], read))
            except StopIteration:
                live.remove(c)
                requests[c] = Tick(0, requests[c].step_size, requests[c].inverse_mass_matrix)
    return state


def proposal_reader(state):
    """A function of ``c`` giving chain ``c``'s NUTS proposal ``(z, z_grad)``."""
    proposal = state.proposal
    return lambda c: (proposal[c, 0], proposal[c, 2])


def trajectory_reader(state):
    """A function of ``c`` giving the end ``(z, z_grad)`` of chain ``c``'s HMC trajectory."""
    z, _, z_grad, _ = state
    return lambda c: (z[c], z_grad[c])


def run_single(programs, chain, z, z_grad, max_depth):
    """Drive one chain (as ``run_ticks``) without a batch: Python holds references where the
    batched program selects rows, and the steps are ``Programs.nuts_step`` and
    ``Programs.nuts_pair``, op for op the arithmetic of a row of the tick (so the chain draws the
    same numbers), with the dot products of the checks its ``Tick`` names alone."""
    first = second = subtree = proposal = (z, z_grad)
    ends, r_sub, r_tree = [None, None], None, None
    checkpoints = [None] * max_depth
    steps: dict = {}  # step size -> its signed 0-d arrays
    request = next(chain)
    while True:
        word = request.control
        if word & 1 << TAKE_FIRST:
            subtree = first
        if word & 1 << TAKE_SECOND:
            subtree = second
        if word & 1 << ACCEPT:
            proposal = subtree
        if word & 1 << JOIN:
            r_tree = r_tree + r_sub
        imm = request.inverse_mass_matrix
        if word & 1 << RESET:
            r0 = request.momentum
            ends = [(proposal[0], r0, proposal[1], programs.velocity(imm, r0))] * 2
            r_tree = r0
        row = None
        if word & (1 << LEFT | 1 << RIGHT):
            side = 1 if word & 1 << RIGHT else 0
            z, r, g, _ = ends[side]
            eps = steps.get(request.step_size)
            if eps is None:
                eps = steps[request.step_size] = (
                    dnp.asarray(-request.step_size, dtype=z.dtype),
                    dnp.asarray(request.step_size, dtype=z.dtype),
                )
            r_sum = None if word & 1 << NEW_SUBTREE else r_sub
            slot = (word >> CONTROLS).bit_length() - 1  # the first step's checkpoint
            idx_min, idx_max = request.checks
            if word & 1 << PAIR:  # the second step checks the stored ones and the first
                one, last, scalars = programs.nuts_pair(
                    z, r, g, eps[side], imm, r_sum, checkpoints[idx_min:idx_max]
                )
                scalars = scalars.tolist()
                first, second = (one.z, one.z_grad), (last.z, last.z_grad)
            else:
                one = last = programs.nuts_step(z, r, g, eps[side], imm, r_sum, ())
                scalars = last.scalars.tolist() * 2
                first = (one.z, one.z_grad)
            checkpoints[slot] = (one.v, one.r, one.r_sum)
            ends[side] = (last.z, last.r, last.z_grad, last.v)
            r_sub = last.r_sum
            joined = [1.0, 1.0]  # not turning: read only where the step closes its subtree
            if request.closes:
                (_, rl, _, vl), (_, rr, _, vr) = ends
                joined = programs.end_dots(vl, rl, vr, rr, r_tree, r_sub).tolist()
            dots = scalars[4:]
            pad = [0.0] * max_depth
            left_dots, right_dots = pad[:], pad[:]
            left_dots[idx_min : idx_max + 1], right_dots[idx_min : idx_max + 1] = (
                dots[::2],
                dots[1::2],
            )
            row = [*scalars[:4], *joined, *left_dots, *right_dots]
        try:
            request = chain.send((row, lambda c, p=proposal: p))
        except StopIteration:
            return


def run_single_trajectory(programs, chain, state):
    """Drive one HMC chain (as ``run_ticks``) from its ``HMCState`` without a batch: each step
    is ``Programs.leapfrog_energy``, op for op the arithmetic of a row of
    ``TrajectoryPrograms.tick``, its energies read only where the step ``closes`` the
    trajectory."""
    current = end = (ravel(state.z), ravel(state.z_grad))
    position, steps = None, {}
    request = next(chain)
    while True:
        word = request.control
        if word & END_ACCEPTED:
            current = end
        if word & RESTART:
            position = (current[0], request.momentum, current[1])
        step = steps.get(request.step_size)
        if step is None:
            step = steps[request.step_size] = dnp.asarray(request.step_size, current[0].dtype)
        z, r, pe, z_grad, energy = programs.leapfrog_energy(
            *position, step, request.inverse_mass_matrix
        )
        position, end = (z, r, z_grad), (z, z_grad)
        row = dnp.stack([pe, energy]).tolist() if request.closes else None
        try:
            request = chain.send((row, lambda c, e=end: e))
        except StopIteration:
            return
