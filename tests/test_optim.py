"""``dnp.optim``: each optimizer against a NumPy transcription of PyTorch's update rule, gradient
clipping, the schedules against optax's and PyTorch's formulas, jit replays, the in-place API
and bad arguments."""

from __future__ import annotations

import inspect
import math
import pickle

import numpy
import pytest

import dnp
from dnp import optim


# --- NumPy references: PyTorch's update rules, one leaf over a sequence of gradients ----------
def ref_sgd(p, grads, learning_rate, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    buf = None
    for g in grads:
        g = g + weight_decay * p if weight_decay else g
        if momentum:
            buf = g if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - learning_rate * g
    return p


def ref_adam(p, grads, learning_rate, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, w=False):
    b1, b2 = betas
    m = v = numpy.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if w:  # AdamW: decoupled
            p = p * (1 - learning_rate * weight_decay)
        elif weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step_size = float(learning_rate / (1 - numpy.power(b1, numpy.int64(t))))
        bc2_sqrt = float(numpy.sqrt(1 - numpy.power(b2, numpy.int64(t))))
        p = p - step_size * (m / (numpy.sqrt(v) / bc2_sqrt + eps))
    return p


def ref_adamw(p, grads, learning_rate, weight_decay=1e-2, **kw):
    return ref_adam(p, grads, learning_rate, weight_decay=weight_decay, w=True, **kw)


def ref_rmsprop(
    p, grads, learning_rate, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    sq, avg, buf = numpy.zeros_like(p), numpy.zeros_like(p), numpy.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p if weight_decay else g
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            avg = alpha * avg + (1 - alpha) * g
            denom = numpy.sqrt(sq - avg * avg) + eps
        else:
            denom = numpy.sqrt(sq) + eps
        if momentum:
            buf = momentum * buf + g / denom
            p = p - learning_rate * buf
        else:
            p = p - learning_rate * (g / denom)
    return p


def ref_adagrad(
    p,
    grads,
    learning_rate,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
):
    total = numpy.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = g + weight_decay * p if weight_decay else g
        total = total + g * g
        clr = learning_rate / (1 + (t - 1) * lr_decay)
        p = p - clr * (g / (numpy.sqrt(total) + eps))
    return p


CASES = [
    (optim.SGD, ref_sgd, dict(learning_rate=0.1)),
    (optim.SGD, ref_sgd, dict(learning_rate=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (optim.SGD, ref_sgd, dict(learning_rate=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.Adam, ref_adam, dict(learning_rate=0.01)),
    (optim.Adam, ref_adam, dict(learning_rate=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (optim.AdamW, ref_adamw, dict(learning_rate=0.01)),
    (optim.AdamW, ref_adamw, dict(learning_rate=0.02, betas=(0.5, 0.9), weight_decay=0.3)),
    (optim.RMSprop, ref_rmsprop, dict(learning_rate=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(learning_rate=0.01, alpha=0.9, centered=True)),
    (optim.RMSprop, ref_rmsprop, dict(learning_rate=0.01, momentum=0.5, weight_decay=0.01)),
    (
        optim.RMSprop,
        ref_rmsprop,
        dict(learning_rate=0.01, alpha=0.8, momentum=0.7, centered=True, weight_decay=0.05),
    ),
    (optim.Adagrad, ref_adagrad, dict(learning_rate=0.1)),
    (
        optim.Adagrad,
        ref_adagrad,
        dict(learning_rate=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.2),
    ),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _, _) in enumerate(CASES)]
STEPS = 12


def _problem(dtype, seed=0):
    """Random params (nested: a dict holding a dict and a list) and STEPS gradients of each."""
    rng = numpy.random.default_rng(seed)
    shapes = {"w": (3, 4), "b": (4,), "c": ()}
    params = {k: rng.normal(size=s).astype(dtype) for k, s in shapes.items()}
    grads = [{k: rng.normal(size=s).astype(dtype) for k, s in shapes.items()} for _ in range(STEPS)]
    return params, grads


def _nest(d, wrap=dnp.array):  # a copy: asarray would share the NumPy data
    return {"layer": {"w": wrap(d["w"])}, "rest": [wrap(d["b"]), (wrap(d["c"]),)]}


def _run(opt, params, grads):
    """``opt`` over the gradients, on the nested dnp copy of ``params``; the final values."""
    nested = _nest(params)
    state = opt.init(nested)
    for g in grads:
        opt.update(nested, _nest(g), state)
    assert opt.step_count(state) == len(grads)
    return {
        "w": nested["layer"]["w"].asnumpy(),
        "b": nested["rest"][0].asnumpy(),
        "c": nested["rest"][1][0].asnumpy(),
    }


@pytest.mark.parametrize(("cls", "ref", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_optimizer_matches_reference(cls, ref, kwargs, dtype):
    params, grads = _problem(dtype)
    got = _run(cls(**kwargs), params, grads)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == numpy.float64 else dict(rtol=1e-6, atol=1e-7)
    for k, p in params.items():
        want = ref(p, [g[k] for g in grads], **kwargs)
        assert got[k].dtype == want.dtype == dtype
        numpy.testing.assert_allclose(got[k], want, **tol)


def test_defaults_are_pytorchs():
    def defaults(cls):
        return {
            k: v.default
            for k, v in inspect.signature(cls).parameters.items()
            if v.default is not inspect.Parameter.empty
        }

    adam = {"learning_rate": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    assert adam.items() <= defaults(optim.Adam).items()
    assert defaults(optim.AdamW)["weight_decay"] == 1e-2
    rmsprop = {"learning_rate": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0}
    assert rmsprop.items() <= defaults(optim.RMSprop).items()
    assert defaults(optim.Adagrad)["eps"] == 1e-10


def test_adamw_decays_the_parameter_not_the_gradient():
    params, grads = _problem(numpy.float64, seed=1)
    lr, wd = 0.01, 0.3
    plain = _run(optim.Adam(lr), params, grads[:1])
    decoupled = _run(optim.AdamW(lr, weight_decay=wd), params, grads[:1])
    coupled = _run(optim.Adam(lr, weight_decay=wd), params, grads[:1])
    for k, p in params.items():  # one step: AdamW = Adam's step on p * (1 - lr * wd)
        numpy.testing.assert_allclose(decoupled[k] - plain[k], -lr * wd * p, rtol=1e-9, atol=1e-15)
        assert not numpy.allclose(coupled[k], decoupled[k])
    assert_same = _run(optim.AdamW(lr, weight_decay=0.0), params, grads)
    for k, v in _run(optim.Adam(lr), params, grads).items():
        numpy.testing.assert_array_equal(assert_same[k], v)


# --- clipping ---------------------------------------------------------------------------------
def test_clip_by_global_norm():
    rng = numpy.random.default_rng(2)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=5)
    norm = math.sqrt((a**2).sum() + (b**2).sum())
    grads = {"a": dnp.asarray(a), "rest": [dnp.asarray(b), None]}
    clipped = optim.clip_by_global_norm(grads, norm / 2)
    assert clipped["rest"][1] is None
    numpy.testing.assert_allclose(clipped["a"].asnumpy(), a / 2, rtol=1e-15)
    numpy.testing.assert_allclose(clipped["rest"][0].asnumpy(), b / 2, rtol=1e-15)
    total = math.sqrt(sum((x.asnumpy() ** 2).sum() for x in (clipped["a"], clipped["rest"][0])))
    assert total == pytest.approx(norm / 2, rel=1e-14)
    same = optim.clip_by_global_norm(grads, norm * 1.01)
    numpy.testing.assert_array_equal(same["a"].asnumpy(), a)
    numpy.testing.assert_array_equal(same["rest"][0].asnumpy(), b)
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_by_global_norm(grads, 0.0)


def test_clipping_options_clip_value_then_global_norm():
    params, grads = _problem(numpy.float64, seed=3)
    got = _run(optim.SGD(0.1, clip_value=0.5, clip_norm=1.0), params, grads)
    want = dict(params)
    for g in grads:
        clipped = {k: numpy.clip(v, -0.5, 0.5) for k, v in g.items()}
        norm = math.sqrt(sum((v**2).sum() for v in clipped.values()))
        for k, v in clipped.items():
            want[k] = want[k] - 0.1 * (v * (1.0 / max(norm, 1.0)))
    for k in params:
        numpy.testing.assert_allclose(got[k], want[k], rtol=1e-12)
    value_only = _run(optim.SGD(1.0, clip_value=0.3), params, grads[:1])
    for k, p in params.items():
        numpy.testing.assert_allclose(value_only[k], p - numpy.clip(grads[0][k], -0.3, 0.3))


# --- schedules --------------------------------------------------------------------------------
COUNTS = numpy.array([0, 1, 4, 5, 9, 10, 11, 19, 20, 37, 99, 100, 150])


def optax_piecewise(init_value, boundaries_and_scales, count):
    """optax.piecewise_constant_schedule, written in NumPy."""
    v = init_value
    for boundary, scale in sorted(boundaries_and_scales.items()):
        v = v * numpy.where(count < boundary, 1.0, scale)
    return v


def optax_cosine(init_value, decay_steps, alpha, count):
    """optax.cosine_decay_schedule (exponent 1), written in NumPy."""
    count = numpy.minimum(count, decay_steps)
    decayed = (1 - alpha) * 0.5 * (1 + numpy.cos(numpy.pi * count / decay_steps)) + alpha
    return init_value * decayed


def torch_cosine_annealing(base_lr, t_max, eta_min, epoch):
    """PyTorch's CosineAnnealingLR closed form (before T_max)."""
    return eta_min + (base_lr - eta_min) * (1 + numpy.cos(numpy.pi * epoch / t_max)) / 2


SCHEDULES = {
    "constant": (optim.constant(0.3), lambda c: numpy.full(c.shape, 0.3)),
    "step": (optim.step(1.0, 10, gamma=0.5), lambda c: 1.0 * 0.5 ** (c // 10)),
    "piecewise_constant": (
        optim.piecewise_constant([10, 20], [1.0, 0.5, 0.1]),
        lambda c: optax_piecewise(1.0, {10: 0.5, 20: 0.2}, c),
    ),
    "exponential": (optim.exponential_decay(0.1, 10, 0.5), lambda c: 0.1 * 0.5 ** (c / 10)),
    "exponential_staircase": (
        optim.exponential_decay(0.1, 10, 0.5, staircase=True),
        lambda c: 0.1 * 0.5 ** numpy.floor(c / 10),
    ),
    "cosine": (optim.cosine_decay(0.1, 100, alpha=0.1), lambda c: optax_cosine(0.1, 100, 0.1, c)),
    "warmup": (
        optim.linear_warmup(optim.cosine_decay(0.2, 50), 10),
        lambda c: numpy.where(c < 10, 0.2 * c / 10, optax_cosine(0.2, 50, 0.0, c - 10)),
    ),
    "warmup_constant": (
        optim.linear_warmup(0.5, 4, init_value=0.1),
        lambda c: numpy.where(c < 4, 0.1 + 0.4 * c / 4, 0.5),
    ),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_values(name):
    schedule, formula = SCHEDULES[name]
    want = formula(COUNTS.astype(float))
    got = numpy.array([float(schedule(int(c))) for c in COUNTS])
    numpy.testing.assert_allclose(got, want, rtol=1e-14)
    on_array = schedule(dnp.asarray(COUNTS[5]))  # the optimizers pass a 0-d int64 array
    assert isinstance(on_array, dnp.ndarray) and float(on_array) == got[5]


def test_cosine_decay_is_pytorchs_cosine_annealing():
    got = numpy.array([float(optim.cosine_decay(0.1, 100, alpha=0.2)(int(c))) for c in COUNTS])
    clipped = numpy.minimum(COUNTS, 100)
    numpy.testing.assert_allclose(got, torch_cosine_annealing(0.1, 100, 0.02, clipped), rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.step(1.0, 0),
        lambda: optim.piecewise_constant([10, 20], [1.0, 0.5]),
        lambda: optim.piecewise_constant([20, 10], [1.0, 0.5, 0.1]),
        lambda: optim.exponential_decay(0.1, 0, 0.5),
        lambda: optim.cosine_decay(0.1, 0),
        lambda: optim.linear_warmup(0.1, 0),
    ],
)
def test_bad_schedules(make):
    with pytest.raises(ValueError):
        make()


def test_scheduled_learning_rate_is_taken_at_the_steps_before():
    params, grads = _problem(numpy.float64, seed=4)
    got = _run(optim.SGD(optim.exponential_decay(0.1, 3, 0.5)), params, grads)
    for k, p in params.items():
        for t, g in enumerate(grads):
            p = p - 0.1 * 0.5 ** (t / 3) * g[k]
        numpy.testing.assert_allclose(got[k], p, rtol=1e-12)


# --- jit, convergence, the in-place API, state --------------------------------------------------
JITTED = [
    lambda: optim.Adam(optim.cosine_decay(0.05, 15, alpha=0.1), weight_decay=0.01, clip_norm=1.0),
    lambda: optim.SGD(optim.step(0.05, 7), momentum=0.9, nesterov=True, clip_value=0.5),
    lambda: optim.AdamW(optim.linear_warmup(0.03, 5)),
    lambda: optim.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: optim.Adagrad(optim.piecewise_constant([6, 12], [0.1, 0.05, 0.01]), lr_decay=0.1),
]


@pytest.mark.parametrize("make", JITTED, ids=["Adam", "SGD", "AdamW", "RMSprop", "Adagrad"])
def test_jitted_step_replays_the_eager_one_bit_for_bit(make):
    rng = numpy.random.default_rng(5)
    x, y = dnp.asarray(rng.normal(size=(16, 3))), dnp.asarray(rng.normal(size=16))
    w0, b0 = rng.normal(size=3), rng.normal(size=())

    def loss(p, x, y):
        return dnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    def trainer():
        params, opt = {"w": dnp.array(w0), "b": dnp.array(b0)}, make()
        state = opt.init(params)

        def train_step(params, x, y):
            value, grads = dnp.autograd.value_and_grad(loss)(params, x, y)
            opt.update(params, grads, state)
            return value

        return params, state, train_step

    eager_params, eager_state, eager_step = trainer()
    jit_params, jit_state, step = trainer()
    jitted = dnp.jit(step)
    for _ in range(20):
        assert float(jitted(jit_params, x, y)) == float(eager_step(eager_params, x, y))
    assert jitted.traces == 1 and jitted.eager_reasons == [] and jitted.programs()
    assert int(jit_state.count) == int(eager_state.count) == 20
    for k in ("w", "b"):
        numpy.testing.assert_array_equal(jit_params[k].asnumpy(), eager_params[k].asnumpy())


def test_state_may_be_a_jit_argument():
    def loss(p):
        return dnp.sum((p["w"] - 1.0) ** 2)

    def train_step(params, state):
        value, grads = dnp.autograd.value_and_grad(loss)(params)
        opt.update(params, grads, state)
        return value

    opt = optim.Adam(optim.exponential_decay(0.1, 5, 0.5))
    eager, traced = {"w": dnp.zeros(4)}, {"w": dnp.zeros(4)}
    eager_state, traced_state = opt.init(eager), opt.init(traced)
    jitted = dnp.jit(train_step)
    for _ in range(20):
        assert float(jitted(traced, traced_state)) == float(train_step(eager, eager_state))
    assert jitted.eager_reasons == [] and jitted.programs()
    numpy.testing.assert_array_equal(traced["w"].asnumpy(), eager["w"].asnumpy())


@pytest.mark.parametrize(
    "opt",
    [
        optim.SGD(0.05, momentum=0.9),
        optim.Adam(0.1),
        optim.AdamW(0.1, weight_decay=0.0),
        optim.RMSprop(0.02, momentum=0.5),
        optim.Adagrad(0.5),
    ],
    ids=lambda o: type(o).__name__,
)
def test_converges_on_a_quadratic(opt):
    target = numpy.array([1.0, -2.0, 3.0])
    scale = dnp.asarray([1.0, 4.0, 0.5])

    def f(p):
        return dnp.sum(scale * (p["x"] - dnp.asarray(target)) ** 2)

    params = {"x": dnp.zeros(3)}
    state = opt.init(params)
    value_and_grad = dnp.autograd.value_and_grad(f)
    for _ in range(400):
        _, grads = value_and_grad(params)
        opt.update(params, grads, state)
    numpy.testing.assert_allclose(params["x"].asnumpy(), target, atol=1e-2)


def test_updates_in_place():
    w = dnp.asarray(numpy.arange(6.0).reshape(2, 3))
    view = w[1]
    params = {"w": w}
    opt = optim.Adam(0.1)
    state = opt.init(params)
    slot = state.slots["exp_avg"]["w"]
    assert opt.update(params, {"w": dnp.ones((2, 3))}, state) is None
    assert params["w"] is w and state.slots["exp_avg"]["w"] is slot
    numpy.testing.assert_allclose(w.asnumpy(), numpy.arange(6.0).reshape(2, 3) - 0.1, rtol=1e-7)
    numpy.testing.assert_array_equal(view.asnumpy(), w.asnumpy()[1])
    numpy.testing.assert_allclose(slot.asnumpy(), 0.1)


def test_a_none_grad_leaves_its_param():
    params = {"a": dnp.ones(2), "b": dnp.ones(2)}
    opt = optim.SGD(0.5)
    state = opt.init(params)
    opt.update(params, {"a": dnp.ones(2), "b": None}, state)
    assert params["a"].tolist() == [0.5, 0.5] and params["b"].tolist() == [1.0, 1.0]


def test_updates_are_not_recorded():
    x = dnp.ones(3)
    x.attach_grad()
    opt = optim.SGD(0.1, weight_decay=0.5)
    state = opt.init({"x": x})
    with dnp.autograd.record():
        opt.update({"x": x}, {"x": dnp.ones(3)}, state)
        assert dnp.autograd.is_recording()
        y = dnp.sum(2 * x)
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert x.tolist() == pytest.approx([0.85] * 3)


def test_state_pickles():
    params, grads = _problem(numpy.float64, seed=6)
    opt = optim.RMSprop(0.01, momentum=0.5, centered=True)
    nested = _nest(params)
    state = opt.init(nested)
    for g in grads[:3]:
        opt.update(nested, _nest(g), state)
    copy = pickle.loads(pickle.dumps(state))
    assert opt.step_count(copy) == 3 and list(copy.slots) == list(state.slots)
    twin = pickle.loads(pickle.dumps(nested))
    for g in grads[3:]:
        opt.update(nested, _nest(g), state)
        opt.update(twin, _nest(g), copy)
    numpy.testing.assert_array_equal(twin["layer"]["w"].asnumpy(), nested["layer"]["w"].asnumpy())
    assert opt.step_count(state) == 12


# --- bad arguments ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: optim.SGD(-0.1), "Invalid learning rate: -0.1"),
        (lambda: optim.Adam(-1e-3), "Invalid learning rate"),
        (lambda: optim.Adam(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda: optim.AdamW(betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
        (lambda: optim.Adam(eps=-1.0), "Invalid epsilon value"),
        (lambda: optim.SGD(0.1, momentum=-0.5), "Invalid momentum value"),
        (lambda: optim.SGD(0.1, nesterov=True), "Nesterov momentum requires a momentum"),
        (lambda: optim.RMSprop(weight_decay=-1.0), "Invalid weight_decay value"),
        (lambda: optim.RMSprop(alpha=-0.1), "Invalid alpha value"),
        (lambda: optim.Adagrad(lr_decay=-0.1), "Invalid lr_decay value"),
        (lambda: optim.Adam(clip_norm=0.0), "Invalid clip_norm value"),
        (lambda: optim.SGD(0.1, clip_value=-1.0), "Invalid clip_value value"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_params_and_grads():
    opt = optim.Adam()
    with pytest.raises(TypeError, match="floating dnp arrays"):
        opt.init({"w": numpy.ones(3)})
    with pytest.raises(TypeError, match="int64 array"):
        opt.init({"w": dnp.arange(3)})
    with pytest.raises(ValueError, match="empty parameter list"):
        opt.init({})
    params = {"w": dnp.ones(3), "b": dnp.zeros(2)}
    state = opt.init(params)
    grads = {"w": dnp.ones(3), "b": dnp.ones(2)}
    with pytest.raises(ValueError, match=r"params' structure: Dict key mismatch.*\['b', 'w'\]"):
        opt.update(params, {**grads, "v": dnp.ones(1)}, state)
    with pytest.raises(ValueError, match="params' structure: Dict key mismatch"):
        opt.update(params, {"w": grads["w"]}, state)
    with pytest.raises(ValueError, match="shape"):
        opt.update(params, {**grads, "b": dnp.ones(3)}, state)
    pair = [dnp.ones(3), dnp.ones(3)]
    with pytest.raises(ValueError, match="arity mismatch"):
        opt.update(pair, [dnp.ones(3)], opt.init(pair))
    assert opt.step_count(state) == 0 and params["w"].tolist() == [1.0] * 3
