"""Conjugate Bayesian linear regression, fitted by SVI and solved exactly.

    python examples/conjugate_regression.py

y = X beta + noise with noise ~ N(0, sigma^2) known and the prior beta ~ N(0, tau^2 I): the
posterior N(m, S) and the log evidence log p(y) are known in closed form. An
``AutoMultivariateNormal`` guide (a full-covariance Gaussian) fitted with Adam should find that
posterior, and its ELBO should reach log p(y): for a Gaussian guide q the gap is KL(q || p(beta |
y)), printed exactly beside the Monte Carlo ELBO.
"""

import sys
from pathlib import Path

import numpy
from scipy import stats

# Run from a checkout without installing: the repository root holds the dnp package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dnp  # noqa: E402
from dnp import optim  # noqa: E402
from dnp.infer import SVI, Trace_ELBO, autoguide, dist, plate, sample  # noqa: E402

N, D, SIGMA, TAU = 100, 5, 1.0, 1.0


def model(x, y=None):
    beta = sample("beta", dist.Normal(0.0, TAU).expand([x.shape[1]]).to_event(1))
    with plate("data", x.shape[0]):
        return sample("y", dist.Normal(x @ beta, SIGMA), obs=y)


def exact_posterior(x, y):
    """(m, S, log p(y)) in closed form."""
    precision = numpy.eye(x.shape[1]) / TAU**2 + x.T @ x / SIGMA**2
    cov = numpy.linalg.inv(precision)
    mean = cov @ x.T @ y / SIGMA**2
    marginal_cov = SIGMA**2 * numpy.eye(len(y)) + TAU**2 * x @ x.T
    return mean, cov, stats.multivariate_normal.logpdf(y, numpy.zeros(len(y)), marginal_cov)


def main() -> None:
    rng = numpy.random.default_rng(0)
    x = numpy.sqrt(0.5) * (rng.normal(size=(N, D)) + rng.normal(size=(N, 1)))  # correlated
    y = x @ rng.normal(0.0, TAU, D) + SIGMA * rng.normal(size=N)
    mean, cov, log_evidence = exact_posterior(x, y)

    xs, ys = dnp.asarray(x), dnp.asarray(y)
    guide = autoguide.AutoMultivariateNormal(model)
    adam = optim.Adam(optim.exponential_decay(0.05, 4000, 0.005))
    result = SVI(model, guide, adam, Trace_ELBO(num_particles=4)).run(0, 4000, xs, ys)

    loc = numpy.asarray(result.params["auto_loc"])
    tril = numpy.asarray(result.params["auto_scale_tril"])
    fitted_cov = tril @ tril.T
    print(f"{'':8} {'exact mean':>10} {'SVI mean':>10} {'exact sd':>9} {'SVI sd':>9}")
    for i in range(D):
        sd, fitted_sd = numpy.sqrt(cov[i, i]), numpy.sqrt(fitted_cov[i, i])
        print(f"beta[{i}]  {mean[i]:10.4f} {loc[i]:10.4f} {sd:9.4f} {fitted_sd:9.4f}")
    print(
        f"largest |SVI mean - exact mean| / exact sd: "
        f"{numpy.max(numpy.abs(loc - mean) / numpy.sqrt(numpy.diag(cov))):.3f}"
    )

    elbo = -float(Trace_ELBO(num_particles=1000).loss(1, result.params, model, guide, xs, ys))
    precision = numpy.linalg.inv(cov)
    d = mean - loc
    kl = 0.5 * (
        numpy.trace(precision @ fitted_cov)
        + d @ precision @ d
        - D
        - numpy.linalg.slogdet(precision)[1]
        - numpy.linalg.slogdet(fitted_cov)[1]
    )
    print(f"\nlog evidence log p(y) (exact): {log_evidence:.4f}")
    print(f"ELBO (1000 particles):         {elbo:.4f}")
    print(f"exact gap KL(q || posterior):  {kl:.4f}")


if __name__ == "__main__":
    main()
