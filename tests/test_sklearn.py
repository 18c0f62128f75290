"""scikit-learn with array API dispatch on runs its array-API-supported estimators and metrics on
dnp arrays, returning dnp arrays with the values it computes on NumPy arrays (``sklearn_run``)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report() -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "tests.sklearn_run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


CASES = (
    "PCA Ridge LinearDiscriminantAnalysis LabelEncoder LabelEncoder.classes_ GaussianNB "
    "LogisticRegression StandardScaler MinMaxScaler train_test_split accuracy_score f1_score "
    "f1_score-macro roc_curve confusion_matrix r2_score mean_squared_error pairwise_distances "
    "cosine_similarity rbf_kernel"
).split()


def test_every_case_is_run(report):
    assert sorted(report) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_scikit_learn_on_dnp_arrays(report, case):
    assert report[case] == "ok", report[case]
