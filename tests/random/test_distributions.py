"""dnp.random's samplers against the distributions they claim: fit, moments, shapes, devices.

dnp draws NumPy's values on the CPU (``test_generator.py``) and CuPy's on a GPU; here samples are
tested as samples, on every device:
``check_sample`` runs a Kolmogorov-Smirnov (continuous) or chi-square (discrete) test against the
``scipy.stats`` distribution and holds the sample mean and variance to the true moments within
``Z_MAX`` standard errors. ``test_checks_fail_on_wrong_samples`` feeds it deliberately wrong
samples, so every check is shown able to fail. Seeds are fixed: the file is deterministic.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, NamedTuple

import numpy
import pytest
from scipy import stats

import dnp

DEVICES = dnp.devices()
SEED = 20240607
N = 20_000
P_MIN = 1e-4  # goodness-of-fit p-values must exceed this
Z_MAX = 5.0  # sample moments within this many standard errors of the true ones
MIN_EXPECTED = 5.0  # chi-square cells are merged until each expects this many draws

on_each_device = pytest.mark.parametrize("dev", DEVICES, ids=str)


# --- the checks ---------------------------------------------------------------------------------
def host(x, dev) -> numpy.ndarray:
    """``x`` as a NumPy array, after checking that it is a dnp array on ``dev``."""
    assert isinstance(x, dnp.ndarray), f"expected a dnp.ndarray, got {type(x)}"
    assert x.device == dev, f"drawn on {x.device}, asked for {dev}"
    return x.asnumpy()


def label(dist) -> str:
    return f"{dist.dist.name}{dist.args}{dist.kwds or ''}"


def merge_sparse(observed, expected) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Adjacent cells merged, left to right, until each expects ``MIN_EXPECTED`` draws."""
    obs, exp, o, e = [], [], 0.0, 0.0
    for oi, ei in zip(observed, expected, strict=True):
        o, e = o + oi, e + ei
        if e >= MIN_EXPECTED:
            obs.append(o), exp.append(e)
            o = e = 0.0
    obs[-1], exp[-1] = obs[-1] + o, exp[-1] + e  # a sparse remainder joins the last cell
    return numpy.array(obs), numpy.array(exp)


def chisquare_pvalue(x: numpy.ndarray, dist) -> float:
    """Chi-square p-value of integer draws ``x`` against the discrete ``dist``: one cell per value
    in ``dist``'s central range, the end cells taking the tails, sparse cells merged."""
    n = x.size
    lo, hi = int(dist.ppf(0.5 / n)), int(dist.ppf(1 - 0.5 / n))
    hi = max(hi, lo + 1)
    values = numpy.arange(lo, hi + 1)
    probs = dist.pmf(values)
    probs[0], probs[-1] = dist.cdf(lo), dist.sf(hi - 1)
    counts = numpy.bincount(numpy.clip(x, lo, hi) - lo, minlength=values.size)
    obs, exp = merge_sparse(counts, n * probs / probs.sum())
    assert obs.size >= 2, f"{label(dist)}: one cell only"
    return float(stats.chisquare(obs, exp).pvalue)


def check_sample(x, dist) -> None:
    """Assert that the draws ``x`` come from the frozen scipy.stats ``dist``: a goodness-of-fit
    p-value above ``P_MIN``, and mean and variance within ``Z_MAX`` standard errors where the
    moments they need are finite (the variance's standard error needs the kurtosis)."""
    x = numpy.asarray(x).ravel()
    n = x.size
    problems = []
    if isinstance(dist.dist, stats.rv_discrete):
        assert numpy.array_equal(x, numpy.round(x)), "discrete draws are not integers"
        p = chisquare_pvalue(x.astype(numpy.int64), dist)
    else:
        assert numpy.all(numpy.isfinite(x)), "non-finite draws"
        p = stats.kstest(x, dist.cdf).pvalue
    if not p > P_MIN:
        problems.append(f"goodness of fit: p = {p:.3g}")
    mean, var, kurt = (float(m) for m in dist.stats("mvk"))
    if math.isfinite(var):
        z = (x.mean() - mean) / math.sqrt(var / n)
        if not abs(z) < Z_MAX:
            problems.append(f"mean {x.mean():.5g} vs {mean:.5g} (z = {z:.1f})")
    if math.isfinite(kurt) and kurt > -2:  # kurtosis -2 (a fair coin): s**2 is degenerate
        z = (x.var(ddof=1) - var) / (var * math.sqrt((kurt + 2) / n))
        if not abs(z) < Z_MAX:
            problems.append(f"variance {x.var(ddof=1):.5g} vs {var:.5g} (z = {z:.1f})")
    assert not problems, f"{n} draws against {label(dist)}: " + "; ".join(problems)


def check_moments(x: numpy.ndarray, mean, cov) -> None:
    """Assert that the rows of ``x`` have mean vector ``mean`` and covariance ``cov``, within
    ``Z_MAX`` standard errors (the covariance's estimated from the sample's centred products)."""
    n = x.shape[0]
    mean, cov = numpy.asarray(mean, dtype=float), numpy.asarray(cov, dtype=float)
    z = (x.mean(0) - mean) / numpy.sqrt(numpy.diag(cov) / n)
    assert numpy.all(abs(z) < Z_MAX), f"mean {x.mean(0)} vs {mean}: z = {z}"
    d = x - x.mean(0)
    products = d[:, :, None] * d[:, None, :]
    se = products.std(0) / math.sqrt(n)
    err = numpy.cov(x, rowvar=False) - cov
    assert numpy.all(abs(err) <= Z_MAX * se + 1e-12), f"covariance off by {err}, se {se}"


# --- the univariate samplers --------------------------------------------------------------------
class Case(NamedTuple):
    id: str
    method: str
    args: tuple  # NumPy arrays among them are passed as dnp arrays on the device
    kwargs: dict
    dist: Any  # a frozen scipy.stats distribution, or one per column of an (N, k) sample
    transform: Any  # applied to the host sample before checking (or None)


def case(method, /, *args, dist, id=None, transform=None, **kwargs) -> Case:  # noqa: A002
    return Case(id or method, method, args, kwargs, dist, transform)


def wrap(mu: float):
    """Angles minus ``mu``, wrapped to (-pi, pi] (von Mises draws are wrapped; scipy's are not)."""
    return lambda x: numpy.angle(numpy.exp(1j * (x - mu)))


A = numpy.array  # marks a parameter that goes in as a dnp array (lists go in as lists)

CASES = [
    case("beta", 2.0, 3.5, dist=stats.beta(2.0, 3.5)),
    case(
        "beta",
        A([0.5, 2.0, 5.0]),
        1.5,
        dist=[stats.beta(a, 1.5) for a in (0.5, 2.0, 5.0)],
        id="beta-broadcast",
    ),
    case("binomial", 20, 0.3, dist=stats.binom(20, 0.3)),
    case("binomial", 200, 0.4, dist=stats.binom(200, 0.4), id="binomial-btpe"),
    case("chisquare", 3.5, dist=stats.chi2(3.5)),
    case("exponential", 2.5, dist=stats.expon(scale=2.5)),
    case("f", 5.0, 12.0, dist=stats.f(5.0, 12.0)),
    case("gamma", 2.5, 1.5, dist=stats.gamma(2.5, scale=1.5)),
    case(
        "gamma",
        A([0.3, 1.0, 7.0]),
        2.0,
        dist=[stats.gamma(k, scale=2.0) for k in (0.3, 1.0, 7.0)],
        id="gamma-broadcast",
    ),
    case("geometric", A([0.05, 0.5]), dist=[stats.geom(0.05), stats.geom(0.5)]),
    case("gumbel", 1.0, 2.0, dist=stats.gumbel_r(1.0, 2.0)),
    case("hypergeometric", 15, 25, 12, dist=stats.hypergeom(40, 15, 12)),
    case(
        "hypergeometric",
        [5, 15],
        [8, 25],
        [4, 12],
        dist=[stats.hypergeom(13, 5, 4), stats.hypergeom(40, 15, 12)],
        id="hypergeometric-broadcast",
    ),
    case("integers", -3, 7, dist=stats.randint(-3, 7)),
    case("integers", 0, 1000, dist=stats.randint(0, 1000), id="integers-wide"),
    case("integers", 1, 6, endpoint=True, dist=stats.randint(1, 7), id="integers-endpoint"),
    case("integers", 0, 2, dtype=bool, dist=stats.bernoulli(0.5), id="integers-bool"),
    case("laplace", -1.0, 0.7, dist=stats.laplace(-1.0, 0.7)),
    case("logistic", 2.0, 0.5, dist=stats.logistic(2.0, 0.5)),
    case("lognormal", 0.3, 0.6, dist=stats.lognorm(0.6, scale=math.exp(0.3))),
    case("logseries", 0.7, dist=stats.logser(0.7)),
    case("negative_binomial", 4.5, 0.35, dist=stats.nbinom(4.5, 0.35)),
    case(
        "noncentral_chisquare",
        A([0.7, 3.0]),
        A([2.0, 0.5]),
        dist=[stats.ncx2(0.7, 2.0), stats.ncx2(3.0, 0.5)],
    ),
    case("noncentral_f", 4.0, 9.0, 1.5, dist=stats.ncf(4.0, 9.0, 1.5)),
    case("normal", 1.5, 2.0, dist=stats.norm(1.5, 2.0)),
    case(
        "normal",
        A([-1.0, 0.0, 3.0]),
        [0.5, 1.0, 2.0],
        dist=[stats.norm(m, s) for m, s in ((-1, 0.5), (0, 1), (3, 2))],
        id="normal-broadcast",
    ),
    case("pareto", 3.5, dist=stats.lomax(3.5)),
    case("poisson", 3.0, dist=stats.poisson(3.0)),
    case(
        "poisson",
        A([0.5, 12.0, 80.0]),
        dist=[stats.poisson(m) for m in (0.5, 12, 80)],
        id="poisson-broadcast",
    ),
    case("power", 2.5, dist=stats.powerlaw(2.5)),
    case("random", dist=stats.uniform()),
    case("random", dtype=numpy.float32, dist=stats.uniform(), id="random-float32"),
    case("rayleigh", 1.7, dist=stats.rayleigh(scale=1.7)),
    case("standard_cauchy", dist=stats.cauchy()),
    case("standard_exponential", dist=stats.expon()),
    case("standard_exponential", method="inv", dist=stats.expon(), id="standard_exponential-inv"),
    case(
        "standard_exponential",
        dtype=numpy.float32,
        dist=stats.expon(),
        id="standard_exponential-float32",
    ),
    case("standard_gamma", 2.2, dist=stats.gamma(2.2)),
    case(
        "standard_gamma",
        0.4,
        dtype=numpy.float32,
        dist=stats.gamma(0.4),
        id="standard_gamma-float32",
    ),
    case("standard_normal", dist=stats.norm()),
    case("standard_normal", dtype=numpy.float32, dist=stats.norm(), id="standard_normal-float32"),
    case("standard_t", 6.0, dist=stats.t(6.0)),
    case("standard_t", 1.5, dist=stats.t(1.5), id="standard_t-heavy"),
    case("triangular", -1.0, 0.5, 3.0, dist=stats.triang(0.375, loc=-1.0, scale=4.0)),
    case("uniform", -2.0, 5.0, dist=stats.uniform(-2.0, 7.0)),
    case(
        "uniform",
        A([0.0, -1.0]),
        [1.0, 10.0],
        dist=[stats.uniform(0, 1), stats.uniform(-1, 11)],
        id="uniform-broadcast",
    ),
    case("vonmises", 0.5, 2.0, dist=stats.vonmises(2.0), transform=wrap(0.5)),
    case("wald", 1.5, 3.0, dist=stats.invgauss(0.5, scale=3.0)),
    case("weibull", 1.8, dist=stats.weibull_min(1.8)),
    case("zipf", 3.5, dist=stats.zipf(3.5)),
    case("cauchy", 1.0, 0.5, dist=stats.cauchy(1.0, 0.5)),
    case(
        "cauchy",
        A([-2.0, 4.0]),
        0.5,
        dist=[stats.cauchy(-2, 0.5), stats.cauchy(4, 0.5)],
        id="cauchy-broadcast",
    ),
    case(
        "choice",
        5,
        p=[0.1, 0.2, 0.3, 0.15, 0.25],
        dist=stats.rv_discrete(values=(range(5), [0.1, 0.2, 0.3, 0.15, 0.25]))(),
    ),
]


def on(dev, value):
    return dnp.asarray(value, device=dev) if isinstance(value, numpy.ndarray) else value


def draw(sampler, c: Case, dev):
    """``c``'s sample (``N`` draws, or ``(N, k)`` for ``k`` distributions) from ``sampler``."""
    size = (N, len(c.dist)) if isinstance(c.dist, list) else N
    args = [on(dev, a) for a in c.args]
    return getattr(sampler, c.method)(*args, size=size, device=dev, **c.kwargs)


def check_case(sampler, c: Case, dev) -> None:
    """Draw ``c``'s sample and check it (each column against its own distribution)."""
    x = host(draw(sampler, c, dev), dev)
    if "dtype" in c.kwargs:
        assert x.dtype == numpy.dtype(c.kwargs["dtype"])
    if c.transform is not None:
        x = c.transform(x)
    if isinstance(c.dist, list):
        for j, dist in enumerate(c.dist):
            check_sample(x[:, j], dist)
    else:
        check_sample(x, c.dist)


@on_each_device
@pytest.mark.parametrize("c", CASES, ids=lambda c: c.id)
def test_sampler_fits_its_distribution(c, dev):
    """Each sampler's draws pass the goodness-of-fit and moment checks."""
    check_case(dnp.random.default_rng(SEED), c, dev)


# Each mutant draws with a wrong parameter (or a wrong family) and is checked against the true
# distribution; ``match`` names the check that must catch it.
MUTANTS = [
    (case("normal", 1.5, 2.1, dist=stats.norm(1.5, 2.0), id="normal scale 2.1"), "variance"),
    (case("normal", 1.6, 2.0, dist=stats.norm(1.5, 2.0), id="normal loc 1.6"), "mean"),
    (case("exponential", 1.05, dist=stats.expon(), id="exponential scale 1.05"), "mean"),
    (case("poisson", 3.1, dist=stats.poisson(3.0), id="poisson lam 3.1"), "mean"),
    (case("binomial", 20, 0.31, dist=stats.binom(20, 0.3), id="binomial p 0.31"), "mean"),
    (case("gamma", 2.6, 1.5, dist=stats.gamma(2.5, scale=1.5), id="gamma shape 2.6"), "mean"),
    (case("beta", 2.0, 3.8, dist=stats.beta(2.0, 3.5), id="beta b 3.8"), "mean"),
    (case("standard_t", 20.0, dist=stats.norm(), id="t(20) as normal"), "variance"),
    # the same mean and variance as the target: only the goodness-of-fit test can tell
    (
        case("logistic", 0.0, math.sqrt(3) / math.pi, dist=stats.norm(), id="logistic as normal"),
        "goodness of fit",
    ),
    (
        case("integers", 0, 11, dist=stats.randint(0, 10), id="integers one value too many"),
        "goodness of fit",
    ),
]


@pytest.mark.parametrize("c, match", MUTANTS, ids=[c.id for c, _ in MUTANTS])
def test_checks_fail_on_wrong_samples(c, match):
    """The checks have power: a wrong sample fails the same helper the real ones pass."""
    dev = DEVICES[0]
    with pytest.raises(AssertionError, match=match):
        check_case(dnp.random.default_rng(SEED), c, dev)


def test_vector_moment_check_fails_on_a_wrong_covariance():
    """``check_moments`` catches a correlation of 0.55 drawn for 0.5."""
    cov = [[1.0, 0.5], [0.5, 1.0]]
    wrong = [[1.0, 0.55], [0.55, 1.0]]
    x = host(dnp.random.default_rng(SEED).multivariate_normal([0, 0], wrong, N), DEVICES[0])
    with pytest.raises(AssertionError, match="covariance"):
        check_moments(x, [0, 0], cov)


def test_every_sampler_has_a_case():
    """Every drawing method of numpy.random.Generator (and dnp's cauchy) is tested here."""
    tested = {c.method for c in CASES} | MULTIVARIATE | PERMUTING
    methods = {m for m in dir(numpy.random.Generator) if not m.startswith("_")}
    assert (methods - {"bit_generator", "spawn"}) | {"cauchy"} <= tested


# --- the reparameterized path: samplers built from noise while autograd records -----------------
def tracked(dev, value):
    x = dnp.asarray(numpy.asarray(value, dtype=float), device=dev)
    x.attach_grad()
    return x


def recorded(on: bool):
    return dnp.autograd.record() if on else contextlib.nullcontext()


RECORDED = [
    c
    for c in CASES
    if c.method
    in "normal uniform exponential laplace logistic gumbel lognormal cauchy gamma beta".split()
    or (c.method == "standard_gamma" and not c.kwargs)
]


@on_each_device
@pytest.mark.parametrize("c", RECORDED, ids=lambda c: c.id)
def test_recorded_sampler_fits_its_distribution(c, dev):
    """With parameters that carry gradients, under record(), draws keep their distribution."""
    args = [tracked(dev, a) for a in c.args]
    with dnp.autograd.record():
        check_case(dnp.random.default_rng(SEED), c._replace(args=tuple(args)), dev)


# --- the multivariate samplers: marginals, and mean vector and covariance -----------------------
MULTIVARIATE = {"dirichlet", "multinomial", "multivariate_normal", "multivariate_hypergeometric"}


def binned(x: numpy.ndarray, dist, edges) -> tuple[numpy.ndarray, Any]:
    """Continuous draws as the index of their cell between ``edges`` (inside ``dist``'s support),
    and the discrete distribution of that index: for draws that float rounding puts on the end
    points (exactly 0 or 1), where a test on the CDF scale would see a point mass."""
    cdf = numpy.concatenate([[0.0], dist.cdf(edges), [1.0]])
    index = numpy.searchsorted(edges, x, side="right")
    return index, stats.rv_discrete(values=(range(cdf.size - 1), numpy.diff(cdf)))()


DIRICHLET_EDGES = numpy.array([1e-9, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-4, 1 - 1e-9])


@on_each_device
@pytest.mark.parametrize("recording", [False, True], ids=["direct", "recorded"])
@pytest.mark.parametrize("alpha", [[0.6, 2.0, 4.5], [0.07, 0.08, 0.09]], ids=["gamma", "sticks"])
def test_dirichlet(alpha, recording, dev):
    """Components are Beta(alpha_i, sum - alpha_i), sum to one, with the Dirichlet covariance."""
    rng = dnp.random.default_rng(SEED)
    param = tracked(dev, alpha) if recording else alpha
    with recorded(recording):
        x = host(rng.dirichlet(param, N, device=dev), dev)
    a = numpy.array(alpha)
    a0, q = a.sum(), a / a.sum()
    assert x.shape == (N, 3)
    numpy.testing.assert_allclose(x.sum(1), 1.0, rtol=1e-12)
    for j in range(3):
        marginal = stats.beta(a[j], a0 - a[j])
        if a.max() < 0.1:  # a percent of the mass lies within 1e-16 of 0 or 1: bin coarsely
            check_sample(*binned(x[:, j], marginal, DIRICHLET_EDGES))
        else:
            check_sample(x[:, j], marginal)
    check_moments(x, q, (numpy.diag(q) - numpy.outer(q, q)) / (a0 + 1))


@on_each_device
def test_recorded_dirichlet_with_tiny_alpha_has_no_nan_rows(dev):
    """Recording must not turn valid Dirichlet draws into NaNs (the direct draw has none)."""
    alpha = [0.001, 0.002, 0.003]
    direct = host(dnp.random.default_rng(SEED).dirichlet(alpha, 2000, device=dev), dev)
    assert not numpy.isnan(direct).any()
    with dnp.autograd.record(), numpy.errstate(all="ignore"):
        x = host(dnp.random.default_rng(SEED).dirichlet(tracked(dev, alpha), 2000, device=dev), dev)
    assert not numpy.isnan(x).any(), f"{numpy.isnan(x).any(1).mean():.1%} of rows are NaN"
    numpy.testing.assert_allclose(x.sum(1), 1.0, rtol=1e-12)


@on_each_device
def test_multinomial(dev):
    """Counts are Binomial(n, p_i), sum to n, with covariance n (diag(p) - p p^T)."""
    p = numpy.array([0.2, 0.5, 0.3])
    x = host(dnp.random.default_rng(SEED).multinomial(30, p, N, device=dev), dev)
    assert x.shape == (N, 3) and x.dtype == numpy.int64
    assert numpy.all(x.sum(1) == 30)
    for j in range(3):
        check_sample(x[:, j], stats.binom(30, p[j]))
    check_moments(x, 30 * p, 30 * (numpy.diag(p) - numpy.outer(p, p)))


@on_each_device
def test_multinomial_broadcasts_n(dev):
    """An array of trial counts broadcasts against ``size``: column j sums to n_j."""
    n = numpy.array([4, 40])
    x = host(dnp.random.default_rng(SEED).multinomial(n, [0.25, 0.75], (N, 2), device=dev), dev)
    assert x.shape == (N, 2, 2)
    assert numpy.all(x.sum(-1) == n)
    for j in range(2):
        check_sample(x[:, j, 0], stats.binom(n[j], 0.25))


@on_each_device
@pytest.mark.parametrize("method", ["marginals", "count"])
def test_multivariate_hypergeometric(method, dev):
    """Counts are hypergeometric marginals summing to nsample, with their covariance."""
    colors, nsample = numpy.array([10, 6, 4]), 8
    rng = dnp.random.default_rng(SEED)
    x = host(rng.multivariate_hypergeometric(colors, nsample, N, method, device=dev), dev)
    total = colors.sum()
    assert numpy.all(x.sum(1) == nsample)
    for j in range(3):
        check_sample(x[:, j], stats.hypergeom(total, colors[j], nsample))
    q = colors / total
    scale = nsample * (total - nsample) / (total - 1)
    check_moments(x, nsample * q, scale * (numpy.diag(q) - numpy.outer(q, q)))


MVN_MEAN = numpy.array([1.0, -2.0, 0.5])
MVN_COV = numpy.array([[2.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 0.5]])


@on_each_device
@pytest.mark.parametrize("recording", [False, True], ids=["direct", "recorded"])
@pytest.mark.parametrize("method", ["svd", "eigh", "cholesky"])
def test_multivariate_normal(method, recording, dev):
    """Marginals and a projection are normal; the mean vector and covariance are the given."""
    rng = dnp.random.default_rng(SEED)
    if recording:
        mean, cov = tracked(dev, MVN_MEAN), tracked(dev, MVN_COV)
    else:
        mean, cov = dnp.asarray(MVN_MEAN, device=dev), MVN_COV
    with recorded(recording):
        x = host(rng.multivariate_normal(mean, cov, N, method=method, device=dev), dev)
    assert x.shape == (N, 3)
    for j in range(3):
        check_sample(x[:, j], stats.norm(MVN_MEAN[j], math.sqrt(MVN_COV[j, j])))
    w = numpy.array([1.0, -1.0, 2.0])
    check_sample(x @ w, stats.norm(w @ MVN_MEAN, math.sqrt(w @ MVN_COV @ w)))
    check_moments(x, MVN_MEAN, MVN_COV)


# --- choice, permutations, bytes ----------------------------------------------------------------
PERMUTING = {"choice", "permutation", "shuffle", "permuted", "bytes"}


@on_each_device
def test_choice_of_an_array(dev):
    """Choice from a dnp array draws its elements uniformly (with replacement), along ``axis``."""
    rng = dnp.random.default_rng(SEED)
    a = dnp.asarray(numpy.array([10.0, 20.0, 30.0, 40.0]), device=dev)
    x = host(rng.choice(a, N, device=dev), dev)
    check_sample(x / 10 - 1, stats.randint(0, 4))
    rows = host(rng.choice(dnp.reshape(a, (2, 2)), 5, axis=1, device=dev), dev)
    assert rows.shape == (2, 5) and numpy.all(rows[1] - rows[0] == 20.0)


@on_each_device
def test_choice_without_replacement(dev):
    """Without replacement the values are distinct; the first pick is uniform over calls."""
    rng = dnp.random.default_rng(SEED)
    x = host(rng.choice(50, 20, replace=False, device=dev), dev)
    assert numpy.unique(x).size == 20 and x.min() >= 0 and x.max() < 50
    firsts = [int(host(rng.choice(10, 3, replace=False, device=dev), dev)[0]) for _ in range(600)]
    check_sample(numpy.array(firsts), stats.randint(0, 10))


@on_each_device
def test_permutation_and_shuffle(dev):
    """They reorder without losing elements, and any prefix is a uniform sample."""
    rng = dnp.random.default_rng(SEED)
    p = host(rng.permutation(N, device=dev), dev)
    assert numpy.array_equal(numpy.sort(p), numpy.arange(N))
    check_sample(p[:2000], stats.randint(0, N))
    y = dnp.arange(N, device=dev)
    assert rng.shuffle(y) is None
    s = host(y, dev)
    assert numpy.array_equal(numpy.sort(s), numpy.arange(N))
    check_sample(s[:2000], stats.randint(0, N))
    m = dnp.reshape(dnp.arange(12, device=dev), (3, 4))
    cols = host(rng.permutation(m, axis=1, device=dev), dev)
    assert numpy.array_equal(numpy.sort(cols, 1), numpy.arange(12).reshape(3, 4))
    assert numpy.all(cols - cols[0] == numpy.array([[0], [4], [8]]))  # whole columns moved


@on_each_device
def test_permuted(dev):
    """Each row is permuted on its own: rows stay permutations, first entries are uniform."""
    x = dnp.asarray(numpy.tile(numpy.arange(4), (N // 4, 1)), device=dev)
    y = host(dnp.random.default_rng(SEED).permuted(x, axis=1, device=dev), dev)
    assert numpy.all(numpy.sort(y, 1) == numpy.arange(4))
    check_sample(y[:, 0], stats.randint(0, 4))
    check_sample(y[:, 3], stats.randint(0, 4))


def test_bytes():
    """``bytes(n)`` is n uniform bytes."""
    b = dnp.random.default_rng(SEED).bytes(N)
    assert type(b) is bytes and len(b) == N
    check_sample(numpy.frombuffer(b, numpy.uint8), stats.randint(0, 256))


# --- shapes and dtypes against NumPy's ----------------------------------------------------------
SHAPE_CASES = [(c.method, c.args, c.kwargs) for c in CASES]
SHAPE_CASES += [
    ("integers", (-5, 5), {"dtype": numpy.int8}),
    ("integers", (0, 1000), {"dtype": numpy.uint16}),
    ("integers", (0, 2**40), {}),
    ("integers", (7,), {}),
    ("standard_gamma", (A([1.0, 2.0]),), {"dtype": numpy.float32}),
    ("dirichlet", ([1.0, 2.0, 3.0],), {}),
    ("multinomial", (10, [0.5, 0.5]), {}),
    ("multinomial", ([3, 9, 4], [0.2, 0.8]), {}),
    ("multivariate_normal", (MVN_MEAN, MVN_COV), {}),
    ("multivariate_hypergeometric", ([3, 4, 2], 5), {}),
    ("choice", (5,), {}),
    ("choice", (20,), {"replace": False}),
]
NO_SIZE = [  # methods without ``size``: (method, args, kwargs)
    ("permutation", (5,), {}),
    ("bytes", (3,), {}),
]


def kind(value) -> str:
    """The type kind of a result: 'b', 'i', 'u', 'f' (an array's dtype kind or a scalar's)."""
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, float):
        return "f"
    return value.dtype.kind


def assert_conforms(expected, got, dev) -> None:
    """dnp's result has NumPy's type, shape and dtype (a size=None scalar: its kind)."""
    if isinstance(expected, numpy.ndarray):
        x = host(got, dev)
        assert (x.shape, x.dtype) == (expected.shape, expected.dtype)
    elif isinstance(expected, bytes):
        assert type(got) is bytes and len(got) == len(expected)
    else:
        assert isinstance(got, (bool, int, float)) or (
            isinstance(got, dnp.ndarray) and got.shape == () and got.device == dev
        ), f"a scalar result should be a Python scalar or a 0-d dnp.ndarray, got {got!r}"
        assert kind(got) == kind(expected), f"{got!r} is not of the kind of NumPy's {expected!r}"
        if isinstance(got, dnp.ndarray) and isinstance(expected, numpy.generic):
            assert got.dtype == expected.dtype


def numpy_draw(method, args, kwargs, size):
    """NumPy's result for the call (dnp's ``cauchy``: ``loc + scale * standard_cauchy(size)``)."""
    rng = numpy.random.default_rng(0)
    if method == "cauchy":
        loc, scale = args
        return loc + scale * rng.standard_cauchy(size)
    return getattr(rng, method)(*args, size=size, **kwargs)


def shape_ids(rows):
    return [f"{m}{list(kw.values()) if kw else ''}-{i}" for i, (m, _, kw) in enumerate(rows)]


@on_each_device
@pytest.mark.parametrize("size", [None, (4, 3)], ids=["scalar", "sized"])
@pytest.mark.parametrize("method, args, kwargs", SHAPE_CASES, ids=shape_ids(SHAPE_CASES))
def test_shape_and_dtype_match_numpy(method, args, kwargs, size, dev):
    """For size=None and a sized call, dnp returns what NumPy returns, in shape and dtype."""
    if size is not None and any(numpy.ndim(a) for a in args) and method not in MULTIVARIATE:
        size = (4, *numpy.broadcast_shapes(*(numpy.shape(a) for a in args)))
    expected = numpy_draw(method, args, kwargs, size)
    dnp_args = [on(dev, a) for a in args]
    got = getattr(dnp.random.default_rng(SEED), method)(*dnp_args, size=size, device=dev, **kwargs)
    assert_conforms(expected, got, dev)


@on_each_device
@pytest.mark.parametrize("method, args, kwargs", NO_SIZE, ids=shape_ids(NO_SIZE))
def test_shape_of_sizeless_methods_matches_numpy(method, args, kwargs, dev):
    """Methods without ``size`` (permutation, bytes) return NumPy's type and shape."""
    expected = getattr(numpy.random.default_rng(0), method)(*args, **kwargs)
    got = getattr(dnp.random.default_rng(SEED), method)(*args, device=dev, **kwargs)
    assert_conforms(expected, got, dev)


@on_each_device
def test_generator_device_is_the_default_for_its_calls(dev):
    """``default_rng(seed, device=dev)`` draws on ``dev`` when a call names no device."""
    rng = dnp.random.default_rng(SEED, device=dev)
    assert rng.normal(size=3).device == dev
    assert rng.integers(0, 5, size=(2, 2)).device == dev


@on_each_device
def test_successive_calls_and_streams_are_independent(dev):
    """One-draw calls in a row are uniform and uncorrelated, and successive calls, other seeds
    and spawned children are uncorrelated."""
    rng = dnp.random.default_rng(SEED)
    singles = numpy.array([rng.random(device=dev) for _ in range(2000)])
    check_sample(singles, stats.uniform())
    samples = [singles[:-1], singles[1:]]
    assert abs(numpy.corrcoef(*samples)[0, 1]) < Z_MAX / math.sqrt(singles.size)
    streams = [rng, rng, dnp.random.default_rng(SEED + 1), *rng.spawn(2)]
    draws = numpy.array([host(g.standard_normal(N, device=dev), dev) for g in streams])
    corr = numpy.corrcoef(draws) - numpy.eye(len(streams))
    assert numpy.all(abs(corr) < Z_MAX / math.sqrt(N)), corr


# --- the legacy interface -----------------------------------------------------------------------
LEGACY = [
    ("rand", (N // 2, 2), stats.uniform()),
    ("randn", (N,), stats.norm()),
    ("randint", (-2, 9, N), stats.randint(-2, 9)),
    ("random_sample", (N,), stats.uniform()),
    ("normal", (1.5, 2.0, N), stats.norm(1.5, 2.0)),
    ("poisson", (3.0, N), stats.poisson(3.0)),
    ("binomial", (20, 0.3, N), stats.binom(20, 0.3)),
]
STATE_ONLY = [  # RandomState methods beyond the module-level table
    ("standard_exponential", (N,), stats.expon()),
    ("gamma", (2.5, 1.5, N), stats.gamma(2.5, scale=1.5)),
    ("tomaxint", (N,), stats.uniform(0, numpy.iinfo(numpy.int64).max)),
]


@on_each_device
@pytest.mark.parametrize("name, args, dist", LEGACY, ids=[n for n, *_ in LEGACY])
def test_legacy_function_fits_its_distribution(name, args, dist, dev):
    """``dnp.random.seed`` then a module-level function: the draws fit their distribution."""
    dnp.random.seed(SEED)
    check_sample(host(getattr(dnp.random, name)(*args, device=dev), dev), dist)


@on_each_device
@pytest.mark.parametrize(
    "name, args, dist", LEGACY + STATE_ONLY, ids=[n for n, *_ in LEGACY + STATE_ONLY]
)
def test_random_state_method_fits_its_distribution(name, args, dist, dev):
    """``RandomState(1)``'s methods fit their distributions."""
    x = host(getattr(dnp.random.RandomState(1), name)(*args, device=dev), dev)
    check_sample(x.astype(float) if name == "tomaxint" else x, dist)


def test_seed_restarts_the_legacy_stream():
    """The same seed gives the same draws; the legacy scalars are NumPy's types."""
    dnp.random.seed(7)
    first = dnp.random.randn(5).asnumpy()
    dnp.random.seed(7)
    assert numpy.array_equal(dnp.random.randn(5).asnumpy(), first)
    legacy = numpy.random.RandomState(0)
    for name in ("rand", "randn", "random_sample"):
        assert kind(getattr(dnp.random, name)()) == kind(getattr(legacy, name)()) == "f"
    assert kind(dnp.random.randint(5)) == kind(legacy.randint(5)) == "i"
