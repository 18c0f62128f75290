"""Random loops of in-place masked and indexed updates on arrays above the inline limit: the
threaded engine (its default decisions, and every op pushed to one worker) and NumPy agree bit
for bit.

These are the programs that corrupted memory (issue 15): a mask or an index array that pending
ops write, read by a call made at once, reused memory, and outputs written into arrays that only
pending ops hold. Hypothesis draws the loop's body; the loop runs a few rounds over two arrays.
"""

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import dnp
from dnp._engine import _settings

# Elements: above the inline limit measured on this host (so the default engine pushes by size),
# up to a bound that keeps the test quick on a host measured while busy; even (a[::2] = a[1::2]).
N = 2 * ((min(_settings.SETTINGS.inline_limit, 1 << 20) + 1001) // 2)
STEPS = [
    "mask_set",  # z[m] = f(z[m]), as in escape-time fractals
    "mask_scalar",  # a[a < t] = c
    "mask_iadd",  # a[m] += b[m]
    "index_set",  # a[perm] = b
    "index_gather",  # a = a[perm]
    "add_at",  # np.add.at(a, idx, 1)
    "slice_set",  # a[::2] = a[1::2] * k
    "where",  # a = where(m, a, b)
    "iadd",  # a += b
    "out",  # multiply(a, k, out=b)
    "squash",  # a = tanh(a) * 2: keeps values bounded
]


def run(xp, body, rounds, seed):
    rng = numpy.random.default_rng(seed)
    arrays = [xp.asarray(rng.uniform(-2, 2, N)) for _ in range(2)]
    perm = xp.asarray(rng.permutation(N))
    idx = xp.asarray(rng.integers(0, N, N // 4))
    for _ in range(rounds):
        for kind, i, k in body:
            a, b = arrays[i % 2], arrays[(i + 1) % 2]
            t = (k % 7 - 3) / 2
            if kind == "mask_set":
                m = xp.abs(a) < 2 + t
                a[m] = xp.square(a[m]) - 1
            elif kind == "mask_scalar":
                a[a < t] = float(k % 5)
            elif kind == "mask_iadd":
                m = b > t
                a[m] += b[m]
            elif kind == "index_set":
                a[perm] = b
            elif kind == "index_gather":
                arrays[i % 2] = a[perm]
            elif kind == "add_at":
                xp.add.at(a, idx, 1.0)
            elif kind == "slice_set":
                a[::2] = a[1::2] * (0.25 + k % 3)
            elif kind == "where":
                arrays[i % 2] = xp.where(a > t, a, b)
            elif kind == "iadd":
                a += b
            elif kind == "out":
                xp.multiply(a, 0.5 + k % 2, out=b)
            else:
                arrays[i % 2] = xp.tanh(a) * 2
    return [numpy.asarray(x.asnumpy() if isinstance(x, dnp.ndarray) else x) for x in arrays]


body = st.lists(
    st.tuples(st.sampled_from(STEPS), st.integers(0, 1), st.integers(0, 20)), min_size=1, max_size=6
)


@settings(max_examples=25)
@given(body=body, rounds=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_update_loops_equal_numpy(body, rounds, seed):
    expected = run(numpy, body, rounds, seed)
    for settings_ in ({"num_workers": 2}, {"num_workers": 1, "inline_limit": 0}):
        with dnp.engine.engine("threaded", **settings_):
            got = run(dnp, body, rounds, seed)
        for g, e in zip(got, expected, strict=True):
            assert g.dtype == e.dtype
            assert g.tobytes() == e.tobytes(), f"differs from NumPy with {settings_}"
