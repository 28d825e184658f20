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
    strata, _, targets = _strata_and_targets(keys, n)
    return dict(zip(strata.tolist(), targets.tolist()))


def shortfall_candidates(keys: np.ndarray, valid: np.ndarray, n: int) -> int:
    """About how many more candidates would give every short stratum its target, at its own acceptance
    (0 when none is short, or when a short stratum has no row that holds: more candidates cannot help it)."""
    strata, codes, targets = _strata_and_targets(keys, n)
    have = np.bincount(codes[valid], minlength=len(strata))
    short = (have > 0) & (have < targets)
    if not short.any():
        return 0
    rates = have[short] / len(keys)  # rows of each short stratum that hold, per candidate
    return int(np.ceil(((targets[short] - have[short]) / rates).max()))


def select_rows(keys: np.ndarray, valid: np.ndarray, n: int) -> np.ndarray:
    """The positions (in generation order) of the ``n`` rows kept: per stratum, its first rows that hold, up to
    its target; places left over go to the earliest rows that hold and were not taken."""
    _, codes, targets = _strata_and_targets(keys, n)
    held = np.flatnonzero(valid)
    taken = np.zeros(len(keys), dtype=bool)
    taken[held[_rank_within(codes[held]) < targets[codes[held]]]] = True
    spare = n - int(taken.sum())
    if spare > 0:
        taken[np.flatnonzero(valid & ~taken)[:spare]] = True
    return np.flatnonzero(taken)


def _strata_and_targets(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strata, each candidate's stratum number, and each stratum's target (largest remainder)."""
    strata, codes, counts = np.unique(keys, return_inverse=True, return_counts=True)
    exact = counts * n / len(keys)
    targets = np.floor(exact).astype(int)
    targets[np.argsort(-(exact - targets), kind="stable")[: n - int(targets.sum())]] += 1
    return strata, codes.reshape(-1), targets


def _rank_within(codes: np.ndarray) -> np.ndarray:
    """Each entry's rank among the earlier entries of the same code (0 for a code's first)."""
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(ordered)]))
    rank = np.empty(len(codes), dtype=int)
    rank[order] = np.arange(len(ordered)) - group_start
    return rank
