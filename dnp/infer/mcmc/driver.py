"""The MCMC driver (NumPyro's ``numpyro.infer.MCMC``): runs a kernel's chains one after another
or side by side on Python threads, and collects their draws as they come."""

from __future__ import annotations

import copy
import sys
import threading

import dnp
from dnp.infer.diagnostics import print_summary
from dnp.infer.distributions.distribution import as_generator

__all__ = ["MCMC"]

_CHAIN_METHODS = ("parallel", "sequential", "vectorized")
_FIELDS = ("diverging", "accept_prob", "step_size", "num_steps", "energy", "potential_energy")
# ArviZ's names for the sample stats (as ``arviz.from_numpyro``)
_ARVIZ_STATS = {
    "accept_prob": "acceptance_rate",
    "num_steps": "n_steps",
    "potential_energy": "lp",
}


class MCMC:
    """Markov chain Monte Carlo with ``kernel`` (``HMC`` or ``NUTS``), NumPyro's ``MCMC``.

    ``num_chains`` chains, each from its own generator spawned from ``run``'s ``rng``, each
    ``num_warmup`` adapting iterations then ``num_samples`` iterations of which every
    ``thinning``-th is kept (the last ``num_samples // thinning``-th ones, as NumPyro).
    ``chain_method``: ``"sequential"`` runs the chains one after another, ``"parallel"`` at the
    same time on Python threads (one copy of the kernel per chain; dnp's executor releases the
    GIL in its kernels) with exactly the sequential draws; ``"vectorized"`` (NumPyro's chains
    along a batch axis) is not implemented yet and raises ``NotImplementedError``.

    The draws go, as they come, into arrays allocated once per site of shape ``(num_chains,
    num_samples // thinning, ...)``, constrained (``kernel.postprocess_fn``: the latent and
    deterministic sites), with the sample statistics ``diverging``, ``accept_prob``,
    ``step_size``, ``num_steps`` (leapfrog steps, the tree size for NUTS), ``energy`` and
    ``potential_energy``. With ``progress_bar`` and on a terminal (when tqdm is installed) each
    chain shows a bar with its phase, step size and divergences so far.
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
        progress_bar=True,
    ):
        if chain_method not in _CHAIN_METHODS:
            raise ValueError(f"chain_method must be one of {_CHAIN_METHODS}, got {chain_method!r}")
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
        self.progress_bar = progress_bar
        self._kernels = None
        self._samples = None
        self._fields = None
        self._latent = ()
        self._last_states = None

    @property
    def last_state(self):
        """The final kernel state of each chain (a list), or of the only chain."""
        states = self._last_states
        return states[0] if states is not None and len(states) == 1 else states

    def run(self, rng, *model_args, init_params=None, extra_fields=(), **model_kwargs):
        """Run the chains from ``rng`` (a seed or a ``dnp.random.Generator``). ``init_params``
        (unconstrained values) has a leading chain axis when ``num_chains > 1``;
        ``extra_fields`` names further ``HMCState`` fields to collect."""
        if self.chain_method == "vectorized":
            raise NotImplementedError(
                "chain_method='vectorized' is not yet implemented: use 'parallel' or 'sequential'"
            )
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

        def run_chain(c):
            kernel = self._kernels[c]
            postprocess = kernel.postprocess_fn(model_args, model_kwargs)
            states[c] = self._run_chain(
                c, kernel, states[c], postprocess, bars[c], model_args, model_kwargs
            )

        try:
            if self.chain_method == "sequential" or self.num_chains == 1:
                for c in range(self.num_chains):
                    run_chain(c)
            else:
                _run_threads(run_chain, self.num_chains)
        finally:
            for bar in bars:
                if bar is not None:
                    bar.close()
        self._last_states = states

    def _chain_init(self, init_params, c):
        if init_params is None or self.num_chains == 1:
            return init_params
        return {k: dnp.asarray(v)[c] for k, v in dict(init_params).items()}

    def _allocate(self, sites, state, fields):
        n = (self.num_chains, self.num_samples // self.thinning)
        sites = {k: dnp.asarray(v) for k, v in sites.items()}
        self._samples = {k: dnp.empty(n + v.shape, dtype=v.dtype) for k, v in sites.items()}
        values = {k: dnp.asarray(getattr(state, k)) for k in fields}
        self._fields = {k: dnp.empty(n + v.shape, dtype=v.dtype) for k, v in values.items()}
        self._latent = tuple(state.z)

    def _run_chain(self, c, kernel, state, postprocess, bar, model_args, model_kwargs):
        first_kept = self.num_samples % self.thinning
        divergences = 0
        for i in range(self.num_warmup + self.num_samples):
            state = kernel.sample(state, model_args, model_kwargs)
            divergences += bool(state.diverging)
            j = i - self.num_warmup
            if j >= first_kept and (j - first_kept + 1) % self.thinning == 0:
                idx = (c, (j - first_kept) // self.thinning)
                for k, v in postprocess(state.z).items():
                    self._samples[k][idx] = v
                for k, buf in self._fields.items():
                    buf[idx] = getattr(state, k)
            if bar is not None:
                phase = "warmup" if i < self.num_warmup else "sample"
                bar.set_description(f"chain {c} {phase}", refresh=False)
                bar.set_postfix(step_size=f"{state.step_size:.2e}", divergences=divergences)
                bar.update()
        return state

    def get_samples(self, group_by_chain=False):
        """The kept draws of each site (constrained): ``(num_chains * n, ...)`` arrays, or
        ``(num_chains, n, ...)`` with ``group_by_chain``."""
        return self._grouped(self._require(self._samples), group_by_chain)

    def get_extra_fields(self, group_by_chain=False):
        """The sample statistics of the kept draws (``diverging``, ``accept_prob``,
        ``step_size``, ``num_steps``, ``energy``, ``potential_energy`` and ``run``'s
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
