"""dnp.vmap: each example's result is what f gives on it (bit for bit), through every batching
rule and the per-example fallback; gradients, jit, trees of arguments, in_axes and out_axes;
what cannot be mapped raises NotImplementedError naming the op."""

import numpy
import pytest

import dnp
from dnp import autograd

RNG = numpy.random.default_rng(0)
B = 3


def data(*shape, dtype="float64"):
    return dnp.asarray(RNG.normal(size=shape).astype(dtype))


def assert_rows(f, *args, in_axes=0):
    """vmap(f)(*args) stacks f over the examples, value for value (NaNs too) and dtype."""
    got = dnp.vmap(f, in_axes=in_axes)(*args)
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)

    def example(i):
        return [
            a if ax is None else dnp.take(a, i, axis=ax) for a, ax in zip(args, axes, strict=True)
        ]

    rows = [f(*example(i)) for i in range(B)]
    got_leaves = dnp.tree.leaves(got)
    row_leaves = [dnp.tree.leaves(r) for r in rows]
    assert len(got_leaves) == len(row_leaves[0])
    for k, leaf in enumerate(got_leaves):
        want = numpy.stack([numpy.asarray(r[k].asnumpy()) for r in row_leaves])
        assert leaf.shape == want.shape and leaf.dtype == want.dtype, (leaf.shape, want.shape)
        numpy.testing.assert_array_equal(leaf.asnumpy(), want)
    return got


X = data(B, 4)
M = data(B, 4, 4)
W = data(4, 5)
V = data(4)
S = data(B)

CASES = {
    # elementwise, with operands of other ranks broadcast against one example
    "ufuncs": (lambda x: dnp.exp(x) * 2.0 - dnp.sqrt(dnp.abs(x)), (X,)),
    "broadcast": (lambda x, s: dnp.maximum(x[:, None], s) + W[0, :4], (X, S)),
    "where-clip": (lambda x: dnp.clip(dnp.where(x > 0, x, -x), 0.1, 0.5), (X,)),
    "special": (lambda x: dnp.scipy.special.log_expit(x) + dnp.scipy.special.gammaln(x**2), (X,)),
    "comparison": (lambda x: (x > 0) & (x < 1), (X,)),
    # reductions
    "sum-all": (lambda x: dnp.sum(x) + x.mean(), (M,)),
    "reduce-axis": (lambda x: dnp.max(x, axis=-1) - dnp.std(x, axis=(0,), ddof=1), (M,)),
    "keepdims": (lambda x: dnp.sum(x, axis=1, keepdims=True) * x, (M,)),
    "0-d sum": (lambda s: dnp.sum(s) * s.prod(), (S,)),
    "logsumexp": (lambda x: dnp.scipy.special.logsumexp(x, axis=0), (M,)),
    "softmax": (lambda x: dnp.scipy.special.softmax(x), (X,)),
    "median (per example)": (lambda x: dnp.median(x), (X,)),
    # products
    "matrix @ vector": (lambda x: W.T @ x, (X,)),
    "vector @ matrix": (lambda x: x @ W, (X,)),
    "vector @ vector": (lambda x: x @ V + dnp.dot(V, x), (X,)),
    "mapped @ mapped": (lambda x, m: (m @ x, x @ m, x @ x, m @ m), (X, M)),
    "matrix @ stack": (lambda m: dnp.matmul(dnp.stack([W.T, W.T]), m), (M,)),
    "vector @ stack": (lambda x: dnp.matmul(x, dnp.stack([W, W])), (X,)),
    "dot 2-d": (lambda m: dnp.dot(m, W), (M,)),
    "vecdot": (lambda x, m: dnp.vecdot(m, x), (X, M)),
    # shapes
    "reshape": (lambda m: m.reshape(2, 8).reshape(-1), (M,)),
    "ravel-squeeze": (lambda m: dnp.squeeze(dnp.expand_dims(dnp.ravel(m), 0)), (M,)),
    "transpose": (lambda m: (m.T, dnp.transpose(m, (1, 0)), dnp.swapaxes(m, 0, -1)), (M,)),
    "moveaxis": (lambda m: dnp.moveaxis(m[None], 0, -1), (M,)),
    "broadcast_to": (lambda x: dnp.broadcast_to(x, (2, 4)), (X,)),
    "concatenate-stack": (
        lambda x: (dnp.concatenate([x, V, x]), dnp.stack([x, V], axis=-1)),
        (X,),
    ),
    "getitem basic": (lambda m: (m[1], m[:, ::2], m[..., None, 1:3], m[-1, -1]), (M,)),
    "getitem arrays": (lambda m: m[[0, 2], [1, 1]], (M,)),  # advanced: once per example
    "likes-astype": (
        lambda x: (dnp.zeros_like(x), dnp.full_like(x, 2.0), x.astype(numpy.float32)),
        (X,),
    ),
    "linalg": (
        lambda m: (
            dnp.linalg.inv(m @ m.T + 4 * dnp.eye(4)),
            dnp.linalg.det(m),
            dnp.linalg.slogdet(m),
        ),
        (M,),
    ),
    "cholesky": (lambda m: dnp.linalg.cholesky(m @ m.T + dnp.eye(4)), (M,)),
    # no rule: once per example, stacked
    "fallback": (lambda x: (dnp.cumsum(x), dnp.sort(x), dnp.outer(x, V)), (X,)),
    # constants and unmapped results
    "unmapped output": (lambda x: (dnp.ones(3), dnp.sum(x)), (X,)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_example_is_f_of_it(name):
    f, args = CASES[name]
    assert_rows(f, *args)


def test_in_axes_trees_and_out_axes():
    params = {"w": data(B, 4), "b": data(B)}

    def f(p, x, scale):
        return dnp.sum(p["w"] * x) + p["b"] * scale

    xs = data(4)
    got = dnp.vmap(f, in_axes=(0, None, None))(params, xs, 2.0)
    want = [f({"w": params["w"][i], "b": params["b"][i]}, xs, 2.0) for i in range(B)]
    numpy.testing.assert_array_equal(got.asnumpy(), numpy.stack([w.asnumpy() for w in want]))
    # a mapped axis other than the first, and results stacked on another axis
    xt = dnp.asarray(X.asnumpy().T.copy())
    assert_rows(lambda x: x * 2.0, xt, in_axes=1)
    out = dnp.vmap(lambda x: dnp.stack([x, -x]), out_axes=1)(X)
    numpy.testing.assert_array_equal(out.asnumpy(), numpy.stack([X.asnumpy(), -X.asnumpy()]))


def test_gradients_are_the_examples_gradients():
    def f(z):
        return dnp.sum(dnp.scipy.special.log_expit(W.T @ z)) + dnp.sum(z * z)

    vf = dnp.vmap(f)
    values, grads = autograd.value_and_grad(vf)(X)
    for i in range(B):
        value, grad = autograd.value_and_grad(f)(X[i])
        numpy.testing.assert_array_equal(values[i].asnumpy(), value.asnumpy())
        numpy.testing.assert_array_equal(grads[i].asnumpy(), grad.asnumpy())
    # against finite differences, on the whole batch
    eps, base = 1e-6, X.asnumpy()
    for i, j in [(0, 0), (2, 3)]:
        bumped = base.copy()
        bumped[i, j] += eps
        numeric = (vf(dnp.asarray(bumped))[i] - vf(X)[i]).item() / eps
        assert abs(numeric - grads[i, j].item()) < 1e-4


def test_jit_of_vmap_replays_the_batch():
    vg = dnp.jit(autograd.value_and_grad(dnp.vmap(lambda z: dnp.sum(dnp.exp(z) * V))))
    first = vg(X)
    again = vg(X)
    assert vg.traces == 1 and vg.eager_reasons == []
    for a, b in zip(first, again, strict=True):
        numpy.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    numpy.testing.assert_array_equal(first[1].asnumpy(), (numpy.exp(X.asnumpy()) * V.asnumpy()))


def test_a_recording_is_kept_per_signature_and_captured_arrays_are_read_at_each_call():
    calls = []
    scale = dnp.ones(4)

    def f(x):
        calls.append(1)
        return x * scale

    vf = dnp.vmap(f)
    vf(X)
    vf(X)
    assert len(calls) == 1
    scale[...] = 3.0
    numpy.testing.assert_array_equal(vf(X).asnumpy(), 3.0 * X.asnumpy())
    vf(data(2, 4))  # another batch size: recorded again
    assert len(calls) == 2


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda x: x * float(x[0]), "read back"),
        (lambda x: x[x > 0], "differs between examples"),
        (lambda x: x + dnp.random.default_rng(0).normal(size=4), "draws random numbers"),
        (lambda x: dnp.add(x, 1.0, out=x), "writes in place"),
    ],
    ids=["read back", "value-dependent shape", "random draws", "in place"],
)
def test_what_cannot_be_mapped_raises(f, message):
    # rows with 3, 3 and 1 positive values
    x = dnp.asarray([[1.0, -1.0, 2.0, 3.0], [1.0, 1.0, 1.0, -1.0], [1.0, -1.0, -1.0, -1.0]])
    with pytest.raises(NotImplementedError, match=message):
        dnp.vmap(f)(x)


def test_bad_axes_raise_value_error():
    with pytest.raises(ValueError, match="sizes"):
        dnp.vmap(lambda a, b: a + b)(data(3, 2), data(4, 2))
    with pytest.raises(ValueError, match="in_axes"):
        dnp.vmap(lambda a, b: a + b, in_axes=(0,))(data(3), data(3))
    with pytest.raises(ValueError, match="at least one"):
        dnp.vmap(lambda a: a, in_axes=None)(data(3))
