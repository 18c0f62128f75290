"""Samples per second of ``dnp.random`` against ``numpy.random.Generator`` on the CPU (and against
CuPy's Generator on a GPU, when one is present).

Each sampler is timed on a Generator made once, ``dnp.random.default_rng(0)`` beside
``numpy.random.default_rng(0)``, as calls of ``<method>(*params, size=N)`` for N = 1e2, 1e4, 1e6
and 1e7 (1e7 left out with ``--quick``): ``standard_normal``, ``normal(1, 2)``, ``random``,
``uniform(-1, 1)``, ``gamma(2)``, ``exponential`` and ``integers(0, 100)``. dnp draws with a
NumPy Generator (NumPy's values for the seed), so the difference is dnp's own cost. Times are
timeit-style: the minimum over several repeats of a calibrated number of calls (more calls for
small N), NumPy and dnp repeats interleaved. The legacy interface (``dnp.random.normal`` against
``numpy.random.normal``, N = 1e6) is timed once, for information.

    python benchmarks/bench_random.py [--quick] [--out DIR] [--profile]

Prints a table of samples per second and the throughput ratio (dnp / NumPy; the issue's target:
at least 0.9 for N >= 1e6), the added time per call in microseconds (what matters for small N),
and a verdict per target. Writes ``DIR/random.json`` (default ``benchmarks/results/``) and, when
matplotlib is importable, ``DIR/random.png`` with the ratios. Nothing is asserted.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import (  # noqa: E402
    autorange,
    best_per_loop,
    own_time_by_file,
    parser,
    ratio_chart,
    run_environment,
    top_functions,
    write_results,
)

import dnp  # noqa: E402

SIZES = (100, 10_000, 1_000_000, 10_000_000)
QUICK_SIZES = SIZES[:-1]
LARGE = 1_000_000  # the target holds from this size up
RATIO_TARGET = 0.9  # dnp samples/s / NumPy samples/s, at N >= LARGE
LEGACY_N = 1_000_000
MARKS = {True: "met", False: "MISSED", None: ""}


@dataclass(frozen=True)
class Sampler:
    label: str  # as printed
    method: str  # the Generator method
    params: tuple  # its positional parameters; size= is added


SAMPLERS = (
    Sampler("standard_normal", "standard_normal", ()),
    Sampler("normal(1, 2)", "normal", (1.0, 2.0)),
    Sampler("random", "random", ()),
    Sampler("uniform(-1, 1)", "uniform", (-1.0, 1.0)),
    Sampler("gamma(2)", "gamma", (2.0,)),
    Sampler("exponential", "exponential", ()),
    Sampler("integers(0, 100)", "integers", (0, 100)),
)


def short(n: int) -> str:
    """1e2, 1e4, ... for powers of ten."""
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


# --- timing --------------------------------------------------------------------------------------
@dataclass
class Side:
    """One side of a comparison: ``call()`` draws once, ``sync(result)`` waits for the draw."""

    call: Callable[[], object]
    sync: Callable[[object], None]


def no_sync(result) -> None:
    pass


def dnp_sync(result) -> None:
    """Wait until a dnp result is computed (a no-op while dnp runs eagerly on the CPU)."""
    waitall = getattr(dnp, "waitall", None)
    if waitall is not None:
        waitall()
    elif hasattr(result, "wait_to_read"):
        result.wait_to_read()


def run_loops(side: Side, loops: int) -> float:
    """Seconds for ``loops`` draws, the last one waited for."""
    call = side.call
    result = None
    start = time.perf_counter()
    for _ in range(loops):
        result = call()
    side.sync(result)
    return time.perf_counter() - start


def calibrate(side: Side, budget: float) -> int:
    """Draws per repeat so that one repeat takes about ``budget`` seconds."""
    return autorange(lambda loops: run_loops(side, loops), budget)


def time_pair(ref: Side, new: Side, repeats: int, budget: float) -> tuple[float, float, list[int]]:
    """Best seconds per draw for the reference and for dnp, repeats interleaved.

    Calibration runs first and doubles as the warm-up (first-call caches, page faults).
    """
    sides = (ref, new)
    loops = [calibrate(s, budget) for s in sides]
    best = best_per_loop([lambda n, s=s: run_loops(s, n) for s in sides], loops, repeats)
    return best[0], best[1], loops


@dataclass
class Row:
    device: str  # "cpu" or "gpu"
    reference: str  # what dnp is compared with
    sampler: str
    method: str
    n: int
    ref_us: float  # best time per call
    dnp_us: float
    ref_samples_per_s: float
    dnp_samples_per_s: float
    ratio: float  # dnp samples/s / reference samples/s (higher is better)
    added_us: float  # dnp time - reference time per call
    loops_ref: int
    loops_dnp: int
    meets_target: bool | None  # None: the issue sets no target here


def make_row(device, reference, label, method, n, t_ref, t_dnp, loops, targeted) -> Row:
    ratio = t_ref / t_dnp
    return Row(
        device,
        reference,
        label,
        method,
        n,
        t_ref * 1e6,
        t_dnp * 1e6,
        n / t_ref,
        n / t_dnp,
        ratio,
        (t_dnp - t_ref) * 1e6,
        loops[0],
        loops[1],
        ratio >= RATIO_TARGET if targeted else None,
    )


def drawer(gen, s: Sampler, n: int, **kwargs) -> Callable[[], object]:
    method, params = getattr(gen, s.method), s.params
    return lambda: method(*params, size=n, **kwargs)


def measure_cpu(sizes: tuple[int, ...], repeats: int, budget: float) -> list[Row]:
    np_gen, dnp_gen = numpy.random.default_rng(0), dnp.random.default_rng(0)
    rows = []
    for s in SAMPLERS:
        for n in sizes:
            ref = Side(drawer(np_gen, s, n), no_sync)
            new = Side(drawer(dnp_gen, s, n), dnp_sync)
            t_ref, t_dnp, loops = time_pair(ref, new, repeats, budget)
            rows.append(
                make_row("cpu", "numpy.random.Generator", s.label, s.method, n, t_ref, t_dnp,
                         loops, n >= LARGE)
            )  # fmt: skip
            print(".", end="", flush=True, file=sys.stderr)
    return rows


def measure_legacy(repeats: int, budget: float) -> Row:
    """``dnp.random.normal`` against ``numpy.random.normal``: both NumPy's legacy MT19937 and
    polar method (dnp's global RandomState draws with NumPy's)."""
    n = LEGACY_N
    ref = Side(lambda: numpy.random.normal(size=n), no_sync)
    new = Side(lambda: dnp.random.normal(size=n), dnp_sync)
    t_ref, t_dnp, loops = time_pair(ref, new, repeats, budget)
    print(".", file=sys.stderr)
    return make_row("cpu", "numpy.random (legacy)", "legacy normal()", "normal", n, t_ref, t_dnp,
                    loops, False)  # fmt: skip


# --- GPU: dnp with device='gpu' against CuPy, when CuPy sees a GPU --------------------------------
# CuPy's legacy RandomState names for the methods its Generator may lack.
CUPY_LEGACY_NAMES = {"random": "random_sample", "integers": "randint"}


def measure_gpu(sizes: tuple[int, ...], repeats: int, budget: float) -> tuple[list[Row], list[str]]:
    import cupy

    stream_sync = cupy.cuda.get_current_stream().synchronize

    def gpu_sync(result) -> None:
        dnp_sync(result)
        stream_sync()

    cp_gen, cp_legacy = cupy.random.default_rng(0), cupy.random.RandomState(0)
    dnp_gen = dnp.random.default_rng(0)
    rows, notes = [], []
    for s in SAMPLERS:
        if hasattr(cp_gen, s.method):
            ref_gen, method, reference = cp_gen, s.method, "cupy.random.Generator"
        else:  # e.g. no normal() on CuPy's Generator: its legacy RandomState has one
            ref_gen, method = cp_legacy, CUPY_LEGACY_NAMES.get(s.method, s.method)
            reference = "cupy.random.RandomState"
        for n in sizes:
            ref = Side(drawer(ref_gen, Sampler(s.label, method, s.params), n), gpu_sync)
            new = Side(drawer(dnp_gen, s, n, device="gpu"), gpu_sync)
            try:
                t_ref, t_dnp, loops = time_pair(ref, new, repeats, budget)
            except Exception as exc:  # a method or keyword the other side lacks
                notes.append(f"gpu {s.label} N={short(n)}: skipped ({type(exc).__name__}: {exc})")
                break
            rows.append(make_row("gpu", reference, s.label, s.method, n, t_ref, t_dnp, loops,
                                 False))  # fmt: skip
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    return rows, notes


# --- checks and profile ------------------------------------------------------------------------
def first_calls_match(n: int = 1000, calls: int = 3) -> dict[str, bool]:
    """Whether a dnp Generator's calls give NumPy's values for the same seed, call after call:
    the two sides do the same work."""
    out = {}
    for s in SAMPLERS:
        ours, theirs = dnp.random.default_rng(0), numpy.random.default_rng(0)
        out[s.label] = all(
            numpy.array_equal(
                getattr(ours, s.method)(*s.params, size=n).asnumpy(),
                getattr(theirs, s.method)(*s.params, size=n),
            )
            for _ in range(calls)
        )
    return out


def profile_small(n: int = 100, calls: int = 20_000, top: int = 12) -> str:
    """cProfile of dnp's ``standard_normal`` and ``integers`` draws at small N: where the per-call
    overhead goes (NumPy's own draw counts in its caller's own time)."""
    out = io.StringIO()
    gen = dnp.random.default_rng(0)
    for s in (SAMPLERS[0], SAMPLERS[-1]):
        call = drawer(gen, s, n)
        for _ in range(1000):
            call()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(calls):
            call()
        prof.disable()
        stats = pstats.Stats(prof)
        total = sum(v[2] for v in stats.stats.values())
        shares = own_time_by_file(stats)
        out.write(
            f"\n{s.label}, N={n}: {total / calls * 1e6:.1f} us per call under cProfile; own time "
            f"by file: {', '.join(f'{k} {v:.0%}' for k, v in shares.items())}\n"
        )
        out.write(top_functions(prof, top) + "\n")
    return out.getvalue()


# --- reporting -----------------------------------------------------------------------------------
def format_table(rows: list[Row]) -> str:
    header = (
        f"{'sampler':<16} {'N':>5} {'ref us/call':>12} {'dnp us/call':>12} {'ref Msamp/s':>12} "
        f"{'dnp Msamp/s':>12} {'ratio':>6} {'added us':>9}  target"
    )
    lines = []
    for (device, reference), group in _groups(rows).items():
        lines += [f"\n[{device}] dnp vs {reference}", header, "-" * len(header)]
        for r in group:
            lines.append(
                f"{r.sampler:<16} {short(r.n):>5} {r.ref_us:>12.2f} {r.dnp_us:>12.2f} "
                f"{r.ref_samples_per_s / 1e6:>12.2f} {r.dnp_samples_per_s / 1e6:>12.2f} "
                f"{r.ratio:>6.3f} {r.added_us:>9.2f}  {MARKS[r.meets_target]}"
            )
    return "\n".join(lines)


def _groups(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.device, r.reference), []).append(r)
    return groups


def verdicts(rows: list[Row]) -> list[str]:
    """One line per target, computed from the rows."""
    targeted = [r for r in rows if r.meets_target is not None]
    if not targeted:
        return [f"target dnp >= {RATIO_TARGET:g}x NumPy's samples/s at N >= {short(LARGE)}: "
                "NOT MEASURED"]  # fmt: skip
    missed = [r for r in targeted if not r.meets_target]
    worst = min(targeted, key=lambda r: r.ratio)
    line = (
        f"target dnp >= {RATIO_TARGET:g}x NumPy's samples/s at N >= {short(LARGE)} (cpu): "
        f"{'met' if not missed else 'MISSED'} on {len(targeted) - len(missed)}/{len(targeted)} "
        f"draws (worst {worst.sampler} N={short(worst.n)}: {worst.ratio:.3f}x)"
    )
    if missed:
        which = (f"{r.sampler} N={short(r.n)} {r.ratio:.3f}x" for r in missed)
        line += f"; missed: {', '.join(which)}"
    return [line]


def overhead_summary(rows: list[Row]) -> str:
    small = [r for r in rows if r.device == "cpu" and r.n == SIZES[0] and "legacy" not in r.sampler]
    if not small:
        return ""
    added = sorted(r.added_us for r in small)
    return (
        f"added cost per call at N={short(SIZES[0])} (cpu): {added[0]:.1f} to {added[-1]:.1f} us "
        f"(median {added[len(added) // 2]:.1f} us): dispatch and wrapping the result"
    )


def environment(quick: bool) -> dict:
    return run_environment(
        quick,
        gpu=dnp.gpu_available(),
        targets={"ratio_min": RATIO_TARGET, "from_n": LARGE},
    )


def plot(rows: list[Row], path: Path) -> bool:
    """Bars of throughput ratios per sampler, one series per size (and per device)."""
    groups = list(dict.fromkeys(r.sampler for r in rows if "legacy" not in r.sampler))
    series: dict[str, dict[str, float]] = {}
    for r in rows:
        if "legacy" not in r.sampler:
            name = f"N={short(r.n)}" + ("" if r.device == "cpu" else f" ({r.device} vs CuPy)")
            series.setdefault(name, {})[r.sampler] = r.ratio
    return ratio_chart(
        groups,
        series,
        path,
        target=RATIO_TARGET,
        target_label=f"target (N >= {short(LARGE)})",
        ylabel="dnp samples/s / reference samples/s",
        title="dnp.random throughput relative to numpy.random.Generator (higher is better)",
        from_parity=True,
    )


def main(argv: list[str] | None = None) -> None:
    p = parser(__doc__, "random")
    p.add_argument("--profile", action="store_true", help="also: where dnp's per-call time goes")
    args = p.parse_args(argv)

    env = environment(args.quick)
    print(
        f"dnp {env['dnp']} vs NumPy {env['numpy']} (Python {env['python']}, {env['machine']}, "
        f"{env['cpu_count']} CPUs){' [quick]' if args.quick else ''}"
    )
    sizes = QUICK_SIZES if args.quick else SIZES
    repeats, budget = (3, 0.005) if args.quick else (7, 0.1)

    matches = first_calls_match()
    differ = [k for k, v in matches.items() if not v]
    verdict = "all samplers" if not differ else f"all but {', '.join(differ)}"
    print(f"a fresh default_rng(0)'s calls give NumPy's values: {verdict}")

    rows = measure_cpu(sizes, repeats, budget)
    rows.append(measure_legacy(repeats, budget))
    notes = []
    if env["gpu"]:
        gpu_rows, notes = measure_gpu(sizes, repeats, budget)
        rows += gpu_rows
    else:
        notes.append("gpu: skipped (no CuPy or no GPU: dnp.gpu_available() is False)")
    env["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    print(format_table(rows))
    print(
        f"\nratio = dnp samples/s / reference samples/s (higher is better); added us = dnp time "
        f"- reference time per call.\nTarget (issue): dnp at least {RATIO_TARGET:g}x NumPy's "
        f"throughput on large draws (N >= {short(LARGE)}); small draws are reported by the "
        "added cost per call. The legacy and GPU rows are for information."
    )
    for line in notes:
        print(line)
    summary = overhead_summary(rows)
    if summary:
        print(summary)
    lines = verdicts(rows)
    for line in lines:
        print(line)

    profile = profile_small() if args.profile else None
    if profile:
        print("\nwhere dnp's per-call time goes (cProfile, own time):" + profile)

    payload = {
        "env": env,
        "first_call_matches_numpy": matches,
        "rows": [asdict(r) for r in rows],
        "verdicts": lines,
        "notes": notes,
    }
    write_results(args.out, "random", payload, lambda path: plot(rows, path), profile)


if __name__ == "__main__":
    main()
