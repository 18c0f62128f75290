"""What ``import dnp`` costs a script, beside ``import numpy``, ``import torch`` and ``import jax``
(when installed).

Each import runs in a fresh interpreter (``python -c``), timed inside it with ``perf_counter``
around the import statement, the minimum over several runs. Two cases:

- *cached*: Python's bytecode caches exist (what an installed package has after its first
  import; a wheel install writes them at install time);
- *no cache*: ``PYTHONDONTWRITEBYTECODE=1`` and no caches for dnp's sources, so every run compiles
  them (some sandboxes and CI images run this way; NumPy's installed caches still serve NumPy).

    python benchmarks/bench_startup.py [--quick] [--out DIR]

Prints seconds per import and dnp's cost over NumPy's (the issue's target: at most 0.1 s more,
cached), and the modules ``import dnp`` loads that ``import numpy`` does not, with their import
times (``-X importtime``), largest first. Writes ``DIR/startup.json``. Nothing is asserted.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _report import parser, run_environment, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.1
TIMER = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"


def import_seconds(module: str, runs: int, env: dict, cwd: Path = ROOT) -> float:
    """The fastest of ``runs`` imports of ``module``, each in a fresh interpreter started in
    ``cwd`` (first on its path)."""
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", TIMER.format(m=module)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=cwd,
        )
        best = min(best, float(out.stdout.strip().splitlines()[-1]))
    return best


def dnp_without_caches() -> tuple[Path, dict]:
    """A copy of the dnp package with no bytecode caches, and an environment that imports it
    from there and writes none."""
    where = Path(tempfile.mkdtemp(prefix="dnp-startup-"))
    shutil.copytree(ROOT / "dnp", where / "dnp", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(where)}
    return where, env


def extra_modules(top: int = 15) -> list[tuple[str, float]]:
    """Modules ``import dnp`` loads beyond ``import numpy``, by their own import time (ms)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}

    def loaded(module: str) -> dict[str, float]:
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        ).stderr
        times = {}
        for line in err.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S.*)$", line)
            if m:
                times[m.group(2).strip()] = int(m.group(1)) / 1000
        return times

    numpy_modules = loaded("numpy")
    extra = {k: v for k, v in loaded("dnp").items() if k not in numpy_modules}
    return sorted(extra.items(), key=lambda kv: -kv[1])[:top]


def main() -> None:
    args = parser(__doc__, "startup").parse_args()
    runs = 3 if args.quick else 11
    cached_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    import_seconds("dnp", 1, cached_env)  # writes dnp's caches, where the checkout allows
    others = [m for m in ("torch", "jax") if importlib.util.find_spec(m) is not None]
    rows = {m: import_seconds(m, runs, cached_env) for m in ("numpy", "dnp", *others)}
    where, bare_env = dnp_without_caches()
    try:
        rows["dnp (no cache)"] = import_seconds("dnp", runs, bare_env, where)
    finally:
        shutil.rmtree(where, ignore_errors=True)
    print(f"import time, fastest of {runs} fresh interpreters:")
    for name, seconds in rows.items():
        print(f"  {name:<16} {seconds * 1e3:7.1f} ms")
    over = rows["dnp"] - rows["numpy"]
    verdict = "met" if over <= TARGET_S else "MISSED"
    target = f"target <= {TARGET_S * 1e3:.0f} ms: {verdict}"
    print(f"dnp over numpy (cached): {over * 1e3:.1f} ms ({target})")
    extra = extra_modules()
    print("modules import dnp loads beyond numpy's, own import time:")
    for name, ms in extra:
        print(f"  {ms:7.2f} ms  {name}")
    payload = {
        "env": run_environment(args.quick),
        "seconds": rows,
        "dnp_over_numpy_s": over,
        "target_s": TARGET_S,
        "extra_modules_ms": extra,
    }
    write_results(args.out, "startup", payload, lambda path: False)


if __name__ == "__main__":
    main()
