"""``dnp.tree``: JAX's ``jax.tree`` over tuples, lists, dicts, named tuples and None, and its
users: ``autograd.value_and_grad`` over structured arguments, ``dnp.jit`` over structured
arguments and results."""

from collections import namedtuple

import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dnp
from dnp import autograd, tree

Point = namedtuple("Point", "x y")
Pair = namedtuple("Pair", "x y")


def reference_leaves(x) -> list:
    """The leaves in JAX's order, by hand: dict values by sorted key, None holds none."""
    if x is None:
        return []
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in reference_leaves(x[k])]
    if type(x) in (tuple, list) or hasattr(type(x), "_fields"):
        return [leaf for v in x for leaf in reference_leaves(v)]
    return [x]


def assert_same_tree(got, want):
    """Equal, with the same container types (a named tuple equals a plain tuple otherwise)."""
    assert type(got) is type(want)
    if isinstance(want, dict):
        assert list(got) == sorted(want) and got.keys() == want.keys()
        for k in want:
            assert_same_tree(got[k], want[k])
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same_tree(g, w)
    else:
        assert got is want


leaf_values = st.integers() | st.floats(allow_nan=False) | st.text(max_size=3) | st.booleans()
trees = st.recursive(
    leaf_values | st.none(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=2), children, max_size=4)
        | st.builds(Point, children, children)
    ),
    max_leaves=12,
)


# --- flatten and unflatten -----------------------------------------------------------------------
@given(trees)
def test_flatten_unflatten_round_trip(x):
    leaves, treedef = tree.flatten(x)
    assert leaves == reference_leaves(x)
    assert all(a is b for a, b in zip(leaves, reference_leaves(x), strict=True))
    assert treedef.num_leaves == len(leaves)
    assert_same_tree(tree.unflatten(treedef, leaves), x)
    assert tree.leaves(x) == leaves
    assert tree.structure(x) == treedef and hash(tree.structure(x)) == hash(treedef)
    marks = [object() for _ in leaves]  # new leaves land where the old ones were
    assert tree.flatten(tree.unflatten(treedef, marks)) == (marks, treedef)


def reference_structure(x):
    """The structure by hand: containers by kind, leaves as "*"."""
    if x is None:
        return "None"
    if isinstance(x, dict):
        return ("dict", tuple((k, reference_structure(x[k])) for k in sorted(x)))
    if type(x) in (tuple, list) or hasattr(type(x), "_fields"):
        return (type(x).__name__, tuple(reference_structure(v) for v in x))
    return "*"


@given(trees, trees)
def test_structures_are_equal_exactly_when_the_containers_are(x, y):
    assert tree.structure(tree.map(lambda v: [v], x, is_leaf=None)) != tree.structure(x) or (
        tree.structure(x).num_leaves == 0
    )
    assert tree.structure(tree.map(str, x)) == tree.structure(x)
    same = reference_structure(x) == reference_structure(y)
    assert (tree.structure(x) == tree.structure(y)) is same
    if same:
        assert hash(tree.structure(x)) == hash(tree.structure(y))


@given(trees, trees)
def test_keyed_is_the_structure_with_each_leaf_keyed(x, y):
    """``keyed`` (dnp.jit's cache key): flatten's leaves and node, with key(leaf) at the leaves;
    equal for two trees exactly when their structures and their leaves' keys are."""
    leaves, node = tree.keyed(x, lambda v: (type(v), repr(v)))
    assert leaves == tree.leaves(x)
    assert tree.keyed(x, lambda v: None)[1] == tree.structure(x).node
    _, other = tree.keyed(y, lambda v: (type(v), repr(v)))
    same = tree.structure(x) == tree.structure(y) and [(type(v), repr(v)) for v in leaves] == [
        (type(v), repr(v)) for v in tree.leaves(y)
    ]
    assert (node == other) is same
    if tree.leaves(x):

        def refuse(v):
            raise TypeError("refused")

        with pytest.raises(TypeError, match="refused"):
            tree.keyed(x, refuse)


def test_structure_tells_containers_apart():
    s = tree.structure
    assert s([1, 2]) != s((1, 2))
    assert s((1, 2)) != s(Point(1, 2)) != s(Pair(1, 2))
    assert s({"a": 1}) != s({"b": 1})
    assert s([1, [2]]) != s([1, 2])
    assert s(None) != s(1) and s([None]) != s([])
    assert s({"a": 1, "b": (2, 3)}) == s({"b": (5, 6), "a": 4})
    assert s(1) == s(dnp.ones(3)) == s(numpy.ones(3)) == s("text")


def test_none_is_an_empty_subtree():
    assert tree.flatten(None)[0] == [] and tree.structure(None).num_leaves == 0
    leaves, treedef = tree.flatten({"a": None, "b": [1, None, (None, 2)]})
    assert leaves == [1, 2]
    assert tree.unflatten(treedef, ["x", "y"]) == {"a": None, "b": ["x", None, (None, "y")]}
    assert tree.unflatten(tree.structure(None), []) is None
    assert tree.map(lambda v: v + 1, [None, 1]) == [None, 2]
    assert repr(tree.structure(None)) == "PyTreeDef(None)"


def test_dict_keys_in_sorted_order_or_else_insertion_order():
    leaves, treedef = tree.flatten({"b": 1, "a": 2, "c": {"z": 3, "y": 4}})
    assert leaves == [2, 1, 4, 3]
    rebuilt = tree.unflatten(treedef, leaves)
    assert list(rebuilt) == ["a", "b", "c"] and list(rebuilt["c"]) == ["y", "z"]
    assert repr(treedef) == "PyTreeDef({'a': *, 'b': *, 'c': {'y': *, 'z': *}})"
    mixed = {2: "two", "a": "a", 1: "one"}  # keys that do not sort
    leaves, treedef = tree.flatten(mixed)
    assert leaves == ["two", "a", "one"]
    assert list(tree.unflatten(treedef, leaves)) == [2, "a", 1]


def test_named_tuples_stay_named_tuples():
    p = Point(x=dnp.ones(2), y=(3, {"k": 4}))
    leaves, treedef = tree.flatten(p)
    assert leaves[0] is p.x and leaves[1:] == [3, 4]
    back = tree.unflatten(treedef, ["x", "y0", "y1"])
    assert type(back) is Point and back == Point("x", ("y0", {"k": "y1"}))
    assert repr(treedef) == "PyTreeDef(CustomNode(namedtuple[Point], [*, (*, {'k': *})]))"


def test_leaves_are_everything_that_is_not_a_container():
    a, b = dnp.arange(3.0), numpy.arange(2.0)
    leaves = tree.leaves([a, (b, 2.5), {"s": "text", "c": 1j}])
    assert leaves[0] is a and leaves[1] is b and leaves[2:] == [2.5, 1j, "text"]
    assert tree.leaves(a) == [a] and tree.structure(a).num_leaves == 1
    assert repr(tree.structure(a)) == "PyTreeDef(*)"
    assert repr(tree.structure((1,))) == "PyTreeDef((*,))"


def test_is_leaf_stops_the_walk():
    x = {"a": [1, 2], "b": [[3], 4]}
    leaves, treedef = tree.flatten(x, is_leaf=lambda v: isinstance(v, list) and len(v) == 1)
    assert leaves == [1, 2, [3], 4] and treedef.num_leaves == 4
    assert tree.leaves(x, is_leaf=lambda v: type(v) is list) == [[1, 2], [[3], 4]]
    assert tree.map(len, x, is_leaf=lambda v: type(v) is list) == {"a": 2, "b": 2}


def test_unflatten_wants_as_many_leaves_as_the_structure_holds():
    treedef = tree.structure({"a": 1, "b": (2, 3)})
    with pytest.raises(ValueError, match="Too few leaves.*expected 3, got 2"):
        tree.unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="Too many leaves.*expected 3, got 4"):
        tree.unflatten(treedef, [1, 2, 3, 4])
    assert tree.unflatten(treedef, iter([1, 2, 3])) == {"a": 1, "b": (2, 3)}


# --- map -----------------------------------------------------------------------------------------
def test_map_over_one_tree():
    assert tree.map(lambda v: 2 * v, {"a": 1, "b": (2, [3])}) == {"a": 2, "b": (4, [6])}
    assert tree.map(str, 5) == "5"
    assert type(tree.map(lambda v: v, Point(1, 2))) is Point


def test_map_over_several_trees():
    x = {"w": (1, 2), "b": [3]}
    y = {"b": [30], "w": (10, 20)}
    z = {"w": (100, 200), "b": [300]}
    assert tree.map(lambda a, b, c: a + b + c, x, y, z) == {"w": (111, 222), "b": [333]}
    # ``rest`` may go deeper where ``tree`` has a leaf: the subtree is passed whole
    assert tree.map(lambda a, b: (a, b), [1, 2], [(3, 4), {"k": 5}]) == [(1, (3, 4)), (2, {"k": 5})]
    assert tree.map(lambda a, b: a * b, [None, 2], [None, 3]) == [None, 6]


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ((1, 2), (1, 2, 3), r"Tuple arity mismatch: 3 != 2; tuple: \(1, 2, 3\)\."),
        ([1, 2], [1], r"List arity mismatch: 1 != 2; list: \[1\]\."),
        ([1, 2], (1, 2), r"Expected list, got \(1, 2\)\."),
        ({"a": 1, "b": 2}, {"a": 1, "c": 2}, r"Dict key mismatch; expected keys: \['a', 'b'\]"),
        ({"a": 1}, {"a": 1, "b": 2}, "Dict key mismatch"),
        ({"a": [1, (2, 3)]}, {"a": [1, (2,)]}, r"Tuple arity mismatch: 1 != 2"),
        ([None, 1], [0, 1], r"Expected None, got 0\."),
        (Point(1, 2), Pair(1, 2), r"Expected named tuple Point, got Pair\(x=1, y=2\)\."),
        (Point(1, 2), (1, 2), "Expected named tuple Point"),
        ((1, 2), 5, r"Expected tuple, got 5\."),
    ],
)
def test_map_names_the_mismatch(x, y, message):
    with pytest.raises(ValueError, match=message):
        tree.map(lambda a, b: a, x, y)


# --- autograd: arguments that are trees ----------------------------------------------------------
X = numpy.random.default_rng(0).standard_normal((6, 3))


def test_value_and_grad_of_a_dict_of_arrays():
    def loss(params, x):
        r = x @ params["w"] + params["b"]
        return (r * r).sum() + params["extra"]["c"] ** 2

    params = {
        "w": dnp.asarray([0.5, -1.0, 2.0]),
        "b": dnp.asarray(0.25),
        "extra": {"c": dnp.asarray(3.0), "unused": None},
    }
    value, g = autograd.value_and_grad(loss)(params, dnp.asarray(X))
    r = X @ [0.5, -1.0, 2.0] + 0.25
    numpy.testing.assert_allclose(float(value), (r * r).sum() + 9.0)
    assert type(g) is dict and list(g) == ["b", "extra", "w"]  # sorted keys, as JAX
    assert tree.structure(g) == tree.structure(params)
    assert g["extra"]["unused"] is None
    numpy.testing.assert_allclose(g["w"].asnumpy(), 2 * X.T @ r)
    numpy.testing.assert_allclose(float(g["b"]), 2 * r.sum())
    numpy.testing.assert_allclose(float(g["extra"]["c"]), 6.0)
    assert params["w"]._ag is None  # the caller's arrays are not marked


def test_grad_fn_of_nested_lists_tuples_and_named_tuples():
    def loss(p, scale):
        (a, (b, c)), q = p
        return scale * (a * b).sum() + (c**3).sum() + (q.x * q.y).sum()

    a, b, c = numpy.array([1.0, 2.0]), numpy.array([3.0, -1.0]), numpy.array([0.5])
    qx, qy = numpy.array([2.0]), numpy.array([-4.0])
    p = [[dnp.asarray(a), (dnp.asarray(b), dnp.asarray(c))], Point(dnp.asarray(qx), qy)]
    g_p, g_scale = autograd.grad_fn(loss, argnums=(0, 1))(p, dnp.asarray(2.0))
    assert tree.structure(g_p) == tree.structure(p) and type(g_p[1]) is Point
    want = [[2 * b, (2 * a, 3 * c**2)], Point(qy, qx)]
    for got, expected in zip(tree.leaves(g_p), tree.leaves(want), strict=True):
        numpy.testing.assert_allclose(got.asnumpy(), expected)
    numpy.testing.assert_allclose(float(g_scale), (a * b).sum())


def test_grad_of_the_gradient_through_a_tree():
    def inner(t):
        return autograd.grad_fn(lambda p: (p["x"] ** 3).sum())(t)["x"].sum()

    g = autograd.grad_fn(lambda x: inner({"x": x}))(dnp.asarray([1.0, -2.0]))
    numpy.testing.assert_allclose(g.asnumpy(), [6.0, -12.0])  # d/dx sum(3 x^2)


# --- jit: arguments and results that are trees ---------------------------------------------------
def test_jit_replays_dict_arguments_and_dict_results():
    def step(params, x, lr):
        r = x @ params["w"] + params["b"]
        return {"loss": (r * r).sum(), "new": {"w": params["w"] - lr * (x.T @ r), "b": r.mean()}}

    jitted = dnp.jit(step)
    rng = numpy.random.default_rng(1)
    for _ in range(3):  # the trace, then replays on other values
        w, b = rng.standard_normal(3), rng.standard_normal()
        params = {"w": dnp.asarray(w), "b": dnp.asarray(b)}
        got = jitted(params, dnp.asarray(X), 0.1)
        r = X @ w + b
        assert list(got) == ["loss", "new"] and list(got["new"]) == ["b", "w"]
        numpy.testing.assert_allclose(float(got["loss"]), (r * r).sum())
        numpy.testing.assert_allclose(got["new"]["w"].asnumpy(), w - 0.1 * X.T @ r)
        numpy.testing.assert_allclose(float(got["new"]["b"]), r.mean())
    assert jitted.traces == 1 and jitted.eager_reasons == [] and len(jitted.programs()) == 1
    jitted({"b": dnp.asarray(0.0), "w": dnp.ones(3)}, dnp.asarray(X), 0.1)  # keys in another order
    assert jitted.traces == 1
    jitted({"w": dnp.ones(3), "b": dnp.asarray(0.0), "c": None}, dnp.asarray(X), 0.1)
    jitted({"w": dnp.ones(3), "b": dnp.asarray(0.0)}, dnp.asarray(X), 0.2)
    assert jitted.traces == 3 and jitted.eager_reasons == []


def test_jit_replays_named_tuples_none_and_keyword_trees():
    def f(p, *, extra):
        return Point(p.x * extra["s"], None), [p.y + 1.0, 7]

    jitted = dnp.jit(f)
    for k in range(3):
        x, y = numpy.arange(3.0) + k, numpy.ones(2) * k
        point, (plus, seven) = out = jitted(
            Point(dnp.asarray(x), dnp.asarray(y)), extra={"s": dnp.asarray(2.0)}
        )
        assert type(out) is tuple and type(point) is Point and point.y is None and seven == 7
        numpy.testing.assert_array_equal(point.x.asnumpy(), 2.0 * x)
        numpy.testing.assert_array_equal(plus.asnumpy(), y + 1.0)
    assert jitted.traces == 1 and jitted.eager_reasons == []


def test_jit_of_value_and_grad_over_a_dict():
    def loss(params, x):
        r = x @ params["w"] + params["b"]
        return (r * r).sum()

    jitted = dnp.jit(autograd.value_and_grad(loss))
    eager = autograd.value_and_grad(loss)
    rng = numpy.random.default_rng(2)
    for _ in range(3):
        params = {"w": dnp.asarray(rng.standard_normal(3)), "b": dnp.asarray(rng.standard_normal())}
        (v, g), (v0, g0) = jitted(params, dnp.asarray(X)), eager(params, dnp.asarray(X))
        assert float(v) == float(v0) and list(g) == ["b", "w"]
        for k in g0:
            numpy.testing.assert_array_equal(g[k].asnumpy(), g0[k].asnumpy())
    assert jitted.traces == 1 and jitted.eager_reasons == []
