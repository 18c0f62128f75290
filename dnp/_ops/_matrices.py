"""Matrix helpers of the linear-algebra gradient rules (``products``, ``decompositions``,
``norms``): products, transposes and identities over the last two axes, batched over the leading
ones, and the gradient of an inverse. Written with dnp functions (``_grad.np``), so the rules
that use them differentiate again.
"""

from ._grad import conj, np


def mm(a, b):
    """``a @ b`` over the last two axes."""
    return np.linalg.matmul(a, b)


def mt(x):
    """The transpose of each matrix (NumPy's ``x.mT``)."""
    return np.linalg.matrix_transpose(x)


def mh(x):
    """The conjugate transpose of each matrix (NumPy's ``x.mH``)."""
    return conj(np.linalg.matrix_transpose(x))


def col(v):
    """Vectors (..., n) as columns (..., n, 1)."""
    return np.expand_dims(v, -1)


def row(v):
    """Vectors (..., n) as rows (..., 1, n)."""
    return np.expand_dims(v, -2)


def eye(n, like, m=None, k=0):
    """A boolean identity (n x m, diagonal ``k``) on ``like``'s device: a mask, promoted by
    whatever it multiplies."""
    return np.eye(n, m, k, dtype=bool, device=like.device)


def diag_embed(v):
    """Vectors (..., n) as diagonal matrices (..., n, n)."""
    return row(v) * eye(v.shape[-1], v)


def inv_grad(g, ainv):
    """The gradient wrt ``a`` of ``inv(a)``, given ``inv(a)``: -inv(a)^H g inv(a)^H."""
    ainv_h = mh(ainv)
    return -mm(mm(ainv_h, g), ainv_h)
