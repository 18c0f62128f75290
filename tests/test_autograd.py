"""The autograd API: recording, backward, grad requests, higher order, custom functions, errors."""

import gc
import threading
import tracemalloc

import numpy
import pytest

import dnp
from dnp import autograd
from tests.grad_check import check_grads

RNG = numpy.random.default_rng(0)
X = RNG.standard_normal((4, 3))


def leaf(values) -> dnp.ndarray:
    x = dnp.asarray(numpy.array(values, dtype=float))
    x.attach_grad()
    return x


def test_backward_writes_the_gradient_of_each_leaf():
    x, w = leaf(X), leaf([1.0, -2.0, 0.5])
    with autograd.record():
        y = ((x * w) * (x * w)).sum()
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * X * numpy.array([1, -2, 0.5]) ** 2)
    numpy.testing.assert_allclose(w.grad.asnumpy(), 2 * (X**2).sum(0) * [1, -2, 0.5])


def test_non_scalar_head_gets_a_head_gradient_of_ones_or_the_given_one():
    x = leaf(X)
    with autograd.record():
        y = x * x
    y.backward(retain_graph=True)
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * X)
    head = dnp.asarray(RNG.standard_normal(X.shape))
    y.backward(head)
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * X * head.asnumpy())
    with pytest.raises(ValueError, match="head_grad"):
        autograd.backward([y], [dnp.ones(3)])


def test_grad_req_write_add_null():
    x = leaf(X)
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with autograd.record():
            y = (x * 2.0).sum()
        y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), numpy.full(X.shape, 6.0))
    x.attach_grad("write")
    buffer = x.grad
    for _ in range(2):
        with autograd.record():
            y = (x * 3.0).sum()
        y.backward()
    assert x.grad is buffer  # written in place: optimizers may hold the buffer
    numpy.testing.assert_allclose(x.grad.asnumpy(), numpy.full(X.shape, 3.0))
    z = leaf(X)
    z.attach_grad("null")
    with autograd.record():
        y = (z * 3.0).sum()
    assert z.grad is None and y._ag is None
    with pytest.raises(ValueError, match="grad_req"):
        z.attach_grad("sometimes")


def test_integer_and_boolean_arrays_carry_no_gradient():
    for values in ([1, 2, 3], [True, False]):
        with pytest.raises(TypeError, match="only floating and complex"):
            dnp.asarray(values).attach_grad()
    with pytest.raises(TypeError, match="only floating and complex"):
        autograd.grad_fn(lambda a: a * 2)(dnp.arange(3))
    x = leaf(X)
    with autograd.record():
        i = x.argmax(axis=1)  # an integer result: not on the tape
        y = dnp.take_along_axis(x, i[:, None], axis=1).sum()
    assert i._ag is None
    y.backward()
    expected = numpy.zeros_like(X)
    expected[numpy.arange(4), X.argmax(1)] = 1
    numpy.testing.assert_allclose(x.grad.asnumpy(), expected)


def test_grad_returns_gradients_and_create_graph_differentiates_again():
    x = leaf([0.5, -1.5, 2.0])
    with autograd.record():
        y = (x * x * x).sum()
        (g,) = autograd.grad(y, [x], create_graph=True)
        z = g.sum()
    numpy.testing.assert_allclose(g.asnumpy(), 3 * x.asnumpy() ** 2)
    assert numpy.all(x.grad.asnumpy() == 0)  # grad() does not write .grad
    z.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 6 * x.asnumpy())


def test_grad_of_an_unused_variable_is_zero():
    x, w = leaf(X), leaf([1.0, 2.0])
    with autograd.record():
        y = (x * 2.0).sum()
    gx, gw = autograd.grad(y, [x, w])
    numpy.testing.assert_allclose(gw.asnumpy(), 0.0)
    numpy.testing.assert_allclose(gx.asnumpy(), 2.0)


def test_functional_helpers_nest():
    f = lambda a, b: (a * a * b).sum()  # noqa: E731
    a, b = dnp.asarray([1.0, 2.0]), dnp.asarray([3.0, -1.0])
    value, (ga, gb) = autograd.value_and_grad(f, argnums=(0, 1))(a, b)
    assert float(value) == -1.0
    numpy.testing.assert_allclose(ga.asnumpy(), [6.0, -4.0])
    numpy.testing.assert_allclose(gb.asnumpy(), [1.0, 4.0])
    second = autograd.grad_fn(lambda a: autograd.grad_fn(lambda t: (t * t * t).sum())(a).sum())
    numpy.testing.assert_allclose(second(a).asnumpy(), [6.0, 12.0])
    assert a._ag is None  # the helpers do not mark the caller's arrays


def test_functional_helpers_take_lists_tuples_and_dicts():
    a, b = numpy.array([1.0, -2.0]), numpy.array([3.0])
    g = autograd.grad_fn(lambda xs: dnp.sum(dnp.concatenate(xs) ** 2))([dnp.asarray(a), b])
    assert isinstance(g, list) and len(g) == 2
    numpy.testing.assert_allclose(g[0].asnumpy(), 2 * a)
    numpy.testing.assert_allclose(g[1].asnumpy(), 2 * b)

    def loss(params, x):
        return ((x @ params["w"] + params["b"][0]) ** 2).sum() * params["b"][1]

    params = {"w": dnp.asarray([0.5, -1.0]), "b": (dnp.asarray(0.25), dnp.asarray(2.0))}
    x = dnp.asarray(X[:, :2])
    value, (gp, gx) = autograd.value_and_grad(loss, argnums=(0, 1))(params, x)
    assert set(gp) == {"w", "b"} and isinstance(gp["b"], tuple) and len(gp["b"]) == 2
    assert gx.shape == x.shape
    r = X[:, :2] @ [0.5, -1.0] + 0.25
    numpy.testing.assert_allclose(float(value), 2.0 * (r**2).sum())
    numpy.testing.assert_allclose(gp["w"].asnumpy(), 2.0 * 2 * X[:, :2].T @ r)
    numpy.testing.assert_allclose(float(gp["b"][0]), 2.0 * 2 * r.sum())
    numpy.testing.assert_allclose(float(gp["b"][1]), (r**2).sum())
    numpy.testing.assert_allclose(gx.asnumpy(), 2.0 * 2 * numpy.outer(r, [0.5, -1.0]))
    assert params["w"]._ag is None  # the caller's arrays are left as they were


@pytest.mark.parametrize("constant", [lambda x: 3.0, lambda x: dnp.asarray(3.0), lambda x: 0 * 2.0])
def test_the_gradient_of_a_constant_is_zeros(constant):
    x = dnp.asarray([1.0, 2.0])
    g = autograd.grad_fn(constant)(x)
    assert g.shape == x.shape
    numpy.testing.assert_array_equal(g.asnumpy(), 0.0)
    assert float(autograd.value_and_grad(constant)(x)[0]) == float(constant(x))


@pytest.mark.parametrize("helper", [autograd.grad_fn, autograd.value_and_grad])
def test_a_complex_result_has_no_gradient(helper):
    x = dnp.asarray([1.0, 2.0])
    with pytest.raises(TypeError, match="real-valued"):
        helper(lambda v: (v * 1j).sum())(x)
    with pytest.raises(TypeError, match="real-valued"):
        helper(lambda v: complex(1.0, 2.0))(x)


def test_complex_inputs_get_dl_dre_plus_1j_dl_dim():
    """The documented convention: for L = |z|^2, dL/dRe + 1j dL/dIm = 2z (JAX's is 2 conj(z))."""
    z = numpy.array([3 + 4j, -1 + 0.5j])
    g = autograd.grad_fn(lambda v: (dnp.abs(v) ** 2).sum())(dnp.asarray(z))
    numpy.testing.assert_allclose(g.asnumpy(), 2 * z)
    f = lambda v: (dnp.sin(v).real * v.imag).sum()  # noqa: E731
    g = autograd.grad_fn(f)(dnp.asarray(z)).asnumpy()
    eps = 1e-6
    host = lambda v: float((numpy.sin(v).real * v.imag).sum())  # noqa: E731
    for k in range(2):
        e = numpy.zeros(2, complex)
        e[k] = eps
        d_re = (host(z + e) - host(z - e)) / (2 * eps)
        d_im = (host(z + 1j * e) - host(z - 1j * e)) / (2 * eps)
        numpy.testing.assert_allclose(g[k], d_re + 1j * d_im, rtol=1e-6)


@pytest.mark.parametrize("name", ["r_", "c_"])
def test_r_and_c_results_carry_gradients(name):
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    index = getattr(dnp, name)
    check_grads(lambda x, y: index[x, y] ** 2, a, b, order=2)
    check_grads(lambda x: index[x, x * 2.0, x] ** 3, a, order=1)
    check_grads(lambda x: dnp.r_[x, 2.0, x[:1]] ** 3, a, order=1)  # scalars mixed in


def test_pause_and_modes():
    x = leaf(X)
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording()
            c = x * 2.0
        with autograd.predict_mode():
            assert not autograd.is_training() and autograd.is_recording()
        y = (x * c).sum()
    with autograd.train_mode():
        assert autograd.is_training()
    assert c._ag is None
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * X)  # c was a constant


def test_recording_is_per_thread():
    x = leaf(X)
    seen = {}

    def other():
        seen["recording"] = autograd.is_recording()
        seen["tracked"] = (x * 2.0)._ag is not None

    with autograd.record():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == {"recording": False, "tracked": False}


def test_detach_cuts_the_tape():
    x = leaf(X)
    with autograd.record():
        y = (x.detach() * x).sum()
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), X)


class Sigmoid(autograd.Function):
    calls = 0

    def forward(self, x):
        y = 1 / (1 + dnp.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        Sigmoid.calls += 1
        (y,) = self.saved_tensors
        return dy * y * (1 - y)


def test_custom_function():
    x = leaf(X)
    with autograd.record():
        y = Sigmoid()(x)
        z = (y * 2.0).sum()
    z.backward()
    s = 1 / (1 + numpy.exp(-X))
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * s * (1 - s))
    assert Sigmoid.calls == 1


def test_modifying_a_saved_array_in_place_raises_at_backward():
    x = leaf(X)
    with autograd.record():
        a = x * 2.0
        b = (a * a).sum()
    a += 1.0  # the tape saved a for a * a
    with pytest.raises(RuntimeError, match="modified in place"):
        b.backward()


@pytest.mark.parametrize(
    "write",
    [
        lambda a: dnp.multiply(a, 2.0, a),  # out= passed positionally
        lambda a: dnp.add(a, 1.0, out=a),
        lambda a: a[1:].__setitem__(0, 5.0),  # through a view
        lambda a: a.reshape(-1).__iadd__(1.0),
    ],
)
@pytest.mark.parametrize("check_meta", [True, False], ids=["checked", "fast path"])
def test_every_kind_of_in_place_write_into_a_saved_array_is_caught(write, check_meta, monkeypatch):
    monkeypatch.setattr(dnp._dispatch, "CHECK_META", check_meta)  # off: dispatch's fast path
    x = leaf(X)
    with autograd.record():
        a = x * 2.0
        b = (a * a).sum()
    write(a)
    with pytest.raises(RuntimeError, match="modified in place"):
        b.backward()


def test_in_place_writes_elsewhere_leave_the_tape_valid():
    x = leaf(X)
    with autograd.record():
        a = x * 2.0
        b = (a * a).sum()
    for _ in range(3000):  # more buffers than the write table keeps before pruning dead ones
        scratch = dnp.zeros(3)
        scratch += 1.0
    c = a.copy()
    c += 1.0
    b.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 8 * X)


def test_writing_into_a_leaf_while_recording_raises():
    x = leaf(X)
    with autograd.record(), pytest.raises(RuntimeError, match="attach_grad"):
        x[0] = 1.0
    x[0] = 1.0  # outside record: a parameter update
    assert float(x[0, 0]) == 1.0


def test_setitem_under_record_routes_gradients():
    x, v = leaf(X), leaf([10.0, 20.0, 30.0])
    with autograd.record():
        a = x * 1.0
        a[1] = v * 2.0
        a[2, 0] = v[0]
        y = (a * a).sum()
    y.backward()
    a_val = X.copy()
    a_val[1] = [20.0, 40.0, 60.0]
    a_val[2, 0] = 10.0
    gx = 2 * a_val
    gx[1] = 0
    gx[2, 0] = 0
    numpy.testing.assert_allclose(x.grad.asnumpy(), gx)
    numpy.testing.assert_allclose(v.grad.asnumpy(), [2 * 2 * 20 + 2 * 10, 4 * 40, 4 * 60])


def test_graph_is_freed_unless_retained():
    x = leaf(X)
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    with autograd.record():
        y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), 2 * X)


def test_head_must_be_on_the_tape():
    with pytest.raises(ValueError, match="attach_grad"):
        dnp.asarray(X).sum().backward()


def test_op_without_rule_raises_when_a_gradient_reaches_it():
    x = leaf([1.0, 2.0])
    with autograd.record():
        y = dnp.vectorize(lambda t: t * 2)(x)
        z = (y * x).sum()
    with pytest.raises(NotImplementedError, match="vectorize"):
        z.backward()


def test_max_splits_the_gradient_between_ties():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    with autograd.record():
        y = x.max()
    y.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), [0.0, 0.5, 0.5, 0.0])


def test_prod_with_zeros():
    for values in ([2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [1.5, 2.0, -1.0]):
        check_grads(lambda a: dnp.prod(a), numpy.array(values), order=1)


def test_training_loop_memory_stays_flat():
    w = leaf(RNG.standard_normal((30, 5)))
    data = dnp.asarray(RNG.standard_normal((64, 30)))

    def step():
        with autograd.record():
            loss = dnp.tanh(data @ w).sum()
        loss.backward()
        w[...] = w - 0.01 * w.grad

    for _ in range(20):
        step()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(300):
        step()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after - before < 200_000, f"memory grew by {after - before} bytes over 300 steps"


# --- gradients of whole models, against hand-derived formulas ---------------------------------
def _softmax(z):
    e = numpy.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax(np, z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def test_softmax_cross_entropy_matches_the_formula():
    z, labels = RNG.standard_normal((8, 5)), RNG.integers(0, 5, 8)
    onehot = numpy.eye(5)[labels]
    loss = lambda zz: -(dnp.asarray(onehot) * _log_softmax(dnp, zz)).sum() / 8  # noqa: E731
    g = autograd.grad_fn(loss)(dnp.asarray(z))
    numpy.testing.assert_allclose(g.asnumpy(), (_softmax(z) - onehot) / 8, rtol=1e-10)


def test_mlp_gradient_matches_hand_written_backprop():
    x, labels = RNG.standard_normal((16, 10)), RNG.integers(0, 4, 16)
    onehot = numpy.eye(4)[labels]
    w1, b1 = RNG.standard_normal((10, 8)) * 0.3, RNG.standard_normal(8) * 0.1
    w2, b2 = RNG.standard_normal((8, 4)) * 0.3, RNG.standard_normal(4) * 0.1

    def loss(w1, b1, w2, b2):
        h = dnp.tanh(dnp.asarray(x) @ w1 + b1)
        return -(dnp.asarray(onehot) * _log_softmax(dnp, h @ w2 + b2)).sum() / 16

    grads = autograd.grad_fn(loss, argnums=(0, 1, 2, 3))(
        *(dnp.asarray(p) for p in (w1, b1, w2, b2))
    )
    h = numpy.tanh(x @ w1 + b1)
    dz = (_softmax(h @ w2 + b2) - onehot) / 16
    dh = dz @ w2.T * (1 - h**2)
    expected = (x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0))
    for got, want in zip(grads, expected, strict=True):
        numpy.testing.assert_allclose(got.asnumpy(), want, rtol=1e-9, atol=1e-12)


def test_bayesian_logistic_regression_log_joint_matches_the_formula():
    x, y = RNG.standard_normal((50, 6)), RNG.integers(0, 2, 50).astype(float)
    w = RNG.standard_normal(6) * 0.5

    def log_joint(w):
        z = dnp.asarray(x) @ w
        log_lik = -(
            dnp.asarray(y) * dnp.logaddexp(0.0, -z) + (1 - dnp.asarray(y)) * dnp.logaddexp(0.0, z)
        ).sum()
        return log_lik - 0.5 * (w * w).sum()

    g = autograd.grad_fn(log_joint)(dnp.asarray(w))
    sigmoid = 1 / (1 + numpy.exp(-(x @ w)))
    numpy.testing.assert_allclose(g.asnumpy(), x.T @ (y - sigmoid) - w, rtol=1e-10)
