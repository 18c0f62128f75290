"""``dnp.jit``: a replayed trace gives what running the function gives, or the function runs.

Every replay below is called on values other than the traced ones, so a program that read the
trace's values instead of its arguments fails. Where a trace cannot stand for the function
(values read back into Python, generators seeded or made inside it, data-dependent shapes,
writes into NumPy data, arguments returned), the function must run eagerly, with its own
results, on every call.
"""

import importlib
import re
import sys

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp
from dnp import autograd
from tests.conformance import run_dnp
from tests.engine.by_hand import filled_later, opened_when_blocked
from tests.threads import run_threads

RNG = numpy.random.default_rng(7)


def arrays(*shapes, scale=1.0):
    return [dnp.asarray(scale * RNG.standard_normal(s)) for s in shapes]


def assert_same(got, want):
    """dnp results (arrays nested in tuples, lists, dicts) equal to NumPy's, bit for bit."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys()
        for k in want:
            assert_same(got[k], want[k])
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    elif isinstance(want, (numpy.ndarray, numpy.generic)):
        assert isinstance(got, dnp.ndarray)
        g = got.asnumpy()
        assert g.shape == numpy.shape(want) and g.dtype == want.dtype
        numpy.testing.assert_array_equal(g, want)
        if g.dtype.kind == "f":  # zeros of the same sign (NaNs are equal whatever theirs)
            numpy.testing.assert_array_equal(
                numpy.signbit(g) | numpy.isnan(g), numpy.signbit(want) | numpy.isnan(want)
            )
    else:
        assert got == want or (got != got and want != want)  # NaN is NaN


def to_numpy(x):
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        items = [to_numpy(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    return x.asnumpy() if isinstance(x, dnp.ndarray) else x


# --- replays give the function's results ---------------------------------------------------------
def log_joint(w, X, y):
    z = X @ w
    log_lik = dnp.sum(y * -dnp.logaddexp(0.0, -z) + (1 - y) * -dnp.logaddexp(0.0, z))
    return -0.5 * dnp.sum(w * w) + log_lik


def mlp_loss(W1, b1, W2, b2, x, Y):
    h = dnp.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    m = dnp.max(z, axis=1, keepdims=True)
    lse = dnp.log(dnp.sum(dnp.exp(z - m), axis=1, keepdims=True)) + m
    return -dnp.sum(Y * (z - lse)) / x.shape[0]


def chain(h):
    for _ in range(3):
        t = dnp.exp(dnp.sin(h) * 0.5) * h
        h = h + (dnp.cos(dnp.tanh(t)) ** 2 - 0.5) * 0.1
    return dnp.sum(h)


def logreg_inputs():
    X = RNG.standard_normal((50, 4))
    y = (RNG.random(50) < 0.5).astype(float)
    return [dnp.asarray(a) for a in (RNG.standard_normal(4), X, y)]


def mlp_inputs():
    Y = numpy.eye(3)[RNG.integers(0, 3, 8)]
    return [*arrays((5, 6), (6,), (6, 3), (3,), (8, 5)), dnp.asarray(Y)]


@pytest.mark.parametrize(
    ("f", "argnums", "inputs"),
    [
        (log_joint, 0, logreg_inputs),
        (mlp_loss, (0, 1, 2, 3), mlp_inputs),
        (chain, 0, lambda: arrays((40,))),
    ],
    ids=["logreg", "mlp", "chain"],
)
def test_replayed_value_and_grad_equals_the_eager_one_bit_for_bit(f, argnums, inputs):
    eager = autograd.value_and_grad(f, argnums)
    jitted = dnp.jit(autograd.value_and_grad(f, argnums))
    for _ in range(3):  # the trace, then replays on new values
        args = inputs()
        assert_same(jitted(*args), to_numpy(eager(*args)))
    assert jitted.traces == 1 and jitted.eager_reasons == []


def test_second_derivatives_replay():
    def second(x):  # d/dx of sum(d/dy sum(sin(y)^3)): 3 sin^2 cos, differentiated again
        return autograd.grad_fn(lambda y: dnp.sum(dnp.sin(y) ** 3))(x).sum()

    eager = autograd.grad_fn(second)
    jitted = dnp.jit(autograd.grad_fn(second))
    for _ in range(3):
        (x,) = arrays((6,))
        assert_same(jitted(x), eager(x).asnumpy())
    assert jitted.traces == 1 and jitted.eager_reasons == []


def test_a_replay_runs_fewer_ops_than_the_trace_and_never_multiplies_by_ones():
    w = arrays((5,))[0]
    jitted = dnp.jit(autograd.value_and_grad(lambda w: dnp.sum(w * w) * 3.0))
    jitted(w)
    (source,) = jitted.programs()
    # forward: multiply, sum, multiply; backward: d(sum)/d(w*w) * 3 is folded into a constant
    # array of threes, the two products of w*w's rule are one (then added)
    assert source.count(" = k") <= 6
    numpy.testing.assert_array_equal(jitted(w)[1].asnumpy(), 6.0 * w.asnumpy())


def test_a_replay_drops_subtracting_positive_zeros_and_dividing_by_ones():
    w = arrays((5,))[0]
    zeros, ones = dnp.zeros(5), dnp.ones(5)

    def f(w):
        return ((w - dnp.zeros(5)) / dnp.ones(5)) * dnp.exp(w), (w - -zeros) / ones - w

    jitted = dnp.jit(f)
    jitted(w)
    (source,) = jitted.programs()
    # exp and the product; then w - (-0.0) (not w: -0.0 - -0.0 is +0.0), w / ones of a captured
    # array (read at each call), the difference
    assert source.count(" = k") + source.count(" = _") == 5
    for got, want in zip(jitted(w), f(w), strict=True):
        assert_same(got, want.asnumpy())
    signed = dnp.asarray([-0.0, 0.0, 1.0, -2.0, numpy.nan])
    assert_same(jitted(signed)[0], f(signed)[0].asnumpy())
    assert numpy.signbit(jitted(signed)[0].asnumpy()[0])  # -0.0 - +0.0 stays -0.0


def test_signatures_shapes_dtypes_values_training_mode_and_shared_arguments():
    f = dnp.jit(lambda x, y, scale: (x - y) * scale)
    a, b = arrays((3,), (3,))
    assert_same(f(a, b, 2.0), (a.asnumpy() - b.asnumpy()) * 2.0)
    assert_same(f(b, a, 2.0), (b.asnumpy() - a.asnumpy()) * 2.0)
    assert f.traces == 1
    assert_same(f(a, b, 3.0), (a.asnumpy() - b.asnumpy()) * 3.0)  # a value: a new trace
    c, d = arrays((2, 3), (2, 3))
    assert_same(f(c, d, 3.0), (c.asnumpy() - d.asnumpy()) * 3.0)
    assert_same(f(a.astype(numpy.float32), b, 3.0), (a.asnumpy().astype("f4") - b.asnumpy()) * 3)
    assert f.traces == 4
    # one buffer for two arguments is another signature: its trace has one name for both
    assert_same(f(a, a, 1.0), numpy.zeros(3))
    assert_same(f(a, b, 1.0), a.asnumpy() - b.asnumpy())

    assert_same(f(a, b, 0.0), (a.asnumpy() - b.asnumpy()) * 0.0)
    assert_same(f(a, b, -0.0), (a.asnumpy() - b.asnumpy()) * -0.0)  # not 0.0's trace
    assert_same(f(a, b, numpy.float32(2.0)), (a.asnumpy() - b.asnumpy()) * numpy.float32(2.0))
    (e,) = arrays((4,))
    for _ in range(2):  # a call that raises caches nothing
        with pytest.raises(ValueError, match="broadcast"):
            f(a, e, 1.0)
    assert f.traces == 9

    h = dnp.jit(lambda x, *, out_scale=1.0, shift=None: x * out_scale + shift)
    for _ in range(2):
        assert_same(h(a, out_scale=2.0, shift=b), a.asnumpy() * 2.0 + b.asnumpy())
        assert_same(h(b, out_scale=2.0, shift=a), b.asnumpy() * 2.0 + a.asnumpy())
    assert h.traces == 1

    g = dnp.jit(lambda x: x * 2.0 if autograd.is_training() else x * 3.0)
    with autograd.train_mode():
        assert_same(g(a), a.asnumpy() * 2.0)
    with autograd.predict_mode():
        assert_same(g(a), a.asnumpy() * 3.0)


def test_results_in_nested_structures_and_multi_output_ops():
    def f(x):
        q, r = dnp.linalg.qr(x)
        parts = dnp.split(x, 2, axis=1)
        return {"q": q, "r": r, "parts": [parts[0] * 1.0, parts[1] + 0.0], "n": 3, "s": x.sum()}

    jitted = dnp.jit(f)
    for _ in range(3):
        (x,) = arrays((4, 4))
        q, r = numpy.linalg.qr(x.asnumpy())
        p0, p1 = numpy.split(x.asnumpy(), 2, axis=1)
        want = {"q": q, "r": r, "parts": [p0 * 1.0, p1 + 0.0], "n": 3, "s": x.asnumpy().sum()}
        assert_same(jitted(x), want)
    assert jitted.eager_reasons == []


def test_writes_into_arrays_the_function_made_are_replayed():
    def f(x):
        y = x * 2.0
        y[0] = 5.0
        y += 1.0
        v = y[1:]
        v *= x[1:]
        dnp.add(y, 1.0, out=y)
        return y

    jitted = dnp.jit(f)
    for _ in range(3):
        (x,) = arrays((6,))
        want = x.asnumpy() * 2.0
        want[0] = 5.0
        want += 1.0
        want[1:] *= x.asnumpy()[1:]
        want += 1.0
        assert_same(jitted(x), want)
    assert jitted.eager_reasons == []


def test_ops_repeated_around_writes_are_run_again():
    def f(x):
        a = x * 2.0
        x += 1.0
        b = x * 2.0  # the same call as a's, on new values
        z = dnp.zeros(3)  # from constants only, then written
        z += b
        return a, b, z * 1.0

    jitted = dnp.jit(f)
    for _ in range(3):
        (x,) = arrays((3,))
        x_eager = x.copy()
        assert_same(jitted(x), to_numpy(f(x_eager)))
        assert_same(x, x_eager.asnumpy())
    assert jitted.eager_reasons == []


def test_outputs_are_fresh_arrays_even_when_equal():
    jitted = dnp.jit(lambda x: (x * 2.0, x * 2.0, dnp.ones(3)))
    (x,) = arrays((3,))
    jitted(x)
    a, b, ones = jitted(x)
    a[0] = 100.0
    ones[1] = 7.0
    assert b.asnumpy()[0] == 2.0 * x.asnumpy()[0]
    assert_same(jitted(x)[2], numpy.ones(3))  # a folded constant is copied for each call


def test_captured_arrays_are_read_at_each_call():
    W = dnp.asarray(numpy.eye(3))
    host = numpy.arange(3.0)
    jitted = dnp.jit(lambda x: x @ W + dnp.asarray(host))
    (x,) = arrays((3,))
    jitted(x)
    W += 1.0  # in place: the same array, new values
    host[:] = -1.0
    assert_same(jitted(x), x.asnumpy() @ (numpy.eye(3) + 1.0) - 1.0)


def test_numpy_data_made_inside_the_function_is_fresh_at_each_call():
    def accumulate():
        h = dnp.asarray(numpy.zeros(3))  # shares the NumPy array's memory, as NumPy's does
        h += 1.0
        return h * 1.0

    def shares():
        return dnp.asarray(numpy.arange(3.0))

    for f, want in ((accumulate, numpy.ones(3)), (shares, numpy.arange(3.0))):
        jitted = dnp.jit(f)
        for _ in range(3):
            got = jitted()
            assert_same(got, want)
            got[0] = 100.0  # the caller's to change
        assert jitted.eager_reasons


def test_the_caller_errstate_and_errstate_inside_the_function_are_honoured():
    def f(x):
        with dnp.errstate(divide="raise"):
            y = 1.0 / x
        return y + dnp.log(x - 1.0)  # in the caller's errstate

    def want(v):
        with numpy.errstate(divide="ignore"):
            return 1.0 / v + numpy.log(v - 1.0)

    jitted = dnp.jit(f)
    with dnp.errstate(divide="ignore"):
        jitted(dnp.asarray([2.0, 4.0, 8.0]))
        v = numpy.array([1.0, 2.0, 4.0])  # log(0): ignored
        assert_same(jitted(dnp.asarray(v)), want(v))
        with pytest.raises(FloatingPointError) as info:
            jitted(dnp.asarray([1.0, 0.0, 4.0]))  # the replay raised: f ran and raised
        assert any(e.name == "f" for e in info.traceback)  # raised by f's own call
        with dnp.errstate(divide="warn"):
            with pytest.warns(RuntimeWarning, match="log"):
                jitted(dnp.asarray(v))  # traced again: another state of the caller
            with pytest.warns(RuntimeWarning, match="log"):
                assert_same(jitted(dnp.asarray(v)), want(v))  # replayed: the warning again
    assert jitted.traces == 2


def test_an_error_in_a_replay_makes_the_function_run_which_raises_or_handles_it():
    def safe(a):
        try:
            return dnp.linalg.inv(a) * 2.0
        except numpy.linalg.LinAlgError:
            return dnp.zeros(a.shape)

    jitted, plain = dnp.jit(safe), dnp.jit(lambda a: dnp.linalg.inv(a) * 2.0)
    for f in (jitted, plain):
        assert_same(f(dnp.eye(2)), 2.0 * numpy.eye(2))  # traced
        assert_same(f(dnp.eye(2) * 2.0), numpy.eye(2))  # replayed
    assert_same(jitted(dnp.zeros((2, 2))), numpy.zeros((2, 2)))  # the replay raised: f handled it
    with pytest.raises(numpy.linalg.LinAlgError) as info:
        plain(dnp.zeros((2, 2)))
    assert any(e.name == "<lambda>" for e in info.traceback)  # raised by f's own call
    assert jitted.traces == plain.traces == 1 and not jitted.eager_reasons + plain.eager_reasons
    # a trace through the except clause runs f on every call
    other = dnp.jit(safe)
    assert_same(other(dnp.zeros((2, 2))), numpy.zeros((2, 2)))
    assert_same(other(dnp.eye(2)), 2.0 * numpy.eye(2))
    (why,) = other.eager_reasons
    assert "linalg.inv raised while tracing" in why


def test_an_error_after_a_replay_wrote_into_an_argument_names_the_op_and_where():
    def f(x, a):
        x += 1.0
        return dnp.linalg.inv(a) * 1.0

    jitted = dnp.jit(f)
    x = dnp.zeros(2)
    jitted(x, dnp.eye(2))
    with pytest.raises(numpy.linalg.LinAlgError) as info:
        jitted(x, dnp.zeros((2, 2)))
    (note,) = info.value.__notes__
    assert "raised by dnp.linalg.inv in a replay of jit" in note and "test_jit.py:" in note
    assert_same(x, numpy.full(2, 2.0))  # written before the error, as f writes it


# --- where a trace cannot stand for the function, it runs ----------------------------------------
def branchy(x):
    if dnp.sum(x) > 0:  # a value read back into Python
        return x * 2.0
    return x * 3.0


def seeds_inside(x):
    dnp.random.seed(3)
    return x + dnp.random.standard_normal(x.shape)


def makes_its_generator(x):
    return x + dnp.random.default_rng(3).standard_normal(x.shape)


def masked(x):
    return x[x > 0] * 2.0


def returns_view(x):
    return x.T


def returns_argument(x):
    return x


@pytest.mark.parametrize(
    ("f", "reason"),
    [
        (branchy, "read back"),
        (seeds_inside, "seeded"),
        (makes_its_generator, "generator it made"),
        (masked, "depends on values"),
        (returns_view, "view of an argument"),
        (returns_argument, "returns an argument"),
    ],
)
def test_functions_a_trace_cannot_stand_for_run_eagerly(f, reason):
    jitted = dnp.jit(f)
    for sign in (1.0, -1.0, 1.0):
        x = dnp.asarray(sign * numpy.abs(RNG.standard_normal((2, 3))) + 0.1)
        x_eager = x.copy()
        dnp.random.seed(3)
        got = jitted(x)
        dnp.random.seed(3)
        want = f(x_eager)
        assert_same(got, want.asnumpy())
        if f is returns_argument:
            assert got is x
    (why,) = jitted.eager_reasons
    assert reason in why


def test_writes_into_arguments_and_captured_arrays_are_replayed():
    """An MXNet-style training step: gradients, then parameters updated in place."""
    momentum = [dnp.zeros(4), dnp.zeros((50, 4))[:1]]  # captured; one is a view
    vg = autograd.value_and_grad(log_joint)

    def step(w, X, y, lr):
        value, g = vg(w, X, y)
        momentum[0] *= 0.9
        momentum[0] += g
        w += lr * momentum[0]  # ascent on the log-joint
        w[0] = 0.5 * w[0]
        momentum[1][0, :2] = w[:2]
        return value

    w, X, y = logreg_inputs()
    w_eager, momentum_eager = w.copy(), [m.copy() for m in momentum]
    jitted = dnp.jit(step)
    for _ in range(4):
        got = jitted(w, X, y, 0.01)
        kept, momentum[:] = momentum[:], momentum_eager
        want = step(w_eager, X, y, 0.01)
        momentum_eager, momentum[:] = momentum[:], kept
        assert_same(got, want.asnumpy())
        assert_same(w, w_eager.asnumpy())
        assert_same(momentum, [m.asnumpy() for m in momentum_eager])
    assert jitted.traces == 1 and jitted.eager_reasons == []


def test_a_replay_writing_an_array_the_tape_saved_makes_backward_raise():
    def double(x):
        dnp.multiply(x, 2.0, out=x)

    jitted = dnp.jit(double)
    (x,) = arrays((3,))
    jitted(x.copy())  # traced
    w = dnp.ones(3)
    w.attach_grad()
    with autograd.record():
        loss = (w * x).sum()  # saves x for w's gradient
    jitted(x)  # replayed: writes x in place
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    assert jitted.eager_reasons == []


def test_under_record_the_tape_sees_the_function_ops():
    jitted = dnp.jit(lambda x: dnp.sin(x) * x)
    (x,) = arrays((4,))
    jitted(x)
    x.attach_grad()
    with autograd.record():
        y = jitted(x).sum()
    y.backward()
    want = numpy.cos(x.asnumpy()) * x.asnumpy() + numpy.sin(x.asnumpy())
    numpy.testing.assert_allclose(x.grad.asnumpy(), want, rtol=1e-14)


def test_nested_jit_is_part_of_the_outer_trace():
    inner = dnp.jit(lambda x: dnp.exp(x) + 1.0)
    outer = dnp.jit(lambda x: inner(x) * inner(2.0 * x))
    for _ in range(3):
        (x,) = arrays((5,))
        v = x.asnumpy()
        assert_same(outer(x), (numpy.exp(v) + 1.0) * (numpy.exp(2.0 * v) + 1.0))
    assert inner.traces == 0 and outer.traces == 1


def test_arguments_that_cannot_be_keyed_run_the_function_methods_too():
    jitted = dnp.jit(lambda x, host: x + dnp.asarray(host))
    (x,) = arrays((3,))
    for _ in range(2):
        host = RNG.standard_normal(3)
        assert_same(jitted(x, host), x.asnumpy() + host)
    assert jitted.traces == 0

    class Model:
        scale = 2.0

        @dnp.jit
        def forward(self, x):
            return x * self.scale

    model = Model()
    for scale in (2.0, 3.0):
        model.scale = scale  # an object's attributes: read at every call
        assert_same(model.forward(x), x.asnumpy() * scale)
    assert Model.forward.traces == 0


def test_pending_inputs_are_waited_for():
    jitted = dnp.jit(autograd.value_and_grad(log_joint))
    w, X, y = logreg_inputs()
    with dnp.engine.engine("threaded", inline_limit=0):  # every op pushed to the workers
        jitted(w, X, y)
        for k in range(3):
            held = dnp.zeros_like(w)
            with opened_when_blocked(filled_later(held, w.asnumpy())):  # opened once waited for
                w2 = dnp.sin(held) * float(k + 2)  # pending when the replay is called
                value, grad = jitted(w2, X, y)
            eager = autograd.value_and_grad(log_joint)(w2, X, y)
            assert_same((value, grad), to_numpy(eager))
    assert jitted.traces == 1 and jitted.eager_reasons == []  # replays, each waiting for w2


def test_threads_replay_one_function_on_their_own_arrays():
    jitted = dnp.jit(autograd.value_and_grad(mlp_loss, (0, 2)))
    eager = autograd.value_and_grad(mlp_loss, (0, 2))
    inputs = [mlp_inputs() for _ in range(4)]
    wants = [to_numpy(eager(*args)) for args in inputs]

    def work(i):
        for _ in range(20):
            assert_same(jitted(*inputs[i]), wants[i])

    run_threads(work, 4)


# --- random programs: the replay equals running the function -------------------------------------
UNARY = ["exp", "sin", "tanh", "negative", "square", "abs"]
BINARY = ["add", "subtract", "multiply", "maximum"]


def program_of(steps):
    """A function of three (4, 5) arrays: elementwise ops, reductions, matmul, views, writes
    into arrays it made (``__setitem__``, ``+=``, ``out=``); it returns all it made."""

    def f(x0, x1, x2):
        pool = [x0 * 1.0, x1 - 0.0, dnp.asarray(x2, copy=True)]
        for kind, i, j in steps:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            if kind == "unary":
                pool.append(getattr(dnp, UNARY[j % len(UNARY)])(a))
            elif kind == "binary" and a.shape == b.shape:
                pool.append(getattr(dnp, BINARY[i % len(BINARY)])(a, b))
            elif kind == "scalar":
                pool.append(a * (1.0 + j / 7) - 0.25)
            elif kind == "reduce":
                pool.append(dnp.sum(a, axis=j % a.ndim) if a.ndim else dnp.mean(a))
            elif kind == "matmul" and a.ndim == 2:
                pool.append(a @ a.T)
            elif kind == "view" and a.ndim == 2:
                pool.append(a.T if j % 2 else a[1:, ::2])
            elif kind == "setitem" and a.ndim >= 1 and a.shape[0] > 1:
                a[j % a.shape[0]] = float(i % 5)
            elif kind == "iadd" and a.shape == b.shape and a is not b:
                a += b
            elif kind == "out" and a.shape == b.shape and a is not b:
                dnp.multiply(a, 0.75, out=b)
            elif kind == "argument":  # writes into an argument (through a view, at times)
                x = (x0, x1, x2)[i % 3]
                target = x if j % 2 else x[::2]
                if a.shape == target.shape:
                    target += a
        return pool

    return f


STEP_KINDS = [
    *("unary", "binary", "scalar", "reduce", "matmul", "view", "setitem", "iadd", "out"),
    "argument",
]


def steps_of(kinds: list[str], most: int):
    """Programs as lists of (kind, i, j): a step's kind and which arrays of the pool it takes."""
    step = st.tuples(st.sampled_from(kinds), st.integers(0, 30), st.integers(0, 30))
    return st.lists(step, min_size=1, max_size=most)


@settings(max_examples=150, deadline=None)
@given(steps=steps_of(STEP_KINDS, 20), seed=st.integers(0, 2**16))
def test_random_programs_replay_as_they_run(steps, seed):
    f = program_of(steps)
    jitted = dnp.jit(f)
    rng = numpy.random.default_rng(seed)
    for _ in range(3):
        args = [dnp.asarray(rng.uniform(-2, 2, (4, 5))) for _ in range(3)]
        copies = [a.copy() for a in args]
        want = to_numpy(f(*copies))
        assert_same(jitted(*args), want)
        assert_same(args, to_numpy(copies))  # the same writes into the arguments
    assert jitted.eager_reasons == []


SIGNED = ["negative", "add", "subtract", "multiply", "divide", "sum"]
SPECIAL = numpy.array([0.0, -0.0, 1.0, -1.0, numpy.inf, -numpy.inf, numpy.nan, 2.5])


@settings(max_examples=300, deadline=None)
@given(
    steps=st.sampled_from([SIGNED, [*SIGNED, "iadd", "argument"]]).flatmap(
        lambda kinds: steps_of(kinds, 25)
    ),
    every=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_arithmetic_with_signed_zeros_infinities_and_nans_replays_exactly(
    steps, every, seed
):
    """Negations carried into products, sums and differences (``dnp._jit._signs.Signs``) give the
    same values, zeros of the same sign included; also on memory a later step writes (the
    arguments, arrays written with +=), where they are carried where they stand, and with
    intermediates that are not returned (``every`` false: the last three only)."""

    def f(x, y):
        pool = [x, y, -x, y * -1.0]
        for kind, i, j in steps:
            a, b = pool[i % len(pool)], pool[j % len(pool)]
            if kind == "negative":
                pool.append(-a)
            elif kind == "sum":  # 0-d: a negation of it is best computed before it spreads
                pool.append(dnp.sum(a))
            elif kind == "iadd":
                if a.shape == b.shape and a is not b:
                    a += b
            elif kind == "argument":
                target = (x, y)[i % 2]
                if b.shape == target.shape and b is not target:
                    target -= b
            else:
                pool.append(getattr(dnp, kind)(a, b))
        return [p * 1.0 for p in (pool[2:] if every else pool[-3:])]  # fresh arrays

    jitted = dnp.jit(f)
    rng = numpy.random.default_rng(seed)
    with dnp.errstate(all="ignore"):
        for _ in range(3):
            args = [dnp.asarray(rng.choice(SPECIAL, 16)) for _ in range(2)]
            copies = [a.copy() for a in args]
            assert_same(jitted(*args), to_numpy(f(*copies)))
            assert_same(args, to_numpy(copies))
    assert jitted.eager_reasons == []


def test_negations_are_carried_not_computed():
    jitted = dnp.jit(lambda a, b: (-(-a * b)) - (-a) * (-b) + (-a) / b)
    a, b = arrays((5,), (5,))
    jitted(a, b)
    (source,) = jitted.programs()
    assert "negative" not in source  # -(-a*b) is a*b, (-a)*(-b) is a*b, x + (-a)/b is x - a/b
    v, w = a.asnumpy(), b.asnumpy()
    assert_same(jitted(a, b), (-(-v * w)) - (-v) * (-w) + (-v) / w)

    def mixed(a, b):  # negated 0-d factors (negated where they are small), outputs, literals
        s = -a.sum()
        return [s * b, s * (-b) + 1.0, a / (-b.sum()), (-a) * True + (-a) * [1.0, 2.0, 3.0, 4, 5]]

    jitted = dnp.jit(mixed)
    for _ in range(3):
        a, b = arrays((5,), (5,))
        assert_same(jitted(a, b), to_numpy(mixed(a, b)))
    assert jitted.eager_reasons == []


def test_arithmetic_on_0d_floats_replays_as_numpy_scalar_arithmetic():
    """Sums, differences, products, quotients and negations of 0-d float32 and float64 values
    (and booleans) replay as Python operators on NumPy's scalars: NumPy's values, dtypes and
    signed zeros, and its floating-point errors (the replay warns, or raises and f raises)."""

    def f(x, y):
        s, t = dnp.sum(x), dnp.sum(y)
        h = dnp.sum(x.astype(dnp.float32))
        last = [h * (s > t), 1.0 / (s >= t)]  # booleans into float results
        return [(s * t - s) / t, -(s + 1.5), h * 3.0 - 1, h / s, dnp.sum(x * (s - t)), *last]

    jitted = dnp.jit(f)
    x, y = arrays((4,), (3,))
    jitted(x, y)
    (source,) = jitted.programs()
    assert all(f" {op} " in source for op in "+-*/") and "(-" in source
    cases = [arrays((4,), (3,)), [dnp.asarray([0.0, -0.0, 0, 0]), dnp.asarray([-0.0, 0, 0])]]
    cases.append([dnp.asarray([numpy.inf, 1, 2, 3]), dnp.asarray([numpy.nan, 0, 0])])
    with dnp.errstate(all="ignore"):
        for x, y in cases:
            assert_same(jitted(x, y), to_numpy(f(x, y)))
    zero = [dnp.asarray([1.0, 2, 3, 4]), dnp.zeros(3)]
    with dnp.errstate(divide="warn", invalid="ignore"):
        jitted(*arrays((4,), (3,)))  # traced in this state
        with pytest.warns(RuntimeWarning, match="divide"):
            jitted(*zero)
    with dnp.errstate(divide="raise", invalid="ignore"):
        jitted(*arrays((4,), (3,)))
        with pytest.raises(FloatingPointError):
            jitted(*zero)
    assert jitted.traces == 4 and jitted.eager_reasons == []  # one per errstate


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8"])
def test_python_numbers_in_ufuncs_and_where_replay_as_arrays_of_their_loop_dtype(dtype):
    """Python ints and floats among a ufunc's inputs, and among ``where``'s choices when the
    result is a float, are 0-d arrays of the dtype NumPy casts them to, made once: NumPy's
    values and dtypes, with infinities, huge numbers and signed zeros."""

    def f(x, m):
        return [
            x * 0.1 + 3,
            2.5 - x,
            x > 1e40,
            dnp.where(m, x, -dnp.inf),
            dnp.where(m, -0.0, x * 1.5),
            dnp.where(m, 1.5, 2),
            dnp.where(m, x * 1.0, 7),
        ]

    jitted = dnp.jit(f)
    for _ in range(3):
        x = dnp.asarray((10 * RNG.standard_normal(6)).astype(dtype))
        m = dnp.asarray(RNG.random(6) < 0.5)
        with dnp.errstate(over="ignore"):
            assert_same(jitted(x, m), to_numpy(f(x, m)))
    (plan,) = jitted._plans.values()
    names = plan.program.fn.__globals__
    calls = re.findall(r"\b(k\d+)\(([^()]*)\)", plan.program.source)
    where = [args.split(", ") for k, args in calls if names[k] is numpy.where]
    assert len(where) == 4
    for args in where:  # no Python number is left among the choices
        values = [names[a] for a in args[1:] if a[0] == "v"]
        assert all(type(v) is numpy.ndarray and not v.flags.writeable for v in values)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int64"])
def test_plain_sums_replay_as_the_ufunc_reduce(dtype):
    """A sum of a float array over ``axis`` (``keepdims``) only is replayed as
    ``numpy.add.reduce`` (its row's ``replay`` fact); other sums as the row's kernel."""
    from dnp._ops import OPS

    def f(x, w, v):
        return [
            dnp.sum(x),
            dnp.sum(v),
            dnp.sum(x, axis=0),
            dnp.sum(x, axis=(0, 2), keepdims=True),
            dnp.sum(x, axis=-1),
            dnp.sum(x, where=w),
        ]

    jitted = dnp.jit(f)
    mask = dnp.asarray(RNG.random((3, 4, 5)) < 0.5)
    for _ in range(3):
        x, v = (dnp.asarray((100 * RNG.standard_normal(s)).astype(dtype)) for s in ((3, 4, 5), 7))
        assert_same(jitted(x, mask, v), to_numpy(f(x, mask, v)))
    (plan,) = jitted._plans.values()
    names = plan.program.fn.__globals__
    kernels = [names[k] for k in re.findall(r"\b(k\d+)\(", plan.program.source)]
    plain = [k == numpy.add.reduce or getattr(k, "__name__", "") == "_add_reduce" for k in kernels]
    assert plain == [dtype != "int64"] * 5 + [False]
    assert kernels[-1] is OPS["sum"].kernel(numpy)


@pytest.mark.parametrize("under", ["ignore", "raise"])
@pytest.mark.parametrize("size", [30, 1000])
def test_log_expit_replays_its_forwards_kernel(size, under):
    """log_expit's ``replay`` fact: SciPy's ufunc below ``_SCIPY_BELOW`` elements, the six
    passes where the step's errstate ignores underflow (exp(-|x|) underflows for |x| > 745),
    else its forward, which ignores it itself: the same values, and no FloatingPointError."""
    from dnp._ops.scipy_special import _SCIPY_BELOW

    jitted = dnp.jit(lambda x: dnp.scipy.special.log_expit(x) * 1.0)
    with dnp.errstate(under=under):
        for scale in (1.0, 1000.0, 1e4):
            x = dnp.asarray(scale * RNG.standard_normal(size))
            assert_same(jitted(x), scipy_log_expit(x.asnumpy(), size < _SCIPY_BELOW))
    (plan,) = jitted._plans.values()
    kernel = plan.program.fn.__globals__["k0"]
    name = getattr(kernel, "__name__", "")
    assert name == (
        "log_expit" if size < _SCIPY_BELOW else "_log_expit_numpy" if under == "ignore" else ""
    )


def scipy_log_expit(x, scipy_s: bool):
    """SciPy's log_expit, or the six passes (dnp's on larger arrays)."""
    import scipy.special

    if scipy_s:
        return scipy.special.log_expit(x)
    with numpy.errstate(under="ignore"):
        return numpy.minimum(x, 0) - numpy.log1p(numpy.exp(-numpy.abs(x)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int64"])
def test_matrix_vector_products_replay_as_the_gufunc_computes_them(dtype):
    """matmul, matvec and vecmat of a matrix and a vector of one real float dtype replay as
    ``ndarray.dot`` (their rows' ``replay`` fact) where both are C-ordered, else as the gufunc:
    the same values either way, for C-ordered inputs and for transposed and strided views
    passed to the same trace."""

    def f(m, v, w):
        return [m @ v, dnp.matvec(m, v), dnp.vecmat(w, m), w @ m]

    jitted = dnp.jit(f)
    for k in range(4):
        big = (100 * RNG.standard_normal((14, 18))).astype(dtype)
        layouts = [big[:7, :9], big[:9, :7].T, big[::2, ::2], numpy.ascontiguousarray(big[:7, :9])]
        m = dnp.asarray(layouts[k]) if k != 1 else dnp.asarray(big[:9, :7]).T
        v, w = (dnp.asarray((RNG.standard_normal(n)).astype(dtype)) for n in (9, 7))
        assert_same(jitted(m, v, w), to_numpy(f(m, v, w)))
    (plan,) = jitted._plans.values()
    names = plan.program.fn.__globals__
    kernels = [names[k] for k in re.findall(r"\b(k\d+)\(", plan.program.source)]
    dots = [getattr(k, "__name__", "") == "dot_when_c_ordered" for k in kernels]
    assert dots == [dtype in ("float32", "float64")] * 4


# --- every conformance case of the op table, traced and replayed ---------------------------------
OP_MODULES = [
    *("elementwise", "creation", "fft", "indexing", "linalg", "logic", "manipulation"),
    *("methods", "numerical", "reductions", "sets", "sorting", "scipy_special", "scipy_linalg"),
]
NONDETERMINISTIC = {"pad-empty"}  # uninitialized memory
# Why a case may run eagerly: a rule of dnp.jit (its docstring) that the case breaks. Any other
# reason (its trace "could not be traced" or "could not be built") is a fault of dnp's.
EAGER_RULES = re.compile(
    r"dnp\.\S+ raised while tracing$"
    r"|dnp\.\S+: its result depends on values$"
    r"|a value was read back into Python while tracing \(a sync point\)$"
    r"|dnp\.\S+ writes into NumPy data f passed to dnp$"
    r"|it returns NumPy data it passed to dnp \(not a copy\)$"
    r"|dnp\.\S+ returned (a Python value|\w+ values)$"
    r"|it returns a \w+$"
)


@pytest.mark.parametrize("pushed", [False, True], ids=["inline", "pushed"])
@pytest.mark.parametrize("module", OP_MODULES)
def test_every_op_case_replays_as_it_runs_or_runs(module, pushed, monkeypatch):
    """Each case of ``tests/ops`` (its inputs made inside from host data), jitted: the trace and
    a replay give what running it gives, bit for bit, or the same exception type; with ops
    run inline, or every op pushed to the workers (the trace records pending arrays). A case
    replays unless it raised while tracing or breaks one of jit's rules; a replay raises only
    where running the case raises."""
    cases = importlib.import_module(f"tests.ops.test_{module}").CASES
    failed_replays = []
    failed = dnp._jit._replay.Plan._failed
    monkeypatch.setattr(
        dnp._jit._replay.Plan,
        "_failed",
        lambda plan, exc: failed_replays.append(exc) or failed(plan, exc),
    )
    with dnp.engine.engine("threaded", inline_limit=0 if pushed else sys.maxsize):
        for c in cases:
            if c.id in NONDETERMINISTIC:
                continue
            status, want = run_dnp(c.body, "cpu")
            jitted = dnp.jit(lambda c=c: c.body(dnp))
            failed_replays.clear()
            for _ in range(2):  # the trace, then a replay
                got_status, got = run_dnp(lambda xp, f=jitted: f(), "cpu")
                assert got_status == status, (c.id, want, got)
                try:
                    if status == "raised":
                        assert type(got) is type(want)
                    else:
                        assert_same(got, to_numpy(want))
                except AssertionError as exc:
                    raise AssertionError(f"{c.id}: {exc}") from exc
            reasons = jitted.eager_reasons
            if status == "raised" and jitted.traces == 0:
                continue  # it raised while tracing, and f's error went to the caller
            assert jitted.traces == 1, c.id
            assert all(EAGER_RULES.search(r) for r in reasons), (c.id, reasons)
            assert status == "raised" or not failed_replays, (c.id, failed_replays)


@pytest.mark.gpu
def test_replay_on_the_gpu_equals_the_cpu():
    eager = autograd.value_and_grad(mlp_loss, (0, 1, 2, 3))
    jitted = dnp.jit(autograd.value_and_grad(mlp_loss, (0, 1, 2, 3)))
    for _ in range(3):
        args = mlp_inputs()
        gpu_args = [a.to_device("gpu") for a in args]
        value, grads = jitted(*gpu_args)
        want_value, want_grads = eager(*args)
        numpy.testing.assert_allclose(float(value), float(want_value), rtol=1e-12)
        for g, w in zip(grads, want_grads, strict=True):
            assert g.device == gpu_args[0].device
            numpy.testing.assert_allclose(g.asnumpy(), w.asnumpy(), rtol=1e-10, atol=1e-12)
    assert jitted.eager_reasons == []
