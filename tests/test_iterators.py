"""NumPy's iterators over dnp arrays: ``ndenumerate``, ``nditer``, ``nested_iters``,
``flatiter``."""

import numpy
import pytest

import dnp
from dnp import autograd

A = numpy.arange(6.0).reshape(2, 3)


def test_ndenumerate_gives_numpys_pairs():
    assert list(dnp.ndenumerate(dnp.asarray(A))) == list(numpy.ndenumerate(A))
    pending = dnp.asarray(A) * 2.0  # values of pending work
    assert [v for _, v in dnp.ndenumerate(pending)] == list((A * 2).ravel())


def test_nditer_reads_and_writes_the_arrays_memory():
    a = dnp.asarray(A) + 1.0  # pending, maybe
    expected = A + 1.0
    with dnp.nditer(a, op_flags=["readwrite"]) as it:
        for x in it:
            x[...] = 2 * x
    numpy.testing.assert_array_equal(a.asnumpy(), 2 * expected)
    b = dnp.asarray([10.0, 20.0, 30.0])
    out = []
    with dnp.nditer([dnp.asarray(A), b, None]) as it:
        for x, y, z in it:
            z[...] = x * y
            out.append(float(z))
        result = it.operands[2]
    numpy.testing.assert_array_equal(result, A * [10.0, 20.0, 30.0])
    assert out == list((A * [10.0, 20.0, 30.0]).ravel())


def test_nested_iters_walks_the_outer_then_the_inner_axes():
    ours = dnp.nested_iters([dnp.asarray(A)], [[0], [1]])
    theirs = numpy.nested_iters([A], [[0], [1]])
    got = [[float(x) for x in ours[1]] for _ in ours[0]]
    expected = [[float(x) for x in theirs[1]] for _ in theirs[0]]
    assert got == expected


def test_writes_through_nditer_are_seen_by_the_tape():
    w = dnp.asarray([1.0, 2.0])
    w.attach_grad()
    with autograd.record():
        y = (w * w).sum()
    with dnp.nditer(w, op_flags=["readwrite"]) as it:
        for x in it:
            x[...] = 0.0
    with pytest.raises(Exception, match="written|modified|in place"):
        y.backward()


def test_flatiter_is_what_flat_gives():
    a = dnp.asarray(A)
    assert isinstance(a.flat, dnp.flatiter)
    assert float(a.flat[4]) == 4.0


def test_nditer_of_a_gpu_array_raises():
    for dev in dnp.devices()[1:]:
        with pytest.raises(TypeError, match="host memory"):
            dnp.nditer(dnp.asarray(A, device=dev))
