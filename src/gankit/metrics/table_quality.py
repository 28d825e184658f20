"""How good is a synthetic table? SDMetrics' QualityReport scores plus classifier two-sample tests, in one report.

The scores follow SDMetrics (0.32, ``sdmetrics.reports.single_table.QualityReport``) so
that gankit's numbers match SDMetrics' on the same data:

* **Column shapes** (one score per column, 1 = same marginal):
  numerical/datetime → KSComplement = 1 − two-sample KS statistic on the non-missing
  values (datetimes as int64 ns, floats rounded to 14 decimals as SDMetrics does);
  categorical/boolean → TVComplement = 1 − ½ Σ|p_real − p_fake| over the categories of
  the non-missing values. Missing values are *dropped* here, as in SDMetrics (its
  TVComplement calls ``dropna``); missingness only enters the pair trends.
* **Column-pair trends** (one score per pair of columns):
  two continuous columns → CorrelationSimilarity = 1 − |ρ_real − ρ_fake| / 2 with the
  Pearson ρ on the rows where both are present (the QualityReport's coefficient),
  NaN and left out when a ρ is undefined (a constant or empty column), as in SDMetrics;
  any other pair → ContingencySimilarity = 1 − ½ Σ|joint_real − joint_fake| with missing
  as a category of its own. A continuous column in such a pair is cut into codes with
  ``np.digitize`` on 10 equal-width edges from ``np.histogram_bin_edges``, each table
  with edges from *its own* values, as the QualityReport does (so this score measures
  the dependence, not the marginal, which column shapes already scores). Like
  SDMetrics, ``np.digitize`` gives a missing value the code of the column's maximum.
* **Overall** = mean of (mean column-shape score, mean pair-trend score), NaN scores
  left out, as in SDMetrics.

SDMetrics 0.32's QualityReport averages only the pairs whose *real* data shows a
relationship (|ρ_real| > 0.5, Cramér's V > 0.3). Here every pair counts by default
(``correlation_threshold=0``, ``association_threshold=0``: the definition above, and so
a generator that invents correlations between independent columns is penalised);
pass 0.5 and 0.3 to get SDMetrics 0.32's default average.

Where gankit deliberately differs (documented, never silent):

* a column that has values on one side and none on the other scores 0 (SDMetrics
  gives NaN and leaves it out, which would let an all-NaN generator look perfect);
  a column empty on both sides scores NaN and is left out;
* a category seen on one side only has frequency 0 on the other (SDMetrics' TVComplement
  adds a 1e-6 pseudo-count there, which moves its score by less than 1e-6);
* no row subsampling (SDMetrics samples 50,000 rows for contingency tables; here the
  tables are counted exactly with ``np.bincount``).

**Detection** (``metrics/detection.py``): classifier two-sample tests (logistic regression,
gradient boosting; exact binomial p-values) and SDMetrics' LogisticDetection score, on
features built once from the pooled rows.

The parts: ``table_checks.py`` (kinds, input checks), ``column_shapes.py``, ``pair_trends.py``,
``detection.py``; this module combines them into :class:`TabularReport`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gankit.errors import UserError
from gankit.metrics.column_shapes import ColumnScore, column_shape_scores
from gankit.metrics.detection import detection_features, detection_results
from gankit.metrics.pair_trends import MAX_PAIRS, PairScore, pair_trend_scores
from gankit.metrics.result import TestResult
from gankit.metrics.table_checks import checked_tables


def _mean(values: list[float]) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


@dataclass(frozen=True)
class TabularReport:
    """Quality and detection scores of a synthetic table against the real one (see module notes).

    ``detection`` holds ``detection_logistic``, ``detection_boosting`` (statistic =
    held-out accuracy, details["auc"]) and ``logistic_detection`` (SDMetrics' score);
    it is empty when a table has fewer than ``MIN_DETECTION_ROWS`` (``metrics/detection.py``) rows or
    detection was not asked for.
    """

    kinds: dict[str, str]
    column_shapes: dict[str, ColumnScore]
    pair_trends: dict[tuple[str, str], PairScore]
    column_shapes_score: float
    pair_trends_score: float
    overall_score: float
    n_real: int
    n_fake: int
    seed: int
    correlation_threshold: float = 0.0
    association_threshold: float = 0.0
    detection: list[TestResult] = field(default_factory=list)
    pairs_total: int = 0  # pairs of columns in the table (pair_trends holds a sample of them when fewer)

    def test(self, name: str) -> TestResult:
        """The detection result called ``name``."""
        for result in self.detection:
            if result.name == name:
                return result
        raise KeyError(f"no detection result '{name}'; have {[r.name for r in self.detection]}")

    def summary_rows(self) -> list[tuple[str, float, float | None]]:
        """(name, value, p-value) rows: the aggregates, detection, then each column's shape score."""
        rows: list[tuple[str, float, float | None]] = [
            ("column shapes", self.column_shapes_score, None),
            ("column pair trends", self.pair_trends_score, None),
            ("overall quality", self.overall_score, None),
        ]
        for result in self.detection:
            if result.name == "logistic_detection":
                rows.append(("logistic detection (SDMetrics)", result.statistic, None))
            else:
                model = result.name.removeprefix("detection_")
                rows.append((f"detection {model} accuracy", result.statistic, result.p_value))
                rows.append((f"detection {model} AUC", result.details["auc"], None))
        rows += [(f"shape {name} ({s.metric})", s.score, None) for name, s in self.column_shapes.items()]
        return rows

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able record (NaN written as null)."""
        record = {
            "n_real": self.n_real,
            "n_fake": self.n_fake,
            "seed": self.seed,
            "kinds": self.kinds,
            "column_shapes_score": self.column_shapes_score,
            "pair_trends_score": self.pair_trends_score,
            "overall_score": self.overall_score,
            "correlation_threshold": self.correlation_threshold,
            "association_threshold": self.association_threshold,
            "column_shapes": {name: s._asdict() for name, s in self.column_shapes.items()},
            "pairs_total": self.pairs_total,
            "pairs_scored": len(self.pair_trends),
            "pair_trends": [{"columns": [a, b], **s._asdict()} for (a, b), s in self.pair_trends.items()],
            "detection": [result.as_dict() for result in self.detection],
        }
        return _json_safe(record)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def tabular_report(
    real: pd.DataFrame,
    fake: pd.DataFrame,
    kinds: dict[str, str] | None = None,
    seed: int = 0,
    *,
    correlation_threshold: float = 0.0,
    association_threshold: float = 0.0,
    detection: bool = True,
    max_pairs: int | None = MAX_PAIRS,
    features: tuple[np.ndarray, np.ndarray] | None = None,
) -> TabularReport:
    """Score ``fake`` against ``real``: column shapes, pair trends, overall and detection.

    ``kinds`` maps every column to numerical/categorical/boolean/datetime (default:
    :func:`~gankit.metrics.table_checks.kinds_of` on the real table). Bad tables or kinds raise :class:`UserError`.
    ``features``: the detection features and labels when the caller has built them already
    (:func:`detection_features` of the checked tables), so that they are built once.
    """
    for name, threshold in (("correlation_threshold", correlation_threshold), ("association_threshold", association_threshold)):
        if not 0.0 <= threshold <= 1.0:
            raise UserError(f"{name}: must lie in [0, 1], got {threshold}")
    real, fake, kinds = checked_tables(real, fake, kinds)
    shapes = column_shape_scores(real, fake, kinds)
    pairs = pair_trend_scores(real, fake, kinds, correlation_threshold, association_threshold, max_pairs, seed)
    shapes_score = _mean([s.score for s in shapes.values()])
    trends_score = _mean([p.score for p in pairs.values() if p.counted])
    results: list[TestResult] = []
    if detection:
        results = detection_results(*(features or detection_features(real, fake, kinds)), seed)
    return TabularReport(
        kinds=kinds,
        column_shapes=shapes,
        pair_trends=pairs,
        column_shapes_score=shapes_score,
        pair_trends_score=trends_score,
        overall_score=_mean([shapes_score, trends_score]),
        n_real=len(real),
        n_fake=len(fake),
        seed=seed,
        correlation_threshold=correlation_threshold,
        association_threshold=association_threshold,
        detection=results,
        pairs_total=len(kinds) * (len(kinds) - 1) // 2,
    )
