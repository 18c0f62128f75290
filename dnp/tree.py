"""``dnp.tree``: JAX's ``jax.tree`` over nested tuples, lists, dicts, named tuples and None.

A tree is a structure of those containers; everything else (dnp arrays, NumPy arrays, numbers,
strings, other objects) is a leaf. None is a node without children, so it holds no leaves. Dict
keys are walked in sorted order (insertion order when they do not sort), and ``unflatten``
builds dicts in that order, as JAX does. ``flatten`` splits a tree into its leaves and a
``PyTreeDef``, a hashable description of the rest that ``unflatten`` fills with new leaves.

Pure Python that imports nothing from dnp: every layer may use it (``autograd`` for the
arguments it differentiates, ``dnp.jit`` for signatures and results, ``dnp.infer`` and
``dnp.optim`` for parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["PyTreeDef", "flatten", "unflatten", "leaves", "structure", "map"]

# A node of a treedef is ``(type, keys, children)`` (keys: a dict's, in its walking order, else
# None); a leaf is None. Plain tuples make equality and hashing C-fast.
_NoneType = type(None)
_NONE = (_NoneType, None, ())
_NODES = frozenset((dict, list, tuple, _NoneType))


def _flatten(x: Any, out: list, is_leaf: Callable | None, key: Callable | None = None) -> Any:
    """``x``'s node (appending its leaves to ``out``); a leaf's node is None, or ``key(leaf)``."""
    if is_leaf is not None and is_leaf(x):
        out.append(x)
        return None
    t = type(x)
    if t is dict:
        try:
            keys = tuple(sorted(x))
        except TypeError:  # keys of types that do not compare: insertion order
            keys = tuple(x)
        values = [x[k] for k in keys]
    elif t is tuple or t is list or (isinstance(x, tuple) and hasattr(t, "_fields")):
        keys, values = None, x
    elif x is None:
        return _NONE
    else:
        out.append(x)
        return None if key is None else key(x)
    if is_leaf is not None:
        return (t, keys, tuple([_flatten(v, out, is_leaf) for v in values]))
    nodes = []
    for v in values:  # leaves inline: this runs on every call of a jitted function
        if type(v) in _NODES or isinstance(v, tuple):
            nodes.append(_flatten(v, out, None, key))
        else:
            out.append(v)
            nodes.append(None if key is None else key(v))
    return (t, keys, tuple(nodes))


def _build(node: tuple, it) -> Any:
    t, keys, children = node
    values = [next(it) if c is None else _build(c, it) for c in children]
    if t is dict:
        return dict(zip(keys, values, strict=True))
    if t is list:
        return values
    if t is tuple:
        return tuple(values)
    if t is _NoneType:
        return None
    return t(*values)  # a named tuple


def _kind(t: type) -> str:
    return t.__name__ if t in (tuple, list, dict) else f"named tuple {t.__name__}"


def _up_to(node: tuple | None, x: Any, out: list) -> None:
    """Append the subtrees of ``x`` at the leaves of ``node``; ValueError where ``x`` differs."""
    if node is None:
        out.append(x)
        return
    t, keys, children = node
    if t is _NoneType:
        if x is not None:
            raise ValueError(f"Expected None, got {x!r}.")
        return
    if type(x) is not t:
        raise ValueError(f"Expected {_kind(t)}, got {x!r}.")
    if t is dict:
        if len(x) != len(keys) or any(k not in x for k in keys):
            raise ValueError(f"Dict key mismatch; expected keys: {list(keys)}; dict: {x!r}.")
        for k, c in zip(keys, children, strict=True):
            _up_to(c, x[k], out)
        return
    if len(x) != len(children):
        kind = _kind(t)
        raise ValueError(
            f"{kind.capitalize()} arity mismatch: {len(x)} != {len(children)}; {kind}: {x!r}."
        )
    for c, v in zip(children, x, strict=True):
        _up_to(c, v, out)


def _str(node: tuple | None) -> str:
    if node is None:
        return "*"
    t, keys, children = node
    if t is _NoneType:
        return "None"
    inner = ", ".join([_str(c) for c in children])
    if t is dict:
        return (
            "{" + ", ".join(f"{k!r}: {_str(c)}" for k, c in zip(keys, children, strict=True)) + "}"
        )
    if t is list:
        return f"[{inner}]"
    if t is tuple:
        return f"({inner},)" if len(children) == 1 else f"({inner})"
    return f"CustomNode(namedtuple[{t.__name__}], [{inner}])"


class PyTreeDef:
    """A tree's structure without its leaves (JAX's ``PyTreeDef``): equal, with equal hashes,
    for trees of the same containers, dict keys and number of leaves."""

    __slots__ = ("_node", "num_leaves")

    def __init__(self, node: tuple | None, num_leaves: int) -> None:
        self._node, self.num_leaves = node, num_leaves

    def __eq__(self, other: object) -> bool:
        return type(other) is PyTreeDef and self._node == other._node

    def __hash__(self) -> int:
        return hash(self._node)

    def __repr__(self) -> str:
        return f"PyTreeDef({_str(self._node)})"

    @property
    def node(self) -> tuple | None:
        """The structure as nested plain tuples, equal for equal structures: hashed and compared
        without a Python call (what ``dnp.jit`` keys a call's arguments by)."""
        return self._node

    def unflatten(self, leaves: Iterable) -> Any:
        """The tree of this structure with ``leaves`` in order (see ``dnp.tree.unflatten``)."""
        leaves = leaves if type(leaves) in (list, tuple) else list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(
                f"Too {'few' if len(leaves) < self.num_leaves else 'many'} leaves for {self!r}; "
                f"expected {self.num_leaves}, got {len(leaves)}"
            )
        return leaves[0] if self._node is None else _build(self._node, iter(leaves))

    def flatten_up_to(self, tree: Any) -> list:
        """The subtrees of ``tree`` where this structure has its leaves; ValueError naming the
        first place ``tree`` does not have this structure (as a prefix)."""
        out: list = []
        _up_to(self._node, tree, out)
        return out


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
    """``tree``'s leaves, in order, and its structure. ``is_leaf(x)`` true stops the walk at
    ``x``, taking it as a leaf."""
    out: list = []
    node = _flatten(tree, out, is_leaf)
    return out, PyTreeDef(node, len(out))


def keyed(tree: Any, key: Callable[[Any], Any]) -> tuple[list, Any]:
    """``tree``'s leaves and its structure as ``PyTreeDef.node`` gives it, with ``key(leaf)`` in
    place of each leaf: one walk for ``dnp.jit``'s cache key of a call (``key`` may raise to
    refuse a leaf)."""
    out: list = []
    node = _flatten(tree, out, None, key)
    return out, node


def unflatten(treedef: PyTreeDef, leaves: Iterable) -> Any:
    """The tree of structure ``treedef`` holding ``leaves``; ValueError for a wrong count."""
    return treedef.unflatten(leaves)


def leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """``tree``'s leaves, in order (see ``flatten``)."""
    out: list = []
    _flatten(tree, out, is_leaf)
    return out


def structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """``tree``'s structure (see ``flatten``)."""
    return flatten(tree, is_leaf)[1]


def map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """The tree of ``tree``'s structure holding ``f(x, *xs)`` for each leaf ``x`` of ``tree``
    and the subtrees ``xs`` at the same place in ``rest``, which must have ``tree``'s
    structure (as a prefix: a leaf of ``tree`` may match a whole subtree), else ValueError."""
    values, treedef = flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten([f(x) for x in values])
    others = [treedef.flatten_up_to(r) for r in rest]
    return treedef.unflatten([f(*xs) for xs in zip(values, *others, strict=True)])
