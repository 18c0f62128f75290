"""Time per gradient evaluation (value and gradient) with dnp's autograd, beside the floor of
hand-written NumPy gradients and, where importable, HIPS autograd, PyTorch (CPU) and JAX.

dnp is timed twice: eager (``dnp autograd``: the tape is recorded and walked on every call) and
through ``dnp.jit`` (``dnp jit``: traced on the first call, then replayed).

Three workloads, each forward written once as a function of the array module ``xp``:

* ``chain``: a 100-op elementwise chain (sin, exp, tanh, cos, multiply, add, subtract) on 1e4
  float64 elements, loss = sum;
* ``mlp``: an MLP 784-256-256-10, batch 64, tanh activations, softmax cross-entropy (log-softmax
  through a logsumexp with the max subtracted); gradient with respect to all weights and biases;
* ``logreg``: a Bayesian logistic regression log-joint (X 500 x 30, Normal(0, 1) prior, stable
  log-sigmoid through ``-logaddexp(0, -z)``); gradient with respect to the weights.

    python benchmarks/bench_autograd.py [--quick] [--out DIR] [--profile] [--threads N]

Every implementation's value and gradient are checked against the hand-written NumPy ones
(themselves checked against central differences) before anything is timed. Prints a table,
writes ``DIR/autograd.json`` (default ``benchmarks/results/``) and, when matplotlib is
importable, ``DIR/autograd.png``. Nothing is asserted: the targets are printed beside the table.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import importlib.metadata
import json
import math
import os
import pstats
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path


def _pin_threads(argv: list[str]) -> int | None:
    """``--threads N``: every library's thread pool set to N, before any of them is imported
    (BLAS and OpenMP read their variables once, at load). None: library defaults."""
    n = None
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            n = argv[i + 1]
        elif a.startswith("--threads="):
            n = a.split("=", 1)[1]
    if n is None or not n.isdigit() or int(n) < 1:
        return None
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = n
    if n == "1":  # XLA's CPU client: no Eigen thread pool for its kernels
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    return int(n)


THREADS = _pin_threads(sys.argv[1:]) if __name__ == "__main__" else None

import numpy  # noqa: E402

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import (  # noqa: E402
    autorange,
    own_time_by_file,
    parser,
    ratio_chart,
    run_environment,
    top_functions,
)

import dnp  # noqa: E402
from dnp import autograd as dnp_autograd  # noqa: E402

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no accelerator probing (and its warning)

DNP_VS_NUMPY_TARGET = 1.5  # dnp time / hand-written NumPy time, on mlp and logreg
RATIO_TARGET_WORKLOADS = ("mlp", "logreg")
DNP_IMPLS = (("dnp autograd", "dnp"), ("dnp jit", "dnp jit"))  # eager, and traced then replayed
MARKS = {True: "met", False: "MISSED", None: "NOT MEASURED"}
LOG_2PI = math.log(2 * math.pi)

# --- the workloads: forward code written once, as a function of xp --------------------------------
CHAIN_N = 10_000
CHAIN_BLOCKS = 10  # 10 ops a block: 100 ops, then the sum


def chain(xp, h):
    """100 elementwise ops; residual blocks keep values and gradients of order one."""
    for _ in range(CHAIN_BLOCKS):
        t = xp.sin(h)
        t = t * 0.5
        t = xp.exp(t)
        t = t * h
        t = xp.tanh(t)
        t = xp.cos(t)
        t = t * t
        t = t - 0.5
        t = t * 0.1
        h = h + t
    return xp.sum(h)


def mlp(xp, W1, b1, W2, b2, W3, b3, x, Y):
    """Mean softmax cross-entropy of a 784-256-256-10 tanh MLP; ``Y`` holds one-hot labels."""
    h1 = xp.tanh(x @ W1 + b1)
    h2 = xp.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    m = xp.max(z, axis=1, keepdims=True)
    lse = xp.log(xp.sum(xp.exp(z - m), axis=1, keepdims=True)) + m
    return -xp.sum(Y * (z - lse)) / x.shape[0]


def logreg(xp, w, X, y):
    """Log-joint of Bayesian logistic regression: Normal(0, 1) prior, Bernoulli likelihood."""
    z = X @ w
    log_prior = -0.5 * xp.sum(w * w) - 0.5 * w.shape[0] * LOG_2PI
    # log sigmoid(z) = -logaddexp(0, -z), log sigmoid(-z) = -logaddexp(0, z): stable for any z
    log_lik = xp.sum(y * -xp.logaddexp(0.0, -z) + (1 - y) * -xp.logaddexp(0.0, z))
    return log_prior + log_lik


# --- the floor: the same forwards with their backward derived and written by hand in NumPy -------
def chain_hand(h):
    np = numpy
    saved = []
    for _ in range(CHAIN_BLOCKS):
        s = np.sin(h)
        u = np.exp(s * 0.5)
        tv = np.tanh(u * h)
        c = np.cos(tv)
        saved.append((h, s, u, tv, c))
        h = h + (c * c - 0.5) * 0.1
    value = np.sum(h)
    g = np.ones_like(h)
    for h, _s, u, tv, c in reversed(saved):
        # t = 0.1 (c^2 - 0.5), c = cos(tv), tv = tanh(v), v = u h, u = exp(s / 2), s = sin(h)
        gv = g * (-0.2) * c * np.sin(tv) * (1 - tv * tv)
        g = g + gv * (u + h * u * 0.5 * np.cos(h))
    return value, (g,)


def mlp_hand(W1, b1, W2, b2, W3, b3, x, Y):
    np = numpy
    batch = x.shape[0]
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    s = np.sum(e, axis=1, keepdims=True)
    lse = np.log(s) + m
    value = -np.sum(Y * (z - lse)) / batch
    dz = (e / s * np.sum(Y, axis=1, keepdims=True) - Y) / batch
    da2 = (dz @ W3.T) * (1 - h2 * h2)
    da1 = (da2 @ W2.T) * (1 - h1 * h1)
    grads = (x.T @ da1, da1.sum(0), h1.T @ da2, da2.sum(0), h2.T @ dz, dz.sum(0))
    return value, grads


def logreg_hand(w, X, y):
    np = numpy
    z = X @ w
    sp_neg = np.logaddexp(0.0, -z)  # -log sigmoid(z)
    sp_pos = np.logaddexp(0.0, z)  # -log sigmoid(-z)
    log_prior = -0.5 * np.sum(w * w) - 0.5 * w.shape[0] * LOG_2PI
    value = log_prior + np.sum(-y * sp_neg - (1 - y) * sp_pos)
    grad = X.T @ (y - np.exp(-sp_neg)) - w  # d/dz = y - sigmoid(z)
    return value, (grad,)


@dataclass
class Workload:
    name: str
    description: str
    forward: Callable  # forward(xp, *params, *data) -> scalar
    hand: Callable  # hand(*params, *data) -> (value, grads)
    params: tuple  # NumPy arrays differentiated
    data: tuple  # NumPy arrays held constant


def make_workloads() -> list[Workload]:
    rng = numpy.random.default_rng(0)
    h0 = rng.standard_normal(CHAIN_N)

    batch, sizes = 64, (784, 256, 256, 10)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers.append(rng.standard_normal((fan_in, fan_out)) / math.sqrt(fan_in))
        layers.append(0.1 * rng.standard_normal(fan_out))
    x = rng.standard_normal((batch, sizes[0]))
    Y = numpy.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]

    X = rng.standard_normal((500, 30))
    w_true = rng.standard_normal(30)
    y = (rng.random(500) < 1 / (1 + numpy.exp(-(X @ w_true)))).astype(numpy.float64)
    w = 0.5 * rng.standard_normal(30)

    return [
        Workload("chain", f"100-op elementwise chain, {CHAIN_N} float64", chain, chain_hand,
                 (h0,), ()),
        Workload("mlp", "MLP 784-256-256-10, batch 64, tanh, softmax CE", mlp, mlp_hand,
                 tuple(layers), (x, Y)),
        Workload("logreg", "Bayesian logistic regression, X 500x30", logreg, logreg_hand,
                 (w,), (X, y)),
    ]  # fmt: skip


# --- the implementations ----------------------------------------------------------------------
@dataclass
class Impl:
    """One way to get (value, gradients): ``call()`` runs one evaluation, ``sync`` waits for it
    and ``to_numpy`` turns its result into (float, [numpy arrays]) for the check."""

    name: str
    call: Callable[[], object]
    sync: Callable[[object], None]
    to_numpy: Callable[[object], tuple[float, list[numpy.ndarray]]]


def _no_sync(result) -> None:
    pass


def hand_impl(w: Workload) -> Impl:
    args = (*w.params, *w.data)
    return Impl("numpy (hand)", lambda: w.hand(*args), _no_sync,
                lambda r: (float(r[0]), [numpy.asarray(g) for g in r[1]]))  # fmt: skip


def _dnp_sync(result) -> None:
    dnp.waitall()


def _dnp_to_numpy(r):
    return float(r[0]), [numpy.asarray(g.asnumpy()) for g in r[1]]


def dnp_impls(w: Workload) -> list[Impl]:
    """dnp's autograd, eager (tape recorded and walked on every call), and through ``dnp.jit``
    (traced on the first call, then replayed)."""
    nparams = len(w.params)
    args = tuple(dnp.asarray(a) for a in (*w.params, *w.data))
    vg = dnp_autograd.value_and_grad(lambda *a: w.forward(dnp, *a), tuple(range(nparams)))
    jitted = dnp.jit(vg)
    return [
        Impl("dnp autograd", lambda: vg(*args), _dnp_sync, _dnp_to_numpy),
        Impl("dnp jit", lambda: jitted(*args), _dnp_sync, _dnp_to_numpy),
    ]


def hips_impl(w: Workload) -> Impl:
    import autograd
    import autograd.numpy as anp

    nparams = len(w.params)
    args = (*w.params, *w.data)
    vg = autograd.value_and_grad(lambda *a: w.forward(anp, *a), tuple(range(nparams)))
    return Impl("HIPS autograd", lambda: vg(*args), _no_sync,
                lambda r: (float(r[0]), [numpy.asarray(g) for g in r[1]]))  # fmt: skip


class TorchNamespace:
    """The NumPy names the forwards use, on torch tensors (``axis``/``keepdims`` spelled)."""

    def __init__(self, torch) -> None:
        self.torch = torch
        self.sin, self.cos, self.exp = torch.sin, torch.cos, torch.exp
        self.tanh, self.log = torch.tanh, torch.log
        self._zero = torch.zeros((), dtype=torch.float64)

    def sum(self, a, axis=None, keepdims=False):
        return a.sum() if axis is None else a.sum(dim=axis, keepdim=keepdims)

    def max(self, a, axis=None, keepdims=False):
        return a.max() if axis is None else self.torch.amax(a, dim=axis, keepdim=keepdims)

    def logaddexp(self, a, b):
        if not isinstance(a, self.torch.Tensor):
            a = self._zero if a == 0 else self.torch.tensor(a, dtype=b.dtype)
        return self.torch.logaddexp(a, b)


def torch_impl(w: Workload) -> Impl:
    import torch

    if THREADS is not None:
        torch.set_num_threads(THREADS)
    tnp = TorchNamespace(torch)
    params = [torch.tensor(p, requires_grad=True) for p in w.params]
    data = [torch.tensor(d) for d in w.data]

    def call():
        value = w.forward(tnp, *params, *data)
        grads = torch.autograd.grad(value, params)
        return value.detach(), grads

    return Impl("PyTorch", call, _no_sync,
                lambda r: (float(r[0]), [g.numpy() for g in r[1]]))  # fmt: skip


def jax_impls(w: Workload) -> list[Impl]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    nparams = len(w.params)
    args = tuple(jnp.asarray(a) for a in (*w.params, *w.data))
    vg = jax.value_and_grad(lambda *a: w.forward(jnp, *a), tuple(range(nparams)))
    jitted = jax.jit(vg)

    def to_numpy(r):
        return float(r[0]), [numpy.asarray(g) for g in r[1]]

    return [
        Impl("JAX eager", lambda: vg(*args), jax.block_until_ready, to_numpy),
        Impl("JAX jit", lambda: jitted(*args), jax.block_until_ready, to_numpy),
    ]


OPTIONAL = (  # (implementations, module to import, how to install)
    ("HIPS autograd", "autograd", "pip install autograd"),
    ("PyTorch", "torch", "pip install torch"),
    ("JAX", "jax", "pip install jax jaxlib"),
)


def available_optional() -> tuple[dict[str, bool], list[str]]:
    found, skipped = {}, []
    for label, module, how in OPTIONAL:
        try:
            __import__(module)
            found[label] = True
        except Exception as exc:  # ImportError, or a broken install
            found[label] = False
            skipped.append(f"{label}: skipped ({module} not importable: {exc}; {how})")
    return found, skipped


def make_impls(w: Workload, found: dict[str, bool]) -> list[Impl]:
    impls = [hand_impl(w), *dnp_impls(w)]
    if found.get("HIPS autograd"):
        impls.append(hips_impl(w))
    if found.get("PyTorch"):
        impls.append(torch_impl(w))
    if found.get("JAX"):
        impls.extend(jax_impls(w))
    return impls


# --- verification -----------------------------------------------------------------------------
RTOL, ATOL = 1e-7, 1e-9


def check_hand(w: Workload) -> str:
    """The hand-written gradient against central differences along three random directions."""
    rng = numpy.random.default_rng(1)
    value, grads = w.hand(*w.params, *w.data)
    worst, eps = 0.0, 1e-6

    def at(dirs, s):
        shifted = [p + s * eps * d for p, d in zip(w.params, dirs, strict=True)]
        return w.hand(*shifted, *w.data)[0]

    for _ in range(3):
        dirs = [rng.standard_normal(p.shape) for p in w.params]
        numeric = (at(dirs, 1) - at(dirs, -1)) / (2 * eps)
        analytic = sum(float(numpy.sum(g * d)) for g, d in zip(grads, dirs, strict=True))
        worst = max(worst, abs(numeric - analytic) / max(1.0, abs(analytic)))
    forward = float(w.forward(numpy, *w.params, *w.data))
    if not math.isclose(forward, value, rel_tol=1e-12, abs_tol=1e-12):
        return f"FAILED: hand value {value!r} != forward {forward!r}"
    return ("ok" if worst < 1e-5 else "FAILED") + f" (central differences, rel err {worst:.1e})"


def verify(impl: Impl, ref: tuple[float, list[numpy.ndarray]]) -> tuple[bool, str]:
    """``impl``'s value and gradients against the hand-written ones (allclose)."""
    try:
        result = impl.call()
        impl.sync(result)
        value, grads = impl.to_numpy(result)
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        return False, f"error: {type(exc).__name__}: {str(exc).splitlines()[0]} ({where})"
    ref_value, ref_grads = ref
    if len(grads) != len(ref_grads):
        return False, f"FAILED: {len(grads)} gradients, expected {len(ref_grads)}"
    worst = 0.0
    for g, r in zip(grads, ref_grads, strict=True):
        if g.shape != r.shape:
            return False, f"FAILED: gradient of shape {g.shape}, expected {r.shape}"
        if not numpy.allclose(g, r, rtol=RTOL, atol=ATOL):
            err = numpy.max(numpy.abs(g - r))
            return False, f"FAILED: gradient differs (max abs err {err:.2e})"
        scale = numpy.maximum(numpy.abs(r), 1.0)
        worst = max(worst, float(numpy.max(numpy.abs(g - r) / scale)))
    if not math.isclose(value, ref_value, rel_tol=RTOL, abs_tol=ATOL):
        return False, f"FAILED: value {value!r}, expected {ref_value!r}"
    return True, f"ok (allclose, max rel err {worst:.1e})"


# --- timing -----------------------------------------------------------------------------------
def run_loops(impl: Impl, loops: int) -> float:
    """Seconds for ``loops`` gradient evaluations, each waited for."""
    call, sync = impl.call, impl.sync
    start = time.perf_counter()
    for _ in range(loops):
        sync(call())
    return time.perf_counter() - start


def calibrate(impl: Impl, budget: float) -> int:
    """Loops per repeat so that one repeat takes about ``budget`` seconds."""
    return autorange(lambda loops: run_loops(impl, loops), budget, cap=100_000)


def time_impls(impls: list[Impl], repeats: int, budget: float) -> list[tuple[float, int]]:
    """Best seconds per evaluation for each implementation, repeats interleaved.

    Calibration runs first and doubles as the warm-up (JAX's compilation, first-call caches).
    """
    loops = [calibrate(impl, budget) for impl in impls]
    best = [float("inf")] * len(impls)
    gc_was_enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            for i, impl in enumerate(impls):
                gc.collect()
                gc.disable()  # as timeit does: a collection inside one repeat is noise, not cost
                best[i] = min(best[i], run_loops(impl, loops[i]) / loops[i])
                gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
        else:
            gc.disable()
    return list(zip(best, loops, strict=True))


@dataclass
class Row:
    workload: str
    implementation: str
    ms: float | None  # time per value-and-gradient evaluation; None: not timed (check failed)
    ratio: float | None  # ms / hand-written NumPy ms
    loops: int
    verified: bool
    check: str


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    hand_checks: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, dict] = field(default_factory=dict)


def measure(
    workloads: list[Workload], found: dict[str, bool], quick: bool, profile: bool
) -> Result:
    # Many short repeats: on a shared machine the minimum finds the quiet moments.
    repeats, budget = (3, 0.02) if quick else (15, 0.1)
    result = Result()
    for w in workloads:
        print(f"\n[{w.name}] {w.description}")
        result.hand_checks[w.name] = check_hand(w)
        print(f"  {'numpy (hand)':<14} vs central differences: {result.hand_checks[w.name]}")
        impls = make_impls(w, found)
        ref = impls[0].to_numpy(impls[0].call())
        good, checks = [], {}
        for impl in impls[1:]:
            ok, msg = verify(impl, ref)
            checks[impl.name] = (ok, msg)
            print(f"  {impl.name:<14} vs numpy (hand): {msg}")
            if ok:
                good.append(impl)
        timed = [impls[0], *good]
        timings = time_impls(timed, repeats, budget)
        times = dict(zip((i.name for i in timed), timings, strict=True))
        t_ref = times[impls[0].name][0]
        for impl in impls:
            ok, msg = checks.get(impl.name, (True, "reference"))
            if impl.name in times:
                t, loops = times[impl.name]
                row = Row(w.name, impl.name, t * 1e3, t / t_ref, loops, ok, msg)
            else:
                row = Row(w.name, impl.name, None, None, 0, ok, msg)
            result.rows.append(row)
        if profile and checks.get("dnp autograd", (False,))[0]:
            result.profiles[w.name] = profile_dnp(impls[1], quick)
    return result


# --- where dnp's time goes ----------------------------------------------------------------------
def kernel_split(impl: Impl, n: int) -> dict | None:
    """Time inside the backend's kernels (the NumPy functions dnp's ops call) against the whole
    gradient: every op's cached NumPy kernel is wrapped with a timer for ``n`` evaluations.
    Relies on dnp internals (the op table's per-backend kernel cache); None if they changed."""
    try:
        from dnp._ops import OPS
    except ImportError:
        return None
    spent = [0.0, 0]
    saved = {}
    calls: list | None = None  # while set: every kernel call of one evaluation, to replay

    def timed(fn):
        def kernel(*args, **kwargs):
            if calls is not None:
                calls.append((fn, args, kwargs))
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t0
                spent[1] += 1

        return kernel

    try:
        for op in OPS.values():
            saved[op] = dict(op.kernels)
            op.kernels[numpy] = timed(op.kernel(numpy))
        impl.sync(impl.call())  # warm
        calls = []
        impl.sync(impl.call())
        recorded, calls = calls, None
        spent[:] = [0.0, 0]
        start = time.perf_counter()
        for _ in range(n):
            impl.sync(impl.call())
        total = time.perf_counter() - start
    except Exception:
        return None
    finally:
        for op, kernels in saved.items():
            op.kernels.clear()
            op.kernels.update(kernels)
    kernels_ms, total_ms = spent[0] / n * 1e3, total / n * 1e3
    return {
        "total_ms": total_ms,
        "kernels_ms": kernels_ms,
        "dnp_python_ms": total_ms - kernels_ms,
        "kernel_calls": spent[1] / n,
        "replay_ms": replay_ms(recorded, n),
    }


def replay_ms(calls: list, n: int) -> float:
    """The floor of any eager tape with these gradient rules: the NumPy calls one evaluation
    made (same functions, same arguments), replayed back to back with no dnp code between."""
    for fn, args, kwargs in calls:  # warm
        fn(*args, **kwargs)
    start = time.perf_counter()
    for _ in range(n):
        for fn, args, kwargs in calls:
            fn(*args, **kwargs)
    return (time.perf_counter() - start) / n * 1e3


def profile_dnp(impl: Impl, quick: bool, top: int = 12) -> dict:
    """Where dnp's time goes: backend kernels against dnp's own Python (dispatch, tape,
    backward), then cProfile's top functions by own time."""
    n = 20 if quick else 200
    split = kernel_split(impl, n)
    per_call = (
        0.0 if split is None else split["dnp_python_ms"] / max(split["kernel_calls"], 1) * 1e3
    )
    print("\n  dnp, where the time goes (instrumented kernels, ms per gradient):")
    if split is None:
        print("    (kernel timing unavailable: dnp internals changed)")
    else:
        print(
            f"    total {split['total_ms']:.3f} ms = NumPy kernels {split['kernels_ms']:.3f} ms "
            f"({split['kernel_calls']:.0f} calls) + dnp Python {split['dnp_python_ms']:.3f} ms "
            f"({split['dnp_python_ms'] / split['total_ms']:.0%}; "
            f"{per_call:.1f} us per kernel call)"
        )
        print(
            f"    the same NumPy calls replayed with no dnp code between them: "
            f"{split['replay_ms']:.3f} ms (the floor of an eager tape with these rules)"
        )
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        impl.sync(impl.call())
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())
    backward = sum(v[3] for k, v in stats.stats.items() if k[2] == "_run_backward")
    shares = own_time_by_file(stats)
    print(
        f"  cProfile ({n} gradients; ufunc calls count in their caller's own time, so "
        f"_dispatch includes NumPy kernels): backward pass {backward / total:.0%} of the total"
    )
    print("    own time by file: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    print(top_functions(prof, top))
    return {
        "kernel_split": split,
        "cprofile_backward_share": backward / total,
        "cprofile_own_time_share_by_file": shares,
    }


# --- reporting -----------------------------------------------------------------------------------
def format_table(rows: list[Row]) -> str:
    header = f"{'workload':<8} {'implementation':<14} {'ms/grad':>10} {'x numpy':>8}  check"
    lines = [header, "-" * len(header)]
    for r in rows:
        ms = f"{r.ms:10.4f}" if r.ms is not None else f"{'-':>10}"
        ratio = f"{r.ratio:8.2f}" if r.ratio is not None else f"{'-':>8}"
        check = "reference" if r.check == "reference" else ("ok" if r.verified else r.check)
        lines.append(f"{r.workload:<8} {r.implementation:<14} {ms} {ratio}  {check}")
    return "\n".join(lines)


def targets(rows: list[Row]) -> tuple[list[str], dict]:
    """The targets' lines and a summary for the JSON."""
    by = {(r.workload, r.implementation): r for r in rows}
    lines, summary = [], {}
    for wl in RATIO_TARGET_WORKLOADS:
        for name, label in DNP_IMPLS:
            r = by.get((wl, name))
            met = None if r is None or r.ratio is None else r.ratio <= DNP_VS_NUMPY_TARGET
            summary[f"{wl}: {label} <= {DNP_VS_NUMPY_TARGET}x numpy"] = met
            got = "not timed" if met is None else f"{r.ratio:.2f}x"
            lines.append(
                f"  {wl:<7} {label:<9} <= {DNP_VS_NUMPY_TARGET}x hand-written NumPy: {got}  "
                f"{MARKS[met]}"
            )
    for wl in dict.fromkeys(r.workload for r in rows):
        for name, label in DNP_IMPLS:
            d, h = by.get((wl, name)), by.get((wl, "HIPS autograd"))
            if h is None or h.ms is None:
                met = None
                got = "HIPS autograd not timed"
            elif d is None or d.ms is None:
                met, got = False, "dnp not timed"
            else:
                met = d.ms < h.ms
                got = f"dnp {d.ms:.3f} ms vs HIPS {h.ms:.3f} ms (dnp/HIPS {d.ms / h.ms:.2f})"
            summary[f"{wl}: {label} faster than HIPS autograd"] = met
            lines.append(f"  {wl:<7} {label:<9} faster than HIPS autograd: {got}  {MARKS[met]}")
    return lines, summary


def environment(quick: bool) -> dict:
    env = run_environment(
        quick,
        device=str(dnp.get_device()),
        timing="min over repeats of a calibrated loop; each evaluation waited for "
        "(block_until_ready for JAX); implementations interleaved; gc off inside a repeat",
        threads=(
            "library defaults for all (no thread settings changed)"
            if THREADS is None
            else f"{THREADS} for all (--threads: OpenMP/BLAS variables, torch.set_num_threads"
            + (", XLA without its Eigen pool)" if THREADS == 1 else "; XLA at its default)")
        ),
        thread_variables={
            v: os.environ[v]
            for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")
            if v in os.environ
        },
        targets={
            "dnp_vs_numpy_max": DNP_VS_NUMPY_TARGET,
            "on": list(RATIO_TARGET_WORKLOADS),
            "dnp_faster_than_hips": "all workloads",
        },
    )
    with contextlib.suppress(Exception):
        env["numpy_blas"] = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    for dist in ("autograd", "torch", "jax", "jaxlib", "matplotlib"):
        try:
            env[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            env[dist] = None
    if env["torch"]:
        import torch

        env["torch_threads"] = torch.get_num_threads()
    return env


def plot(rows: list[Row], path: Path) -> bool:
    """Bars of time relative to hand-written NumPy; False when matplotlib is missing."""
    names = list(dict.fromkeys(r.implementation for r in rows))
    return ratio_chart(
        list(dict.fromkeys(r.workload for r in rows)),
        {
            n: {r.workload: r.ratio for r in rows if r.implementation == n and r.ratio}
            for n in names
        },
        path,
        target=DNP_VS_NUMPY_TARGET,
        target_label=f"dnp target ({DNP_VS_NUMPY_TARGET}x, mlp and logreg)",
        ylabel="time per gradient / hand-written NumPy",
        title="Value and gradient, relative to hand-written NumPy (lower is better)",
    )


def main(argv: list[str] | None = None) -> None:
    cli = parser(__doc__, "autograd")
    cli.add_argument(
        "--profile", action="store_true", help="cProfile dnp's gradient: where its time goes"
    )
    cli.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="pin every library to N threads (read at start-up; default: each library's own)",
    )
    args = cli.parse_args(argv)
    if args.threads is not None and args.threads != THREADS:
        print("--threads is read when the script starts, before NumPy loads: ignored here")

    found, skipped = available_optional()
    env = environment(args.quick)
    print(
        f"dnp {env['dnp']} autograd on {env['device']} vs hand-written NumPy {env['numpy']} "
        f"(Python {env['python']}, {env['machine']}, {env['cpu_count']} CPUs; "
        f"threads: {'library defaults' if THREADS is None else THREADS})"
        f"{' [quick]' if args.quick else ''}"
    )
    for line in skipped:
        print(line)
    result = measure(make_workloads(), found, args.quick, args.profile)
    print()
    print(format_table(result.rows))
    lines, summary = targets(result.rows)
    print("\nTargets:")
    print("\n".join(lines))

    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "autograd.json"
    env["load_average_at_end"] = os.getloadavg()
    payload = {
        "env": env,
        "skipped": skipped,
        "hand_checks": result.hand_checks,
        "targets": summary,
        "rows": [asdict(r) for r in result.rows],
    }
    if result.profiles:
        payload["dnp_profiles"] = result.profiles
    json_path.write_text(json.dumps(payload, indent=2))
    print(
        f"wrote {json_path} (load average at start {env['loadavg_start'][0]:.2f}, "
        f"at end {os.getloadavg()[0]:.2f}, on {env['cpu_count']} CPUs)"
    )
    png_path = args.out / "autograd.png"
    if plot(result.rows, png_path):
        print(f"wrote {png_path}")
    else:
        print("matplotlib is not installed: no plot (pip install matplotlib to get one)")


if __name__ == "__main__":
    main()
