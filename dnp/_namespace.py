"""Generate the public surface from the op table: functions, ufunc objects, methods, operators.

Every public callable here is a thin closure over ``dispatch(op, args, kwargs)``; nothing computes
outside a row. NumPy aliases (``abs``/``absolute``, ``concat``/``concatenate``, ...) are found by
identity in NumPy's own namespace, so they cannot drift from NumPy.
"""

from __future__ import annotations

import builtins
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy

from ._dispatch import dispatch
from ._ndarray import as_subclass, ndarray
from ._ops import OPS, Op
from ._ops._row import resolve
from ._ops.elementwise import UFUNC_METHODS
from ._ops.methods import FUNCTION_METHODS

SUBMODULES = ("linalg", "fft", "lib.stride_tricks", "strings", "char")
# SciPy's names dnp carries (``dnp.scipy.special``, ``dnp.scipy.linalg``): plain functions, as in
# ``jax.scipy``; SciPy is not loaded until one of them is first called or inspected.
SCIPY_SUBMODULES = ("scipy.special", "scipy.linalg")

# Data types, constants, settings and metadata helpers: NumPy's own objects, not array functions.
_NUMPY_NAMES = (
    # scalar types and dtype machinery
    "bool bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 intp uintp float16 float32 "
    "float64 complex64 complex128 longdouble clongdouble half single double csingle cdouble "
    "byte ubyte short ushort intc uintc int_ uint long ulong longlong ulonglong float_ complex_ "
    "generic number integer signedinteger unsignedinteger inexact floating complexfloating "
    "dtype promote_types isdtype issubdtype typecodes sctypeDict "
    # datetime, string and structured scalar types (dnp arrays hold them on the CPU)
    "datetime64 timedelta64 str_ bytes_ character flexible void record datetime_data "
    "busdaycalendar "
    # constants
    "pi e euler_gamma inf nan newaxis little_endian "
    # floating-point error and print settings
    "errstate seterr geterr seterrcall geterrcall set_printoptions get_printoptions printoptions "
    "format_float_positional format_float_scientific base_repr binary_repr "
    # helpers on shapes, type codes and Python objects (they read no array data)
    "ndindex broadcast_shapes iterable mintypecode typename s_ index_exp "
    # NumPy's own reports of its build and of the machine it runs on
    "show_config show_runtime "
    # NumPy classes that take dnp arrays through NumPy's protocols: poly1d keeps dnp coefficients
    # (its methods call NumPy functions, which hand dnp arrays back to dnp); broadcast reads its
    # arrays' values through __array__ (a sync point)
    "poly1d broadcast"
).split()
FROM_NUMPY = {name: getattr(numpy, name) for name in _NUMPY_NAMES if hasattr(numpy, name)}
# The built surface (``build``): top-level callables and each submodule's.
TOP: dict[str, Callable] = {}
SUBS: dict[str, dict[str, Callable]] = {}


def _doc(op: Op) -> str:
    if op.doc:
        return op.doc
    where = op.name if op.name.startswith("scipy.") else f"numpy.{op.name}"
    return f"{op.name}: see `{where}`. Runs on the array's device; returns dnp arrays."


def _function(op: Op, module: str) -> Callable:
    def function(*args, **kwargs):
        return dispatch(op, args, kwargs)

    function.__name__ = function.__qualname__ = op.name.rpartition(".")[2]
    function.__module__ = module
    function.__doc__ = _doc(op)
    function._dnp_op = op
    function.__wrapped__ = _Signed(op)  # inspect.signature reads the signature through it
    return function


class _Signed:
    """The public function's op as a callable whose ``__signature__`` (``_signature``) is worked
    out when first asked for: for every function at import it would cost about 55 ms."""

    __slots__ = ("op", "_signature")

    def __init__(self, op: Op) -> None:
        self.op = op
        self._signature: Any = _Signed  # not worked out yet

    def __call__(self, *args, **kwargs):
        return dispatch(self.op, args, kwargs)

    @property
    def __signature__(self) -> inspect.Signature | None:
        if self._signature is _Signed:
            self._signature = _signature(self.op)
        return self._signature


def _signature(op: Op) -> inspect.Signature | None:
    """What ``inspect.signature`` shows for the public function (IDEs, ``help()``, the array
    API's signature tests): NumPy's signature, with the keyword-only parameters dnp's forward
    adds (the array API's ``descending=``, ``dtype=``...); the forward's own signature where
    NumPy has no such function; None where neither has one."""
    numpy_function = op.numpy_function()
    theirs = _inspected(numpy_function) if callable(numpy_function) else None
    ours = _inspected(op.forward) if op.forward is not None else None
    if ours is not None:  # the forward's first parameter is the backend module
        ours = ours.replace(parameters=list(ours.parameters.values())[1:])
    if theirs is None:
        return ours
    if ours is None:
        return theirs
    params = list(theirs.parameters.values())
    extra = [
        p
        for name, p in ours.parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in theirs.parameters
    ]
    if not extra:
        return theirs
    tail = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    head = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    return theirs.replace(parameters=[*head, *extra, *tail])


def _inspected(fn) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without one
        return None


class ufunc:
    """A dnp universal function, with NumPy's ufunc methods. See `numpy.ufunc`."""

    def __init__(self, op: Op) -> None:
        self._op = op
        self._numpy = op.numpy_function()
        self._methods = {m: OPS[f"{op.name}.{m}"] for m in UFUNC_METHODS}
        self.__name__ = self.__qualname__ = op.name
        self.__doc__ = _doc(op)

    def __call__(self, *args, **kwargs):
        return dispatch(self._op, args, kwargs)

    def reduce(self, *args, **kwargs):
        return dispatch(self._methods["reduce"], args, kwargs)

    def accumulate(self, *args, **kwargs):
        return dispatch(self._methods["accumulate"], args, kwargs)

    def outer(self, *args, **kwargs):
        return dispatch(self._methods["outer"], args, kwargs)

    def at(self, *args, **kwargs):
        return dispatch(self._methods["at"], args, kwargs)

    def reduceat(self, *args, **kwargs):
        return dispatch(self._methods["reduceat"], args, kwargs)

    @property
    def __signature__(self) -> inspect.Signature | None:
        """NumPy's ufunc's signature (``inspect.signature``), where it has one."""
        return _inspected(self._numpy)

    def __getattr__(self, name: str) -> Any:
        # nin, nout, nargs, identity, ntypes, types, signature: NumPy's, unchanged.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy, name)

    def __repr__(self) -> str:
        return f"<dnp.ufunc '{self.__name__}'>"


def _public_object(op: Op, module: str) -> Callable:
    if f"{op.name}.reduce" in OPS and isinstance(op.numpy_function(), numpy.ufunc):
        return ufunc(op)  # with its methods' rows (string ufuncs have none: plain functions)
    return _function(op, module)


def build() -> tuple[dict[str, Callable], dict[str, dict[str, Callable]]]:
    """The public callables: ``(top-level names, {submodule: names})``, kept in TOP and SUBS."""
    top, subs = TOP, SUBS
    subs.update({s: {} for s in SUBMODULES + SCIPY_SUBMODULES})
    for name, op in OPS.items():
        sub, _, tail = name.rpartition(".")
        if not sub:
            top[name] = _public_object(op, "dnp")
        elif sub in subs:
            subs[sub][tail] = _public_object(op, f"dnp.{sub}")
    _add_numpy_aliases(top, numpy)
    for sub in SUBMODULES:
        _add_numpy_aliases(subs[sub], resolve(numpy, sub))
    return top, subs


def public(name: str) -> Any:
    """The public object ``dnp.<name>`` (a callable, ``ndarray``, a submodule's callables as a
    namespace, or one of NumPy's objects dnp re-exports), for the op table's gradient rules."""
    if name in TOP:
        return TOP[name]
    if name in SUBS:
        return types.SimpleNamespace(**SUBS[name])
    if name == "scipy":  # dnp.scipy.special, dnp.scipy.linalg
        return types.SimpleNamespace(
            **{s.partition(".")[2]: types.SimpleNamespace(**SUBS[s]) for s in SCIPY_SUBMODULES}
        )
    if name == "ndarray":
        return ndarray
    if name in FROM_NUMPY:
        return FROM_NUMPY[name]
    raise AttributeError(f"dnp has no public {name!r}")


def _add_numpy_aliases(names: dict[str, Callable], np_module) -> None:
    by_numpy = {}
    for name in list(names):
        fn = getattr(np_module, name, None)
        if fn is not None:
            by_numpy[id(fn)] = names[name]
    # What the module holds now: names NumPy loads on first use (submodules such as f2py and
    # testing, through its module __getattr__) are no function's aliases, and loading them here
    # would cost every `import dnp` (about 60 ms).
    for alias, obj in list(vars(np_module).items()):
        if alias.startswith("_") or alias in names:
            continue
        target = by_numpy.get(id(obj))
        if target is not None:
            names[alias] = target


def numpy_function_map(top: dict, subs: dict) -> dict[Callable, Callable]:
    """NumPy function -> dnp function, for ``__array_function__``."""
    table = {}
    for module, names in ((numpy, top), *((resolve(numpy, s), subs[s]) for s in SUBMODULES)):
        for name, fn in names.items():
            np_fn = getattr(module, name, None)
            if callable(np_fn) and not isinstance(fn, ufunc):
                table[np_fn] = fn
    return table


# --- ndarray methods and operators ---------------------------------------------------------------
BINARY_OPERATORS = {
    "add": "add",
    "sub": "subtract",
    "mul": "multiply",
    "truediv": "divide",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "pow": "power",
    "matmul": "matmul",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
    "lshift": "left_shift",
    "rshift": "right_shift",
}
COMPARISONS = {
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
    "eq": "equal",
    "ne": "not_equal",
}
UNARY_OPERATORS = {"neg": "negative", "pos": "positive", "abs": "absolute", "invert": "invert"}


# Operands that never defer, tested first: looking up an attribute a type lacks raises inside
# ``getattr`` (about 0.25 us, on every operator with a Python number).
_NEVER_DEFER = frozenset((int, float, complex, bool))


def _defers(other) -> bool:
    """NumPy's binop deferral: a type with ``__array_ufunc__ = None`` handles the operator."""
    t = type(other)
    return t not in _NEVER_DEFER and getattr(t, "__array_ufunc__", False) is None


def _binary(op: Op):
    def method(self, other):
        if _defers(other):
            return NotImplemented
        return dispatch(op, (self, other), {})

    return method


def _reflected(op: Op):
    def method(self, other):
        if _defers(other):
            return NotImplemented
        return dispatch(op, (other, self), {})

    return method


def _inplace(op: Op):
    def method(self, other):
        return dispatch(op, (self, other), {"out": self})

    return method


# NumPy's ``a ** k`` for a float or complex array and exactly these Python exponents calls
# another ufunc (``fast_scalar_power``): on complex arrays its results differ from ``power``'s in
# the last bits, so dnp's operator does the same.
_FAST_POWERS = {(int, 2): "square", (int, -1): "reciprocal", (float, 0.5): "sqrt"}


def _power(binary: Callable, inplace: bool):
    def method(self, other):
        if type(other) in (int, float) and self.dtype.kind in "fc":
            name = _FAST_POWERS.get((type(other), other))
            if name is not None:
                return dispatch(OPS[name], (self,), {"out": self} if inplace else {})
        return binary(self, other)

    return method


def _unary(op: Op):
    return lambda self: dispatch(op, (self,), {})


def _method(op: Op, name: str):
    def method(self, *args, **kwargs):
        return dispatch(op, (self, *args), kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = _doc(op)
    return method


def _property(getter_op: Op, setter=None):
    return property(lambda self: dispatch(getter_op, (self,), {}), setter)


def attach_methods(top: dict[str, Callable]) -> None:
    """Give ``ndarray`` its computing methods and operators, each from one row."""
    for name, row_name in BINARY_OPERATORS.items():
        op = OPS[row_name]
        setattr(ndarray, f"__{name}__", _binary(op))
        setattr(ndarray, f"__r{name}__", _reflected(op))
        setattr(ndarray, f"__i{name}__", _inplace(op))
    ndarray.__pow__ = _power(ndarray.__pow__, inplace=False)
    ndarray.__ipow__ = _power(ndarray.__ipow__, inplace=True)
    divmod_op = OPS["divmod"]
    ndarray.__divmod__ = _binary(divmod_op)
    ndarray.__rdivmod__ = _reflected(divmod_op)
    for name, row_name in COMPARISONS.items():
        setattr(ndarray, f"__{name}__", _binary(OPS[row_name]))
    for name, row_name in UNARY_OPERATORS.items():
        setattr(ndarray, f"__{name}__", _unary(OPS[row_name]))
    for name in FUNCTION_METHODS:
        setattr(
            ndarray,
            name,
            _method(top[name]._dnp_op if hasattr(top[name], "_dnp_op") else top[name]._op, name),
        )
    for name, op in OPS.items():
        if name.startswith("ndarray."):
            attr = name.partition(".")[2]
            setattr(ndarray, attr, _method(op, attr))
    ndarray.view = _view(ndarray.view)
    _attach_views(top)


def _view(plain: Callable) -> Callable:
    """``ndarray.view`` with NumPy's ``type=`` (and ``a.view(MyArray)``): the row's view, as an
    instance of ``type`` (``_ndarray.as_subclass``)."""

    def view(self, dtype=None, type=None):  # noqa: A002  # NumPy's parameter names
        if isinstance(dtype, builtins.type) and issubclass(dtype, ndarray):
            dtype, type = None, dtype
        res = plain(self) if dtype is None else plain(self, dtype)
        if type is None or builtins.type(res) is type:
            return res
        if not (isinstance(type, builtins.type) and issubclass(type, ndarray)):
            raise TypeError("Type must be a sub-type of ndarray type")
        return as_subclass(res, type, self)

    view.__name__ = view.__qualname__ = "view"
    view.__doc__ = plain.__doc__
    return view


def _attach_views(top: dict[str, Callable]) -> None:
    real, imag = OPS["real"], OPS["imag"]
    T, mT = OPS["transpose"], OPS["matrix_transpose"]

    def set_part(part: Op):
        def setter(self, value):
            if part is imag and self.dtype.kind != "c":
                raise TypeError("array does not have imaginary part to set")
            dispatch(OPS["ndarray.__setitem__"], (dispatch(part, (self,), {}), Ellipsis, value), {})

        return setter

    ndarray.real = property(lambda self: dispatch(real, (self,), {}), set_part(real))
    ndarray.imag = property(lambda self: dispatch(imag, (self,), {}), set_part(imag))
    ndarray.flat = property(flatiter, lambda self, value: flatiter(self).__setitem__(..., value))
    ndarray.T = property(lambda self: dispatch(T, (self,), {}))
    ndarray.mT = property(lambda self: dispatch(mT, (self,), {}))


def attach_protocols(top: dict[str, Callable], subs: dict[str, dict[str, Callable]]) -> None:
    """NumPy's override protocols: NumPy functions and ufuncs called on dnp arrays run in dnp."""
    array_functions = numpy_function_map(top, subs)
    ufuncs = {fn.__name__: fn for fn in top.values() if isinstance(fn, ufunc)}

    def __array_ufunc__(self, np_ufunc, method, *inputs, **kwargs):
        fn = ufuncs.get(np_ufunc.__name__)
        if fn is None:
            return NotImplemented
        out = kwargs.get("out")
        if type(out) is tuple and len(out) == 1:
            kwargs["out"] = out[0]
        if method == "__call__":
            return fn(*inputs, **kwargs)
        return getattr(fn, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        fn = array_functions.get(func)
        if fn is None or not all(issubclass(t, (ndarray, numpy.ndarray)) for t in types):
            return NotImplemented
        return fn(*args, **kwargs)

    ndarray.__array_ufunc__ = __array_ufunc__
    ndarray.__array_function__ = __array_function__


class flatiter:
    """``a.flat``: the array indexed as 1-d in C order; reads and writes reach ``a``.

    See `numpy.flatiter`.
    """

    __slots__ = ("base",)

    def __init__(self, base: ndarray) -> None:
        self.base = base

    def __getitem__(self, key):
        return dispatch(OPS["ndarray.flat.__getitem__"], (self.base, key), {})

    def __setitem__(self, key, value) -> None:
        dispatch(OPS["ndarray.flat.__setitem__"], (self.base, key, value), {})

    def __len__(self) -> int:
        return self.base.size

    def __iter__(self):
        for i in range(self.base.size):
            yield self[i]

    def __array__(self, dtype=None, copy=None):
        return self.copy().__array__(dtype, copy)

    def copy(self) -> ndarray:
        return self.base.flatten()
