"""The engine under load: many threads on shared arrays, and a long loop's memory."""

import tracemalloc

import numpy
import pytest

import dnp
from dnp._engine import _threaded, _vars
from tests.threads import run_threads


def test_many_threads_on_shared_arrays_no_deadlock_no_wrong_result():
    rows, steps = 8, 150
    counts = dnp.zeros((rows, 50_000))  # every thread writes its own row of one buffer
    source = dnp.asarray(numpy.linspace(0.0, 1.0, 50_000))  # read by all
    sums = {}

    def worker(k):
        mine = source * float(k)
        for i in range(steps):
            counts[k] += 1.0
            mine = dnp.sin(mine) + source
            if i % 25 == 0:
                float(counts.sum())  # a sync point in the middle of everyone's writes
        sums[k] = mine.asnumpy()

    with dnp.engine.engine("threaded", num_workers=2, inline_limit=0):
        run_threads(worker, rows, timeout=120)
        numpy.testing.assert_array_equal(counts.asnumpy(), numpy.full((rows, 50_000), steps))
    base = numpy.linspace(0.0, 1.0, 50_000)
    for k, got in sums.items():
        expected = base * float(k)
        for _ in range(steps):
            expected = numpy.sin(expected) + base
        numpy.testing.assert_array_equal(got, expected)


@pytest.mark.slow
def test_a_long_loop_keeps_memory_flat():
    """100 000 iterations, every op pushed: back-pressure bounds the work in flight, and
    buffers are freed as soon as nothing needs them. Memory is traced over the last 10 000
    iterations (tracing every allocation slows the loop tenfold): it must not grow."""
    peak_in_flight = 0
    with dnp.engine.engine("threaded", inline_limit=0):
        x = dnp.ones(1000)
        for i in range(100_000):
            x = x * 0.5 + 0.5
            if i == 90_000:
                tracemalloc.start()
            if i == 91_000:
                dnp.waitall()
                early, _ = tracemalloc.get_traced_memory()
            peak_in_flight = max(peak_in_flight, _threaded._in_flight)
        dnp.waitall()
        late, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak_in_flight <= _threaded.MAX_IN_FLIGHT
    assert late - early < 200_000, f"memory grew by {late - early} bytes in 9 000 iterations"
    assert peak < 16_000_000, f"peak {peak} bytes: more in flight than back-pressure allows"
    assert not any(v.writer or v.readers for v in _vars.VARS.values())  # nothing left pending
    numpy.testing.assert_array_equal(x.asnumpy(), numpy.ones(1000))
