"""Probability distributions on dnp, with NumPyro's names, argument names and semantics.

``distribution`` holds the ``Distribution`` base (``batch_shape``, ``event_shape``, ``support``,
``arg_constraints``, ``has_rsample``, ``sample``, ``log_prob``, moments, ``expand``,
``to_event``, ``mask``) and the meta distributions (``Independent``, ``ExpandedDistribution``,
``MaskedDistribution``, ``Delta``, ``ImproperUniform``, ``TransformedDistribution``);
``continuous`` the location-scale families on the real line and their folds, ``continuous_shape``
the families with shape parameters (Gamma, Beta, StudentT, ...), ``continuous_more`` VonMises,
TruncatedNormal, the relaxed (Concrete) ones and MixtureSameFamily; ``discrete`` and
``discrete_counts`` the discrete families (each with ``probs=`` or ``logits=`` where NumPyro takes
them, computed stably from logits); ``multivariate`` MultivariateNormal (three
parameterizations), LowRankMultivariateNormal and Dirichlet; ``lkj`` LKJCholesky; ``kl`` the KL
divergences
(``kl_divergence(p, q)``, ``register_kl``). Code written against
``numpyro.distributions`` ports by changing one import. ``enable_validation(True)`` turns on
argument and support checks for every distribution, as ``numpyro.enable_validation`` does.
Written on the public ``dnp`` only, so it runs on every device and differentiates with
``dnp.autograd``; samples of families with ``has_rsample`` are pathwise-differentiable.
"""

from dnp.infer.distributions.continuous import (
    Cauchy,
    Gumbel,
    HalfCauchy,
    HalfNormal,
    Laplace,
    Logistic,
    LogNormal,
    Normal,
    Uniform,
)
from dnp.infer.distributions.continuous_more import (
    MixtureSameFamily,
    RelaxedBernoulli,
    RelaxedBernoulliLogits,
    RelaxedOneHotCategorical,
    TruncatedNormal,
    VonMises,
)
from dnp.infer.distributions.continuous_shape import (
    Beta,
    Chi2,
    Exponential,
    Gamma,
    InverseGamma,
    Pareto,
    StudentT,
    Weibull,
)
from dnp.infer.distributions.discrete import (
    Bernoulli,
    BernoulliLogits,
    BernoulliProbs,
    Categorical,
    CategoricalLogits,
    CategoricalProbs,
    Geometric,
    GeometricLogits,
    GeometricProbs,
    OneHotCategorical,
    OneHotCategoricalLogits,
    OneHotCategoricalProbs,
)
from dnp.infer.distributions.discrete_counts import (
    BetaBinomial,
    Binomial,
    BinomialLogits,
    BinomialProbs,
    GammaPoisson,
    Multinomial,
    MultinomialLogits,
    MultinomialProbs,
    NegativeBinomial,
    NegativeBinomial2,
    NegativeBinomialLogits,
    NegativeBinomialProbs,
    Poisson,
    ZeroInflatedPoisson,
)
from dnp.infer.distributions.distribution import (
    Delta,
    Distribution,
    ExpandedDistribution,
    ImproperUniform,
    Independent,
    MaskedDistribution,
    TransformedDistribution,
    enable_validation,
    is_validation_enabled,
)
from dnp.infer.distributions.kl import kl_divergence, register_kl
from dnp.infer.distributions.lkj import LKJCholesky
from dnp.infer.distributions.multivariate import (
    Dirichlet,
    LowRankMultivariateNormal,
    MultivariateNormal,
)
from dnp.infer.distributions.unit import Unit

__all__ = [
    "Bernoulli",
    "BernoulliLogits",
    "BernoulliProbs",
    "Beta",
    "BetaBinomial",
    "Binomial",
    "BinomialLogits",
    "BinomialProbs",
    "Categorical",
    "CategoricalLogits",
    "CategoricalProbs",
    "Cauchy",
    "Chi2",
    "Delta",
    "Dirichlet",
    "Distribution",
    "enable_validation",
    "ExpandedDistribution",
    "Exponential",
    "Gamma",
    "GammaPoisson",
    "Geometric",
    "GeometricLogits",
    "GeometricProbs",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "ImproperUniform",
    "Independent",
    "InverseGamma",
    "is_validation_enabled",
    "kl_divergence",
    "Laplace",
    "LKJCholesky",
    "Logistic",
    "LogNormal",
    "LowRankMultivariateNormal",
    "MaskedDistribution",
    "MixtureSameFamily",
    "Multinomial",
    "MultinomialLogits",
    "MultinomialProbs",
    "MultivariateNormal",
    "NegativeBinomial",
    "NegativeBinomial2",
    "NegativeBinomialLogits",
    "NegativeBinomialProbs",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalLogits",
    "OneHotCategoricalProbs",
    "Pareto",
    "Poisson",
    "register_kl",
    "RelaxedBernoulli",
    "RelaxedBernoulliLogits",
    "RelaxedOneHotCategorical",
    "StudentT",
    "TransformedDistribution",
    "TruncatedNormal",
    "Uniform",
    "Unit",
    "VonMises",
    "Weibull",
    "ZeroInflatedPoisson",
]
