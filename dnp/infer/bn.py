"""ZhuSuan's ``BayesianNet`` and ``meta_bayesian_net``, over dnp.infer's primitives.

A ``BayesianNet`` is a record of named nodes. ``bn.stochastic(name, dist)`` and the methods
named after the families (``bn.normal(...)``) add a ``StochasticTensor``: the value of a
``dnp.infer.sample`` site of the same name, observed where ``name`` is in ``observed`` and drawn
otherwise; ``n_samples`` adds a leading sample axis, ``group_ndims`` makes the last batch axes
event axes (``dist.to_event(group_ndims)``, their log densities summed). ``bn.deterministic``
is a ``dnp.infer.deterministic`` site. ``bn.cond_log_prob(names)`` are the nodes' log densities
and ``bn.log_joint()`` their sum, keeping the sample and batch axes (ZhuSuan's semantics).

The methods return the node's value, a dnp array (as ``dnp.infer.sample`` does, and as a TF
StochasticTensor converts to its tensor in ZhuSuan); ``bn[name]`` is the node.

Handlers: every node goes through the handler stack, so the ``dnp.infer.handlers`` work on a
``BayesianNet`` as on a function model: ``with handlers.seed(rng_seed=0): bn = build()``
draws reproducibly, ``handlers.trace`` records the nodes as sites, ``handlers.condition``
observes them (``MetaBayesianNet.observe`` is ``condition``), ``handlers.substitute`` gives
latent values, ``handlers.scale``, ``mask`` and ``plate`` scale and mask the nodes' log
densities as they do ``log_density``'s. ``BayesianNet(rng=...)`` (a ``dnp.random.Generator`` or
int seed; ZhuSuan draws from TF's global state) draws every node from that generator instead.

ZhuSuan's methods (their arguments) and the ``dnp.infer.dist`` families they build::

    normal(mean=0., std=, logstd=)                Normal(mean, std), std = exp(logstd) where given
    bernoulli(logits=, probs=)                    Bernoulli(probs=, logits=)
    categorical(logits=, probs=)                  Categorical(probs=, logits=)
    onehot_categorical(logits=, probs=)           OneHotCategorical(probs=, logits=)
    uniform(minval=0., maxval=1.)                 Uniform(minval, maxval)
    gamma(alpha, beta)                            Gamma(alpha, rate=beta)
    beta(alpha, beta)                             Beta(alpha, beta)
    poisson(rate)                                 Poisson(rate)
    binomial(logits, n_experiments)               Binomial(n_experiments, logits=logits)
    multinomial(logits, n_experiments)            Multinomial(n_experiments, logits=logits)
    dirichlet(alpha)                              Dirichlet(alpha)
    inverse_gamma(alpha, beta)                    InverseGamma(alpha, rate=beta)
    laplace(loc, scale)                           Laplace(loc, scale)
    exponential(rate)                             Exponential(rate)
    logistic(loc, scale)                          Logistic(loc, scale)
    student_t(df, loc=0., scale=1.)               StudentT(df, loc, scale)
    multivariate_normal_cholesky(mean, cov_tril)  MultivariateNormal(mean, scale_tril=cov_tril)
    bin_concrete(temperature, logits)             RelaxedBernoulliLogits(temperature, logits)
    exp_concrete(temperature, logits)             ExpRelaxedCategorical(temperature, logits)
    concrete(temperature, logits)                 RelaxedOneHotCategorical(temperature, logits=)

(aliases as ZhuSuan's: ``discrete``, ``onehot_discrete``, ``bin_gumbel_softmax``,
``exp_gumbel_softmax``, ``gumbel_softmax``). The other dnp families, which ZhuSuan lacks, have
methods generated from their classes with NumPyro's arguments: ``cauchy``, ``gumbel``,
``half_cauchy``, ``half_normal``, ``log_normal``, ``von_mises``, ``truncated_normal``, ``chi2``,
``pareto``, ``weibull``, ``geometric``, ``beta_binomial``, ``gamma_poisson``,
``negative_binomial``, ``negative_binomial2``, ``zero_inflated_poisson``, ``multivariate_normal``,
``low_rank_multivariate_normal``, ``lkj_cholesky``, ``mixture_same_family``. Every method takes
``group_ndims=0`` and ``n_samples=None`` (keywords); the continuous ZhuSuan ones also
``is_reparameterized=True`` (False detaches drawn values from ``dnp.autograd``'s tape).
"""

from __future__ import annotations

import functools
import inspect

import dnp
from dnp.infer import distributions as dist
from dnp.infer.distributions.continuous_more import ExpRelaxedCategorical
from dnp.infer.distributions.distribution import Distribution, as_generator
from dnp.infer.handlers import condition
from dnp.infer.primitives import Messenger, deterministic, sample

__all__ = ["BayesianNet", "MetaBayesianNet", "StochasticTensor", "meta_bayesian_net"]


class StochasticTensor:
    """A stochastic node of a ``BayesianNet``: its ``name``, distribution ``dist`` (after the
    handlers: ``group_ndims`` as event axes, plates' broadcasting, masks) and value ``tensor``
    (the observation, or a draw with ``n_samples`` leading)."""

    def __init__(self, bn: BayesianNet, site: dict) -> None:
        self.bn = bn
        self.name = site["name"]
        self.dist = site["fn"]
        self.tensor = site["value"]
        self._observed = site["is_observed"]
        self._scale = site["scale"]

    def is_observed(self) -> bool:
        """Whether the value is an observation (ZhuSuan's method)."""
        return self._observed

    def log_prob(self, given=None):
        """``dist.log_prob(given)`` (``given`` defaults to the node's value), summed over the
        ``group_ndims`` axes and times the site's scale (plate subsampling, ``scale``)."""
        log_p = self.dist.log_prob(self.tensor if given is None else given)
        return log_p if self._scale is None else self._scale * log_p

    @property
    def cond_log_p(self):
        """The log density of the node's value given its parents: ``log_prob()``."""
        return self.log_prob()

    def __repr__(self) -> str:
        kind = "observed" if self._observed else "latent"
        return f"StochasticTensor({self.name!r}, {self.dist!r}, {kind})"


class _LastSite(Messenger):
    """The innermost handler: keeps the message of the site sent inside it, as the outer
    handlers left it."""

    def postprocess_message(self, msg: dict) -> None:
        self.msg = msg


def _std(std, logstd):
    if (std is None) == (logstd is None):
        raise ValueError("Either std or logstd should be passed but not both of them.")
    return dnp.exp(logstd) if std is None else std


class BayesianNet:
    """A Bayesian network of named stochastic and deterministic nodes (ZhuSuan's
    ``BayesianNet``): ``observed`` maps node names to their observed values; ``rng`` (a
    ``dnp.random.Generator`` or int seed), where given, draws the latent nodes in place of the
    enclosing ``seed`` handler."""

    def __init__(self, observed=None, rng=None) -> None:
        self._observed = dict(observed or {})
        self._rng = None if rng is None else as_generator(rng)
        self._nodes: dict = {}
        self._meta_bn: MetaBayesianNet | None = None

    @property
    def nodes(self) -> dict:
        """Name -> node: ``StochasticTensor``s and deterministic nodes' values."""
        return self._nodes

    def __contains__(self, name) -> bool:
        return name in self._nodes

    def __getitem__(self, name):
        return self._nodes[self._check_name(name)]

    def _check_name(self, name, only_stochastic: bool = False) -> str:
        if not isinstance(name, str):
            raise TypeError(f"Expected a node name (a string), got {name!r} of type {type(name)}")
        if name not in self._nodes:
            raise ValueError(f"There isn't a node named {name!r} in the BayesianNet.")
        if only_stochastic and not isinstance(self._nodes[name], StochasticTensor):
            raise ValueError(f"Node {name!r} is deterministic.")
        return name

    def _check_new(self, name: str) -> None:
        if name in self._nodes:
            raise ValueError(
                f"There exists a node with name {name!r} in the BayesianNet. Names should be "
                "unique."
            )

    def stochastic(
        self,
        name: str,
        dist: Distribution,
        n_samples: int | None = None,
        group_ndims: int = 0,
        is_reparameterized: bool = True,
    ):
        """Add the stochastic node ``name`` of distribution ``dist`` and return its value: the
        observation where ``name`` is observed (by ``observed`` or a ``condition`` handler),
        else a draw of shape ``(n_samples,) + dist.shape()`` (``dist.shape()`` for None).
        ``group_ndims`` rightmost batch axes become event axes; ``is_reparameterized=False``
        detaches a drawn value from the tape."""
        self._check_new(name)
        if not isinstance(dist, Distribution):
            raise TypeError(f"node {name!r}: dist must be a Distribution, got {type(dist)}")
        obs = self._observed.get(name)
        shape = () if n_samples is None else (n_samples,)
        site = _LastSite()
        with site:
            sample(name, dist.to_event(group_ndims), obs=obs, rng=self._rng, sample_shape=shape)
        msg = site.msg
        if msg["is_observed"]:
            _check_observation(msg)
            msg = {**msg, "value": dnp.asarray(msg["value"])}
        elif not is_reparameterized:
            msg = {**msg, "value": msg["value"].detach()}
        node = StochasticTensor(self, msg)
        self._nodes[name] = node
        return node.tensor

    def deterministic(self, name: str, value):
        """Add the deterministic node ``name`` (a ``dnp.infer.deterministic`` site) and return
        its value."""
        self._check_new(name)
        value = deterministic(name, value)
        self._nodes[name] = value
        return value

    def cond_log_prob(self, name_or_names):
        """The log density of each named stochastic node given its parents (summed over its
        ``group_ndims`` axes): an array for a name, a list for a list or tuple of names."""
        if isinstance(name_or_names, (list, tuple)):
            names = [self._check_name(n, only_stochastic=True) for n in name_or_names]
            return [self._nodes[n].cond_log_p for n in names]
        return self._nodes[self._check_name(name_or_names, only_stochastic=True)].cond_log_p

    def log_joint(self):
        """The sum of all stochastic nodes' ``cond_log_prob``, broadcast, with no reduction
        over sample or batch axes; ``meta_bn.log_joint(self)`` instead where the
        ``MetaBayesianNet`` that built this net sets one (ZhuSuan's override)."""
        custom = None if self._meta_bn is None else self._meta_bn.log_joint
        if custom is not None:
            if not callable(custom):
                raise TypeError(f"MetaBayesianNet.log_joint is not callable: {custom!r}")
            return custom(self)
        terms = [n.cond_log_p for n in self._nodes.values() if isinstance(n, StochasticTensor)]
        return dnp.asarray(sum(terms, 0.0))

    def __repr__(self) -> str:
        return f"BayesianNet(nodes={list(self._nodes)})"

    # --- ZhuSuan's families ------------------------------------------------------------------

    def normal(
        self,
        name,
        mean=0.0,
        *,
        std=None,
        logstd=None,
        group_ndims=0,
        n_samples=None,
        is_reparameterized=True,
    ):
        """``Normal(mean, std)``; exactly one of ``std`` and ``logstd`` (std = exp(logstd))."""
        family = dist.Normal(mean, _std(std, logstd))
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def bernoulli(self, name, logits=None, probs=None, *, group_ndims=0, n_samples=None):
        """``Bernoulli(probs=, logits=)``: exactly one of them."""
        family = dist.Bernoulli(probs=probs, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims)

    def categorical(self, name, logits=None, probs=None, *, group_ndims=0, n_samples=None):
        """``Categorical(probs=, logits=)`` over the last axis: exactly one of them."""
        family = dist.Categorical(probs=probs, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims)

    discrete = categorical

    def onehot_categorical(self, name, logits=None, probs=None, *, group_ndims=0, n_samples=None):
        """``OneHotCategorical(probs=, logits=)``: exactly one of them."""
        family = dist.OneHotCategorical(probs=probs, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims)

    onehot_discrete = onehot_categorical

    def uniform(
        self,
        name,
        minval=0.0,
        maxval=1.0,
        *,
        group_ndims=0,
        n_samples=None,
        is_reparameterized=True,
    ):
        """``Uniform(minval, maxval)``."""
        family = dist.Uniform(minval, maxval)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def gamma(self, name, alpha, beta, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Gamma(alpha, rate=beta)``: density beta^alpha x^(alpha-1) e^(-beta x) /
        Gamma(alpha)."""
        family = dist.Gamma(alpha, beta)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def beta(self, name, alpha, beta, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Beta(alpha, beta)``."""
        family = dist.Beta(alpha, beta)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def poisson(self, name, rate, *, group_ndims=0, n_samples=None):
        """``Poisson(rate)``."""
        return self.stochastic(name, dist.Poisson(rate), n_samples, group_ndims)

    def binomial(self, name, logits, n_experiments, *, group_ndims=0, n_samples=None):
        """``Binomial(n_experiments, logits=logits)``."""
        family = dist.Binomial(n_experiments, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims)

    def multinomial(self, name, logits, n_experiments, *, group_ndims=0, n_samples=None):
        """``Multinomial(n_experiments, logits=logits)`` over the last axis."""
        family = dist.Multinomial(n_experiments, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims)

    def dirichlet(self, name, alpha, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Dirichlet(alpha)`` over the last axis."""
        family = dist.Dirichlet(alpha)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def inverse_gamma(
        self, name, alpha, beta, *, group_ndims=0, n_samples=None, is_reparameterized=True
    ):
        """``InverseGamma(alpha, rate=beta)``: density beta^alpha x^(-alpha-1) e^(-beta/x) /
        Gamma(alpha)."""
        family = dist.InverseGamma(alpha, beta)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def laplace(self, name, loc, scale, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Laplace(loc, scale)``."""
        family = dist.Laplace(loc, scale)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def exponential(self, name, rate, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Exponential(rate)``."""
        family = dist.Exponential(rate)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def logistic(self, name, loc, scale, *, group_ndims=0, n_samples=None, is_reparameterized=True):
        """``Logistic(loc, scale)``."""
        family = dist.Logistic(loc, scale)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def student_t(
        self,
        name,
        df,
        loc=0.0,
        scale=1.0,
        *,
        group_ndims=0,
        n_samples=None,
        is_reparameterized=True,
    ):
        """``StudentT(df, loc, scale)``."""
        family = dist.StudentT(df, loc, scale)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def multivariate_normal_cholesky(
        self, name, mean, cov_tril, *, group_ndims=0, n_samples=None, is_reparameterized=True
    ):
        """``MultivariateNormal(mean, scale_tril=cov_tril)``."""
        family = dist.MultivariateNormal(mean, scale_tril=cov_tril)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    def bin_concrete(
        self, name, temperature, logits, *, group_ndims=0, n_samples=None, is_reparameterized=True
    ):
        """``RelaxedBernoulliLogits(temperature, logits)``: the binary Concrete on (0, 1)."""
        family = dist.RelaxedBernoulliLogits(temperature, logits)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    bin_gumbel_softmax = bin_concrete

    def exp_concrete(
        self, name, temperature, logits, *, group_ndims=0, n_samples=None, is_reparameterized=True
    ):
        """``ExpRelaxedCategorical(temperature, logits)``: the log of a Concrete draw."""
        family = ExpRelaxedCategorical(temperature, logits)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    exp_gumbel_softmax = exp_concrete

    def concrete(
        self, name, temperature, logits, *, group_ndims=0, n_samples=None, is_reparameterized=True
    ):
        """``RelaxedOneHotCategorical(temperature, logits=logits)``: the Concrete on the
        simplex."""
        family = dist.RelaxedOneHotCategorical(temperature, logits=logits)
        return self.stochastic(name, family, n_samples, group_ndims, is_reparameterized)

    gumbel_softmax = concrete


def _check_observation(msg: dict) -> None:
    """An observation must broadcast with its distribution's batch and event shape (it may add
    leading axes, as samples)."""
    shape = msg["fn"].shape()
    try:
        dnp.broadcast_shapes(dnp.shape(msg["value"]), shape)
    except ValueError:
        raise ValueError(
            f"Incompatible shapes of StochasticTensor({msg['name']!r}) and its observation: "
            f"{shape} vs {dnp.shape(msg['value'])}."
        ) from None


# The dnp families ZhuSuan lacks: methods generated from the classes, NumPyro's arguments.
_GENERATED = {
    "cauchy": dist.Cauchy,
    "gumbel": dist.Gumbel,
    "half_cauchy": dist.HalfCauchy,
    "half_normal": dist.HalfNormal,
    "log_normal": dist.LogNormal,
    "von_mises": dist.VonMises,
    "truncated_normal": dist.TruncatedNormal,
    "chi2": dist.Chi2,
    "pareto": dist.Pareto,
    "weibull": dist.Weibull,
    "geometric": dist.Geometric,
    "beta_binomial": dist.BetaBinomial,
    "gamma_poisson": dist.GammaPoisson,
    "negative_binomial": dist.NegativeBinomial,
    "negative_binomial2": dist.NegativeBinomial2,
    "zero_inflated_poisson": dist.ZeroInflatedPoisson,
    "multivariate_normal": dist.MultivariateNormal,
    "low_rank_multivariate_normal": dist.LowRankMultivariateNormal,
    "lkj_cholesky": dist.LKJCholesky,
    "mixture_same_family": dist.MixtureSameFamily,
}

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _family_method(method_name: str, family):
    def method(self, name, *args, group_ndims=0, n_samples=None, **kwargs):
        return self.stochastic(name, family(*args, **kwargs), n_samples, group_ndims)

    head = [inspect.Parameter("self", _POSITIONAL), inspect.Parameter("name", _POSITIONAL)]
    tail = [
        inspect.Parameter("group_ndims", _KEYWORD, default=0),
        inspect.Parameter("n_samples", _KEYWORD, default=None),
    ]
    params = list(inspect.signature(family).parameters.values())
    method.__signature__ = inspect.Signature(head + params + tail)
    method.__name__ = method_name
    method.__qualname__ = f"BayesianNet.{method_name}"
    method.__doc__ = f"A node of ``dnp.infer.dist.{family.__name__}`` (NumPyro's arguments)."
    return method


for _method_name, _family in _GENERATED.items():
    setattr(BayesianNet, _method_name, _family_method(_method_name, _family))


class MetaBayesianNet:
    """A reusable model (ZhuSuan's ``MetaBayesianNet``): the builder ``f`` with its arguments;
    ``observe(**values)`` builds a fresh ``BayesianNet`` with those nodes observed. Set
    ``log_joint`` to a function of the ``BayesianNet`` to replace its ``log_joint()``.
    ``scope`` and ``reuse_variables`` (TF variable scopes) are kept for compatibility."""

    def __init__(self, f, args=None, kwargs=None, scope=None, reuse_variables=False) -> None:
        if reuse_variables and scope is None:
            raise ValueError("Cannot reuse tensorflow Variables when `scope` is not provided.")
        self._f = f
        self._args = tuple(args or ())
        self._kwargs = dict(kwargs or {})
        self.scope = scope
        self.reuse_variables = reuse_variables
        self.log_joint = None

    def observe(self, **values) -> BayesianNet:
        """A fresh ``BayesianNet`` from the builder, run inside ``condition(data=values)``:
        the nodes named in ``values`` observed at them, the others drawn."""
        with condition(data=values):
            bn = self._f(*self._args, **self._kwargs)
        if not isinstance(bn, BayesianNet):
            raise TypeError(
                f"a meta_bayesian_net builder must return a BayesianNet, got {type(bn)}"
            )
        bn._meta_bn = self
        return bn


def meta_bayesian_net(scope=None, reuse_variables=False):
    """Decorator factory (ZhuSuan's): ``@meta_bayesian_net()`` over a builder ``f(*args,
    **kwargs)`` that returns a ``BayesianNet`` gives a function whose call returns the
    ``MetaBayesianNet`` of ``f`` and those arguments."""

    def wrapper(f):
        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            return MetaBayesianNet(f, args, kwargs, scope=scope, reuse_variables=reuse_variables)

        return wrapped

    return wrapper
