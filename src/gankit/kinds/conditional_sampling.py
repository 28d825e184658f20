"""A table's rows that meet every ``--where`` condition (``data/where.py``): by the conditional vector, then rejection.

* A category condition (``island=Biscoe``, ``island in Biscoe,Dream``) on a column of CTGAN's conditional vector
  (``data/condition.py``) is asked of G directly: each row's condition is the category (for a set, one of its
  categories, drawn in proportion to their real frequencies), and that column's value is drawn from G's own
  logits restricted to the asked category, so it always holds and no row is thrown away. When several such
  columns are constrained, the vector carries the one whose allowed categories are rarest in the table.
* Every other condition (numbers; categories outside the vector) is met by rejection: candidates are generated in
  batches and the rows that meet all conditions kept. The first batch (``PROBE_ROWS``, or n when larger) measures
  the acceptance; each later batch is sized by the acceptance measured so far (+20 %).
* A condition too rare to reach is refused after the first batch, naming it and its estimated rate: when no
  candidate met it, or when ``n`` rows would need more than ``MAX_CANDIDATES`` candidates at that rate. The loop
  never draws more than ``MAX_CANDIDATES``, so it cannot hang and never returns fewer than ``n`` rows.

A table with constraints (``data/constraints.py``) samples through here even without a condition: each batch is
decoded with the constraints' transforms undone, and only rows that hold every constraint are returned. They are
chosen so that each combination of the table's categories keeps its share of the candidates
(``kinds/stratified_rejection.py``): the rows that break a constraint are replaced by rows of their own
combination, with one more batch drawn when a combination falls short.

Batch ``i`` draws from the seed ``(seed, i)``, so the same seed gives the same rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from gankit.data.condition import Conditions
from gankit.data.table_transformer import DiscreteBlock
from gankit.data.where import ColumnCondition, Where
from gankit.errors import UserError
from gankit.kinds.stratified_rejection import select_rows, shortfall_candidates

PROBE_ROWS = 10_000  # the first batch of candidates, on which the acceptance is measured
MAX_CANDIDATES = 5_000_000  # the most candidates one call generates: n / acceptance above it is refused
MAX_BATCH_ROWS = 200_000  # candidates generated (and decoded) at once


@dataclass(frozen=True)
class ConditionalCost:
    """What conditional sampling spent for ``rows`` rows."""

    candidates: int  # rows generated
    accepted: int  # of those, meeting every condition (the first ``rows`` are returned)
    rows: int
    seconds: float
    coded: str  # the condition asked of G through the conditional vector ("" when none)
    what: str = "conditional sampling"  # or, with no condition, the sampling that keeps a table's constraints

    @property
    def acceptance(self) -> float:
        return self.accepted / self.candidates if self.candidates else float("nan")

    def describe(self) -> str:
        vector = f"{self.coded} via the conditional vector; " if self.coded else ""
        return (f"{self.what}: {vector}{self.candidates:,} candidates for {self.rows:,} rows "
                f"(acceptance {self.acceptance:.1%}, {self.seconds:.2f} s)")


@dataclass(frozen=True)
class CodedColumn:
    """The category condition carried by the conditional vector: its law and where its column's logits lie."""

    condition: ColumnCondition
    code_probs: tuple[float, ...]  # the conditions' law restricted to the allowed categories
    block: DiscreteBlock
    positions: tuple[int, ...]  # each condition's slot in a row (``Conditions.positions``)

    def restrict(self, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """``rows`` whose column logits allow only the category each row's code asked for."""
        rows = rows.copy()
        slots = np.asarray(self.positions)[codes]
        asked = rows[np.arange(len(rows)), slots]
        rows[:, self.block.start : self.block.start + self.block.width] = -np.inf
        rows[np.arange(len(rows)), slots] = asked
        return rows


Draw = Callable[[int, torch.Generator, "tuple[float, ...] | None"], "tuple[np.ndarray, np.ndarray | None]"]
Decode = Callable[[np.ndarray, torch.Generator, int], "tuple[pd.DataFrame, np.ndarray]"]  # rows, which hold
Strata = Callable[[pd.DataFrame], np.ndarray]  # each row's combination of categories


def coded_column(where: Where, conditions: Conditions | None, blocks: list[DiscreteBlock],
                 categories: dict[str, tuple]) -> CodedColumn | None:
    """The category condition the conditional vector carries: the one whose allowed categories are rarest."""
    if conditions is None:
        return None
    by_column = {block.column: block for block in blocks}
    index = {position: c for c, position in enumerate(conditions.positions)}
    best: tuple[float, CodedColumn] | None = None
    for condition in where.conditions:
        block = by_column.get(condition.column)
        if block is None or condition.values is None or condition.low > -np.inf or condition.high < np.inf:
            continue
        slots = [block.start + categories[condition.column].index(value) for value in condition.values]
        if not all(slot in index for slot in slots):
            continue
        wanted = {index[slot] for slot in slots}
        probs = tuple(p if c in wanted else 0.0 for c, p in enumerate(conditions.sample_probs))
        share = sum(block.counts[slot - block.start] for slot in slots) / sum(block.counts)
        if best is None or share < best[0]:
            best = (share, CodedColumn(condition, probs, block, conditions.positions))
    return best[1] if best is not None else None


def sample_where(n: int, seed: int, where: Where, coded: CodedColumn | None, draw: Draw, decode: Decode,
                 strata: Strata | None = None) -> tuple[pd.DataFrame, ConditionalCost]:
    """``n`` rows meeting every condition of ``where``; ``draw(count, rng, code_probs)`` gives G's rows (data units)
    and their codes, ``decode(rows, rng, seed)`` the table and which rows hold its constraints, ``strata`` each
    row's combination of categories. Raises a one-line error for a condition too rare."""
    started = time.perf_counter()
    rejected = [condition for condition in where.conditions if coded is None or condition is not coded.condition]
    size = n if not rejected else min(max(n, PROBE_ROWS), MAX_BATCH_ROWS, MAX_CANDIDATES)
    candidates: list[pd.DataFrame] = []
    holding: list[np.ndarray] = []
    total = count = index = 0
    for index in range(MAX_CANDIDATES):  # bounded: each batch draws at least one candidate
        frame, holds = _batch(size, _batch_seed(seed, index), coded, draw, decode)
        met = where.mask(frame)
        candidates.append(frame[met])
        holding.append(holds[met])
        total, count = total + size, count + int((met & holds).sum())
        if count >= n:
            break
        if index == 0 or total >= MAX_CANDIDATES:
            _check_rate(n, count, total, where, rejected, frame[holds])
        rate = count / total
        size = int(min(np.ceil((n - count) / rate * 1.2), MAX_BATCH_ROWS, MAX_CANDIDATES - total))
    rows, valid = pd.concat(candidates, ignore_index=True), np.concatenate(holding)
    if strata is not None and not valid.all():
        extra = min(int(shortfall_candidates(strata(rows), valid, n) * 1.2), MAX_BATCH_ROWS, MAX_CANDIDATES - total)
        if extra > 0:  # one more batch for the combinations that fell short
            frame, holds = _batch(extra, _batch_seed(seed, index + 1), coded, draw, decode)
            met = where.mask(frame)
            rows, valid = pd.concat([rows, frame[met]], ignore_index=True), np.concatenate([valid, holds[met]])
            total, count = total + extra, count + int((met & holds).sum())
        rows = rows.iloc[select_rows(strata(rows), valid, n)].reset_index(drop=True)
    else:
        rows = rows[valid].iloc[:n].reset_index(drop=True)
    coded_text = coded.condition.text if coded is not None else ""
    what = "conditional sampling" if where.conditions else "sampling within the constraints"
    return rows, ConditionalCost(total, count, n, time.perf_counter() - started, coded_text, what)


def _batch(size: int, seed: int, coded: CodedColumn | None, draw: Draw, decode: Decode) -> tuple[pd.DataFrame, np.ndarray]:
    rng = torch.Generator().manual_seed(seed)
    rows, codes = draw(size, rng, coded.code_probs if coded is not None else None)
    if coded is not None:
        rows = coded.restrict(rows, codes)
    return decode(rows, rng, seed)


def _batch_seed(seed: int, index: int) -> int:
    """The seed of batch ``index``: ``seed`` itself for the first, then one derived from ``(seed, index)``."""
    return seed if index == 0 else int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _check_rate(n: int, count: int, total: int, where: Where, rejected: list[ColumnCondition], frame: Any) -> None:
    """Refuse, naming the condition and its estimated rate, when ``n`` rows are out of reach."""
    if count and (n - count) / (count / total) <= MAX_CANDIDATES - total:
        return
    rates = {condition.text: float(condition.mask(frame[condition.column]).mean()) for condition in rejected}
    rarest = min(rates, key=rates.get) if rates else where.text
    alone = f"; {rarest} alone: {rates[rarest]:.3g}" if len(rates) > 1 else ""
    asked = f"--where '{where.text}'" if where.conditions else "the table's constraints"
    if count == 0:
        raise UserError(f"{asked}: never met by the generator: 0 of {total:,} generated rows "
                        f"(estimated rate below 1 in {total:,}{alone}); loosen the condition")
    raise UserError(f"{asked}: too rare to sample: met by {count:,} of {total:,} generated rows "
                    f"(estimated rate {count / total:.3g}{alone}); {n:,} rows would need about "
                    f"{n * total / count:,.0f} candidates, more than the {MAX_CANDIDATES:,} one sample generates at "
                    "most; loosen the condition or ask for fewer rows")
