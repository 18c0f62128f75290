"""NUTS in dnp beside NumPyro: a Bayesian logistic regression's min ESS per second.

The model, written once as a function of the library: scikit-learn's breast-cancer data (569 x
30, z-scored, a column of ones first: 31 coefficients), ``beta ~ Normal(0, 1)``, ``y ~
Bernoulli(logits=x @ beta)``; NUTS with its defaults (target accept 0.8, diagonal mass matrix,
tree depth 10), 4 chains x (1000 warm-up + 1000 samples) (``--quick``: 2 x (100 + 100);
``--warmup N --samples M --chains C`` for a reduced run), float32 (``--dtype float64``: both in
float64, JAX with x64). Runs: dnp with ``chain_method="parallel"`` (Python threads) and
``"sequential"``, NumPyro with ``chain_method="sequential"`` (the issue's reference) twice in the
same process: the first run's wall time includes JAX's compilation, the second's does not.
Time to the first draw: a fresh MCMC with one chain, no warm-up and one sample, run before
anything else of that library in this process (NumPyro: compilation included).

For every run the draws of all libraries go through the same functions: bulk ESS and rank
R-hat of ``dnp.infer.diagnostics`` (and NumPyro's ``effective_sample_size`` where importable),
min over the 31 coefficients; min-ESS/s = min ESS / wall time of ``MCMC.run``. The posterior
means are compared: the largest difference between dnp's and NumPyro's, in units of its Monte
Carlo standard error (the two MCSEs combined).

    python benchmarks/bench_nuts.py [--quick] [--chains C] [--warmup N] [--samples M]
                                    [--dtype D] [--no-sequential] [--out DIR]

Needs scikit-learn and, for the NumPyro column, ``pip install numpyro``. BLAS and OpenMP run one
thread each unless the environment says otherwise; XLA keeps its defaults. Prints a table with
the ratios dnp / NumPyro and writes ``DIR/nuts.json`` (default ``benchmarks/results/``) and, with
matplotlib, ``DIR/nuts.png``. Nothing is asserted.
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
    args = p.parse_args(argv)
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

    write_results(args.out, "nuts", payload, plot)


if __name__ == "__main__":
    main()
