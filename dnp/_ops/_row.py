"""One row of the op table: a NumPy name, its forward, its metadata rule."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy


def resolve(module: Any, dotted: str) -> Any:
    """``module.a.b`` for ``dotted='a.b'``; raises AttributeError when absent."""
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


class Op:
    """One op: its public name and how to run it and describe its result.

    ``name``: the NumPy name, dotted for submodules ('linalg.inv'), methods ('ndarray.astype') and
    ufunc methods ('add.reduce').
    ``forward(xp, *args, **kwargs)``: computes the result from backend arrays; ``None`` means the
    backend module's function of the same name (``xp.linalg.inv``).
    ``meta(op, args, kwargs)``: the result's shape and dtype (a ``Meta``, or a tuple/list of them)
    from the inputs' metadata, without running the op on the data; ``None`` marks an op whose
    result shape depends on the data (the executor waits for its inputs and runs it at once).
    ``creation``: the op takes ``device=`` (and ``like=``); makes arrays from nothing or host data.
    ``vjp``: the gradient rule, a tuple with one function per positional array argument,
    ``vjp[i](g, ans, *args, **kwargs)`` -> the gradient with respect to ``args[i]`` given ``g``,
    the gradient with respect to the result ``ans``; written with dnp functions, so it can be
    differentiated again. ``None``: the op has no gradient (see ``autograd.NONDIFFERENTIABLE``).
    ``inplace``: the op writes into its first argument (``a[k] = v``, ``a.sort()``, ``np.put``).
    ``work(args)``: the call's cost in elements of a cheap ufunc, for ops whose cost grows faster
    than their inputs (contractions); ``None``: the number of elements they read. The executor
    runs calls of little work inline.
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
    ) -> None:
        self.name = name
        self.forward = forward
        self.meta = meta
        self.creation = creation
        self.doc = doc
        self.vjp = vjp
        self.inplace = inplace
        self.work = work
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
            return resolve(xp, self.name)
        except AttributeError:
            where = "cpu" if xp is numpy else "gpu"

            def missing(*args, **kwargs):
                raise NotImplementedError(f"dnp.{self.name} is not available on device '{where}'")

            return missing

    def numpy_function(self) -> Callable | None:
        """The NumPy function this row mirrors, if NumPy has one by this name."""
        try:
            return resolve(numpy, self.name)
        except AttributeError:
            return None


def attach_vjps(rows: list[Op], vjps: dict[str, tuple]) -> None:
    """Give the rows named in ``vjps`` their gradient rules (a module's ``VJPS`` table)."""
    by_name = {op.name: op for op in rows}
    unknown = set(vjps) - set(by_name)
    if unknown:
        raise RuntimeError(f"VJPs for rows this module does not define: {sorted(unknown)}")
    for name, rules in vjps.items():
        by_name[name].vjp = rules
