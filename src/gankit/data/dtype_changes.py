"""Which columns of a sampled table come back in another dtype than they were read in, and why, in one line each.

A table's columns are read in their file's dtypes (``ColumnSpec.read_dtype``) and a
sample is written in the dtypes the columns were modelled in: mostly the same, but
dates given as text come back as datetimes, numbers given as text as numbers, dates
with mixed UTC offsets in UTC, and a CSV file keeps no dtypes at all (a uint8 column
reads back from it as int64). :func:`dtype_changes` compares, column by column, the
dtype each column was read in with the dtype the written file reads back in, and names
every change with its reason; ``gankit sample`` prints them as notices.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import pandas as pd

from gankit.data.column_kinds import MIXED_OFFSETS, ColumnSpec


def dtype_changes(specs: Iterable[ColumnSpec], written: Mapping[str, str], file_kind: str) -> list[str]:
    """One line per column whose dtype as written (``written``: name → the dtype the output reads back in)
    differs from the dtype it was read in; ``file_kind`` is the output's suffix (".csv", ".parquet")."""
    lines = []
    for spec in specs:
        after = written.get(spec.name)
        if not spec.read_dtype or after is None:
            continue
        if after != spec.read_dtype:
            lines.append(f"column '{spec.name}': read as {spec.read_dtype}, comes back as {after} "
                         f"({_reason(spec, after, file_kind)})")
        elif _mixed_offsets(spec):  # text before and after, but the dates are written in UTC now
            lines.append(f"column '{spec.name}': its dates had mixed UTC offsets and come back in UTC (+00:00)")
    return lines


def _mixed_offsets(spec: ColumnSpec) -> bool:
    return spec.kind == "datetime" and MIXED_OFFSETS in spec.notice


def _reason(spec: ColumnSpec, after: str, file_kind: str) -> str:
    """Why a column's dtype changed between reading and writing."""
    read_as_text = spec.read_dtype in ("object", "string", "str")
    if read_as_text and _mixed_offsets(spec):
        return "dates with mixed UTC offsets, converted to UTC"
    if spec.kind == "datetime" and read_as_text:
        return "dates given as text are modelled and written as dates"
    if read_as_text and _is_number(after):
        return "numbers given as text are modelled and written as numbers"
    if file_kind == ".csv":
        return "a CSV file keeps no dtypes; write .parquet to keep them"
    if file_kind == ".parquet" and after.startswith("datetime64[ms") and spec.read_dtype.startswith("datetime64[s"):
        return "Parquet has no timestamps in seconds; the same instants in milliseconds"
    return f"modelled as {spec.kind}"


def _is_number(dtype: str) -> bool:
    try:
        kind = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return False
    return pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
