"""Gradients of the reductions and statistics (reductions.py) against central differences."""

import numpy

import dnp as np
from tests.grad_check import grad_case, gradient_test, raised_case

R = numpy.random.default_rng(2)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
V = R.standard_normal(5)
T3 = R.standard_normal((2, 3, 4))
C = R.standard_normal((3, 4)) + 1j * R.standard_normal((3, 4))
POS = R.uniform(0.5, 1.5, (3, 4))
W = R.uniform(0.5, 1.5, (3, 4))
W4 = R.uniform(0.5, 1.5, 4)
MASK = R.random((3, 4)) > 0.3
MASK[:, 0] = True  # every row and column keeps an element
# Values with zeros: one zero in row 0, two in row 1 (and columns with one or two).
Z = POS.copy()
Z[0, 1] = 0.0
Z[1, 0] = Z[1, 2] = 0.0
# NaNs in some places (the nan* forms skip them); each row keeps three values.
N = A.copy()
N[0, 1] = N[2, 3] = numpy.nan
# Ties: the maximum of row 0 and the minimum of row 1, twice each. Central differences at a
# two-way tie average the one-sided slopes, which is the equal split; the gradient jumps there, so
# tie cases are order 1.
TIES = A.copy()
TIES[0, 2] = TIES[0, 0] = 3.0
TIES[1, 1] = TIES[1, 3] = -3.0
# Distinct, well-separated values for quantiles (no ties: the sort is locally fixed).
Q = R.permutation(numpy.arange(24.0)).reshape(2, 3, 4) + R.uniform(0.1, 0.3, (2, 3, 4))
QN = Q[0].copy()
QN[0, 1] = QN[2, 2] = QN[2, 0] = numpy.nan
SAMPLES = R.standard_normal((3, 6))


case = raised_case  # cubed outputs: see raised_case


GRAD_CASES = [
    # sum / nansum
    case("sum", lambda x: np.sum(x), A),
    case("sum", lambda x: np.sum(x, axis=1), A, id="sum-axis"),
    case("sum", lambda x: np.sum(x, axis=-1, keepdims=True), T3, id="sum-neg-keepdims"),
    case("sum", lambda x: np.sum(x, axis=(0, 2)), T3, id="sum-tuple"),
    case("sum", lambda x: x.sum(axis=(2, -3), keepdims=True), T3, id="sum-method-tuple-keep"),
    case("sum", lambda x: np.sum(x, axis=0, dtype=numpy.complex128), A, id="sum-dtype"),
    case("sum", lambda x: np.sum(x, axis=1, where=MASK), A, id="sum-where"),
    case("sum", lambda z: np.sum(z, axis=0), C, id="sum-complex"),
    case("nansum", lambda x: np.nansum(x, axis=1), N),
    case("nansum", lambda x: np.nansum(x, where=MASK, keepdims=True), N, id="nansum-where"),
    # prod / nanprod: no division, exact with zeros
    grad_case("prod", lambda x: np.prod(x, axis=0), POS),
    grad_case("prod", lambda x: np.prod(x), POS[:2], id="prod-all"),
    grad_case("prod", lambda x: np.prod(x, axis=1), Z, id="prod-zeros"),
    grad_case("prod", lambda x: np.prod(x, axis=0, keepdims=True), Z, id="prod-zeros-axis0"),
    grad_case("prod", lambda x: np.prod(x, axis=(0, 2)), T3, id="prod-tuple"),
    grad_case("prod", lambda x: np.prod(x, axis=1, where=MASK, initial=2.0), A, id="prod-where"),
    grad_case("prod", lambda z: np.prod(z, axis=-1), C, id="prod-complex"),
    grad_case("nanprod", lambda x: np.nanprod(x, axis=1), N),
    # mean / var / std and the nan forms
    case("mean", lambda x: np.mean(x), A),
    case("mean", lambda x: np.mean(x, axis=(0, -1), keepdims=True), T3, id="mean-tuple"),
    case("mean", lambda x: x.mean(axis=1, where=MASK), A, id="mean-where"),
    case("mean", lambda z: np.mean(z, axis=0), C, id="mean-complex"),
    case("nanmean", lambda x: np.nanmean(x, axis=1), N),
    case("nanmean", lambda x: np.nanmean(x), N, id="nanmean-all"),
    grad_case("var", lambda x: np.var(x), A),
    grad_case("var", lambda x: np.var(x, axis=1, ddof=1, keepdims=True), A, id="var-ddof"),
    grad_case("var", lambda x: np.var(x, axis=(0, 2), correction=1), T3, id="var-correction"),
    grad_case("var", lambda x: np.var(x, axis=1, where=MASK), A, id="var-where"),
    grad_case("var", lambda x: x.var(axis=0, mean=np.zeros((1, 4))), A, id="var-mean"),
    grad_case("var", lambda z: np.var(z, axis=1), C, id="var-complex"),
    grad_case("std", lambda x: np.std(x, axis=0), A),
    grad_case("std", lambda x: np.std(x, ddof=1), T3, id="std-ddof"),
    grad_case("std", lambda z: np.std(z, axis=1, keepdims=True), C, id="std-complex"),
    grad_case("nanvar", lambda x: np.nanvar(x, axis=1), N),
    grad_case("nanvar", lambda x: np.nanvar(x, axis=0, ddof=1), N[:, :3], id="nanvar-ddof"),
    grad_case("nanstd", lambda x: np.nanstd(x, axis=1), N),
    grad_case("nanstd", lambda x: np.nanstd(x), N, id="nanstd-all"),
    # extrema: ties share the gradient equally
    case("max", lambda x: np.max(x, axis=1), A),
    case("max", lambda x: x.max(), A, id="max-all"),
    case("max", lambda x: np.max(x, axis=(0, 2), keepdims=True), T3, id="max-tuple"),
    case("max", lambda x: np.max(x, axis=1), TIES, order=1, id="max-ties"),
    case("max", lambda x: np.max(x, axis=1, where=MASK, initial=-10.0), A, id="max-where"),
    case("max", lambda z: np.max(z, axis=0), C, id="max-complex"),
    case("min", lambda x: np.min(x, axis=0), A),
    case("min", lambda x: np.min(x, axis=1), TIES, order=1, id="min-ties"),
    case("amax", lambda x: np.amax(x, axis=-1), T3),
    case("amin", lambda x: np.amin(x, axis=0, keepdims=True), T3),
    case("ptp", lambda x: np.ptp(x, axis=1), A),
    case("ptp", lambda x: np.ptp(x), T3, id="ptp-all"),
    case("nanmax", lambda x: np.nanmax(x, axis=1), N),
    case("nanmin", lambda x: np.nanmin(x, axis=0), N),
    # order statistics
    case("median", lambda x: np.median(x), Q),
    case("median", lambda x: np.median(x, axis=1), Q, id="median-axis"),
    case("median", lambda x: np.median(x, axis=(0, 2), keepdims=True), Q, id="median-tuple"),
    case("nanmedian", lambda x: np.nanmedian(x, axis=1), QN),
    case("quantile", lambda x: np.quantile(x, 0.3, axis=1), Q),
    case("quantile", lambda x, q: np.quantile(x, q, axis=(0, 2)), Q, [0.3, 0.77], id="quantile-q"),
    case("quantile", lambda x: np.quantile(x, [0.1, 0.9], method="hazen"), Q, id="quantile-hazen"),
    case("quantile", lambda x: np.quantile(x, 0.4, 1, method="nearest"), Q, id="quantile-nearest"),
    case("quantile", lambda x: np.quantile(x, 0.5, 2, keepdims=True), Q, id="quantile-keepdims"),
    case(
        "quantile",
        lambda x: np.quantile(x, 0.4, axis=1, method="inverted_cdf", weights=W),
        Q[0],
        id="quantile-weights",
    ),
    case("percentile", lambda x, q: np.percentile(x, q, axis=-1), Q, 35.0),
    case("nanquantile", lambda x, q: np.nanquantile(x, q, axis=1), QN, [0.25, 0.6]),
    case("nanpercentile", lambda x: np.nanpercentile(x, 70, axis=0), QN),
    case("nanpercentile", lambda x: np.nanpercentile(x, [70, 10]), QN, id="nanpercentile-all"),
    # scans
    case("cumsum", lambda x: np.cumsum(x, axis=1), A),
    case("cumsum", lambda x: np.cumsum(x), T3, id="cumsum-flat"),
    case("cumsum", lambda z: z.cumsum(axis=0), C, id="cumsum-complex"),
    case("nancumsum", lambda x: np.nancumsum(x, axis=1), N),
    case("cumulative_sum", lambda x: np.cumulative_sum(x, axis=0), A),
    case(
        "cumulative_sum",
        lambda x: np.cumulative_sum(x, include_initial=True),
        V,
        id="cumulative_sum-initial",
    ),
    grad_case("cumprod", lambda x: np.cumprod(x, axis=1), POS),
    grad_case("cumprod", lambda x: np.cumprod(x), V, id="cumprod-flat"),
    grad_case("cumprod", lambda x: np.cumprod(x, axis=1), Z, id="cumprod-zeros"),
    grad_case("cumprod", lambda x: np.cumprod(x, axis=0), Z, id="cumprod-zeros-axis0"),
    grad_case("cumprod", lambda z: np.cumprod(z, axis=-1), C, id="cumprod-complex"),
    grad_case("nancumprod", lambda x: np.nancumprod(x, axis=1), N),
    grad_case("cumulative_prod", lambda x: np.cumulative_prod(x, axis=1), Z),
    grad_case(
        "cumulative_prod",
        lambda x: np.cumulative_prod(x, include_initial=True),
        V,
        id="cumulative_prod-initial",
    ),
    # weighted statistics
    case("average", lambda x: np.average(x, axis=1), A),
    grad_case("average", lambda x, w: np.average(x, None, w), A, W, id="average-weights"),
    grad_case("average", lambda x, w: np.average(x, 1, w), A, W4, id="average-1d-weights"),
    grad_case(
        "average",
        lambda x, w: np.average(x, (2, 0), w, keepdims=True),
        T3,
        W.T[:, :2],
        id="average-nd-weights",
    ),
    grad_case("average", lambda x, w: np.average(x, 0, w, True), A, W, id="average-returned"),
    grad_case("average", lambda z, w: np.average(z, 0, w), C, W, id="average-complex"),
    grad_case("cov", lambda x: np.cov(x), SAMPLES),
    grad_case("cov", lambda x, y: np.cov(x, y, rowvar=False), SAMPLES.T, SAMPLES[0], id="cov-y"),
    grad_case("cov", lambda x: np.cov(x, bias=True), SAMPLES[1], id="cov-1d"),
    grad_case(
        "cov", lambda x: np.cov(x, ddof=0, fweights=[1, 2, 1, 3, 1, 2]), SAMPLES, id="cov-fw"
    ),
    grad_case(
        "cov", lambda x: np.cov(x, aweights=W[0, :3].tolist() * 2), SAMPLES, id="cov-aweights"
    ),
    grad_case("cov", lambda z: np.cov(z), C, id="cov-complex"),
    grad_case("corrcoef", lambda x: np.corrcoef(x), SAMPLES),
    grad_case("corrcoef", lambda x, y: np.corrcoef(x, y), SAMPLES[0], SAMPLES[1], id="corrcoef-y"),
    grad_case("corrcoef", lambda z: np.corrcoef(z, rowvar=False), C.T, id="corrcoef-complex"),
    # one variable: NumPy returns c / c, a constant 1
    grad_case("corrcoef", lambda x: np.corrcoef(x) * x.sum() ** 2, V, id="corrcoef-one"),
    # bincount is linear in its weights
    case("bincount", lambda w: np.bincount(numpy.array([0, 2, 2, 3, 0]), w, 6), V),
    # a list of arrays as the data: one gradient per element
    case("sum", lambda x, y: np.sum([x, y], axis=0), V, V[::-1], id="sum-list"),
    grad_case("prod", lambda x, y: np.prod((x, y), axis=0), V, V[::-1], id="prod-list"),
    case("max", lambda x, y: np.max([x, y], axis=0), V, V[::-1] + 0.1, id="max-list"),
    case("mean", lambda x, y: np.mean([x, 2.0 * y]), V, V, id="mean-list"),
    grad_case(
        "average", lambda x, w, v: np.average(x, 0, [w, v]), A[:2], V[:4], W4, id="average-list"
    ),
    # combined: logsumexp through max, exp, sum, log
    grad_case(
        "max",
        lambda x: np.log(np.sum(np.exp(x - x.max(1, keepdims=True)), 1)) + x.max(1),
        A,
        id="logsumexp",
    ),
    grad_case(
        "sum",
        lambda x: np.log(np.sum(np.exp(x - np.max(x, axis=0)), axis=0)) + np.max(x, axis=0),
        TIES,
        order=1,
        id="logsumexp-ties",
    ),
    grad_case(
        "var", lambda x: np.var(np.cumsum(x, axis=0), axis=1) / np.mean(x * x), A, id="var-cumsum"
    ),
]
test_gradients = gradient_test(GRAD_CASES)
