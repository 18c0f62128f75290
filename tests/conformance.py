"""The one helper that holds dnp to NumPy: run a body with ``xp=numpy`` and ``xp=dnp``, compare.

A body is a function of ``xp`` that builds its inputs with ``xp.asarray(...)`` (or any creation
function) and returns a result. It runs once on NumPy and once on dnp per device present, and
the two outcomes must agree:

- both raised: dnp's exception is an instance of NumPy's exception type (dnp's may come at the
  sync point that reads the result, when the engine ran the op later);
- both returned: the same structure; arrays (NumPy arrays and scalars become dnp arrays) with the
  same dtype and shape and equal values (exact for bool and integer dtypes, a dtype-scaled
  tolerance for inexact ones, NaNs equal); other values equal.

Tests are tables: a module lists ``CASES = [case("name", body), ...]`` and sets
``test_conformance = conformance(CASES)``. ``tests/test_namespace.py`` checks that every function
of the namespace has a case.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy
import pytest

import dnp
from dnp._ops.ufunc_methods import FOLDS, NOT_REORDERED

DEVICES = [d.name for d in dnp.devices()]

# Relative tolerance by dtype: exact on cpu in practice; room for GPU libraries' rounding.
RTOL = {"e": 2e-3, "f": 2e-5, "d": 1e-10, "g": 1e-10, "F": 2e-5, "D": 1e-10, "G": 1e-10}


class Case(NamedTuple):
    name: str  # the public dnp name the case exercises ('add', 'linalg.inv', 'ndarray.astype')
    body: Callable[[Any], Any]
    rtol: float | None
    atol: float
    id: str


def scipy_of(xp: Any) -> Any:
    """SciPy for NumPy and ``dnp.scipy`` for dnp: a body calls SciPy's functions through it
    (``scipy_of(xp).special.gammaln(x)``), so SciPy is the reference for ``dnp.scipy``."""
    if xp is numpy:
        import scipy.linalg
        import scipy.special

        return scipy
    return xp.scipy


def case(
    name: str,
    body: Callable,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    id: str | None = None,
) -> Case:  # noqa: A002  # pytest's word for a parameter's label
    return Case(name, body, rtol, atol, id or name)


def _run(body: Callable, xp: Any) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = body(xp)
            _wait(result)  # an op pushed to the engine raises its error at a sync point
            return "ok", result
    except dnp._dispatch.MetaRuleError:
        raise
    except Exception as exc:  # the outcome being compared
        return "raised", exc


def _wait(result: Any) -> None:
    if isinstance(result, dnp.ndarray):
        result.wait_to_read()
    elif isinstance(result, (tuple, list)):
        for r in result:
            _wait(r)


def run_dnp(body: Callable, device: str) -> tuple[str, Any]:
    with dnp.default_device(device):
        return _run(body, dnp)


def assert_same(
    expected: Any, got: Any, rtol: float | None = None, atol: float = 0.0, path: str = "result"
) -> None:
    """``got`` (from dnp) matches ``expected`` (from NumPy). See the module docstring."""
    if isinstance(expected, (numpy.ndarray, numpy.generic)):
        assert isinstance(got, dnp.ndarray), f"{path}: expected a dnp.ndarray, got {type(got)}"
        assert got.dtype == expected.dtype, f"{path}: dtype {got.dtype} != NumPy's {expected.dtype}"
        assert got.shape == expected.shape, f"{path}: shape {got.shape} != NumPy's {expected.shape}"
        host = got.asnumpy()
        if expected.dtype.char in RTOL:  # inexact: floating and complex
            tol = RTOL[expected.dtype.char] if rtol is None else rtol
            numpy.testing.assert_allclose(
                host, expected, rtol=tol, atol=atol, equal_nan=True, err_msg=path
            )
        else:
            numpy.testing.assert_array_equal(host, expected, err_msg=path)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(got, type(expected)) or (
            isinstance(got, tuple) and isinstance(expected, tuple)
        ), f"{path}: expected {type(expected).__name__}, got {type(got).__name__}"
        assert len(got) == len(expected), f"{path}: length {len(got)} != {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            assert_same(e, g, rtol, atol, f"{path}[{i}]")
    elif isinstance(expected, float) and numpy.isnan(expected):
        assert isinstance(got, float) and numpy.isnan(got), f"{path}: {got!r} != nan"
    else:
        assert type(got) is type(expected), f"{path}: {type(got)} != {type(expected)}"
        assert got == expected, f"{path}: {got!r} != NumPy's {expected!r}"


def compare(body: Callable, device: str, rtol: float | None = None, atol: float = 0.0) -> None:
    """Run ``body`` with NumPy and with dnp on ``device``; assert the outcomes agree."""
    np_status, np_value = _run(body, numpy)
    dnp_status, dnp_value = run_dnp(body, device)
    if np_status == "raised":
        assert dnp_status == "raised", f"NumPy raised {np_value!r} but dnp returned {dnp_value!r}"
        assert isinstance(dnp_value, type(np_value)), (
            f"NumPy raised {type(np_value).__name__}({np_value}), "
            f"dnp raised {type(dnp_value).__name__}({dnp_value})"
        )
        return
    if dnp_status == "raised":
        raise AssertionError(f"dnp raised, NumPy returned {np_value!r}") from dnp_value
    assert_same(np_value, dnp_value, rtol, atol)


def conformance(cases: list[Case]) -> Callable:
    """A pytest test running every case on every device."""

    @pytest.mark.parametrize("device", DEVICES)
    @pytest.mark.parametrize("c", cases, ids=[c.id for c in cases])
    def test_conformance(c: Case, device: str) -> None:
        compare(c.body, device, c.rtol, c.atol)

    return test_conformance


def numpy_compare(rtol: float | None = None, atol: float = 0.0) -> Callable:
    """Decorator: a test body taking ``xp`` becomes a test run against NumPy on every device."""

    def decorate(body: Callable) -> Callable:
        @pytest.mark.parametrize("device", DEVICES)
        @functools.wraps(body)
        def test(device: str) -> None:
            compare(body, device, rtol, atol)

        del test.__wrapped__  # pytest must see (device), not the body's (xp)
        return test

    return decorate


# --- the left fold: the reference for the ufuncs NumPy does not reorder ---------------------------
def _reduce(array, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=True): ...
def _accumulate(array, axis=0, dtype=None, out=None): ...
def _reduceat(array, indices, axis=0, dtype=None, out=None): ...


_SIGNATURES = {f.__name__[1:]: inspect.signature(f) for f in (_reduce, _accumulate, _reduceat)}


def left_fold(ufunc: numpy.ufunc, method: str, array: Any, *args: Any, **kwargs: Any) -> Any:
    """``ufunc.<method>(array, ...)`` of a binary ufunc NumPy does not reorder, its values the
    documented left fold ``y[k] = ufunc(y[k-1], x[k])`` by a Python loop over each line of the
    axis; its dtype, shape and errors NumPy's. Some hosts' NumPy folds these in another order
    (issue 15), so NumPy itself is no reference for them."""
    p = _SIGNATURES[method].bind(array, *args, **kwargs).arguments
    out = p.pop("out", None)
    want = numpy.array(getattr(ufunc, method)(**p))  # a copy: its values are replaced below
    a = numpy.asarray(array)
    axis = 0 if p.get("axis") is None else p["axis"]  # None: a 1-d array (NumPy raised if not)
    lines = numpy.moveaxis(a, axis, -1)
    mask = numpy.moveaxis(numpy.broadcast_to(p.get("where", True), a.shape), axis, -1)
    cast = want.dtype.type

    def fold(values):
        return functools.reduce(ufunc, values[1:], cast(values[0]))

    # reduce: keepdims' axis of one squeezed; accumulate, reduceat: the axis last, as in lines
    result = (
        want.reshape(lines.shape[:-1]) if method == "reduce" else numpy.moveaxis(want, axis, -1)
    )
    for idx in numpy.ndindex(lines.shape[:-1]):
        line = lines[idx]
        if method == "reduce":
            initial = () if p.get("initial") is None else (p["initial"],)
            result[idx] = fold([*initial, *line[mask[idx]]])
        elif method == "accumulate":
            result[idx] = list(itertools.accumulate(line[1:], ufunc, initial=cast(line[0])))
        else:
            starts = numpy.asarray(p["indices"]).tolist()
            for j, (lo, hi) in enumerate(zip(starts, [*starts[1:], len(line)], strict=True)):
                result[idx + (j,)] = fold(line[lo : max(hi, lo + 1)])
    if out is None:
        return want[()] if want.ndim == 0 else want
    out[...] = want
    return out


def ufunc_method(xp: Any, name: str, method: str) -> Callable:
    """``xp.<name>.<method>``; on NumPy, ``left_fold`` for the ufuncs NumPy does not reorder."""
    if xp is numpy and name in NOT_REORDERED and method in FOLDS:
        return functools.partial(left_fold, getattr(numpy, name), method)
    return getattr(getattr(xp, name), method)
