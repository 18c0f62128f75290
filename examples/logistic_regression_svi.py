"""Bayesian logistic regression on scikit-learn's breast-cancer data, fitted by SVI.

    python examples/logistic_regression_svi.py

The 30 features are z-scored (with the training set's mean and sd) and a column of ones added, so
the model has 31 coefficients, each with a N(0, 1) prior. An ``AutoNormal`` guide (a Normal per
coefficient) is fitted with Adam; the script prints the test accuracy of the posterior predictive
probabilities and 90% intervals of the coefficients with the largest posterior means.
"""

import sys
from pathlib import Path

import numpy
from sklearn.datasets import load_breast_cancer

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dnp  # noqa: E402
from dnp import optim  # noqa: E402
from dnp.infer import SVI, Predictive, Trace_ELBO, autoguide, dist, plate, sample  # noqa: E402


def model(x, y=None):
    """31 coefficients with N(0, 1) priors; y ~ Bernoulli(sigmoid(x @ w))."""
    w = sample("w", dist.Normal(0.0, 1.0).expand([x.shape[1]]).to_event(1))
    with plate("data", x.shape[0]):
        return sample("y", dist.Bernoulli(logits=x @ w), obs=y)


def load(seed: int = 0, n_test: int = 114):
    """(x_train, y_train, x_test, y_test, feature names): a random split, z-scored."""
    data = load_breast_cancer()
    order = numpy.random.default_rng(seed).permutation(len(data.target))
    test, train = order[:n_test], order[n_test:]
    mean, sd = data.data[train].mean(0), data.data[train].std(0)
    x = numpy.concatenate([numpy.ones((len(data.target), 1)), (data.data - mean) / sd], axis=1)
    y = data.target.astype(float)
    names = ["intercept", *data.feature_names]
    return x[train], y[train], x[test], y[test], names


def main() -> None:
    x_train, y_train, x_test, y_test, names = load()
    x, y = dnp.asarray(x_train), dnp.asarray(y_train)

    guide = autoguide.AutoNormal(model)
    svi = SVI(model, guide, optim.Adam(optim.exponential_decay(0.05, 2000, 0.1)), Trace_ELBO())
    result = svi.run(0, 2000, x, y)
    print(
        f"SVI, 2000 steps: -ELBO from {float(result.losses[0]):.1f} to "
        f"{float(dnp.mean(result.losses[-100:])):.1f} (mean of the last 100 steps)"
    )

    # The posterior predictive on the test set: 500 draws of y, each from a draw of w.
    predictive = Predictive(model, guide=guide, params=result.params, num_samples=500)
    prob = dnp.mean(predictive(1, dnp.asarray(x_test))["y"], axis=0)  # P(y = 1 | x), estimated
    accuracy = float(dnp.mean((prob > 0.5) == (dnp.asarray(y_test) > 0.5)))
    print(f"test accuracy: {accuracy:.3f} ({len(y_test)} held-out tumours)\n")

    low, median, high = (
        numpy.asarray(q) for q in guide.quantiles(result.params, [0.05, 0.5, 0.95])["w"]
    )
    print(f"{'coefficient':<24} {'5%':>7} {'median':>7} {'95%':>7}")
    for i in numpy.argsort(-numpy.abs(median))[:8]:
        print(f"{names[i]:<24} {low[i]:7.2f} {median[i]:7.2f} {high[i]:7.2f}")


if __name__ == "__main__":
    main()
