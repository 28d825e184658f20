"""A generated row whose combination of categories was never seen: one of its values redrawn from the real rows.

A ``combinations`` constraint allows only the combinations of its columns seen in the data. Rejecting a row
that breaks it removes the whole row, which costs most where the generator breaks it most. Instead, one of the
constraint's columns (drawn at random) gets a new value, drawn from the seen combinations that agree with the
row on the other columns, in proportion to how often each was seen: the real conditional distribution of that
column given the others. The row's other columns are kept. When no seen combination agrees on the other
columns, the row is left as it is, and rejection, which follows, removes it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def redraw(frame: pd.DataFrame, columns: Sequence[str], keys: Sequence[tuple], seen: Sequence[tuple],
           counts: Sequence[int], rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with each row whose ``keys`` (its values of ``columns``) are not among ``seen`` repaired: one
    column's value redrawn from the seen combinations (weighted by ``counts``) that agree on the others."""
    allowed = set(seen)
    broken = [row for row, key in enumerate(keys) if key not in allowed]
    if not broken:
        return frame
    frame = frame.copy()
    weights = np.asarray(counts, dtype=np.float64)
    positions = [frame.columns.get_loc(column) for column in columns]
    agreeing_on_others = _by_other_values(seen, len(columns))
    for row in broken:
        key = keys[row]
        column = int(rng.integers(len(columns)))
        agreeing = agreeing_on_others[column].get(key[:column] + key[column + 1:], [])
        if not agreeing:
            continue
        chosen = agreeing[int(rng.choice(len(agreeing), p=weights[agreeing] / weights[agreeing].sum()))]
        frame.iat[row, positions[column]] = seen[chosen][column]
    return frame


def _by_other_values(seen: Sequence[tuple], width: int) -> list[dict[tuple, list[int]]]:
    """For each column k: the seen combinations' indices (in order) by their values of the other columns."""
    index: list[dict[tuple, list[int]]] = [{} for _ in range(width)]
    for position, combination in enumerate(seen):
        for k in range(width):
            index[k].setdefault(combination[:k] + combination[k + 1:], []).append(position)
    return index
