"""``dnp.random.Generator``: NumPy's Generator, NumPy's values, dnp arrays on any device.

Every method takes NumPy's arguments plus ``device=`` and returns dnp arrays (Python scalars
where NumPy returns them). On the CPU a call draws with a NumPy ``Generator`` (``_streams.py``),
so a seed gives NumPy's values. Most methods are generated: they hand their arguments to NumPy's
method of the same name. The samplers with a reparameterization (``_Sampler``, shared with
``RandomState``) are written out below: while autograd records and a parameter carries a
gradient, they draw parameter-free noise and build the sample from it with dnp operations, so
gradients flow to the parameters. They give the same values as the direct draw (to the last bit
for location-scale families), so recording does not change a seeded program's results.
"""

from __future__ import annotations

import inspect
import operator

import numpy

from .. import autograd, broadcast_to, exp, linalg, log, sqrt, take
from .._backend import get_device
from .._dispatch import cpu_result, dispatch, ready_now
from .._ndarray import ndarray
from ._implicit import beta_sample, gamma_sample
from ._streams import Stream, sampler


def seed_sequence(seed) -> numpy.random.SeedSequence:
    """The SeedSequence of a seed (None, ints, a SeedSequence, a NumPy BitGenerator or
    Generator): where a generator's GPU draws derive from."""
    if isinstance(seed, numpy.random.SeedSequence):
        return seed
    if isinstance(seed, numpy.random.Generator):
        seed = seed.bit_generator
    if isinstance(seed, numpy.random.BitGenerator):
        seq = seed.seed_seq
        return seq if isinstance(seq, numpy.random.SeedSequence) else numpy.random.SeedSequence()
    return numpy.random.SeedSequence(seed)


def _host_seed(seed):
    return seed.asnumpy() if isinstance(seed, ndarray) else seed


class _Sampler:
    """What dnp's Generator and RandomState share: drawing through a dispatched op, the
    reparameterized samplers (written with Generator's signatures; RandomState overrides the
    few whose legacy signatures differ), pickling. ``_stream`` holds the NumPy generator."""

    _stream: Stream
    _device = None

    def __repr__(self) -> str:
        source = self._stream.source
        is_generator = isinstance(source, numpy.random.Generator)
        bits = source.bit_generator if is_generator else source._bit_generator
        return f"{type(self).__name__}({type(bits).__name__})"

    def __reduce__(self):
        stream = self._stream
        return (_restore, (type(self), stream.source, stream.seed_seq, stream.calls, self._device))

    # --- how every method draws ----------------------------------------------------------------
    def _draw(self, method: str, args: tuple, kwargs: dict, device=None):
        """``<NumPy generator>.<method>(*args, **kwargs)`` for this call: at once where nothing
        records or traces it and its arguments are ready on the CPU (``ready_now``: what the
        dispatched op would do there, without dispatch's cost per call), else as a dispatched
        op."""
        target = device if device is not None else self._device
        if target is None:
            xargs = ready_now(args, kwargs)
            if xargs is not None:
                source = self._stream.take().source()
                return cpu_result(getattr(source, method)(*xargs, **kwargs), args)
        else:
            kwargs = {**kwargs, "device": target}
        return dispatch(sampler(method), (self._stream.take(), *args), kwargs)

    def _noise(self, method: str, size, params: tuple, device, *args):
        """Parameter-free draws (``method(*args, shape)``) of the sample's shape (``size``
        checked against the parameters'), on the parameters' device, for building a
        reparameterized sample."""
        return self._draw(method, (*args, _sample_shape(size, params)), {}, _device(params, device))

    # --- reparameterized samplers --------------------------------------------------------------
    def normal(self, loc=0.0, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.normal`; differentiable in ``loc`` and ``scale``."""
        if _tracked(loc, scale):
            _check(scale, "scale")
            return loc + scale * self._noise("standard_normal", size, (loc, scale), device)
        return self._draw("normal", (loc, scale, size), {}, device)

    def uniform(self, low=0.0, high=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.uniform`; differentiable in ``low`` and ``high``."""
        if _tracked(low, high):
            span = high - low
            host = _host(span)
            if not numpy.all(numpy.isfinite(host)):
                raise OverflowError("high - low range exceeds valid bounds")
            if numpy.any(host < 0):
                raise ValueError("high - low < 0")
            return low + span * self._noise("random", size, (low, high), device)
        return self._draw("uniform", (low, high, size), {}, device)

    def exponential(self, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.exponential`; differentiable in ``scale``."""
        if _tracked(scale):
            _check(scale, "scale")
            return scale * self._noise("standard_exponential", size, (scale,), device)
        return self._draw("exponential", (scale, size), {}, device)

    def laplace(self, loc=0.0, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.laplace`; differentiable in ``loc`` and ``scale``."""
        return self._location_scale("laplace", loc, scale, size, device)

    def logistic(self, loc=0.0, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.logistic`; differentiable in ``loc`` and ``scale``."""
        return self._location_scale("logistic", loc, scale, size, device)

    def gumbel(self, loc=0.0, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.gumbel`; differentiable in ``loc`` and ``scale``."""
        return self._location_scale("gumbel", loc, scale, size, device)

    def _location_scale(self, method, loc, scale, size, device):
        if _tracked(loc, scale):
            _check(scale, "scale")
            return loc + scale * self._noise(method, size, (loc, scale), device, 0.0, 1.0)
        return self._draw(method, (loc, scale, size), {}, device)

    def lognormal(self, mean=0.0, sigma=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.lognormal`; differentiable in ``mean`` and ``sigma``."""
        if _tracked(mean, sigma):
            _check(sigma, "sigma")
            return exp(mean + sigma * self._noise("standard_normal", size, (mean, sigma), device))
        return self._draw("lognormal", (mean, sigma, size), {}, device)

    def cauchy(self, loc=0.0, scale=1.0, size=None, *, device=None):
        """Cauchy (Lorentz) samples with location ``loc`` and scale ``scale``; differentiable.

        NumPy has only ``standard_cauchy``; this is ``loc + scale * standard_cauchy(size)``.
        """
        _check(scale, "scale")
        return loc + scale * self._noise("standard_cauchy", size, (loc, scale), device)

    def standard_gamma(self, shape, size=None, dtype=numpy.float64, out=None, *, device=None):
        """See `numpy.random.Generator.standard_gamma`; differentiable in ``shape`` (implicit
        reparameterization)."""
        if out is None and _tracked(shape):
            return self._implicit_gamma(shape, size, device, dtype)
        return self._draw("standard_gamma", (shape, size, dtype, out), {}, device)

    def _implicit_gamma(self, shape, size, device, *dtype):
        """A gamma sample of ``shape`` (tracked), differentiable by implicit reparameterization.
        (The draw checks ``shape`` as NumPy does, with no read of it here: ``dnp.jit`` traces
        this.)"""
        size = _sample_shape(size, (shape,))
        x = self._draw("standard_gamma", (shape.detach(), size, *dtype), {}, device)
        return gamma_sample(x, broadcast_to(shape, size))

    def gamma(self, shape, scale=1.0, size=None, *, device=None):
        """See `numpy.random.Generator.gamma`; differentiable in ``shape`` and ``scale``."""
        if _tracked(shape, scale):
            _check(shape, "shape")
            _check(scale, "scale")
            size = _sample_shape(size, (shape, scale))
            return scale * self.standard_gamma(shape, size, device=device)
        return self._draw("gamma", (shape, scale, size), {}, device)

    def beta(self, a, b, size=None, *, device=None):
        """See `numpy.random.Generator.beta`; differentiable in ``a`` and ``b`` (implicit
        reparameterization)."""
        if _tracked(a, b):  # the draw checks a and b, as NumPy does
            size = _sample_shape(size, (a, b))
            x = self._draw("beta", (_detached(a), _detached(b), size), {}, device)
            return beta_sample(x, broadcast_to(a, size), broadcast_to(b, size))
        return self._draw("beta", (a, b, size), {}, device)

    def dirichlet(self, alpha, size=None, *, device=None):
        """See `numpy.random.Generator.dirichlet`; differentiable in ``alpha``.

        While recording, the sample is built as NumPy builds it for ``alpha >= 0.1``: gamma draws
        normalized to sum to one. When an ``alpha`` is below 0.1 (where those gammas underflow
        to 0 and NumPy switches to stick-breaking), the gammas are built in log space instead,
        ``log G(a) = log G(a + 1) + log(U) / a`` (Marsaglia and Tsang's boost), and normalized
        with a softmax.
        """
        if not _tracked(alpha):
            return self._draw("dirichlet", (alpha, size), {}, device)
        if alpha.ndim != 1:
            raise ValueError("object of too small depth for desired array")
        _check(alpha, "alpha")
        shape = (*(() if size is None else _as_shape(size)), alpha.shape[0])
        if numpy.all(_host(alpha) >= 0.1):
            g = self.standard_gamma(broadcast_to(alpha, shape), device=device)
            return g * (1.0 / g.sum(axis=-1, keepdims=True))
        boosted = self.standard_gamma(broadcast_to(alpha + 1.0, shape), device=device)
        u = self._noise("random", shape, (alpha,), device)
        log_g = log(boosted) + log(u) / alpha
        e = exp(log_g - log_g.max(axis=-1, keepdims=True).detach())
        return e / e.sum(axis=-1, keepdims=True)

    def multivariate_normal(
        self, mean, cov, size=None, check_valid="warn", tol=1e-8, *, method="svd", device=None
    ):
        """See `numpy.random.Generator.multivariate_normal`; differentiable in ``mean`` and
        ``cov`` (through the factor that ``method`` names: svd, eigh or cholesky)."""
        if not _tracked(mean, cov):
            return self._draw(
                "multivariate_normal",
                (mean, cov, size, check_valid, tol),
                {"method": method},
                device,
            )
        # NumPy's own checks (shapes, method, positive semi-definiteness) on the host values.
        probe = numpy.random.Generator(numpy.random.PCG64(0))
        probe.multivariate_normal(_host(mean), _host(cov), None, check_valid, tol, method=method)
        if method == "cholesky":
            factor = linalg.cholesky(cov).T
        elif method == "eigh":
            s, u = linalg.eigh(cov)
            factor = (u * sqrt(abs(s))).T
        else:
            u, s, _ = linalg.svd(cov)
            factor = (u * sqrt(s)).T
        return self._correlated(mean, factor, size, cov, device)

    def _correlated(self, mean, factor, size, cov, device):
        """``mean + z @ factor`` for standard normal ``z`` of the sample's shape."""
        shape = (*(() if size is None else _as_shape(size)), numpy.shape(mean)[0])
        z = self._draw("standard_normal", (shape,), {}, _device((mean, cov), device))
        return mean + z @ factor

    # --- permutations: index draws, applied with take, so arrays keep their gradients ---------
    def permutation(self, x, axis=0, *, device=None):
        """See `numpy.random.Generator.permutation`."""
        if not isinstance(x, ndarray) or x.ndim == 0:
            return self._draw("permutation", (x,), {"axis": axis}, device)
        axis = numpy.lib.array_utils.normalize_axis_index(axis, x.ndim)
        perm = self._draw("permutation", (x.shape[axis],), {}, device or x.device)
        return take(x, perm, axis=axis)

    def shuffle(self, x, axis=0, *, device=None) -> None:
        """See `numpy.random.Generator.shuffle` (in place)."""
        if not isinstance(x, ndarray) or x.ndim == 0:
            self._draw("shuffle", (x, axis), {}, device)
            return
        axis = numpy.lib.array_utils.normalize_axis_index(axis, x.ndim)
        perm = self._draw("permutation", (x.shape[axis],), {}, device or x.device)
        x[...] = take(x, perm, axis=axis)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True, *, device=None):
        """See `numpy.random.Generator.choice`."""
        if not isinstance(a, ndarray) or a.ndim == 0:
            return self._draw("choice", (a, size, replace, p, axis, shuffle), {}, device)
        axis = numpy.lib.array_utils.normalize_axis_index(axis, a.ndim)
        idx = self._draw("choice", (a.shape[axis], size, replace, p, 0, shuffle), {}, a.device)
        return take(a, idx, axis=axis)


class Generator(_Sampler):
    """NumPy's ``Generator``, drawing dnp arrays. See `numpy.random.Generator`.

    ``Generator(seed=None, *, device=None)``: ``seed`` is anything ``default_rng`` takes; a NumPy
    BitGenerator or Generator is drawn from as it stands (its state is shared, as NumPy shares
    it). ``device`` is where results live unless a call's ``device=`` or its array parameters
    say otherwise. On the CPU the values are NumPy's for the same seed and calls.
    """

    __module__ = "dnp.random"

    def __init__(self, seed=None, *, device=None) -> None:
        if isinstance(seed, Generator):
            raise TypeError("Generator takes a seed or a BitGenerator, not a dnp Generator")
        seed = _host_seed(seed)
        if isinstance(seed, numpy.random.Generator):
            source = seed
        elif isinstance(seed, numpy.random.BitGenerator):
            source = numpy.random.Generator(seed)
        else:
            source = numpy.random.default_rng(seed)
        self._stream = Stream(source, seed_sequence(source))
        self._device = None if device is None else get_device(device)

    def spawn(self, n_children: int) -> list[Generator]:
        """Independent child generators. See `numpy.random.Generator.spawn`."""
        return [
            Generator(child, device=self._device) for child in self._stream.source.spawn(n_children)
        ]

    @property
    def bit_generator(self) -> numpy.random.BitGenerator:
        """The NumPy bit generator this Generator draws with (its state is this Generator's)."""
        return self._stream.source.bit_generator


def _restore(cls, source, seed_seq, calls, device):
    gen = cls.__new__(cls)
    gen._stream = Stream(source, seed_seq, calls)
    gen._device = device
    return gen


# --- helpers of the reparameterized samplers ----------------------------------------------------
def _tracked(*params) -> bool:
    """Whether autograd records and a parameter carries a gradient."""
    return autograd.is_recording() and any(
        isinstance(p, ndarray) and p._ag is not None for p in params
    )


def _device(params: tuple, device):
    """``device`` if given, else the first array parameter's device (None: the default)."""
    if device is None:
        device = next((p.device for p in params if isinstance(p, ndarray)), None)
    return device


def _host(value):
    return value.asnumpy() if isinstance(value, ndarray) else numpy.asarray(value)


def _detached(value):
    return value.detach() if isinstance(value, ndarray) else value


def _check(value, name: str, positive: bool = False) -> None:
    """NumPy's parameter checks: ``name < 0`` (or ``<= 0``) raises ValueError (NaN passes)."""
    host = _host(value)
    if numpy.any(host <= 0 if positive else host < 0):
        raise ValueError(f"{name} {'<=' if positive else '<'} 0")


def _as_shape(size) -> tuple[int, ...]:
    try:
        return (operator.index(size),)
    except TypeError:
        return tuple(operator.index(n) for n in size)


def _sample_shape(size, params: tuple) -> tuple[int, ...]:
    """The sample's shape: ``size``, which the parameters must broadcast to, else theirs."""
    shapes = [numpy.shape(p) for p in params]
    if size is None:
        return numpy.broadcast_shapes(*shapes)
    shape = _as_shape(size)
    for s in shapes:
        if numpy.broadcast_shapes(shape, s) != shape:
            raise ValueError(
                f"shape mismatch: objects cannot be broadcast to a single shape.  A parameter of "
                f"shape {s} does not broadcast to size {shape}."
            )
    return shape


# --- the rest of NumPy's methods: generated, each the direct draw -------------------------------
def _direct(name: str, cls: type):
    def method(self, *args, device=None, **kwargs):
        return self._draw(name, args, kwargs, device)

    numpy_method = getattr(cls, name)
    params = list(inspect.signature(numpy_method).parameters.values())
    params.append(inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default=None))
    method.__signature__ = inspect.Signature(params)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f"See `numpy.random.{cls.__name__}.{name}`; ``device=`` picks the result's device."
    )
    return method


def add_direct_methods(ours: type, theirs: type) -> list[str]:
    """Give ``ours`` every public method of NumPy's ``theirs`` that it does not write out, each
    the direct draw; returns their names."""
    names = sorted(n for n in dir(theirs) if not n.startswith("_") and not hasattr(ours, n))
    for name in names:
        setattr(ours, name, _direct(name, theirs))
    return names


DIRECT = add_direct_methods(Generator, numpy.random.Generator)


def default_rng(seed=None, *, device=None) -> Generator:
    """A Generator seeded with ``seed``; a dnp Generator is returned as it is.
    See `numpy.random.default_rng`."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed, device=device)
