"""Column-pair trends: does the fake table keep the real table's relationships between columns?

Two continuous columns → CorrelationSimilarity = 1 − |ρ_real − ρ_fake| / 2 with the Pearson ρ
on the rows where both are present, NaN when a ρ is undefined (a constant or empty column), as
in SDMetrics; any other pair → ContingencySimilarity = 1 − ½ Σ|joint_real − joint_fake| with
missing as a category of its own. A continuous column in such a pair is cut into codes with
``np.digitize`` on 10 equal-width edges from ``np.histogram_bin_edges``, each table with edges
from its own values, as SDMetrics' QualityReport does (so the score measures the dependence, not
the marginal, which column shapes already scores).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats.contingency import association

from gankit.metrics.table_checks import CONTINUOUS, continuous_values

DISCRETE_BINS = 10  # SDMetrics' num_discrete_bins
MAX_PAIRS = 1000  # wider tables: this many column pairs, drawn at random, score the pair trends


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
    rho_real = pearson(*(continuous_values(real.iloc[:, i]) for i in (0, 1)))
    rho_fake = pearson(*(continuous_values(fake.iloc[:, i]) for i in (0, 1)))
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
        real_discrete[name] = discretize(continuous_values(real[name]))
        fake_discrete[name] = discretize(continuous_values(fake[name]))
    scores = {}
    for a, b in sampled_pairs(list(kinds), max_pairs, seed):
        if kinds[a] in CONTINUOUS and kinds[b] in CONTINUOUS:
            score = correlation_similarity(real[[a, b]], fake[[a, b]])
            strength = abs(pearson(continuous_values(real[a]), continuous_values(real[b])))
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
