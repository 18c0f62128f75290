"""dnp.random's surface, values and errors: NumPy's names, NumPy's numbers, NumPy's exceptions."""

import contextlib
import inspect
import pickle
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy
import pytest

import dnp
from dnp import autograd
from dnp.random._streams import Stream, sampler

DEVICES = dnp.devices()


def host(x):
    return x.asnumpy() if isinstance(x, dnp.ndarray) else numpy.asarray(x)


def same(a, b) -> bool:
    """Bit-identical values, dtypes and shapes."""
    a, b = host(a), host(b)
    return a.dtype == b.dtype and a.shape == b.shape and numpy.array_equal(a, b, equal_nan=True)


# --- the surface ---------------------------------------------------------------------------------
def test_every_numpy_random_name_exists():
    missing = [n for n in numpy.random.__all__ if not hasattr(dnp.random, n)]
    assert not missing


@pytest.mark.parametrize(
    "cls, ours",
    [
        (numpy.random.Generator, dnp.random.Generator),
        (numpy.random.RandomState, dnp.random.RandomState),
    ],
)
def test_methods_take_numpys_parameters(cls, ours):
    for name in (n for n in dir(cls) if not n.startswith("_")):
        theirs = getattr(cls, name)
        assert hasattr(ours, name), name
        if not callable(theirs):
            continue
        try:
            wanted = [p for p in inspect.signature(theirs).parameters if p != "self"]
        except ValueError:  # some legacy methods have no signature: their names are enough
            continue
        got = inspect.signature(getattr(ours, name)).parameters
        assert all(p in got or "args" in got for p in wanted), (name, wanted, list(got))


def test_module_functions_draw_from_one_seedable_stream():
    dnp.random.seed(7)
    first = (dnp.random.rand(3), dnp.random.randn(2, 2), dnp.random.randint(5, size=4))
    dnp.random.seed(7)
    again = (dnp.random.rand(3), dnp.random.randn(2, 2), dnp.random.randint(5, size=4))
    assert all(same(a, b) for a, b in zip(first, again, strict=True))
    assert isinstance(dnp.random.rand(), float)
    assert dnp.random.randint(5, size=4).dtype == numpy.random.randint(5, size=4).dtype


def test_get_state_and_set_state_are_numpys():
    dnp.random.seed(3)
    dnp.random.normal(size=2)
    state = dnp.random.get_state()
    assert state[0] == "MT19937"
    x = dnp.random.normal(size=5)
    dnp.random.set_state(state)
    assert same(dnp.random.normal(size=5), x)
    theirs = numpy.random.RandomState(11)
    theirs.random(4)
    dnp.random.set_state(theirs.get_state())
    assert same(dnp.random.standard_normal(6), theirs.standard_normal(6))
    assert dnp.random.get_state(legacy=False)["bit_generator"] == "MT19937"


def test_random_integers_warns_as_numpy_does():
    with pytest.warns(DeprecationWarning):
        x = dnp.random.RandomState(0).random_integers(3, size=1000)
    assert set(host(x).tolist()) == {1, 2, 3}


# --- NumPy's values: the same seed and calls give NumPy's numbers --------------------------------
def legacy_calls(rs, xp):
    """A seeded script's calls on NumPy's legacy interface (``rs`` a RandomState or the module),
    every kind of sampler, in order; ``xp`` makes the array arguments."""
    x = xp.arange(10.0)
    rs.shuffle(x)
    return [
        rs.random(3),
        rs.rand(2, 3),
        rs.randn(4),
        rs.randint(0, 10, size=5),
        rs.randint(5, size=(2, 2), dtype="int16"),
        rs.random_sample(2),
        rs.normal(1.0, 2.0, size=3),
        rs.uniform(-1, 1, size=3),
        rs.standard_normal(5),
        rs.exponential(2.0, size=3),
        rs.standard_gamma(0.5, size=4),
        rs.gamma(2.0, 3.0, size=4),
        rs.beta(0.5, 2.0, size=3),
        rs.binomial(10, 0.3, size=4),
        rs.poisson(3.0, size=4),
        rs.choice(5, size=3),
        rs.choice(xp.arange(6.0), size=4, replace=False, p=[0.1, 0.1, 0.2, 0.2, 0.2, 0.2]),
        rs.permutation(7),
        rs.permutation(xp.arange(12.0).reshape(4, 3)),
        x,
        rs.dirichlet([0.5, 1.0, 2.0], size=2),
        rs.multivariate_normal([0.0, 1.0], [[2.0, 0.3], [0.3, 1.0]], size=3),
        rs.standard_t(3.0, size=2),
        rs.rand(),
    ]


def test_the_legacy_functions_give_numpys_values():
    dnp.random.seed(0)
    assert same(dnp.random.random(3), [0.5488135039273248, 0.7151893663724195, 0.6027633760716439])
    dnp.random.seed(0)
    ours = legacy_calls(dnp.random, dnp)
    theirs = legacy_calls(numpy.random.RandomState(0), numpy)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert same(a, b), (i, a, b)
        assert type(a) is (float if isinstance(b, float) else dnp.ndarray), i
    assert same(
        dnp.random.RandomState(5).normal(size=4), numpy.random.RandomState(5).normal(size=4)
    )


def generator_calls(rng, xp):
    """A seeded script's calls on a Generator, every kind of sampler, in order."""
    x = xp.arange(12.0).reshape(3, 4)
    rng.shuffle(x, axis=1)
    return [
        rng.random(3),
        rng.random(2, dtype=numpy.float32),
        rng.integers(0, 10, size=5),
        rng.integers(5, size=(2, 2), dtype="int16", endpoint=True),
        rng.standard_normal(4),
        rng.normal(1.0, xp.asarray([1.0, 2.0, 3.0])),
        rng.uniform(-1, 1, size=3),
        rng.exponential(2.0, size=3),
        rng.laplace(0.5, 2.0, size=3),
        rng.logistic(0.5, 2.0, size=3),
        rng.gumbel(0.5, 2.0, size=3),
        rng.lognormal(0.0, 0.5, size=3),
        rng.standard_gamma(0.5, size=4),
        rng.gamma(2.0, 3.0, size=4),
        rng.beta(0.5, 2.0, size=3),
        rng.dirichlet([0.5, 1.0, 2.0], size=2),
        rng.binomial(10, 0.3, size=4),
        rng.poisson(3.0, size=4),
        rng.multinomial(10, [0.2, 0.3, 0.5], size=2),
        rng.choice(5, size=3),
        rng.choice(xp.arange(12.0).reshape(6, 2), size=4, replace=False),
        rng.permutation(7),
        rng.permutation(xp.arange(12.0).reshape(4, 3), axis=1),
        rng.permuted(xp.arange(6.0)),
        x,
        rng.multivariate_normal([0.0, 1.0], [[2.0, 0.3], [0.3, 1.0]], size=3),
        rng.standard_t(3.0, size=2),
        rng.normal(),
    ]


@pytest.mark.parametrize("seed", [0, 42, [1, 2, 3]], ids=str)
def test_a_generator_gives_numpys_values(seed):
    ours = generator_calls(dnp.random.default_rng(seed), dnp)
    theirs = generator_calls(numpy.random.default_rng(seed), numpy)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert same(a, b), (i, a, b)
    kids, their_kids = (
        dnp.random.default_rng(seed).spawn(2),
        numpy.random.default_rng(seed).spawn(2),
    )
    for k, t in zip(kids, their_kids, strict=True):
        assert same(k.standard_normal(5), t.standard_normal(5))


def test_a_numpy_bit_generator_is_drawn_from_as_it_stands():
    bits = numpy.random.PCG64(7)
    numpy.random.Generator(bits).random(5)  # moved on: dnp carries on from there, as NumPy would
    expected = numpy.random.Generator(numpy.random.PCG64(7))
    expected.random(5)
    rng = dnp.random.default_rng(bits)
    assert same(rng.random(4), expected.random(4))
    assert rng.bit_generator is bits
    seq = numpy.random.SeedSequence(5)
    assert same(dnp.random.Generator(seq).random(4), numpy.random.default_rng(seq).random(4))
    theirs = numpy.random.default_rng(3)
    assert same(dnp.random.default_rng(theirs).random(2), numpy.random.default_rng(3).random(2))


@pytest.mark.parametrize("workers", [1, 2])
def test_draws_take_the_generators_state_in_program_order(workers):
    """Under the threaded engine, with every op pushed: draws whose parameters pending ops
    compute, and draws between them, take the state in the order the program makes them."""

    def program(xp, rng):
        loc = xp.sin(xp.linspace(0.0, 3.0, 50_000))
        out = []
        for k in range(6):
            out.append(rng.normal(loc, 1.0))  # waits for loc, then draws
            loc = loc * 1.5 + float(k)  # pushed
            out.append(rng.integers(0, 100, size=7))
            out.append(xp.exp(-xp.abs(loc)).sum())
        return out

    expected = program(numpy, numpy.random.default_rng(1))
    with dnp.engine.engine("threaded", num_workers=workers, inline_limit=0):
        got = program(dnp, dnp.random.default_rng(1))
        for a, b in zip(got, expected, strict=True):
            assert same(a, b)


def test_a_calls_ticket_draws_once():
    """Running a sampling op twice would shift every later value: it raises instead."""
    draw = Stream(numpy.random.default_rng(0), numpy.random.SeedSequence(0)).take()
    sample = sampler("standard_normal").kernel(numpy)
    sample(draw, 3)
    with pytest.raises(RuntimeError, match="drew twice"):
        sample(draw, 3)


def test_a_calls_values_do_not_depend_on_other_work():
    quiet = dnp.random.default_rng(5)
    busy = dnp.random.default_rng(5)
    other = dnp.random.default_rng(6)
    first = quiet.normal(size=100)
    assert same(busy.normal(size=100), first)
    other.normal(size=1000)  # other generators, other ops and other threads in between
    dnp.exp(dnp.arange(100.0)).sum()
    thread = threading.Thread(target=lambda: other.random(50))
    thread.start()
    assert same(busy.uniform(size=10), quiet.uniform(size=10))
    thread.join()


def test_threads_sharing_a_generator_draw_one_call_at_a_time():
    shared, sequential = dnp.random.default_rng(4), dnp.random.default_rng(4)
    expected = {host(sequential.random(8)).tobytes() for _ in range(200)}
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: host(shared.random(8)).tobytes(), range(200)))
    assert len(got) == 200 and set(got) == expected


def test_spawned_generators_are_deterministic_and_independent():
    kids = dnp.random.default_rng(21).spawn(3)
    again = dnp.random.default_rng(21).spawn(3)
    draws = [host(k.standard_normal(20_000)) for k in kids]
    assert all(same(d, host(a.standard_normal(20_000))) for d, a in zip(draws, again, strict=True))
    parent = host(dnp.random.default_rng(21).standard_normal(20_000))
    corr = numpy.corrcoef([*draws, parent])
    off_diagonal = corr[~numpy.eye(4, dtype=bool)]
    assert numpy.all(numpy.abs(off_diagonal) < 5 / numpy.sqrt(20_000))


@pytest.mark.parametrize("make", [dnp.random.default_rng, dnp.random.RandomState])
def test_a_generator_pickles_with_its_position(make):
    rng = make(8)
    rng.normal(size=3)
    copy = pickle.loads(pickle.dumps(rng))
    assert same(copy.normal(size=5), rng.normal(size=5))


def test_seeds_numpy_refuses_are_refused():
    rng = dnp.random.default_rng(1)
    assert dnp.random.default_rng(rng) is rng
    for bad, exc in ((-1, ValueError), (1.5, TypeError)):
        with pytest.raises(exc):
            numpy.random.default_rng(bad)
        with pytest.raises(exc):
            dnp.random.default_rng(bad)


# Record mode builds reparameterized samples from noise: the values must not change.
RECORDED = [
    ("normal", (1.5, [0.5, 2.0]), 0.0),
    ("uniform", (-1.0, [1.0, 3.0]), 0.0),
    ("exponential", ([0.5, 2.0],), 0.0),
    ("laplace", (1.0, [0.5, 2.0]), 0.0),
    ("logistic", (1.0, [0.5, 2.0]), 0.0),
    ("gumbel", (1.0, [0.5, 2.0]), 0.0),
    ("gamma", ([0.5, 3.0], 2.0), 0.0),
    ("standard_gamma", ([0.5, 3.0],), 0.0),
    ("beta", ([0.5, 3.0], 2.0), 0.0),
    ("lognormal", (0.5, [0.5, 2.0]), 1e-15),
    ("dirichlet", ([0.5, 3.0],), 1e-15),
]


@pytest.mark.parametrize("make", [dnp.random.default_rng, dnp.random.RandomState])
@pytest.mark.parametrize("name, params, rtol", RECORDED, ids=[c[0] for c in RECORDED])
def test_recording_does_not_change_values(name, params, rtol, make):
    size = (50, 2)
    plain = getattr(make(3), name)(*params, size=size)
    tracked = [dnp.array(p) for p in params]
    for t in tracked:
        t.attach_grad()
    with autograd.record():
        recorded = getattr(make(3), name)(*tracked, size=size)
    assert recorded._ag is not None  # it does carry a gradient
    if rtol:
        numpy.testing.assert_allclose(host(recorded), host(plain), rtol=rtol)
    else:
        assert same(recorded, plain)


@pytest.mark.parametrize("method", ["svd", "eigh", "cholesky"])
def test_recorded_multivariate_normal_matches_numpys_algorithm(method):
    mean, cov = (
        numpy.array([1.0, -2.0, 0.5]),
        numpy.array([[2, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 0.5]]),
    )
    plain = dnp.random.default_rng(2).multivariate_normal(mean, cov, size=(4, 5), method=method)
    m, c = dnp.array(mean), dnp.array(cov)
    c.attach_grad()
    with autograd.record():
        rec = dnp.random.default_rng(2).multivariate_normal(m, c, size=(4, 5), method=method)
    assert rec.shape == plain.shape == (4, 5, 3)
    numpy.testing.assert_allclose(host(rec), host(plain), rtol=1e-13, atol=1e-13)


def test_recorded_legacy_multivariate_normal_matches_numpys_algorithm():
    mean, cov = (
        numpy.array([1.0, -2.0, 0.5]),
        numpy.array([[2, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 0.5]]),
    )
    plain = dnp.random.RandomState(2).multivariate_normal(mean, cov, size=(4, 5))
    assert same(plain, numpy.random.RandomState(2).multivariate_normal(mean, cov, size=(4, 5)))
    m, c = dnp.array(mean), dnp.array(cov)
    c.attach_grad()
    with autograd.record():
        rec = dnp.random.RandomState(2).multivariate_normal(m, c, size=(4, 5))
    assert rec._ag is not None
    numpy.testing.assert_allclose(host(rec), host(plain), rtol=1e-13, atol=1e-13)


# --- permutations, choice, out= ------------------------------------------------------------------
@pytest.mark.parametrize("dev", DEVICES, ids=str)
def test_shuffle_and_permutation_permute(dev):
    rng = dnp.random.default_rng(0)
    x = dnp.arange(24.0, device=dev).reshape(4, 6)
    before = host(x).copy()
    rng.shuffle(x, axis=1)
    assert x.device == dev
    assert numpy.array_equal(numpy.sort(host(x), axis=1), before)
    assert not numpy.array_equal(host(x), before)
    assert numpy.array_equal(host(x)[:, :1] - host(x)[0, :1], numpy.arange(0, 24, 6)[:, None])
    p = rng.permutation(x, axis=0)
    assert sorted(host(p)[:, 0].tolist()) == sorted(host(x)[:, 0].tolist())
    assert sorted(host(rng.permutation(10, device=dev)).tolist()) == list(range(10))
    items = list(range(10))
    rng.shuffle(items)
    assert sorted(items) == list(range(10)) and items != list(range(10))


def test_choice_on_arrays_takes_rows():
    a = dnp.arange(12.0).reshape(6, 2)
    rows = dnp.random.default_rng(0).choice(
        a, size=4, replace=False, p=[0.1, 0.1, 0.2, 0.2, 0.2, 0.2]
    )
    assert rows.shape == (4, 2)
    assert all(r[1] == r[0] + 1 and r[0] % 2 == 0 for r in host(rows).tolist())
    assert len({r[0] for r in host(rows).tolist()}) == 4


def test_out_and_dtype():
    out = dnp.empty((3, 2), dtype=numpy.float32)
    got = dnp.random.default_rng(0).random(out=out, dtype=numpy.float32)
    assert got is out and numpy.all((host(out) >= 0) & (host(out) < 1))
    assert dnp.random.default_rng(0).integers(0, 2, 5, dtype=bool).dtype == numpy.bool_


# --- bad parameters: NumPy's exception types, at the call ----------------------------------------
BAD = [
    ("normal", (0.0, -1.0), {}),
    ("normal", ([0.0, 1.0], 1.0), {"size": 3}),
    ("uniform", (0.0, numpy.inf), {}),
    ("uniform", (1.0, 0.0), {}),
    ("exponential", (-1.0,), {}),
    ("lognormal", (0.0, -1.0), {}),
    ("laplace", (0.0, -1.0), {}),
    ("gamma", (-1.0,), {}),
    ("gamma", (1.0, -1.0), {}),
    ("beta", (0.0, 1.0), {}),
    ("beta", (1.0, 0.0), {}),
    ("dirichlet", ([1.0, -1.0],), {}),
    ("choice", (3,), {"p": [0.5, 0.5, 0.5]}),
    ("choice", (3,), {"size": 5, "replace": False}),
    ("multinomial", (3, [1.5, -0.5]), {}),
    ("integers", (5, 1), {}),
    ("poisson", (-1.0,), {}),
    ("binomial", (3, 1.5), {}),
    ("multivariate_normal", ([0.0, 0.0], [[1.0, 0.0]]), {}),
    ("standard_t", (0.0,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", BAD, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD)])
@pytest.mark.parametrize("recording", [False, True], ids=["plain", "recording"])
def test_bad_parameters_raise_numpys_exception(name, args, kwargs, recording):
    with pytest.raises(Exception) as expected:
        getattr(numpy.random.default_rng(0), name)(*args, **kwargs)
    params = [dnp.array(a) if isinstance(a, (float, list)) else a for a in args]
    for p in params:
        if isinstance(p, dnp.ndarray) and p.dtype.kind == "f":
            p.attach_grad()
    scope = autograd.record() if recording else contextlib.nullcontext()
    with pytest.raises(expected.type) as got, scope:
        getattr(dnp.random.default_rng(0), name)(*params, **kwargs)
    if name != "normal" or "size" not in kwargs:  # NumPy's broadcast message names arg numbers
        assert str(got.value).split(".")[0] == str(expected.value).split(".")[0]


# --- the GPU path, on a stand-in for CuPy (the real one runs in the GPU lane) ------------------
class FakeCupyRandomState:
    def __init__(self, method=None) -> None:
        self.word = None

    def seed(self, word) -> None:
        self.word = word

    def standard_normal(self, size):
        return ("drawn on the device", self.word, size)


@pytest.mark.parametrize("kind", ["Generator", "RandomState"])
def test_gpu_draws_seed_per_call_and_leave_the_cpu_stream_alone(monkeypatch, kind):
    import types

    from dnp.random import _streams

    fake = types.SimpleNamespace(
        cuda=types.SimpleNamespace(Device=lambda: types.SimpleNamespace(id=kind)),
        random=types.SimpleNamespace(RandomState=FakeCupyRandomState),
        ndarray=type(None),
        asnumpy=lambda a: a,
        asarray=lambda a: ("copied to the device", a),
    )
    curand = types.SimpleNamespace(curand=types.SimpleNamespace(CURAND_RNG_PSEUDO_PHILOX4_32_10=0))
    monkeypatch.setitem(sys.modules, "cupy.cuda", curand)
    monkeypatch.setattr(_streams, "_local", threading.local())  # no stand-in left cached
    source = numpy.random.default_rng(0) if kind == "Generator" else numpy.random.RandomState(0)
    stream = Stream(source, numpy.random.SeedSequence(0))
    before = source.bit_generator.state if kind == "Generator" else source.get_state()[1].copy()
    first, second = stream.take(), stream.take()
    drawn = _streams._draw_gpu(fake, first, "standard_normal", (3,), {})
    assert drawn == ("drawn on the device", first.word(), 3) and first.word() != second.word()
    # A method CuPy lacks: drawn on the host with a generator of the stream's kind, seeded for
    # the call, then copied.
    name = "permuted" if kind == "Generator" else "tomaxint"
    args = (numpy.arange(5),) if kind == "Generator" else (4,)
    host = _streams._draw_gpu(fake, second, name, args, {})
    expected = getattr(second.host_generator(), name)(*args)
    assert host[0] == "copied to the device" and numpy.array_equal(host[1], expected)
    after = source.bit_generator.state if kind == "Generator" else source.get_state()[1]
    assert (after == before) if kind == "Generator" else numpy.array_equal(after, before)
