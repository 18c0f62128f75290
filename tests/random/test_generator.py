"""dnp.random's surface, streams and errors: NumPy's names and exceptions, values fixed per call."""

import contextlib
import inspect
import pickle
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


def test_get_state_and_set_state_round_trip():
    dnp.random.seed(3)
    dnp.random.normal(size=2)
    state = dnp.random.get_state()
    x = dnp.random.normal(size=5)
    dnp.random.set_state(state)
    assert same(dnp.random.normal(size=5), x)
    with pytest.raises(ValueError, match="get_state"):
        dnp.random.set_state(numpy.random.get_state())


def test_random_integers_warns_as_numpy_does():
    with pytest.warns(DeprecationWarning):
        x = dnp.random.RandomState(0).random_integers(3, size=1000)
    assert set(host(x).tolist()) == {1, 2, 3}


# --- streams -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dev", DEVICES, ids=str)
def test_same_seed_same_values_on_a_device(dev):
    def draws(rng):
        return [
            rng.normal(1.0, 2.0, size=(3, 4), device=dev),
            rng.integers(0, 10, size=6, device=dev),
            rng.choice(7, size=3, replace=False, device=dev),
            rng.gamma(2.0, size=5, device=dev),
        ]

    a, b = draws(dnp.random.default_rng(11)), draws(dnp.random.default_rng(11))
    assert all(same(x, y) and x.device == dev for x, y in zip(a, b, strict=True))
    assert not same(a[0], draws(dnp.random.default_rng(12))[0])


def test_a_calls_values_do_not_depend_on_other_work():
    quiet = dnp.random.default_rng(5)
    busy = dnp.random.default_rng(5)
    other = dnp.random.default_rng(6)
    first = quiet.normal(size=100)
    assert same(busy.normal(size=100), first)
    other.normal(size=1000)  # other streams, other ops and other threads in between
    dnp.exp(dnp.arange(100.0)).sum()
    threading.Thread(target=lambda: other.random(50)).start()
    assert same(busy.uniform(size=10), quiet.uniform(size=10))


def test_blocks_drawn_out_of_order_on_threads_give_program_order_values():
    """What an executor running sampling ops on workers does: fix blocks at the call, draw later."""
    stream = Stream(numpy.random.SeedSequence(9))
    blocks = [stream.take() for _ in range(40)]
    draw = sampler("standard_normal").kernel(numpy)
    in_order = [draw(b, 64) for b in blocks]
    with ThreadPoolExecutor(4) as pool:
        shuffled = list(pool.map(lambda b: draw(b, 64), blocks[::-1]))[::-1]
    assert all(numpy.array_equal(a, b) for a, b in zip(in_order, shuffled, strict=True))
    assert len({a.tobytes() for a in in_order}) == 40


def test_threads_sharing_a_generator_get_distinct_blocks():
    shared, sequential = dnp.random.default_rng(4), dnp.random.default_rng(4)
    expected = {host(sequential.random(8)).tobytes() for _ in range(200)}
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: host(shared.random(8)).tobytes(), range(200)))
    assert len(got) == 200 and set(got) == expected


def test_spawned_streams_are_deterministic_and_independent():
    kids = dnp.random.default_rng(21).spawn(3)
    again = dnp.random.default_rng(21).spawn(3)
    draws = [host(k.standard_normal(20_000)) for k in kids]
    assert all(same(d, host(a.standard_normal(20_000))) for d, a in zip(draws, again, strict=True))
    parent = host(dnp.random.default_rng(21).standard_normal(20_000))
    corr = numpy.corrcoef([*draws, parent])
    off_diagonal = corr[~numpy.eye(4, dtype=bool)]
    assert numpy.all(numpy.abs(off_diagonal) < 5 / numpy.sqrt(20_000))


def test_a_generator_pickles_with_its_position():
    rng = dnp.random.default_rng(8)
    rng.normal(size=3)
    copy = pickle.loads(pickle.dumps(rng))
    assert same(copy.normal(size=5), rng.normal(size=5))


def test_seeds_numpy_accepts():
    seq = numpy.random.SeedSequence(5)
    from_seq = dnp.random.default_rng(seq).random(4)
    assert same(dnp.random.default_rng(numpy.random.PCG64(seq)).random(4), from_seq)
    assert same(dnp.random.Generator(seq).random(4), from_seq)
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


@pytest.mark.parametrize("name, params, rtol", RECORDED, ids=[c[0] for c in RECORDED])
def test_recording_does_not_change_values(name, params, rtol):
    size = (50, 2)
    plain = getattr(dnp.random.default_rng(3), name)(*params, size=size)
    tracked = [dnp.array(p) for p in params]
    for t in tracked:
        t.attach_grad()
    with autograd.record():
        recorded = getattr(dnp.random.default_rng(3), name)(*tracked, size=size)
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
