"""``python -m dnp``: run one plain NumPy program with ``numpy`` and with ``dnp``; compare results.

``program(np)`` is ordinary NumPy code (a logistic regression fitted by gradient descent, a least
squares line, some array manipulation and linear algebra) that only ever names its array module
``np``. It runs once with ``import numpy as np`` and once with ``import dnp as np``, on the best
device present (a GPU when CuPy finds one) or the one given with ``--device``. Then
``bayesian_regression()`` fits a small Bayesian model with ``dnp.infer``'s SVI on that device and
prints its posterior beside the exact one.
"""

from __future__ import annotations

import argparse
import time

import numpy

import dnp


def program(np) -> dict:
    """A small NumPy program; every value it returns is compared between NumPy and dnp."""
    # Data: two features with a deterministic pattern (no random numbers: both runs see the same).
    n, steps, lr = 400, 300, 0.5
    t = np.arange(n, dtype=np.float64)
    x1, x2 = np.sin(0.37 * t), np.cos(0.11 * t)
    X = np.array([np.ones(n), x1, x2]).T  # (n, 3) design matrix with an intercept column
    true_w = np.array([0.3, -2.0, 1.5])
    y = (X @ true_w + 0.8 * np.sin(1.7 * t) > 0).astype(np.float64)  # noisy labels

    # Logistic regression by batch gradient descent.
    w = np.zeros(3)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        w -= lr * (X.T @ (p - y)) / n
    p = np.clip(1.0 / (1.0 + np.exp(-(X @ w))), 1e-12, 1 - 1e-12)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    accuracy = np.mean((p > 0.5) == (y > 0.5))

    # Least-squares line through (x1, target) in closed form.
    target = 2.5 * x1 - 0.7 + 0.1 * np.cos(3.0 * t)
    dx, dy = x1 - x1.mean(), target - target.mean()
    slope = np.sum(dx * dy) / np.sum(dx * dx)
    intercept = target.mean() - slope * x1.mean()

    # Array manipulation.
    grid = np.arange(24.0).reshape(4, 6)
    grid[1:3, ::2] = -grid[1:3, ::2]
    ranked = np.sort(np.abs(grid), axis=1)
    running = np.cumsum(grid.T, axis=0)
    flat_index = np.arange(grid.shape[0]) * grid.shape[1] + np.argmax(grid, axis=1)
    row_maxima = np.take(grid, flat_index)

    # Linear algebra: a Gram matrix and its largest eigenvalue by power iteration.
    gram = X.T @ X / n
    v = np.ones(3)
    for _ in range(50):
        v = gram @ v
        v = v / np.sqrt(np.dot(v, v))
    top_eigenvalue = v @ gram @ v

    return {
        "weights": w,
        "log loss": loss,
        "accuracy": accuracy,
        "slope, intercept": np.array([slope, intercept]),
        "sorted |grid| rows": ranked,
        "cumsum of grid.T": running,
        "row maxima": row_maxima,
        "gram trace": np.trace(gram),
        "top eigenvalue": top_eigenvalue,
        "eigenvector": v,
    }


def bayesian_regression(steps: int = 2000) -> dict:
    """A Bayesian linear regression (N(0, 1) priors on intercept and slope, noise sd 0.5 known)
    fitted by SVI with a full-covariance Gaussian guide, and its exact posterior: ``{name:
    (exact mean, exact sd, SVI mean, SVI sd)}``."""
    from dnp import optim
    from dnp.infer import SVI, Trace_ELBO, autoguide, dist, plate, sample

    rng = numpy.random.default_rng(0)
    n, noise = 50, 0.5
    x = numpy.stack([numpy.ones(n), rng.uniform(-1.0, 1.0, n)], axis=1)
    y = x @ numpy.array([0.5, -1.5]) + noise * rng.normal(size=n)

    def model(x, y):
        w = sample("w", dist.Normal(0.0, 1.0).expand([2]).to_event(1))
        with plate("data", x.shape[0]):
            sample("y", dist.Normal(x @ w, noise), obs=y)

    guide = autoguide.AutoMultivariateNormal(model)
    adam = optim.Adam(optim.exponential_decay(0.05, steps, 0.005))
    svi = SVI(model, guide, adam, Trace_ELBO(num_particles=2))
    params = svi.run(0, steps, dnp.asarray(x), dnp.asarray(y), progress_bar=False).params
    tril = numpy.asarray(params["auto_scale_tril"])
    svi_mean, svi_sd = numpy.asarray(params["auto_loc"]), numpy.sqrt(numpy.sum(tril**2, axis=1))

    cov = numpy.linalg.inv(numpy.eye(2) + x.T @ x / noise**2)  # the exact posterior N(mean, cov)
    mean, sd = cov @ x.T @ y / noise**2, numpy.sqrt(numpy.diag(cov))
    return {
        name: (mean[i], sd[i], svi_mean[i], svi_sd[i])
        for i, name in enumerate(["intercept", "slope"])
    }


def _summary(value: numpy.ndarray) -> str:
    if value.ndim == 0:
        return f"{value.item():.6g}"
    flat = ", ".join(f"{x:.4g}" for x in value.ravel()[:3])
    return f"shape {value.shape}: [{flat}{', ...' if value.size > 3 else ''}]"


def _best_device() -> str:
    return "gpu" if dnp.gpu_available() else "cpu"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dnp", description="Run a NumPy program with numpy and with dnp."
    )
    parser.add_argument("--device", help="'cpu', 'gpu' or 'gpu:N' (default: a GPU if present)")
    args = parser.parse_args(argv)
    try:
        device = dnp.get_device(args.device or _best_device())
    except (ValueError, RuntimeError) as exc:  # no such device here: say so, without a traceback
        parser.error(str(exc))

    start = time.perf_counter()
    expected = program(numpy)
    numpy_s = time.perf_counter() - start
    with dnp.default_device(device):
        start = time.perf_counter()
        got = program(dnp)
        ran_on = {v.device.name for v in got.values() if isinstance(v, dnp.ndarray)}
        escaped = [k for k, v in got.items() if not isinstance(v, dnp.ndarray)]
        got = {k: numpy.asarray(v) for k, v in got.items()}  # a sync point: waits for the values
        dnp_s = time.perf_counter() - start

    print(f"dnp {dnp.__version__} ran the program on {', '.join(sorted(ran_on))}")
    print(f"(numpy {numpy.__version__}: {numpy_s:.3f} s; dnp: {dnp_s:.3f} s)\n")
    width = max(map(len, expected))
    failures = 0
    for name, want in expected.items():
        want = numpy.asarray(want)
        have = got[name]
        # GPU kernels may sum in another order: allow rounding, nothing more.
        same = have.shape == want.shape and numpy.allclose(have, want, rtol=1e-9, atol=1e-12)
        status = "match" if same else "DIFFER"
        if name in escaped:  # dnp must hand back its own arrays, never NumPy's
            same, status = False, "NOT DNP"
        failures += not same
        print(f"  {status:<7} {name:<{width}}  {_summary(want)}")
    print(f"\n{'all results match NumPy' if not failures else f'{failures} result(s) differ'}")

    with dnp.default_device(device):
        start = time.perf_counter()
        posterior = bayesian_regression()
        svi_s = time.perf_counter() - start
    print(
        f"\nA Bayesian linear regression fitted by SVI (dnp.infer, {svi_s:.1f} s) beside its exact "
        "posterior:"
    )
    for name, (mean, sd, svi_mean, svi_sd) in posterior.items():
        # A Monte Carlo fit: close to the exact answer, not equal to it.
        close = abs(svi_mean - mean) < 0.15 * sd and abs(svi_sd / sd - 1) < 0.1
        failures += not close
        print(
            f"  {'close' if close else 'FAR':<7} {name:<9}  mean {svi_mean:.4f} (exact {mean:.4f}),"
            f" sd {svi_sd:.4f} (exact {sd:.4f})"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
