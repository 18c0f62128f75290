"""Time of ``log_prob`` and ``sample`` of ``dnp.infer.distributions`` beside ``scipy.stats``,
hand-written NumPy and, where importable, NumPyro and PyTorch's ``torch.distributions``.

Families: Normal, Gamma, Beta, Dirichlet (k = 5), Categorical(logits, k = 5) and
MultivariateNormal(scale_tril, d = 30), each with fixed parameters (one distribution, batch
shape ()) and N = 10, 1e3 and 1e6 values or draws (``--quick``: 10 and 1e3): for the vector
families N events of the event size (N x 5 or N x 30 numbers). Implementations:

* **NumPy** (the floor): the same formula written by hand on NumPy arrays, evaluated from the
  parameters on every call as a distribution's ``log_prob`` is (with
  ``scipy.special``'s xlogy, xlog1py, gammaln, betaln and ``scipy.linalg.solve_triangular``
  where the formula needs them; NumPy has no special functions) and NumPy's Generator for draws;
* **scipy.stats**: a frozen distribution's ``logpdf``/``logpmf`` and ``rvs`` with the same
  parameters (Categorical: ``rv_discrete`` on the softmax; MVN: ``Covariance.from_cholesky``);
* **dnp**: ``d.log_prob(x)`` and ``d.sample((N,), rng=gen)``, dnp's results waited for;
* **NumPyro** eager and jitted (``jax.jit`` of ``log_prob``; ``sample`` eager only), float64;
* **torch**: ``torch.distributions`` on float64 CPU tensors (default ``validate_args``).

Distribution objects (and values, generators, jitted functions) are made once, outside the
timed call; a second row at N = 10, ``log_prob+init``, times construction and ``log_prob``
together: what a model's step pays. Times are timeit-style: the minimum over repeats of a
calibrated number of calls, implementations interleaved. BLAS and OpenMP run one thread each
unless ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` say otherwise.

    python benchmarks/bench_distributions.py [--quick] [--out DIR]

Before timing, every implementation's log_prob is checked against ``scipy.stats`` (allclose).
Prints a table of microseconds per call and ratios, and verdicts for the issue's targets: at
1e6, dnp within 1.2x of hand-written NumPy; at 10, dnp faster than scipy.stats (and NumPyro eager
and torch when present). Writes ``DIR/distributions.json`` (default ``benchmarks/results/``) and,
with matplotlib, ``DIR/distributions.png``. Nothing is asserted.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

# One BLAS/OpenMP thread for every implementation unless the environment says otherwise, set
# before NumPy loads: on a small, shared machine OpenBLAS's threads waking for a 30 x 30 matmul
# or solve can cost milliseconds (the MultivariateNormal rows), which is not what is measured.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy  # noqa: E402
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no accelerator probing (and its warning)

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import (  # noqa: E402
    autorange,
    best_per_loop,
    parser,
    ratio_chart,
    run_environment,
    write_results,
)

import dnp  # noqa: E402

SIZES = (10, 1_000, 1_000_000)
QUICK_SIZES = SIZES[:-1]
SMALL, LARGE = SIZES[0], SIZES[-1]
FLOOR_TARGET = 1.2  # dnp time / hand-written NumPy time, at LARGE
K = 5  # Dirichlet and Categorical event size
D = 30  # MultivariateNormal dimension
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
MARKS = {True: "met", False: "MISSED", None: ""}


def short(n: int) -> str:
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp and n >= 1000 else str(n)


# --- the libraries ---------------------------------------------------------------------------
def optional_libraries() -> tuple[dict, list[str]]:
    """NumPyro (with JAX in float64) and torch, when importable; a note for each that is not."""
    found, notes = {}, []
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import numpyro.distributions as nd

        found["numpyro"] = (jax, jnp, nd)
    except Exception as exc:
        notes.append(f"NumPyro: skipped (not importable: {exc}; pip install numpyro jax)")
    try:
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
        found["torch"] = torch
    except Exception as exc:
        notes.append(f"torch: skipped (not importable: {exc}; pip install torch)")
    return found, notes


def dnp_sync(result) -> None:
    """Wait until dnp's result is computed (a no-op while dnp runs eagerly on the CPU)."""
    if hasattr(dnp, "waitall"):
        dnp.waitall()
    elif hasattr(result, "wait_to_read"):
        result.wait_to_read()


def no_sync(result) -> None:
    pass


def jax_sync(result) -> None:
    result.block_until_ready()


# --- the families ----------------------------------------------------------------------------
@dataclass
class Case:
    """One family at one N: parameters, values, and per implementation what to time."""

    name: str
    n: int
    log_prob: dict  # implementation -> (call, sync)
    sample: dict
    init_log_prob: dict  # construction + log_prob, timed at SMALL only
    reference: numpy.ndarray  # scipy.stats log density of the values
    outputs: dict  # implementation -> log_prob values (for the check)


def _params(name: str):
    rng = numpy.random.default_rng(1)
    if name == "Normal":
        return {"loc": 1.0, "scale": 2.0}
    if name == "Gamma":
        return {"a": 2.0, "rate": 3.0}
    if name == "Beta":
        return {"a": 2.0, "b": 3.0}
    if name == "Dirichlet":
        return {"alpha": numpy.array([0.5, 1.0, 2.0, 3.0, 4.0])}
    if name == "Categorical":
        return {"logits": rng.normal(size=K)}
    if name == "MultivariateNormal":
        tril = numpy.tril(rng.normal(size=(D, D)) * 0.3, -1) + numpy.diag(rng.uniform(0.5, 2, D))
        return {"loc": rng.normal(size=D), "tril": tril}
    raise ValueError(name)


FAMILIES = ("Normal", "Gamma", "Beta", "Dirichlet", "Categorical", "MultivariateNormal")


def _values(name: str, p: dict, n: int) -> numpy.ndarray:
    rng = numpy.random.default_rng(2)
    if name == "Normal":
        return rng.normal(p["loc"], p["scale"], n)
    if name == "Gamma":
        return rng.gamma(p["a"], 1 / p["rate"], n)
    if name == "Beta":
        return rng.beta(p["a"], p["b"], n)
    if name == "Dirichlet":
        return rng.dirichlet(p["alpha"], n)
    if name == "Categorical":
        return rng.integers(0, K, n)
    return p["loc"] + rng.standard_normal((n, D)) @ p["tril"].T


# hand-written NumPy: the formula and the draw, as a user would write them
def log_softmax(logits: numpy.ndarray) -> numpy.ndarray:
    """logits - logsumexp(logits), the max subtracted (scipy's logsumexp costs ~50 us a call)."""
    shifted = logits - logits.max()
    return shifted - numpy.log(numpy.exp(shifted).sum())


def numpy_log_prob(name: str, p: dict) -> Callable:
    """The formula, from the parameters on every call (as a distribution's log_prob does)."""
    sp = scipy.special
    if name == "Normal":
        loc, scale = p["loc"], p["scale"]

        def f(x):
            z = (x - loc) / scale
            return -0.5 * z * z - math.log(scale) - HALF_LOG_2PI

        return f
    if name == "Gamma":
        a, b = p["a"], p["rate"]
        return lambda x: sp.xlogy(a - 1, x) + a * math.log(b) - b * x - math.lgamma(a)
    if name == "Beta":
        a, b = p["a"], p["b"]
        return lambda x: sp.xlogy(a - 1, x) + sp.xlog1py(b - 1, -x) - sp.betaln(a, b)
    if name == "Dirichlet":
        alpha = p["alpha"]

        def dirichlet(x):
            norm = sp.gammaln(alpha.sum()) - sp.gammaln(alpha).sum()
            return sp.xlogy(alpha - 1, x).sum(axis=-1) + norm

        return dirichlet
    if name == "Categorical":
        logits = p["logits"]
        return lambda x: log_softmax(logits)[x]
    loc, tril = p["loc"], p["tril"]

    def mvn(x):
        m = scipy.linalg.solve_triangular(tril, (x - loc).T, lower=True, check_finite=False)
        half_log_det = numpy.log(numpy.diag(tril)).sum()
        return -0.5 * numpy.einsum("ij,ij->j", m, m) - half_log_det - D * HALF_LOG_2PI

    return mvn


def numpy_sample(name: str, p: dict, n: int, rng) -> Callable:
    if name == "Normal":
        return lambda: p["loc"] + p["scale"] * rng.standard_normal(n)
    if name == "Gamma":
        return lambda: rng.standard_gamma(p["a"], n) / p["rate"]
    if name == "Beta":
        return lambda: rng.beta(p["a"], p["b"], n)
    if name == "Dirichlet":

        def dirichlet():
            g = rng.standard_gamma(p["alpha"], (n, K))
            return g / g.sum(axis=-1, keepdims=True)

        return dirichlet
    if name == "Categorical":
        log_p = log_softmax(p["logits"])
        return lambda: numpy.argmax(log_p + rng.gumbel(size=(n, K)), axis=-1)
    return lambda: p["loc"] + rng.standard_normal((n, D)) @ p["tril"].T


# scipy.stats: a frozen distribution
def scipy_frozen(name: str, p: dict):
    st = scipy.stats
    if name == "Normal":
        return st.norm(p["loc"], p["scale"])
    if name == "Gamma":
        return st.gamma(p["a"], scale=1 / p["rate"])
    if name == "Beta":
        return st.beta(p["a"], p["b"])
    if name == "Dirichlet":
        return st.dirichlet(p["alpha"])
    if name == "Categorical":
        return st.rv_discrete(values=(numpy.arange(K), scipy.special.softmax(p["logits"])))
    return st.multivariate_normal(p["loc"], st.Covariance.from_cholesky(p["tril"]))


def scipy_log_prob(name: str, frozen) -> Callable:
    if name == "Dirichlet":  # scipy wants the components along the first axis
        return lambda x: frozen.logpdf(x.T)
    if name == "Categorical":
        return frozen.logpmf
    return frozen.logpdf


def scipy_init_log_prob(name: str, p: dict) -> Callable:
    return lambda x: scipy_log_prob(name, scipy_frozen(name, p))(x)


# dnp
def dnp_dist(name: str, p: dict):
    from dnp.infer import dist

    if name == "Normal":
        return dist.Normal(p["loc"], p["scale"])
    if name == "Gamma":
        return dist.Gamma(p["a"], p["rate"])
    if name == "Beta":
        return dist.Beta(p["a"], p["b"])
    if name == "Dirichlet":
        return dist.Dirichlet(p["dnp_alpha"])
    if name == "Categorical":
        return dist.Categorical(logits=p["dnp_logits"])
    return dist.MultivariateNormal(p["dnp_loc"], scale_tril=p["dnp_tril"])


# NumPyro
def numpyro_dist(name: str, p: dict, nd, jnp):
    if name == "Normal":
        return nd.Normal(p["loc"], p["scale"])
    if name == "Gamma":
        return nd.Gamma(p["a"], p["rate"])
    if name == "Beta":
        return nd.Beta(p["a"], p["b"])
    if name == "Dirichlet":
        return nd.Dirichlet(jnp.asarray(p["alpha"]))
    if name == "Categorical":
        return nd.Categorical(logits=jnp.asarray(p["logits"]))
    return nd.MultivariateNormal(jnp.asarray(p["loc"]), scale_tril=jnp.asarray(p["tril"]))


# torch
def torch_dist(name: str, p: dict, torch):
    td = torch.distributions
    t = lambda v: torch.as_tensor(v, dtype=torch.float64)  # noqa: E731
    if name == "Normal":
        return td.Normal(t(p["loc"]), t(p["scale"]))
    if name == "Gamma":
        return td.Gamma(t(p["a"]), t(p["rate"]))
    if name == "Beta":
        return td.Beta(t(p["a"]), t(p["b"]))
    if name == "Dirichlet":
        return td.Dirichlet(t(p["alpha"]))
    if name == "Categorical":
        return td.Categorical(logits=t(p["logits"]))
    return td.MultivariateNormal(t(p["loc"]), scale_tril=t(p["tril"]))


def build_case(name: str, n: int, libs: dict, notes: list[str]) -> Case:
    """Everything one (family, N) times, made once; implementations that fail are noted."""
    p = _params(name)
    for key in ("alpha", "logits", "loc", "tril"):
        if isinstance(p.get(key), numpy.ndarray):
            p[f"dnp_{key}"] = dnp.asarray(p[key])
    x = _values(name, p, n)
    frozen = scipy_frozen(name, p)
    reference = scipy_log_prob(name, frozen)(x)
    case = Case(name, n, {}, {}, {}, reference, {})

    def add(impl: str, make: Callable[[], tuple[Callable, Callable, Callable, Callable]]):
        """``make()`` -> (log_prob call, sample call, init+log_prob call, sync)."""
        try:
            lp, sample, init_lp, sync = make()
            out = lp()
            sync(out)
            case.outputs[impl] = numpy.asarray(out.asnumpy() if hasattr(out, "asnumpy") else out)
            sync(sample())
            sync(init_lp())
        except Exception as exc:
            notes.append(f"{name} N={short(n)} {impl}: left out ({type(exc).__name__}: {exc})")
            return
        case.log_prob[impl] = (lp, sync)
        case.sample[impl] = (sample, sync)
        case.init_log_prob[impl] = (init_lp, sync)

    np_lp = numpy_log_prob(name, p)
    np_rng = numpy.random.default_rng(0)
    add("numpy", lambda: (lambda: np_lp(x), numpy_sample(name, p, n, np_rng),
                          lambda: numpy_log_prob(name, p)(x), no_sync))  # fmt: skip

    sp_lp = scipy_log_prob(name, frozen)
    sp_rng = numpy.random.default_rng(0)
    add("scipy", lambda: (lambda: sp_lp(x), lambda: frozen.rvs(size=n, random_state=sp_rng),
                          lambda: scipy_init_log_prob(name, p)(x), no_sync))  # fmt: skip

    def make_dnp():
        d = dnp_dist(name, p)
        xd = dnp.asarray(x)
        gen = dnp.random.default_rng(0)
        return (lambda: d.log_prob(xd), lambda: d.sample((n,), rng=gen),
                lambda: dnp_dist(name, p).log_prob(xd), dnp_sync)  # fmt: skip

    add("dnp", make_dnp)

    if "numpyro" in libs:
        jax, jnp, nd = libs["numpyro"]

        def make_numpyro():
            d = numpyro_dist(name, p, nd, jnp)
            xj = jnp.asarray(x)
            key = jax.random.PRNGKey(0)
            return (lambda: d.log_prob(xj), lambda: d.sample(key, (n,)),
                    lambda: numpyro_dist(name, p, nd, jnp).log_prob(xj), jax_sync)  # fmt: skip

        def make_numpyro_jit():
            d = numpyro_dist(name, p, nd, jnp)
            xj = jnp.asarray(x)
            lp = jax.jit(d.log_prob)
            init_lp = jax.jit(lambda v: numpyro_dist(name, p, nd, jnp).log_prob(v))
            key = jax.random.PRNGKey(0)
            return (lambda: lp(xj), lambda: d.sample(key, (n,)), lambda: init_lp(xj), jax_sync)

        add("numpyro", make_numpyro)
        add("numpyro jit", make_numpyro_jit)
        case.sample.pop("numpyro jit", None)  # jitted log_prob only: its sample is eager's
    if "torch" in libs:
        torch = libs["torch"]

        def make_torch():
            d = torch_dist(name, p, torch)
            xt = torch.as_tensor(x)
            return (lambda: d.log_prob(xt), lambda: d.sample((n,)),
                    lambda: torch_dist(name, p, torch).log_prob(xt), no_sync)  # fmt: skip

        add("torch", make_torch)
    return case


# --- timing ----------------------------------------------------------------------------------
def run_loops(call: Callable, sync: Callable, loops: int) -> float:
    result = None
    start = time.perf_counter()
    for _ in range(loops):
        result = call()
    sync(result)
    return time.perf_counter() - start


def time_sides(sides: dict, repeats: int, budget: float) -> dict[str, float]:
    """Best seconds per call of each side, repeats interleaved; calibration is the warm-up."""
    names = list(sides)
    runs = [lambda k, s=sides[i]: run_loops(s[0], s[1], k) for i in names]
    loops = [autorange(run, budget) for run in runs]
    return dict(zip(names, best_per_loop(runs, loops, repeats), strict=True))


@dataclass
class Row:
    family: str
    op: str  # "log_prob", "sample" or "log_prob+init"
    n: int
    us: dict  # implementation -> microseconds per call
    vs_numpy: float | None  # dnp / hand-written NumPy
    vs_scipy: float | None  # dnp / scipy.stats
    meets_floor: bool | None  # at LARGE: dnp <= FLOOR_TARGET x NumPy
    meets_small: bool | None  # at SMALL: dnp faster than scipy, NumPyro eager, torch


def make_row(family: str, op: str, n: int, times: dict[str, float]) -> Row:
    us = {k: v * 1e6 for k, v in times.items()}
    dnp_us = us.get("dnp")
    vs_numpy = dnp_us / us["numpy"] if dnp_us and "numpy" in us else None
    vs_scipy = dnp_us / us["scipy"] if dnp_us and "scipy" in us else None
    floor = None
    if n == LARGE and op != "log_prob+init" and vs_numpy is not None:
        floor = vs_numpy <= FLOOR_TARGET
    small = None
    if n == SMALL and dnp_us is not None:
        rivals = [us[k] for k in ("scipy", "numpyro", "torch") if k in us]
        small = all(dnp_us < r for r in rivals) if rivals else None
    return Row(family, op, n, us, vs_numpy, vs_scipy, floor, small)


# --- reporting -------------------------------------------------------------------------------
IMPLS = ("numpy", "scipy", "dnp", "numpyro", "numpyro jit", "torch")


def format_table(rows: list[Row]) -> str:
    impls = [i for i in IMPLS if any(i in r.us for r in rows)]
    header = f"{'family':<19}{'op':<14}{'N':>5}" + "".join(f"{i + ' us':>15}" for i in impls)
    header += f"{'dnp/numpy':>10}{'dnp/scipy':>10}  target"
    lines = [header, "-" * len(header)]
    for r in rows:
        cells = "".join(f"{r.us[i]:>15.1f}" if i in r.us else f"{'-':>15}" for i in impls)
        ratio = lambda v: f"{v:>10.2f}" if v is not None else f"{'-':>10}"  # noqa: E731
        mark = MARKS[r.meets_floor] if r.meets_floor is not None else MARKS[r.meets_small]
        lines.append(
            f"{r.family:<19}{r.op:<14}{short(r.n):>5}{cells}{ratio(r.vs_numpy)}"
            f"{ratio(r.vs_scipy)}  {mark}"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row], rivals: list[str]) -> list[str]:
    out = []
    floor = [r for r in rows if r.meets_floor is not None]
    if floor:
        missed = [r for r in floor if not r.meets_floor]
        worst = max(floor, key=lambda r: r.vs_numpy)
        line = (
            f"target at N={short(LARGE)}: dnp within {FLOOR_TARGET:g}x hand-written NumPy: "
            f"{'met' if not missed else 'MISSED'} "
            f"(met on {len(floor) - len(missed)}/{len(floor)} rows, "
            f"worst {worst.family} {worst.op}: {worst.vs_numpy:.2f}x)"
        )
        if missed:
            line += "; missed: " + ", ".join(f"{r.family} {r.op} {r.vs_numpy:.2f}x" for r in missed)
        out.append(line)
    else:
        out.append(f"target at N={short(LARGE)} (dnp within {FLOOR_TARGET:g}x NumPy): NOT MEASURED")
    small = [r for r in rows if r.meets_small is not None]
    if small:
        missed = [r for r in small if not r.meets_small]
        line = (
            f"target at N={SMALL}: dnp faster than {', '.join(rivals)}: "
            f"{'met' if not missed else 'MISSED'} "
            f"(met on {len(small) - len(missed)}/{len(small)} rows)"
        )
        if missed:
            line += "; missed: " + ", ".join(
                f"{r.family} {r.op} (dnp {r.us['dnp']:.1f} us vs "
                + ", ".join(
                    f"{k} {r.us[k]:.1f}" for k in ("scipy", "numpyro", "torch") if k in r.us
                )
                + ")"
                for r in missed
            )
        out.append(line)
    return out


def plot(rows: list[Row], path: Path) -> bool:
    groups = list(
        dict.fromkeys(f"{r.family[:11]}\n{r.op}" for r in rows if r.op != "log_prob+init")
    )
    series: dict[str, dict[str, float]] = {}
    for r in rows:
        if r.vs_numpy is not None and r.op != "log_prob+init":
            series.setdefault(f"N={short(r.n)}", {})[f"{r.family[:11]}\n{r.op}"] = r.vs_numpy
    return ratio_chart(
        groups,
        series,
        path,
        target=FLOOR_TARGET,
        target_label=f"target (N = {short(LARGE)})",
        ylabel="dnp time / hand-written NumPy time",
        title="dnp.infer.distributions relative to hand-written NumPy (lower is better)",
        from_parity=True,
    )


def main(argv: list[str] | None = None) -> None:
    p = parser(__doc__, "distributions")
    args = p.parse_args(argv)
    libs, notes = optional_libraries()
    env = run_environment(
        args.quick,
        scipy=scipy.__version__,
        blas_threads={v: os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        optional={k: importlib.metadata.version(k) for k in libs},
        targets={"floor_max": FLOOR_TARGET, "floor_at_n": LARGE, "small_n": SMALL},
        event_sizes={"Dirichlet": K, "Categorical": K, "MultivariateNormal": D},
    )
    print(
        f"dnp {env['dnp']} vs NumPy {env['numpy']}, SciPy {env['scipy']}"
        + "".join(f", {k} {v}" for k, v in env["optional"].items())
        + f" (Python {env['python']}, {env['machine']}, {env['cpu_count']} CPUs)"
        + (" [quick]" if args.quick else "")
    )
    print(
        f"BLAS/OpenMP threads: {os.environ['OPENBLAS_NUM_THREADS']} (set the variables to change)"
    )
    for line in notes:
        print(line)
    sizes = QUICK_SIZES if args.quick else SIZES
    repeats, budget = (3, 0.002) if args.quick else (5, 0.05)

    rows, checks, left_out = [], {}, []
    for name in FAMILIES:
        for n in sizes:
            case = build_case(name, n, libs, left_out)
            for impl, out in case.outputs.items():
                ok = out.shape == case.reference.shape and numpy.allclose(
                    out, case.reference, rtol=1e-7, atol=1e-10
                )
                checks.setdefault(f"{name} {impl}", True)
                checks[f"{name} {impl}"] &= bool(ok)
            if "dnp" not in case.log_prob:
                continue  # dnp's family is missing or broken: its rows are left out
            rows.append(make_row(name, "log_prob", n, time_sides(case.log_prob, repeats, budget)))
            rows.append(make_row(name, "sample", n, time_sides(case.sample, repeats, budget)))
            if n == SMALL:
                times = time_sides(case.init_log_prob, repeats, budget)
                rows.append(make_row(name, "log_prob+init", n, times))
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    env["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    print("log_prob against scipy.stats (allclose, rtol 1e-7):")
    for name in FAMILIES:
        marks = [f"{k.split(' ', 1)[1]} {'ok' if v else 'DIFFERS'}" for k, v in checks.items()
                 if k.split(" ", 1)[0] == name]  # fmt: skip
        print(f"  {name:<19} {', '.join(marks) if marks else 'not run'}")
    for line in left_out:
        print(line)

    print()
    print(format_table(rows))
    print(
        "\nus = best microseconds per call. Distribution objects, values and generators are "
        "made once,\noutside the timed call; 'log_prob+init' times construction + log_prob "
        f"(N={SMALL}). N counts\nvalues or draws; Dirichlet and Categorical events are {K} "
        f"numbers, MultivariateNormal's {D}.\nnumpy = the same formula hand-written (the floor); "
        "'numpyro jit' times jax.jit(log_prob),\nand its sample column is eager's, left out."
    )
    rivals = ["scipy.stats"] + [k for k in ("numpyro eager", "torch") if k.split()[0] in libs]
    lines = verdicts(rows, rivals)
    for line in lines:
        print(line)

    payload = {
        "env": env,
        "checks_vs_scipy": checks,
        "rows": [asdict(r) for r in rows],
        "verdicts": lines,
        "notes": notes + left_out,
    }
    write_results(args.out, "distributions", payload, lambda path: plot(rows, path))


if __name__ == "__main__":
    main()
