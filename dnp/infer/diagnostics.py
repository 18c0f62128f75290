"""MCMC diagnostics, with NumPyro's names (``numpyro.diagnostics``) and ArviZ's rank-normalized
R-hat, bulk and tail ESS and MCSE (Vehtari et al. 2021, "Rank-normalization, folding, and
localization: an improved R-hat").

Draws are dnp or NumPy arrays of shape ``(chains, draws, *event)`` (NumPyro's
``group_by_chain`` layout); every statistic is computed elementwise over the event dims.
"""

from itertools import product

import dnp

__all__ = [
    "autocorrelation",
    "autocovariance",
    "effective_sample_size",
    "ess",
    "gelman_rubin",
    "hpdi",
    "mcse",
    "print_summary",
    "rhat",
    "split_gelman_rubin",
    "summary",
]


def _chains(x, min_draws=2):
    x = dnp.asarray(x)
    if x.ndim < 2 or x.shape[1] < min_draws:
        raise ValueError(
            f"expected draws of shape (chains, draws >= {min_draws}, ...), got {x.shape}"
        )
    return x


def _chain_variance_stats(x):
    """Mean within-chain variance W and the pooled variance estimator var+ (Stan's)."""
    n = x.shape[1]
    var_within = x.var(axis=1, ddof=1).mean(axis=0)
    var_estimator = var_within * (n - 1) / n
    if x.shape[0] > 1:
        var_estimator = var_estimator + x.mean(axis=1).var(axis=0, ddof=1)
    else:
        var_within = var_estimator
    return var_within, var_estimator


def gelman_rubin(x):
    """R-hat of draws ``x`` (chains >= 2, draws >= 2), as NumPyro's."""
    x = _chains(x)
    if x.shape[0] < 2:
        raise ValueError(f"gelman_rubin needs at least 2 chains, got {x.shape[0]}")
    var_within, var_estimator = _chain_variance_stats(x)
    with dnp.errstate(invalid="ignore", divide="ignore"):
        return dnp.sqrt(var_estimator / var_within)


def _split(x):
    half = x.shape[1] // 2
    return dnp.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def split_gelman_rubin(x):
    """R-hat of ``x`` with each chain split in halves (draws >= 4), as NumPyro's."""
    return gelman_rubin(_split(_chains(x, 4)))


def _fft_len(n):
    """Smallest 2, 3, 5-smooth number >= n (scipy's ``next_fast_len``)."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1 or n <= 2:
            return n
        n += 1


def _autocov_sums(x, axis):
    """Unnormalized lag sums sum_t (x_t - mean)(x_{t+k} - mean), k = 0..n-1, on the last axis."""
    x = dnp.moveaxis(dnp.asarray(x), axis, -1)
    n = x.shape[-1]
    m = 2 * _fft_len(n)
    f = dnp.fft.rfft(x - x.mean(axis=-1, keepdims=True), n=m, axis=-1)
    return dnp.fft.irfft(f * dnp.conjugate(f), n=m, axis=-1)[..., :n]


def autocorrelation(x, axis=0, bias=True):
    """Autocorrelation of ``x`` along ``axis`` by FFT; ``bias=False`` divides lag k's sum by
    n - k instead of n."""
    acov = _autocov_sums(x, axis)
    n = acov.shape[-1]
    if not bias:
        acov = acov / dnp.arange(n, 0.0, -1)
    with dnp.errstate(invalid="ignore", divide="ignore"):
        acorr = acov / acov[..., :1]
    return dnp.moveaxis(acorr, -1, axis)


def autocovariance(x, axis=0, bias=True):
    """Autocovariance of ``x`` along ``axis`` (autocorrelation times the variance)."""
    return autocorrelation(x, axis, bias) * dnp.asarray(x).var(axis=axis, keepdims=True)


def effective_sample_size(x, bias=True):
    """ESS of draws ``x`` (chains x draws x ...) by Geyer's initial monotone sequence, as
    NumPyro's (Stan's reference manual 2.18)."""
    x = _chains(x)
    gamma = autocovariance(x, axis=1, bias=bias).mean(axis=0)
    var_within, var_estimator = _chain_variance_stats(x)
    rho = 1.0 - (var_within - gamma) / var_estimator
    rho = dnp.concatenate([dnp.ones_like(rho[:1]), rho[1:]])
    pairs = rho[: rho.shape[0] - 1 : 2] + rho[1::2]
    tail = dnp.minimum.accumulate(dnp.clip(pairs[1:], 0, None), axis=0)
    tau = -1.0 + 2.0 * (pairs[0] + tail.sum(axis=0))
    return x.shape[0] * x.shape[1] / tau


def hpdi(x, prob=0.90, axis=0):
    """The narrowest interval holding mass ``prob`` of ``x`` along ``axis``: its two ends
    stacked on ``axis``, as NumPyro's."""
    x = dnp.swapaxes(dnp.asarray(x), axis, 0)
    sorted_x = dnp.sort(x, axis=0)
    mass = x.shape[0]
    length = int(prob * mass)
    if length >= mass:
        raise ValueError(f"too few draws ({mass}) for an interval of mass {prob}")
    start = (sorted_x[length:] - sorted_x[: mass - length]).argmin(axis=0)[None]
    ends = [dnp.take_along_axis(sorted_x, i, axis=0) for i in (start, start + length)]
    return dnp.swapaxes(dnp.concatenate(ends, axis=0), axis, 0)


# ---- rank-normalized diagnostics (Vehtari et al. 2021; ArviZ's algorithms) ----


def _pooled(x):
    return x.reshape((x.shape[0] * x.shape[1],) + x.shape[2:])


def _average_ranks(x):
    """1-based ranks along axis 0, ties given their average rank (scipy's ``rankdata``)."""
    n = x.shape[0]
    order = dnp.argsort(x, axis=0, kind="stable")
    s = dnp.take_along_axis(x, order, axis=0)
    idx = dnp.arange(n).reshape((n,) + (1,) * (x.ndim - 1))
    edge = s[1:] != s[:-1]
    true = dnp.ones_like(edge[:1])
    first = dnp.maximum.accumulate(dnp.where(dnp.concatenate([true, edge]), idx, 0), axis=0)
    is_last = dnp.concatenate([edge, true])
    last = dnp.flip(dnp.minimum.accumulate(dnp.flip(dnp.where(is_last, idx, n), 0), axis=0), 0)
    return dnp.take_along_axis((first + last) / 2 + 1, dnp.argsort(order, axis=0), axis=0)


def _z_scale(x):
    """Rank normalization: ndtri((rank - 3/8) / (n + 1/4)) over all draws of each element."""
    flat = _pooled(x)
    ranks = _average_ranks(flat)
    z = dnp.scipy.special.ndtri((ranks - 0.375) / (flat.shape[0] + 0.25))
    return z.reshape(x.shape)


def _fold(x):
    return dnp.abs(x - dnp.median(_pooled(x), axis=0))


def _ess_geyer(x, relative=False):
    """ESS of (already split) chains ``x`` by Geyer's truncated initial positive and monotone
    sequences, with ArviZ's last-even-lag term and its floor tau >= 1 / log10(n)."""
    c, n = x.shape[:2]
    x = x.astype(float)
    acov = (_autocov_sums(x, 1) / n).mean(axis=0)
    acov = dnp.moveaxis(acov, -1, 0)
    mean_var = acov[0] * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if c > 1:
        var_plus = var_plus + x.mean(axis=1).var(axis=0, ddof=1)
    with dnp.errstate(invalid="ignore", divide="ignore"):  # constant draws: var_plus = 0
        rho = 1.0 - (mean_var - acov) / var_plus
    rho = dnp.concatenate([dnp.ones_like(rho[:1]), rho[1:]])
    num = max(0, (n - 3) // 2)  # pairs after the first that ArviZ's loop can reach
    pairs = rho[0 : 2 * num + 1 : 2] + rho[1 : 2 * num + 2 : 2]
    leading = dnp.cumprod(pairs[:num] > 0, axis=0).sum(axis=0)
    kept = dnp.arange(num).reshape((num,) + (1,) * (pairs.ndim - 1)) < leading
    monotone = dnp.where(kept, dnp.minimum.accumulate(pairs[:num], axis=0), 0.0).sum(axis=0)
    at = leading[None]
    last_even = dnp.take_along_axis(rho[0 : 2 * num + 1 : 2], at, axis=0)[0]
    last_pair = dnp.take_along_axis(pairs, at, axis=0)[0]
    last = dnp.where((last_pair >= 0) | (last_even > 0), last_even, 0.0)
    tau = dnp.maximum(-1.0 + 2.0 * monotone + last, 1 / dnp.log10(c * n))
    flat = _pooled(x)
    size = 1.0 if relative else float(c * n)
    constant = flat.max(axis=0) - flat.min(axis=0) < dnp.finfo(float).resolution
    return dnp.where(constant, size, size / tau)


_RHAT = {
    "rank": lambda s: dnp.maximum(gelman_rubin(_z_scale(s)), gelman_rubin(_z_scale(_fold(s)))),
    "split": gelman_rubin,
    "folded": lambda s: gelman_rubin(_z_scale(_fold(s))),
    "z_scale": lambda s: gelman_rubin(_z_scale(s)),
    "identity": gelman_rubin,
}


def _nan_where_nan(x, value):
    """NaN for the elements with a NaN draw (as ArviZ's)."""
    return dnp.where(dnp.isnan(_pooled(x)).any(axis=0), dnp.nan, value)


def rhat(x, method="rank"):
    """R-hat of draws ``x`` (chains x draws x ...). ``"rank"`` (default): the larger of the
    rank-normalized split R-hat of the draws and of their distances to the median (bulk and
    tail); ``"split"``: split R-hat; ``"folded"``, ``"z_scale"``, ``"identity"`` as ArviZ's."""
    x = _chains(x, 4)
    if method not in _RHAT:
        raise ValueError(f"unknown rhat method {method!r}; expected one of {list(_RHAT)}")
    return _nan_where_nan(x, _RHAT[method](x if method == "identity" else _split(x)))


def _ess_quantile(x, prob, relative):
    q = dnp.quantile(_pooled(x), prob, axis=0)
    return _ess_geyer(_split(x <= q), relative)


def ess(x, method="bulk", prob=None, relative=False):
    """Effective sample size of draws ``x`` (chains x draws x ...), on split chains.
    ``"bulk"``: of the rank-normalized draws; ``"tail"``: the smaller of the ESS of the
    indicators of the ``prob`` quantiles (default (0.05, 0.95)); ``"mean"``; ``"sd"``: of the
    squared deviations; ``"quantile"``: of one ``prob`` quantile. ``relative`` divides by the
    number of draws."""
    x = _chains(x, 4)
    if method == "bulk":
        value = _ess_geyer(_z_scale(_split(x)), relative)
    elif method == "mean":
        value = _ess_geyer(_split(x), relative)
    elif method == "sd":
        value = _ess_geyer(_split((x - _pooled(x).mean(axis=0)) ** 2), relative)
    elif method == "tail":
        if prob is None:
            prob = (0.05, 0.95)
        elif dnp.ndim(prob) == 0:
            prob = (prob, 1 - prob)
        value = dnp.minimum(*(_ess_quantile(x, p, relative) for p in prob))
    elif method == "quantile":
        if prob is None:
            raise TypeError("ess(method='quantile') needs prob")
        value = _ess_quantile(x, prob, relative)
    else:
        raise ValueError(f"unknown ess method {method!r}")
    return _nan_where_nan(x, value)


def mcse(x, method="mean"):
    """Monte Carlo standard error of the mean (``"mean"``) or of the standard deviation
    (``"sd"``) of draws ``x`` (chains x draws x ...), as ArviZ's."""
    x = _chains(x, 4)
    flat = _pooled(x)
    if method == "mean":
        return flat.std(axis=0, ddof=1) / dnp.sqrt(ess(x, "mean"))
    if method == "sd":
        sq = (x - flat.mean(axis=0)) ** 2
        sq_flat = _pooled(sq)
        evar = sq_flat.mean(axis=0)
        varvar = ((sq_flat**2).mean(axis=0) - evar**2) / ess(sq, "mean")
        return dnp.sqrt(varvar / evar / 4)
    raise ValueError(f"unknown mcse method {method!r}")


# ---- tables ----


def _named(samples, group_by_chain):
    if isinstance(samples, dict):
        named = dict(samples)
    else:
        named = {f"Param:{i}": v for i, v in enumerate(dnp.tree.leaves(samples))}
    named = {k: dnp.asarray(v) for k, v in named.items()}
    return named if group_by_chain else {k: v[None] for k, v in named.items()}


def summary(samples, prob=0.90, group_by_chain=True):
    """Per-site dicts of mean, std, median, the ``prob`` HPDI ends (keys such as ``"5.0%"``,
    ``"95.0%"``), ``n_eff`` and ``r_hat`` (split), as NumPyro's. ``samples``: a dict of draws
    (or a pytree, named ``Param:i``), chains x draws x ... unless ``group_by_chain=False``."""
    out = {}
    for name, value in _named(samples, group_by_chain).items():
        flat = _pooled(value)
        interval = hpdi(flat, prob=prob)
        out[name] = {
            "mean": flat.mean(axis=0),
            "std": flat.std(axis=0, ddof=1),
            "median": dnp.median(flat, axis=0),
            f"{50 * (1 - prob):.1f}%": interval[0],
            f"{50 * (1 + prob):.1f}%": interval[1],
            "n_eff": effective_sample_size(value),
            "r_hat": split_gelman_rubin(value),
        }
    return out


def print_summary(samples, prob=0.90, group_by_chain=True):
    """Print :func:`summary` as NumPyro's table, one row per element of each site."""
    samples = _named(samples, group_by_chain)
    if not samples:
        return
    stats = summary(samples, prob, group_by_chain=True)
    rows = []
    for name, site in stats.items():
        shape = site["mean"].shape
        for idx in product(*map(range, shape)):
            label = name + (f"[{','.join(map(str, idx))}]" if shape else "")
            rows.append((label, [float(v[idx]) for v in site.values()]))
    # NumPyro sizes the name column by labels such as "theta[1,2]" (the last index per dim)
    labels = [k + "[" + ",".join(str(d - 1) for d in v.shape[2:]) + "]" for k, v in samples.items()]
    width = max(10, *map(len, labels))
    columns = list(next(iter(stats.values())))
    print()
    print(f"{'':>{width}}" + "".join(f" {c:>9}" for c in columns))
    for label, values in rows:
        print(f"{label:>{width}}" + "".join(f" {v:>9.2f}" for v in values))
    print()
