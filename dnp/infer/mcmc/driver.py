"""The MCMC driver (NumPyro's ``numpyro.infer.MCMC``): runs a kernel's chains one after another,
in lockstep groups, or side by side on Python threads, and streams their draws into arrays
allocated once (in memory, or memory-mapped ``.npy`` files)."""

from __future__ import annotations

import copy
import math
import os
import sys
import threading
import time

import dnp
from dnp.infer.diagnostics import print_summary
from dnp.infer.distributions.distribution import as_generator

__all__ = ["MCMC"]

_CHAIN_METHODS = ("parallel", "sequential", "vectorized")
THREAD_MIN_STEP_SECONDS = 2e-3  # a leapfrog step long enough for parallel chains' threads
TIMED_ITERATIONS = 10  # iterations of "parallel" chains run on the calling thread, timed
_FIELDS = (
    "diverging",
    "accept_prob",
    "step_size",
    "num_steps",
    "tree_depth",
    "energy",
    "potential_energy",
)
# ArviZ's names for the sample stats (as ``arviz.from_numpyro``)
_ARVIZ_STATS = {
    "accept_prob": "acceptance_rate",
    "num_steps": "n_steps",
    "tree_depth": "tree_depth",
    "potential_energy": "lp",
}


class MCMC:
    """Markov chain Monte Carlo with ``kernel`` (``HMC`` or ``NUTS``), NumPyro's ``MCMC``.

    ``num_chains`` chains, each from its own generator spawned from ``run``'s ``rng``, each
    ``num_warmup`` adapting iterations then ``num_samples`` iterations of which every
    ``thinning``-th is kept (the last ``num_samples // thinning``-th ones, as NumPyro).
    ``chain_method``: ``"sequential"`` runs the chains one after another; ``"vectorized"`` runs
    them as one group on one thread; ``"parallel"`` runs groups of ``chains_per_group`` chains
    (default: one group per CPU) side by side on Python threads (NumPy releases the GIL in its
    loops over large arrays, where threads overlap; on small models the Python work of the
    chains takes turns, so these run as one group). A group's chains are batched along a chain
    axis (the kernel's ``run_group``; other kernels' groups run in lockstep). Every chain has its
    own copy of the kernel and its own generator, so every method gives exactly the same
    draws.

    The draws go, as they come, into arrays allocated once per site of shape ``(num_chains,
    num_samples // thinning, ...)``, constrained (``kernel.postprocess_fn``: the latent and
    deterministic sites), with the sample statistics ``diverging``, ``accept_prob``,
    ``step_size``, ``num_steps`` (leapfrog steps, the tree size for NUTS), ``tree_depth``,
    ``energy`` and ``potential_energy``. With ``memmap_dir`` (a directory, created if missing)
    these arrays are memory-mapped ``<name>.npy`` files there (``dnp.load(path, mmap_mode="r")``
    reads them), so many chains of a large model need not fit in memory. With ``progress_bar``
    and on a terminal (when tqdm is installed) each chain shows a bar with its phase, step size
    and divergences so far.
    """

    def __init__(
        self,
        kernel,
        *,
        num_warmup,
        num_samples,
        num_chains=1,
        thinning=1,
        chain_method="parallel",
        chains_per_group=None,
        progress_bar=True,
        memmap_dir=None,
    ):
        if chain_method not in _CHAIN_METHODS:
            raise ValueError(f"chain_method must be one of {_CHAIN_METHODS}, got {chain_method!r}")
        if chains_per_group is not None and (
            chain_method != "parallel" or int(chains_per_group) < 1
        ):
            raise ValueError(
                "chains_per_group (a positive integer) groups chains for chain_method='parallel'"
            )
        if thinning < 1:
            raise ValueError("thinning must be a positive integer")
        if num_chains < 1:
            raise ValueError("num_chains must be a positive integer")
        self.sampler = kernel
        self.num_warmup = int(num_warmup)
        self.num_samples = int(num_samples)
        self.num_chains = int(num_chains)
        self.thinning = int(thinning)
        self.chain_method = chain_method
        self.chains_per_group = None if chains_per_group is None else int(chains_per_group)
        self.progress_bar = progress_bar
        self.memmap_dir = None if memmap_dir is None else os.fspath(memmap_dir)
        self._kernels = None
        self._samples = None
        self._fields = None
        self._latent = ()
        self._last_states = None
        self._files = []

    @property
    def last_state(self):
        """The final kernel state of each chain (a list), or of the only chain."""
        states = self._last_states
        return states[0] if states is not None and len(states) == 1 else states

    def run(self, rng, *model_args, init_params=None, extra_fields=(), **model_kwargs):
        """Run the chains from ``rng`` (a seed or a ``dnp.random.Generator``). ``init_params``
        (unconstrained values) has a leading chain axis when ``num_chains > 1``;
        ``extra_fields`` names further ``HMCState`` fields to collect."""
        rngs = as_generator(rng).spawn(self.num_chains)
        self._kernels = [copy.deepcopy(self.sampler) for _ in range(self.num_chains)]
        states = [
            kernel.init(
                chain_rng,
                self.num_warmup,
                init_params=self._chain_init(init_params, c),
                model_args=model_args,
                model_kwargs=model_kwargs,
            )
            for c, (kernel, chain_rng) in enumerate(zip(self._kernels, rngs, strict=True))
        ]
        postprocess = self._kernels[0].postprocess_fn(model_args, model_kwargs)
        fields = tuple(dict.fromkeys((*_FIELDS, *extra_fields)))
        self._allocate(postprocess(states[0].z), states[0], fields)
        bars = _progress_bars(
            self.progress_bar, self.num_chains, self.num_warmup + self.num_samples
        )

        chains = [
            _Chain(self, c, states[c], bars[c], model_args, model_kwargs)
            for c in range(self.num_chains)
        ]
        try:
            self._run_chains(chains)
        finally:
            for bar in bars:
                if bar is not None:
                    bar.close()
        self._last_states = [chain.state for chain in chains]
        if self._files:
            dnp.engine.wait_all()  # the last writes have landed
            for file in self._files:
                file.flush()

    def _run_chains(self, chains):
        """Every iteration of every chain, by ``chain_method``. With "parallel", the first
        ``TIMED_ITERATIONS`` iterations of all chains run here, timing each chain's iteration
        per leapfrog step; threads take the rest only where the fastest of those (the least
        likely to include a first trace of a ``dnp.jit`` program) is at least
        ``THREAD_MIN_STEP_SECONDS``: long NumPy loops release the GIL, while on small models
        threads contend for it and run slower than one thread. Otherwise the groups run in
        lockstep here. The draws are the same either way."""
        total, start = self.num_warmup + self.num_samples, 0
        groups = [[chains[c] for c in group] for group in self._groups()]
        if self.chain_method == "parallel" and len(groups) > 1 and total > 0:
            start = min(total, TIMED_ITERATIONS)
            fastest = math.inf
            for i in range(start):
                for chain in chains:
                    began = time.perf_counter()
                    chain.step(i)
                    steps = max(getattr(chain.state, "num_steps", 1), 1)
                    fastest = min(fastest, (time.perf_counter() - began) / steps)
            if fastest >= THREAD_MIN_STEP_SECONDS:
                _run_threads(lambda g: _lockstep(groups[g], start, total), len(groups))
                return
            groups = [chains]
        for group in groups:
            _lockstep(group, start, total)

    def _groups(self) -> list[range]:
        """The chains run together: one at a time (sequential), all in lockstep (vectorized),
        or groups of ``chains_per_group`` (default: one group per CPU) in lockstep on their own
        threads (parallel)."""
        n = self.num_chains
        per_thread = self.chains_per_group or -(-n // (os.cpu_count() or 1))
        size = {"sequential": 1, "vectorized": n}.get(self.chain_method, per_thread)
        return [range(c, min(c + size, n)) for c in range(0, n, size)]

    def _chain_init(self, init_params, c):
        if init_params is None or self.num_chains == 1:
            return init_params
        return {k: dnp.asarray(v)[c] for k, v in dict(init_params).items()}

    def _allocate(self, sites, state, fields):
        sites = {k: dnp.asarray(v) for k, v in sites.items()}
        values = {k: dnp.asarray(getattr(state, k)) for k in fields}
        clash = set(sites) & set(values)
        if self.memmap_dir is not None and clash:
            raise ValueError(f"site names {sorted(clash)} clash with sample statistics' files")
        self._files = []
        self._samples = {k: self._buffer(k, v) for k, v in sites.items()}
        self._fields = {k: self._buffer(k, v) for k, v in values.items()}
        self._latent = tuple(state.z)

    def _buffer(self, name, like):
        """Where the kept draws of ``name`` go: ``(num_chains, num_samples // thinning,
        *like.shape)`` of ``like``'s dtype, in memory or a memory-mapped ``.npy`` file."""
        shape = (self.num_chains, self.num_samples // self.thinning, *like.shape)
        if self.memmap_dir is None:
            return dnp.empty(shape, dtype=like.dtype)
        os.makedirs(self.memmap_dir, exist_ok=True)
        path = os.path.join(self.memmap_dir, f"{name}.npy")
        file = dnp.lib.format.open_memmap(path, mode="w+", dtype=like.dtype, shape=shape)
        self._files.append(file)
        return dnp.asarray(file)  # the file's memory, not a copy

    def get_samples(self, group_by_chain=False):
        """The kept draws of each site (constrained): ``(num_chains * n, ...)`` arrays, or
        ``(num_chains, n, ...)`` with ``group_by_chain``."""
        return self._grouped(self._require(self._samples), group_by_chain)

    def get_extra_fields(self, group_by_chain=False):
        """The sample statistics of the kept draws (``diverging``, ``accept_prob``,
        ``step_size``, ``num_steps``, ``tree_depth``, ``energy``, ``potential_energy`` and
        ``run``'s
        ``extra_fields``), shaped as ``get_samples``'s."""
        return self._grouped(self._require(self._fields), group_by_chain)

    def _require(self, collected):
        if collected is None:
            raise RuntimeError("no draws yet: call `run` first")
        return collected

    def _grouped(self, arrays, group_by_chain):
        if group_by_chain:
            return dict(arrays)
        return {k: v.reshape((-1, *v.shape[2:])) for k, v in arrays.items()}

    def print_summary(self, prob=0.9, exclude_deterministic=True):
        """Print ``diagnostics.print_summary`` of the draws by chain (the latent sites alone
        with ``exclude_deterministic``), then the number of divergences, as NumPyro's."""
        samples = self.get_samples(group_by_chain=True)
        if exclude_deterministic:
            samples = {k: v for k, v in samples.items() if k in self._latent}
        print_summary(samples, prob=prob, group_by_chain=True)
        divergences = int(dnp.sum(self._fields["diverging"]))
        print(f"Number of divergences: {divergences}")

    def to_arviz(self):
        """The draws as an ``arviz.InferenceData``: ``posterior`` (chain, draw, ...) and
        ``sample_stats`` under ArviZ's names (``lp`` is minus the potential energy)."""
        try:
            import arviz
        except ImportError as exc:
            raise ImportError(
                "MCMC.to_arviz needs ArviZ: pip install dnp[infer] (or pip install arviz)"
            ) from exc
        stats = {_ARVIZ_STATS.get(k, k): v for k, v in self.get_extra_fields(True).items()}
        stats["lp"] = -stats["lp"]
        return arviz.from_dict(posterior=self.get_samples(group_by_chain=True), sample_stats=stats)


def _lockstep(chains, start, total):
    """Iterations ``start`` to ``total - 1`` of ``chains``, each iteration of all of them
    before the next; with a kernel that builds the chains' trees side by side (NUTS's
    ``run_group``), each chain's iterations follow one another without waiting for the
    others'."""
    kernel = chains[0].kernel
    if hasattr(kernel, "run_group") and total > start:
        done = [start] * len(chains)

        def on_iteration(c, state):
            chains[c].state = state
            chains[c].record(done[c])
            done[c] += 1

        kernel.run_group(
            [chain.kernel for chain in chains],
            [chain.state for chain in chains],
            total - start,
            on_iteration,
        )
        return
    for i in range(start, total):
        for chain in chains:
            chain.step(i)


class _Chain:
    """One chain as the driver runs it: its kernel and state, and where its kept draws go."""

    def __init__(self, mcmc, c, state, bar, model_args, model_kwargs):
        self.mcmc, self.c, self.state, self.bar = mcmc, c, state, bar
        self.kernel = mcmc._kernels[c]
        self.postprocess = self.kernel.postprocess_fn(model_args, model_kwargs)
        self.model_args, self.model_kwargs = model_args, model_kwargs
        self.divergences = 0

    def step(self, i):
        """Iteration ``i`` (warm-up first): the kernel's next state, kept if it is due."""
        self.state = self.kernel.sample(self.state, self.model_args, self.model_kwargs)
        self.record(i)

    def record(self, i):
        """After iteration ``i``: keep ``state`` if it is due, and show it."""
        mcmc, state = self.mcmc, self.state
        self.divergences += bool(state.diverging)
        first_kept = mcmc.num_samples % mcmc.thinning
        j = i - mcmc.num_warmup
        if j >= first_kept and (j - first_kept + 1) % mcmc.thinning == 0:
            idx = (self.c, (j - first_kept) // mcmc.thinning)
            for k, v in self.postprocess(state.z).items():
                mcmc._samples[k][idx] = v
            for k, buf in mcmc._fields.items():
                buf[idx] = getattr(state, k)
        if self.bar is not None:
            phase = "warmup" if i < mcmc.num_warmup else "sample"
            self.bar.set_description(f"chain {self.c} {phase}", refresh=False)
            self.bar.set_postfix(
                refresh=False, step_size=f"{state.step_size:.2e}", divergences=self.divergences
            )
            self.bar.update()  # redraws at most every tqdm's mininterval


def _run_threads(fn, n):
    """``fn(c)`` for ``c < n`` on ``n`` threads; the first error is raised again here."""
    errors = []

    def target(c):
        try:
            fn(c)
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(c,), name=f"mcmc-chain-{c}") for c in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _progress_bars(enabled, num_chains, total):
    """One tqdm bar per chain on a terminal, else ``None`` for each."""
    if not (enabled and sys.stderr.isatty()):
        return [None] * num_chains
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return [None] * num_chains
    return [tqdm(total=total, position=c, desc=f"chain {c}") for c in range(num_chains)]
