"""Many small independent kernels on a GPU: dnp's stream pool against the same CuPy code on one
stream.

The program, written once as a function of the array module ``xp``: K independent branches
(K = 1, 4, 16), each a chain of 24 elementwise kernels (``sin``, ``* 1.0001``, ``exp``,
``+ 0.5``, six times over) on its own N float32 elements (N = 1e3, 1e4, 1e5: kernels too small to
fill the device alone), joined by a sum of each branch's sum read back with ``float()``.

Implementations: ``cupy`` (plain CuPy: every kernel on the current stream, in program order; the
reference), ``dnp threaded`` (dnp's engine: branches on different streams, ordered by events)
and ``dnp naive`` (dnp with every kernel on the current stream, to separate dnp's own cost from
the streams' gain). Each time is the best of several repeats after warm-up, each ending at the
``float()`` sync point. Prints times and speedups over CuPy; writes ``DIR/gpu_streams.json``.
The issue's target: at least 2x CuPy on one stream for many small independent kernels.

    python benchmarks/bench_gpu_streams.py [--quick] [--out DIR]

Without CuPy or a GPU it says so and exits (nothing to measure). Nothing is asserted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import parser, ratio_chart, run_environment, write_results  # noqa: E402

import dnp  # noqa: E402

BLOCKS = 6
SPEEDUP_TARGET = 2.0


def branch(xp, y):
    for _ in range(BLOCKS):
        y = xp.sin(y)
        y = y * 1.0001
        y = xp.exp(y)
        y = y + 0.5
    return y


def program(xp, inputs) -> float:
    return float(sum(branch(xp, x).sum() for x in inputs))


def best_time(fn, repeats: int) -> float:
    fn()  # warm-up: kernel compilation, memory pool
    best = float("inf")
    for _ in range(repeats):
        dnp.waitall()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    args = parser(__doc__, "gpu_streams").parse_args()
    if not dnp.gpu_available():
        print("no GPU: CuPy is not installed or sees no device; nothing to measure")
        return 0
    import cupy
    import numpy

    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    ks = (1, 4) if args.quick else (1, 4, 16)
    repeats = 3 if args.quick else 20
    rng = numpy.random.default_rng(0)
    rows = []
    print(f"{'N':>8} {'K':>3} {'cupy ms':>9} {'dnp threaded':>16} {'dnp naive':>16}")
    for n in sizes:
        for k in ks:
            host = [rng.standard_normal(n).astype(numpy.float32) * 0.1 for _ in range(k)]
            on_gpu = [cupy.asarray(h) for h in host]
            on_dnp = [dnp.asarray(h, device="gpu") for h in host]
            t_cupy = best_time(lambda on_gpu=on_gpu: program(cupy, on_gpu), repeats)
            with dnp.engine.engine("threaded"):
                t_threaded = best_time(lambda on_dnp=on_dnp: program(dnp, on_dnp), repeats)
            with dnp.engine.engine("naive"):
                t_naive = best_time(lambda on_dnp=on_dnp: program(dnp, on_dnp), repeats)
            row = {
                "n": n,
                "k": k,
                "cupy_ms": t_cupy * 1e3,
                "dnp_threaded_ms": t_threaded * 1e3,
                "dnp_naive_ms": t_naive * 1e3,
                "speedup_threaded": t_cupy / t_threaded,
                "speedup_naive": t_cupy / t_naive,
            }
            rows.append(row)
            print(
                f"{n:>8} {k:>3} {t_cupy * 1e3:>9.3f} "
                f"{t_threaded * 1e3:>9.3f} ({row['speedup_threaded']:.2f}x) "
                f"{t_naive * 1e3:>9.3f} ({row['speedup_naive']:.2f}x)"
            )
    many = [r for r in rows if r["k"] == max(ks)]
    met = sum(r["speedup_threaded"] >= SPEEDUP_TARGET for r in many)
    verdict = (
        f"K={max(ks)} independent branches, dnp threaded >= {SPEEDUP_TARGET:g}x CuPy on one "
        f"stream: {'met' if met == len(many) else 'MISSED'} ({met}/{len(many)} sizes)"
    )
    print(verdict)
    env = run_environment(args.quick, cupy=cupy.__version__, gpu=_gpu_name(cupy))
    groups = [f"N={n}" for n in sizes]
    series = {
        f"K={k}": {f"N={r['n']}": r["speedup_threaded"] for r in rows if r["k"] == k} for k in ks
    }

    def plot(path: Path) -> bool:
        return ratio_chart(
            groups,
            series,
            path,
            target=SPEEDUP_TARGET,
            target_label=f"target {SPEEDUP_TARGET:g}x",
            ylabel="speedup over CuPy on one stream",
            title="dnp's stream pool, small independent kernels",
        )

    write_results(args.out, "gpu_streams", {"env": env, "rows": rows, "verdict": verdict}, plot)
    return 0


def _gpu_name(cupy) -> str:
    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props.get("name", b"")
    return name.decode() if isinstance(name, bytes) else str(name)


if __name__ == "__main__":
    sys.exit(main())
