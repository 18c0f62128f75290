"""Whole NumPy programs, written for this project in the style of common exercises and
tutorials. Each is a function of the array module ``np`` (``numpy`` or ``dnp``) that prints as a
script would and returns its results; ``test_corpus.py`` runs each both ways and compares the
printed text and the values."""

import io


def curve_fit(np):
    """Fit a quadratic with Polynomial.fit, report coefficients and the residual."""
    np.random.seed(0)
    x = np.linspace(0, 4, 40)
    y = 0.5 * x**2 - 2 * x + 1 + np.random.normal(0, 0.1, x.shape)
    p = np.polynomial.Polynomial.fit(x, y, 2).convert()
    residual = np.sqrt(np.mean((p(x) - y) ** 2))
    print("coefficients:", np.round(p.coef, 3))
    print(f"rms residual: {float(residual):.4f}")
    print("roots:", np.round(np.sort(p.roots().real), 3))
    return p(x), residual


def moving_average(np):
    """Smooth a noisy signal with a sliding window; find its peaks."""
    rng = np.random.default_rng(42)
    t = np.arange(200) / 20.0
    signal = np.sin(t) + rng.normal(0, 0.3, t.size)
    windows = np.lib.stride_tricks.sliding_window_view(signal, 9)
    smooth = windows.mean(axis=-1)
    peaks = np.flatnonzero((smooth[1:-1] > smooth[:-2]) & (smooth[1:-1] > smooth[2:])) + 1
    print("smoothed", smooth.shape, "from", signal.shape)
    print("peaks at", peaks[:5])
    print("max smoothed %.3f" % smooth.max())  # noqa: UP031  # as scripts write it
    return smooth, peaks


def date_ranges(np):
    """Business days and weekly totals over a date range."""
    days = np.arange("2026-03-01", "2026-04-01", dtype="datetime64[D]")
    sales = (np.arange(days.size) % 7 + 1) * 10.0
    busy = np.is_busday(days)
    print("days:", days.size, "business days:", int(busy.sum()))
    print(
        "first Monday:",
        days[np.argmax(days.astype("datetime64[W]") != days[0].astype("datetime64[W]"))],
    )
    weeks = (days - days[0]).astype(int) // 7
    totals = np.bincount(weeks, weights=sales)
    print("weekly totals:", totals)
    print("span:", days[-1] - days[0])
    return totals, np.datetime_as_string(days[busy][:3])


def seeded_simulation(np):
    """A random walk and a Monte Carlo estimate, seeded as tutorials seed them."""
    np.random.seed(1234)
    steps = np.random.choice([-1, 1], size=(5, 100))
    walks = np.cumsum(steps, axis=1)
    print("final positions:", walks[:, -1])
    rng = np.random.default_rng(7)
    pts = rng.random((10_000, 2))
    pi = 4 * np.mean(np.sum(pts**2, axis=1) < 1)
    print(f"pi is about {float(pi):.4f}")
    samples = rng.normal(loc=3.0, scale=2.0, size=1000)
    print("mean %.4f std %.4f" % (samples.mean(), samples.std()))  # noqa: UP031
    return walks, pi, samples


def text_table(np):
    """Strings and structured records: parse a small table, group and sort it."""
    text = io.StringIO("ann,31,1.70\nbob,25,1.82\ncy,31,1.64\ndee,40,1.75\n")
    dt = [("name", "U8"), ("age", "i4"), ("height", "f8")]
    people = np.loadtxt(text, delimiter=",", dtype=dt)
    by_age = np.sort(people, order=["age", "name"])
    print("names:", np.strings.upper(by_age["name"]))
    ages, counts = np.unique(people["age"], return_counts=True)
    print("ages:", ages, "counts:", counts)
    tall = people["name"][people["height"] > 1.72]
    print("tall:", ", ".join(str(n) for n in tall))
    return by_age["height"], counts


def linear_regression(np):
    """Least squares by the normal equations and by lstsq, with an R^2."""
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(50), rng.uniform(0, 10, 50), rng.uniform(-1, 1, 50)])
    beta = np.array([2.0, -0.5, 3.0])
    y = X @ beta + rng.normal(0, 0.2, 50)
    normal = np.linalg.solve(X.T @ X, X.T @ y)
    lstsq = np.linalg.lstsq(X, y, rcond=None)[0]
    r2 = 1 - np.sum((y - X @ lstsq) ** 2) / np.sum((y - y.mean()) ** 2)
    np.set_printoptions(precision=3)
    print("beta (normal equations):", normal)
    print("beta (lstsq):", lstsq)
    print(f"R^2 = {float(r2):.4f}")
    np.set_printoptions(precision=8)
    return normal, lstsq


def masked_statistics(np):
    """Sensor readings with gaps: mask the bad values, then the usual statistics."""
    readings = np.array([[12.1, -999.0, 11.8, 12.6], [13.0, 12.2, -999.0, np.nan]])
    data = np.ma.masked_invalid(np.ma.masked_equal(readings, -999.0))
    print("valid per row:", data.count(axis=1))
    print("row means:", data.mean(axis=1))
    print("overall std: %.4f" % data.std())  # noqa: UP031
    filled = data.filled(np.mean(readings[readings > 0]))
    print("filled:", np.round(filled, 2))
    scaled = np.log(data) * 2.0 + np.ones(4)
    print("scaled:", scaled)
    return filled, data.mean(axis=1).filled(0.0), np.ma.getmaskarray(scaled)


def record_arrays(np):
    """Record arrays: fields as attributes, derived fields, sorting and selection."""
    stars = np.rec.fromrecords(
        [("Sirius", -1.46, 8.6), ("Vega", 0.03, 25.0), ("Altair", 0.77, 16.7)],
        names="name,magnitude,distance",
    )
    print(stars)
    print("nearest:", stars.name[np.argmin(stars.distance)])
    luminous = stars[stars.magnitude < 0.5]
    print("bright:", luminous.name, "mean distance %.2f" % luminous.distance.mean())  # noqa: UP031
    absolute = stars.magnitude - 5 * (np.log10(stars.distance / 3.26) - 1)
    print("absolute magnitudes:", np.round(absolute, 2))
    return absolute, stars.distance


PROGRAMS = [
    masked_statistics,
    record_arrays,
    curve_fit,
    moving_average,
    date_ranges,
    seeded_simulation,
    text_table,
    linear_regression,
]
