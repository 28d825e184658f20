"""The evaluation of a table GAN: quality scores as SDMetrics computes them, and two-sample tests.

``n`` generated rows against as many real rows (``metrics/table_quality.py``): per-column
shape (1 − KS, 1 − TVD), column-pair trends, the overall quality score, classifier
two-sample tests (logistic regression and gradient boosting, held out, exact
binomial p-values) and SDMetrics' LogisticDetection score — plus MMD and energy
tests on the same encoded rows (numbers standardized, categories one-hot), so the
Holm-corrected verdict weighs four tests as for every other kind of data. The privacy
check (``metrics/table_privacy.py``) warns when synthetic rows copy real rows beyond chance.
"""

from __future__ import annotations


import pandas as pd

from gankit.metrics.detection import detection_features
from gankit.metrics.evaluate import EvalReport
from gankit.metrics.result import TestResult
from gankit.metrics.table_checks import checked_tables
from gankit.metrics.table_privacy import copy_warning, privacy_check
from gankit.metrics.table_quality import tabular_report
from gankit.metrics.twosample import permutation_tests
from gankit.status import notice, tell


def evaluate_table(
    real_df: pd.DataFrame,
    fake_df: pd.DataFrame,
    kinds: dict[str, str] | None,
    *,
    permutations: int = 500,
    alpha: float = 0.05,
    seed: int = 0,
) -> EvalReport:
    """Score a generated table against a real one; ``kinds`` maps each column to its kind (None: from dtypes)."""
    real, fake, kinds = checked_tables(real_df, fake_df, kinds)  # e.g. dates read as text → dates
    features, labels = detection_features(real, fake, kinds)  # built once: detection and MMD/energy share them
    quality = tabular_report(real, fake, kinds, seed, features=(features, labels))
    if len(quality.pair_trends) < quality.pairs_total:
        notice(f"{len(kinds)} columns make {quality.pairs_total:,} column pairs; the pair-trend score uses "
               f"{len(quality.pair_trends):,} of them drawn at random, the figures the first/worst columns")
    real_rows, fake_rows = features[labels == 1], features[labels == 0]
    counts = (len(real), len(fake), seed)
    results = permutation_tests(real_rows, fake_rows, permutations, seed)
    results += [result for result in quality.detection if result.p_value is not None]
    results += [result for result in quality.detection if result.p_value is None]
    results += [
        TestResult("column_shapes", quality.column_shapes_score, None, *counts, higher_is_better=True),
        TestResult("column_pair_trends", quality.pair_trends_score, None, *counts, higher_is_better=True),
        TestResult("quality_score", quality.overall_score, None, *counts, higher_is_better=True),
    ]
    privacy = privacy_check(real, fake, kinds, seed)
    if (warning := copy_warning(privacy)) is not None:
        tell(f"warning: {warning}")
    return EvalReport(results, alpha, len(real), len(fake), seed, extra={"tabular": quality.as_dict(), "privacy": privacy})
