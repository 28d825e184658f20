"""Rejection that keeps the generator's share of every combination of categories.

Dropping the rows that break a table's constraints changes more than those rows: where the breaks gather
in one category (on modechoice, ``invc <= gc`` fails for 19% of one travel mode's rows and 1–2% of the
others'), plain rejection shrinks that category's share, and the sample's column shapes move away from the
table the generator learned. Here the rows kept are chosen stratum by stratum, a stratum being one
combination of the table's categorical values: each stratum keeps as many rows as its share of the
candidates asks for, taken from its own rows that hold every constraint, in the order they were generated.
A stratum with too few such rows gives its remaining places to the next rows that hold, in order.
"""

from __future__ import annotations

import numpy as np


def stratum_targets(keys: np.ndarray, n: int) -> dict[object, int]:
    """How many of ``n`` rows each stratum gets: its share of the candidates ``keys``, rounded by the largest
    remainder so that the counts add up to ``n``."""
    strata, counts = np.unique(keys, return_counts=True)
    exact = counts * n / len(keys)
    targets = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - targets), kind="stable")[: n - int(targets.sum())]:
        targets[index] += 1
    return dict(zip(strata.tolist(), targets.tolist()))


def shortfall_candidates(keys: np.ndarray, valid: np.ndarray, n: int) -> int:
    """About how many more candidates would give every short stratum its target, at its own acceptance
    (0 when none is short, or when a short stratum has no row that holds: more candidates cannot help it)."""
    needed = 0.0
    for stratum, target in stratum_targets(keys, n).items():
        mine = keys == stratum
        have = int(valid[mine].sum())
        if have == 0 or have >= target:
            continue
        rate = have / len(keys)  # rows of this stratum that hold, per candidate
        needed = max(needed, (target - have) / rate)
    return int(np.ceil(needed))


def select_rows(keys: np.ndarray, valid: np.ndarray, n: int) -> np.ndarray:
    """The positions (in generation order) of the ``n`` rows kept: per stratum, its first rows that hold, up to
    its target; places left over go to the earliest rows that hold and were not taken."""
    taken = np.zeros(len(keys), dtype=bool)
    for stratum, target in stratum_targets(keys, n).items():
        mine = np.flatnonzero((keys == stratum) & valid)
        taken[mine[:target]] = True
    spare = n - int(taken.sum())
    if spare > 0:
        taken[np.flatnonzero(valid & ~taken)[:spare]] = True
    return np.flatnonzero(taken)
