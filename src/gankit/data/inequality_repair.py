"""A generated row that breaks an inequality between two number columns, moved to the nearest row that holds it.

G learns the table as it is; a constraint ``a <= b`` between two of its number columns is not part of what it
learns. A row it generates with ``a > b`` is met at the midpoint: a and b both become m = (a + b) / 2, a
rounded down and b rounded up to their columns' own steps (whole numbers, or the column's decimals), so that
``a <= m <= b``. That is the smallest change of the row, in the columns' units, that holds the inequality (the
Euclidean projection onto ``a <= b``); every other column of the row is kept. Rejecting such rows instead
removes them whole, which narrows the table wherever G breaks the constraint most (the docs' benchmarks page,
"Constraints", has the comparison).

A strict ``a < b`` whose rounded midpoint leaves ``a = b`` moves a one step down. Rows that still break a
constraint (one column in two inequalities, a bound of a range) are left to rejection, which follows.
Comparisons with a date column, a fixed number (those are clipped), or a column of a formula are not met here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gankit.data.column_kinds import QUANTITY_KINDS, ColumnSpec, column_numbers, numbers_to_column


def can_meet(left: str | float, right: str | float, specs: Mapping[str, ColumnSpec], formula_columns: set[str]) -> bool:
    """Whether ``left <= right`` is between two number columns that :func:`meet` may move."""
    return all(isinstance(side, str) and side in specs and specs[side].kind in QUANTITY_KINDS and side not in formula_columns
               for side in (left, right))


def meet(frame: pd.DataFrame, comparisons: Sequence[tuple[str, str, bool]], specs: Mapping[str, ColumnSpec]) -> pd.DataFrame:
    """``frame`` with each row that breaks ``left <= right`` (``<`` when strict) met at the midpoint."""
    frame = frame.copy()
    for left, right, strict in comparisons:
        low, high = (column_numbers(frame[name], specs[name]) for name in (left, right))
        with np.errstate(invalid="ignore"):
            broken = (low >= high) if strict else (low > high)
        if not broken.any():
            continue
        middle = (low[broken] + high[broken]) / 2.0
        new_low, new_high = _rounded(middle, specs[left], np.floor), _rounded(middle, specs[right], np.ceil)
        if strict:
            step = _step(specs[left])
            new_low = np.where(new_low >= new_high, new_low - (step or 0.0), new_low)
        frame[left] = _with(frame[left], specs[left], broken, new_low)
        frame[right] = _with(frame[right], specs[right], broken, new_high)
    return frame


def _step(spec: ColumnSpec) -> float | None:
    """A column's smallest step: 1 for whole numbers, 10^-d for d decimals, None when its values are free."""
    if spec.kind == "integer":
        return 1.0
    return 10.0 ** -spec.decimals if spec.decimals >= 0 else None


def _rounded(values: np.ndarray, spec: ColumnSpec, direction) -> np.ndarray:
    """``values`` rounded to the column's step in ``direction`` (np.floor or np.ceil); free values as they are."""
    step = _step(spec)
    if step is None:
        return values
    scaled = values / step
    return direction(np.round(scaled, 6)) * step  # round first: 0.30000000000000004 / 0.1 is not above 3


def _with(column: pd.Series, spec: ColumnSpec, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``column`` with ``values`` at the ``rows`` mask, in the column's own form (``numbers_to_column``)."""
    numbers = column_numbers(column, spec).copy()
    numbers[rows] = values
    return numbers_to_column(numbers, spec).to_numpy()
