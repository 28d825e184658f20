"""Input checks for table metrics: the column kinds, and both tables validated and converted alike.

Every table metric (column shapes, pair trends, detection) expects tables passed through
:func:`checked_tables`: numerical columns as float64, datetimes as naive datetime64[us], the
fake table's columns in the real table's order. Bad tables or kinds raise :class:`UserError`
with a one-line message naming the table and column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gankit.errors import UserError

KINDS = ("numerical", "categorical", "boolean", "datetime")
CONTINUOUS = ("numerical", "datetime")
DATETIME_UNIT = "datetime64[us]"  # ±290,000 years: a Parquet timestamp[s] before 1677 fits (nanoseconds would not)

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
    datetime columns as naive datetime64[us], fake's columns in real's order."""
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
    return values.astype(DATETIME_UNIT)


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__



def continuous_values(column: pd.Series) -> np.ndarray:
    """Float64 values with NaN for missing (datetimes as microseconds since the epoch)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        counts = column.astype(DATETIME_UNIT).to_numpy().view(np.int64).astype(np.float64)
        return np.where(column.isna().to_numpy(), np.nan, counts)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)
