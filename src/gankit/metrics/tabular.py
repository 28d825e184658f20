"""How good is a synthetic table? SDMetrics' QualityReport scores plus classifier two-sample tests.

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

**Detection** (is the fake table distinguishable from the real one?):

* classifier two-sample test (Lopez-Paz & Oquab 2017): logistic regression and
  ``HistGradientBoostingClassifier`` are trained on half of real ∪ fake (equal
  numbers of rows from each, the larger table subsampled, so that accuracy is
  Binomial(n, ½) under H0) and scored on the other half: accuracy, ROC AUC and the
  exact one-sided p-value ``binomtest(correct, n, ½, alternative="greater")``;
* SDMetrics' LogisticDetection: 1 − mean over 3 shuffled stratified folds of
  ``max(AUC, ½)·2 − 1`` for RobustScaler + LogisticRegression(lbfgs). It uses the same
  features as the test above (SDMetrics drops boolean columns when given metadata,
  imputes the real mean without a missing indicator and one-hot encodes real
  categories only; the score is random, so it agrees to a tolerance only).

Features: numerical/datetime columns standardized on the pooled rows, missing values
set to 0 with an indicator column; categorical/boolean columns one-hot over the pooled
categories (missing is a category), the :data:`MAX_LEVELS` most frequent kept and the
rest pooled into one "other" column. A fake table that copies real rows is not detected:
each held-out copy has a twin with the other label in the training half, so a
memorising model scores *below* ½ and the one-sided test does not reject (copying is a
privacy question, not a two-sample one). Detection needs :data:`MIN_DETECTION_ROWS` rows on
each side, otherwise it is skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import binomtest, ks_2samp
from scipy.stats.contingency import association
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler
from threadpoolctl import threadpool_limits

from gankit.errors import UserError
from gankit.metrics.result import TestResult

KINDS = ("numerical", "categorical", "boolean", "datetime")
CONTINUOUS = ("numerical", "datetime")
KS_DECIMALS = 14  # SDMetrics' MAX_DECIMALS = sys.float_info.dig - 1
DISCRETE_BINS = 10  # SDMetrics' num_discrete_bins
MAX_LEVELS = 30
MIN_DETECTION_ROWS = 10
MAX_PAIRS = 1000  # wider tables: this many column pairs, drawn at random, score the pair trends
DETECTION_FOLDS = 3


class ColumnScore(NamedTuple):
    """A column-shape score: which metric and its value in [0, 1] (NaN: not computable)."""

    metric: str
    score: float


class PairScore(NamedTuple):
    """A column-pair trend score.

    ``real_strength`` is how related the pair is in the real table (|ρ| for
    CorrelationSimilarity, Cramér's V for ContingencySimilarity; NaN when undefined) and
    ``counted`` whether the pair enters the pair-trend mean under the report's thresholds.
    """

    metric: str
    score: float
    real_strength: float
    counted: bool


# --- column kinds and input checks --------------------------------------------------------


def kinds_of(frame: pd.DataFrame) -> dict[str, str]:
    """Column kinds inferred from dtypes: bool → boolean, numbers → numerical,
    datetime64 → datetime, anything else → categorical."""
    kinds = {}
    for name, column in frame.items():
        if pd.api.types.is_bool_dtype(column):
            kinds[name] = "boolean"
        elif pd.api.types.is_numeric_dtype(column):
            kinds[name] = "numerical"
        elif pd.api.types.is_datetime64_any_dtype(column):
            kinds[name] = "datetime"
        else:
            kinds[name] = "categorical"
    return kinds


def checked_tables(real: Any, fake: Any, kinds: dict[str, str] | None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Validate the two tables and the kinds; return copies with numerical columns as float64,
    datetime columns as naive datetime64[ns], fake's columns in real's order."""
    _check_frames(real, fake)
    kinds = _checked_kinds(kinds_of(real) if kinds is None else kinds, list(real.columns))
    return _converted(real, kinds, "real"), _converted(fake[list(real.columns)], kinds, "fake"), kinds


def _check_frames(real: Any, fake: Any) -> None:
    for name, table in (("real", real), ("fake", fake)):
        if not isinstance(table, pd.DataFrame):
            raise UserError(f"{name} table: expected a pandas DataFrame, got {type(table).__name__}")
        if table.shape[0] == 0 or table.shape[1] == 0:
            raise UserError(f"{name} table: it is empty (shape {table.shape})")
        if table.columns.duplicated().any():
            raise UserError(f"{name} table: duplicate column '{table.columns[table.columns.duplicated()][0]}'")
    missing = [c for c in real.columns if c not in fake.columns]
    extra = [c for c in fake.columns if c not in real.columns]
    if missing or extra:
        raise UserError(f"fake table: columns differ from the real table (missing {missing}, extra {extra})")


def _checked_kinds(kinds: dict[str, str], columns: list[str]) -> dict[str, str]:
    """``kinds`` in column order, after checking it names every column, and only those, with a known kind."""
    for name in columns:
        if name not in kinds:
            raise UserError(f"kinds: no kind for column '{name}'; allowed kinds: {', '.join(KINDS)}")
        if kinds[name] not in KINDS:
            raise UserError(f"kinds: column '{name}' has kind '{kinds[name]}'; allowed: {', '.join(KINDS)}")
    unknown = [c for c in kinds if c not in columns]
    if unknown:
        raise UserError(f"kinds: column '{unknown[0]}' is not in the tables")
    return {c: kinds[c] for c in columns}


def _converted(table: pd.DataFrame, kinds: dict[str, str], origin: str) -> pd.DataFrame:
    out = table.copy()
    for name, kind in kinds.items():
        if kind == "numerical":
            out[name] = _as_float(table[name], f"{origin} table, column '{name}'")
        elif kind == "datetime":
            out[name] = _as_datetime(table[name], f"{origin} table, column '{name}'")
    return out


def _as_float(column: pd.Series, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    try:
        return pd.to_numeric(column, errors="raise").astype("float64")
    except (ValueError, TypeError) as error:
        raise UserError(f"{where}: kind numerical but holds non-numeric values ({_first_line(error)})") from None


def _as_datetime(column: pd.Series, where: str) -> pd.Series:
    try:
        values = column if pd.api.types.is_datetime64_any_dtype(column) else pd.to_datetime(column, format="mixed", utc=True)
    except (ValueError, TypeError) as error:
        raise UserError(f"{where}: kind datetime but holds values that are not dates ({_first_line(error)})") from None
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _continuous_values(column: pd.Series) -> np.ndarray:
    """Float64 values with NaN for missing (datetimes as ns since the epoch)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        nanoseconds = column.astype("datetime64[ns]").to_numpy().view(np.int64).astype(np.float64)
        return np.where(column.isna().to_numpy(), np.nan, nanoseconds)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


# --- column shapes ------------------------------------------------------------------------


def ks_complement(real: pd.Series, fake: pd.Series) -> float:
    """1 − KS statistic of the non-missing values (datetimes compared as int64 ns).

    0 when only one side has values, NaN when neither has (see the module notes).
    """
    real_values, fake_values = _ks_values(real), _ks_values(fake)
    if len(real_values) == 0 or len(fake_values) == 0:
        return math.nan if len(real_values) == len(fake_values) else 0.0
    return 1.0 - float(ks_2samp(real_values, fake_values, method="asymp").statistic)


def _ks_values(column: pd.Series) -> np.ndarray:
    present = pd.Series(column).dropna()
    if pd.api.types.is_datetime64_any_dtype(present):
        return present.astype("datetime64[ns]").to_numpy().view(np.int64)
    return np.round(present.to_numpy(dtype=np.float64), KS_DECIMALS)


def tv_complement(real: pd.Series, fake: pd.Series) -> float:
    """1 − total variation distance between the category frequencies of the non-missing values.

    Categories seen on one side only count with frequency 0 on the other (SDMetrics adds a
    1e-6 pseudo-count there, which moves its score by less than 1e-6 per such category).
    0 when only one side has values, NaN when neither has.
    """
    real_values, fake_values = pd.Series(real).dropna(), pd.Series(fake).dropna()
    if len(real_values) == 0 or len(fake_values) == 0:
        return math.nan if len(real_values) == len(fake_values) else 0.0
    codes, levels = pd.factorize(pd.concat([real_values, fake_values], ignore_index=True))
    p_real = np.bincount(codes[: len(real_values)], minlength=len(levels)) / len(real_values)
    p_fake = np.bincount(codes[len(real_values):], minlength=len(levels)) / len(fake_values)
    return 1.0 - 0.5 * float(np.abs(p_real - p_fake).sum())


def column_shape_scores(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str]) -> dict[str, ColumnScore]:
    """KSComplement for numerical/datetime columns, TVComplement for categorical/boolean ones.

    Expects tables already passed through :func:`checked_tables`.
    """
    scores = {}
    for name, kind in kinds.items():
        if kind in CONTINUOUS:
            scores[name] = ColumnScore("KSComplement", ks_complement(real[name], fake[name]))
        else:
            scores[name] = ColumnScore("TVComplement", tv_complement(real[name], fake[name]))
    return scores


# --- column-pair trends -------------------------------------------------------------------


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson ρ on the rows where both are present; NaN with < 2 such rows or a constant one."""
    both = ~(np.isnan(x) | np.isnan(y))
    if both.sum() < 2:
        return math.nan
    x, y = x[both] - x[both].mean(), y[both] - y[both].mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    if denominator == 0.0:
        return math.nan
    return float(np.clip((x @ y) / denominator, -1.0, 1.0))


def correlation_similarity(real: pd.DataFrame, fake: pd.DataFrame) -> float:
    """1 − |ρ_real − ρ_fake| / 2 for two numeric (or datetime) columns; NaN if a ρ is undefined."""
    rho_real = pearson(*(_continuous_values(real.iloc[:, i]) for i in (0, 1)))
    rho_fake = pearson(*(_continuous_values(fake.iloc[:, i]) for i in (0, 1)))
    return 1.0 - abs(rho_real - rho_fake) / 2.0


def discretize(values: np.ndarray, bins: int = DISCRETE_BINS) -> np.ndarray:
    """Integer codes of ``np.digitize`` on ``bins`` equal-width edges of the non-missing values.

    As in SDMetrics: values below the first edge get 0, the maximum (on the last edge)
    and missing values get ``bins + 1``.
    """
    edges = np.histogram_bin_edges(values[~np.isnan(values)], bins=bins)
    return np.digitize(values, edges)


def _joint_counts(real: pd.DataFrame, fake: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(real, fake) count matrices of two discrete columns over their pooled categories (missing included)."""
    shapes, real_codes, fake_codes = [], [], []
    for i in (0, 1):
        pooled = pd.concat([real.iloc[:, i], fake.iloc[:, i]], ignore_index=True)
        codes, levels = pd.factorize(pooled, use_na_sentinel=False)
        shapes.append(len(levels))
        real_codes.append(codes[: len(real)])
        fake_codes.append(codes[len(real):])
    size = shapes[0] * shapes[1]
    real_counts = np.bincount(real_codes[0] * shapes[1] + real_codes[1], minlength=size)
    fake_counts = np.bincount(fake_codes[0] * shapes[1] + fake_codes[1], minlength=size)
    return real_counts.reshape(shapes), fake_counts.reshape(shapes)


def contingency_similarity(real: pd.DataFrame, fake: pd.DataFrame) -> float:
    """1 − ½ Σ|joint_real − joint_fake| over the cells of two discrete columns' joint frequencies."""
    real_counts, fake_counts = _joint_counts(real, fake)
    return 1.0 - 0.5 * float(np.abs(real_counts / len(real) - fake_counts / len(fake)).sum())


def cramers_v(counts: np.ndarray) -> float:
    """Cramér's V of a count matrix (empty rows and columns dropped); NaN below 2×2."""
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if min(counts.shape) < 2:
        return math.nan
    return float(association(counts, method="cramer"))


def pair_trend_scores(
    real: pd.DataFrame,
    fake: pd.DataFrame,
    kinds: dict[str, str],
    correlation_threshold: float = 0.0,
    association_threshold: float = 0.0,
    max_pairs: int | None = None,
    seed: int = 0,
) -> dict[tuple[str, str], PairScore]:
    """Score every pair (a, b), a before b in column order; see the module notes for the rules.

    A pair is ``counted`` when its threshold is 0 or its real strength exceeds it. With
    more than ``max_pairs`` pairs (a wide table), ``max_pairs`` of them drawn at random
    (from ``seed``) are scored instead. Expects tables already passed through :func:`checked_tables`.
    """
    real_discrete, fake_discrete = real.copy(), fake.copy()
    for name in (n for n, kind in kinds.items() if kind in CONTINUOUS):
        real_discrete[name] = discretize(_continuous_values(real[name]))
        fake_discrete[name] = discretize(_continuous_values(fake[name]))
    scores = {}
    for a, b in sampled_pairs(list(kinds), max_pairs, seed):
        if kinds[a] in CONTINUOUS and kinds[b] in CONTINUOUS:
            score = correlation_similarity(real[[a, b]], fake[[a, b]])
            strength = abs(pearson(_continuous_values(real[a]), _continuous_values(real[b])))
            scores[a, b] = PairScore("CorrelationSimilarity", score, strength,
                                     _meets(strength, correlation_threshold))
        else:
            score = contingency_similarity(real_discrete[[a, b]], fake_discrete[[a, b]])
            strength = cramers_v(_joint_counts(real_discrete[[a, b]], fake_discrete[[a, b]])[0])
            scores[a, b] = PairScore("ContingencySimilarity", score, strength,
                                     _meets(strength, association_threshold))
    return scores


def sampled_pairs(names: list[str], max_pairs: int | None, seed: int = 0) -> list[tuple[str, str]]:
    """Every pair of ``names`` in order, or ``max_pairs`` of them drawn without replacement (kept in order)."""
    count = len(names) * (len(names) - 1) // 2
    if max_pairs is None or count <= max_pairs:
        return list(combinations(names, 2))
    chosen = np.sort(np.random.default_rng(seed).choice(count, max_pairs, replace=False))
    first = np.searchsorted(np.cumsum(np.arange(len(names) - 1, 0, -1)), chosen, side="right")  # row of each index
    before = first * len(names) - first * (first + 1) // 2  # pairs in the rows above
    return [(names[i], names[i + 1 + int(k - b)]) for i, k, b in zip(first, chosen, before)]


def _meets(strength: float, threshold: float) -> bool:
    return threshold <= 0 or (not math.isnan(strength) and strength > threshold)


def _mean(values: list[float]) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


# --- detection ----------------------------------------------------------------------------


def detection_features(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the pooled rows, real first, label 1 = real; see the module notes."""
    pooled = pd.concat([real, fake], ignore_index=True)
    blocks = [_numeric_block(pooled[n]) if k in CONTINUOUS else _one_hot_block(pooled[n]) for n, k in kinds.items()]
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))])
    return np.concatenate(blocks, axis=1), labels


def _numeric_block(column: pd.Series) -> np.ndarray:
    values = _continuous_values(column)
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


def _balanced(features: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Subsample the larger class so that both have as many rows as the smaller one."""
    rng = np.random.default_rng(seed)
    n = int(min(labels.sum(), len(labels) - labels.sum()))
    rows = np.concatenate([rng.choice(np.flatnonzero(labels == c), n, replace=False) for c in (1, 0)])
    return features[np.sort(rows)], labels[np.sort(rows)]


ONE_THREAD = threadpool_limits.wrap(limits=1)
"""Run fits and predictions on one thread: they are small, and OpenMP/BLAS threads competing
with other processes for the cores made HistGradientBoosting 10-100× slower in our runs."""


@ONE_THREAD
def classifier_tests(features: np.ndarray, labels: np.ndarray, seed: int = 0) -> list[TestResult]:
    """Held-out accuracy, ROC AUC and binomial p-value of logistic regression and gradient boosting."""
    n_real, n_fake = int(labels.sum()), int(len(labels) - labels.sum())
    x, y = _balanced(features, labels, seed)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.5, random_state=seed, stratify=y)
    models = {
        "logistic": LogisticRegression(max_iter=1000),
        "boosting": HistGradientBoostingClassifier(random_state=seed),
    }
    results = []
    for name, model in models.items():
        model.fit(x_train, y_train)
        correct = int((model.predict(x_test) == y_test).sum())
        auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
        p_value = float(binomtest(correct, len(y_test), 0.5, alternative="greater").pvalue)
        details = {"auc": auc, "n_test": len(y_test), "correct": correct}
        results.append(TestResult(f"detection_{name}", correct / len(y_test), p_value, n_real, n_fake, seed, details=details))
    return results


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


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TabularReport:
    """Quality and detection scores of a synthetic table against the real one (see module notes).

    ``detection`` holds ``detection_logistic``, ``detection_boosting`` (statistic =
    held-out accuracy, details["auc"]) and ``logistic_detection`` (SDMetrics' score);
    it is empty when a table has fewer than :data:`MIN_DETECTION_ROWS` rows or
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
) -> TabularReport:
    """Score ``fake`` against ``real``: column shapes, pair trends, overall and detection.

    ``kinds`` maps every column to numerical/categorical/boolean/datetime (default:
    :func:`kinds_of` on the real table). Bad tables or kinds raise :class:`UserError`.
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
    if detection and min(len(real), len(fake)) >= MIN_DETECTION_ROWS:
        features, labels = detection_features(real, fake, kinds)
        results = classifier_tests(features, labels, seed) + [logistic_detection(features, labels, seed)]
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
