"""Detection: can a classifier tell the fake table's rows from the real table's?

* classifier two-sample tests (``metrics/c2st.py``): logistic regression and
  ``HistGradientBoostingClassifier``, held-out accuracy, ROC AUC and the exact one-sided
  binomial p-value;
* SDMetrics' LogisticDetection: 1 − mean over 3 shuffled stratified folds of
  ``max(AUC, ½)·2 − 1`` for RobustScaler + LogisticRegression(lbfgs). It uses the same
  features as the tests (SDMetrics drops boolean columns when given metadata, imputes the
  real mean without a missing indicator and one-hot encodes real categories only; the score
  is random, so it agrees to a tolerance only).

Features (built once per evaluation, :func:`detection_features`; the table evaluation also runs
MMD and energy tests on them): numerical/datetime columns standardized on the pooled rows,
missing values set to 0 with an indicator column; categorical/boolean columns one-hot over the
pooled categories (missing is a category), the :data:`MAX_LEVELS` most frequent kept and the
rest pooled into one "other" column. A fake table that copies real rows is not detected: each
held-out copy has a twin with the other label in the training half, so a memorising model
scores *below* ½ and the one-sided test does not reject (copying is a privacy question, not a
two-sample one). Detection needs :data:`MIN_DETECTION_ROWS` rows on each side, otherwise it is
skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler

from gankit.metrics.c2st import ONE_THREAD, classifier_test, held_out_halves
from gankit.metrics.result import TestResult
from gankit.metrics.table_checks import CONTINUOUS, continuous_values

MAX_LEVELS = 30
MIN_DETECTION_ROWS = 10
DETECTION_FOLDS = 3


def detection_features(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the pooled rows, real first, label 1 = real; see the module notes."""
    pooled = pd.concat([real, fake], ignore_index=True)
    blocks = [_numeric_block(pooled[n]) if k in CONTINUOUS else _one_hot_block(pooled[n]) for n, k in kinds.items()]
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))])
    return np.concatenate(blocks, axis=1), labels


def _numeric_block(column: pd.Series) -> np.ndarray:
    values = continuous_values(column)
    missing = np.isnan(values)
    if missing.all():
        return missing[:, None].astype(np.float64)
    mean, std = values[~missing].mean(), values[~missing].std()
    standardized = np.where(missing, 0.0, (values - mean) / (std if std > 0 else 1.0))
    return np.column_stack([standardized, missing]) if missing.any() else standardized[:, None]


def _one_hot_block(column: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(column, use_na_sentinel=False)
    by_frequency = np.argsort(-np.bincount(codes), kind="stable")
    kept = by_frequency[:MAX_LEVELS]
    block = (codes[:, None] == kept[None, :]).astype(np.float64)
    if len(by_frequency) > MAX_LEVELS:
        block = np.column_stack([block, block.sum(axis=1) == 0])
    return block


def classifier_tests(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[TestResult]:
    """Held-out accuracy, ROC AUC and binomial p-value of logistic regression and gradient boosting."""
    halves = held_out_halves(features, labels, seed)
    models = {
        "logistic": LogisticRegression(max_iter=1000),
        "boosting": HistGradientBoostingClassifier(random_state=seed),
    }
    return [classifier_test(f"detection_{name}", model, halves, labels, seed, auc=True) for name, model in models.items()]


@ONE_THREAD
def logistic_detection(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> TestResult:
    """SDMetrics' LogisticDetection: 1 − mean over 3 stratified folds of max(AUC, ½)·2 − 1 (1 = undetectable)."""
    folds = StratifiedKFold(n_splits=DETECTION_FOLDS, shuffle=True, random_state=seed)
    aucs = []
    for train, test in folds.split(features, labels):
        model = make_pipeline(RobustScaler(), LogisticRegression(solver="lbfgs", max_iter=1000))
        model.fit(features[train], labels[train])
        aucs.append(float(roc_auc_score(labels[test], model.predict_proba(features[test])[:, 1])))
    score = 1.0 - float(np.mean([max(0.5, auc) * 2.0 - 1.0 for auc in aucs]))
    n_real = int(labels.sum())
    return TestResult("logistic_detection", score, None, n_real, len(labels) - n_real, seed,
                      higher_is_better=True, details={"fold_auc": aucs})


def detection_results(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[TestResult]:
    """Both classifier tests and SDMetrics' LogisticDetection score; none with fewer than
    :data:`MIN_DETECTION_ROWS` rows on a side."""
    n_real = int(labels.sum())
    if min(n_real, len(labels) - n_real) < MIN_DETECTION_ROWS:
        return []
    return classifier_tests(features, labels, seed) + [logistic_detection(features, labels, seed)]
