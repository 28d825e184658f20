"""Does a synthetic table copy its training rows? Exact copies and distance to closest record (DCR).

* :func:`exact_copy_share`: the share of synthetic rows that are identical, in every
  column, to some real row (missing equals missing; numbers compared as float64,
  anything else as text).
* :func:`dcr`: SDMetrics' distance to closest record (``sdmetrics.single_table``
  ``DCRBaselineProtection`` / ``DCROverfittingProtection``, 0.32). The distance
  between two rows is the mean over columns of a per-column distance in [0, 1]:
  numerical/datetime columns |a − b| / range, capped at 1, where the range is
  max − min of the column in the table the distance is measured *to* (as SDMetrics'
  ``calculate_dcr`` does; a constant column there: 0 if equal, else 1);
  categorical/boolean columns 0 if equal, else 1; in every kind both missing is 0 and
  one missing is 1. A row's DCR to a table is its distance to its nearest row there.

  Over-fitting is judged against a *holdout* of real rows the generator never saw: a
  synthetic row that lies closer to a training row than to any holdout row hints at
  memorisation. ``closer_to_train`` is the share of synthetic rows with
  DCR(train) < DCR(holdout) (ties count as not closer); SDMetrics'
  DCROverfittingProtection score is ``min(2·(1 − closer_to_train), 1)``: 1 when no more
  than half the rows are closer to the training rows, as for a fresh sample of the same
  size as the holdout. The median DCRs of the synthetic rows and of the holdout rows to
  the training rows say how close "close" is: a generator whose rows are far nearer
  to the training rows than new real rows are is copying.

Distances are computed exactly, in chunks of synthetic rows, in float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gankit.errors import UserError
from gankit.metrics.table_checks import DATETIME_UNIT

NUMERIC_KINDS = ("numerical", "datetime")
CATEGORY_KINDS = ("categorical", "boolean")
CHUNK_CELLS = 4_000_000  # synthetic rows × reference rows compared at once


def exact_copy_share(real_df: pd.DataFrame, fake_df: pd.DataFrame) -> float:
    """The share of rows of ``fake_df`` equal in every column of ``real_df`` to some row of ``real_df``."""
    _check_columns(real_df, fake_df, "fake")
    if len(fake_df) == 0:
        raise UserError("exact_copy_share: the synthetic table has no rows")
    columns = list(real_df.columns)
    real_keys = set(_row_keys(real_df[columns]))
    return float(np.mean([key in real_keys for key in _row_keys(fake_df[columns])]))


def dcr(train_df: pd.DataFrame, holdout_df: pd.DataFrame, fake_df: pd.DataFrame, kinds: dict[str, str]) -> dict:
    """SDMetrics' DCR figures of ``fake_df`` against the training rows and a holdout (see the module docstring).

    ``kinds`` maps every column of ``train_df`` to numerical, datetime, categorical or boolean.
    Returns ``median_fake_to_train``, ``median_fake_to_holdout``, ``median_holdout_to_train``,
    ``closer_to_train`` and ``overfitting_protection``.
    """
    _check_columns(train_df, holdout_df, "holdout")
    _check_columns(train_df, fake_df, "fake")
    _check_kinds(kinds, list(train_df.columns))
    if min(len(train_df), len(holdout_df), len(fake_df)) == 0:
        raise UserError("dcr: the training, holdout and synthetic tables each need at least one row")
    train, holdout, fake = (_encoded(frame, kinds) for frame in (train_df, holdout_df, fake_df))
    fake_to_train = distances_to_closest(fake, train, kinds)
    fake_to_holdout = distances_to_closest(fake, holdout, kinds)
    closer = float(np.mean(fake_to_train < fake_to_holdout))
    return {
        "median_fake_to_train": float(np.median(fake_to_train)),
        "median_fake_to_holdout": float(np.median(fake_to_holdout)),
        "median_holdout_to_train": float(np.median(distances_to_closest(holdout, train, kinds))),
        "closer_to_train": closer,
        "overfitting_protection": min(2.0 * (1.0 - closer), 1.0),
    }


def distances_to_closest(rows: dict[str, np.ndarray], reference: dict[str, np.ndarray],
                         kinds: dict[str, str]) -> np.ndarray:
    """Each row's distance to its nearest reference row (both as :func:`_encoded` columns; ranges from the reference)."""
    ranges = _ranges(reference, kinds)
    n_rows = len(next(iter(rows.values())))
    n_reference = len(next(iter(reference.values())))
    chunk = max(1, CHUNK_CELLS // n_reference)
    nearest = np.empty(n_rows)
    for start in range(0, n_rows, chunk):
        part = slice(start, min(start + chunk, n_rows))
        total = np.zeros((part.stop - part.start, n_reference))
        for name, kind in kinds.items():
            total += _column_distance(rows[name][part], reference[name], kind, ranges.get(name, 0.0))
        nearest[part] = total.min(axis=1) / len(kinds)
    return nearest


def _column_distance(a: np.ndarray, b: np.ndarray, kind: str, span: float) -> np.ndarray:
    """The len(a) × len(b) per-column distances in [0, 1] (missing = NaN for numbers, code −1 for categories)."""
    if kind in CATEGORY_KINDS:
        return (a[:, None] != b[None, :]).astype(np.float64)
    diff = np.abs(a[:, None] - b[None, :])
    distance = (diff > 0).astype(np.float64) if span == 0 else np.minimum(diff / span, 1.0)
    missing_a, missing_b = np.isnan(a)[:, None], np.isnan(b)[None, :]
    distance[missing_a ^ missing_b] = 1.0
    distance[missing_a & missing_b] = 0.0
    return distance


def _encoded(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, np.ndarray]:
    """Numbers as float64 (datetimes in seconds, NaN missing); categories as codes of their text (−1 missing)."""
    columns = {}
    for name, kind in kinds.items():
        column = frame[name]
        if kind == "datetime":
            stamps = pd.to_datetime(column)
            seconds = stamps.astype(DATETIME_UNIT).astype("int64").to_numpy() / 1e6
            columns[name] = np.where(stamps.isna().to_numpy(), np.nan, seconds)
        elif kind == "numerical":
            columns[name] = pd.to_numeric(column, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            columns[name] = _text_codes(column)
    return columns


def _text_codes(column: pd.Series) -> np.ndarray:
    """A stable integer per value (by its text, so 1 and 1.0 differ only if their text does); −1 for missing."""
    missing = column.isna().to_numpy()
    hashes = pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy().astype(np.int64)
    return np.where(missing, -1, hashes)


def _ranges(reference: dict[str, np.ndarray], kinds: dict[str, str]) -> dict[str, float]:
    """max − min of each number column of the reference rows (0 when it has no values)."""
    spans = {}
    for name, kind in kinds.items():
        if kind in NUMERIC_KINDS:
            values = reference[name][~np.isnan(reference[name])]
            spans[name] = float(values.max() - values.min()) if len(values) else 0.0
    return spans


def _row_keys(frame: pd.DataFrame) -> list[tuple]:
    """Each row as a hashable tuple: numbers as float64, other values as text, missing as None."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=np.float64, na_value=np.nan).astype(object)
        else:
            values = column.astype(str).to_numpy(dtype=object)
        values[column.isna().to_numpy()] = None
        columns.append(values)
    return list(zip(*columns))


def _check_columns(real: pd.DataFrame, other: pd.DataFrame, name: str) -> None:
    absent = [column for column in real.columns if column not in other.columns]
    if absent:
        raise UserError(f"the {name} table lacks column(s) {', '.join(map(str, absent))} of the real table")


def _check_kinds(kinds: dict[str, str], columns: list[str]) -> None:
    allowed = NUMERIC_KINDS + CATEGORY_KINDS
    for name in columns:
        if kinds.get(name) not in allowed:
            raise UserError(f"dcr: column '{name}' needs a kind, one of {', '.join(allowed)}; got {kinds.get(name)!r}")
