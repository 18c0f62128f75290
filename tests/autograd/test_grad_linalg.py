"""Numerical gradient checks for the linear algebra rows (dnp/_ops: products, decompositions,
norms).

Matrices are well conditioned (random plus a multiple of the identity; SPD/Hermitian for
cholesky/eigh). Factorizations with gauge freedom (eigh, eig, svd, qr) are checked through
gauge-invariant functions: eigenvalues, |v|**2 elementwise, products such as u @ diag(s) @ vh.
"""

import numpy

import dnp as np
from tests.grad_check import grad_case, gradient_test

rng = numpy.random.default_rng(7)

# order=1 cases: the function is linear in its input (or piecewise linear: the 1/inf norms), so its
# gradient does not depend on the input and there is no second derivative to check.


def rand(*shape, cplx=False):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if cplx else x


def well(*shape, cplx=False):
    """Random square matrices plus 3 * identity (well conditioned)."""
    return rand(*shape, cplx=cplx) + 3 * numpy.eye(shape[-1])


def spd(*shape, cplx=False):
    x = rand(*shape, cplx=cplx)
    return x @ numpy.conj(numpy.swapaxes(x, -1, -2)) + shape[-1] * numpy.eye(shape[-1])


def sq(v):  # |v|**2 elementwise: invariant under the phase (sign) of eigen/singular vectors
    return (v * np.conjugate(v)).real


A3, B3 = rand(3, 4), rand(4, 2)
C3 = rand(2, 3, 4, cplx=True)
M = well(3, 3)
MB = well(2, 3, 3)
MC = well(3, 3, cplx=True)
S = spd(3, 3)
SC = spd(3, 3, cplx=True)

GRAD_CASES = [
    # --- products -------------------------------------------------------------------------
    grad_case("dot", lambda a, b: np.dot(a, b), A3, B3),
    grad_case("dot", lambda a, b: np.dot(a, b), rand(2, 3, 4), rand(5, 4, 2), id="dot-nd"),
    grad_case("dot", lambda a, b: np.dot(a, b), rand(3, 4), rand(4), id="dot-vec"),
    grad_case("dot", lambda a, b: np.dot(a, b), rand(4), rand(4, 3, cplx=True), id="dot-cplx"),
    grad_case("dot", lambda a, b: np.dot(a, b), rand(), rand(3, 2), id="dot-scalar"),
    grad_case("vdot", lambda a, b: np.vdot(a, b), rand(2, 3, cplx=True), rand(6, cplx=True)),
    grad_case("vdot", lambda a, b: np.vdot(a, b), rand(4), rand(4), id="vdot-real"),
    grad_case("inner", lambda a, b: np.inner(a, b), rand(2, 4), rand(3, 4, cplx=True)),
    grad_case("inner", lambda a, b: np.inner(a, b), rand(4), rand(4), id="inner-vec"),
    grad_case("outer", lambda a, b: np.outer(a, b), rand(2, 2), rand(3, cplx=True)),
    grad_case("linalg.outer", lambda a, b: np.linalg.outer(a, b), rand(3), rand(4)),
    grad_case("tensordot", lambda a, b: np.tensordot(a, b), rand(2, 3, 4), rand(3, 4, 2)),
    grad_case(
        "tensordot",
        lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0])),
        rand(2, 3, 4, cplx=True),
        rand(4, 5, 2),
        id="tensordot-pairs",
    ),
    grad_case("tensordot", lambda a, b: np.tensordot(a, b, 0), rand(2), rand(3), id="tensordot-0"),
    grad_case(
        "linalg.tensordot",
        lambda a, b: np.linalg.tensordot(a, b, axes=1),
        rand(2, 3),
        rand(3, 4),
    ),
    grad_case("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b), A3, B3),
    grad_case(
        "einsum", lambda a, b: np.einsum("ij,jk", a, b, optimize=True), A3, B3, id="einsum-implicit"
    ),
    grad_case(
        "einsum",
        lambda a, b: np.einsum("...ij,...jk->...ik", a, b),
        C3,
        rand(3, 1, 4, 2),
        id="einsum-ellipsis-broadcast",
    ),
    grad_case("einsum", lambda a: np.einsum("ii->i", a), M, order=1, id="einsum-diagonal"),
    grad_case("einsum", lambda a: np.einsum("ii", a), MC, order=1, id="einsum-trace"),
    grad_case(
        "einsum", lambda a, b: np.einsum("iij,j->", a, b), rand(3, 3, 2), rand(2), id="einsum-iij"
    ),
    grad_case("einsum", lambda a: np.einsum("ij->i", a), A3, order=1, id="einsum-sum"),
    grad_case(
        "einsum",
        lambda a, b, c: np.einsum("i,ij,j->", a, b, c),
        rand(3),
        rand(3, 4, cplx=True),
        rand(4),
        id="einsum-three",
    ),
    grad_case(
        "einsum",
        lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        A3,
        B3,
        id="einsum-sublists",
    ),
    grad_case(
        "einsum",
        lambda a: np.einsum("i...->...", a),
        rand(3, 2, 2),
        order=1,
        id="einsum-ellipsis-sum",
    ),
    grad_case("kron", lambda a, b: np.kron(a, b), rand(2, 3), rand(3, 2, cplx=True)),
    grad_case("kron", lambda a, b: np.kron(a, b), rand(2), rand(2, 3), id="kron-ndim"),
    grad_case("cross", lambda a, b: np.cross(a, b), rand(4, 3), rand(3, cplx=True)),
    grad_case(
        "cross",
        lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0),
        rand(3, 2),
        rand(2, 3),
        id="cross-axes",
    ),
    grad_case("cross", lambda a, b: np.cross(a, b), rand(2, 3), rand(2, 3), id="cross-3x3"),
    grad_case("linalg.cross", lambda a, b: np.linalg.cross(a, b, axis=0), rand(3, 2), rand(3, 2)),
    grad_case("linalg.matmul", lambda a, b: np.linalg.matmul(a, b), C3, rand(4, 2)),
    grad_case(
        "linalg.matmul",
        lambda a, b: np.linalg.matmul(a, b),
        rand(4),
        rand(2, 4, 3),
        id="linalg.matmul-vec",
    ),
    grad_case(
        "linalg.matmul",
        lambda a, b: np.linalg.matmul(a, b),
        rand(2, 3, 4),
        rand(4),
        id="linalg.matmul-vec2",
    ),
    grad_case(
        "linalg.vecdot",
        lambda a, b: np.linalg.vecdot(a, b),
        rand(2, 3, cplx=True),
        rand(3, cplx=True),
    ),
    grad_case(
        "linalg.vecdot",
        lambda a, b: np.linalg.vecdot(a, b, axis=0),
        rand(3, 2),
        rand(3, 2),
        id="linalg.vecdot-axis",
    ),
    grad_case(
        "linalg.multi_dot",
        lambda a, b, c: np.linalg.multi_dot([a, b, c]),
        rand(3),
        rand(3, 4),
        rand(4, 2, cplx=True),
    ),
    grad_case(
        "linalg.multi_dot",
        lambda a, b: np.linalg.multi_dot([a, b]),
        rand(2, 3),
        rand(3),
        id="linalg.multi_dot-2",
    ),
    grad_case("linalg.matrix_transpose", lambda a: np.linalg.matrix_transpose(a), C3, order=1),
    grad_case("linalg.trace", lambda a: np.linalg.trace(a), C3, order=1),
    grad_case(
        "linalg.trace",
        lambda a: np.linalg.trace(a, offset=-1),
        rand(4, 3),
        order=1,
        id="linalg.trace-offset",
    ),
    grad_case("linalg.diagonal", lambda a: np.linalg.diagonal(a), C3, order=1),
    grad_case(
        "linalg.diagonal",
        lambda a: np.linalg.diagonal(a, offset=1),
        rand(2, 3, 5),
        order=1,
        id="linalg.diagonal-offset",
    ),
    grad_case(
        "linalg.diagonal",
        lambda a: np.linalg.diagonal(a, offset=-2),
        rand(4, 3),
        order=1,
        id="linalg.diagonal-neg",
    ),
    # --- inverses, determinants, solves ---------------------------------------------------------
    grad_case("linalg.inv", lambda a: np.linalg.inv(a), MB),
    grad_case("linalg.inv", lambda a: np.linalg.inv(a), MC, id="linalg.inv-complex"),
    grad_case("linalg.det", lambda a: np.linalg.det(a), MB),
    grad_case("linalg.det", lambda a: np.linalg.det(a), MC, id="linalg.det-complex"),
    grad_case("linalg.slogdet", lambda a: np.linalg.slogdet(a).logabsdet, MB),
    grad_case("linalg.slogdet", lambda a: np.linalg.slogdet(a), MC, id="linalg.slogdet-complex"),
    grad_case("linalg.solve", lambda a, b: np.linalg.solve(a, b), MB, rand(3, 2)),
    grad_case(
        "linalg.solve",
        lambda a, b: np.linalg.solve(a, b),
        MC,
        rand(3, cplx=True),
        id="linalg.solve-vec",
    ),
    grad_case(
        "linalg.solve", lambda a, b: np.linalg.solve(a, b), MB, rand(3), id="linalg.solve-batch-vec"
    ),
    grad_case("linalg.matrix_power", lambda a: np.linalg.matrix_power(a, 3), MB),
    grad_case(
        "linalg.matrix_power",
        lambda a: np.linalg.matrix_power(a, -2),
        MC,
        id="linalg.matrix_power-neg",
    ),
    grad_case(
        "linalg.matrix_power",
        lambda a: np.linalg.matrix_power(a, 1),
        M,
        order=1,
        id="linalg.matrix_power-1",
    ),
    grad_case(
        "linalg.matrix_power",
        lambda a: np.linalg.matrix_power(a, 0) * a,
        M,
        id="linalg.matrix_power-0",
    ),
    grad_case(
        "linalg.tensorinv", lambda a: np.linalg.tensorinv(a, ind=1), well(6, 6).reshape(6, 2, 3)
    ),
    grad_case(
        "linalg.tensorsolve",
        lambda a, b: np.linalg.tensorsolve(a, b),
        well(6, 6).reshape(2, 3, 2, 3),
        rand(2, 3),
    ),
    grad_case(
        "linalg.tensorsolve",
        lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)),
        well(6, 6).reshape(2, 3, 2, 3).transpose(3, 0, 1, 2).copy(),
        rand(2, 3, cplx=True),
        id="linalg.tensorsolve-axes",
    ),
    grad_case("linalg.pinv", lambda a: np.linalg.pinv(a), rand(4, 3) + numpy.eye(4, 3) * 2),
    grad_case(
        "linalg.pinv", lambda a: np.linalg.pinv(a), rand(2, 4, cplx=True), id="linalg.pinv-wide"
    ),
    grad_case(
        "linalg.pinv", lambda a: np.linalg.pinv(a, hermitian=True), S, id="linalg.pinv-hermitian"
    ),
    grad_case("linalg.lstsq", lambda a, b: np.linalg.lstsq(a, b)[0], rand(5, 3), rand(5, 2)),
    grad_case(
        "linalg.lstsq",
        lambda a, b: np.linalg.lstsq(a, b)[:2],
        rand(5, 3),
        rand(5),
        id="linalg.lstsq-residuals",
    ),
    grad_case(
        "linalg.lstsq",
        lambda a, b: np.linalg.lstsq(a, b)[0],
        rand(4, 2, cplx=True),
        rand(4, 2, cplx=True),
        id="linalg.lstsq-complex",
    ),
    grad_case(
        "linalg.lstsq",
        lambda a, b: np.linalg.lstsq(a, b)[0],
        rand(2, 4, cplx=True),
        rand(2),
        id="linalg.lstsq-underdetermined",
    ),
    # --- factorizations ------------------------------------------------------------------------
    grad_case("linalg.cholesky", lambda a: np.linalg.cholesky(a), spd(2, 3, 3)),
    grad_case(
        "linalg.cholesky",
        lambda a: np.linalg.cholesky(a, upper=True),
        SC,
        id="linalg.cholesky-upper",
    ),
    grad_case("linalg.cholesky", lambda a: np.linalg.cholesky(a), SC, id="linalg.cholesky-complex"),
    grad_case("linalg.eigh", lambda a: np.linalg.eigh(a).eigenvalues, spd(2, 3, 3)),
    grad_case(
        "linalg.eigh", lambda a: sq(np.linalg.eigh(a).eigenvectors), S, id="linalg.eigh-vectors"
    ),
    grad_case(
        "linalg.eigh",
        lambda a: sq(np.linalg.eigh(a, UPLO="U").eigenvectors),
        SC,
        id="linalg.eigh-complex-U",
    ),
    grad_case("linalg.eigvalsh", lambda a: np.linalg.eigvalsh(a), SC),
    grad_case(
        "linalg.eigvalsh",
        lambda a: np.linalg.eigvalsh(a, "U"),
        spd(2, 3, 3),
        id="linalg.eigvalsh-U",
    ),
    grad_case("linalg.eig", lambda a: np.linalg.eig(a).eigenvalues, rand(3, 3)),
    grad_case(
        "linalg.eig",
        lambda a: sq(np.linalg.eig(a).eigenvectors),
        rand(3, 3, cplx=True),
        id="linalg.eig-vectors",
    ),
    grad_case(
        "linalg.eig",
        lambda a: sq(np.linalg.eig(a).eigenvectors),
        spd(3, 3),
        id="linalg.eig-real-spectrum",
    ),
    grad_case("linalg.eigvals", lambda a: np.linalg.eigvals(a), rand(2, 3, 3)),
    grad_case(
        "linalg.eigvals",
        lambda a: np.linalg.eigvals(a),
        rand(3, 3, cplx=True),
        id="linalg.eigvals-complex",
    ),
    grad_case("linalg.svd", lambda a: np.linalg.svd(a, compute_uv=False), rand(2, 4, 3)),
    grad_case(
        "linalg.svd",
        lambda a: sq(np.linalg.svd(a, full_matrices=False).U),
        rand(4, 3),
        id="linalg.svd-u",
    ),
    grad_case(
        "linalg.svd",
        lambda a: sq(np.linalg.svd(a, full_matrices=False).Vh),
        rand(3, 4, cplx=True),
        id="linalg.svd-vh",
    ),
    grad_case(
        "linalg.svd",
        lambda a: sq(np.linalg.svd(a).U[..., :2]),
        rand(4, 2, cplx=True),
        id="linalg.svd-full",
    ),
    grad_case(
        "linalg.svd", lambda a: np.linalg.svd(a, hermitian=True).S, S, id="linalg.svd-hermitian"
    ),
    grad_case("linalg.svdvals", lambda a: np.linalg.svdvals(a), rand(3, 4, cplx=True)),
    grad_case("linalg.qr", lambda a: np.linalg.qr(a).R * np.linalg.qr(a).R, rand(4, 3)),
    grad_case("linalg.qr", lambda a: sq(np.linalg.qr(a).Q), rand(2, 3, 3), id="linalg.qr-q"),
    grad_case(
        "linalg.qr", lambda a: sq(np.linalg.qr(a).Q), rand(4, 3, cplx=True), id="linalg.qr-complex"
    ),
    grad_case("linalg.qr", lambda a: sq(np.linalg.qr(a, mode="r")), rand(4, 3), id="linalg.qr-r"),
    grad_case(
        "linalg.qr", lambda a: [sq(x) for x in np.linalg.qr(a)], rand(2, 4), id="linalg.qr-wide"
    ),
    grad_case(
        "linalg.qr",
        lambda a: sq(np.linalg.qr(a, mode="complete").Q),
        rand(3, 3, cplx=True),
        id="linalg.qr-complete",
    ),
    grad_case("linalg.svd", lambda a: np.linalg.svd(a).S, rand(3, 3, cplx=True), id="linalg.svd-s"),
    grad_case(
        "linalg.eigh",
        lambda a: (np.linalg.eigh(a).eigenvalues, sq(np.linalg.eigh(a).eigenvectors)),
        spd(2, 3, 3, cplx=True),
        id="linalg.eigh-both",
    ),
    grad_case(
        "linalg.eig",
        lambda a: (np.linalg.eig(a).eigenvalues, sq(np.linalg.eig(a).eigenvectors)),
        rand(2, 3, 3),
        id="linalg.eig-both",
    ),
    # --- norms ---------------------------------------------------------------------------------
    grad_case("linalg.norm", lambda a: np.linalg.norm(a), C3),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, axis=1, keepdims=True),
        rand(3, 4),
        id="linalg.norm-axis",
    ),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, 1, axis=0),
        rand(3, 4),
        order=1,
        id="linalg.norm-1",
    ),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, numpy.inf),
        rand(5, cplx=True),
        order=1,
        id="linalg.norm-inf",
    ),
    grad_case(
        "linalg.norm", lambda a: np.linalg.norm(a, 3, axis=-1), rand(2, 4), id="linalg.norm-3"
    ),
    grad_case(
        "linalg.norm", lambda a: np.linalg.norm(a, "fro", axis=(0, 2)), C3, id="linalg.norm-fro"
    ),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, "nuc", axis=(2, 1)),
        rand(2, 3, 4),
        id="linalg.norm-nuc",
    ),
    grad_case("linalg.norm", lambda a: np.linalg.norm(a, 2), rand(3, 4), id="linalg.norm-2"),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, -2, keepdims=True),
        rand(3, 3),
        id="linalg.norm--2",
    ),
    grad_case(
        "linalg.norm", lambda a: np.linalg.norm(a, 1), rand(3, 4), order=1, id="linalg.norm-mat1"
    ),
    grad_case(
        "linalg.norm",
        lambda a: np.linalg.norm(a, -numpy.inf, axis=(1, 2)),
        rand(2, 3, 4),
        order=1,
        id="linalg.norm-matinf",
    ),
    grad_case(
        "linalg.vector_norm", lambda a: np.linalg.vector_norm(a, axis=(0, 2), keepdims=True), C3
    ),
    grad_case(
        "linalg.vector_norm",
        lambda a: np.linalg.vector_norm(a, ord=1),
        rand(2, 3),
        order=1,
        id="linalg.vector_norm-1",
    ),
    grad_case("linalg.matrix_norm", lambda a: np.linalg.matrix_norm(a), C3),
    grad_case(
        "linalg.matrix_norm",
        lambda a: np.linalg.matrix_norm(a, ord="nuc"),
        rand(2, 3, 3, cplx=True),
        id="linalg.matrix_norm-nuc",
    ),
    grad_case("linalg.cond", lambda a: np.linalg.cond(a), rand(2, 3, 3)),
    grad_case(
        "linalg.cond", lambda a: np.linalg.cond(a, -2), rand(4, 3, cplx=True), id="linalg.cond--2"
    ),
    grad_case("linalg.cond", lambda a: np.linalg.cond(a, "fro"), well(3, 3), id="linalg.cond-fro"),
    grad_case("linalg.cond", lambda a: np.linalg.cond(a, 1), well(3, 3), id="linalg.cond-1"),
    grad_case("linalg.cond", lambda a: np.linalg.cond(a, "nuc"), well(3, 3), id="linalg.cond-nuc"),
    grad_case(
        "linalg.cond", lambda a: np.linalg.cond(a, numpy.inf), well(3, 3), id="linalg.cond-inf"
    ),
    grad_case(
        "dot", lambda a, b: np.dot(a, b), rand(3, cplx=True), rand(3, cplx=True), id="dot-cc"
    ),
]

test_gradients = gradient_test(GRAD_CASES)
