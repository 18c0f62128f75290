"""A simulated GPU: a device whose array module is NumPy, with the parts of CuPy that dnp uses
(``cupy.cuda`` streams, events and devices; ``cupy.random``; ``cupyx.scipy``) simulated, so the
GPU code paths and their ordering are checked on every machine.

Every kernel the device runs is logged with the stream it ran on and the memory it read and
wrote (seen by the simulated device itself, from the arrays the kernel was called with and
returned, not from the engine's bookkeeping). A kernel that touches memory last written, or
(for a write) read, on another stream must be ordered after that work: through an event its
stream waited for, a host synchronization, or the legacy default stream, which waits for all
blocking streams and which they wait for. Anything else is a race on a real GPU: ``Race``.
(Values are NumPy's, as the simulated kernels run at once.)

Memory is tracked by the ``id()`` of its owning array; an owner's records are dropped when it
is freed, so a later array given the same id starts with no history.
"""

import contextlib
import inspect
import sys
import types
import weakref

import numpy
import scipy.linalg
import scipy.special

import dnp
from dnp._backend import Device
from dnp._engine import _gpu
from dnp._engine._vars import owner_of
from dnp.random import _streams


class Race(AssertionError):
    pass


class Clock:
    """What one stream (or the legacy default stream) has seen: a position per stream."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.time = 0
        self.knows: dict[str, int] = {}


class SimulatedCuda:
    """``cupy.cuda`` as far as dnp uses it, with a happens-before log."""

    def __init__(self) -> None:
        self.legacy = Clock("legacy")
        self.host = {}  # what the host has waited for (events synchronized)
        self.streams: list[Clock] = []
        self.current: Clock = self.legacy
        self.device_id = 0
        self.last_write: dict[int, tuple[str, int]] = {}
        self.reads: dict[int, list[tuple[str, int]]] = {}
        self.tracked: dict[int, weakref.finalize] = {}
        self.kernels = 0
        sim = self

        class Event:
            def __init__(self, clock: Clock) -> None:
                self.knows = {**clock.knows, clock.name: clock.time}
                self.synced = False

            @property
            def done(self) -> bool:  # completion is only known once the host has waited
                return self.synced

            def synchronize(self) -> None:
                self.synced = True
                _merge(sim.host, self.knows)

        class Stream:
            def __init__(self, non_blocking: bool = False) -> None:
                assert not non_blocking, "the engine relies on blocking streams"
                self.clock = Clock(f"s{len(sim.streams)}")
                sim.streams.append(self.clock)

            def __enter__(self):
                self._outer, sim.current = sim.current, self.clock
                return self

            def __exit__(self, *exc):
                sim.current = self._outer

            def record(self):
                return Event(self.clock)

            def wait_event(self, event) -> None:
                _merge(self.clock.knows, event.knows)

            def synchronize(self) -> None:
                _merge(sim.host, {**self.clock.knows, self.clock.name: self.clock.time})

        class CudaDevice:
            """``cupy.cuda.Device(index)``: a context making it current; no index: the current."""

            def __init__(self, index: int | None = None) -> None:
                self.id = sim.device_id if index is None else index

            def __enter__(self):
                self._outer, sim.device_id = sim.device_id, self.id
                return self

            def __exit__(self, *exc):
                sim.device_id = self._outer

        self.Event, self.Stream, self.Device = Event, Stream, CudaDevice
        self.curand = types.SimpleNamespace(CURAND_RNG_PSEUDO_PHILOX4_32_10=0)

    # --- the log ---------------------------------------------------------------------------
    def kernel(self, name: str, reads: list, writes: list, made: tuple = ()) -> None:
        """Log a kernel on the current stream; ``made``: arrays it allocated, whose memory has
        no history."""
        clock = self.current
        if clock is self.legacy:  # waits for all prior work on the blocking streams
            for s in self.streams:
                self.legacy.knows[s.name] = s.time
        else:  # and they wait for all prior work on it
            clock.knows["legacy"] = self.legacy.time
        seen = {**clock.knows}
        _merge(seen, self.host)
        for o in reads:
            self._ordered(name, clock, seen, self.last_write.get(id(o)), "wrote")
        for o in writes:
            self._ordered(name, clock, seen, self.last_write.get(id(o)), "wrote")
            for r in self.reads.get(id(o), []):
                self._ordered(name, clock, seen, r, "read")
        clock.time += 1
        here = (clock.name, clock.time)
        for o in reads:
            self._track(o)
            self.reads.setdefault(id(o), []).append(here)
        for o in (*writes, *made):
            self._track(o)
            self.last_write[id(o)] = here
            self.reads[id(o)] = []
        self.kernels += 1

    def _track(self, owner) -> None:
        """Drop ``owner``'s records when it is freed (its id may then name another array)."""
        key = id(owner)
        if key not in self.tracked:
            with contextlib.suppress(TypeError):  # an owner that takes no weak reference: bytes
                self.tracked[key] = weakref.finalize(owner, self._forget, key)

    def _forget(self, key: int) -> None:
        self.tracked.pop(key, None)
        self.last_write.pop(key, None)
        self.reads.pop(key, None)

    @staticmethod
    def _ordered(name, clock, seen, other, what) -> None:
        if other is None or other[0] == clock.name:
            return
        if seen.get(other[0], 0) < other[1]:
            raise Race(f"{name} on {clock.name} is not ordered after what {other} {what}")


def _merge(into: dict, other: dict) -> None:
    for k, v in other.items():
        if into.get(k, 0) < v:
            into[k] = v


# What CuPy has (cupy/cupy at 6b6d956, 2026-08): the functions of ``cupyx.scipy.special`` and
# ``cupyx.scipy.linalg``, and the samplers of ``cupy.random.RandomState`` with their parameters
# (each also takes ``dtype``) and the NumPy Generator method each is simulated by.
CUPYX_SCIPY = {
    "special": set(
        """bdtr bdtrc bdtri beta betainc betaincinv betaln binom boxcox boxcox1p btdtr btdtri cbrt
        chdtr chdtrc chdtri cosdg cosm1 cotdg digamma ellipeinc ellipj ellipk ellipkinc ellipkm1
        entr erf erfc erfcinv erfcx erfinv exp1 exp10 exp2 expi expit expm1 expn exprel fdtr fdtrc
        fdtri gamma gammainc gammaincc gammainccinv gammaincinv gammaln gammasgn gdtr gdtrc huber
        i0 i0e i1 i1e inv_boxcox inv_boxcox1p j0 j1 k0 k0e k1 k1e kl_div lambertw log1p log_expit
        log_ndtr log_softmax loggamma logit logsumexp lpmv multigammaln nbdtr nbdtrc nbdtri ndtr
        ndtri pdtr pdtrc pdtri poch polygamma pseudo_huber psi radian rel_entr rgamma round shichi
        sici sinc sindg softmax sph_harm_y spherical_yn tandg wright_bessel xlog1py xlogy y0 y1 yn
        zeta zetac""".split()
    ),
    "linalg": set(
        """bandwidth block_diag circulant companion convolution_matrix dft expm fiedler
        fiedler_companion hadamard hankel helmert hilbert khatri_rao leslie lu lu_factor lu_solve
        solve_triangular toeplitz""".split()
    ),
}
CUPY_SAMPLERS = {
    name: (numpy_name or name, tuple(params.split()))
    for name, numpy_name, params in [
        ("beta", None, "a b size"),
        ("binomial", None, "n p size"),
        ("chisquare", None, "df size"),
        ("dirichlet", None, "alpha size"),
        ("exponential", None, "scale size"),
        ("f", None, "dfnum dfden size"),
        ("gamma", None, "shape scale size"),
        ("geometric", None, "p size"),
        ("gumbel", None, "loc scale size"),
        ("hypergeometric", None, "ngood nbad nsample size"),
        ("laplace", None, "loc scale size"),
        ("logistic", None, "loc scale size"),
        ("lognormal", None, "mean sigma size"),
        ("logseries", None, "p size"),
        ("multivariate_normal", None, "mean cov size check_valid tol method"),
        ("negative_binomial", None, "n p size"),
        ("noncentral_chisquare", None, "df nonc size"),
        ("noncentral_f", None, "dfnum dfden nonc size"),
        ("normal", None, "loc scale size"),
        ("pareto", None, "a size"),
        ("poisson", None, "lam size"),
        ("power", None, "a size"),
        ("randint", "integers", "low high size"),
        ("random_sample", "random", "size"),
        ("rayleigh", None, "scale size"),
        ("standard_cauchy", None, "size"),
        ("standard_exponential", None, "size"),
        ("standard_gamma", None, "shape size"),
        ("standard_normal", None, "size"),
        ("standard_t", None, "df size"),
        ("triangular", None, "left mode right size"),
        ("uniform", None, "low high size"),
        ("vonmises", None, "mu kappa size"),
        ("wald", None, "mean scale size"),
        ("weibull", None, "a size"),
        ("zipf", None, "a size"),
    ]
}


def simulated_module(sim: SimulatedCuda):
    """NumPy as a device array module whose every function call, ufunc call and item
    assignment is a logged kernel; its arrays are ``SimArray``s. ``module.cupyx.scipy``'s
    ``special`` and ``linalg`` hold SciPy's functions of the names CuPy has, logged likewise;
    ``random.RandomState`` has CuPy's samplers, drawing with NumPy's PCG64 seeded by ``seed``."""

    def log(name, args, kwargs, res) -> None:
        reads = [owner_of(a) for a in _arrays((args, kwargs.get("where")))]
        inputs = {id(o) for o in reads}
        made = [o for o in map(owner_of, _arrays(res)) if id(o) not in inputs]  # not views
        writes = [owner_of(a) for a in _arrays(kwargs.get("out"))]
        sim.kernel(name, reads, writes, [o for o in made if id(o) not in map(id, writes)])

    class SimArray(numpy.ndarray):
        def __array_ufunc__(self, ufunc, method, *args, **kwargs):
            plain = [a.view(numpy.ndarray) if isinstance(a, SimArray) else a for a in args]
            outs = kwargs.get("out")
            if outs is not None:
                kwargs["out"] = tuple(
                    o.view(numpy.ndarray) if isinstance(o, SimArray) else o for o in outs
                )
            res = getattr(ufunc, method)(*plain, **kwargs)
            if method == "at":  # in place into its first argument
                outs, args = (args[0],), args[1:]
            log(ufunc.__name__, args, {**kwargs, "out": outs}, res)
            if method == "at":
                return None
            if outs is not None:  # the out arrays themselves, as NumPy returns them
                return outs[0] if len(outs) == 1 else outs
            return _sim(res)

        def __setitem__(self, key, value):
            numpy.ndarray.__setitem__(self.view(numpy.ndarray), key, value)
            sim.kernel("setitem", [owner_of(v) for v in _arrays(value)], [owner_of(self)])

    def _sim(res):
        if type(res) is numpy.ndarray:
            return res.view(SimArray)
        if isinstance(res, tuple):
            return type(res)(*map(_sim, res)) if hasattr(res, "_fields") else tuple(map(_sim, res))
        return res

    def logged(name, fn):
        def kernel(*args, **kwargs):
            res = fn(*args, **kwargs)
            log(name, args, kwargs, res)
            return _sim(res)

        return kernel

    class Ufunc:
        """A ufunc whose call is a logged kernel; its methods log through ``SimArray``."""

        def __init__(self, ufunc) -> None:
            self.ufunc, self.call = ufunc, logged(ufunc.__name__, ufunc)

        def __call__(self, *args, **kwargs):
            return self.call(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.ufunc, name)

    def wrap(module, n):
        value = getattr(module, n)
        if isinstance(value, numpy.ufunc):
            return Ufunc(value)
        if isinstance(value, types.ModuleType):
            return submodule(f"{module.__name__}.{n}", value)
        return logged(n, value) if callable(value) and not isinstance(value, type) else value

    def submodule(name, host):
        sub = types.ModuleType(f"sim.{name}")
        sub.__getattr__ = lambda n: wrap(host, n)
        return sub

    def cupyx_scipy(name):
        """``cupyx.scipy.<name>``: SciPy's functions of that name that CuPy has, logged."""
        host = getattr(scipy, name)
        sub = types.ModuleType(f"sim.cupyx.scipy.{name}")
        sub.__getattr__ = lambda n: wrap(host, n) if n in CUPYX_SCIPY[name] else _absent(name, n)
        return sub

    class RandomState:
        """``cupy.random.RandomState``'s samplers, with CuPy's parameters; each ``seed`` starts
        a NumPy PCG64 generator, which draws."""

        def __init__(self, seed=None, method=None) -> None:
            self.seed(seed)

        def seed(self, seed=None) -> None:
            self.generator = numpy.random.Generator(numpy.random.PCG64(seed))

        def __getattr__(self, name):
            if name not in CUPY_SAMPLERS:
                _absent("random.RandomState", name)
            numpy_name, params = CUPY_SAMPLERS[name]
            signature = inspect.Signature(
                inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
                for p in (*params, "dtype")
            )

            def draw(*args, **kwargs):
                given = signature.bind(*args, **kwargs).arguments  # TypeError as CuPy's
                dtype = given.pop("dtype", None)
                res = getattr(self.generator, numpy_name)(**given)
                return numpy.asarray(res, dtype=dtype)  # CuPy returns arrays, 0-d for no size

            return logged(f"random.{name}", draw)

    xp = submodule("numpy", numpy)
    xp.__name__ = "sim"
    xp.cuda = sim
    xp.ndarray = SimArray
    xp.random = submodule("numpy.random", numpy.random)
    xp.random.RandomState = RandomState
    xp.asnumpy = logged("asnumpy", lambda a, stream=None: numpy.array(a).view(numpy.ndarray))
    cupyx = types.ModuleType("sim.cupyx")
    cupyx.scipy = types.ModuleType("sim.cupyx.scipy")
    cupyx.scipy.special, cupyx.scipy.linalg = cupyx_scipy("special"), cupyx_scipy("linalg")
    xp.cupyx = cupyx
    return xp


def _absent(module: str, name: str):
    raise AttributeError(f"CuPy has no {module}.{name}")


def _arrays(obj) -> list:
    if isinstance(obj, numpy.ndarray):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [a for x in obj for a in _arrays(x)]
    if isinstance(obj, dict):
        return [a for x in obj.values() for a in _arrays(x)]
    return []


@contextlib.contextmanager
def simulated_gpu(default: bool = True):
    """A simulated GPU device (``gpu:7``) and its ``SimulatedCuda``, the default device inside
    the block when ``default``. The modules dnp imports on a GPU (``cupyx.scipy.special``,
    ``cupyx.scipy.linalg``, ``cupy.cuda``) are the simulated ones inside the block."""
    sim = SimulatedCuda()
    xp = simulated_module(sim)
    dev = Device._make("gpu", 7, xp)
    imports = {
        "cupyx": xp.cupyx,
        "cupyx.scipy": xp.cupyx.scipy,
        "cupyx.scipy.special": xp.cupyx.scipy.special,
        "cupyx.scipy.linalg": xp.cupyx.scipy.linalg,
        "cupy.cuda": sim,
    }
    saved = {name: sys.modules.get(name) for name in imports}
    sys.modules.update(imports)
    try:
        with dnp.default_device(dev) if default else contextlib.nullcontext():
            yield dev, sim
            dnp.waitall()
    finally:
        _gpu.DEVICES.pop(dev, None)
        vars(_streams._local).pop("cupy_states", None)  # this device's cuRAND states
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
