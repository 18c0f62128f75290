"""scikit-learn's array-API-dispatched estimators and metrics on dnp arrays, against the same calls
on NumPy arrays with dispatch off. Run in its own process (``test_sklearn.py``): SciPy reads
``SCIPY_ARRAY_API`` once, when it is first imported, and the rest of the suite runs without it.

    python -m tests.sklearn_run      # prints one JSON line: {case: "ok" or what went wrong}
"""

from __future__ import annotations

import json
import os
import warnings

os.environ["SCIPY_ARRAY_API"] = "1"

import numpy  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    confusion_matrix,
    f1_score,
    mean_squared_error,
    pairwise_distances,
    r2_score,
    roc_curve,
)
from sklearn.metrics.pairwise import cosine_similarity, rbf_kernel  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, StandardScaler  # noqa: E402

import dnp  # noqa: E402

RNG = numpy.random.default_rng(0)
X = RNG.standard_normal((80, 4))
Y = (X[:, 0] - X[:, 1] + 0.5 * RNG.standard_normal(80) > 0).astype(numpy.int64)
Y3 = numpy.digitize(X[:, 0] + 0.3 * RNG.standard_normal(80), [-0.5, 0.5])  # three classes
YR = X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * RNG.standard_normal(80)
LABELS = numpy.array([7, 3, 3, 9, 7, 1, 9, 3])

# Each case: a function of (X, Y, Y3, YR, LABELS) in one array library, and its relative tolerance
# (solvers that iterate may round differently: same algorithm, different BLAS calls).
CASES = {
    "PCA": (lambda x, y, y3, yr, lab: PCA(2, svd_solver="full").fit_transform(x), 1e-8),
    "Ridge": (lambda x, y, y3, yr, lab: Ridge(1.0, solver="svd").fit(x, yr).predict(x), 1e-8),
    "LinearDiscriminantAnalysis": (
        lambda x, y, y3, yr, lab: LinearDiscriminantAnalysis().fit(x, y3).predict_proba(x),
        1e-8,
    ),
    "LabelEncoder": (lambda x, y, y3, yr, lab: LabelEncoder().fit_transform(lab), 0),
    "LabelEncoder.classes_": (lambda x, y, y3, yr, lab: LabelEncoder().fit(lab).classes_, 0),
    "GaussianNB": (lambda x, y, y3, yr, lab: GaussianNB().fit(x, y3).predict_proba(x), 1e-8),
    "LogisticRegression": (
        lambda x, y, y3, yr, lab: LogisticRegression().fit(x, y).predict_proba(x),
        1e-4,
    ),
    "StandardScaler": (lambda x, y, y3, yr, lab: StandardScaler().fit_transform(x), 1e-12),
    "MinMaxScaler": (lambda x, y, y3, yr, lab: MinMaxScaler().fit_transform(x), 1e-12),
    "train_test_split": (
        lambda x, y, y3, yr, lab: train_test_split(x, y, random_state=0)[1],
        0,
    ),
    "accuracy_score": (lambda x, y, y3, yr, lab: accuracy_score(y, y[::-1]), 1e-12),
    "f1_score": (lambda x, y, y3, yr, lab: f1_score(y, y[::-1]), 1e-12),
    "f1_score-macro": (lambda x, y, y3, yr, lab: f1_score(y3, y3[::-1], average="macro"), 1e-12),
    "roc_curve": (lambda x, y, y3, yr, lab: roc_curve(y, x[:, 0])[1], 1e-12),
    "confusion_matrix": (lambda x, y, y3, yr, lab: confusion_matrix(y3, y3[::-1]), 0),
    "r2_score": (lambda x, y, y3, yr, lab: r2_score(yr, yr * 0.9), 1e-12),
    "mean_squared_error": (lambda x, y, y3, yr, lab: mean_squared_error(yr, yr * 0.9), 1e-12),
    # The distance of a row to itself: 0 on dnp, 1e-8 on NumPy (rounding of |x|^2 + |y|^2 - 2xy,
    # which scikit-learn sets to zero on one path and not the other).
    "pairwise_distances": (lambda x, y, y3, yr, lab: pairwise_distances(x[:5], x[:7]), 1e-6),
    "cosine_similarity": (lambda x, y, y3, yr, lab: cosine_similarity(x[:6]), 1e-12),
    "rbf_kernel": (lambda x, y, y3, yr, lab: rbf_kernel(x[:6]), 1e-12),
}


def check(name: str) -> str:
    """ "ok", or what differs between the dnp run and the NumPy run of case ``name``."""
    fn, rtol = CASES[name]
    data = (X, Y, Y3, YR, LABELS)
    expected = fn(*data)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        # scikit-learn silences NumPy's floating-point warnings only for NumPy inputs; dnp warns
        # as NumPy does (a 0/0 on a first batch in StandardScaler's running variance).
        warnings.simplefilter("ignore", RuntimeWarning)
        got = fn(*(dnp.asarray(a) for a in data))
    if isinstance(expected, numpy.ndarray):
        if not isinstance(got, dnp.ndarray):
            return f"returned {type(got).__name__}, not a dnp array"
        got = got.asnumpy()
        if got.shape != expected.shape:
            return f"shape {got.shape}, NumPy's {expected.shape}"
    got, expected = numpy.asarray(got, dtype=float), numpy.asarray(expected, dtype=float)
    if not numpy.allclose(got, expected, rtol=rtol, atol=rtol):
        return f"values differ: {got.ravel()[:4]} vs NumPy's {expected.ravel()[:4]}"
    return "ok"


def main() -> None:
    report = {}
    for name in CASES:
        try:
            report[name] = check(name)
        except Exception as exc:  # noqa: BLE001  # reported, one line per case
            report[name] = f"raised {type(exc).__name__}: {exc}"
    print(json.dumps(report))


if __name__ == "__main__":
    main()
