"""Shape and layout routines against NumPy: results, views that write through, and bad inputs."""

from tests.conformance import case, conformance
from tests.samples import sample


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def written(fn, value=7):
    """A body that writes ``value`` through the view ``fn(xp, base)`` and returns the base."""

    def body(xp):
        base = arr(xp, (2, 3, 4), "int32")
        view = fn(xp, base)
        view[...] = value
        return base

    return body


def first_written(fn):
    """A body that writes the first row of ``fn(xp, base)`` and returns the base."""

    def body(xp):
        base = arr(xp, (2, 3, 4), "int32")
        fn(xp, base)[0] = 5
        return base

    return body


ALL_DT = ["bool", "int8", "uint16", "int64", "float16", "float32", "float64", "complex64"]

CASES = [
    # reshape, ravel and the transposes: views
    *[
        case("reshape", lambda xp, dt=dt: xp.reshape(arr(xp, dt=dt), (4, 3)), id=f"reshape-{dt}")
        for dt in ALL_DT
    ],
    case("reshape", lambda xp: xp.reshape(arr(xp), -1), id="reshape-flat"),
    case("reshape", lambda xp: xp.reshape(arr(xp), (2, -1), order="F"), id="reshape-F"),
    case("reshape", lambda xp: xp.reshape(arr(xp), shape=(6, 2)), id="reshape-kw"),
    case("reshape", lambda xp: xp.reshape(arr(xp), xp.asarray([2, 6])), id="reshape-array-shape"),
    case("reshape", lambda xp: xp.reshape(arr(xp), (5, 3)), id="reshape-bad-size"),
    case("reshape", lambda xp: xp.reshape(arr(xp).T, 12, copy=False), id="reshape-copy-false"),
    case("reshape", lambda xp: xp.reshape(arr(xp)), id="reshape-missing-shape"),
    case("reshape", first_written(lambda xp, a: xp.reshape(a, (6, 4))), id="reshape-view"),
    case("ravel", lambda xp: xp.ravel(arr(xp, (2, 3, 2), "int16")), id="ravel"),
    case("ravel", lambda xp: xp.ravel(arr(xp), order="F"), id="ravel-F"),
    case("ravel", lambda xp: xp.ravel([[1, 2], [3, 4]]), id="ravel-list"),
    case("ravel", first_written(lambda xp, a: xp.ravel(a)), id="ravel-view"),
    case("transpose", lambda xp: xp.transpose(arr(xp, (2, 3, 4))), id="transpose"),
    case("transpose", lambda xp: xp.transpose(arr(xp, (2, 3, 4)), (1, 0, 2)), id="transpose-axes"),
    case(
        "transpose",
        lambda xp: xp.transpose(arr(xp, (2, 3, 4)), axes=(-1, 0, 1)),
        id="transpose-axes-kw",
    ),
    case("transpose", lambda xp: xp.transpose(arr(xp), (0, 0)), id="transpose-repeated"),
    case("transpose", lambda xp: xp.transpose(arr(xp), (0, 2)), id="transpose-bad-axis"),
    case("transpose", lambda xp: xp.transpose(arr(xp), (0,)), id="transpose-too-few"),
    case("transpose", first_written(lambda xp, a: xp.transpose(a)), id="transpose-view"),
    case(
        "matrix_transpose",
        lambda xp: xp.matrix_transpose(arr(xp, (2, 3, 4), "complex64")),
        id="matrix_transpose",
    ),
    case(
        "matrix_transpose", lambda xp: xp.matrix_transpose(arr(xp, (4,))), id="matrix_transpose-1d"
    ),
    case(
        "matrix_transpose",
        written(lambda xp, a: xp.matrix_transpose(a)[0, 1]),
        id="matrix_transpose-view",
    ),
    case("swapaxes", lambda xp: xp.swapaxes(arr(xp, (2, 3, 4)), 0, 2), id="swapaxes"),
    case("swapaxes", lambda xp: xp.swapaxes(arr(xp), -1, 0), id="swapaxes-negative"),
    case("swapaxes", lambda xp: xp.swapaxes(arr(xp), 0, 2), id="swapaxes-bad-axis"),
    case("swapaxes", first_written(lambda xp, a: xp.swapaxes(a, 0, 1)), id="swapaxes-view"),
    case("moveaxis", lambda xp: xp.moveaxis(arr(xp, (2, 3, 4)), 0, -1), id="moveaxis"),
    case(
        "moveaxis", lambda xp: xp.moveaxis(arr(xp, (2, 3, 4)), [0, 1], [-1, -2]), id="moveaxis-many"
    ),
    case("moveaxis", lambda xp: xp.moveaxis(arr(xp), 2, 0), id="moveaxis-bad-axis"),
    case("moveaxis", lambda xp: xp.moveaxis(arr(xp), [0, 0], [0, 1]), id="moveaxis-repeated"),
    case("moveaxis", lambda xp: xp.moveaxis(arr(xp), [0, 1], [0]), id="moveaxis-lengths"),
    case("rollaxis", lambda xp: xp.rollaxis(arr(xp, (2, 3, 4)), 2), id="rollaxis"),
    case("rollaxis", lambda xp: xp.rollaxis(arr(xp, (2, 3, 4)), 2, 1), id="rollaxis-start"),
    case("rollaxis", lambda xp: xp.rollaxis(arr(xp), 3), id="rollaxis-bad-axis"),
    case("rollaxis", lambda xp: xp.rollaxis(arr(xp), 0, 4), id="rollaxis-bad-start"),
    case("squeeze", lambda xp: xp.squeeze(arr(xp, (1, 3, 1))), id="squeeze"),
    case("squeeze", lambda xp: xp.squeeze(arr(xp, (1, 3, 1)), axis=0), id="squeeze-axis"),
    case("squeeze", lambda xp: xp.squeeze(arr(xp, (1, 3, 1)), axis=(0, 2)), id="squeeze-axes"),
    case("squeeze", lambda xp: xp.squeeze(arr(xp, (1, 3, 1)), axis=1), id="squeeze-not-one"),
    case("squeeze", lambda xp: xp.squeeze(arr(xp, (1, 3, 1)), axis=3), id="squeeze-bad-axis"),
    case("squeeze", written(lambda xp, a: xp.squeeze(a[:1, :1])), id="squeeze-view"),
    case("expand_dims", lambda xp: xp.expand_dims(arr(xp), 0), id="expand_dims"),
    case("expand_dims", lambda xp: xp.expand_dims(arr(xp), (0, -1)), id="expand_dims-tuple"),
    case("expand_dims", lambda xp: xp.expand_dims(arr(xp), 3), id="expand_dims-bad-axis"),
    case("expand_dims", lambda xp: xp.expand_dims(arr(xp), (1, 1)), id="expand_dims-repeated"),
    # complex parts and diagonals
    case("real", lambda xp: xp.real(arr(xp, dt="complex128")), id="real-complex"),
    case("real", lambda xp: xp.real(arr(xp, dt="int8")), id="real-int"),
    case("real", lambda xp: xp.real(2 + 3j), id="real-scalar"),
    case("imag", lambda xp: xp.imag(arr(xp, dt="complex64")), id="imag-complex"),
    case("imag", lambda xp: xp.imag(arr(xp, dt="float32")), id="imag-float"),
    *[
        case(
            n,
            lambda xp, n=n: (lambda c: (getattr(xp, n)(c).__setitem__(0, 9), c)[1])(
                arr(xp, dt="complex128")
            ),
            id=f"{n}-view",
        )
        for n in ("real", "imag")
    ],
    case("diagonal", lambda xp: xp.diagonal(arr(xp)), id="diagonal"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp), 1), id="diagonal-offset"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp), offset=-2), id="diagonal-negative"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp, (2, 3, 4)), 0, 2, 0), id="diagonal-axes"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp), axis1=1, axis2=1), id="diagonal-same-axes"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp, (4,))), id="diagonal-1d"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp), axis1=2), id="diagonal-bad-axis"),
    case("diagonal", lambda xp: xp.diagonal(arr(xp)).__setitem__(0, 1), id="diagonal-readonly"),
    # repeat, rounding, clipping, casting
    case("repeat", lambda xp: xp.repeat(arr(xp), 2), id="repeat"),
    case("repeat", lambda xp: xp.repeat(arr(xp, dt="bool"), [1, 0, 2], axis=0), id="repeat-list"),
    case(
        "repeat", lambda xp: xp.repeat(arr(xp), xp.asarray([1, 0, 2, 3]), axis=1), id="repeat-array"
    ),
    case("repeat", lambda xp: xp.repeat(3, 4), id="repeat-scalar"),
    case("repeat", lambda xp: xp.repeat(arr(xp), -1), id="repeat-negative"),
    case("repeat", lambda xp: xp.repeat(arr(xp), [1, 2], axis=0), id="repeat-mismatch"),
    case("repeat", lambda xp: xp.repeat(arr(xp), 2, axis=2), id="repeat-bad-axis"),
    *[
        case(n, lambda xp, n=n, dt=dt: getattr(xp, n)(arr(xp, dt=dt) * 1.37, 1), id=f"{n}-{dt}")
        for n in ("round", "around")
        for dt in ("float16", "float32", "float64", "complex128")
    ],
    case("round", lambda xp: xp.round(arr(xp, dt="int32") * 17, -1), id="round-int-negative"),
    case("round", lambda xp: xp.round(arr(xp)), id="round-default"),
    case("round", lambda xp: xp.round([1.25, 2.5, -0.5], 1), id="round-list"),
    case("round", lambda xp: xp.round(arr(xp, dt="bool")), id="round-bool"),
    case("round", lambda xp: xp.round(arr(xp, ()) * 3.3), id="round-0d"),
    case("round", lambda xp: xp.round(arr(xp), out=xp.zeros((3, 4), "int32")), id="round-int-out"),
    case(
        "round",
        lambda xp: (lambda o: (xp.round(arr(xp), 0, o), o)[1])(xp.zeros((3, 4), "f4")),
        id="round-out",
    ),
    case("round", lambda xp: xp.round(arr(xp), out=xp.zeros((2, 4))), id="round-bad-out"),
    case("around", lambda xp: xp.around(arr(xp, dt="uint8"), decimals=-1), id="around-uint8"),
    *[
        case("clip", lambda xp, dt=dt: xp.clip(arr(xp, dt=dt), 0, 2), id=f"clip-{dt}")
        for dt in ("int8", "uint16", "int64", "float32", "float64")
    ],
    case("clip", lambda xp: xp.clip(arr(xp), -1.0, None), id="clip-min-only"),
    case("clip", lambda xp: xp.clip(arr(xp), min=0.5), id="clip-min-kw"),
    case("clip", lambda xp: xp.clip(arr(xp), arr(xp, (4,), offset=3), 5.0), id="clip-arrays"),
    case("clip", lambda xp: xp.clip(arr(xp, dt="int16"), 0.5, 2.5), id="clip-int-float-bounds"),
    case(
        "clip",
        lambda xp: (lambda o: (xp.clip(arr(xp), 0, 1, out=o), o)[1])(xp.zeros((3, 4))),
        id="clip-out",
    ),
    case("clip", lambda xp: xp.clip(arr(xp), arr(xp, (2,)), 1), id="clip-no-broadcast"),
    case("clip", lambda xp: xp.clip(arr(xp), max=1, min=-1), id="clip-min-max-kw"),
    case("clip", lambda xp: xp.clip(arr(xp)), id="clip-no-bounds"),
    case("clip", lambda xp: xp.clip(arr(xp), None, None), id="clip-none-bounds"),
    case("clip", lambda xp: xp.clip(arr(xp), 1), id="clip-missing-a_max"),
    case("clip", lambda xp: xp.clip(arr(xp), a_max=1), id="clip-missing-a_min"),
    case("clip", lambda xp: xp.clip(arr(xp), 0, 1, min=0), id="clip-both-spellings"),
    case("clip", lambda xp: xp.clip(arr(xp, dt="int8"), 0, 1, dtype="float32"), id="clip-dtype"),
    case("moveaxis", first_written(lambda xp, a: xp.moveaxis(a, 0, -1)), id="moveaxis-view"),
    case("rollaxis", first_written(lambda xp, a: xp.rollaxis(a, 2)), id="rollaxis-view"),
    case("expand_dims", written(lambda xp, a: xp.expand_dims(a[1], 0)), id="expand_dims-view"),
    *[
        case("astype", lambda xp, dt=dt: xp.astype(arr(xp), dt), id=f"astype-{dt}")
        for dt in ("bool", "int8", "uint32", "float16", "complex128")
    ],
    case("astype", lambda xp: xp.astype(arr(xp, dt="complex64"), "float32"), id="astype-complex"),
    case("astype", lambda xp: xp.astype(arr(xp), xp.int16, copy=False), id="astype-copy-false"),
    case("astype", lambda xp: xp.astype(arr(xp), "f4", device="cpu"), id="astype-device"),
    case("astype", lambda xp: xp.astype(arr(xp), dtype="f4"), id="astype-dtype-keyword"),
    case("astype", lambda xp: xp.astype([1, 2], "f4"), id="astype-list"),
    # joining
    *[
        case(
            "concatenate",
            lambda xp, dt=dt: xp.concatenate([arr(xp, dt=dt), arr(xp, (2, 4), dt, 1)]),
            id=f"concatenate-{dt}",
        )
        for dt in ALL_DT
    ],
    case(
        "concatenate",
        lambda xp: xp.concatenate((arr(xp), arr(xp, (3, 2), "int8")), axis=1),
        id="concatenate-axis1-mixed",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp, (2,))], axis=None),
        id="concatenate-flat",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp)], dtype="float32"),
        id="concatenate-dtype",
    ),
    case(
        "concatenate",
        lambda xp: (lambda o: (xp.concatenate([arr(xp), arr(xp)], out=o), o)[1])(
            xp.zeros((6, 4), "complex64")
        ),
        id="concatenate-out",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp, dt="int8")], dtype="int8", casting="same_kind"),
        id="concatenate-casting",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp, (3, 2))]),
        id="concatenate-mismatch",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp, (4,))]),
        id="concatenate-ndim-mismatch",
    ),
    case(
        "concatenate",
        lambda xp: xp.concatenate([arr(xp), arr(xp)], axis=2),
        id="concatenate-bad-axis",
    ),
    case("concatenate", lambda xp: xp.concatenate([]), id="concatenate-empty"),
    case("concatenate", lambda xp: xp.concat([arr(xp), arr(xp)], axis=-1), id="concat-alias"),
    case("stack", lambda xp: xp.stack([arr(xp), arr(xp, dt="int32")]), id="stack"),
    case("stack", lambda xp: xp.stack([arr(xp), arr(xp)], axis=-1), id="stack-last"),
    case(
        "stack", lambda xp: xp.stack((arr(xp), arr(xp)), axis=1, dtype="float32"), id="stack-dtype"
    ),
    case(
        "stack",
        lambda xp: (lambda o: (xp.stack([arr(xp)] * 2, out=o), o)[1])(xp.zeros((2, 3, 4))),
        id="stack-out",
    ),
    case("stack", lambda xp: xp.stack([arr(xp), arr(xp, (4, 3))]), id="stack-mismatch"),
    case("stack", lambda xp: xp.stack([arr(xp)], axis=3), id="stack-bad-axis"),
    case("stack", lambda xp: xp.stack([]), id="stack-empty"),
    *[
        case(
            n,
            lambda xp, n=n: getattr(xp, n)([arr(xp, (3,)), arr(xp, (3,), "int8", 2)]),
            id=f"{n}-1d",
        )
        for n in ("hstack", "vstack", "dstack", "column_stack", "row_stack")
    ],
    *[
        case(
            n, lambda xp, n=n: getattr(xp, n)((arr(xp), arr(xp, dt="bool", offset=1))), id=f"{n}-2d"
        )
        for n in ("hstack", "vstack", "dstack", "column_stack", "row_stack")
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)([arr(xp), arr(xp, (2, 2))]), id=f"{n}-mismatch")
        for n in ("hstack", "vstack", "dstack", "column_stack", "row_stack")
    ],
    case(
        "hstack",
        lambda xp: xp.hstack([arr(xp), arr(xp)], dtype="int32", casting="unsafe"),
        id="hstack-dtype",
    ),
    case("vstack", lambda xp: xp.vstack([[1, 2, 3, 4], arr(xp, (4,))]), id="vstack-list-row"),
    case("vstack", lambda xp: xp.vstack([arr(xp), arr(xp)], dtype="int8"), id="vstack-casting"),
    case(
        "block",
        lambda xp: xp.block(
            [
                [arr(xp, (2, 2)), arr(xp, (2, 3), "int8")],
                [arr(xp, (1, 2), offset=1), arr(xp, (1, 3), offset=2)],
            ]
        ),
        id="block-2x2",
    ),
    case("block", lambda xp: xp.block([arr(xp, (2,)), 3, arr(xp, (4,), "int32")]), id="block-1d"),
    case(
        "block",
        lambda xp: xp.block([[arr(xp, (3,))], [arr(xp, (3,), offset=1)]]),
        id="block-stacked-rows",
    ),
    case(
        "block",
        lambda xp: xp.block([[arr(xp, (2, 2, 2))], [arr(xp, (2, 2, 2))]]),
        id="block-3d-leaves",
    ),
    case("block", lambda xp: xp.block(arr(xp)), id="block-array"),
    case("block", lambda xp: xp.block(2.5), id="block-scalar"),
    case("block", lambda xp: xp.block([[1, 2], [3, 4]]), id="block-scalars"),
    case("block", lambda xp: xp.block((arr(xp), arr(xp))), id="block-tuple"),
    case("block", lambda xp: xp.block([[arr(xp)], (arr(xp),)]), id="block-inner-tuple"),
    case("block", lambda xp: xp.block([]), id="block-empty"),
    case("block", lambda xp: xp.block([[arr(xp)], []]), id="block-empty-inner"),
    case("block", lambda xp: xp.block([[arr(xp)], arr(xp)]), id="block-depth-mismatch"),
    case("block", lambda xp: xp.block([[arr(xp), arr(xp, (2, 4))]]), id="block-shape-mismatch"),
    case("unstack", lambda xp: xp.unstack(arr(xp, (2, 3, 4))), id="unstack"),
    case("unstack", lambda xp: xp.unstack(arr(xp, (2, 3, 4), "int8"), axis=-1), id="unstack-axis"),
    case("unstack", lambda xp: xp.unstack(arr(xp, ())), id="unstack-0d"),
    case("unstack", lambda xp: xp.unstack(arr(xp), axis=2), id="unstack-bad-axis"),
    case("unstack", first_written(lambda xp, a: xp.unstack(a, axis=1)[2]), id="unstack-view"),
    # splitting
    case("split", lambda xp: xp.split(arr(xp, (6, 2)), 3), id="split"),
    case("split", lambda xp: xp.split(arr(xp, (6, 2)), [1, 4]), id="split-indices"),
    case("split", lambda xp: xp.split(arr(xp, (6, 2)), [1, 9]), id="split-past-end"),
    case("split", lambda xp: xp.split(arr(xp), 2, axis=1), id="split-axis"),
    case("split", lambda xp: xp.split(arr(xp, (6, 2)), xp.asarray([2, 3])), id="split-array"),
    case("split", lambda xp: xp.split(arr(xp), 2), id="split-unequal"),
    case("split", lambda xp: xp.split(arr(xp), 2, axis=2), id="split-bad-axis"),
    case("split", first_written(lambda xp, a: xp.split(a, 2)[1]), id="split-view"),
    case("array_split", lambda xp: xp.array_split(arr(xp, (7,)), 3), id="array_split"),
    case(
        "array_split", lambda xp: xp.array_split(arr(xp), [1, 2], axis=1), id="array_split-indices"
    ),
    case("array_split", lambda xp: xp.array_split(arr(xp), 0), id="array_split-zero"),
    case("hsplit", lambda xp: xp.hsplit(arr(xp), 2), id="hsplit"),
    case("hsplit", lambda xp: xp.hsplit(arr(xp, (6,)), [2]), id="hsplit-1d"),
    case("hsplit", lambda xp: xp.hsplit(arr(xp, ()), 1), id="hsplit-0d"),
    case("vsplit", lambda xp: xp.vsplit(arr(xp, (4, 3)), [1, 3]), id="vsplit"),
    case("vsplit", lambda xp: xp.vsplit(arr(xp, (4,)), 2), id="vsplit-1d"),
    case("dsplit", lambda xp: xp.dsplit(arr(xp, (2, 2, 4)), 2), id="dsplit"),
    case("dsplit", lambda xp: xp.dsplit(arr(xp), 2), id="dsplit-2d"),
    # tiling, padding, rolling, flipping
    case("tile", lambda xp: xp.tile(arr(xp, (2, 3), "int8"), 2), id="tile"),
    case("tile", lambda xp: xp.tile(arr(xp, (2, 3)), (2, 1, 3)), id="tile-more-reps"),
    case("tile", lambda xp: xp.tile(arr(xp, (2, 3)), xp.asarray([2, 2])), id="tile-array-reps"),
    case("tile", lambda xp: xp.tile(arr(xp, (2, 3)), (0, 2)), id="tile-zero"),
    case("tile", lambda xp: xp.tile(arr(xp, (2, 3)), -1), id="tile-negative"),
    case("pad", lambda xp: xp.pad(arr(xp, dt="int16"), 1), id="pad"),
    case("pad", lambda xp: xp.pad(arr(xp), ((1, 2), (0, 1)), constant_values=5), id="pad-widths"),
    *[
        case("pad", lambda xp, m=m: xp.pad(arr(xp), (2, 1), mode=m), id=f"pad-{m}")
        for m in ("edge", "reflect", "symmetric", "wrap", "maximum", "mean", "linear_ramp", "empty")
    ],
    case("pad", lambda xp: xp.pad(arr(xp), xp.asarray([[1, 0], [0, 2]])), id="pad-array-widths"),
    case("pad", lambda xp: xp.pad(arr(xp), 1, mode="nope"), id="pad-bad-mode"),
    case("pad", lambda xp: xp.pad(arr(xp), 2, "reflect", reflect_type="odd"), id="pad-odd"),
    case("pad", lambda xp: xp.pad(arr(xp), (1, 3), "minimum", stat_length=2), id="pad-stat"),
    case("pad", lambda xp: xp.pad(arr(xp), 1, "constant", foo=1), id="pad-bad-keyword"),
    case("pad", lambda xp: xp.pad(arr(xp), -1), id="pad-negative"),
    case("pad", lambda xp: xp.pad(arr(xp), ((1, 2, 3),)), id="pad-bad-widths"),
    case("roll", lambda xp: xp.roll(arr(xp), 1), id="roll"),
    case("roll", lambda xp: xp.roll(arr(xp, dt="complex64"), -2, axis=1), id="roll-axis"),
    case("roll", lambda xp: xp.roll(arr(xp), (1, 2), axis=(0, 1)), id="roll-axes"),
    case("roll", lambda xp: xp.roll(arr(xp), 1, axis=2), id="roll-bad-axis"),
    case("roll", lambda xp: xp.roll(arr(xp), (1, 2, 3), axis=(0, 1)), id="roll-mismatch"),
    case("flip", lambda xp: xp.flip(arr(xp)), id="flip"),
    case("flip", lambda xp: xp.flip(arr(xp, (2, 3, 4)), axis=1), id="flip-axis"),
    case("flip", lambda xp: xp.flip(arr(xp, (2, 3, 4)), axis=(0, 2)), id="flip-axes"),
    case("flip", lambda xp: xp.flip(arr(xp), axis=2), id="flip-bad-axis"),
    case("flip", first_written(lambda xp, a: xp.flip(a, 2)), id="flip-view"),
    case("fliplr", lambda xp: xp.fliplr(arr(xp)), id="fliplr"),
    case("fliplr", lambda xp: xp.fliplr(arr(xp, (4,))), id="fliplr-1d"),
    case("flipud", lambda xp: xp.flipud(arr(xp, (4,), "uint8")), id="flipud"),
    case("flipud", lambda xp: xp.flipud(arr(xp, ())), id="flipud-0d"),
    case("flipud", first_written(lambda xp, a: xp.flipud(a)), id="flipud-view"),
    *[case("rot90", lambda xp, k=k: xp.rot90(arr(xp), k), id=f"rot90-{k}") for k in (0, 1, 2, -1)],
    case("rot90", lambda xp: xp.rot90(arr(xp, (2, 3, 4)), axes=(2, 0)), id="rot90-axes"),
    case("rot90", lambda xp: xp.rot90(arr(xp), axes=(1, 1)), id="rot90-same-axes"),
    case("rot90", lambda xp: xp.rot90(arr(xp), axes=(0, 3)), id="rot90-bad-axes"),
    case("rot90", lambda xp: xp.rot90(arr(xp, (4,))), id="rot90-1d"),
    # broadcasting and dimensions
    case("broadcast_to", lambda xp: xp.broadcast_to(arr(xp, (4,)), (2, 3, 4)), id="broadcast_to"),
    case("broadcast_to", lambda xp: xp.broadcast_to(5, (2, 2)), id="broadcast_to-scalar"),
    case("broadcast_to", lambda xp: xp.broadcast_to(arr(xp), (4, 4)), id="broadcast_to-mismatch"),
    case("broadcast_to", lambda xp: xp.broadcast_to(arr(xp, (3,)), -1), id="broadcast_to-negative"),
    case(
        "broadcast_to",
        lambda xp: xp.broadcast_to(arr(xp, (4,)), (2, 4)).__setitem__(0, 1),
        id="broadcast_to-readonly",
    ),
    case(
        "broadcast_arrays",
        lambda xp: xp.broadcast_arrays(arr(xp, (3, 1)), arr(xp, (4,), "i1")),
        id="broadcast_arrays",
    ),
    case("broadcast_arrays", lambda xp: xp.broadcast_arrays(arr(xp)), id="broadcast_arrays-one"),
    case(
        "broadcast_arrays",
        lambda xp: xp.broadcast_arrays(arr(xp), arr(xp, (3,))),
        id="broadcast_arrays-mismatch",
    ),
    *[
        case(n, lambda xp, n=n, s=s: getattr(xp, n)(arr(xp, s)), id=f"{n}-{len(s)}d")
        for n in ("atleast_1d", "atleast_2d", "atleast_3d")
        for s in ((), (3,), (2, 3), (1, 2, 3, 1))
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(1.5, arr(xp, (3,)), [[1, 2]]), id=f"{n}-many")
        for n in ("atleast_1d", "atleast_2d", "atleast_3d")
    ],
    case("atleast_2d", first_written(lambda xp, a: xp.atleast_2d(a[0, 0])), id="atleast_2d-view"),
    # trimming, resizing, adding and removing elements
    case("trim_zeros", lambda xp: xp.trim_zeros(xp.asarray([0, 0, 1, 0, 2, 0])), id="trim_zeros"),
    *[
        case(
            "trim_zeros",
            lambda xp, t=t: xp.trim_zeros(xp.asarray([0.0, 1.0, 0.0]), t),
            id=f"trim_zeros-{t}",
        )
        for t in ("f", "b", "B")
    ],
    case("trim_zeros", lambda xp: xp.trim_zeros(xp.zeros(4, "int8")), id="trim_zeros-all"),
    case(
        "trim_zeros",
        lambda xp: xp.trim_zeros(xp.pad(arr(xp, (2, 2)), 1), axis=0),
        id="trim_zeros-2d-axis",
    ),
    case("trim_zeros", lambda xp: xp.trim_zeros(xp.pad(arr(xp, (2, 2)), 1)), id="trim_zeros-2d"),
    case("trim_zeros", lambda xp: xp.trim_zeros(xp.asarray([0, 1]), "x"), id="trim_zeros-bad"),
    case("resize", lambda xp: xp.resize(arr(xp), (5, 3)), id="resize-grow"),
    case("resize", lambda xp: xp.resize(arr(xp, dt="int8"), 5), id="resize-shrink"),
    case("resize", lambda xp: xp.resize(arr(xp), (0,)), id="resize-empty"),
    case("resize", lambda xp: xp.resize(arr(xp), (-1, 2)), id="resize-negative"),
    case("append", lambda xp: xp.append(arr(xp), arr(xp, (2,), "int8")), id="append"),
    case("append", lambda xp: xp.append(arr(xp), arr(xp, (1, 4)), axis=0), id="append-axis"),
    case("append", lambda xp: xp.append(arr(xp), arr(xp, (4,)), axis=0), id="append-mismatch"),
    case("append", lambda xp: xp.append([1, 2], 3.5), id="append-lists"),
    case("insert", lambda xp: xp.insert(arr(xp, (5,)), 2, 9), id="insert-scalar"),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp, (5,), "int16"), 2, [7, 8, 9.5]),
        id="insert-scalar-many",
    ),
    case("insert", lambda xp: xp.insert(arr(xp), 1, 5), id="insert-flattens"),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp), -1, arr(xp, (3,), offset=1), axis=1),
        id="insert-axis",
    ),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp), [1], arr(xp, (3, 1), offset=2), axis=1),
        id="insert-axis-list",
    ),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp), 3, arr(xp, (2, 4), offset=2), axis=0),
        id="insert-rows",
    ),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp, (6,)), [4, 1, -1, 1], [1, 2, 3, 4]),
        id="insert-sequence",
    ),
    case("insert", lambda xp: xp.insert(arr(xp, (6,)), slice(1, None, 2), 0), id="insert-slice"),
    case(
        "insert",
        lambda xp: xp.insert(arr(xp, (3,)), xp.asarray([True, False, True]), 0),
        id="insert-mask",
    ),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), xp.asarray([0, 2]), 0), id="insert-array"),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), [], 1), id="insert-empty"),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), 4, 1), id="insert-out-of-bounds"),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), [0, 4], 1), id="insert-many-out-of-bounds"),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), [[0, 1]], 1), id="insert-2d-obj"),
    case("insert", lambda xp: xp.insert(arr(xp), 0, 1, axis=2), id="insert-bad-axis"),
    case("insert", lambda xp: xp.insert(arr(xp, (3,)), 1.5, 1), id="insert-float-obj"),
    case("delete", lambda xp: xp.delete(arr(xp, (6,)), 2), id="delete"),
    case("delete", lambda xp: xp.delete(arr(xp), [0, 2], axis=1), id="delete-list"),
    case("delete", lambda xp: xp.delete(arr(xp), slice(None, None, 2), axis=0), id="delete-slice"),
    case("delete", lambda xp: xp.delete(arr(xp), 5), id="delete-flattens"),
    case(
        "delete",
        lambda xp: xp.delete(arr(xp), xp.asarray([True, False, True]), axis=0),
        id="delete-mask",
    ),
    case("delete", lambda xp: xp.delete(arr(xp), xp.asarray([1, 1]), axis=0), id="delete-array"),
    case("delete", lambda xp: xp.delete(arr(xp), 3, axis=0), id="delete-out-of-bounds"),
    case("delete", lambda xp: xp.delete(arr(xp), 0, axis=3), id="delete-bad-axis"),
    case("delete", lambda xp: xp.delete(arr(xp), xp.asarray([True]), axis=0), id="delete-bad-mask"),
    case(
        "copyto",
        lambda xp: (lambda d: (xp.copyto(d, arr(xp, (4,), "int8")), d)[1])(arr(xp)),
        id="copyto",
    ),
    case(
        "copyto",
        lambda xp: (lambda d: (xp.copyto(d, 2.5, where=arr(xp, dt="bool")), d)[1])(arr(xp)),
        id="copyto-where",
    ),
    case("copyto", lambda xp: xp.copyto(arr(xp, dt="int32"), arr(xp)), id="copyto-casting"),
    case(
        "copyto",
        lambda xp: (lambda d: (xp.copyto(d, arr(xp), casting="unsafe"), d)[1])(arr(xp, dt="int32")),
        id="copyto-unsafe",
    ),
    case("copyto", lambda xp: xp.copyto(arr(xp), arr(xp, (3,))), id="copyto-mismatch"),
    case("copyto", lambda xp: xp.copyto([1.0, 2.0], arr(xp, (2,))), id="copyto-not-array"),
    case(
        "copyto",
        lambda xp: (lambda b: (xp.copyto(b[1:, ::2], -1.0), b)[1])(arr(xp)),
        id="copyto-view",
    ),
    # ndarray methods that are these functions
    case("clip", lambda xp: arr(xp).clip(max=1), id="clip-method"),
    case("round", lambda xp: arr(xp).round(1), id="round-method"),
    case("repeat", lambda xp: arr(xp).repeat(2, axis=1), id="repeat-method"),
    case("ravel", lambda xp: arr(xp).ravel("F"), id="ravel-method"),
    case("squeeze", lambda xp: arr(xp, (1, 4)).squeeze(0), id="squeeze-method"),
    case("swapaxes", lambda xp: arr(xp).swapaxes(0, 1), id="swapaxes-method"),
    case("diagonal", lambda xp: arr(xp).diagonal(1), id="diagonal-method"),
    # metadata as Python values
    *[
        case(n, lambda xp, n=n: getattr(xp, n)(arr(xp, (2, 3, 4))), id=n)
        for n in ("shape", "ndim", "size")
    ],
    *[
        case(n, lambda xp, n=n: getattr(xp, n)([[1, 2, 3]]), id=f"{n}-list")
        for n in ("shape", "ndim", "size")
    ],
    case("size", lambda xp: xp.size(arr(xp, (2, 3, 4)), 1), id="size-axis"),
    case("size", lambda xp: xp.size(arr(xp), axis=2), id="size-bad-axis"),
]

test_conformance = conformance(CASES)
