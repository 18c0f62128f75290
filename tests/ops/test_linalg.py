"""Products (dot, tensordot, einsum, ...) and numpy.linalg against NumPy."""

import numpy

from tests.conformance import case, conformance
from tests.samples import sample

INEXACT = ["float32", "float64", "complex64", "complex128"]
DTYPES = [*INEXACT, "int64"]  # integer inputs are promoted


def arr(xp, dt="float64", shape=(3, 3), offset=0):
    return xp.asarray(sample(dt, shape, offset))


def mat(xp, dt="float64", shape=(3, 3), offset=0):
    """A well-conditioned square (stack of) matrix: a sample plus a multiple of the identity."""
    n = shape[-1]
    return xp.asarray(sample(dt, shape, offset) + (3 * n * numpy.eye(n)).astype(dt))


def spd(xp, dt="float64", shape=(3, 3)):
    """A Hermitian positive definite (stack of) matrix."""
    a = sample(dt, shape)
    n = shape[-1]
    return xp.asarray(a @ a.conj().swapaxes(-1, -2) + (n * numpy.eye(n)).astype(dt))


def singular(xp, dt="float64"):
    return xp.asarray(numpy.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], dt))


def rotation(xp):
    """A real matrix with complex eigenvalues."""
    return xp.asarray(numpy.array([[0.0, -2.0, 1.0], [2.0, 0.0, 0.5], [0.0, 0.0, 3.0]]))


CASES = []


def add(name, *bodies, label="", **kwargs):
    for k, body in enumerate(bodies):
        CASES.append(case(name, body, id=f"{name}-{label}{k}", **kwargs))


def add_dtypes(name, body, dtypes=DTYPES, **kwargs):
    for dt in dtypes:
        CASES.append(case(name, lambda xp, dt=dt: body(xp, dt), id=f"{name}-{dt}", **kwargs))


# --- products ----------------------------------------------------------------------------------
add_dtypes(
    "dot",
    lambda xp, dt: xp.dot(arr(xp, dt, (3, 4)), arr(xp, dt, (4, 2), 1)),
    [*DTYPES, "int8", "bool"],
)
add(
    "dot",
    lambda xp: xp.dot(arr(xp, "float64", (4,)), arr(xp, "float64", (4,), 1)),
    lambda xp: xp.dot(arr(xp, "float32", (3, 4)), arr(xp, "int16", (4,), 1)),
    lambda xp: xp.dot(arr(xp, "float64", (2, 3, 4)), arr(xp, "float64", (5, 4, 2), 1)),
    lambda xp: xp.dot(arr(xp, "int32", (3, 4)), 2.5),
    lambda xp: xp.dot(3, arr(xp, "float32", (3,))),
    lambda xp: xp.dot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4))),
    lambda xp: (lambda o: (xp.dot(arr(xp), arr(xp, offset=1), out=o) is o, o))(xp.zeros((3, 3))),
    lambda xp: xp.dot(arr(xp).tolist(), arr(xp, offset=2)),
    lambda xp: arr(xp, "float64", (3, 4)).dot(arr(xp, "float64", (4,))),
)
add(
    "vdot",
    lambda xp: xp.vdot(arr(xp, "complex128", (4,)), arr(xp, "complex128", (4,), 1)),
    lambda xp: xp.vdot(arr(xp, "float32", (3, 4)), arr(xp, "int64", (12,), 1)),
    lambda xp: xp.vdot(arr(xp, "complex64", (2, 2)), arr(xp, "complex64", (2, 2), 3)),
    lambda xp: xp.vdot(arr(xp, "float64", (4,)), arr(xp, "float64", (5,))),
)
add(
    "inner",
    lambda xp: xp.inner(arr(xp, "float64", (3, 4)), arr(xp, "float64", (2, 4), 1)),
    lambda xp: xp.inner(arr(xp, "int32", (4,)), arr(xp, "int8", (4,), 1)),
    lambda xp: xp.inner(arr(xp, "complex64", (2, 3, 4)), arr(xp, "complex64", (4,), 1)),
    lambda xp: xp.inner(arr(xp, "float32", (3, 4)), 2),
    lambda xp: xp.inner(arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 3))),
)
add(
    "outer",
    lambda xp: xp.outer(arr(xp, "float64", (3,)), arr(xp, "int32", (4,))),
    lambda xp: xp.outer(arr(xp, "complex64", (2, 2)), arr(xp, "float32", (3,))),
    lambda xp: (
        lambda o: (xp.outer(arr(xp, "float64", (3,)), arr(xp, "float64", (3,)), out=o) is o, o)
    )(xp.zeros((3, 3))),
)
add(
    "tensordot",
    lambda xp: xp.tensordot(arr(xp, "float64", (3, 4, 5)), arr(xp, "float64", (4, 5, 2), 1)),
    lambda xp: xp.tensordot(arr(xp, "float32", (3, 4)), arr(xp, "float32", (4, 2)), axes=1),
    lambda xp: xp.tensordot(arr(xp, "int64", (2, 3)), arr(xp, "float32", (3,)), axes=0),
    lambda xp: xp.tensordot(
        arr(xp, "float64", (3, 4, 5)), arr(xp, "float64", (5, 3, 2)), axes=([0, 2], [1, 0])
    ),
    lambda xp: xp.tensordot(
        arr(xp, "complex128", (3, 4)), arr(xp, "complex128", (2, 4)), axes=(1, 1)
    ),
    lambda xp: xp.tensordot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4)), axes=1),
    lambda xp: xp.tensordot(
        arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 3)), axes=([1], [0, 1])
    ),
)
add(
    "einsum",
    lambda xp: xp.einsum("ij,jk->ik", arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 2), 1)),
    lambda xp: xp.einsum("ij,jk", arr(xp, "int32", (3, 4)), arr(xp, "int32", (4, 2), 1)),
    lambda xp: xp.einsum("ii->i", arr(xp, "float32", (4, 4))),
    lambda xp: xp.einsum("ii", arr(xp, "complex64", (4, 4))),
    lambda xp: xp.einsum("ij->ji", arr(xp, "float64", (3, 4))),
    lambda xp: xp.einsum("i,i", arr(xp, "float64", (4,)), arr(xp, "float64", (4,), 1)),
    lambda xp: xp.einsum("i,j->ij", arr(xp, "float32", (3,)), arr(xp, "int8", (2,), 1)),
    lambda xp: xp.einsum(
        "...ij,...jk->...ik", arr(xp, "float64", (2, 1, 3, 4)), arr(xp, "float64", (5, 4, 2), 1)
    ),
    lambda xp: xp.einsum(
        "b i j, b j -> b i", arr(xp, "float64", (2, 3, 4)), arr(xp, "float64", (2, 4), 1)
    ),
    lambda xp: xp.einsum(
        "ij...,j...->i...", arr(xp, "float64", (3, 4, 2)), arr(xp, "float64", (4, 2), 1)
    ),
    lambda xp: xp.einsum("ijk->", arr(xp, "int16", (2, 3, 4))),
    lambda xp: xp.einsum(arr(xp, "float64", (3, 4)), [0, 1], arr(xp, "float64", (4,)), [1], [0]),
    lambda xp: xp.einsum(
        "ij,jk,kl->il",
        arr(xp, "float64", (3, 4)),
        arr(xp, "float64", (4, 5)),
        arr(xp, "float64", (5, 2)),
        optimize=True,
    ),
    lambda xp: xp.einsum(
        "ij,j->i",
        arr(xp, "int32", (3, 4)),
        arr(xp, "int32", (4,)),
        dtype="float32",
        casting="unsafe",
    ),
    lambda xp: (lambda o: (xp.einsum("ij->i", arr(xp, "float64", (3, 4)), out=o) is o, o))(
        xp.zeros(3)
    ),
    lambda xp: xp.einsum("ij,jk->ik", arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 2))),
    lambda xp: xp.einsum("ij,jk->ik", arr(xp, "float64", (3, 4))),
    lambda xp: xp.einsum("ij->ik", arr(xp, "float64", (3, 4))),
)
add(
    "einsum_path",
    lambda xp: xp.einsum_path(
        "ij,jk,kl->il",
        arr(xp, "float64", (3, 4)),
        arr(xp, "float64", (4, 5)),
        arr(xp, "float64", (5, 2)),
    ),
    lambda xp: xp.einsum_path(
        "ij,jk,kl",
        arr(xp, "float64", (30, 4)),
        arr(xp, "float64", (4, 50)),
        arr(xp, "float64", (50, 2)),
        optimize="optimal",
    ),
    lambda xp: xp.einsum_path("ij,jk", arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4))),
)
add(
    "kron",
    lambda xp: xp.kron(arr(xp, "float64", (2, 3)), arr(xp, "int32", (3, 2))),
    lambda xp: xp.kron(arr(xp, "complex64", (3,)), arr(xp, "float32", (2, 2))),
    lambda xp: xp.kron(arr(xp, "int8", (2, 2)), 3),
)
add(
    "cross",
    lambda xp: xp.cross(arr(xp, "float64", (3,)), arr(xp, "float64", (3,), 1)),
    lambda xp: xp.cross(arr(xp, "int32", (4, 3)), arr(xp, "float32", (3,), 1)),
    lambda xp: xp.cross(arr(xp, "float64", (2,)), arr(xp, "float64", (3,), 1)),
    lambda xp: xp.cross(
        arr(xp, "complex128", (3, 4)), arr(xp, "complex128", (3, 4), 1), axisa=0, axisb=0, axisc=0
    ),
    lambda xp: xp.cross(arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 3)), axis=0),
    lambda xp: xp.cross(arr(xp, "float64", (4,)), arr(xp, "float64", (4,))),
)

# --- numpy.linalg ------------------------------------------------------------------------------
add_dtypes("linalg.cholesky", lambda xp, dt: xp.linalg.cholesky(spd(xp, dt)))
add(
    "linalg.cholesky",
    lambda xp: xp.linalg.cholesky(spd(xp, "complex128"), upper=True),
    lambda xp: xp.linalg.cholesky(spd(xp, "float32", (2, 4, 4))),
    lambda xp: xp.linalg.cholesky(-spd(xp)),
    lambda xp: xp.linalg.cholesky(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.cholesky(arr(xp, "float64", (3,))),
    lambda xp: xp.linalg.cholesky(spd(xp, "float16")),
)
add_dtypes("linalg.cond", lambda xp, dt: xp.linalg.cond(mat(xp, dt)))
add(
    "linalg.cond",
    *[lambda xp, p=p: xp.linalg.cond(mat(xp), p) for p in ("fro", "nuc", 1, -1, 2, -2, numpy.inf)],
    lambda xp: xp.linalg.cond(mat(xp, "float32", (2, 3, 3)), 1),
    lambda xp: xp.linalg.cond(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.cond(arr(xp, "float64", (3, 4)), 1),
)
add(
    "linalg.cross",
    lambda xp: xp.linalg.cross(arr(xp, "float64", (3,)), arr(xp, "float64", (3,), 1)),
    lambda xp: xp.linalg.cross(arr(xp, "int32", (4, 3)), arr(xp, "float32", (3,), 1)),
    lambda xp: xp.linalg.cross(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 1)), axis=0),
    lambda xp: xp.linalg.cross(arr(xp, "float64", (2,)), arr(xp, "float64", (2,), 1)),
    lambda xp: xp.linalg.cross(arr(xp, "float64", (3,)), arr(xp, "float64", (3,)), axis=1),
)
add_dtypes("linalg.det", lambda xp, dt: xp.linalg.det(mat(xp, dt)))
add(
    "linalg.det",
    lambda xp: xp.linalg.det(mat(xp, "float64", (2, 4, 4))),
    lambda xp: xp.linalg.det(singular(xp)),
    lambda xp: xp.linalg.det(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.det(arr(xp, "float64", (3,))),
)
add(
    "linalg.diagonal",
    lambda xp: xp.linalg.diagonal(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.diagonal(arr(xp, "int32", (2, 3, 4)), offset=1),
    lambda xp: xp.linalg.diagonal(arr(xp, "complex64", (4, 3)), offset=-2),
    lambda xp: xp.linalg.diagonal(arr(xp, "float64", (3,))),
)
for name in ("linalg.eig", "linalg.eigvals"):
    fn = name.partition(".")[2]
    add_dtypes(name, lambda xp, dt, fn=fn: getattr(xp.linalg, fn)(mat(xp, dt)))
    add(
        name,
        lambda xp, fn=fn: getattr(xp.linalg, fn)(rotation(xp)),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(spd(xp, "float32")),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(mat(xp, "float64", (2, 3, 3))),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(arr(xp, "float64", (3, 4))),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(arr(xp, "float64", (3,))),
    )
for name in ("linalg.eigh", "linalg.eigvalsh"):
    fn = name.partition(".")[2]
    add_dtypes(name, lambda xp, dt, fn=fn: getattr(xp.linalg, fn)(spd(xp, dt)))
    add(
        name,
        lambda xp, fn=fn: getattr(xp.linalg, fn)(mat(xp, "complex128"), UPLO="U"),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(spd(xp, "float32", (2, 4, 4))),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(arr(xp, "float64", (3, 4))),
        lambda xp, fn=fn: getattr(xp.linalg, fn)(spd(xp), UPLO="X"),
    )
add_dtypes("linalg.inv", lambda xp, dt: xp.linalg.inv(mat(xp, dt)))
add(
    "linalg.inv",
    lambda xp: xp.linalg.inv(mat(xp, "float32", (2, 4, 4))),
    lambda xp: xp.linalg.inv(singular(xp)),
    lambda xp: xp.linalg.inv(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.inv(arr(xp, "float64", (3,))),
    lambda xp: xp.linalg.inv(mat(xp, "float16")),
    lambda xp: xp.linalg.inv(mat(xp).tolist()),
)
add(
    "linalg.lstsq",
    lambda xp: xp.linalg.lstsq(arr(xp, "float64", (5, 3)), arr(xp, "float64", (5,), 1)),
    lambda xp: xp.linalg.lstsq(
        arr(xp, "float32", (5, 3)), arr(xp, "float32", (5, 2), 1), rcond=None
    ),
    lambda xp: xp.linalg.lstsq(arr(xp, "complex128", (4, 4)), arr(xp, "complex128", (4,), 1)),
    lambda xp: xp.linalg.lstsq(singular(xp), arr(xp, "float64", (3,), 1)),
    lambda xp: xp.linalg.lstsq(arr(xp, "int64", (3, 5)), arr(xp, "int64", (3,), 1)),
    lambda xp: xp.linalg.lstsq(arr(xp, "float64", (5, 3)), arr(xp, "float64", (4,))),
    rtol=1e-4,
)  # a least-squares solution goes through an SVD: allow LAPACK rounding
add(
    "linalg.matmul",
    lambda xp: xp.linalg.matmul(arr(xp, "float64", (2, 3, 4)), arr(xp, "float64", (4, 5), 1)),
    lambda xp: xp.linalg.matmul(arr(xp, "int32", (4,)), arr(xp, "float32", (2, 4, 3), 1)),
    lambda xp: xp.linalg.matmul(arr(xp, "complex64", (3, 4)), arr(xp, "complex64", (4,), 1)),
    lambda xp: xp.linalg.matmul(arr(xp, "float64", (4,)), arr(xp, "float64", (4,), 1)),
    lambda xp: xp.linalg.matmul(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.matmul(arr(xp, "float64", (3, 4)), 2.0),
)
add(
    "linalg.matrix_norm",
    *[
        lambda xp, o=o: xp.linalg.matrix_norm(arr(xp, "float64", (3, 4)), ord=o)
        for o in ("fro", "nuc", 1, -1, 2, -2, numpy.inf, -numpy.inf)
    ],
    lambda xp: xp.linalg.matrix_norm(arr(xp, "complex64", (2, 3, 4)), keepdims=True),
    lambda xp: xp.linalg.matrix_norm(arr(xp, "int32", (3, 3))),
    lambda xp: xp.linalg.matrix_norm(arr(xp, "float64", (3,))),
    lambda xp: xp.linalg.matrix_norm(arr(xp, "float64", (3, 3)), ord=3),
)
add_dtypes("linalg.matrix_power", lambda xp, dt: xp.linalg.matrix_power(mat(xp, dt), 3))
add(
    "linalg.matrix_power",
    lambda xp: xp.linalg.matrix_power(arr(xp, "int32", (3, 3)), 0),
    lambda xp: xp.linalg.matrix_power(mat(xp, "float64", (2, 3, 3)), -2),
    lambda xp: xp.linalg.matrix_power(mat(xp, "int64"), -1),
    lambda xp: xp.linalg.matrix_power(mat(xp, "int8"), 1),
    lambda xp: xp.linalg.matrix_power(arr(xp, "float64", (3, 4)), 2),
    lambda xp: xp.linalg.matrix_power(mat(xp), 1.5),
    lambda xp: xp.linalg.matrix_power(singular(xp), -1),
)
add(
    "linalg.matrix_rank",
    lambda xp: xp.linalg.matrix_rank(mat(xp)),
    lambda xp: xp.linalg.matrix_rank(singular(xp, "float32")),
    lambda xp: xp.linalg.matrix_rank(arr(xp, "complex128", (2, 3, 4))),
    lambda xp: xp.linalg.matrix_rank(singular(xp), tol=0.5),
    lambda xp: xp.linalg.matrix_rank(spd(xp), hermitian=True),
    lambda xp: xp.linalg.matrix_rank(singular(xp), rtol=0.1),
    lambda xp: xp.linalg.matrix_rank(arr(xp, "float64", (4,))),
    lambda xp: xp.linalg.matrix_rank(xp.zeros(4)),
)
add(
    "linalg.matrix_transpose",
    lambda xp: xp.linalg.matrix_transpose(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.matrix_transpose(arr(xp, "int8", (2, 3, 4))),
    lambda xp: xp.linalg.matrix_transpose(arr(xp, "float64", (3,))),
)
add(
    "linalg.multi_dot",
    lambda xp: xp.linalg.multi_dot(
        [arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 5)), arr(xp, "float64", (5, 2))]
    ),
    lambda xp: xp.linalg.multi_dot(
        [
            arr(xp, "float32", (4,)),
            arr(xp, "float32", (4, 5)),
            arr(xp, "float32", (5, 2)),
            arr(xp, "float32", (2,)),
        ]
    ),
    lambda xp: xp.linalg.multi_dot([arr(xp, "int32", (3, 4)), arr(xp, "complex64", (4,))]),
    lambda xp: (lambda o: (xp.linalg.multi_dot([arr(xp), arr(xp), arr(xp)], out=o) is o, o))(
        xp.zeros((3, 3))
    ),
    lambda xp: xp.linalg.multi_dot(
        [arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4)), arr(xp, "float64", (4, 2))]
    ),
    lambda xp: xp.linalg.multi_dot([arr(xp)]),
)
add_dtypes("linalg.norm", lambda xp, dt: xp.linalg.norm(arr(xp, dt, (3, 4))))
add(
    "linalg.norm",
    *[
        lambda xp, o=o: xp.linalg.norm(arr(xp, "float64", (3, 4)), o)
        for o in ("fro", "nuc", 1, -1, 2, -2, numpy.inf)
    ],
    *[lambda xp, o=o: xp.linalg.norm(arr(xp, "float32", (5,)), o) for o in (0, 1, 3, -numpy.inf)],
    lambda xp: xp.linalg.norm(arr(xp, "float64", (2, 3, 4)), axis=1),
    lambda xp: xp.linalg.norm(arr(xp, "complex64", (2, 3, 4)), axis=(0, 2), keepdims=True),
    lambda xp: xp.linalg.norm(arr(xp, "float64", (3, 4)), keepdims=True),
    lambda xp: xp.linalg.norm(arr(xp, "float64", (3, 4)), axis=2),
    lambda xp: xp.linalg.norm(arr(xp, "float64", (2, 3, 4)), ord=2),
    lambda xp: xp.linalg.norm(arr(xp, "float64", (3, 4)), ord="fro", axis=0),
)
add(
    "linalg.outer",
    lambda xp: xp.linalg.outer(arr(xp, "float64", (3,)), arr(xp, "int32", (4,))),
    lambda xp: xp.linalg.outer(arr(xp, "complex64", (2,)), arr(xp, "complex64", (3,))),
    lambda xp: xp.linalg.outer(arr(xp, "float64", (2, 2)), arr(xp, "float64", (3,))),
)
add(
    "linalg.pinv",
    lambda xp: xp.linalg.pinv(arr(xp, "float64", (4, 3))),
    lambda xp: xp.linalg.pinv(arr(xp, "complex64", (2, 3, 4))),
    lambda xp: xp.linalg.pinv(spd(xp), hermitian=True),
    lambda xp: xp.linalg.pinv(singular(xp), rcond=1e-3),
    lambda xp: xp.linalg.pinv(singular(xp), rtol=0.5),
    lambda xp: xp.linalg.pinv(arr(xp, "int64", (3, 3))),
    lambda xp: xp.linalg.pinv(arr(xp, "float64", (3,))),
    rtol=1e-4,
)  # pinv goes through an SVD: allow LAPACK rounding
for shape in ((4, 3), (3, 4), (2, 3, 3)):
    for mode in ("reduced", "complete", "r", "raw"):
        CASES.append(
            case(
                "linalg.qr",
                lambda xp, s=shape, m=mode: xp.linalg.qr(arr(xp, "float64", s), mode=m),
                id=f"linalg.qr-{mode}-{shape}",
            )
        )
add_dtypes("linalg.qr", lambda xp, dt: xp.linalg.qr(mat(xp, dt)))
add(
    "linalg.qr",
    lambda xp: xp.linalg.qr(arr(xp, "float64", (3, 4)), mode="bad"),
    lambda xp: xp.linalg.qr(arr(xp, "float64", (3,))),
)
add_dtypes("linalg.slogdet", lambda xp, dt: xp.linalg.slogdet(mat(xp, dt)))
add(
    "linalg.slogdet",
    lambda xp: xp.linalg.slogdet(mat(xp, "float64", (2, 4, 4))),
    lambda xp: xp.linalg.slogdet(singular(xp)),
    lambda xp: xp.linalg.slogdet(arr(xp, "float64", (3, 4))),
)
add_dtypes("linalg.solve", lambda xp, dt: xp.linalg.solve(mat(xp, dt), arr(xp, dt, (3,), 1)))
add(
    "linalg.solve",
    lambda xp: xp.linalg.solve(mat(xp, "float32"), arr(xp, "float32", (3, 2), 1)),
    lambda xp: xp.linalg.solve(mat(xp, "float64", (2, 3, 3)), arr(xp, "float64", (3,), 1)),
    lambda xp: xp.linalg.solve(mat(xp, "float64", (2, 3, 3)), arr(xp, "int32", (4, 1, 3, 2))),
    lambda xp: xp.linalg.solve(singular(xp), arr(xp, "float64", (3,))),
    lambda xp: xp.linalg.solve(mat(xp), arr(xp, "float64", (4,))),
    lambda xp: xp.linalg.solve(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3,))),
)
add_dtypes("linalg.svd", lambda xp, dt: xp.linalg.svd(arr(xp, dt, (4, 3))))
add(
    "linalg.svd",
    lambda xp: xp.linalg.svd(arr(xp, "float64", (3, 4)), full_matrices=False),
    lambda xp: xp.linalg.svd(arr(xp, "complex64", (2, 4, 3)), compute_uv=False),
    lambda xp: xp.linalg.svd(spd(xp), hermitian=True),
    lambda xp: xp.linalg.svd(arr(xp, "float64", (3,))),
)
add(
    "linalg.svdvals",
    lambda xp: xp.linalg.svdvals(arr(xp, "float64", (4, 3))),
    lambda xp: xp.linalg.svdvals(arr(xp, "complex64", (2, 3, 4))),
    lambda xp: xp.linalg.svdvals(arr(xp, "int32", (3, 3))),
    lambda xp: xp.linalg.svdvals(arr(xp, "float64", (3,))),
)
add(
    "linalg.tensordot",
    lambda xp: xp.linalg.tensordot(arr(xp, "float64", (3, 4, 5)), arr(xp, "float64", (4, 5, 2))),
    lambda xp: xp.linalg.tensordot(arr(xp, "float32", (3, 4)), arr(xp, "int8", (4, 2)), axes=1),
    lambda xp: xp.linalg.tensordot(
        arr(xp, "float64", (3, 4)), arr(xp, "float64", (2, 3)), axes=([0], [1])
    ),
    lambda xp: xp.linalg.tensordot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4))),
)


def tensor(xp, dt="float64", shape=(4, 6, 8, 3)):
    """An invertible tensor: a well-conditioned square matrix reshaped."""
    n = int(numpy.sqrt(numpy.prod(shape)))
    return xp.asarray(mat(numpy, dt, (n, n)).reshape(shape))


add_dtypes("linalg.tensorinv", lambda xp, dt: xp.linalg.tensorinv(tensor(xp, dt)))
add(
    "linalg.tensorinv",
    lambda xp: xp.linalg.tensorinv(tensor(xp, "float64", (6, 2, 3)), ind=1),
    lambda xp: xp.linalg.tensorinv(arr(xp, "float64", (4, 6, 8, 2))),
    lambda xp: xp.linalg.tensorinv(tensor(xp), ind=0),
)
add_dtypes(
    "linalg.tensorsolve",
    lambda xp, dt: xp.linalg.tensorsolve(tensor(xp, dt, (6, 2, 3)), arr(xp, dt, (6,), 1)),
)
add(
    "linalg.tensorsolve",
    lambda xp: xp.linalg.tensorsolve(
        tensor(xp, "float64", (2, 3, 6)), arr(xp, "float64", (6,)), axes=(0, 1)
    ),
    lambda xp: xp.linalg.tensorsolve(
        tensor(xp, "float64", (2, 3, 2, 3)), arr(xp, "float64", (2, 3))
    ),
    lambda xp: xp.linalg.tensorsolve(tensor(xp, "float64", (6, 2, 3)), arr(xp, "float64", (5,))),
)
add(
    "linalg.trace",
    lambda xp: xp.linalg.trace(arr(xp, "float64", (3, 4))),
    lambda xp: xp.linalg.trace(arr(xp, "int8", (2, 3, 4)), offset=1),
    lambda xp: xp.linalg.trace(arr(xp, "complex64", (4, 3)), offset=-1, dtype="complex128"),
    lambda xp: xp.linalg.trace(arr(xp, "float64", (3,))),
)
add(
    "linalg.vecdot",
    lambda xp: xp.linalg.vecdot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (4,), 1)),
    lambda xp: xp.linalg.vecdot(arr(xp, "complex128", (3, 4)), arr(xp, "complex128", (3, 4), 1)),
    lambda xp: xp.linalg.vecdot(arr(xp, "int32", (3, 4)), arr(xp, "float32", (3, 1)), axis=0),
    lambda xp: xp.linalg.vecdot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3,))),
    lambda xp: xp.linalg.vecdot(arr(xp, "float64", (3, 4)), arr(xp, "float64", (3, 4)), axis=2),
)
add_dtypes("linalg.vector_norm", lambda xp, dt: xp.linalg.vector_norm(arr(xp, dt, (3, 4))))
add(
    "linalg.vector_norm",
    *[
        lambda xp, o=o: xp.linalg.vector_norm(arr(xp, "float32", (5,)), ord=o)
        for o in (0, 1, 3, -1, numpy.inf, -numpy.inf)
    ],
    lambda xp: xp.linalg.vector_norm(arr(xp, "float64", (2, 3, 4)), axis=1),
    lambda xp: xp.linalg.vector_norm(arr(xp, "complex64", (2, 3, 4)), axis=(0, 2), keepdims=True),
    lambda xp: xp.linalg.vector_norm(arr(xp, "float64", (2, 3, 4)), axis=(-1, 0), ord=1),
    lambda xp: xp.linalg.vector_norm(arr(xp, "float64", (3, 4)), keepdims=True),
    lambda xp: xp.linalg.vector_norm(xp.asarray(2.5)),
    lambda xp: xp.linalg.vector_norm(arr(xp, "float64", (3, 4)), axis=2),
    lambda xp: xp.linalg.vector_norm(arr(xp, "float64", (3, 4)), axis=(0, 0)),
)


# Empty matrices and stacks: NumPy returns empty results of the right shapes.
for fn, shape, *rest in (
    ("inv", (2, 0, 0)),
    ("cholesky", (0, 0)),
    ("det", (0, 0)),
    ("slogdet", (3, 0, 0)),
    ("eigh", (0, 0)),
    ("matrix_power", (0, 0), 3),
    ("svd", (0, 3)),
    ("qr", (3, 0)),
    ("pinv", (0, 3)),
    ("matrix_rank", (0, 3)),
    ("svdvals", (2, 3, 0)),
    ("matrix_norm", (2, 0, 3)),
):
    body = lambda xp, fn=fn, shape=shape, rest=rest: getattr(xp.linalg, fn)(xp.zeros(shape), *rest)
    add(f"linalg.{fn}", body, label="empty-")
add("linalg.solve", lambda xp: xp.linalg.solve(xp.zeros((0, 0)), xp.zeros((0, 2))), label="empty-")
add("linalg.qr", lambda xp: xp.linalg.qr(xp.zeros((3, 0)), mode="complete"), label="empty-c-")
add("linalg.svd", lambda xp: xp.linalg.svd(xp.zeros((0, 3)), full_matrices=False), label="empty-r-")
add("dot", lambda xp: xp.dot(xp.zeros((2, 0)), xp.zeros((0, 3))), label="empty-")
add(
    "einsum",
    lambda xp: xp.einsum("ij,jk->ik", xp.zeros((0, 3)), xp.zeros((3, 2))),
    lambda xp: xp.einsum("Ab,bC", arr(xp, "float64", (2, 3)), arr(xp, "float64", (3, 4))),
    lambda xp: xp.einsum("iij->j", arr(xp, "float64", (3, 3, 4))),
    lambda xp: xp.einsum("...,...", xp.asarray(2.0), arr(xp, "float32", (3,))),
    lambda xp: xp.einsum(",i->i", 2.0, arr(xp, "float64", (3,))),
    lambda xp: xp.einsum("...j,j->...", arr(xp, "int64", (2, 1, 3)), arr(xp, "int64", (3,))),
    label="more-",
)
add(
    "linalg.multi_dot",
    lambda xp: xp.linalg.multi_dot(
        [arr(xp, "float64", (3,)), arr(xp, "float64", (3, 4)), arr(xp, "float64", (4,))]
    ),
    label="vectors-",
)


# Python lists are arrays to NumPy's linalg functions.
for fn, args in (
    ("outer", ([1, 2], [3.0, 4.0, 5.0])),
    ("vector_norm", ([[1, 2], [3, 4]],)),
    ("matrix_norm", ([[1, 2], [3, 4]],)),
    ("svdvals", ([[1, 2], [3, 4]],)),
    ("diagonal", ([[1, 2], [3, 4]],)),
    ("trace", ([[1, 2], [3, 4]],)),
    ("det", ([[1, 2], [3, 4]],)),
):
    add(f"linalg.{fn}", lambda xp, fn=fn, args=args: getattr(xp.linalg, fn)(*args), label="list-")


# Results NumPy returns as namedtuples (EigResult, SVDResult, ...) come back as the same type.
def named_result(fn, *makers):
    def body(xp):
        r = getattr(xp.linalg, fn)(*(make(xp) for make in makers))
        return type(r).__name__, getattr(r, "_fields", None), r

    return body


for fn, *makers in (
    ("eig", mat),
    ("eigh", spd),
    ("svd", mat),
    ("qr", mat),
    ("slogdet", mat),
    ("lstsq", mat, lambda xp: arr(xp, "float64", (3,))),
):
    add(f"linalg.{fn}", named_result(fn, *makers), label="type-")

test_conformance = conformance(CASES)
