"""dnp.infer.diagnostics against hand formulas, NumPyro's algorithms (reimplemented in NumPy
from numpyro/diagnostics.py) and ArviZ (where installed)."""

import warnings

import numpy as np
import pytest

import dnp
from dnp.infer import diagnostics as diag


def ar1(rng, chains, draws, rho, event=()):
    """Stationary AR(1) chains: lag-k autocorrelation rho**k, unit innovations."""
    e = rng.standard_normal((chains, draws) + event)
    x = np.empty_like(e)
    x[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + e[:, t]
    return x


@pytest.fixture(scope="module")
def draws():
    """(4, 301, 2, 3) draws: AR(1) elements with distinct means, the last row rounded (ties)."""
    x = ar1(np.random.default_rng(0), 4, 301, 0.6, (2, 3)) + np.arange(3)
    x[..., 1, :] = np.round(x[..., 1, :], 1)
    return x


# ---- NumPyro's formulas, in NumPy ----


def np_variance_stats(x):
    n = x.shape[1]
    var_within = x.var(axis=1, ddof=1).mean(axis=0)
    var_estimator = var_within * (n - 1) / n
    if x.shape[0] > 1:
        var_estimator = var_estimator + x.mean(axis=1).var(axis=0, ddof=1)
    else:
        var_within = var_estimator
    return var_within, var_estimator


def np_split_gelman_rubin(x):
    half = x.shape[1] // 2
    x = np.concatenate([x[:, :half], x[:, -half:]], axis=0)
    var_within, var_estimator = np_variance_stats(x)
    return np.sqrt(var_estimator / var_within)


def np_autocorrelation(x, axis, bias):
    """Direct lag sums (no FFT), normalized at lag 0."""
    x = np.moveaxis(x, axis, -1)
    c = x - x.mean(axis=-1, keepdims=True)
    n = x.shape[-1]
    sums = np.stack([(c[..., : n - k] * c[..., k:]).sum(-1) for k in range(n)], axis=-1)
    if not bias:
        sums = sums / np.arange(n, 0, -1)
    return np.moveaxis(sums / sums[..., :1], -1, axis)


def np_effective_sample_size(x, bias=True):
    gamma = (np_autocorrelation(x, 1, bias) * x.var(axis=1, keepdims=True)).mean(axis=0)
    var_within, var_estimator = np_variance_stats(x)
    rho = 1.0 - (var_within - gamma) / var_estimator
    rho[0] = 1.0
    pairs = rho[:-1:2] + rho[1::2]
    pairs[1:] = np.minimum.accumulate(np.clip(pairs[1:], 0, None), axis=0)
    return np.prod(x.shape[:2]) / (-1.0 + 2.0 * pairs.sum(axis=0))


def np_hpdi(x, prob):
    s = np.sort(x, axis=0)
    n = len(s)
    k = int(prob * n)
    i = (s[k:] - s[: n - k]).argmin(axis=0)
    return np.stack(
        [np.take_along_axis(s, i[None], 0)[0], np.take_along_axis(s, i[None] + k, 0)[0]]
    )


# ---- NumPyro's functions ----


@pytest.mark.parametrize("bias", [True, False])
def test_autocorrelation_matches_direct_sums(bias):
    x = np.random.default_rng(1).standard_normal((3, 97, 2))
    got = diag.autocorrelation(x, axis=1, bias=bias)
    assert isinstance(got, dnp.ndarray) and got.shape == x.shape
    np.testing.assert_allclose(np.asarray(got), np_autocorrelation(x, 1, bias), atol=1e-12)
    cov = diag.autocovariance(x, axis=1, bias=bias)
    expect = np_autocorrelation(x, 1, bias) * x.var(axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(cov), expect, atol=1e-12)


def test_autocorrelation_of_white_noise():
    x = np.random.default_rng(2).standard_normal(4000)
    ac = np.asarray(diag.autocorrelation(dnp.asarray(x)))
    assert ac[0] == 1.0
    assert np.abs(ac[1:50]).max() < 4 / np.sqrt(len(x))


def test_autocorrelation_of_ar1():
    rho = 0.7
    ac = np.asarray(diag.autocorrelation(ar1(np.random.default_rng(3), 1, 20000, rho)[0]))
    np.testing.assert_allclose(ac[:5], rho ** np.arange(5), atol=0.03)


@pytest.mark.parametrize("bias", [True, False])
def test_effective_sample_size_matches_numpyro(draws, bias):
    got = diag.effective_sample_size(draws, bias=bias)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(got), np_effective_sample_size(draws, bias), rtol=1e-10)


def test_gelman_rubin_matches_numpyro(draws):
    np.testing.assert_allclose(
        np.asarray(diag.split_gelman_rubin(draws)), np_split_gelman_rubin(draws), rtol=1e-12
    )
    var_within, var_estimator = np_variance_stats(draws)
    np.testing.assert_allclose(
        np.asarray(diag.gelman_rubin(draws)), np.sqrt(var_estimator / var_within), rtol=1e-12
    )


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.8])
def test_ess_of_ar1_chains(rho):
    """ESS of AR(1) draws is near n (1 - rho) / (1 + rho)."""
    x = ar1(np.random.default_rng(4), 4, 2000, rho)
    expect = x.size * (1 - rho) / (1 + rho)
    for got in (diag.effective_sample_size(x), diag.ess(x, "bulk"), diag.ess(x, "mean")):
        assert abs(float(got) / expect - 1) < 0.15


def test_rhat_of_identical_and_shifted_chains():
    chain = np.random.default_rng(5).standard_normal(1000)
    same = np.tile(chain, (4, 1))
    assert abs(float(diag.split_gelman_rubin(same)) - 1) < 0.01
    assert abs(float(diag.rhat(same)) - 1) < 0.01
    shifted = np.random.default_rng(6).standard_normal((4, 1000)) + [[0], [0], [0], [2]]
    assert float(diag.split_gelman_rubin(shifted)) > 1.1
    assert float(diag.gelman_rubin(shifted)) > 1.1
    assert float(diag.rhat(shifted)) > 1.1


def test_hpdi_of_normal_sample():
    x = np.random.default_rng(7).standard_normal((100000, 2)) * [1.0, 3.0]
    lo, hi = np.asarray(diag.hpdi(x, 0.9))
    np.testing.assert_allclose(lo, [-1.645, -3 * 1.645], rtol=0.03)
    np.testing.assert_allclose(hi, [1.645, 3 * 1.645], rtol=0.03)
    np.testing.assert_array_equal(np.asarray(diag.hpdi(x[:999], 0.8)), np_hpdi(x[:999], 0.8))
    np.testing.assert_array_equal(
        np.asarray(diag.hpdi(x[:999].T, 0.8, axis=1)), np_hpdi(x[:999], 0.8).T
    )


def test_summary_values_and_keys(draws):
    stats = diag.summary({"x": draws, "y": dnp.asarray(draws[..., 0, 0])}, prob=0.8)
    assert list(stats["x"]) == ["mean", "std", "median", "10.0%", "90.0%", "n_eff", "r_hat"]
    flat = draws.reshape(-1, 2, 3)
    expect = {
        "mean": flat.mean(0),
        "std": flat.std(0, ddof=1),
        "median": np.median(flat, 0),
        "10.0%": np_hpdi(flat, 0.8)[0],
        "90.0%": np_hpdi(flat, 0.8)[1],
        "n_eff": np_effective_sample_size(draws),
        "r_hat": np_split_gelman_rubin(draws),
    }
    for key, value in expect.items():
        np.testing.assert_allclose(np.asarray(stats["x"][key]), value, rtol=1e-10)
        np.testing.assert_allclose(np.asarray(stats["y"][key]), value[0, 0], rtol=1e-10)
    ungrouped = diag.summary([draws[0]], group_by_chain=False)["Param:0"]
    np.testing.assert_allclose(np.asarray(ungrouped["n_eff"]), np_effective_sample_size(draws[:1]))


def test_print_summary_table(draws, capsys):
    x = draws[..., 0, :2]
    diag.print_summary({"theta": x, "sigma": x[..., 0]})
    s = diag.summary({"theta": x, "sigma": x[..., 0]})
    head = f"{'':>10}" + "".join(f" {c:>9}" for c in s["theta"])
    rows = [
        f"{name:>10}"
        + "".join(f" {float(v[i] if i is not None else v):>9.2f}" for v in stats.values())
        for name, stats, i in [
            ("theta[0]", s["theta"], 0),
            ("theta[1]", s["theta"], 1),
            ("sigma", s["sigma"], None),
        ]
    ]
    assert capsys.readouterr().out == "\n".join(["", head, *rows, "", ""])


def test_errors():
    with pytest.raises(ValueError):
        diag.effective_sample_size(np.zeros(10))
    with pytest.raises(ValueError):
        diag.gelman_rubin(np.zeros((1, 10)))
    with pytest.raises(ValueError):
        diag.split_gelman_rubin(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        diag.rhat(np.zeros((2, 10)), method="nope")
    with pytest.raises(ValueError):
        diag.ess(np.zeros((2, 10)), method="nope")
    with pytest.raises(ValueError):
        diag.mcse(np.zeros((2, 10)), method="nope")


def test_nan_draws_give_nan():
    x = np.random.default_rng(9).standard_normal((2, 20, 2))
    x[0, 3, 1] = np.nan
    for value in (diag.rhat(x), diag.ess(x), diag.ess(x, "tail"), diag.mcse(x, "sd")):
        assert np.isfinite(float(value[0])) and np.isnan(float(value[1]))


def test_ess_of_constant_draws_is_the_draw_count():
    np.testing.assert_array_equal(np.asarray(diag.ess(np.ones((2, 10, 3)), "mean")), 20.0)


# ---- ArviZ ----


@pytest.fixture(scope="module")
def az():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("arviz")


def az_values(fn, x, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(x, **kwargs)["x"].values


def test_rank_diagnostics_match_arviz(az, draws):
    ds = az.convert_to_dataset(draws)
    cases = [(az.rhat, diag.rhat, m) for m in ("rank", "split", "folded", "z_scale", "identity")]
    cases += [(az.ess, diag.ess, m) for m in ("bulk", "tail", "mean", "sd")]
    cases += [(az.mcse, diag.mcse, m) for m in ("mean", "sd")]
    for ours_ref, ours, method in cases:
        got = ours(dnp.asarray(draws), method=method)
        assert got.shape == (2, 3)
        expect = az_values(ours_ref, ds, method=method)
        np.testing.assert_allclose(np.asarray(got), expect, rtol=1e-8, err_msg=method)
    np.testing.assert_allclose(
        np.asarray(diag.ess(draws, "tail", prob=0.1, relative=True)),
        az_values(az.ess, ds, method="tail", prob=0.1, relative=True),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        np.asarray(diag.ess(draws, "quantile", prob=0.3)),
        az_values(az.ess, ds, method="quantile", prob=0.3),
        rtol=1e-8,
    )
    hdi = az_values(az.hdi, ds, hdi_prob=0.9)
    np.testing.assert_array_equal(
        np.moveaxis(np.asarray(diag.hpdi(draws.reshape(-1, 2, 3))), 0, -1), hdi
    )


@pytest.mark.parametrize("draws_per_chain", [4, 5, 6, 7, 9, 12, 40])
@pytest.mark.parametrize("rho", [-0.95, 0.0, 0.99])
def test_geyer_truncation_matches_arviz_on_short_chains(az, draws_per_chain, rho):
    """Short, antithetic and sticky chains reach every branch of ArviZ's Geyer loop."""
    x = ar1(np.random.default_rng(8), 3, draws_per_chain, rho, (4,))
    x[..., 3] = np.round(x[..., 3])
    ds = az.convert_to_dataset(x)
    for fn, ours, method in [
        (az.ess, diag.ess, "bulk"),
        (az.ess, diag.ess, "tail"),
        (az.ess, diag.ess, "mean"),
        (az.rhat, diag.rhat, "rank"),
    ]:
        expect = az_values(fn, ds, method=method)
        got = np.asarray(ours(x, method=method))
        np.testing.assert_allclose(got, expect, rtol=1e-8, err_msg=method)
