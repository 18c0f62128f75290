"""The MCMC driver of dnp.infer.mcmc against the exact posterior of a conjugate Normal model."""

import math
import sys
import types

import numpy as onp
import pytest

import dnp
import dnp.infer as infer
from dnp.infer import dist
from dnp.infer.diagnostics import mcse, split_gelman_rubin
from dnp.infer.mcmc import HMC, NUTS, driver
from dnp.infer.mcmc.driver import MCMC

PRIOR_MEAN, PRIOR_SD, NOISE_SD = onp.array([0.0, 1.0, -1.0]), 2.0, 1.0
Y = onp.random.default_rng(0).normal([1.0, -1.0, 0.5], NOISE_SD, size=(10, 3))


def model(y):
    mu = infer.sample("mu", dist.Normal(dnp.asarray(PRIOR_MEAN), PRIOR_SD).to_event(1))
    infer.deterministic("total", mu.sum())
    infer.sample("y", dist.Normal(mu, NOISE_SD).to_event(1), obs=y)


def exact_posterior():
    precision = 1 / PRIOR_SD**2 + len(Y) / NOISE_SD**2
    mean = (PRIOR_MEAN / PRIOR_SD**2 + Y.sum(0) / NOISE_SD**2) / precision
    return mean, onp.full(3, precision**-0.5)


def run(
    chain_method="parallel", num_warmup=200, num_samples=300, num_chains=2, kernel=NUTS, **kwargs
):
    mcmc = MCMC(
        kernel(model),
        num_warmup=num_warmup,
        num_samples=num_samples,
        num_chains=num_chains,
        chain_method=chain_method,
        **kwargs,
    )
    mcmc.run(0, dnp.asarray(Y))
    return mcmc


@pytest.fixture(scope="module")
def parallel():
    return run("parallel")


def test_posterior_matches_conjugate_answer(parallel):
    mu = parallel.get_samples(group_by_chain=True)["mu"]
    mean, sd = exact_posterior()
    err = onp.abs(onp.asarray(mu.mean(axis=(0, 1))) - mean)
    assert onp.all(err < 4 * onp.asarray(mcse(mu)))
    onp.testing.assert_allclose(onp.asarray(mu.std(axis=(0, 1))), sd, rtol=0.15)
    assert onp.all(onp.asarray(split_gelman_rubin(mu)) < 1.05)
    assert not onp.asarray(parallel.get_extra_fields()["diverging"]).any()
    # deterministic sites come back constrained alongside the latent ones
    total = parallel.get_samples()["total"]
    onp.testing.assert_allclose(
        onp.asarray(total), onp.asarray(parallel.get_samples()["mu"].sum(1))
    )


def assert_same_draws(got, want):
    for a, b in [
        (got.get_samples(), want.get_samples()),
        (got.get_extra_fields(), want.get_extra_fields()),
    ]:
        assert a.keys() == b.keys()
        for k in b:
            onp.testing.assert_array_equal(onp.asarray(a[k]), onp.asarray(b[k]))


def test_sequential_and_parallel_draws_are_identical(parallel):
    assert_same_draws(run("sequential"), parallel)
    # the chains are different chains
    mu = onp.asarray(parallel.get_samples(group_by_chain=True)["mu"])
    assert not onp.array_equal(mu[0], mu[1])


def test_group_by_chain_shapes(parallel):
    grouped = parallel.get_samples(group_by_chain=True)
    flat = parallel.get_samples()
    assert {k: v.shape for k, v in grouped.items()} == {"mu": (2, 300, 3), "total": (2, 300)}
    assert {k: v.shape for k, v in flat.items()} == {"mu": (600, 3), "total": (600,)}
    onp.testing.assert_array_equal(onp.asarray(flat["mu"][300:]), onp.asarray(grouped["mu"][1]))


def test_extra_fields_keys_and_shapes(parallel):
    fields = parallel.get_extra_fields(group_by_chain=True)
    names = ["diverging", "accept_prob", "step_size", "num_steps", "tree_depth", "energy"]
    names.append("potential_energy")
    assert sorted(fields) == sorted(names)
    assert all(v.shape == (2, 300) for v in fields.values())
    assert fields["diverging"].dtype == bool and fields["num_steps"].dtype.kind == "i"
    num_steps = onp.asarray(fields["num_steps"])
    assert num_steps.min() >= 1 and num_steps.max() <= 2**10 - 1
    # a tree of d doublings holds 2^(d-1) (its last half stopped at once) to 2^d - 1 steps
    depth = onp.asarray(fields["tree_depth"])
    assert onp.all(2 ** (depth - 1) <= num_steps) and onp.all(num_steps <= 2**depth - 1)
    # the step size is fixed after warm-up, one per chain
    step = onp.asarray(fields["step_size"])
    assert onp.all(step == step[:, :1]) and onp.all(step > 0)
    assert parallel.get_extra_fields()["energy"].shape == (600,)


def test_requested_extra_fields_are_collected():
    mcmc = MCMC(NUTS(model), num_warmup=10, num_samples=5, progress_bar=False)
    mcmc.run(1, dnp.asarray(Y), extra_fields=("mean_accept_prob", "i"))
    fields = mcmc.get_extra_fields()
    onp.testing.assert_array_equal(onp.asarray(fields["i"]), onp.arange(11, 16))
    assert fields["mean_accept_prob"].shape == (5,)


def test_thinning_keeps_every_kth_draw_ending_at_the_last():
    full = run("sequential", num_warmup=20, num_samples=10, num_chains=1)
    thinned = run("sequential", num_warmup=20, num_samples=10, num_chains=1, thinning=3)
    mu = onp.asarray(full.get_samples()["mu"])
    # NumPyro keeps the last num_samples // thinning blocks' last draws
    onp.testing.assert_array_equal(onp.asarray(thinned.get_samples()["mu"]), mu[[3, 6, 9]])
    assert thinned.get_extra_fields(group_by_chain=True)["energy"].shape == (1, 3)


def test_potential_fn_with_per_chain_init_params():
    def potential(z):
        return 0.5 * dnp.sum((z["x"] - 3.0) ** 2)

    mcmc = MCMC(NUTS(potential_fn=potential), num_warmup=50, num_samples=20, num_chains=2)
    mcmc.run(2, init_params={"x": dnp.asarray([[0.0, 0.0], [5.0, 5.0]])})
    assert mcmc.get_samples(group_by_chain=True)["x"].shape == (2, 20, 2)
    assert len(mcmc.last_state) == 2


def test_print_summary(parallel, capsys):
    parallel.print_summary()
    out = capsys.readouterr().out
    assert "mu[0]" in out and "mu[2]" in out and "r_hat" in out and "n_eff" in out
    assert "total" not in out
    assert out.rstrip().endswith("Number of divergences: 0")
    parallel.print_summary(prob=0.5, exclude_deterministic=False)
    out = capsys.readouterr().out
    assert "total" in out and "25.0%" in out and "75.0%" in out


def test_to_arviz(parallel):
    arviz = pytest.importorskip("arviz")
    data = parallel.to_arviz()
    assert isinstance(data, arviz.InferenceData)
    assert data.posterior["mu"].shape == (2, 300, 3)
    assert data.posterior["mu"].dims[:2] == ("chain", "draw")
    assert data.sample_stats["diverging"].shape == (2, 300)
    lp = onp.asarray(data.sample_stats["lp"])
    pe = onp.asarray(parallel.get_extra_fields(True)["potential_energy"])
    onp.testing.assert_array_equal(lp, -pe)


def test_to_arviz_without_arviz(parallel, monkeypatch):
    monkeypatch.setitem(sys.modules, "arviz", None)
    with pytest.raises(ImportError, match=r"pip install dnp\[infer\]"):
        parallel.to_arviz()


def test_progress_bar_per_chain_on_a_terminal(monkeypatch):
    bars = []

    class FakeBar:
        def __init__(self, total, position, desc):
            self.total, self.position, self.updates, self.closed = total, position, 0, False
            self.descriptions, self.postfix = [], {}
            bars.append(self)

        def set_description(self, desc, refresh=True):
            self.descriptions.append(desc)

        def set_postfix(self, refresh=True, **postfix):
            assert not refresh  # update() redraws, at most every mininterval
            self.postfix = postfix

        def update(self):
            self.updates += 1

        def close(self):
            self.closed = True

    fake = types.ModuleType("tqdm.auto")
    fake.tqdm = FakeBar
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", fake)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    run(num_warmup=5, num_samples=4)
    assert [b.position for b in bars] == [0, 1]
    for c, bar in enumerate(bars):
        assert bar.total == 9 and bar.updates == 9 and bar.closed
        assert bar.descriptions[0] == f"chain {c} warmup" and bar.descriptions[-1] == (
            f"chain {c} sample"
        )
        assert set(bar.postfix) == {"step_size", "divergences"}
    # quiet with progress_bar=False
    bars.clear()
    run(num_warmup=5, num_samples=4, progress_bar=False)
    assert bars == []


def test_quiet_off_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    run(num_warmup=5, num_samples=4)
    assert capsys.readouterr().err == ""


def hmc(model):
    return HMC(model, trajectory_length=1.0)


@pytest.mark.parametrize(
    "method, per_group", [("vectorized", None), ("parallel", 2), ("parallel", 3)]
)
@pytest.mark.parametrize("threads", [True, False])
@pytest.mark.parametrize("kernel", [NUTS, hmc], ids=["NUTS", "HMC"])
def test_groups_draw_what_sequential_draws(method, per_group, threads, kernel, monkeypatch):
    # groups batch their chains along an axis (NUTS's trees, HMC's trajectories): every op acts
    # on each chain's row alone, so each chain draws what it draws alone
    # threads take parallel groups where a leapfrog step is long enough (here: always, never)
    monkeypatch.setattr(driver, "THREAD_MIN_STEP_SECONDS", 0.0 if threads else math.inf)
    spawned = []
    run_threads = driver._run_threads
    monkeypatch.setattr(
        driver, "_run_threads", lambda fn, n: spawned.append(n) or run_threads(fn, n)
    )
    kwargs = dict(num_warmup=30, num_samples=20, num_chains=5, kernel=kernel)
    grouped = run(method, chains_per_group=per_group, **kwargs)
    assert spawned == ([-(-5 // per_group)] if threads and method == "parallel" else [])
    size = per_group or 5
    assert grouped._groups() == [range(c, min(c + size, 5)) for c in range(0, 5, size)]
    assert_same_draws(grouped, run("sequential", **kwargs))


def test_draws_stream_into_memory_mapped_files(tmp_path):
    mapped = run("parallel", num_warmup=30, num_samples=20, memmap_dir=tmp_path / "draws")
    assert_same_draws(mapped, run("parallel", num_warmup=30, num_samples=20))
    names = {"mu", "total", "diverging", "accept_prob", "step_size", "num_steps", "energy"}
    names |= {"tree_depth", "potential_energy"}
    assert names == {p.stem for p in (tmp_path / "draws").iterdir()}
    # the files hold the draws (chains x draws x ...), flushed when run returns
    on_disk = onp.load(tmp_path / "draws" / "mu.npy")
    assert on_disk.shape == (2, 20, 3)
    onp.testing.assert_array_equal(
        on_disk, onp.asarray(mapped.get_samples(group_by_chain=True)["mu"])
    )
    read_back = dnp.load(tmp_path / "draws" / "total.npy", mmap_mode="r")
    onp.testing.assert_array_equal(onp.asarray(read_back), on_disk.sum(-1))


def test_bad_arguments():
    with pytest.raises(ValueError, match="chain_method"):
        MCMC(NUTS(model), num_warmup=5, num_samples=5, chain_method="pmap")
    with pytest.raises(ValueError, match="chains_per_group"):
        MCMC(
            NUTS(model), num_warmup=5, num_samples=5, chain_method="vectorized", chains_per_group=2
        )
    with pytest.raises(ValueError, match="chains_per_group"):
        MCMC(NUTS(model), num_warmup=5, num_samples=5, chains_per_group=0)
    with pytest.raises(ValueError, match="thinning"):
        MCMC(NUTS(model), num_warmup=5, num_samples=5, thinning=0)
    with pytest.raises(RuntimeError, match="run"):
        MCMC(NUTS(model), num_warmup=5, num_samples=5).get_samples()


def test_parallel_runs_one_group_per_cpu_by_default(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    mcmc = MCMC(NUTS(model), num_warmup=5, num_samples=5, num_chains=5)
    assert mcmc._groups() == [range(0, 3), range(3, 5)]
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert mcmc._groups() == [range(c, c + 1) for c in range(5)]


@pytest.mark.parametrize(
    "settings",
    [
        {"kind": "naive"},
        {"kind": "threaded", "num_workers": 1, "inline_limit": 0},
        {"kind": "threaded", "num_workers": 3, "inline_limit": 0},
    ],
)
def test_same_draws_on_every_engine_and_worker_count(parallel, settings):
    # the fixture ran on the default engine (threaded, as many workers as cores, small ops
    # inline); here every op is pushed to the workers, or none is
    with dnp.engine.engine(**settings):
        assert_same_draws(run("parallel"), parallel)
