"""Datetimes, timedeltas, strings, bytes and structured arrays against NumPy (on the CPU; on a
GPU they raise TypeError naming the dtype, as CuPy has none of them)."""

import io

import numpy
import pytest

import dnp
from tests.conformance import case, conformance

DAYS = ["2026-01-05", "2026-01-01", "2026-03-15", "2026-02-28", "2026-01-01"]
WORDS = ["pear", "apple", "fig", "apple", "kiwi"]


def days(xp):
    return xp.asarray(DAYS, dtype="datetime64[D]")


def words(xp):
    return xp.asarray(WORDS)


def people(xp):
    dt = [("name", "U8"), ("age", "i4"), ("height", "f8")]
    return xp.asarray([("ann", 31, 1.7), ("bob", 25, 1.8), ("cy", 31, 1.6)], dtype=dt)


def loaded(xp):
    text = io.StringIO("2026-01-01T10\n2026-01-02T11\n")
    return xp.loadtxt(text, dtype="M8[h]")


CASES = [
    # datetime64 and timedelta64: creation, arithmetic, comparisons, reductions, sorting
    case(
        "arange", lambda xp: xp.arange("2026-01", "2026-03", dtype="datetime64[D]"), id="dt-arange"
    ),
    case(
        "arange",
        lambda xp: xp.arange("2026-01-01", "2026-01-02", 6, dtype="M8[h]"),
        id="dt-arange-step",
    ),
    case("asarray", days, id="dt-asarray"),
    case("subtract", lambda xp: days(xp)[1:] - days(xp)[:-1], id="dt-difference"),
    case("add", lambda xp: days(xp) + xp.asarray(7, dtype="m8[D]"), id="dt-plus-timedelta"),
    case("add", lambda xp: days(xp) + 3, id="dt-plus-int"),
    case("less", lambda xp: days(xp) < numpy.datetime64("2026-02-01"), id="dt-compare"),
    case("max", lambda xp: xp.max(days(xp)), id="dt-max"),
    case("argmin", lambda xp: xp.argmin(days(xp)), id="dt-argmin"),
    case("sort", lambda xp: xp.sort(days(xp)), id="dt-sort"),
    case("unique", lambda xp: xp.unique(days(xp)), id="dt-unique"),
    case("diff", lambda xp: xp.diff(xp.sort(days(xp))), id="dt-diff"),
    case("astype", lambda xp: days(xp).astype("M8[h]"), id="dt-astype-hours"),
    case("astype", lambda xp: days(xp).astype("M8[M]"), id="dt-astype-months"),
    case("ndarray.astype", lambda xp: days(xp).astype(numpy.int64), id="dt-astype-int"),
    case("multiply", lambda xp: xp.asarray([1, 2, 3], dtype="m8[h]") * 2, id="td-times-int"),
    case(
        "divide",
        lambda xp: xp.asarray([90, 30], dtype="m8[m]") / numpy.timedelta64(1, "h"),
        id="td-ratio",
    ),
    case("sum", lambda xp: xp.sum(xp.asarray([1, 2, 3], dtype="m8[h]")), id="td-sum"),
    case(
        "where", lambda xp: xp.where(days(xp) > days(xp)[0], days(xp), days(xp)[0]), id="dt-where"
    ),
    case(
        "isnat",
        lambda xp: xp.isnat(xp.asarray(["NaT", "2026-01-01"], dtype="M8[D]")),
        id="dt-isnat",
    ),
    case(
        "busday_count", lambda xp: xp.busday_count(days(xp)[:2], days(xp)[2:4]), id="busday-count"
    ),
    case(
        "busday_offset",
        lambda xp: xp.busday_offset(days(xp), 2, roll="forward"),
        id="busday-offset",
    ),
    case("is_busday", lambda xp: xp.is_busday(days(xp)), id="is-busday"),
    case("datetime_as_string", lambda xp: xp.datetime_as_string(days(xp)), id="dt-as-string"),
    case("busday_count", lambda xp: xp.busday_count(days(xp), [1, 2]), id="busday-bad"),
    # strings and bytes
    case("asarray", words, id="str-asarray"),
    case("equal", lambda xp: words(xp) == "apple", id="str-equal"),
    case("greater", lambda xp: words(xp) > "b", id="str-greater"),
    case("sort", lambda xp: xp.sort(words(xp)), id="str-sort"),
    case("argsort", lambda xp: xp.argsort(words(xp), kind="stable"), id="str-argsort"),
    case("unique", lambda xp: xp.unique(words(xp), return_counts=True), id="str-unique"),
    case("concatenate", lambda xp: xp.concatenate([words(xp), xp.asarray(["z"])]), id="str-concat"),
    case("ndarray.__getitem__", lambda xp: words(xp)[::2], id="str-slice"),
    case("reshape", lambda xp: xp.reshape(words(xp)[:4], (2, 2)), id="str-reshape"),
    case("full", lambda xp: xp.full(3, "ab"), id="str-full"),
    case("zeros", lambda xp: xp.zeros(2, dtype="U3"), id="str-zeros"),
    case("ndarray.astype", lambda xp: xp.asarray(["1.5", "2"]).astype(float), id="str-to-float"),
    case("ndarray.astype", lambda xp: xp.asarray([1, 22]).astype("U"), id="int-to-str"),
    case("asarray", lambda xp: xp.asarray([b"ab", b"c"]), id="bytes"),
    case("add", lambda xp: words(xp) + 1, id="str-plus-int-raises"),
    # structured arrays: fields, sorting by field
    case("asarray", people, id="struct-asarray"),
    case("ndarray.__getitem__", lambda xp: people(xp)["age"], id="struct-field"),
    case("ndarray.__getitem__", lambda xp: people(xp)[1], id="struct-record"),
    case("sort", lambda xp: xp.sort(people(xp), order=["age", "name"]), id="struct-sort"),
    case("argsort", lambda xp: xp.argsort(people(xp), order="height"), id="struct-argsort"),
]
test_conformance = conformance(CASES)


def test_loadtxt_reads_datetimes():
    got, expected = loaded(dnp), loaded(numpy)
    assert got.dtype == expected.dtype == numpy.dtype("M8[h]")
    numpy.testing.assert_array_equal(got.asnumpy(), expected)


def test_fields_are_written_through():
    for xp in (numpy, dnp):
        p = people(xp)
        p["age"] += 1
        p["name"][0] = "ada"
        result = p if xp is numpy else p.asnumpy()
        if xp is numpy:
            expected = result
    numpy.testing.assert_array_equal(result, expected)
    assert result["age"].tolist() == [32, 26, 32] and result["name"][0] == "ada"


def test_they_carry_no_gradient():
    with pytest.raises(TypeError, match="floating"):
        dnp.asarray(DAYS, dtype="M8[D]").attach_grad()


def test_on_a_gpu_they_raise_type_error_naming_the_dtype():
    from dnp._ndarray import host_only_dtype

    err = host_only_dtype(numpy.dtype("M8[D]"), "gpu:0")
    assert isinstance(err, TypeError) and "datetime64[D]" in str(err) and "gpu:0" in str(err)
    for dev in dnp.devices()[1:]:  # on each GPU present
        for data in (DAYS, WORDS):
            with pytest.raises(TypeError, match="CPU only"):
                dnp.asarray(
                    numpy.asarray(data, dtype="M8[D]" if data is DAYS else None), device=dev
                )
