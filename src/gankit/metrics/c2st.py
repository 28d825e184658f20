"""The classifier two-sample test (Lopez-Paz & Oquab 2017): gankit's one implementation of it.

A classifier learns to tell real rows (label 1) from fake rows (label 0) on one half of the
pooled rows and is scored on the other half. The larger sample is first subsampled to the
smaller one's size (with equal sizes, as in every GAN evaluation, nothing is dropped), so that
under "same distribution" the number of correct held-out guesses is Binomial(n_test, ½): the
exact one-sided p-value is ``P(Binomial(n_test, ½) ≥ correct)``. Each classifier is fitted once;
the p-value needs no permutations, so nothing is ever refitted.

Used by the row and image evaluations (k-NN and logistic regression in torch, :func:`c2st` and
``metrics/c2st_classifiers.py``) and by the table evaluation (scikit-learn's logistic regression and
gradient boosting, ``metrics/detection.py``). The halves are a seeded stratified split (each class's
rows shuffled, half of them held out), and the p-value is the binomial tail summed exactly in
integers, so judging vectors loads neither scikit-learn nor SciPy.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from gankit.metrics.c2st_classifiers import Logistic, NearestNeighbours
from gankit.metrics.result import TestResult

ONE_THREAD = threadpool_limits.wrap(limits=1)
"""Run fits and predictions on one thread: they are small, and OpenMP/BLAS threads competing
with other processes for the cores made HistGradientBoosting 10-100× slower in our runs."""


class Halves(NamedTuple):
    """The balanced pooled rows split into a training half and a held-out half (stratified)."""

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def balanced(features: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Subsample the larger class so that both have as many rows as the smaller one (rows keep their order)."""
    rng = np.random.default_rng(seed)
    n = int(min(labels.sum(), len(labels) - labels.sum()))
    rows = np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), n, replace=False) for c in (1, 0)]))
    return features[rows], labels[rows]


def held_out_halves(features: np.ndarray, labels: np.ndarray, seed: int) -> Halves:
    """Balance the classes, then split the rows in two stratified halves (``seed`` fixes both):
    each class's rows in a seeded random order, the first half of them held out."""
    x, y = balanced(features, labels, seed)
    rng = np.random.default_rng([seed, 1])  # its own stream: not the one that chose the balanced rows
    test, train = [], []
    for label in (1, 0):
        rows = rng.permutation(np.flatnonzero(y == label))
        test.append(rows[: len(rows) // 2])
        train.append(rows[len(rows) // 2 :])
    train_rows, test_rows = np.concatenate(train), np.concatenate(test)
    return Halves(x[train_rows], x[test_rows], y[train_rows], y[test_rows])


def binomial_tail(correct: int, n: int) -> float:
    """``P(Binomial(n, ½) ≥ correct)``, summed exactly in integers: ``Σ_{k ≥ correct} C(n, k) / 2ⁿ``."""
    if correct <= 0:
        return 1.0
    ways, term = 0, math.comb(n, correct) if correct <= n else 0
    for k in range(correct, n + 1):  # C(n, k+1) = C(n, k)·(n−k)/(k+1), exact in integers
        ways += term
        term = term * (n - k) // (k + 1)
    return ways / 2**n


def standardized(halves: Halves) -> Halves:
    """Both halves scaled by the training half's mean and deviation (``StandardScaler``: ddof 0, 1 where 0)."""
    mean, scale = halves.x_train.mean(axis=0), halves.x_train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return halves._replace(x_train=(halves.x_train - mean) / scale, x_test=(halves.x_test - mean) / scale)


@ONE_THREAD
def classifier_test(name: str, model: Any, halves: Halves, labels: np.ndarray, seed: int,
                    auc: bool = False, details: dict[str, Any] | None = None) -> TestResult:
    """Fit ``model`` on the training half; its held-out accuracy and exact binomial p-value.

    ``labels`` are the pooled labels before balancing (for the sample sizes recorded). With
    ``auc``, details also hold the held-out ROC AUC of the model's probabilities.
    """
    model.fit(halves.x_train, halves.y_train)
    correct = int((model.predict(halves.x_test) == halves.y_test).sum())
    n_test = len(halves.y_test)
    p_value = binomial_tail(correct, n_test)
    record: dict[str, Any] = dict(details or {})
    if auc:
        from sklearn.metrics import roc_auc_score  # noqa: PLC0415 (scikit-learn loads only for the table models)

        record["auc"] = float(roc_auc_score(halves.y_test, model.predict_proba(halves.x_test)[:, 1]))
    record.update(n_test=n_test, correct=correct)
    n_real = int(labels.sum())
    return TestResult(name, correct / n_test, p_value, n_real, len(labels) - n_real, seed, details=record)


def c2st(real: np.ndarray, fake: np.ndarray, classifier: str = "knn", seed: int = 0) -> TestResult:
    """Classifier two-sample test of two row samples; ``classifier`` is ``knn`` (k = ⌊√n_train⌋) or ``logistic``.

    The statistic is held-out accuracy (0.5 = indistinguishable); both standardize the features first.
    """
    features = np.concatenate([real, fake])
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))])
    halves = standardized(held_out_halves(features, labels, seed))
    details: dict[str, Any] = {"classifier": classifier}
    model: NearestNeighbours | Logistic
    if classifier == "knn":
        details["k"] = max(1, math.isqrt(len(halves.x_train)))
        model = NearestNeighbours(details["k"])
    elif classifier == "logistic":
        model = Logistic()
    else:
        raise ValueError(f"unknown classifier '{classifier}'; allowed: knn, logistic")
    return classifier_test(f"c2st_{classifier}", model, halves, labels, seed, details=details)
