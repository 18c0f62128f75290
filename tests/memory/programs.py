"""Small real NumPy programs, written once against a module ``np`` (NumPy, or dnp), for the
memory-safety lane (``test_memory_safety.py``).

Each is what NumPy users write every day: masked in-place updates, fancy and boolean
``__setitem__``, ``+=``, ``out=``, ``.at``, sorting, histograms, slicing stencils. Their arrays
(``N``) are above the engine's inline limit, large enough for its pool and its reuse of dead
inputs, and the lane pushes every op, so views are made of pending arrays and masks read after
they are written on a worker. Inputs are computed from ``arange`` with NumPy's own kernels, so
both modules get the same bits, and each program returns the arrays it computed, to be compared
bit for bit.
"""

from __future__ import annotations

import math

from dnp._engine._settings import INLINE_LIMIT

# Elements of the 1-d programs (a multiple of 1000), and rows and columns of the 2-d ones: above
# the inline limit measured on this host, so the default engine pushes their ops too.
N = 1000 * (max(INLINE_LIMIT, 300_000) // 1000 + 1)
SIDE = math.isqrt(N) + 1


def _signal(np, n: int = N, scale: float = 0.37):
    """Deterministic data in [-2, 2]: the same bits in NumPy and dnp."""
    return 2.0 * np.sin(np.arange(n) * scale)


def fractal_real(np):
    """Escape-time iteration on the real line: the loop of issue 15."""
    x = np.linspace(-2, 2, N)
    z = x.copy()
    for _ in range(12):
        m = np.abs(z) < 2
        z[m] = np.square(z[m]) - 1
    return z


def fractal_complex(np):
    """Escape-time counts of the Mandelbrot set on a complex grid."""
    xs = np.linspace(-2.0, 1.0, SIDE)
    ys = np.linspace(-1.5, 1.5, SIDE)
    x, y = np.meshgrid(xs, ys)
    c = x + 1j * y
    z = np.zeros_like(c)
    counts = np.zeros(c.shape, dtype=np.int32)
    for _ in range(12):
        m = np.abs(z) < 2
        z[m] = z[m] ** 2 + c[m]
        counts[m] += 1
    return z, counts


def game_of_life(np):
    """Conway's Game of Life on a torus, neighbours summed from shifted slices of a padded copy."""
    grid = (_signal(np, SIDE * SIDE, 0.913) > 0.3).astype(np.uint8).reshape(SIDE, SIDE)
    for _ in range(8):
        padded = np.pad(grid, 1, mode="wrap")
        n = np.zeros(grid.shape, dtype=np.uint8)
        for dy in (0, 1, 2):
            for dx in (0, 1, 2):
                if dy != 1 or dx != 1:
                    n += padded[dy : dy + SIDE, dx : dx + SIDE]
        alive = grid == 1
        grid = ((n == 3) | (alive & (n == 2))).astype(np.uint8)
    return grid


def kmeans(np):
    """Lloyd's k-means on 2-d points: distances by broadcasting, argmin, masked means."""
    points = np.stack([_signal(np, N // 2, 0.11), _signal(np, N // 2, 0.29)], axis=1)
    centers = points[:5].copy() + np.arange(5.0)[:, None] * 0.1
    labels = None
    for _ in range(5):
        d = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        labels = np.argmin(d, axis=1)
        for k in range(5):
            members = points[labels == k]
            if len(members):
                centers[k] = members.mean(axis=0)
    return centers, labels


def convolution(np):
    """A 3x3 convolution by summing shifted slices, then a threshold written through a mask."""
    img = _signal(np, SIDE * SIDE, 0.071).reshape(SIDE, SIDE)
    w = np.arange(9.0).reshape(3, 3) / 36.0
    out = np.zeros((SIDE - 2, SIDE - 2))
    for i in range(3):
        for j in range(3):
            out += w[i, j] * img[i : i + SIDE - 2, j : j + SIDE - 2]
    out[out < 0] = 0.0
    img[1:-1, 1:-1] = out
    return img


def histograms(np):
    """Histogram and bincount loops over values that change each round."""
    x = _signal(np)
    counts = np.zeros(64, dtype=np.int64)
    hist = np.zeros(40, dtype=np.int64)
    for k in range(6):
        idx = ((x + 2.0) * (8 + k)).astype(np.int64) % 64
        counts += np.bincount(idx, minlength=64)
        h, edges = np.histogram(x, bins=40, range=(-2.0, 2.0))
        hist += h
        x = np.where(x > 0, x - 0.25, x + 0.5)
    return counts, hist, edges, x


def sorting(np):
    """Sort, argsort and partition in a loop, with masked updates of what was sorted."""
    x = _signal(np, N, 0.731)
    for _ in range(4):
        s = np.sort(x)
        order = np.argsort(x, kind="stable")
        x = x[order]
        big = x > s[N // 2]
        x[big] -= 1.0
        x[~big] *= 0.5
        part = np.partition(x, N // 3)
    return x, s, order, part


def masking(np):
    """Boolean masks built, combined and written through, in place and into fresh arrays."""
    x = _signal(np)
    y = _signal(np, N, 0.53)
    for _ in range(6):
        m = (x > 0) & (y < 0.5)
        x[m] = y[m] * 0.5
        y[~m] += x[~m]
        y = np.where(np.abs(y) > 1.5, y / 2, y)
        x[x < -1] = -1.0
    return x, y, np.count_nonzero(x > 0)


def accumulation(np):
    """In-place accumulation: ``+=``, ufuncs with ``out=`` (whole arrays and strided views)
    and ``add.at``/``multiply.at``."""
    x = _signal(np)
    acc = np.zeros(N)
    idx = (np.arange(N) * 7919) % N
    for k in range(6):
        acc += x * (k + 1)
        np.multiply(acc, 0.5, out=acc)
        np.add(acc[::2], x[1::2], out=acc[::2])
        np.sin(acc, out=x)
        np.add.at(acc, idx[: N // 3], 1.0)
        np.multiply.at(x, idx[::5], 0.75)
    return acc, x


def fancy_setitem(np):
    """Fancy-index reads and writes: permutations, gathers, scatters, slices written from slices."""
    x = _signal(np)
    y = _signal(np, N, 0.19)
    perm = (np.arange(N) * 15485863) % N
    for _ in range(6):
        x[perm] = y
        y[perm[: N // 2]] = x[perm[N // 2 :]]
        x[::2] = x[1::2]
        y[10:-10] = y[:-20] * 0.5 + y[20:] * 0.5
        x = x[perm]
    return x, y


def views_of_pending(np):
    """Views (reshape, transpose, slices, ravel, astype to the same dtype) of arrays that
    pending ops still write, read and written in turn."""
    a = _signal(np).reshape(N // 500, 500)
    for _ in range(6):
        b = np.exp(a * 0.1)
        t = b.T
        r = b.reshape(500, N // 500)
        f = b.ravel()
        same = b.astype(b.dtype, copy=False)
        a = t[:, ::-1].T + r.reshape(a.shape) * 0.5 - same
        f[::3] = 0.0
        a[a > 1] = f[: a.size].reshape(a.shape)[a > 1]
    return a, b


PROGRAMS = {
    f.__name__: f
    for f in (
        fractal_real,
        fractal_complex,
        game_of_life,
        kmeans,
        convolution,
        histograms,
        sorting,
        masking,
        accumulation,
        fancy_setitem,
        views_of_pending,
    )
}
