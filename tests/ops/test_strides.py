"""``lib.stride_tricks`` against NumPy: windows and strided views, views that write through,
read-only views, and bad arguments."""

import numpy

from tests.conformance import case, conformance
from tests.samples import sample

SWV = "lib.stride_tricks.sliding_window_view"
AS = "lib.stride_tricks.as_strided"


def arr(xp, shape=(3, 4), dt="float64", offset=0):
    return xp.asarray(sample(dt, shape, offset))


def swv(xp, *args, **kwargs):
    return xp.lib.stride_tricks.sliding_window_view(*args, **kwargs)


def strided(xp, *args, **kwargs):
    return xp.lib.stride_tricks.as_strided(*args, **kwargs)


def written_through(xp):
    """A write into an overlapping strided view lands in the base, as in NumPy."""
    base = arr(xp, (10,), "int32")
    view = strided(xp, base, shape=(4, 3), strides=(8, 4))
    view[1, 2] = 99
    return base


def windows_of_a_strided_input(xp):
    base = arr(xp, (6, 8))
    return swv(xp, base[::2, 1::2], (2, 2))


CASES = [
    *[
        case(SWV, lambda xp, dt=dt: swv(xp, arr(xp, (9,), dt), 3), id=f"swv-{dt}")
        for dt in ("bool", "int8", "uint16", "int64", "float16", "float32", "float64", "complex64")
    ],
    case(SWV, lambda xp: swv(xp, arr(xp, (4, 5)), (2, 3)), id="swv-2d"),
    case(SWV, lambda xp: swv(xp, arr(xp, (4, 5)), 2, axis=0), id="swv-axis"),
    case(SWV, lambda xp: swv(xp, arr(xp, (4, 5)), (2, 2), axis=(1, 1)), id="swv-same-axis"),
    case(SWV, lambda xp: swv(xp, [1.0, 2.0, 3.0, 4.0], 2), id="swv-list"),
    case(SWV, windows_of_a_strided_input, id="swv-strided-input"),
    case(SWV, lambda xp: swv(xp, arr(xp, (5,)), 5), id="swv-whole"),
    case(SWV, lambda xp: swv(xp, arr(xp, (5,)), 6), id="swv-too-long"),
    case(SWV, lambda xp: swv(xp, arr(xp, (5,)), -1), id="swv-negative"),
    case(SWV, lambda xp: swv(xp, arr(xp, (4, 5)), (2, 2)), id="swv-window-without-axis"),
    case(SWV, lambda xp: swv(xp, arr(xp, (4, 5)), 2, axis=2), id="swv-bad-axis"),
    case(SWV, lambda xp: swv(xp, arr(xp, (5,)), 2).flags.writeable, id="swv-read-only"),
    case(
        SWV,
        lambda xp: swv(xp, arr(xp, (5,)), 2, writeable=True).flags.writeable,
        id="swv-writeable",
    ),
    case(SWV, lambda xp: swv(xp, arr(xp, (5,)), 2).__setitem__(0, 1.0), id="swv-write-raises"),
    case(AS, lambda xp: strided(xp, arr(xp, (12,)), shape=(4, 3), strides=(24, 8)), id="as-rows"),
    case(
        AS, lambda xp: strided(xp, arr(xp, (10,)), shape=(4, 3), strides=(16, 8)), id="as-overlap"
    ),
    case(AS, lambda xp: strided(xp, arr(xp, (3, 4))), id="as-defaults"),
    case(AS, lambda xp: strided(xp, arr(xp, (3, 4)), shape=(4, 3)), id="as-shape-only"),
    case(
        AS,
        lambda xp: strided(xp, arr(xp, (6, 4))[::2], shape=(3, 2), strides=(64, 16)),
        id="as-strided-input",
    ),
    case(AS, lambda xp: strided(xp, arr(xp, (5,)), shape=(3,), strides=(0,)), id="as-stride-0"),
    case(
        AS,
        lambda xp: (
            strided(xp, arr(xp, (5,)), shape=(2,), strides=(8,), writeable=False).flags.writeable
        ),
        id="as-read-only",
    ),
    case(AS, written_through, id="as-written-through"),
]
test_conformance = conformance(CASES)


def test_the_views_share_memory_with_their_input():
    import dnp

    x = dnp.arange(10.0)
    w = dnp.lib.stride_tricks.sliding_window_view(x, 4)
    s = dnp.lib.stride_tricks.as_strided(x, shape=(5,), strides=(16,))
    x[3] = -1.0
    numpy.testing.assert_array_equal(w[:, 0].asnumpy(), [0, 1, 2, -1, 4, 5, 6])
    numpy.testing.assert_array_equal(s.asnumpy(), [0, 2, 4, 6, 8])
    assert (
        numpy.lib.stride_tricks.sliding_window_view is not dnp.lib.stride_tricks.sliding_window_view
    )
    assert type(numpy.lib.stride_tricks.sliding_window_view(x, 2)) is dnp.ndarray
