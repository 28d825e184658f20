"""A table run's quality at one moment, as data the view draws: each column real vs generated, and pair trends.

For every column (up to :data:`MAX_COLUMNS`) the shares of real and generated rows per
bin (numerical and datetime columns: :data:`BINS` equal bins over the real values'
1st–99th percentile, the tails folded into the end bins) or per category (the
:data:`MAX_CATEGORIES` commonest real ones, the rest as "other"); and the pair-trend
matrix of the first :data:`MAX_PAIR_COLUMNS` columns (1 = the pair's correlation or
contingency table is the same in both, as ``plots/pairs.png`` shows at the end). The
live view takes one at every evaluation during training, so the timeline shows the
columns' shapes and the pairs converging.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from gankit.metrics.pair_trends import pair_trend_scores
from gankit.metrics.table_checks import checked_tables

MAX_COLUMNS = 12
MAX_PAIR_COLUMNS = 16
BINS = 20
MAX_CATEGORIES = 10
DIGITS = 4


def table_snapshot(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str] | None, epoch: int) -> dict[str, Any]:
    """The view's ``table`` event: ``{"epoch", "columns": [{name, kind, labels, real, fake}], "pairs": {names, scores}}``."""
    real, fake, kinds = checked_tables(real, fake, kinds)
    columns = [_column(name, kind, real[name], fake[name]) for name, kind in list(kinds.items())[:MAX_COLUMNS]]
    pair_kinds = dict(list(kinds.items())[:MAX_PAIR_COLUMNS])
    names = list(pair_kinds)
    scores: list[list[float | None]] = [[None] * len(names) for _ in names]
    for (a, b), pair in pair_trend_scores(real, fake, pair_kinds).items():
        i, j = names.index(a), names.index(b)
        scores[i][j] = scores[j][i] = None if np.isnan(pair.score) else round(float(pair.score), DIGITS)
    return {"epoch": int(epoch), "columns": columns, "pairs": {"names": names, "scores": scores}}


def _column(name: str, kind: str, real: pd.Series, fake: pd.Series) -> dict[str, Any]:
    if kind in ("numerical", "datetime"):
        label = _date_label if kind == "datetime" else _number_label
        labels, real_shares, fake_shares = _binned(_as_numbers(real), _as_numbers(fake), label)
    else:
        labels, real_shares, fake_shares = _categories(real.astype("string"), fake.astype("string"))
    return {"name": name, "kind": kind, "labels": labels,
            "real": [round(float(v), DIGITS) for v in real_shares], "fake": [round(float(v), DIGITS) for v in fake_shares]}


def _as_numbers(values: pd.Series) -> np.ndarray:
    """The finite values as floats; datetimes as nanoseconds since 1970 (their labels turn back into dates)."""
    if values.dtype.kind == "M":
        values = values.dropna().astype("datetime64[ns]").astype("int64")
    numbers = values.to_numpy(float)
    return numbers[np.isfinite(numbers)]


def _number_label(edge: float) -> str:
    return f"{edge:.4g}"


def _date_label(edge: float) -> str:
    """A datetime bin's edge (nanoseconds since 1970) as its date, ``2015-03-01``: never as 1.425e+18."""
    return str(pd.Timestamp(int(edge), unit="ns").date())


def _binned(real: np.ndarray, fake: np.ndarray, label: Callable[[float], str] = _number_label
            ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Shares per bin over the real values' 1st–99th percentile (values outside go to the end bins)."""
    if len(real) == 0:
        return [], np.zeros(0), np.zeros(0)
    low, high = np.percentile(real, [1, 99])
    high = high if high > low else low + 1.0
    edges = np.linspace(low, high, BINS + 1)
    shares = [np.bincount(np.clip(np.searchsorted(edges, v, side="right") - 1, 0, BINS - 1), minlength=BINS) / max(len(v), 1)
              for v in (real, fake)]
    return [label(edge) for edge in edges[:-1]], shares[0], shares[1]


def _categories(real: pd.Series, fake: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Shares of the commonest real categories, the rest (and missing values) together as "other"."""
    real, fake = real.fillna("(missing)"), fake.fillna("(missing)")
    top = list(real.value_counts().index[:MAX_CATEGORIES])
    labels = [str(value) for value in top] + (["other"] if real.nunique() > MAX_CATEGORIES or not fake.isin(top).all() else [])
    shares = []
    for values in (real, fake):
        counts = values.value_counts()
        kept = np.array([counts.get(value, 0) for value in top], dtype=float)
        row = np.append(kept, len(values) - kept.sum()) if len(labels) > len(top) else kept
        shares.append(row / max(len(values), 1))
    return labels, shares[0], shares[1]
