"""The evaluation of a table GAN: quality scores as SDMetrics computes them, and two-sample tests.

``n`` generated rows against as many real rows (``metrics/tabular.py``): per-column
shape (1 − KS, 1 − TVD), column-pair trends, the overall quality score, classifier
two-sample tests (logistic regression and gradient boosting, held out, exact
binomial p-values) and SDMetrics' LogisticDetection score — plus MMD and energy
tests on the same encoded rows (numbers standardized, categories one-hot), so the
Holm-corrected verdict weighs four tests as for every other kind of data. The privacy
check (``metrics/table_privacy.py``) warns when synthetic rows copy real rows beyond chance.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from gankit.data.table_encoding import metric_kinds
from gankit.metrics.evaluate import EvalReport, real_rows_index
from gankit.metrics.result import TestResult
from gankit.metrics.table_privacy import copy_warning, privacy_check
from gankit.metrics.tabular import checked_tables, detection_features, tabular_report
from gankit.metrics.twosample import energy_test, mmd_test

if TYPE_CHECKING:
    from gankit.gan import GAN


def evaluate_table(gan: GAN, n: int | None = None, seed: int | None = None) -> EvalReport:
    """Score ``n`` generated rows (default ``eval.n``) against as many rows of the training table."""
    settings = gan.config.eval
    n, seed = gan.eval_plan(n, seed)
    real = gan.real_frame()
    real = real.iloc[real_rows_index(len(real), n, seed)].reset_index(drop=True)
    fake = gan.sample(len(real), seed=seed)
    real, fake, kinds = checked_tables(real, fake, metric_kinds(gan.transformer))  # e.g. dates read as text → dates
    quality = tabular_report(real, fake, kinds, seed)
    if len(quality.pair_trends) < quality.pairs_total:
        print(f"notice: {len(kinds)} columns make {quality.pairs_total:,} column pairs; the pair-trend score uses "
              f"{len(quality.pair_trends):,} of them drawn at random, the figures the first/worst columns", file=sys.stderr)
    features, labels = detection_features(real, fake, kinds)
    real_rows, fake_rows = features[labels == 1], features[labels == 0]
    counts = (len(real), len(fake), seed)
    results = [mmd_test(real_rows, fake_rows, settings.permutations, seed),
               energy_test(real_rows, fake_rows, settings.permutations, seed)]
    results += [result for result in quality.detection if result.p_value is not None]
    results += [result for result in quality.detection if result.p_value is None]
    results += [
        TestResult("column_shapes", quality.column_shapes_score, None, *counts, higher_is_better=True),
        TestResult("column_pair_trends", quality.pair_trends_score, None, *counts, higher_is_better=True),
        TestResult("quality_score", quality.overall_score, None, *counts, higher_is_better=True),
    ]
    privacy = privacy_check(real, fake, kinds, seed)
    if (warning := copy_warning(privacy)) is not None:
        print(f"warning: {warning}", file=sys.stderr)
    return EvalReport(results, settings.alpha, len(real), len(fake), seed,
                      extra={"tabular": quality.as_dict(), "privacy": privacy})
