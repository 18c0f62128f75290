"""What the benchmark scripts share: their command line, timing loop sizes, result files and
ratio bar chart."""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import pstats
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def parser(doc: str, stem: str) -> argparse.ArgumentParser:
    """``--quick`` and ``--out DIR`` (where ``<stem>.json`` and ``<stem>.png`` go)."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="few short repeats (a sanity check)")
    p.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        help=f"folder for {stem}.json and {stem}.png (default: benchmarks/results)",
    )
    return p


def ratio_chart(
    groups: list[str],
    series: dict[str, dict[str, float]],
    path: Path,
    *,
    target: float,
    target_label: str,
    ylabel: str,
    title: str,
    from_parity: bool = False,
) -> bool:
    """Bars of ratios (``series[name][group]``) on a log axis; False when matplotlib is missing.

    ``from_parity``: bars grow from 1, up when slower than the reference, down when faster.
    """
    try:
        import matplotlib
        import matplotlib.ticker

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(series)
    for k, (name, by_group) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        xs = [i + offset for i, g in enumerate(groups) if g in by_group]
        heights = [by_group[g] - (1 if from_parity else 0) for g in groups if g in by_group]
        ax.bar(xs, heights, width, bottom=1 if from_parity else 0, label=name)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.axhline(target, color="red", linewidth=0.8, linestyle="--", label=target_label)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def autorange(run_loops: Callable[[int], float], budget: float, cap: int = 1_000_000) -> int:
    """Loops per repeat so that one repeat (``run_loops(n)`` seconds) takes about ``budget``
    seconds (timeit's autorange)."""
    loops = 1
    while True:
        elapsed = run_loops(loops)
        if elapsed >= budget or loops >= cap:
            return loops
        loops = max(loops * 2, int(loops * budget / max(elapsed, 1e-9)))


def run_environment(quick: bool, **extra) -> dict:
    """What every result file records of the run: date, versions, machine; then ``extra``."""
    import numpy

    import dnp

    env = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "dnp": dnp.__version__,
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "quick": quick,
    }
    if hasattr(os, "getloadavg"):
        env["loadavg_start"] = os.getloadavg()
    env.update(extra)
    return env


def write_results(
    out: Path, stem: str, payload: dict, plot: Callable[[Path], bool], profile: str | None = None
) -> None:
    """``out/<stem>.json`` from ``payload`` (with ``profile``, when given), and
    ``out/<stem>.png`` when ``plot(path)`` can draw."""
    if profile:
        payload = {**payload, "profile": profile}
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {json_path}")
    png_path = out / f"{stem}.png"
    if plot(png_path):
        print(f"wrote {png_path}")
    else:
        print("matplotlib is not installed: no plot (pip install matplotlib to get one)")


def best_per_loop(
    runs: list[Callable[[int], float]], loops: list[int], repeats: int
) -> list[float]:
    """Best seconds per loop of each ``runs[i](loops[i])``, repeats interleaved so that load from
    other processes hits every side alike; garbage collection off, as timeit does (a collection
    inside one repeat is noise, not cost)."""
    best = [float("inf")] * len(runs)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for i, run in enumerate(runs):
                best[i] = min(best[i], run(loops[i]) / loops[i])
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def own_time_by_file(stats: pstats.Stats) -> dict[str, float]:
    """Shares of a profile's own time: per dnp file, C builtins, other Python (largest first)."""
    total = sum(v[2] for v in stats.stats.values()) or 1.0
    by_file: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if f"{os.sep}dnp{os.sep}" in filename:
            key = "dnp/" + filename.split(f"{os.sep}dnp{os.sep}", 1)[1]
        elif filename == "~":
            key = "C builtins"
        else:
            key = "other Python"
        by_file[key] = by_file.get(key, 0.0) + tt
    return {k: v / total for k, v in sorted(by_file.items(), key=lambda kv: -kv[1])}


def top_functions(profile, top: int) -> str:
    """The ``top`` functions of a ``cProfile.Profile`` by own time, as an indented table."""
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    first = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join("    " + line for line in lines[first:] if line.strip())
