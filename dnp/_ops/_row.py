"""One row of the op table: a NumPy name, its forward, its metadata rule."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import numpy


@functools.cache  # kernels ask at every call (``scipy_special._special``)
def home(xp: Any, name: str) -> tuple[Any, str]:
    """Where backend ``xp`` keeps the function a row's ``name`` names, and its name there:
    ``scipy.special.gammaln`` is SciPy's on the CPU and ``cupyx.scipy``'s on a GPU (both loaded
    on first use); every other name is ``xp``'s own."""
    if name.startswith("scipy."):
        module = "scipy" if xp is numpy else "cupyx.scipy"
        return importlib.import_module(f"{module}.{name.split('.')[1]}"), name.split(".", 2)[2]
    return xp, name


def resolve(module: Any, dotted: str) -> Any:
    """``module.a.b`` for ``dotted='a.b'``; raises AttributeError when absent."""
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


class Op:
    """One op: its public name and how to run it and describe its result.

    ``name``: the NumPy name, dotted for submodules ('linalg.inv'), methods ('ndarray.astype') and
    ufunc methods ('add.reduce'); SciPy's functions are 'scipy.special.gammaln'.
    ``forward(xp, *args, **kwargs)``: computes the result from backend arrays; ``None`` means the
    backend module's function of the same name (``xp.linalg.inv``).
    ``meta(op, args, kwargs)``: the result's shape and dtype (a ``Meta``, or a tuple/list of them)
    from the inputs' metadata, without running the op on the data; ``None`` marks an op whose
    result shape depends on the data, or an op in place whose checks need its data (the executor
    waits for its inputs and runs it at once).
    ``creation``: the op takes ``device=`` (and ``like=``); makes arrays from nothing or host data.
    ``vjp``: the gradient rule, a tuple with one function per positional array argument,
    ``vjp[i](g, ans, *args, **kwargs)`` -> the gradient with respect to ``args[i]`` given ``g``,
    the gradient with respect to the result ``ans``; written with dnp functions, so it can be
    differentiated again. ``None``: no rule (see ``differentiable`` and ``no_gradient``).
    ``no_gradient``: why a differentiable op has no gradient rule yet (a gradient that reaches
    it raises NotImplementedError saying so).
    ``differentiable``: False for ops whose results carry no gradient (integer, boolean or
    non-array results, or locally constant ones): autograd does not track them.
    ``inplace``: the op writes into its first argument (``a[k] = v``, ``a.sort()``, ``np.put``).
    ``work(args)``: the call's cost in elements of a cheap ufunc, for ops whose cost grows faster
    than their inputs (contractions); ``None``: the number of elements they read. The executor
    runs calls of little work inline.

    Facts for the executor and ``dnp.jit`` (``dnp/_execute.py`` and ``dnp/_jit/`` read
    them; the test suite checks them against what each op does):
    ``view(args, kwargs)``: for ops whose result can be a view of an input, whether this call's is
    (True / False), told from metadata alone, or None when only the data tells; the executor runs
    view calls at once even on pending inputs. ``None`` (the field): never a view.
    ``aliases``: the op decides from the data whether to return (a view of) an input, so the
    executor waits for its inputs and runs it at once.
    ``c_ordered``: False where NumPy may lay the result out other than in C order for C-ordered
    inputs (an axis moved last, LAPACK's column-major factors); the executor runs those at once,
    as the outputs it makes ahead are C-ordered and memory order decides how reductions round.
    ``keeps_order``: the result keeps its input's memory order (``copy``, ``*_like``): pushed only
    for C-ordered inputs.
    ``threaded``: BLAS or LAPACK may run it on every core already; the executor does not run two
    at once unless BLAS is pinned to one thread.
    ``signature_only``: no metadata rule, and its result (a Python value) follows from the shapes
    and dtypes of its arrays: ``dnp.jit`` keeps the value a trace saw.
    ``signs``: how the op treats negated real operands, for ``dnp.jit``'s carried negations:
    "negate" (``negative``), "product" (the result's sign is the product of the operands':
    ``multiply``, ``divide``), "sum" (``add``), "difference" (``subtract``).
    ``unit``: the operand value that leaves the other operand exactly as it is, on either side
    (``multiply``: 1), so ``dnp.jit`` drops the step; ``right_unit``: such a value as the second
    operand only (``subtract``: +0.0, ``divide``: 1).
    ``draws``: its first argument is a ticket of a random stream (``.stream.take()`` gives the
    next one) and its result that stream's next values: ``dnp.jit`` replays it as a step taking
    a fresh ticket, in program order, never folded, merged or dropped.
    ``out_keyword``: a ufunc that takes its outputs only as ``out=``, not after its inputs (NumPy 2
    deprecates that for ``maximum`` and ``minimum``); the executor passes them by keyword.
    ``fills_out``: not a ufunc, but its kernel writes into ``out=`` (C-ordered, of the result's
    shape and dtype) exactly the result it would return (``take``): the executor passes the
    output it made, instead of copying a fresh result into it.
    ``replay(xp, args, kwargs)``: for ``dnp.jit``, a kernel giving the same result as this row's
    for every call like this one (backend arrays of the same types, dtypes and dimensions, the
    same keywords), with less work per call (``sum``: the ufunc's reduce itself), or None.
    """

    __slots__ = (
        "name",
        "forward",
        "meta",
        "creation",
        "doc",
        "kernels",
        "vjp",
        "inplace",
        "work",
        "out_at",
        "differentiable",
        "no_gradient",
        "view",
        "aliases",
        "c_ordered",
        "keeps_order",
        "threaded",
        "signature_only",
        "signs",
        "unit",
        "right_unit",
        "out_keyword",
        "fills_out",
        "draws",
        "replay",
    )

    def __init__(
        self,
        name: str,
        forward: Callable | None = None,
        meta: Callable | None = None,
        *,
        creation: bool = False,
        doc: str | None = None,
        vjp: tuple[Callable, ...] | None = None,
        inplace: bool = False,
        work: Callable | None = None,
        differentiable: bool = True,
        no_gradient: str | None = None,
        view: Callable | None = None,
        aliases: bool = False,
        c_ordered: bool = True,
        keeps_order: bool = False,
        threaded: bool = False,
        signature_only: bool = False,
        signs: str | None = None,
        unit: float | None = None,
        right_unit: float | None = None,
        out_keyword: bool = False,
        fills_out: bool = False,
        draws: bool = False,
        replay: Callable | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.meta = meta
        self.creation = creation
        self.doc = doc
        self.vjp = vjp
        self.inplace = inplace
        self.work = work
        self.differentiable = differentiable
        self.no_gradient = no_gradient
        self.view = view
        self.aliases = aliases
        self.c_ordered = c_ordered
        self.keeps_order = keeps_order
        self.threaded = threaded
        self.signature_only = signature_only
        self.signs = signs
        self.unit = unit
        self.right_unit = right_unit
        self.out_keyword = out_keyword
        self.fills_out = fills_out
        self.draws = draws
        self.replay = replay
        self.kernels: dict[Any, Callable] = {}
        self.out_at: tuple | None = None  # where out= may come positionally (dispatch's cache)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def kernel(self, xp: Any) -> Callable:
        """The forward bound to backend module ``xp`` (cached per backend)."""
        fn = self.kernels.get(xp)
        if fn is None:
            fn = self.kernels[xp] = self._bind(xp)
        return fn

    def _bind(self, xp: Any) -> Callable:
        if self.forward is not None:
            return functools.partial(self.forward, xp)
        try:
            return resolve(*home(xp, self.name))
        except (AttributeError, ImportError):
            where = "cpu" if xp is numpy else "gpu"

            def missing(*args, **kwargs):
                raise NotImplementedError(f"dnp.{self.name} is not available on device '{where}'")

            return missing

    def numpy_function(self) -> Callable | None:
        """The NumPy function this row mirrors (SciPy's for ``scipy.*`` rows), if there is one
        by this name."""
        try:
            return resolve(*home(numpy, self.name))
        except AttributeError:
            return None
