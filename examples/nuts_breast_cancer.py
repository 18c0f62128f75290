"""Bayesian logistic regression on scikit-learn's breast-cancer data, sampled by NUTS.

    python examples/nuts_breast_cancer.py

The model and the split are those of ``logistic_regression_svi.py``: the 30 features z-scored
(with the training set's mean and sd) and a column of ones, 31 coefficients with N(0, 1) priors.
NUTS runs 4 chains of 1000 warm-up and 1000 kept iterations, one after another; the script
prints NumPyro's summary of the draws (mean, sd, quantiles, bulk ESS and R-hat per coefficient,
then the number of divergences) and the test accuracy of the posterior predictive mean
probability P(y = 1 | x) = E[sigmoid(x @ w)].
"""

import sys
import time
from pathlib import Path

# Run from a checkout without installing: the repository root holds the dnp package; the model
# and the split are those of logistic_regression_svi.py, beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from logistic_regression_svi import load, model  # noqa: E402

import dnp  # noqa: E402
from dnp.infer import MCMC, NUTS  # noqa: E402
from dnp.scipy.special import expit  # noqa: E402


def main() -> None:
    x_train, y_train, x_test, y_test, _ = load()

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
