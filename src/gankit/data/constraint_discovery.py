"""``gankit inspect DATA``: the constraints that hold on every row of a table, as ``[[tabular.constraints]]`` to paste.

Found from the data alone, each only where the column kinds (``data/column_kinds.py``) make it meaningful:

* **inequalities** ``a <= b`` between two number columns (or two date columns) that hold on every row where both are
  present (at least ``MIN_ROWS``), are not an identity, and whose ranges overlap on at least ``MIN_OVERLAP`` of
  the narrower one (two quantities on one scale, such as a start and an end; ``hue <= ash`` of two unrelated
  measurements that merely never cross is not suggested); one implied by two others (``a <= b``, ``b <= c`` ⇒
  ``a <= c``) is left out;
* **formulas** ``c = a + b`` between three number columns without missing values, exact on every row up to the
  last decimal ``c`` is written with;
* **combinations** of two categorical columns some of whose combinations never occur although, were the columns
  independent, at least ``EXPECTED_ROWS`` rows would have shown each of them;
* **ranges** of a number column that never falls below 0: ``0 <= x <= 1`` or ``0 <= x <= 100`` when it reaches
  close to that bound (above ``NEAR_BOUND`` of it: shares, percentages), else ``x >= 0``.

The order of the snippet is the order a transform is given to (``data/constraints.py``: a column takes part in one
transform): inequalities and formulas first, then combinations, then ranges.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from gankit.data.column_kinds import QUANTITY_KINDS, ColumnSpec, date_counts
from gankit.data.constraints import FORMULA_TOLERANCE, half_last_decimal

MIN_ROWS = 20  # an inequality is judged on at least this many rows where both columns are present
MIN_OVERLAP = 0.5  # an inequality's two columns' ranges overlap on at least this share of the narrower range
NEAR_BOUND = 0.9  # a range's upper bound 1 or 100 is suggested for columns whose maximum exceeds this share of it
EXPECTED_ROWS = 5.0  # a combination that never occurs is a rule when independence expects this many rows of it
MAX_COLUMNS = 40  # number columns compared pairwise (and in triples for formulas): the first this many
MAX_CATEGORIES = 50  # categorical columns with more categories are not searched for combinations
SHOWN_MISSING = 3  # combinations named per suggestion


@dataclass(frozen=True)
class Suggestion:
    """One constraint that holds on the data: its config entry and why it was suggested."""

    entry: dict[str, Any]  # e.g. {"inequality": "a <= b"}
    reason: str


def discover_constraints(frame: pd.DataFrame, specs: Sequence[ColumnSpec]) -> list[Suggestion]:
    """The constraints that hold on every row of ``frame`` (columns described by ``specs``), see the module docstring."""
    numbers = [spec for spec in specs if spec.kind in QUANTITY_KINDS][:MAX_COLUMNS]
    dates = [spec for spec in specs if spec.kind == "datetime"][:MAX_COLUMNS]
    values = {spec.name: _values(frame[spec.name], spec) for spec in [*numbers, *dates]}
    return [*_inequalities(numbers, values), *_inequalities(dates, values), *_formulas(numbers, values, frame),
            *_combinations(frame, specs), *_ranges(numbers, values)]


def suggestions_toml(suggestions: Sequence[Suggestion], origin: str) -> str:
    """The suggestions as ``[[tabular.constraints]]`` tables, each under a comment saying why."""
    import tomli_w  # noqa: PLC0415  (only inspect writes TOML)

    if not suggestions:
        return f"# no constraint holds on every row of {origin} beyond the columns' own ranges\n"
    parts = [f"# constraints that hold on every row of {origin} (gankit inspect); add them to a tabular config\n"]
    for suggestion in suggestions:
        parts.append(f"\n# {suggestion.reason}\n[[tabular.constraints]]\n{tomli_w.dumps(suggestion.entry)}")
    return "".join(parts)


# ------------------------------------------------------------------ each form


def _inequalities(specs: list[ColumnSpec], values: dict[str, np.ndarray]) -> list[Suggestion]:
    holds: dict[tuple[str, str], int] = {}
    for low, high in itertools.permutations([spec.name for spec in specs], 2):
        a, b = values[low], values[high]
        both = ~np.isnan(a) & ~np.isnan(b)
        judged = int(both.sum())
        if judged < MIN_ROWS or not np.all(a[both] <= b[both]) or np.all(a[both] == b[both]):
            continue
        if _overlap(a, b) < MIN_OVERLAP:  # ranges apart, or barely touching: unrelated scales
            continue
        holds[(low, high)] = judged
    implied = {(a, c) for (a, b), (b2, c) in itertools.product(holds, holds) if b == b2 and (a, c) in holds}
    return [Suggestion({"inequality": f"{low} <= {high}"}, f"{low} <= {high} on all {judged:,} rows with both")
            for (low, high), judged in holds.items() if (low, high) not in implied]


def _formulas(specs: list[ColumnSpec], values: dict[str, np.ndarray], frame: pd.DataFrame) -> list[Suggestion]:
    complete = [spec.name for spec in specs if not np.isnan(values[spec.name]).any() and np.any(values[spec.name] != 0)]
    found = []
    for first, second in itertools.combinations(complete, 2):
        total = values[first] + values[second]
        for target in complete:
            if target in (first, second) or len(frame) < MIN_ROWS:
                continue
            tolerance = FORMULA_TOLERANCE * np.abs(total) + half_last_decimal(values[target])
            if np.all(np.abs(values[target] - total) <= tolerance):
                found.append(Suggestion({"formula": f"{_name(target)} = {_name(first)} + {_name(second)}"},
                                        f"{target} = {first} + {second} on all {len(frame):,} rows"))
    return found


def _combinations(frame: pd.DataFrame, specs: Sequence[ColumnSpec]) -> list[Suggestion]:
    categorical = [spec.name for spec in specs if spec.kind in ("categorical", "boolean") and spec.treatment == "onehot"
                   and 2 <= len(spec.categories) <= MAX_CATEGORIES]
    found = []
    for first, second in itertools.combinations(categorical, 2):
        pair = frame[[first, second]].dropna()
        counts = pd.crosstab(pair[first], pair[second])
        expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / max(len(pair), 1)
        never = (counts.to_numpy() == 0) & (expected >= EXPECTED_ROWS)
        if not never.any():
            continue
        rows, columns = np.nonzero(never)
        shown = "; ".join(f"{first}={counts.index[r]} with {second}={counts.columns[c]} (~{expected[r, c]:.0f} expected)"
                          for r, c in list(zip(rows, columns))[:SHOWN_MISSING])
        more = f" and {len(rows) - SHOWN_MISSING} more" if len(rows) > SHOWN_MISSING else ""
        found.append(Suggestion({"combinations": [first, second]},
                                f"{int((counts.to_numpy() == 0).sum())} of {counts.size} combinations never occur, "
                                f"e.g. {shown}{more} if independent"))
    return found


def _ranges(specs: list[ColumnSpec], values: dict[str, np.ndarray]) -> list[Suggestion]:
    found = []
    for spec in specs:
        column = values[spec.name]
        low, high = np.nanmin(column), np.nanmax(column)
        if low < 0:
            continue
        upper = next((bound for bound in (1, 100) if NEAR_BOUND * bound < high <= bound
                      and (bound == 100 or spec.kind == "continuous")), None)
        text = f"0 <= {spec.name} <= {upper}" if upper is not None else f"{spec.name} >= 0"
        found.append(Suggestion({"range": text}, f"{spec.name} is between {low:g} and {high:g}"))
    return found


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """How much the ranges of ``a`` and ``b`` overlap, as a share of the narrower one (0: apart)."""
    low, high = max(np.nanmin(a), np.nanmin(b)), min(np.nanmax(a), np.nanmax(b))
    narrower = min(np.nanmax(a) - np.nanmin(a), np.nanmax(b) - np.nanmin(b))
    return float(max(high - low, 0.0) / narrower) if narrower > 0 else 0.0


def _name(column: str) -> str:
    """A column as a formula writes it: backquoted unless it is an identifier."""
    return column if column.isidentifier() else f"`{column}`"


def _values(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    if spec.kind == "datetime":
        return date_counts(series, "us")
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
