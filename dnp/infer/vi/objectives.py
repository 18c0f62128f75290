"""ZhuSuan's variational objectives on ``BayesianNet`` models (``zs.variational``): ``elbo``
(``EvidenceLowerBoundObjective``, with the ``sgvb`` and ``reinforce`` estimators) and
``iw_objective`` (``ImportanceWeightedObjective``, with ``sgvb`` (IWAE) and ``vimco``).

The variational posterior is a ``BayesianNet`` whose unobserved stochastic nodes are the latents
``z`` (drawn with ``n_samples`` leading); the model is ``meta_bn.observe(**observed, **z)``, so
``log p(x, z)`` is its ``log_joint()`` and ``log q(z)`` the sum of the variational nodes'
``cond_log_prob``, both with the sample and batch axes kept. An objective is array-like: its
value is the dnp array ``.tensor`` (arithmetic, ``float`` and the array's attributes go to it),
and the estimators return surrogate costs to MINIMIZE, dnp arrays that ``dnp.autograd``
differentiates (``value_and_grad(lambda params: objective(params).sgvb().sum())``).

``reinforce`` subtracts from its learning signal a moving mean of the signal (Mnih & Gregor 2014,
ZhuSuan's ``moving_mean`` variable). Each step builds a new objective, so that state lives on the
model: ``meta_bn.moving_mean``, a ``MovingMean`` made on the first ``reinforce`` call and updated
by every call. A call uses the mean of the EARLIER calls' signals (0 before the first), then
updates it, so the baseline never depends on the current draws and the gradient stays unbiased.
"""

from __future__ import annotations

import math
import operator
import warnings

import dnp
from dnp.infer.bn import BayesianNet, MetaBayesianNet, StochasticTensor
from dnp.scipy.special import logsumexp

__all__ = [
    "EvidenceLowerBoundObjective",
    "ImportanceWeightedObjective",
    "MovingMean",
    "VariationalObjective",
    "elbo",
    "importance_weighted_objective",
    "iw_objective",
]


def _axes(axis, ndim: int) -> tuple:
    """``axis`` (an int or a tuple of ints) as a tuple of non-negative axes."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise dnp.exceptions.AxisError(a, ndim)
    return tuple(a % ndim for a in axes)


def _log_mean_exp(x, axis, keepdims: bool = False):
    """``log(mean(exp(x), axis))``, stably (ZhuSuan's ``log_mean_exp``)."""
    axes = _axes(axis, dnp.ndim(x))
    size = math.prod(x.shape[a] for a in axes)
    return logsumexp(x, axis=axes, keepdims=keepdims) - math.log(size)


class MovingMean:
    """The moving mean of ``reinforce``'s learning signal: TensorFlow's
    ``assign_moving_average`` with ``zero_debias=True``, as ZhuSuan uses it. ``value`` is 0
    before the first ``update``; ``update(x, decay)`` sets ``biased <- decay * biased +
    (1 - decay) * x`` and ``value = biased / (1 - product of the decays so far)``."""

    def __init__(self) -> None:
        self.value = 0.0
        self._biased = 0.0
        self._decays = 1.0

    def update(self, x: float, decay: float) -> None:
        if not 0 <= decay < 1:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}")
        self._biased = decay * self._biased + (1 - decay) * x
        self._decays *= decay
        self.value = self._biased / (1 - self._decays)

    def __repr__(self) -> str:
        return f"MovingMean(value={self.value!r})"


class VariationalObjective:
    """The base of the objectives (ZhuSuan's ``VariationalObjective``): ``meta_bn`` the model (a
    ``MetaBayesianNet``), ``observed`` name -> observed value, and the variational posterior as
    ``variational`` (a ``BayesianNet``, or a ``MetaBayesianNet`` that ``observe(**observed)``
    builds) or, deprecated in ZhuSuan, ``latent`` (name -> ``(value, log_prob)``); exactly one of
    the two; ``axis`` the samples' axis (or axes). Every stochastic node of the model must be
    observed or latent, unless ``allow_default`` (the model draws the others from their
    priors)."""

    __array_ufunc__ = None  # dnp and NumPy arrays defer their operators with us to ours

    def __init__(
        self, meta_bn, observed, variational=None, latent=None, axis=None, allow_default=False
    ):
        if not isinstance(meta_bn, MetaBayesianNet):
            raise TypeError(f"meta_bn should be a MetaBayesianNet, got {meta_bn!r}")
        if (variational is None) == (latent is None):
            raise ValueError(
                "Either a BayesianNet `variational` representing the variational family or a "
                "dictionary `latent` representing the variational inputs should be passed. It "
                "is not allowed that both are specified or both are not."
            )
        self._meta_bn = meta_bn
        self._observed = dict(observed or {})
        self._axis = axis
        if latent is not None:
            warnings.warn(
                "The `latent` argument is deprecated (as in ZhuSuan); use `variational`.",
                DeprecationWarning,
                stacklevel=3,
            )
            self._variational = None
            values = {name: value for name, (value, _) in latent.items()}
            log_probs = [log_prob for _, log_prob in latent.values()]
        else:
            if isinstance(variational, MetaBayesianNet):
                variational = variational.observe(**self._observed)
            if not isinstance(variational, BayesianNet):
                raise TypeError(
                    f"`variational` should be a BayesianNet instance, got {variational!r}"
                )
            self._variational = variational
            nodes = [
                node
                for node in variational.nodes.values()
                if isinstance(node, StochasticTensor) and not node.is_observed()
            ]
            values = {node.name: node.tensor for node in nodes}
            log_probs = [node.cond_log_p for node in nodes]
        clash = sorted(set(values) & set(self._observed))
        if clash:
            raise ValueError(f"Nodes {clash} are both observed and latent.")
        self._bn = meta_bn.observe(**self._observed, **values)
        if not allow_default:
            for node in self._bn.nodes.values():
                if isinstance(node, StochasticTensor) and not node.is_observed():
                    raise ValueError(
                        f"Stochastic node {node.name!r} in the model is neither observed nor "
                        "provided with a variational posterior."
                    )
        self._log_p = self._bn.log_joint()
        self._log_q = sum(log_probs[1:], log_probs[0]) if log_probs else None
        self._tensor = None

    @property
    def meta_bn(self) -> MetaBayesianNet:
        """The model."""
        return self._meta_bn

    @property
    def variational(self) -> BayesianNet | None:
        """The variational posterior's ``BayesianNet`` (None where ``latent`` was given)."""
        return self._variational

    @property
    def bn(self) -> BayesianNet:
        """The model's ``BayesianNet``, observed at ``observed`` and the latents."""
        return self._bn

    def _log_w(self):
        """``log p(x, z) - log q(z)``, sample and batch axes kept."""
        return self._log_p if self._log_q is None else self._log_p - self._log_q

    def _reduce(self, x):
        return dnp.mean(x, axis=_axes(self._axis, dnp.ndim(x))) if self._axis is not None else x

    def _objective(self):
        raise NotImplementedError

    @property
    def tensor(self):
        """The objective's value, a dnp array."""
        if self._tensor is None:
            self._tensor = self._objective()
        return self._tensor

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.tensor, name)

    def __float__(self) -> float:
        return float(self.tensor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tensor!r})"


def _forward(op, reflected: bool):
    """An operator of the objective: ``op`` on its value (``reflected``: as right operand)."""
    if reflected:
        return lambda self, other: op(other, self.tensor)
    return lambda self, *other: op(self.tensor, *other)


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    _op = getattr(operator, _name)
    setattr(VariationalObjective, f"__{_name}__", _forward(_op, False))
    setattr(VariationalObjective, f"__r{_name}__", _forward(_op, True))
for _name in ("lt", "le", "gt", "ge"):
    setattr(VariationalObjective, f"__{_name}__", _forward(getattr(operator, _name), False))
for _name in ("neg", "pos", "abs"):
    setattr(VariationalObjective, f"__{_name}__", _forward(getattr(operator, _name), False))
VariationalObjective.__getitem__ = _forward(operator.getitem, False)


class EvidenceLowerBoundObjective(VariationalObjective):
    """The evidence lower bound ``E_q[log p(x, z) - log q(z)]`` (ZhuSuan's): its value is the
    estimate averaged over ``axis`` (the ``n_samples`` axis or axes; None: no reduction). Build
    it with ``elbo``; minimize ``sgvb()`` or ``reinforce()``, not the value."""

    def _objective(self):
        return self._reduce(self._log_w())

    def sgvb(self):
        """The SGVB (reparameterization) surrogate cost, ``-ELBO``: for latents drawn with
        ``is_reparameterized=True``."""
        return -self.tensor

    def reinforce(self, variance_reduction=True, baseline=None, decay=0.8):
        """The score-function (REINFORCE, NVIL) surrogate cost ``-log p(x, z) - sg(l) * log
        q(z)`` averaged over ``axis``, ``sg`` stopping the gradient, whose gradient is an
        unbiased estimate of ``-grad ELBO``; for latents that are not reparameterized (draw
        continuous ones with ``is_reparameterized=False``). The learning signal ``l`` is
        ``log p - log q``; with ``variance_reduction`` it is ``l - baseline - moving mean``:
        ``baseline`` an array broadcasting with ``log_joint()`` that must not depend on the
        latents (a learned one, e.g. a network of the observations), and the moving mean
        ``meta_bn.moving_mean.value`` (module docstring), after which the mean of ``l -
        baseline`` updates it with ``decay``. With a ``baseline`` the result is ``(cost,
        baseline_cost)``, ``baseline_cost = mean over axis of 0.5 * (sg(l) - baseline)**2``, to
        minimize in the baseline's parameters."""
        signal = self._log_w().detach()
        baseline_cost = None
        if variance_reduction:
            if baseline is not None:
                baseline_cost = self._reduce(0.5 * (signal - baseline) ** 2)
                signal = signal - dnp.asarray(baseline).detach()
            moving = getattr(self._meta_bn, "moving_mean", None)
            if moving is None:
                moving = self._meta_bn.moving_mean = MovingMean()
            previous = moving.value
            moving.update(float(dnp.mean(signal)), decay)
            signal = signal - previous
        cost = -self._log_p if self._log_q is None else -self._log_p - signal * self._log_q
        cost = self._reduce(cost)
        return cost if baseline_cost is None else (cost, baseline_cost)


class ImportanceWeightedObjective(VariationalObjective):
    """The importance weighted bound ``E[log mean_k p(x, z_k) / q(z_k)]`` (Burda et al. 2015;
    ZhuSuan's): its value is ``log_mean_exp(log p - log q)`` over ``axis``, the samples' axis,
    which is required. Build it with ``iw_objective``; minimize ``sgvb()`` or ``vimco()``."""

    def __init__(
        self, meta_bn, observed, variational=None, latent=None, axis=None, allow_default=False
    ):
        if axis is None:
            raise ValueError(
                "ImportanceWeightedObjective is a multi-sample objective, the `axis` argument "
                "must be specified."
            )
        super().__init__(meta_bn, observed, variational, latent, axis, allow_default)

    def _objective(self):
        return _log_mean_exp(self._log_w(), self._axis)

    def sgvb(self):
        """The IWAE surrogate cost (reparameterized latents): minus the bound."""
        return -self.tensor

    def vimco(self):
        """The VIMCO surrogate cost (Mnih & Rezende 2016; latents not reparameterized): each
        sample ``k`` of the ``K >= 2`` along ``axis`` (an int) has the learning signal
        ``L - L_k``, where ``L`` is the bound and ``L_k`` the bound with ``log w_k`` replaced
        by the mean of the other samples' log weights; the cost is ``-sum_k sg(L - L_k) *
        log q(z_k) - L``, whose gradient is an unbiased estimate of ``-grad L``."""
        if not isinstance(self._axis, int):
            raise TypeError(f"vimco needs one sample axis (an int), got {self._axis!r}")
        log_w = self._log_w()
        (axis,) = _axes(self._axis, dnp.ndim(log_w))
        k = log_w.shape[axis]
        if k < 2:
            raise ValueError(
                "VIMCO is a multi-sample gradient estimator, size along `axis` in the "
                "objective should be larger than 1."
            )
        x = dnp.moveaxis(log_w.detach(), axis, -1)
        others = (dnp.sum(x, axis=-1, keepdims=True) - x) / (k - 1)
        # Row j of the last two axes: the log weights with the j-th replaced by ``others[j]``.
        replaced = dnp.where(dnp.eye(k, dtype=bool), others[..., :, None], x[..., None, :])
        signal = _log_mean_exp(x, -1, keepdims=True) - _log_mean_exp(replaced, -1)
        signal = dnp.moveaxis(signal, -1, axis)
        score = 0.0 if self._log_q is None else dnp.sum(signal * self._log_q, axis=axis)
        return -score - self.tensor


def elbo(meta_bn, observed, variational=None, latent=None, axis=None, allow_default=False):
    """ZhuSuan's ``zs.variational.elbo``: the ``EvidenceLowerBoundObjective`` of the model
    ``meta_bn`` at ``observed`` under the variational posterior ``variational`` (see
    ``VariationalObjective``), averaged over ``axis``."""
    return EvidenceLowerBoundObjective(
        meta_bn, observed, variational, latent, axis=axis, allow_default=allow_default
    )


def importance_weighted_objective(
    meta_bn, observed, variational=None, latent=None, axis=None, allow_default=False
):
    """ZhuSuan's ``zs.variational.importance_weighted_objective`` (alias ``iw_objective``): the
    ``ImportanceWeightedObjective`` of the model ``meta_bn`` at ``observed`` under
    ``variational``, the samples along ``axis``."""
    return ImportanceWeightedObjective(
        meta_bn, observed, variational, latent, axis=axis, allow_default=allow_default
    )


iw_objective = importance_weighted_objective
