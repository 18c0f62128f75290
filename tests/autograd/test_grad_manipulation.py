"""Gradients of the shape and layout rows (manipulation.py) against central differences."""

import numpy

import dnp as np
from tests.grad_check import gradient_test, raised_case

R = numpy.random.default_rng(1)
A = R.standard_normal((3, 4))
B = R.standard_normal((3, 4))
V = R.standard_normal(4)
C = R.standard_normal((2, 3)) + 1j * R.standard_normal((2, 3))
T3 = R.standard_normal((2, 3, 4))
SQ = R.standard_normal((4, 4))


case = raised_case  # cubed outputs: see raised_case


GRAD_CASES = [
    # windows and strided views: an element seen in several places gets each place's gradient
    case(
        "lib.stride_tricks.sliding_window_view",
        lambda x: np.lib.stride_tricks.sliding_window_view(x, 3),
        R.standard_normal(7),
    ),
    case(
        "lib.stride_tricks.sliding_window_view",
        lambda x: np.lib.stride_tricks.sliding_window_view(x, (2, 3)),
        A,
        id="swv-2d",
    ),
    case(
        "lib.stride_tricks.sliding_window_view",
        lambda x: np.lib.stride_tricks.sliding_window_view(x[:, ::2], 2, axis=0),
        A,
        id="swv-strided-input",
    ),
    case(
        "lib.stride_tricks.as_strided",
        lambda x: np.lib.stride_tricks.as_strided(x, shape=(4, 3), strides=(16, 8)),
        R.standard_normal(10),
    ),
    case(
        "lib.stride_tricks.as_strided",
        lambda x: np.lib.stride_tricks.as_strided(x.T, shape=(3, 2), strides=(8, 16)),
        A,
        id="as-strided-transposed",
    ),
    case("broadcast_to", lambda x: np.broadcast_to(x, (2, 3, 4)), V),
    case("real", lambda z: np.real(z), C),
    case("imag", lambda z: np.imag(z), C),
    case("imag", lambda x: np.imag(x), A, id="imag-real"),
    case("reshape", lambda x: np.reshape(x, (2, 6)), A),
    case("reshape", lambda x: np.reshape(x, (4, 3), order="F"), A, id="reshape-F"),
    case("ravel", lambda x: np.ravel(x), A),
    case("ravel", lambda x: np.ravel(x, order="F"), A, id="ravel-F"),
    case("squeeze", lambda x: np.squeeze(x, axis=1), A[:, :1]),
    case("expand_dims", lambda x: np.expand_dims(x, (0, 2)), A),
    case("transpose", lambda x: np.transpose(x, (2, 0, 1)), T3),
    case("transpose", lambda z: np.transpose(z), C, id="transpose-complex"),
    case("matrix_transpose", lambda x: np.matrix_transpose(x), T3),
    case("swapaxes", lambda x: np.swapaxes(x, 0, 2), T3),
    case("moveaxis", lambda x: np.moveaxis(x, 0, -1), T3),
    case("rollaxis", lambda x: np.rollaxis(x, 2, 0), T3),
    case("diagonal", lambda x: np.diagonal(x, 1), A),
    case("diagonal", lambda x: np.diagonal(x, -1, 2, 0), T3, id="diagonal-axes"),
    case("atleast_1d", lambda x: np.atleast_1d(x), numpy.float64(2.0)),
    case("atleast_2d", lambda x, y: np.atleast_2d(x, y), V, A),
    case("atleast_3d", lambda x: np.atleast_3d(x), A),
    case("broadcast_arrays", lambda x, y: np.broadcast_arrays(x, y), V, A),
    case("concatenate", lambda x, y: np.concatenate([x, y], axis=1), A, B),
    case("concatenate", lambda x, y: np.concatenate((x, y), axis=None), A, V, id="concat-None"),
    case("concatenate", lambda z, w: np.concatenate([z, w]), C, C[:1], id="concat-complex"),
    case("stack", lambda x, y: np.stack([x, y], axis=-1), A, B),
    case("stack", lambda x: np.stack(x, axis=1), T3, id="stack-array"),
    case("concatenate", lambda x: np.concatenate(x, axis=1), T3, id="concat-array"),
    case("vstack", lambda x: np.vstack(x), T3, id="vstack-array"),
    case("unstack", lambda x: np.unstack(x, axis=1), A),
    case("hstack", lambda x, y: np.hstack([x, y]), A, B),
    case("hstack", lambda x, y: np.hstack([x, y]), V, V[:2], id="hstack-1d"),
    case("vstack", lambda x, y: np.vstack([x, y]), A, V),
    case("row_stack", lambda x, y: np.vstack([x, y]), A, V),
    case("dstack", lambda x, y: np.dstack([x, y]), A, B),
    case("column_stack", lambda x, y: np.column_stack([x, y]), A[:, 0], B),
    case("block", lambda x, y: np.block([x, y]), A, B),
    case("split", lambda x: np.split(x, [1, 3], axis=1), A),
    case("split", lambda x: np.split(x, 3)[1], A, id="split-one-output"),
    case("array_split", lambda x: np.array_split(x, 3, axis=1), A),
    case("hsplit", lambda x: np.hsplit(x, 2), A),
    case("vsplit", lambda x: np.vsplit(x, [1]), A),
    case("dsplit", lambda x: np.dsplit(x, 2), T3),
    case("roll", lambda x: np.roll(x, (1, -2), (0, 1)), A),
    case("roll", lambda x: np.roll(x, 5), A, id="roll-flat"),
    case("flip", lambda x: np.flip(x, 1), A),
    case("fliplr", lambda x: np.fliplr(x), A),
    case("flipud", lambda x: np.flipud(x), A),
    case("rot90", lambda x: np.rot90(x, 3, (1, 2)), T3),
    case("resize", lambda x: np.resize(x, (5, 3)), V),
    case("append", lambda x, y: np.append(x, y), A, V),
    case("append", lambda x, y: np.append(x, y, axis=0), A, B, id="append-axis"),
    case("copyto", lambda x, y: _copyto(x, y, True), A, V),
    case("copyto", lambda x, y: _copyto(x, y, A > 0), A, V, id="copyto-where"),
    case("astype", lambda x: np.astype(x, numpy.float64), A),
    case("astype", lambda z: np.astype(z, numpy.complex128), A, id="astype-to-complex"),
    case("clip", lambda x: np.clip(x, -0.5, 0.5), A),
    case("clip", lambda x: np.clip(x, min=-0.5, max=0.5), A, id="clip-kwargs"),
    case("clip", lambda x, lo, hi: np.clip(x, lo, hi), A, V + 0.5, V - 0.5, id="clip-crossed"),
    case("clip", lambda x, lo, hi: np.clip(x, lo, hi), A, V - 0.5, B + 0.5, id="clip-arrays"),
    case("clip", lambda x, hi: np.clip(x, None, hi), A, V, id="clip-upper"),
    case("repeat", lambda x: np.repeat(x, 3, axis=1), A),
    case("repeat", lambda x: np.repeat(x, 2), A, id="repeat-flat"),
    case("repeat", lambda x: np.repeat(x, [1, 0, 3], axis=0), A, id="repeat-array"),
    case("tile", lambda x: np.tile(x, (2, 1, 3)), A),
    case("tile", lambda x: np.tile(x, 2), V, id="tile-int"),
    case("pad", lambda x: np.pad(x, ((1, 2), (0, 3))), A),
    case("pad", lambda x: np.pad(x, 2, mode="reflect"), A, id="pad-reflect"),
    case("pad", lambda z: np.pad(z, ((0, 1), (2, 0)), constant_values=1.5), C, id="pad-complex"),
    case("pad", lambda x: np.pad(x, (1, 3), mode="edge"), A, id="pad-edge"),
    case("pad", lambda x: np.pad(x, 3, mode="wrap"), V, id="pad-wrap"),
    case("pad", lambda x: np.pad(x, 2, mode="symmetric"), V, id="pad-symmetric"),
    case("pad", lambda x: np.pad(x, (2, 5), "reflect", reflect_type="odd"), A, id="pad-odd"),
    case("pad", lambda x: np.pad(x, 2, "symmetric", reflect_type="odd"), T3, id="pad-sym-odd"),
    case("pad", lambda x: np.pad(x, ((1, 2), (3, 0)), "linear_ramp", end_values=2.0), A, id="ramp"),
    case("pad", lambda x: np.pad(x, 2, "mean", stat_length=((1, 2), (3, 2))), A, id="pad-mean"),
    case("pad", lambda z: np.pad(z, 1, "mean"), C, id="pad-mean-complex"),
    case("insert", lambda x, v: np.insert(x, [1, 1, 3], v, axis=1), A, V[:3]),
    case("insert", lambda x, v: np.insert(x, 2, v, axis=1), A, V[:3], id="insert-scalar"),
    case("insert", lambda x, v: np.insert(x, 5, v), A, V[:1], id="insert-flat"),
    case("delete", lambda x: np.delete(x, [0, 2], axis=1), A),
    case("delete", lambda x: np.delete(x, 3), A, id="delete-flat"),
    case("trim_zeros", lambda x: np.trim_zeros(x * _mask), V),
]
_mask = numpy.array([0.0, 1.0, 1.0, 0.0])


def _copyto(x, y, where):
    out = x * 1.0  # not a leaf: the tape refuses writes into attach_grad arrays
    np.copyto(out, y, where=where)
    return out


test_gradients = gradient_test(GRAD_CASES)


def test_a_strided_view_stepping_outside_its_input_has_no_gradient():
    """Strides that reach past the input's elements (here into memory its base still owns)
    give a view with no gradient: ValueError, not a wrong one."""
    import pytest

    from dnp import autograd

    inside = np.asarray(R.standard_normal(12))[:6]

    def f(v):
        return np.lib.stride_tricks.as_strided(v, shape=(3,), strides=(32,)).sum()

    with pytest.raises(ValueError, match="outside"):
        autograd.grad_fn(f)(inside)
