"""The base ``Transform``, its inverse, and the structural transforms (identity, affine,
composition, independent), with the numeric helpers the other transform modules share."""

from __future__ import annotations

import weakref

import dnp
from dnp.infer import constraints
from dnp.scipy.special import expit, log_expit


def softplus(x):
    # log(1 + exp(x)) as -log_expit(-x) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x,
    # exact for very negative x (where 1 + exp(x) rounds to 1), and several times faster than
    # NumPy's logaddexp(0, x).
    return -log_expit(-x)


def clipped_expit(x):
    # expit kept strictly inside (0, 1), so the inverse (logit) stays finite.
    finfo = dnp.finfo(dnp.result_type(x))
    return dnp.clip(expit(x), finfo.tiny, 1.0 - finfo.eps)


def _sum_rightmost(x, n: int):
    return dnp.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


class Transform:
    """A bijection with a tractable log |det J| (NumPyro's ``Transform``)."""

    domain = constraints.real
    codomain = constraints.real
    _inv_ref: weakref.ref | None = None

    @property
    def inv(self) -> Transform:
        """The inverse transform; ``t.inv.inv is t``. Held weakly, as NumPyro does, so a
        transform and its inverse do not keep each other alive."""
        inv = self._inv_ref() if self._inv_ref is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            self._inv_ref = weakref.ref(inv)
        return inv

    def __call__(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        """log |det dy/dx| at ``x``; ``intermediates`` is accepted for NumPyro's signature and
        not used (dnp recomputes what it needs)."""
        raise NotImplementedError

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t(x)`` for ``x`` of ``shape``."""
        return shape

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of ``t.inv(y)`` for ``y`` of ``shape``."""
        return shape

    @property
    def sign(self):
        """The sign of the derivative, for a monotone scalar transform."""
        raise NotImplementedError(f"Transform `{type(self).__name__}` does not implement `sign`.")


class _InverseTransform(Transform):
    """``transform`` run backwards: its ``_inverse`` forward, minus its log-det."""

    def __init__(self, transform: Transform) -> None:
        self._inv = transform

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self) -> Transform:
        return self._inv

    def __call__(self, x):
        return self._inv._inverse(x)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)


class IdentityTransform(Transform):
    """y = x; log-det 0."""

    sign = 1

    def __call__(self, x):
        return x

    def _inverse(self, y):
        return y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return dnp.zeros_like(x)


class AffineTransform(Transform):
    """y = loc + scale * x; x = (y - loc) / scale; log-det log|scale|, broadcast to the batch.

    ``domain`` (real, greater_than, less_than or interval) fixes ``codomain``; a negative scale
    flips the bounds.
    """

    def __init__(self, loc, scale, domain=constraints.real) -> None:
        self.loc = loc
        self.scale = scale
        self._domain = domain

    @property
    def domain(self):
        return self._domain

    @property
    def codomain(self):
        domain = self.domain
        negative = bool(dnp.all(dnp.less(self.scale, 0)))
        if domain is constraints.real:
            return constraints.real
        if isinstance(domain, constraints.greater_than):
            bound = self(domain.lower_bound)
            return constraints.less_than(bound) if negative else constraints.greater_than(bound)
        if isinstance(domain, constraints.less_than):
            bound = self(domain.upper_bound)
            return constraints.greater_than(bound) if negative else constraints.less_than(bound)
        if isinstance(domain, constraints.interval):
            lower, upper = self(domain.lower_bound), self(domain.upper_bound)
            if negative:
                lower, upper = upper, lower
            return constraints.interval(lower, upper)
        raise NotImplementedError(f"AffineTransform has no codomain for domain {domain!r}")

    @property
    def sign(self):
        return dnp.sign(self.scale)

    def __call__(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # scale * ones_like(x) keeps x's dtype for a Python scale and broadcasts a batched one.
        return dnp.log(dnp.abs(self.scale * dnp.ones_like(x)))

    def forward_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.loc), dnp.shape(self.scale))

    def inverse_shape(self, shape):
        return dnp.broadcast_shapes(shape, dnp.shape(self.loc), dnp.shape(self.scale))


class ComposeTransform(Transform):
    """y = parts[-1](... parts[0](x)); log-det the sum of the parts' log-dets, each summed over
    the axes that are event axes of the whole but batch axes of the part."""

    def __init__(self, parts) -> None:
        self.parts = list(parts)

    def _input_event_dim(self) -> int:
        event_dim = self.parts[-1].domain.event_dim
        for part in self.parts[-2::-1]:
            event_dim = part.domain.event_dim + max(event_dim - part.codomain.event_dim, 0)
        return event_dim

    def _output_event_dim(self) -> int:
        event_dim = self.parts[0].codomain.event_dim
        for part in self.parts[1:]:
            event_dim = part.codomain.event_dim + max(event_dim - part.domain.event_dim, 0)
        return event_dim

    @property
    def domain(self):
        first = self.parts[0].domain
        extra = self._input_event_dim() - first.event_dim
        return constraints.independent(first, extra) if extra else first

    @property
    def codomain(self):
        last = self.parts[-1].codomain
        extra = self._output_event_dim() - last.event_dim
        return constraints.independent(last, extra) if extra else last

    @property
    def sign(self):
        sign = 1
        for part in self.parts:
            sign = sign * part.sign
        return sign

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y):
        for part in self.parts[::-1]:
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        result = 0.0
        event_dim = self.domain.event_dim
        for part in self.parts[:-1]:
            y_part = part(x)
            batch_ndim = event_dim - part.domain.event_dim
            result = result + _sum_rightmost(part.log_abs_det_jacobian(x, y_part), batch_ndim)
            event_dim = part.codomain.event_dim + batch_ndim
            x = y_part
        last = self.parts[-1]
        logdet = last.log_abs_det_jacobian(x, y)
        return result + _sum_rightmost(logdet, event_dim - last.domain.event_dim)

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in self.parts[::-1]:
            shape = part.inverse_shape(shape)
        return shape


class IndependentTransform(Transform):
    """``base_transform`` with its ``reinterpreted_batch_ndims`` rightmost batch axes made event
    axes: the same map, its log-det summed over those axes."""

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(base_transform, Transform):
            raise TypeError(f"expected a Transform, got {base_transform!r}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"reinterpreted_batch_ndims must be an int >= 0, got {reinterpreted_batch_ndims!r}"
            )
        self.base_transform = base_transform
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    def __call__(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform._inverse(y)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        result = self.base_transform.log_abs_det_jacobian(x, y)
        if dnp.ndim(result) < self.reinterpreted_batch_ndims:
            raise ValueError(f"Expected x.dim() >= {self.domain.event_dim} but got {dnp.ndim(x)}")
        return _sum_rightmost(result, self.reinterpreted_batch_ndims)

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)
