"""``dnp.scipy.linalg`` against SciPy: values, dtypes, shapes, errors (``scipy_of``)."""

import itertools

import numpy
import pytest

from tests.conformance import case, conformance, scipy_of

RNG = numpy.random.default_rng(7)
A = numpy.eye(3) * 3 + RNG.standard_normal((3, 3)) * 0.3  # well conditioned, not triangular
SPD = A @ A.T + numpy.eye(3)
STACK = numpy.stack([A, A.T + numpy.eye(3)])
SPD_STACK = numpy.stack([SPD, SPD + numpy.eye(3)])
B = RNG.standard_normal((3, 2))
V = RNG.standard_normal(3)
AC = A + 0.2j * RNG.standard_normal((3, 3))
SPDC = AC @ AC.conj().T + numpy.eye(3)
BC = B + 1j * RNG.standard_normal((3, 2))


def _sl(xp):
    return scipy_of(xp).linalg


def _st(a, b, *args, **kw):
    return lambda xp: _sl(xp).solve_triangular(xp.asarray(a), xp.asarray(b), *args, **kw)


def _chol(name, a, **kw):
    return lambda xp: getattr(_sl(xp), name)(xp.asarray(a), **kw)


def _cho_solve(a, b, lower=False, **kw):
    def body(xp):
        c = _sl(xp).cho_factor(xp.asarray(a), lower=lower)
        return _sl(xp).cho_solve(c, xp.asarray(b), **kw)

    return body


def _lu_solve(a, b, **kw):
    def body(xp):
        factors = _sl(xp).lu_factor(xp.asarray(a))
        return _sl(xp).lu_solve(factors, xp.asarray(b), **kw)

    return body


F32 = numpy.float32
CASES = [
    # solve_triangular
    case("scipy.linalg.solve_triangular", _st(A, B, lower=True), id="st-lower"),
    case("scipy.linalg.solve_triangular", _st(A, B), id="st-upper"),
    case("scipy.linalg.solve_triangular", _st(A, V, trans=1), id="st-trans1-vector"),
    case("scipy.linalg.solve_triangular", _st(A, B, trans="C", lower=True), id="st-transC"),
    case("scipy.linalg.solve_triangular", _st(A, B, unit_diagonal=True), id="st-unit"),
    case("scipy.linalg.solve_triangular", _st(AC, BC, trans=2), id="st-complex"),
    case("scipy.linalg.solve_triangular", _st(AC, B, trans=1, lower=True), id="st-complex-T"),
    case(
        "scipy.linalg.solve_triangular",
        _st(A.astype(F32), B.astype(F32), lower=True),
        id="st-float32",
    ),
    case("scipy.linalg.solve_triangular", _st(A.astype(F32), B), id="st-mixed"),
    case("scipy.linalg.solve_triangular", _st(numpy.eye(3, dtype=int), [1, 2, 3]), id="st-int"),
    case("scipy.linalg.solve_triangular", _st(STACK, V, lower=True), id="st-stack-vector"),
    case(
        "scipy.linalg.solve_triangular",
        _st(STACK, numpy.stack([B] * 4)[:, None]),
        id="st-broadcast",
    ),
    case("scipy.linalg.solve_triangular", _st(A, numpy.ones(4)), id="st-bad-b"),
    case("scipy.linalg.solve_triangular", _st(A[:2], B[:2]), id="st-not-square"),
    case("scipy.linalg.solve_triangular", _st(A, B, overwrite_b=True), id="st-overwrite"),
    case(
        "scipy.linalg.solve_triangular", _st(A, B, 0, True, check_finite=False), id="st-positional"
    ),
    case(
        "scipy.linalg.solve_triangular",
        _st(numpy.triu(A), numpy.full((3, 2), numpy.inf)),
        id="st-inf",
    ),
    case(
        "scipy.linalg.solve_triangular",
        _st(numpy.zeros((0, 0)), numpy.zeros((0, 2))),
        id="st-empty",
    ),
    # cholesky, cho_factor
    case("scipy.linalg.cholesky", _chol("cholesky", SPD), id="chol-upper"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPD, lower=True), id="chol-lower"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPDC), id="chol-complex"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPD.astype(F32)), id="chol-float32"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPD, overwrite_a=True), id="chol-overwrite"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPD_STACK, lower=True), id="chol-stack"),
    case("scipy.linalg.cholesky", _chol("cholesky", [[4, 2], [2, 3]]), id="chol-int-list"),
    case("scipy.linalg.cholesky", _chol("cholesky", -SPD), id="chol-not-pd"),
    case("scipy.linalg.cholesky", _chol("cholesky", A[:2]), id="chol-not-square"),
    case("scipy.linalg.cholesky", _chol("cholesky", SPD * numpy.nan), id="chol-nan"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", SPD), id="cf-upper"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", SPD, lower=True), id="cf-lower"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", SPDC.astype("F")), id="cf-complex64"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", SPD_STACK), id="cf-stack"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", -SPD), id="cf-not-pd"),
    case("scipy.linalg.cholesky", _chol("cholesky", 4.0), id="chol-scalar"),
    case("scipy.linalg.cho_factor", _chol("cho_factor", [4.0]), id="cf-one-vector"),
    case("scipy.linalg.cholesky", _chol("cholesky", V), id="chol-vector"),
    # cho_solve
    case("scipy.linalg.cho_solve", _cho_solve(SPD, B), id="cs-upper"),
    case("scipy.linalg.cho_solve", _cho_solve(SPD, B, overwrite_b=True), id="cs-overwrite"),
    case("scipy.linalg.cho_solve", _cho_solve(SPD, V, lower=True), id="cs-lower-vector"),
    case("scipy.linalg.cho_solve", _cho_solve(SPDC, BC, lower=True), id="cs-complex"),
    case(
        "scipy.linalg.cho_solve",
        _cho_solve(SPD.astype(F32), B.astype(F32)),
        id="cs-float32",
    ),
    case("scipy.linalg.cho_solve", _cho_solve(SPD, numpy.ones((2, 3))), id="cs-bad-b"),
    case(
        "scipy.linalg.cho_solve",
        lambda xp: _sl(xp).cho_solve((xp.asarray(SPD_STACK), True), xp.asarray(B)),
        id="cs-stack",
    ),
    case(
        "scipy.linalg.cho_solve",
        lambda xp: _sl(xp).cho_solve(_sl(xp).cho_factor(xp.asarray(SPD_STACK)), xp.asarray(V)),
        id="cs-factored-stack",
    ),
    case(
        "scipy.linalg.cho_solve",
        lambda xp: _sl(xp).cho_solve((xp.asarray(SPD), False), xp.asarray(B[:, 0] * numpy.nan)),
        id="cs-nan",
    ),
    # lu_factor, lu_solve
    case("scipy.linalg.lu_factor", _chol("lu_factor", A), id="lf"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", A, overwrite_a=True), id="lf-overwrite"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", AC.astype("F")), id="lf-complex64"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", A[:, :2]), id="lf-tall"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", STACK), id="lf-stack"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", [[1, 2], [3, 4]]), id="lf-int"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", V), id="lf-vector"),
    case("scipy.linalg.lu_factor", _chol("lu_factor", A * numpy.inf), id="lf-inf"),
    case("scipy.linalg.lu_solve", _lu_solve(A, B), id="ls"),
    case("scipy.linalg.lu_solve", _lu_solve(A, B, overwrite_b=True), id="ls-overwrite"),
    case("scipy.linalg.lu_solve", _lu_solve(A, V, trans=1), id="ls-trans1"),
    case("scipy.linalg.lu_solve", _lu_solve(AC, BC, trans=2), id="ls-complex"),
    case("scipy.linalg.lu_solve", _lu_solve(A.astype(F32), B.astype(F32)), id="ls-float32"),
    case("scipy.linalg.lu_solve", _lu_solve(STACK, B), id="ls-stack"),
    case("scipy.linalg.lu_solve", _lu_solve(A, numpy.stack([B] * 2)), id="ls-broadcast"),
    case("scipy.linalg.lu_solve", _lu_solve(A, numpy.eye(3, dtype=int)), id="ls-int-b"),
    case("scipy.linalg.lu_solve", _lu_solve(A, numpy.ones(2)), id="ls-bad-b"),
    # block_diag
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(A), xp.asarray(B)),
        id="bd",
    ),
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(1.5), xp.asarray([2, 3]), xp.asarray(B)),
        id="bd-scalar-vector",
    ),
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(B, F32), xp.asarray([[1, 2]])),
        id="bd-float32-int",
    ),
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(STACK), xp.asarray(B)),
        id="bd-batch",
    ),
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(numpy.ones((0, 2))), xp.asarray(A)),
        id="bd-empty",
    ),
    case(
        "scipy.linalg.block_diag",
        lambda xp: _sl(xp).block_diag(xp.asarray(STACK), xp.asarray(numpy.ones((3, 2, 2)))),
        id="bd-bad-batch",
    ),
    case("scipy.linalg.block_diag", lambda xp: _sl(xp).block_diag(), id="bd-none"),
    # expm
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(A)), id="expm"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(AC)), id="expm-complex"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(A, F32)), id="expm-float32"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(STACK)), id="expm-stack"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray([[0, 1], [0, 0]])), id="expm-int"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.zeros((3, 3))), id="expm-zero"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(B)), id="expm-not-square"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(V)), id="expm-vector"),
    case("scipy.linalg.expm", lambda xp: _sl(xp).expm(xp.asarray(0.5)), id="expm-scalar"),
    case(
        "scipy.linalg.lu_solve",
        lambda xp: _sl(xp).lu_solve((xp.asarray([2.0]), xp.asarray([0])), xp.asarray(B[:1])),
        id="ls-one-vector",
    ),
]

test_conformance = conformance(CASES)


# --- the GPU's forwards (compositions of the backend and cupyx.scipy), run here on NumPy with SciPy
# in cupyx.scipy's place: they must give SciPy's values, dtypes and shapes -----------------------
def _on(name, *args):
    """The GPU forward of ``scipy.linalg.<name>`` run on NumPy, SciPy standing in for cupyx."""
    import scipy.linalg

    from dnp._ops import scipy_linalg as rows

    fn = getattr(rows, f"_{name}_on")
    if name in ("solve_triangular", "lu_factor", "lu_solve"):
        return fn(numpy, scipy.linalg, *args)
    return fn(numpy, *args)


def _scipy(name, *args, **kwargs):
    import scipy.linalg

    return getattr(scipy.linalg, name)(*args, **kwargs)


A32, SPD_STACK32 = A.astype(F32), SPD_STACK.astype(F32)
IEYE = numpy.eye(3, dtype=int)
GPU_FORWARDS = {
    "st-lower": (
        lambda: _on("solve_triangular", A, B, 0, True, False, True),
        lambda: _scipy("solve_triangular", A, B, lower=True),
    ),
    "st-stack-vector-C-unit": (
        lambda: _on("solve_triangular", STACK, V, "C", False, True, True),
        lambda: _scipy("solve_triangular", STACK, V, trans=2, unit_diagonal=True),
    ),
    "st-float32-int": (
        lambda: _on("solve_triangular", A32, IEYE, 1, False, False, True),
        lambda: _scipy("solve_triangular", A32, IEYE, trans=1),
    ),
    "chol": (lambda: _on("cholesky", SPD, False), lambda: _scipy("cholesky", SPD)),
    "chol-stack-float32": (
        lambda: _on("cholesky", SPD_STACK32, True),
        lambda: _scipy("cholesky", SPD_STACK32, lower=True),
    ),
    "chol-complex": (lambda: _on("cholesky", SPDC, False), lambda: _scipy("cholesky", SPDC)),
    "cf": (lambda: _on("cho_factor", SPD, False), lambda: _scipy("cho_factor", SPD)),
    "cf-stack": (
        lambda: _on("cho_factor", SPD_STACK, True),
        lambda: _scipy("cho_factor", SPD_STACK, lower=True),
    ),
    "lf": (lambda: _on("lu_factor", A, True), lambda: _scipy("lu_factor", A)),
    "lf-stack": (lambda: _on("lu_factor", STACK, True), lambda: _scipy("lu_factor", STACK)),
    "lf-vector": (lambda: _on("lu_factor", V, True), lambda: _scipy("lu_factor", V)),
    "bd": (lambda: _on("block_diag", A, V, 2.0), lambda: _scipy("block_diag", A, V, 2.0)),
    "bd-batch": (
        lambda: _on("block_diag", STACK.astype(F32), IEYE[:1]),
        lambda: _scipy("block_diag", STACK.astype(F32), IEYE[:1]),
    ),
    "expm": (lambda: _on("expm", A), lambda: _scipy("expm", A)),
    "expm-stack-scaled": (lambda: _on("expm", STACK * 4), lambda: _scipy("expm", STACK * 4)),
    "expm-complex64": (
        lambda: _on("expm", AC.astype("F")),
        lambda: _scipy("expm", AC.astype("F")),
    ),
    "expm-int": (lambda: _on("expm", IEYE), lambda: _scipy("expm", IEYE)),
}


@pytest.mark.parametrize("key", GPU_FORWARDS)
def test_gpu_forwards_match_scipy(key):
    got, want = GPU_FORWARDS[key]
    _same(got(), want())


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("b", [B, V, BC], ids=["matrix", "vector", "complex"])
def test_gpu_factor_solves_match_scipy(lower, b):
    c = _scipy("cho_factor", SPD_STACK, lower=lower)
    _same(_on("cho_solve", c, b), _scipy("cho_solve", c, b))
    factors = _scipy("lu_factor", STACK)
    for trans in (0, 1, 2):
        _same(_on("lu_solve", factors, b, trans, True), _scipy("lu_solve", factors, b, trans))


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    elif isinstance(want, bool):
        assert got is want
    else:
        assert (got.dtype, got.shape) == (want.dtype, want.shape)
        rtol = 1e-5 if want.dtype in (numpy.float32, numpy.complex64) else 1e-10
        numpy.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solve_triangular_without_checks_calls_lapack_as_scipy_does(dtype):
    """On plain arguments (a square real float matrix, a vector or matrix of its dtype) and
    ``check_finite=False``, dnp calls LAPACK's trtrs itself: SciPy's values bit for bit, for
    C- and Fortran-ordered matrices, both triangles, every ``trans``, unit diagonals; and
    SciPy's error for a singular matrix."""
    import scipy.linalg

    import dnp

    rng = numpy.random.default_rng(4)
    tri = numpy.tril(rng.standard_normal((6, 6))) + 4 * numpy.eye(6)
    for a in (tri, tri.T, numpy.asfortranarray(tri), numpy.asfortranarray(tri.T)):
        a = a.astype(dtype)
        for b in (
            rng.standard_normal(6),
            rng.standard_normal((6, 3)),
            rng.standard_normal((3, 6)).T,
        ):
            b = b.astype(dtype)
            for trans, lower, unit in itertools.product(
                (0, 1, 2, "T"), (True, False), (False, True)
            ):
                want = scipy.linalg.solve_triangular(a, b, trans, lower, unit, check_finite=False)
                got = dnp.scipy.linalg.solve_triangular(
                    dnp.asarray(a), dnp.asarray(b), trans, lower, unit, check_finite=False
                ).asnumpy()
                assert got.dtype == want.dtype
                numpy.testing.assert_array_equal(got, want)
    singular = numpy.tril(numpy.ones((3, 3), dtype))
    singular[1, 1] = 0
    with pytest.raises(numpy.linalg.LinAlgError, match="diagonal 1"):
        scipy.linalg.solve_triangular(
            singular, numpy.ones(3, dtype), lower=True, check_finite=False
        )
    with pytest.raises(numpy.linalg.LinAlgError, match="diagonal 1"):
        dnp.scipy.linalg.solve_triangular(
            dnp.asarray(singular), dnp.ones(3, dtype=dtype), lower=True, check_finite=False
        ).asnumpy()
