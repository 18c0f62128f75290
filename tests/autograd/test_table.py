"""Every op in the table either has a gradient rule checked numerically, or says why not."""

import importlib
import pathlib

from dnp._ops import OPS

NONDIFFERENTIABLE = frozenset(n for n, op in OPS.items() if not op.differentiable)
NO_GRADIENT = {n: op.no_gradient for n, op in OPS.items() if op.no_gradient is not None}


def _grad_case_names():
    names = set()
    for path in sorted(pathlib.Path(__file__).parent.glob("test_grad_*.py")):
        module = importlib.import_module(f"tests.autograd.{path.stem}")
        names |= {c.name for c in getattr(module, "GRAD_CASES", [])}
    return names


def test_every_row_is_differentiable_or_declared_not():
    undecided = sorted(
        name
        for name, op in OPS.items()
        if op.vjp is None and name not in NONDIFFERENTIABLE and name not in NO_GRADIENT
    )
    assert not undecided, (
        f"rows with no VJP, differentiable, nor with a no_gradient reason: {undecided}"
    )


def test_every_vjp_has_a_numerical_gradient_check():
    unchecked = sorted(set(n for n, op in OPS.items() if op.vjp is not None) - _grad_case_names())
    assert not unchecked, f"rows whose VJP no test_grad_*.py case checks: {unchecked}"


def test_declarations_do_not_overlap():
    with_vjp = {n for n, op in OPS.items() if op.vjp is not None}
    assert not (with_vjp & NONDIFFERENTIABLE), sorted(with_vjp & NONDIFFERENTIABLE)
    assert not (with_vjp & set(NO_GRADIENT)), sorted(with_vjp & set(NO_GRADIENT))
    assert not (NONDIFFERENTIABLE & set(NO_GRADIENT))
