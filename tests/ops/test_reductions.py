"""Reductions and statistics against NumPy: axes, keepdims, dtype/out/where/initial, NaN, empty."""

import warnings

import numpy
import pytest

from dnp._ops import OPS
from dnp._ops.quantiles import QUANTILES
from dnp._ops.reductions import ARG_EXTREMA, EXTREMA, SUMS, TRUTH
from dnp._ops.scans import SCANS
from dnp._ops.statistics import MOMENTS
from tests.conformance import case, conformance
from tests.samples import sample

REDUCTIONS = SUMS + EXTREMA + ARG_EXTREMA + TRUTH + MOMENTS + ["count_nonzero"]
DTYPES = ["bool", "int8", "int64", "uint8", "float16", "float32", "float64", "complex128"]
AXES = [None, 0, -1, (0, 2), (), 3, -4, (0, 0)]


def arr(dt="float64", shape=(3, 4), offset=0):
    return lambda xp: xp.asarray(sample(dt, shape, offset))


def with_nans(xp, shape=(3, 4)):
    """Float data with scattered NaNs and an all-NaN last row."""
    a = sample("float64", shape)
    a.flat[::5] = numpy.nan
    a[-1] = numpy.nan
    return xp.asarray(a)


def _fn(name):
    return lambda xp: getattr(xp, name)


def _reduction_cases(name):
    f = _fn(name)
    cases = [case(name, lambda xp, dt=dt: f(xp)(arr(dt)(xp)), id=f"{name}-{dt}") for dt in DTYPES]
    x = arr("float64", (2, 3, 4))
    for axis in AXES:
        cases.append(case(name, lambda xp, ax=axis: f(xp)(x(xp), axis=ax), id=f"{name}-axis{axis}"))
    cases += [
        case(name, lambda xp: f(xp)(x(xp), axis=1, keepdims=True), id=f"{name}-keepdims"),
        case(name, lambda xp: f(xp)(x(xp), None, keepdims=True), id=f"{name}-keepdims-none"),
        case(name, lambda xp: f(xp)(arr("int32")(xp), 0), id=f"{name}-positional-axis"),
        case(name, lambda xp: f(xp)(arr("float32", (0, 3))(xp), axis=0), id=f"{name}-empty-0"),
        case(name, lambda xp: f(xp)(arr("float32", (0, 3))(xp), axis=1), id=f"{name}-empty-1"),
        case(name, lambda xp: f(xp)(arr("float64", ())(xp)), id=f"{name}-0d"),
        case(name, lambda xp: f(xp)([[1, 2], [3, 5]], 1), id=f"{name}-list"),
    ]
    if name.startswith("nan"):
        cases.append(case(name, lambda xp: f(xp)(with_nans(xp), axis=1), id=f"{name}-nans-axis1"))
        cases.append(case(name, lambda xp: f(xp)(with_nans(xp)), id=f"{name}-nans"))
    return cases


def _out(xp, name, a, shape, dtype, **kwargs):
    o = xp.zeros(shape, dtype)
    r = getattr(xp, name)(a, out=o, **kwargs)
    return r is o, o


def _keyword_cases():
    f = arr("float64")
    i = arr("int16")
    mask = lambda xp: xp.asarray(sample("bool", (3, 4), 1))
    return [
        # dtype=: accumulate in a wider or another kind.
        case("sum", lambda xp: xp.sum(arr("int8")(xp), dtype="int16"), id="sum-dtype"),
        case("prod", lambda xp: xp.prod(i(xp), axis=0, dtype="float32"), id="prod-dtype"),
        case("mean", lambda xp: xp.mean(i(xp), axis=1, dtype="float32"), id="mean-dtype"),
        case("std", lambda xp: xp.std(arr("float16")(xp), dtype="float64"), id="std-dtype"),
        case("argmax", lambda xp: xp.argmax(f(xp), axis=0, keepdims=True), id="argmax-keepdims"),
        case("cumsum", lambda xp: xp.cumsum(arr("uint8")(xp), dtype="int8"), id="cumsum-dtype"),
        # out=: the given array comes back, filled, with its own dtype.
        case("sum", lambda xp: _out(xp, "sum", f(xp), (4,), "float32", axis=0), id="sum-out"),
        case("max", lambda xp: _out(xp, "max", i(xp), (3,), "int64", axis=1), id="max-out"),
        case(
            "mean",
            lambda xp: _out(xp, "mean", f(xp), (3, 1), "float64", axis=1, keepdims=True),
            id="mean-out-keepdims",
        ),
        case("argmin", lambda xp: _out(xp, "argmin", f(xp), (4,), "intp", axis=0), id="argmin-out"),
        case("all", lambda xp: _out(xp, "all", f(xp), (4,), "bool", axis=0), id="all-out"),
        case(
            "median", lambda xp: _out(xp, "median", f(xp), (4,), "float64", axis=0), id="median-out"
        ),
        case(
            "cumsum",
            lambda xp: _out(xp, "cumsum", i(xp), (3, 4), "float64", axis=1),
            id="cumsum-out",
        ),
        case("sum", lambda xp: _out(xp, "sum", f(xp), (3,), "float64", axis=0), id="sum-bad-out"),
        case(
            "argmax",
            lambda xp: _out(xp, "argmax", f(xp), (4,), "float64", axis=0),
            id="argmax-out-float",
        ),
        # where= and initial=.
        case("sum", lambda xp: xp.sum(f(xp), axis=0, where=mask(xp)), id="sum-where"),
        case("prod", lambda xp: xp.prod(i(xp), where=mask(xp), initial=2), id="prod-where-initial"),
        case("sum", lambda xp: xp.sum(i(xp), initial=10), id="sum-initial"),
        case(
            "max",
            lambda xp: xp.max(f(xp), axis=1, where=mask(xp), initial=-9.0),
            id="max-where-initial",
        ),
        case("max", lambda xp: xp.max(f(xp), where=mask(xp)), id="max-where-no-initial"),
        case(
            "min",
            lambda xp: xp.min(arr("float64", (0, 3))(xp), initial=5.0, axis=0),
            id="min-empty-initial",
        ),
        case("amax", lambda xp: xp.amax(i(xp), initial=100), id="amax-initial"),
        case("amin", lambda xp: xp.amin(i(xp), axis=0, where=mask(xp), initial=7), id="amin-where"),
        case("mean", lambda xp: xp.mean(f(xp), axis=0, where=mask(xp)), id="mean-where"),
        case("all", lambda xp: xp.all(f(xp), axis=1, where=mask(xp)), id="all-where"),
        case("any", lambda xp: xp.any(f(xp), where=mask(xp)), id="any-where"),
        case("var", lambda xp: xp.var(f(xp), axis=1, where=mask(xp)), id="var-where"),
        case(
            "std",
            lambda xp: xp.std(f(xp), axis=1, where=[[True], [False], [True]]),
            id="std-where-list",
        ),
        case(
            "nansum",
            lambda xp: xp.nansum(with_nans(xp), axis=0, initial=1.0, where=mask(xp)),
            id="nansum-where-initial",
        ),
        case("nanmax", lambda xp: xp.nanmax(with_nans(xp), initial=-1.0), id="nanmax-initial"),
        case(
            "nanmean",
            lambda xp: xp.nanmean(with_nans(xp), axis=1, where=mask(xp)),
            id="nanmean-where",
        ),
        case("sum", lambda xp: xp.sum(f(xp), where=xp.asarray([True, False])), id="sum-bad-where"),
        case("sum", lambda xp: xp.sum(f(xp)[0], where=mask(xp)), id="sum-where-broadcasts-a"),
        case(
            "sum",
            lambda xp: xp.sum(f(xp), axis=1, where=[True, False, True, True]),
            id="sum-where-list",
        ),
        case("prod", lambda xp: xp.prod(f(xp), where=False), id="prod-where-false"),
        case(
            "sum",
            lambda xp: xp.sum(arr("int8")(xp), dtype="int8", initial=3, axis=0),
            id="sum-dtype-initial",
        ),
        case(
            "sum",
            lambda xp: xp.sum(arr("float64", (0, 3))(xp), axis=0, initial=2.5),
            id="sum-empty-initial",
        ),
        case("sum", lambda xp: xp.sum(arr("bool")(xp), where=mask(xp)), id="sum-bool-where"),
        case(
            "nanprod",
            lambda xp: xp.nanprod(with_nans(xp), axis=1, where=mask(xp), initial=-2.0),
            id="nanprod-where-initial",
        ),
        case(
            "amax", lambda xp: xp.amax(i(xp), None, None, False, 50), id="amax-initial-positional"
        ),
        case(
            "max",
            lambda xp: _out(
                xp,
                "max",
                f(xp),
                (3, 1),
                "float32",
                axis=1,
                keepdims=True,
                initial=1.0,
                where=mask(xp),
            ),
            id="max-out-where-initial",
        ),
        case(
            "sum",
            lambda xp: _out(xp, "sum", f(xp), (4,), "float64", axis=0, where=mask(xp)),
            id="sum-out-where",
        ),
        case(
            "prod",
            lambda xp: _out(xp, "prod", i(xp), (), "int64", initial=3),
            id="prod-out-initial",
        ),
        case(
            "min",
            lambda xp: xp.min(arr("int8", (2, 0))(xp), axis=1, initial=4, keepdims=True),
            id="min-empty-initial-keepdims",
        ),
        case(
            "nanmin",
            lambda xp: xp.nanmin(with_nans(xp), axis=1, initial=0.0, where=mask(xp)),
            id="nanmin-where-initial",
        ),
        case(
            "nanmax",
            lambda xp: xp.nanmax(with_nans(xp), axis=1, initial=-3.0),
            id="nanmax-all-nan-initial",
        ),
        case("all", lambda xp: xp.all(f(xp), initial=True), id="all-initial"),
        case(
            "any",
            lambda xp: xp.any(arr("float64", (0, 2))(xp), axis=0, where=True),
            id="any-where-true",
        ),
        case("max", lambda xp: xp.max(f(xp), axis=4, initial=0.0), id="max-initial-bad-axis"),
        # Empty reductions: an identity, NaN, or an error where there is none.
        case("max", lambda xp: xp.max(arr("float64", (0,))(xp)), id="max-empty"),
        case("argmax", lambda xp: xp.argmax(arr("float64", (0, 3))(xp), axis=0), id="argmax-empty"),
        case("mean", lambda xp: xp.mean(arr("float64", (0,))(xp)), id="mean-empty"),
        case("prod", lambda xp: xp.prod(arr("int8", (0,))(xp)), id="prod-empty"),
        case("argmax", lambda xp: xp.argmax(f(xp), axis=(0, 1)), id="argmax-axis-tuple"),
        case("ptp", lambda xp: xp.ptp(arr("bool")(xp)), id="ptp-bool"),
        case("nanargmax", lambda xp: xp.nanargmax(with_nans(xp), axis=1), id="nanargmax-all-nan"),
        case(
            "count_nonzero",
            lambda xp: xp.count_nonzero(f(xp), axis=(0, 1), keepdims=True),
            id="count_nonzero-keepdims-tuple",
        ),
        # ddof, mean=, correction= for the moments.
        case("std", lambda xp: xp.std(f(xp), ddof=1), id="std-ddof1"),
        case("var", lambda xp: xp.var(arr("complex64")(xp), axis=0, ddof=2), id="var-ddof2"),
        case(
            "var",
            lambda xp: xp.var(arr("float64", (1, 4))(xp), axis=0, ddof=1),
            id="var-ddof-too-large",
        ),
        case("nanstd", lambda xp: xp.nanstd(with_nans(xp), axis=0, ddof=1), id="nanstd-ddof"),
        case(
            "nanvar",
            lambda xp: xp.nanvar(with_nans(xp), axis=1, ddof=1, keepdims=True),
            id="nanvar-ddof",
        ),
        case(
            "std",
            lambda xp: xp.std(f(xp), axis=1, mean=xp.mean(f(xp), axis=1, keepdims=True)),
            id="std-mean",
        ),
        case("var", lambda xp: xp.var(f(xp), correction=1), id="var-correction"),
        case(
            "std",
            lambda xp: xp.std(f(xp), axis=0, correction=2, where=mask(xp)),
            id="std-correction-where",
        ),
        case(
            "nanstd",
            lambda xp: xp.nanstd(with_nans(xp), axis=1, correction=1),
            id="nanstd-correction",
        ),
        case(
            "nanvar",
            lambda xp: xp.nanvar(with_nans(xp), mean=xp.zeros((1, 1)), keepdims=True, axis=(0, 1)),
            id="nanvar-mean",
        ),
        case(
            "var",
            lambda xp: xp.var(arr("complex64")(xp), axis=1, where=mask(xp), ddof=1),
            id="var-complex-where",
        ),
        case(
            "std",
            lambda xp: xp.std(arr("int8")(xp), where=mask(xp), dtype="float32"),
            id="std-int-where-dtype",
        ),
        case(
            "std", lambda xp: xp.std(arr("float16")(xp), axis=0, where=mask(xp)), id="std-f16-where"
        ),
        case(
            "var",
            lambda xp: _out(
                xp, "var", f(xp), (1, 4), "float32", axis=0, keepdims=True, where=mask(xp)
            ),
            id="var-out-where",
        ),
        case("var", lambda xp: xp.var(f(xp), axis=0, where=mask(xp), ddof=3), id="var-where-dof0"),
        case(
            "nanvar",
            lambda xp: xp.nanvar(with_nans(xp), axis=0, where=mask(xp), ddof=1),
            id="nanvar-where-dof0",
        ),
        case(
            "std",
            lambda xp: xp.std(f(xp), axis=(0, 1), mean=xp.ones((1, 1)), where=mask(xp)),
            id="std-mean-where",
        ),
        case("mean", lambda xp: xp.mean(arr("int8")(xp), where=mask(xp)), id="mean-int-where"),
        case(
            "mean",
            lambda xp: xp.mean(arr("float16")(xp), axis=1, where=mask(xp), keepdims=True),
            id="mean-f16-where-keepdims",
        ),
        case(
            "mean",
            lambda xp: xp.mean(arr("complex128")(xp), axis=-1, where=mask(xp)),
            id="mean-complex-where",
        ),
        case("mean", lambda xp: xp.mean(f(xp), axis=1, where=False), id="mean-where-false"),
        case(
            "mean",
            lambda xp: xp.mean(arr("bool")(xp), where=mask(xp), dtype="float32"),
            id="mean-bool-where-dtype",
        ),
        case(
            "mean",
            lambda xp: _out(xp, "mean", f(xp), (4,), "float32", axis=0, where=mask(xp)),
            id="mean-out-where",
        ),
        case(
            "nanmean", lambda xp: xp.nanmean(with_nans(xp), where=mask(xp)), id="nanmean-where-all"
        ),
        case("mean", lambda xp: xp.mean(f(xp), where=mask(xp)[0, :3]), id="mean-bad-where"),
        case("var", lambda xp: xp.var(f(xp), ddof=1, correction=1), id="var-ddof-and-correction"),
        case(
            "nanmedian",
            lambda xp: xp.nanmedian(with_nans(xp), axis=(0, 1), keepdims=True),
            id="nanmedian-keepdims",
        ),
    ]


def _scan_cases(name):
    f = _fn(name)
    cases = [
        case(name, lambda xp, dt=dt: f(xp)(arr(dt)(xp), axis=0), id=f"{name}-{dt}") for dt in DTYPES
    ]
    x = arr("float32", (2, 3, 4))
    for axis in (None, 1, -1, 3):
        cases.append(case(name, lambda xp, ax=axis: f(xp)(x(xp), axis=ax), id=f"{name}-axis{axis}"))
    cases.append(case(name, lambda xp: f(xp)(with_nans(xp), axis=1), id=f"{name}-nans"))
    cases.append(case(name, lambda xp: f(xp)(arr("int32", (0, 2))(xp), axis=0), id=f"{name}-empty"))
    cases += [
        case(name, lambda xp: f(xp)(arr("int16", ())(xp)), id=f"{name}-0d"),
        case(name, lambda xp: f(xp)([1, 2, 3]), id=f"{name}-list"),
        case(
            name,
            lambda xp: _out(xp, name, arr()(xp), (3, 3), "float64", axis=1),
            id=f"{name}-bad-out",
        ),
    ]
    if name.startswith("cumulative"):
        cases += [
            case(name, lambda xp: f(xp)(arr("int8", (5,))(xp)), id=f"{name}-1d"),
            case(name, lambda xp: f(xp)(x(xp), axis=2, include_initial=True), id=f"{name}-initial"),
            case(name, lambda xp: f(xp)(x(xp)), id=f"{name}-nd-no-axis"),
            case(
                name,
                lambda xp: f(xp)(arr("uint8", (4,))(xp), include_initial=True, dtype="int8"),
                id=f"{name}-1d-initial",
            ),
            case(
                name,
                lambda xp: f(xp)(arr("int16", ())(xp), include_initial=True),
                id=f"{name}-0d-initial",
            ),
        ]
    return cases


def _quantile_cases(name):
    f = _fn(name)
    scale = 100 if "percentile" in name else 1
    q = lambda xp: xp.asarray(numpy.array([0.1, 0.5, 0.9]) * scale)
    x = arr("float64", (2, 3, 4)) if not name.startswith("nan") else with_nans
    cases = [
        case(name, lambda xp, dt=dt: f(xp)(arr(dt)(xp), 0.25 * scale), id=f"{name}-{dt}")
        for dt in ("int8", "uint8", "float16", "float32", "float64", "bool", "complex64")
    ]
    cases += [
        case(name, lambda xp: f(xp)(x(xp), q(xp)), id=f"{name}-array-q"),
        case(name, lambda xp: f(xp)(x(xp), [0.5 * scale, scale], axis=0), id=f"{name}-list-q"),
        case(name, lambda xp: f(xp)(arr("float32")(xp), q(xp), axis=1), id=f"{name}-f32-array-q"),
        case(name, lambda xp: f(xp)(x(xp), q(xp), axis=-1, keepdims=True), id=f"{name}-keepdims"),
        case(
            name,
            lambda xp: f(xp)(arr("float64", (2, 3, 4))(xp), 0.3 * scale, axis=(0, 2)),
            id=f"{name}-axis-tuple",
        ),
        case(name, lambda xp: f(xp)(x(xp), xp.asarray(q(xp)[1]), axis=0), id=f"{name}-0d-q"),
        case(name, lambda xp: f(xp)(x(xp), q(xp)[:, None], axis=1), id=f"{name}-2d-q"),
        case(
            name,
            lambda xp: f(xp)(arr("float64", (2, 3, 4))(xp), q(xp)[:, None], axis=(0, 2)),
            id=f"{name}-2d-q-axes",
        ),
        case(
            name,
            lambda xp: f(xp)(arr("int32")(xp), 0.5 * scale, axis=1, method="lower"),
            id=f"{name}-lower",
        ),
        case(
            name, lambda xp: f(xp)(arr()(xp), q(xp), axis=0, method="nearest"), id=f"{name}-nearest"
        ),
        case(
            name, lambda xp: f(xp)(arr()(xp), 0.4 * scale, method="midpoint"), id=f"{name}-midpoint"
        ),
        case(name, lambda xp: f(xp)(arr()(xp), 0.4 * scale, method="hazen"), id=f"{name}-hazen"),
        case(
            name,
            lambda xp: f(xp)(
                arr()(xp),
                q(xp),
                axis=1,
                method="inverted_cdf",
                weights=xp.asarray(sample("int64", (3, 4)) % 3 + 1),
            ),
            id=f"{name}-weights",
        ),
        case(
            name,
            lambda xp: _out(xp, name, arr()(xp), (3, 3), "float64", q=q(xp), axis=1),
            id=f"{name}-out",
        ),
        case(name, lambda xp: f(xp)(arr()(xp), 1.5 * scale), id=f"{name}-q-out-of-range"),
        case(
            name, lambda xp: f(xp)(arr()(xp), 0.5 * scale, method="bogus"), id=f"{name}-bad-method"
        ),
        case(name, lambda xp: f(xp)(arr()(xp), 0.5, axis=2), id=f"{name}-bad-axis"),
        case(name, lambda xp: f(xp)(arr("float64", (0, 3))(xp), 0.5, axis=1), id=f"{name}-empty"),
    ]
    return cases


def _statistics_cases():
    f = arr("float64")
    w = lambda xp: xp.asarray(sample("int32", (3, 4), 2) % 4 + 1)
    x, y = arr("float32", (4,)), arr("float32", (4,), 3)
    return [
        case("average", lambda xp: xp.average(arr("int16")(xp)), id="average-int"),
        case("average", lambda xp: xp.average(arr("float16")(xp), axis=0), id="average-f16"),
        case("average", lambda xp: xp.average(f(xp), axis=1, weights=w(xp)), id="average-weights"),
        case(
            "average",
            lambda xp: xp.average(arr("int8")(xp), axis=0, weights=w(xp)[:, 0]),
            id="average-weights-1d",
        ),
        case(
            "average",
            lambda xp: xp.average(f(xp), weights=w(xp), returned=True),
            id="average-returned",
        ),
        case(
            "average",
            lambda xp: xp.average(f(xp), axis=0, weights=w(xp), returned=True, keepdims=True),
            id="average-returned-keepdims",
        ),
        case(
            "average",
            lambda xp: xp.average(arr("complex64")(xp), axis=(0, 1)),
            id="average-complex",
        ),
        case("average", lambda xp: xp.average(f(xp), weights=w(xp) * 0), id="average-zero-weights"),
        case("average", lambda xp: xp.average(f(xp), weights=w(xp)[0]), id="average-weights-shape"),
        case("average", lambda xp: xp.average(f(xp), axis=2), id="average-bad-axis"),
        case("cov", lambda xp: xp.cov(f(xp)), id="cov"),
        case("cov", lambda xp: xp.cov(arr("int16")(xp), rowvar=False), id="cov-rowvar"),
        case("cov", lambda xp: xp.cov(x(xp), y(xp)), id="cov-y"),
        case("cov", lambda xp: xp.cov(f(xp), bias=True), id="cov-bias"),
        case("cov", lambda xp: xp.cov(f(xp), ddof=2), id="cov-ddof"),
        case(
            "cov",
            lambda xp: xp.cov(
                f(xp), fweights=xp.asarray([1, 2, 1, 3]), aweights=xp.asarray([0.5, 1.0, 2.0, 1.0])
            ),
            id="cov-weights",
        ),
        case("cov", lambda xp: xp.cov(f(xp), dtype="float32"), id="cov-dtype"),
        case("cov", lambda xp: xp.cov(arr("complex128")(xp)), id="cov-complex"),
        case("cov", lambda xp: xp.cov(x(xp)), id="cov-1d"),
        case(
            "cov",
            lambda xp: xp.cov(f(xp), fweights=xp.asarray([1.5, 1, 1, 1])),
            id="cov-float-fweights",
        ),
        case("cov", lambda xp: xp.cov(arr("float64", (2, 2, 2))(xp)), id="cov-3d"),
        case("corrcoef", lambda xp: xp.corrcoef(f(xp)), id="corrcoef"),
        case("corrcoef", lambda xp: xp.corrcoef(x(xp), y(xp)), id="corrcoef-y"),
        case(
            "corrcoef", lambda xp: xp.corrcoef(arr("int64")(xp), rowvar=False), id="corrcoef-rows"
        ),
        case("corrcoef", lambda xp: xp.corrcoef(f(xp), dtype="float32"), id="corrcoef-dtype"),
        case("corrcoef", lambda xp: xp.corrcoef(arr("complex64")(xp)), id="corrcoef-complex"),
        case(
            "corrcoef",
            lambda xp: xp.corrcoef(f(xp), arr("float64", (2, 3))(xp)),
            id="corrcoef-mismatch",
        ),
    ]


def _histogram_cases():
    f = arr("float64", (20,))
    i = arr("int32", (20,))
    edges = lambda xp: xp.asarray([-3.0, -1.0, 0.0, 0.5, 2.0, 8.0])
    weights = lambda xp: xp.asarray(sample("float32", (20,), 1))
    xy = arr("float64", (2, 15))
    data = arr("float64", (30, 3))
    h2 = lambda xp, **kw: xp.histogram2d(xy(xp)[0], xy(xp)[1], **kw)
    return [
        case("histogram", lambda xp: xp.histogram(f(xp)), id="histogram"),
        case("histogram", lambda xp: xp.histogram(i(xp), bins=4), id="histogram-int"),
        case(
            "histogram", lambda xp: xp.histogram(arr("float32", (20,))(xp), 5), id="histogram-f32"
        ),
        case("histogram", lambda xp: xp.histogram(f(xp), bins=edges(xp)), id="histogram-edges"),
        case("histogram", lambda xp: xp.histogram(f(xp), bins=[0, 1, 2]), id="histogram-list"),
        case("histogram", lambda xp: xp.histogram(f(xp), bins="auto"), id="histogram-auto"),
        case(
            "histogram",
            lambda xp: xp.histogram([1, 2, 2, 5], 3, weights=[1, 2, 3, 4]),
            id="histogram-lists",
        ),
        case(
            "histogram",
            lambda xp: xp.histogram(i(xp), 4, range=(numpy.float32(0), 3)),
            id="histogram-f32-range",
        ),
        case("histogram", lambda xp: xp.histogram(f(xp), 3, range=(0, 4)), id="histogram-range"),
        case("histogram", lambda xp: xp.histogram(f(xp), 6, density=True), id="histogram-density"),
        case(
            "histogram",
            lambda xp: xp.histogram(f(xp), 6, weights=weights(xp)),
            id="histogram-weights",
        ),
        case("histogram", lambda xp: xp.histogram(arr("float64", (3, 4))(xp)), id="histogram-2d"),
        case("histogram", lambda xp: xp.histogram(f(xp), bins=0), id="histogram-zero-bins"),
        case(
            "histogram",
            lambda xp: xp.histogram(f(xp), bins=xp.asarray([2.0, 1.0])),
            id="histogram-decreasing",
        ),
        case("histogram", lambda xp: xp.histogram(f(xp), range=(2, 1)), id="histogram-bad-range"),
        case(
            "histogram",
            lambda xp: xp.histogram(f(xp), weights=weights(xp)[:5]),
            id="histogram-weights-shape",
        ),
        case("histogram_bin_edges", lambda xp: xp.histogram_bin_edges(f(xp)), id="edges"),
        case(
            "histogram_bin_edges",
            lambda xp: xp.histogram_bin_edges(i(xp), 7, range=(-2, 5)),
            id="edges-range",
        ),
        case("histogram_bin_edges", lambda xp: xp.histogram_bin_edges(f(xp), "fd"), id="edges-fd"),
        case(
            "histogram_bin_edges",
            lambda xp: xp.histogram_bin_edges(f(xp), edges(xp)),
            id="edges-array",
        ),
        case(
            "histogram_bin_edges", lambda xp: xp.histogram_bin_edges(f(xp), -1), id="edges-negative"
        ),
        case("histogram2d", lambda xp: h2(xp), id="histogram2d"),
        case("histogram2d", lambda xp: h2(xp, bins=(3, 4), density=True), id="histogram2d-bins"),
        case(
            "histogram2d",
            lambda xp: h2(
                xp, bins=[edges(xp), 2], range=None, weights=xp.asarray(sample("float64", (15,)))
            ),
            id="histogram2d-edges-weights",
        ),
        case(
            "histogram2d",
            lambda xp: h2(xp, bins=3, range=[[0, 2], [-1, 5]]),
            id="histogram2d-range",
        ),
        case(
            "histogram2d",
            lambda xp: xp.histogram2d(xy(xp)[0], xy(xp)[1, :4]),
            id="histogram2d-mismatch",
        ),
        case("histogramdd", lambda xp: xp.histogramdd(data(xp)), id="histogramdd"),
        case(
            "histogramdd",
            lambda xp: xp.histogramdd(data(xp), bins=(2, 3, 4), density=True),
            id="histogramdd-bins",
        ),
        case(
            "histogramdd",
            lambda xp: xp.histogramdd(
                data(xp), bins=3, weights=xp.asarray(sample("float64", (30,)))
            ),
            id="histogramdd-weights",
        ),
        case("histogramdd", lambda xp: xp.histogramdd(data(xp), bins=(2, 3)), id="histogramdd-bad"),
        case("bincount", lambda xp: xp.bincount(arr("uint8", (20,))(xp)), id="bincount"),
        case(
            "bincount",
            lambda xp: xp.bincount(xp.asarray([0, 3, 3, 1]), minlength=7),
            id="bincount-minlength",
        ),
        case(
            "bincount",
            lambda xp: xp.bincount(
                xp.asarray([0, 3, 3, 1]), weights=xp.asarray([0.5, 1.0, 2.0, -1.0])
            ),
            id="bincount-weights",
        ),
        case("bincount", lambda xp: xp.bincount(xp.asarray([], "int64")), id="bincount-empty"),
        case("bincount", lambda xp: xp.bincount(xp.asarray([0, -1])), id="bincount-negative"),
        case("bincount", lambda xp: xp.bincount(xp.asarray([0.5, 1.0])), id="bincount-float"),
        case("bincount", lambda xp: xp.bincount(xp.asarray([[0, 1]])), id="bincount-2d"),
        case(
            "bincount",
            lambda xp: xp.bincount(xp.asarray([0, 1]), minlength=-1),
            id="bincount-bad-minlength",
        ),
        case("digitize", lambda xp: xp.digitize(arr("float64")(xp), edges(xp)), id="digitize"),
        case("digitize", lambda xp: xp.digitize(i(xp), edges(xp), right=True), id="digitize-right"),
        case("digitize", lambda xp: xp.digitize(f(xp), edges(xp)[::-1]), id="digitize-decreasing"),
        case("digitize", lambda xp: xp.digitize(2.5, edges(xp)), id="digitize-scalar"),
        case("digitize", lambda xp: xp.digitize([[0.2, 4.0]], edges(xp)), id="digitize-list"),
        case(
            "digitize",
            lambda xp: xp.digitize(f(xp), xp.asarray([1.0, 0.0, 2.0])),
            id="digitize-not-monotonic",
        ),
        case(
            "digitize",
            lambda xp: xp.digitize(f(xp), xp.asarray([[1.0, 2.0]])),
            id="digitize-2d-bins",
        ),
        case(
            "digitize",
            lambda xp: xp.digitize(arr("complex128")(xp), edges(xp)),
            id="digitize-complex",
        ),
    ]


def _method_cases():
    a = arr("float64", (3, 4))
    i = arr("int16", (3, 4))
    return [
        case("sum", lambda xp: a(xp).sum(), id="method-sum"),
        case("sum", lambda xp: i(xp).sum(axis=0, dtype="int8"), id="method-sum-axis-dtype"),
        case("prod", lambda xp: i(xp).prod(1, keepdims=True), id="method-prod"),
        case("mean", lambda xp: a(xp).mean(axis=-1), id="method-mean"),
        case("std", lambda xp: a(xp).std(ddof=1), id="method-std"),
        case("var", lambda xp: i(xp).var(axis=0, ddof=1), id="method-var"),
        case("max", lambda xp: a(xp).max(), id="method-max"),
        case("min", lambda xp: i(xp).min(axis=1, initial=-1), id="method-min"),
        case("argmax", lambda xp: a(xp).argmax(), id="method-argmax"),
        case("argmin", lambda xp: i(xp).argmin(axis=1), id="method-argmin"),
        case("all", lambda xp: i(xp).all(axis=0), id="method-all"),
        case("any", lambda xp: a(xp).any(), id="method-any"),
        case("cumsum", lambda xp: i(xp).cumsum(), id="method-cumsum"),
        case("cumprod", lambda xp: a(xp).cumprod(axis=1), id="method-cumprod"),
        case("sum", lambda xp: a(xp).sum(axis=5), id="method-sum-bad-axis"),
    ]


CASES = [c for n in REDUCTIONS for c in _reduction_cases(n)]
CASES += _keyword_cases()
CASES += [c for n in SCANS for c in _scan_cases(n)]
CASES += [c for n in QUANTILES for c in _quantile_cases(n)]
CASES += _statistics_cases()
CASES += _histogram_cases()
CASES += _method_cases()

test_conformance = conformance(CASES)


class _NoNanQuantiles:
    """NumPy without nanquantile/nanpercentile, as CuPy is: the rows fall back to their own."""

    def __getattr__(self, name):
        if name in ("nanquantile", "nanpercentile"):
            raise AttributeError(name)
        return getattr(numpy, name)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("name", ["nanquantile", "nanpercentile"])
def test_nan_quantile_fallback(name, method):
    a = sample("float32", (3, 5, 4))
    a[a > 2] = numpy.nan
    a[1, :, 2] = numpy.nan
    scale = 100 if name == "nanpercentile" else 1
    forward = OPS[name].forward
    for q in (0.3, [0.0, 0.5, 1.0], numpy.array([[0.25], [0.75]])):
        for axis, keepdims in ((None, False), (1, True), (-1, False), ((0, 2), True)):
            if numpy.ndim(q) > 1 and isinstance(axis, tuple):
                continue  # NumPy's nanquantile orders these axes unlike its quantile
            args = (a, numpy.asarray(q) * scale)
            kwargs = {"axis": axis, "method": method, "keepdims": keepdims}
            with numpy.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = getattr(numpy, name)(*args, **kwargs)
                got = forward(_NoNanQuantiles(), *args, **kwargs)
            assert (got.dtype, got.shape) == (expected.dtype, expected.shape)
            numpy.testing.assert_allclose(got, expected, rtol=2e-5, equal_nan=True)
    for dt in ("int8", "float16", "uint8"):
        expected = getattr(numpy, name)(sample(dt), 0.4 * scale, axis=1, method=method)
        got = forward(_NoNanQuantiles(), sample(dt), 0.4 * scale, axis=1, method=method)
        assert got.dtype == expected.dtype
        numpy.testing.assert_allclose(got, expected, rtol=2e-3)
    for bad in (1.5 * scale, [0.5, numpy.nan]):
        with pytest.raises(ValueError):
            forward(_NoNanQuantiles(), a, bad)
    with pytest.raises(NotImplementedError):
        forward(_NoNanQuantiles(), a, 0.5, method="hazen")
