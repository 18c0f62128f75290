"""A Bayesian neural network on scikit-learn's diabetes data, sampled by SGHMC from minibatches.

    python examples/sghmc_bnn.py

The 10 features and the target are standardized (with the training set's mean and sd). The
network has one hidden layer of 50 tanh units: N(0, 1) priors on the first layer, N(0, 1/50) on
the output weights (so the prior function's variance does not grow with the width), a learned
noise sd with a HalfNormal(1) prior. ``SGHMC`` takes one minibatch of 32 rows per step from a
data iterator (the plate scales its log-likelihood to the full training set), starts from small
weights and a noise sd of 1, runs 5000 burn-in steps, then keeps every 20th of 20000 steps. The
script prints the test RMSE of the posterior predictive mean beside a least-squares linear fit
(this data set is close to linear), and how often the 90% posterior predictive interval covers
the test targets.
"""

import sys
import time
from pathlib import Path

import numpy
from sklearn.datasets import load_diabetes

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dnp  # noqa: E402
from dnp.infer import SGHMC, dist, init_to_uniform, plate, sample  # noqa: E402

HIDDEN, BATCH = 50, 32
BURN_IN, STEPS, KEEP_EVERY = 5000, 20000, 20


def model(x, y=None, size=None):
    """y ~ Normal(tanh(x @ w1 + b1) @ w2 + b2, sigma); a minibatch of a data set of ``size``."""
    w1 = sample("w1", dist.Normal(0.0, 1.0).expand([x.shape[1], HIDDEN]).to_event(2))
    b1 = sample("b1", dist.Normal(0.0, 1.0).expand([HIDDEN]).to_event(1))
    w2 = sample("w2", dist.Normal(0.0, HIDDEN**-0.5).expand([HIDDEN]).to_event(1))
    b2 = sample("b2", dist.Normal(0.0, 1.0))
    sigma = sample("sigma", dist.HalfNormal(1.0))
    mean = dnp.tanh(x @ w1 + b1) @ w2 + b2
    with plate("data", size or x.shape[0], subsample_size=x.shape[0]):
        return sample("y", dist.Normal(mean, sigma), obs=y)


def load(seed: int = 0, n_test: int = 88):
    """(x_train, y_train, x_test, y_test): a random ~80/20 split, standardized."""
    x, y = load_diabetes(return_X_y=True)
    order = numpy.random.default_rng(seed).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    x = (x - x[train].mean(0)) / x[train].std(0)
    y = (y - y[train].mean()) / y[train].std()
    return x[train], y[train], x[test], y[test]


def minibatches(x, y, seed: int = 0):
    """Endless (x, y, len(x)) batches of BATCH rows, reshuffled every epoch (the rows left over
    at the end of an epoch are skipped, so that every batch has the same shape)."""
    rng = numpy.random.default_rng(seed)
    while True:
        order = rng.permutation(len(y))
        for i in range(0, len(y) - BATCH + 1, BATCH):
            rows = order[i : i + BATCH]
            yield dnp.asarray(x[rows]), dnp.asarray(y[rows]), len(y)


def network(draws, x):
    """The network's output at ``x`` for each draw: (num_draws, len(x))."""
    hidden = dnp.tanh(x @ draws["w1"] + draws["b1"][:, None, :])  # (draws, n, HIDDEN)
    return dnp.sum(hidden * draws["w2"][:, None, :], axis=-1) + draws["b2"][:, None]


def rmse(prediction, target) -> float:
    return float(numpy.sqrt(numpy.mean((numpy.asarray(prediction) - target) ** 2)))


def main() -> None:
    x_train, y_train, x_test, y_test = load()

    sampler = SGHMC(learning_rate=1e-4, friction=0.25)
    start = time.perf_counter()
    # start near the origin of unconstrained space (small weights, sigma near 1): the default
    # start, uniform in (-2, 2), gives first-layer weights up to +-2 and sigma down to 0.14,
    # from which the chain can overflow
    draws = sampler.sample(
        None,
        minibatches(x_train, y_train),
        STEPS // KEEP_EVERY,
        model=model,
        thinning=KEEP_EVERY,
        num_warmup=BURN_IN,
        rng=0,
        init_strategy=init_to_uniform(radius=0.1),
    )
    seconds = time.perf_counter() - start
    kept = draws["sigma"].shape[0]
    print(
        f"SGHMC: {BURN_IN} burn-in + {STEPS} steps of {BATCH} rows, {kept} draws kept, "
        f"{seconds:.1f} s"
    )
    print(f"noise sd: posterior mean {float(dnp.mean(draws['sigma'])):.3f} (standardized y)")

    # The posterior predictive: the network's mean per draw, plus one noise draw for intervals.
    means = network(draws, dnp.asarray(x_test))
    noise = dnp.random.default_rng(1).standard_normal(means.shape)
    predictive = means + draws["sigma"][:, None] * noise
    low, high = (numpy.asarray(q) for q in dnp.quantile(predictive, [0.05, 0.95], axis=0))
    coverage = numpy.mean((low <= y_test) & (y_test <= high))

    design = numpy.concatenate([numpy.ones((len(y_train), 1)), x_train], axis=1)
    coef = numpy.linalg.lstsq(design, y_train, rcond=None)[0]
    baseline = coef[0] + x_test @ coef[1:]

    print(f"\n{'test RMSE (standardized y)':<40} {len(y_test)} held-out patients")
    print(f"{'  BNN posterior predictive mean':<40} {rmse(dnp.mean(means, axis=0), y_test):.3f}")
    print(f"{'  least-squares linear fit':<40} {rmse(baseline, y_test):.3f}")
    print(f"{'  predicting the training mean':<40} {rmse(numpy.zeros_like(y_test), y_test):.3f}")
    print(f"90% predictive interval covers {coverage:.1%} of the test targets")


if __name__ == "__main__":
    main()
