"""Per-call cost of dnp against NumPy on the same code, for small, medium and large arrays.

Every operation is written once as a function of the array module ``xp`` (``numpy`` or ``dnp``),
so both sides run exactly the same Python. Times are timeit-style: the minimum over several
repeats of many loops (fewer loops for large arrays), NumPy and dnp repeats interleaved so that
load from other processes hits both alike.

    python benchmarks/bench_overhead.py [--quick] [--out DIR]

Prints a table, writes ``DIR/overhead.json`` (default ``benchmarks/results/``) and, when
matplotlib is importable, ``DIR/overhead.png`` with the ratios. Nothing is asserted: this is a
measurement, and the targets from the issue are printed beside it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import (  # noqa: E402  # beside this script
    autorange,
    best_per_loop,
    parser,
    ratio_chart,
    run_environment,
    write_results,
)

import dnp  # noqa: E402

SIZES = {"small": 16, "medium": 100_000, "large": 10_000_000}
# matmul is timed on square matrices: the 4x4 (small) and 512x512 (large).
MATMUL_SIDES = {"small": 4, "large": 512}
SMALL_TARGET_US = 3.0  # added cost per call on small arrays, in microseconds
LARGE_TARGET_RATIO = 1.05  # dnp time / NumPy time on large arrays
# Ops returning views do O(1) work at any size, so only the fixed-cost target applies to them.
VIEW_OPS = frozenset({"a[1:-1]", "reshape"})


# --- the operations: one function of xp each, run unchanged on numpy and dnp ----------------------
def op_add(xp, a, b):
    return a + b


def op_multiply(xp, a, b):
    return a * b


def op_exp(xp, a, b):
    return xp.exp(a)


def op_sum(xp, a, b):
    return xp.sum(a)


def op_matmul(xp, a, b):
    return a @ b


def op_slice(xp, a, idx):
    return a[1:-1]


def op_take(xp, a, idx):
    return a[idx]


def op_reshape(xp, a, b):
    return a.reshape(4, -1)


OPS: dict[str, Callable] = {
    "add": op_add,
    "multiply": op_multiply,
    "exp": op_exp,
    "sum": op_sum,
    "matmul": op_matmul,
    "a[1:-1]": op_slice,
    "a[idx]": op_take,
    "reshape": op_reshape,
}


def make_inputs(size: str) -> dict[str, tuple[numpy.ndarray, numpy.ndarray]]:
    """Each op's two NumPy operands at ``size``; ops not timed at that size are left out."""
    rng = numpy.random.default_rng(0)
    n = SIZES[size]
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    inputs = {name: (a, b) for name in OPS if name != "matmul"}
    inputs["a[idx]"] = (a, rng.permutation(n))  # an integer index array: a gather of every element
    if size in MATMUL_SIDES:
        side = MATMUL_SIDES[size]
        inputs["matmul"] = (rng.standard_normal((side, side)), rng.standard_normal((side, side)))
    return {name: inputs[name] for name in OPS if name in inputs}


def describe(a: numpy.ndarray) -> str:
    return "x".join(map(str, a.shape))


# --- timing --------------------------------------------------------------------------------------
def sync(xp, result) -> None:
    """Wait until ``result`` is computed (a no-op while dnp runs eagerly; NumPy always has)."""
    waitall = getattr(xp, "waitall", None)
    if waitall is not None:
        waitall()
    elif hasattr(result, "wait_to_read"):
        result.wait_to_read()


def run_loops(xp, fn: Callable, args: tuple, loops: int) -> float:
    """Seconds for ``loops`` calls of ``fn(xp, *args)``, the last result waited for."""
    result = None
    start = time.perf_counter()
    for _ in range(loops):
        result = fn(xp, *args)
    sync(xp, result)
    return time.perf_counter() - start


def calibrate(xp, fn: Callable, args: tuple, budget: float) -> int:
    """Loops per repeat so that one repeat takes about ``budget`` seconds."""
    return autorange(lambda loops: run_loops(xp, fn, args, loops), budget)


def time_pair(fn: Callable, np_args: tuple, dnp_args: tuple, repeats: int, budget: float):
    """Best seconds per call for NumPy and dnp, repeats interleaved.

    Calibration runs first and doubles as the warm-up (first-call caches, page faults).
    """
    sides = ((numpy, np_args), (dnp, dnp_args))
    loops = [calibrate(xp, fn, args, budget) for xp, args in sides]
    runs = [lambda n, xp=xp, args=args: run_loops(xp, fn, args, n) for xp, args in sides]
    best = best_per_loop(runs, loops, repeats)
    return best[0], best[1], loops


@dataclass
class Row:
    op: str
    size: str
    shape: str
    numpy_us: float
    dnp_us: float
    added_us: float
    ratio: float
    loops_numpy: int
    loops_dnp: int
    meets_target: bool | None  # None: the issue sets no target for this op at this size


def target_met(op: str, size: str, added_us: float, ratio: float) -> bool | None:
    if size == "small" or op in VIEW_OPS:
        return added_us <= SMALL_TARGET_US
    if size == "large":
        return ratio <= LARGE_TARGET_RATIO
    return None


def measure(quick: bool) -> list[Row]:
    repeats, budget = (3, 0.005) if quick else (7, 0.1)
    rows = []
    for size in SIZES:
        for name, inputs in make_inputs(size).items():
            fn = OPS[name]
            dnp_inputs = tuple(dnp.asarray(x) for x in inputs)
            t_np, t_dnp, loops = time_pair(fn, inputs, dnp_inputs, repeats, budget)
            added, ratio = (t_dnp - t_np) * 1e6, t_dnp / t_np
            rows.append(
                Row(
                    name,
                    size,
                    describe(inputs[0]),
                    t_np * 1e6,
                    t_dnp * 1e6,
                    added,
                    ratio,
                    loops[0],
                    loops[1],
                    target_met(name, size, added, ratio),
                )
            )
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    return rows


# --- reporting -----------------------------------------------------------------------------------
def format_table(rows: list[Row]) -> str:
    header = (
        f"{'op':<9} {'size':<7} {'shape':>7} {'numpy us/call':>14} {'dnp us/call':>12} "
        f"{'added us':>9} {'ratio':>6}  target"
    )
    lines = [header, "-" * len(header)]
    marks = {True: "met", False: "MISSED", None: ""}
    for r in rows:
        lines.append(
            f"{r.op:<9} {r.size:<7} {r.shape:>7} {r.numpy_us:>14.3f} {r.dnp_us:>12.3f} "
            f"{r.added_us:>9.3f} {r.ratio:>6.2f}  {marks[r.meets_target]}"
        )
    return "\n".join(lines)


def environment(quick: bool) -> dict:
    return run_environment(
        quick,
        device=str(dnp.get_device()),
        targets={"small_added_us_max": SMALL_TARGET_US, "large_ratio_max": LARGE_TARGET_RATIO},
    )


def plot(rows: list[Row], path: Path) -> bool:
    """Bars of dnp/NumPy ratios per op and size; False when matplotlib is missing."""
    return ratio_chart(
        list(dict.fromkeys(r.op for r in rows)),
        {size: {r.op: r.ratio for r in rows if r.size == size} for size in SIZES},
        path,
        target=LARGE_TARGET_RATIO,
        target_label="large target",
        ylabel="dnp time / NumPy time",
        title="dnp per-call cost relative to NumPy (lower is better)",
        from_parity=True,
    )


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__, "overhead").parse_args(argv)

    env = environment(args.quick)
    print(
        f"dnp {env['dnp']} on {env['device']} vs NumPy {env['numpy']} "
        f"(Python {env['python']}, {env['machine']}){' [quick]' if args.quick else ''}"
    )
    rows = measure(args.quick)
    print(format_table(rows))
    print(
        f"\nTargets (issue): added cost <= {SMALL_TARGET_US:g} us/call on small arrays; "
        f"dnp within {LARGE_TARGET_RATIO - 1:.0%} of NumPy on large ones\n"
        f"(views: {', '.join(sorted(VIEW_OPS))} do O(1) work, so they get the fixed-cost target "
        "at every size)."
    )

    payload = {"env": env, "rows": [asdict(r) for r in rows]}
    write_results(args.out, "overhead", payload, lambda path: plot(rows, path))


if __name__ == "__main__":
    main()
