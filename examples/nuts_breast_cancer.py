"""Bayesian logistic regression on scikit-learn's breast-cancer data, sampled by NUTS.

    python examples/nuts_breast_cancer.py

The 30 features are z-scored (with the training set's mean and sd) and a column of ones added, so
the model has 31 coefficients, each with a N(0, 1) prior. NUTS runs 4 chains of 1000 warm-up and
1000 kept iterations, one after another; the script prints NumPyro's summary of the draws (mean,
sd, quantiles, bulk ESS and R-hat per coefficient, then the number of divergences) and the test
accuracy of the posterior predictive mean probability P(y = 1 | x) = E[sigmoid(x @ w)].
"""

import sys
import time
from pathlib import Path

import numpy
from sklearn.datasets import load_breast_cancer

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dnp  # noqa: E402
from dnp.infer import MCMC, NUTS, dist, plate, sample  # noqa: E402
from dnp.scipy.special import expit  # noqa: E402


def model(x, y=None):
    """31 coefficients with N(0, 1) priors; y ~ Bernoulli(sigmoid(x @ w))."""
    w = sample("w", dist.Normal(0.0, 1.0).expand([x.shape[1]]).to_event(1))
    with plate("data", x.shape[0]):
        return sample("y", dist.Bernoulli(logits=x @ w), obs=y)


def load(seed: int = 0, n_test: int = 114):
    """(x_train, y_train, x_test, y_test): a random ~80/20 split, z-scored."""
    data = load_breast_cancer()
    order = numpy.random.default_rng(seed).permutation(len(data.target))
    test, train = order[:n_test], order[n_test:]
    mean, sd = data.data[train].mean(0), data.data[train].std(0)
    x = numpy.concatenate([numpy.ones((len(data.target), 1)), (data.data - mean) / sd], axis=1)
    y = data.target.astype(float)
    return x[train], y[train], x[test], y[test]


def main() -> None:
    x_train, y_train, x_test, y_test = load()

    mcmc = MCMC(
        NUTS(model),
        num_warmup=1000,
        num_samples=1000,
        num_chains=4,
        chain_method="sequential",
    )
    start = time.perf_counter()
    mcmc.run(0, dnp.asarray(x_train), dnp.asarray(y_train))
    seconds = time.perf_counter() - start
    print(f"NUTS, 4 chains x (1000 warm-up + 1000 samples): {seconds:.1f} s")
    mcmc.print_summary()

    w = mcmc.get_samples()["w"]  # (4000, 31)
    prob = dnp.mean(expit(dnp.asarray(x_test) @ w.T), axis=1)  # E[P(y = 1 | x, w)]
    accuracy = float(dnp.mean((prob > 0.5) == (dnp.asarray(y_test) > 0.5)))
    print(f"\ntest accuracy: {accuracy:.3f} ({len(y_test)} held-out tumours)")


if __name__ == "__main__":
    main()
