"""Warm-up adaptation (NumPyro's ``numpyro.infer.hmc_util``): dual averaging of the step size,
Welford estimates of a diagonal or dense mass matrix regularized as Stan does, and Stan's
windowed warm-up schedule."""

from __future__ import annotations

import math
from typing import NamedTuple

import dnp

__all__ = [
    "DualAveragingState",
    "WelfordState",
    "build_adaptation_schedule",
    "dual_averaging",
    "welford_covariance",
]


class DualAveragingState(NamedTuple):
    """Nesterov's dual averaging: iterate ``x``, averaged iterate ``x_avg``, averaged gradient
    ``g_avg``, iteration ``t`` and the center ``prox_center`` the iterates shrink towards."""

    x: float
    x_avg: float
    g_avg: float
    t: int
    prox_center: float


def dual_averaging(t0=10, kappa=0.75, gamma=0.05):
    """``(init_fn, update_fn)`` of dual averaging (Hoffman and Gelman 2014, section 3.2):
    ``init_fn(prox_center)``, ``update_fn(g, state)`` with ``g`` the gradient (the target accept
    probability minus the observed one, for the log step size)."""

    def init_fn(prox_center=0.0):
        return DualAveragingState(0.0, 0.0, 0.0, 0, prox_center)

    def update_fn(g, state):
        _, x_avg, g_avg, t, prox_center = state
        t = t + 1
        g_avg = (1 - 1 / (t + t0)) * g_avg + g / (t + t0)
        x = prox_center - math.sqrt(t) / gamma * g_avg
        weight = t ** (-kappa)
        x_avg = (1 - weight) * x_avg + weight * x
        return DualAveragingState(x, x_avg, g_avg, t, prox_center)

    return init_fn, update_fn


class WelfordState(NamedTuple):
    """Running mean, sum of squared deviations (a vector, or a matrix of cross products) and
    count."""

    mean: object
    m2: object
    n: int


def welford_covariance(diagonal=True):
    """``(init_fn, update_fn, final_fn)`` of Welford's running (co)variance of vectors;
    ``final_fn(state, regularize=True)`` gives the sample (co)variance, shrunk towards
    ``1e-3 * I`` as Stan does: ``n / (n + 5) * cov + 1e-3 * 5 / (n + 5) * I``."""

    def init_fn(size):
        m2 = dnp.zeros(size) if diagonal else dnp.zeros((size, size))  # float64 whatever z is
        return WelfordState(dnp.zeros(size), m2, 0)

    def update_fn(x, state):
        mean, m2, n = state
        n = n + 1
        delta = x - mean
        mean = mean + delta / n
        delta_post = x - mean
        m2 = m2 + (delta * delta_post if diagonal else dnp.outer(delta_post, delta))
        return WelfordState(mean, m2, n)

    def final_fn(state, regularize=True):
        _, m2, n = state
        cov = m2 / (n - 1)
        if regularize:
            shrink = 1e-3 * (5.0 / (n + 5.0))
            cov = (n / (n + 5.0)) * cov
            cov = cov + shrink if diagonal else cov + shrink * dnp.eye(cov.shape[0])
        return cov

    return init_fn, update_fn, final_fn


def build_adaptation_schedule(num_steps, init_buffer=75, term_buffer=50, base_window=25):
    """Stan's warm-up windows as ``(start, end)`` pairs (inclusive) of ``num_steps`` iterations:
    a fast initial buffer, slow windows doubling in size (the mass matrix is estimated in each
    and updated at its end), and a fast terminal buffer; the last slow window stretches to the
    terminal buffer. Fewer than 20 steps make one window; when the default buffers do not fit,
    they become 15%, 10% and the rest of ``num_steps``."""
    if num_steps < 20:
        return [(0, num_steps - 1)] if num_steps > 0 else []
    if init_buffer + base_window + term_buffer > num_steps:
        init_buffer = int(0.15 * num_steps)
        term_buffer = int(0.1 * num_steps)
        base_window = num_steps - init_buffer - term_buffer
    schedule = [(0, init_buffer - 1)]
    end_slow = num_steps - term_buffer - 1
    start, size = init_buffer, base_window
    while start <= end_slow:
        end = start + size - 1
        if end + 2 * size > end_slow:  # the next window would not fit: this one takes the rest
            end = end_slow
        schedule.append((start, end))
        start, size = end + 1, 2 * size
    schedule.append((end_slow + 1, num_steps - 1))
    return schedule


class AdaptState(NamedTuple):
    """The warm-up adapter's state: the current step size and mass matrix (its inverse and the
    square root of the mass matrix, for drawing momenta), the dual averaging and Welford states
    and the index of the current window."""

    step_size: float
    inverse_mass_matrix: object
    mass_matrix_sqrt: object
    ss_state: DualAveragingState
    mm_state: WelfordState
    window_idx: int


def mass_matrix_sqrt(inverse_mass_matrix):
    """``M^(1/2)``: ``1 / sqrt`` of a diagonal inverse mass matrix, the Cholesky factor of the
    mass matrix for a dense one."""
    if inverse_mass_matrix.ndim == 1:
        return 1.0 / dnp.sqrt(inverse_mass_matrix)
    return dnp.linalg.cholesky(dnp.linalg.inv(inverse_mass_matrix))


def warmup_adapter(
    num_warmup,
    find_reasonable_step_size=None,
    adapt_step_size=True,
    adapt_mass_matrix=True,
    dense_mass=False,
    target_accept_prob=0.8,
):
    """``(init_fn, update_fn)`` of Stan's windowed adaptation (NumPyro's ``warmup_adapter``).

    ``init_fn(size, step_size, inverse_mass_matrix=None, dtype=float)`` (the mass matrices are
    of the chain's ``dtype``; the Welford estimates are in float64); ``update_fn(t,
    accept_prob, z_flat, state)`` after warm-up iteration ``t``.
    ``find_reasonable_step_size(step_size, inverse_mass_matrix, mass_matrix_sqrt)`` re-tunes the
    step size when the mass matrix changes.
    """
    ss_init, ss_update = dual_averaging()
    mm_init, mm_update, mm_final = welford_covariance(diagonal=not dense_mass)
    schedule = build_adaptation_schedule(num_warmup)

    def retune(step_size, inverse_mass_matrix, sqrt):
        if find_reasonable_step_size is not None and adapt_step_size:
            step_size = find_reasonable_step_size(step_size, inverse_mass_matrix, sqrt)
        return step_size, ss_init(math.log(10 * step_size))

    def init_fn(size, step_size, inverse_mass_matrix=None, dtype=float):
        if inverse_mass_matrix is None:
            inverse_mass_matrix = dnp.eye(size) if dense_mass else dnp.ones(size)
        inverse_mass_matrix = dnp.asarray(inverse_mass_matrix, dtype=dtype)
        sqrt = mass_matrix_sqrt(inverse_mass_matrix)
        step_size, ss_state = retune(step_size, inverse_mass_matrix, sqrt)
        return AdaptState(step_size, inverse_mass_matrix, sqrt, ss_state, mm_init(size), 0)

    def update_fn(t, accept_prob, z_flat, state):
        step_size, inverse_mass_matrix, sqrt, ss_state, mm_state, window_idx = state
        if adapt_step_size:
            ss_state = ss_update(target_accept_prob - accept_prob, ss_state)
            step_size = math.exp(ss_state.x)
        start, end = schedule[window_idx]
        is_middle = 0 < window_idx < len(schedule) - 1
        if adapt_mass_matrix and is_middle:
            mm_state = mm_update(z_flat, mm_state)
        if t == end:
            if adapt_mass_matrix and is_middle:
                inverse_mass_matrix = mm_final(mm_state).astype(inverse_mass_matrix.dtype)
                sqrt = mass_matrix_sqrt(inverse_mass_matrix)
                mm_state = mm_init(z_flat.shape[0])
                step_size, ss_state = retune(step_size, inverse_mass_matrix, sqrt)
            window_idx = min(window_idx + 1, len(schedule) - 1)
        if adapt_step_size and t == num_warmup - 1:
            step_size = math.exp(ss_state.x_avg)
        return AdaptState(step_size, inverse_mass_matrix, sqrt, ss_state, mm_state, window_idx)

    return init_fn, update_fn
