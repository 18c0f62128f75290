"""NUTS in dnp beside NumPyro: a Bayesian logistic regression's min ESS per second.

The model, written once as a function of the library: scikit-learn's breast-cancer data (569 x
30, z-scored, a column of ones first: 31 coefficients), ``beta ~ Normal(0, 1)``, ``y ~
Bernoulli(logits=x @ beta)``; NUTS with its defaults (target accept 0.8, diagonal mass matrix,
tree depth 10), 4 chains x (1000 warm-up + 1000 samples) (``--quick``: 2 x (100 + 100);
``--warmup N --samples M --chains C`` for a reduced run), float32 (``--dtype float64``: both in
float64, JAX with x64). Runs: dnp with ``chain_method="parallel"`` (here one group batched
along a chain axis) and ``"sequential"``, NumPyro with ``chain_method="sequential"`` (the
issue's reference) twice in the same process: the first run's wall time includes all of JAX's
compilation, the second's that of the sampling loop alone (NumPyro 0.22 traces and compiles it
again on every ``MCMC.run``).
Time to the first draw: a fresh MCMC with one chain, no warm-up and one sample, run before
anything else of that library in this process (NumPyro: compilation included).

For every run the draws of all libraries go through the same functions: bulk ESS and rank
R-hat of ``dnp.infer.diagnostics`` (and NumPyro's ``effective_sample_size`` where importable),
min over the 31 coefficients; min-ESS/s = min ESS / wall time of ``MCMC.run``. The posterior
means are compared: the largest difference between dnp's and NumPyro's, in units of its Monte
Carlo standard error (the two MCSEs combined).

The large regression (``--large``, or ``--large-only`` without the breast-cancer runs): the
same model on synthetic data, x ~ N(0, 1) of 100,000 x 55 (the first column ones), true
coefficients w ~ N(0, 0.1^2) drawn once (seed 0), y ~ Bernoulli(sigmoid(x @ w)), float64 in
both libraries (JAX with x64); NUTS with its defaults, 1 chain of 100 warm-up + 100 samples
(``--large-warmup N --large-samples M``; ``--quick``: 10 + 10) from ``init_params`` w. Measured:
ms per leapfrog step, the wall time over the leapfrog steps of warm-up and sampling, counted
exactly: dnp, in one ``MCMC.run``, by a ``NUTS`` subclass that records every iteration's
``num_steps``; NumPyro (whose extra fields hold the kept draws only) by timing
``MCMC.warmup(collect_warmup=True)`` and then ``MCMC.run`` and summing ``num_steps`` of both
phases. NumPyro runs twice on the same ``MCMC`` object and arrays: the first run compiles
everything, the second still compiles its sampling loops (NumPyro 0.22 traces and compiles
them again on every call), so the XLA compilation time inside each run (from JAX's monitoring
events) is reported and subtracted in a further column. Then dnp with 2 chains, ``"parallel"``
and ``"sequential"`` (the same draws): ms per leapfrog step of all chains, whether the
threads overlap on large arrays.

    python benchmarks/bench_nuts.py [--quick] [--chains C] [--warmup N] [--samples M]
                                    [--dtype D] [--dnp-methods M,...] [--out DIR]
                                    [--large | --large-only] [--large-warmup N]
                                    [--large-samples M]

Needs scikit-learn and, for the NumPyro column, ``pip install numpyro``. BLAS and OpenMP run one
thread each unless the environment says otherwise; XLA keeps its defaults. Prints a table with
the ratios dnp / NumPyro and writes ``DIR/nuts.json`` (default ``benchmarks/results/``; the
large regression under its ``"large"`` key, which ``--large-only`` replaces in the file that is
there) and, with matplotlib, ``DIR/nuts.png``. Nothing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _report import parser, ratio_chart, run_environment, write_results  # noqa: E402

CHAINS, WARMUP, SAMPLES = 4, 1000, 1000
QUICK = (2, 100, 100)
LARGE_SHAPE = (100_000, 55)  # rows, coefficients (a column of ones first)
LARGE_WARMUP, LARGE_SAMPLES, LARGE_QUICK = 100, 100, 10
# The reference: NumPyro 0.22, float32, chains in sequence, on a 2-core Xeon.
NUMPYRO_REFERENCE = {"first_run_min_ess_per_s": 372, "warm_min_ess_per_s": (577, 592)}


def breast_cancer(dtype: str) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(x, y): the 30 features z-scored, with a column of ones first; y as 0./1."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    z = (data.data - data.data.mean(0)) / data.data.std(0)
    x = numpy.concatenate([numpy.ones((len(z), 1)), z], axis=1)
    return x.astype(dtype), data.target.astype(dtype)


@dataclass
class Library:
    name: str
    xp: Any
    ppl: Any  # sample, plate
    dist: Any
    infer: Any  # MCMC, NUTS
    key: Any  # seed -> what MCMC.run takes
    asarray: Any
    version: str


def load_library(name: str, dtype: str) -> Library:
    if name == "dnp":
        import dnp
        from dnp import infer

        return Library("dnp", dnp, infer, infer.dist, infer, lambda s: s, dnp.asarray,
                       dnp.__version__)  # fmt: skip
    import jax

    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions
    import numpyro.infer

    return Library("numpyro", jnp, numpyro, numpyro.distributions, numpyro.infer,
                   jax.random.PRNGKey, jnp.asarray, numpyro.__version__)  # fmt: skip


def logreg(lib: Library):
    xp, ppl, dist = lib.xp, lib.ppl, lib.dist

    def model(x, y):
        d = x.shape[1]
        beta = ppl.sample(
            "beta", dist.Normal(xp.zeros(d, x.dtype), xp.ones(d, x.dtype)).to_event(1)
        )
        with ppl.plate("data", x.shape[0]):
            ppl.sample("y", dist.Bernoulli(logits=x @ beta), obs=y)

    return model


def make_mcmc(lib: Library, chains, warmup, samples, method):
    return lib.infer.MCMC(
        lib.infer.NUTS(logreg(lib)), num_warmup=warmup, num_samples=samples, num_chains=chains,
        chain_method=method, progress_bar=False,
    )  # fmt: skip


def run_mcmc(lib: Library, mcmc, x, y, seed=0) -> dict:
    """One ``mcmc.run``: its wall time, the draws (chains x draws x 31, float64 NumPy), the
    divergences and the mean tree size."""
    xs, ys = lib.asarray(x), lib.asarray(y)
    start = time.perf_counter()
    mcmc.run(lib.key(seed), xs, ys, extra_fields=("diverging", "num_steps"))
    beta = mcmc.get_samples(group_by_chain=True)["beta"]
    beta = numpy.asarray(beta, dtype=float)  # waits for the draws
    wall = time.perf_counter() - start
    fields = mcmc.get_extra_fields(group_by_chain=True)
    return {
        "wall_s": wall,
        "draws": beta,
        "divergences": int(numpy.asarray(fields["diverging"]).sum()),
        "mean_tree_steps": float(numpy.asarray(fields["num_steps"], dtype=float).mean()),
        "iterations": mcmc.num_chains * (mcmc.num_warmup + mcmc.num_samples),
        "draw_dtype": str(mcmc.get_samples()["beta"].dtype),
    }


def first_draw(name: str, dtype: str, data: str, t0: float) -> None:
    """In a fresh interpreter started with ``t0`` before any import: one chain, no warm-up, one
    draw on the arrays saved in ``data``; print the times (import, total) as JSON."""
    lib = load_library(name, dtype)
    imported = time.perf_counter()
    arrays = numpy.load(data)
    run_mcmc(lib, make_mcmc(lib, 1, 0, 1, "sequential"), arrays["x"], arrays["y"])
    end = time.perf_counter()
    print(json.dumps({"import_s": imported - t0, "total_s": end - t0}))


def time_first_draw(name: str, dtype: str, x, y) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.npz")
        numpy.savez(data, x=x, y=y)
        code = (
            "import time; t0 = time.perf_counter(); import sys; "
            f"sys.path.insert(0, {str(HERE)!r}); import bench_nuts; "
            f"bench_nuts.first_draw({name!r}, {dtype!r}, {data!r}, t0)"
        )
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
    return json.loads(run.stdout.strip().splitlines()[-1])


def diagnose(draws: numpy.ndarray) -> dict:
    """Bulk ESS, rank R-hat and MCSE by dnp's diagnostics, and NumPyro's ESS where it imports."""
    import dnp
    from dnp.infer import diagnostics

    d = dnp.asarray(draws)
    out = {
        "ess_bulk": numpy.asarray(diagnostics.ess(d, method="bulk"), dtype=float),
        "rhat": numpy.asarray(diagnostics.rhat(d), dtype=float),
        "mcse": numpy.asarray(diagnostics.mcse(d), dtype=float),
        "mean": draws.mean(axis=(0, 1)),
    }
    try:
        from numpyro.diagnostics import effective_sample_size
    except ImportError:
        pass
    else:
        out["ess_numpyro"] = numpy.asarray(effective_sample_size(draws), dtype=float)
    return out


def summarize(run: dict) -> dict:
    diag = diagnose(run["draws"])
    row = {
        "wall_s": run["wall_s"],
        "min_ess_bulk": float(diag["ess_bulk"].min()),
        "min_ess_per_s": float(diag["ess_bulk"].min() / run["wall_s"]),
        "max_rhat": float(diag["rhat"].max()),
        "divergences": run["divergences"],
        "mean_tree_steps": run["mean_tree_steps"],
        "ms_per_iteration": 1e3 * run["wall_s"] / run["iterations"],
        "draw_dtype": run["draw_dtype"],
    }
    if "ess_numpyro" in diag:
        row["min_ess_numpyro"] = float(diag["ess_numpyro"].min())
    return row, diag


def mean_gap_in_mcse(a: dict, b: dict) -> float:
    """The largest |mean_a - mean_b| / sqrt(mcse_a^2 + mcse_b^2) over the coefficients."""
    return float(numpy.max(numpy.abs(a["mean"] - b["mean"]) / numpy.hypot(a["mcse"], b["mcse"])))


def format_table(results: dict, first: dict, ref: str | None) -> str:
    cols = list(results)
    header = f"{'measure':<26}" + "".join(f"{c:>18}" for c in cols)
    lines = [header, "-" * len(header)]
    keys = (
        ("wall time (s)", "wall_s", ".2f"),
        ("min ESS (bulk)", "min_ess_bulk", ".0f"),
        ("min ESS (numpyro's)", "min_ess_numpyro", ".0f"),
        ("min-ESS / s", "min_ess_per_s", ".1f"),
        ("max R-hat", "max_rhat", ".4f"),
        ("divergences", "divergences", "d"),
        ("leapfrog steps / kept draw", "mean_tree_steps", ".1f"),
        ("ms / iteration (w+s)", "ms_per_iteration", ".3f"),
    )
    for what, key, fmt in keys:
        cells = [results[c].get(key) for c in cols]
        lines.append(
            f"{what:<26}" + "".join(f"{'-' if v is None else format(v, fmt):>18}" for v in cells)
        )
    firsts = {}  # the first column of each library
    for c in cols:
        firsts.setdefault(c.split(" ")[0], c)
    firsts = set(firsts.values())
    lines.append(
        f"{'time to first draw (s)':<26}"
        + "".join(
            f"{format(first[c.split(' ')[0]]['total_s'], '.2f') if c in firsts else '-':>18}"
            for c in cols
        )
    )
    if ref:
        lines.append("")
        lines.append(f"ratios against {ref}: min-ESS/s (higher is better for dnp), wall time")
        for c in cols:
            if c.startswith("dnp"):
                r = results[c]["min_ess_per_s"] / results[ref]["min_ess_per_s"]
                t = results[c]["wall_s"] / results[ref]["wall_s"]
                lines.append(f"  {c:<22} min-ESS/s x{r:.3f}   wall x{t:.2f}")
    return "\n".join(lines)


def synthetic(seed: int = 0) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(x, y, w): x ~ N(0, 1) of ``LARGE_SHAPE`` with its first column ones, true coefficients
    w ~ N(0, 0.1^2) (logits of sd ~0.75: no separation), y ~ Bernoulli(sigmoid(x @ w)); float64."""
    rng = numpy.random.default_rng(seed)
    n, d = LARGE_SHAPE
    x = numpy.concatenate([numpy.ones((n, 1)), rng.standard_normal((n, d - 1))], axis=1)
    w = 0.1 * rng.standard_normal(d)
    y = (rng.random(n) < 1 / (1 + numpy.exp(-(x @ w)))).astype(float)
    return x, y, w


XLA_COMPILE_S: list[float] = []  # JAX's backend compilation times, once listened to


def listen_to_xla_compilation() -> None:
    """Append the duration of every XLA compilation JAX does from now on to ``XLA_COMPILE_S``."""
    import jax.monitoring

    def listener(event, seconds, **_):
        if event == "/jax/core/compile/backend_compile_duration":
            XLA_COMPILE_S.append(seconds)

    jax.monitoring.register_event_duration_secs_listener(listener)


def counted_nuts(lib: Library):
    """dnp's NUTS on ``logreg`` that appends every iteration's leapfrog steps, warm-up included,
    to its class's ``steps`` (shared by the copies ``MCMC`` makes for its chains)."""

    class CountedNUTS(lib.infer.NUTS):
        steps: list[int] = []

        def _next_state(self, state, *args):  # every iteration's end, however chains run
            state = super()._next_state(state, *args)
            self.steps.append(int(state.num_steps))
            return state

    return CountedNUTS(logreg(lib))


def time_large(lib: Library, mcmc, x, y, w, seed=0) -> dict:
    """Warm-up and sampling of ``mcmc`` from ``w``: wall time and leapfrog steps of all chains.
    ``x`` and ``y`` are the library's arrays, the same objects in every run (NumPyro caches its
    sample function by their identity).

    dnp: one ``MCMC.run``, the steps counted by ``counted_nuts``. NumPyro:
    ``MCMC.warmup(collect_warmup=True)`` then ``MCMC.run``, both timed, the steps read from
    ``num_steps`` of each phase's extra fields."""
    init = {"beta": lib.asarray(w if mcmc.num_chains == 1 else numpy.tile(w, (mcmc.num_chains, 1)))}
    if lib.name == "dnp":
        counter = mcmc.sampler.steps
        counter.clear()
        start = time.perf_counter()
        mcmc.run(seed, x, y, init_params=init)
        numpy.asarray(mcmc.get_samples()["beta"])
        wall = time.perf_counter() - start
        steps = sum(counter)
        warmup_steps = steps - int(numpy.asarray(mcmc.get_extra_fields()["num_steps"]).sum())
        compile_s = None
    else:
        compiled = len(XLA_COMPILE_S)
        start = time.perf_counter()
        mcmc.warmup(
            lib.key(seed),
            x,
            y,
            init_params=init,
            extra_fields=("num_steps",),
            collect_warmup=True,
        )
        warmup_steps = int(numpy.asarray(mcmc.get_extra_fields()["num_steps"]).sum())
        mcmc.run(mcmc.post_warmup_state.rng_key, x, y, extra_fields=("num_steps",))
        numpy.asarray(mcmc.get_samples()["beta"])
        wall = time.perf_counter() - start
        steps = warmup_steps + int(numpy.asarray(mcmc.get_extra_fields()["num_steps"]).sum())
        compile_s = sum(XLA_COMPILE_S[compiled:])
    beta = numpy.asarray(mcmc.get_samples()["beta"], dtype=float)
    return {
        "chains": mcmc.num_chains,
        "wall_s": wall,
        "leapfrog_steps": steps,
        "warmup_steps": warmup_steps,
        "ms_per_leapfrog": 1e3 * wall / steps,
        "xla_compile_s": compile_s,
        "ms_per_leapfrog_uncompiled": 1e3 * (wall - (compile_s or 0.0)) / steps,
        "draw_dtype": str(mcmc.get_samples()["beta"].dtype),
        "max_error_in_sd": float(numpy.max(numpy.abs(beta.mean(0) - w) / beta.std(0))),
    }


def run_large(libs: dict, warmup: int, samples: int, methods: list[str], notes: list) -> dict:
    """The large regression's runs (see the module's docstring): label -> ``time_large``; a run
    that raises goes to ``notes``."""
    x, y, w = synthetic()
    data = {name: (lib.asarray(x), lib.asarray(y)) for name, lib in libs.items()}
    runs = [("dnp", "dnp", 1, "sequential")]
    if "numpyro" in libs:
        listen_to_xla_compilation()
        runs += [("numpyro 1st", "numpyro", 1, "sequential"), ("numpyro 2nd", "numpyro", 1, "")]
    runs += [(f"dnp 2 chains {m}", "dnp", 2, m) for m in methods]
    results, mcmc = {}, None
    for label, name, chains, method in runs:
        print(f"large: {label} ...", flush=True)
        lib = libs[name]
        if method:  # the 2nd NumPyro run reuses the 1st's MCMC and its cached functions
            kernel = counted_nuts(lib) if name == "dnp" else lib.infer.NUTS(logreg(lib))
            mcmc = lib.infer.MCMC(
                kernel,
                num_warmup=warmup,
                num_samples=samples,
                num_chains=chains,
                chain_method=method,
                progress_bar=False,
            )
        try:
            results[label] = time_large(lib, mcmc, *data[name], w)
        except Exception as exc:  # noqa: BLE001 - reported, the other runs go on
            notes.append(f"large: {label}: failed: {type(exc).__name__}: {exc}")
            print(f"  {notes[-1]}", flush=True)
            continue
        print(
            f"  {results[label]['wall_s']:.2f} s, {results[label]['leapfrog_steps']} steps",
            flush=True,
        )
    return results


def format_large(results: dict) -> str:
    refs = [r for r in ("numpyro 1st", "numpyro 2nd") if r in results]
    cols = (
        f"{'run':<26}{'wall (s)':>9}{'leapfrogs':>10}{'warm-up':>9}{'XLA (s)':>9}"
        f"{'ms/leapfrog':>12}{'w/o XLA':>9}"
    )
    header = cols + "".join(f"{'x ' + r:>14}" for r in refs) + ("   x w/o XLA" if refs else "")
    lines = [header, "-" * len(header)]
    for label, r in results.items():
        ratios = [r["ms_per_leapfrog"] / results[ref]["ms_per_leapfrog"] for ref in refs]
        if refs:
            ratios.append(r["ms_per_leapfrog"] / results[refs[-1]]["ms_per_leapfrog_uncompiled"])
        xla = "-" if r["xla_compile_s"] is None else f"{r['xla_compile_s']:.2f}"
        lines.append(
            f"{label:<26}{r['wall_s']:>9.2f}{r['leapfrog_steps']:>10d}{r['warmup_steps']:>9d}"
            f"{xla:>9}{r['ms_per_leapfrog']:>12.2f}{r['ms_per_leapfrog_uncompiled']:>9.2f}"
            + "".join(f"{q:>14.2f}" for q in ratios[: len(refs)])
            + (f"{ratios[-1]:>12.2f}" if refs else "")
        )
    par, seq = results.get("dnp 2 chains parallel"), results.get("dnp 2 chains sequential")
    if par and seq:
        lines.append(
            f"2 chains: parallel / sequential wall time {par['wall_s'] / seq['wall_s']:.2f} "
            "(0.5: the threads overlap fully, 1: not at all)"
        )
    lines.append(
        "ms/leapfrog: wall time over the leapfrog steps of all chains, warm-up included; "
        "w/o XLA: less the\nXLA compilation inside the run; x: dnp's ms/leapfrog over the column's "
        "(x w/o XLA: over numpyro's\nlast run's w/o XLA)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = parser(__doc__, "nuts")
    p.add_argument("--chains", type=int, help=f"chains (default {CHAINS}; quick {QUICK[0]})")
    p.add_argument("--warmup", type=int, help=f"warm-up draws (default {WARMUP})")
    p.add_argument("--samples", type=int, help=f"kept draws per chain (default {SAMPLES})")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument(
        "--dnp-methods",
        default="parallel,sequential",
        help="dnp's chain methods to run, comma-separated (default parallel,sequential)",
    )
    p.add_argument("--large", action="store_true", help="also the large synthetic regression")
    p.add_argument("--large-only", action="store_true", help="only the large regression")
    p.add_argument("--large-warmup", type=int, help=f"its warm-up (default {LARGE_WARMUP})")
    p.add_argument("--large-samples", type=int, help=f"its samples (default {LARGE_SAMPLES})")
    args = p.parse_args(argv)
    if args.large_only:
        path = args.out / "nuts.json"
        payload = json.loads(path.read_text()) if path.exists() else {}
        payload["large"] = bench_large(args)
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2))
        print(f"wrote {path} (its 'large' entry)")
        return
    payload, plot = bench_breast_cancer(args)
    if args.large:
        print()
        payload["large"] = bench_large(args)
    write_results(args.out, "nuts", payload, plot)


def bench_large(args) -> dict:
    """The large regression's part of the results: environment, runs and notes."""
    quick = (LARGE_QUICK, LARGE_QUICK) if args.quick else (LARGE_WARMUP, LARGE_SAMPLES)
    warmup = quick[0] if args.large_warmup is None else args.large_warmup
    samples = args.large_samples or quick[1]
    libs, notes = {}, []
    for name in ("dnp", "numpyro"):
        try:
            libs[name] = load_library(name, "float64")
        except ImportError as exc:
            notes.append(f"{name}: skipped (not importable: {exc})")
    env = run_environment(
        args.quick, dtype="float64", shape=LARGE_SHAPE, warmup=warmup, samples=samples,
        versions={k: lib.version for k, lib in libs.items()},
    )  # fmt: skip
    print(
        f"large synthetic logistic regression {LARGE_SHAPE[0]} x {LARGE_SHAPE[1]}, float64, "
        f"NUTS ({warmup} + {samples}) from the true coefficients"
    )
    methods = [m for m in args.dnp_methods.split(",") if m]
    results = run_large(libs, warmup, samples, methods, notes)
    env["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print()
    print(format_large(results))
    for line in notes:
        print(line)
    return {"env": env, "results": results, "notes": notes}


def bench_breast_cancer(args) -> tuple[dict, Any]:
    """The breast-cancer runs: the results' payload and the function drawing its chart."""
    chains, warmup, samples = QUICK if args.quick else (CHAINS, WARMUP, SAMPLES)
    chains = args.chains or chains
    warmup = warmup if args.warmup is None else args.warmup
    samples = args.samples or samples
    full = (chains, warmup, samples) == (CHAINS, WARMUP, SAMPLES)
    x, y = breast_cancer(args.dtype)

    libs, notes, first = {}, [], {}
    for name in ("dnp", "numpyro"):
        try:
            libs[name] = load_library(name, args.dtype)
        except ImportError as exc:
            notes.append(f"{name}: skipped (not importable: {exc})")
            continue
        first[name] = time_first_draw(name, args.dtype, x, y)
    env = run_environment(
        args.quick, dtype=args.dtype, chains=chains, warmup=warmup, samples=samples,
        versions={k: lib.version for k, lib in libs.items()},
        numpyro_reference=NUMPYRO_REFERENCE,
    )  # fmt: skip
    print(
        " vs ".join(f"{k} {lib.version}" for k, lib in libs.items())
        + f", {args.dtype}, {chains} chains x ({warmup} + {samples}), "
        + f"{env['cpu_count']} CPUs"
        + ("" if full else " [reduced]")
    )
    for line in notes:
        print(line)

    runs = [(f"dnp {m}", "dnp", m) for m in args.dnp_methods.split(",") if m]
    if "numpyro" in libs:
        runs += [("numpyro 1st", "numpyro", "sequential"), ("numpyro 2nd", "numpyro", "sequential")]
    results, diags, mcmc = {}, {}, None
    for label, name, method in runs:
        print(f"{label} ...", flush=True)
        if label != "numpyro 2nd":  # the 2nd run reuses the 1st's MCMC: compiled already
            mcmc = make_mcmc(libs[name], chains, warmup, samples, method)
        try:
            run = run_mcmc(libs[name], mcmc, x, y)
        except Exception as exc:  # noqa: BLE001 - reported, the other runs go on
            notes.append(f"{label}: failed: {type(exc).__name__}: {exc}")
            print(f"  {notes[-1]}", flush=True)
            continue
        results[label], diags[label] = summarize(run)
        print(f"  {results[label]['wall_s']:.2f} s", flush=True)
    ref = "numpyro 1st" if "numpyro 1st" in results else None
    gaps = {}
    if ref:
        for label in results:
            if label.startswith("dnp"):
                gaps[label] = mean_gap_in_mcse(diags[label], diags["numpyro 2nd"])
    env["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    print()
    print(format_table(results, first, ref))
    for label, gap in gaps.items():
        print(f"{label}: posterior means within {gap:.2f} combined MCSE of numpyro's (2nd run)")
    for line in notes:
        print(line)
    print(
        "time to first draw: a fresh interpreter, clock started before any import, one chain, "
        "no warm-up, one draw (imports: "
        + ", ".join(f"{k} {v['import_s']:.2f} s" for k, v in first.items())
        + ").\nIssue reference (NumPyro, 2-core Xeon): 372 min-ESS/s first run, 577-592 warm; "
        "min ESS 3885."
    )
    payload = {
        "env": env,
        "results": results,
        "first_draw_s": first,
        "mean_gap_in_mcse": gaps,
        "diagnostics": {k: {n: v.tolist() for n, v in d.items()} for k, d in diags.items()},
        "notes": notes,
    }

    def plot(path):
        if not ref:
            return False
        ratios = {c: results[c]["min_ess_per_s"] / results[ref]["min_ess_per_s"]
                  for c in results if c != ref}  # fmt: skip
        return ratio_chart(
            list(ratios), {"min-ESS/s vs numpyro 1st": ratios}, path, target=1.0,
            target_label="numpyro 1st run", ylabel="min-ESS/s ratio (higher is better)",
            title="NUTS logistic regression: min-ESS/s relative to NumPyro's first run",
        )  # fmt: skip

    return payload, plot


if __name__ == "__main__":
    main()
