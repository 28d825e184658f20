"""Column shapes: does each column of the fake table have the real column's marginal? (SDMetrics' scores)

numerical/datetime → KSComplement = 1 − two-sample KS statistic on the non-missing values
(datetimes as int64 ns, floats rounded to 14 decimals as SDMetrics does); categorical/boolean →
TVComplement = 1 − ½ Σ|p_real − p_fake| over the categories of the non-missing values. Missing
values are dropped here, as in SDMetrics; missingness only enters the pair trends
(``metrics/pair_trends.py``). See ``metrics/table_quality.py`` for where gankit deliberately differs.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from gankit.metrics.table_checks import CONTINUOUS, DATETIME_UNIT

KS_DECIMALS = 14  # SDMetrics' MAX_DECIMALS = sys.float_info.dig - 1


class ColumnScore(NamedTuple):
    """A column-shape score: which metric and its value in [0, 1] (NaN: not computable)."""

    metric: str
    score: float



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
        return present.astype(DATETIME_UNIT).to_numpy().view(np.int64)
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
