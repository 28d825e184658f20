"""CTGAN's conditional vector and training-by-sampling, for tables with categorical columns.

A *condition* is one category of one discrete column ("island = Dream"); a table
with categorical columns of 3, 3 and 2 categories has 8. With ``tabular.conditional``
every training row carries the one-hot of a condition after its own columns,
as a class-conditional image carries its label:

* real rows are drawn by *training-by-sampling*: a discrete column uniformly at
  random, one of its categories with probability ∝ log(1 + count), then a real
  row having that category — so a rare category is seen about as often as a
  common one and its rows are learned, not drowned;
* G's latent code is a condition drawn by the same law; G copies it after its
  output row, and D judges (row, condition) pairs;
* G pays the cross-entropy of the asked-for category in its own output
  (:meth:`Conditions.loss`), so it obeys the condition from the first steps.
  (CTGAN takes it on G's noise-free logits; here it is taken on the
  Gumbel-softmax rows G hands to D, which keeps G's interface one tensor.)

Sampling draws the column uniformly and the category by its real frequency, so
the mixture over conditions is the table's own distribution (Xu et al. 2019,
"Modeling Tabular Data using Conditional GAN", section 4.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gankit.data.table_transformer import DiscreteBlock
from gankit.errors import UserError

EPS = 1e-8


@dataclass(frozen=True)
class RowsByCondition:
    """A table's rows with, for every condition, the rows that hold it (``holders[offsets[c]:][:counts[c]]``)."""

    rows: torch.Tensor
    holders: torch.Tensor  # row numbers, grouped by condition
    offsets: torch.Tensor  # where each condition's group starts in ``holders``
    counts: torch.Tensor  # how many rows hold each condition (all ≥ 1)


@dataclass(frozen=True)
class Conditions:
    """The conditions of a transformed table and the laws they are drawn by."""

    positions: tuple[int, ...]  # each condition's one-hot slot in a transformed row
    train_probs: tuple[float, ...]  # training-by-sampling: column uniform, category ∝ log(1 + count)
    sample_probs: tuple[float, ...]  # generation: column uniform, category ∝ count

    @classmethod
    def of(cls, blocks: list[DiscreteBlock]) -> Conditions | None:
        """The conditions of a table's discrete blocks (categories never seen are left out); None if none."""
        blocks = [block for block in blocks if sum(block.counts) > 0]
        if not blocks:
            return None
        positions: list[int] = []
        train: list[float] = []
        sample: list[float] = []
        for block in blocks:
            counts = np.asarray(block.counts, dtype=np.float64)
            seen = np.flatnonzero(counts > 0)
            positions += (block.start + seen).tolist()
            logs = np.log1p(counts[seen])
            train += (logs / logs.sum() / len(blocks)).tolist()
            sample += (counts[seen] / counts.sum() / len(blocks)).tolist()
        return cls(tuple(positions), tuple(train), tuple(sample))

    @property
    def count(self) -> int:
        return len(self.positions)

    def index_rows(self, rows: torch.Tensor, origin: str = "data") -> RowsByCondition:
        """The lookup table of training-by-sampling: the rows holding each condition, grouped by condition."""
        slots = rows[:, list(self.positions)].cpu() > 0.5  # N × C: which conditions each row holds
        conditions, holders = slots.T.nonzero(as_tuple=True)  # (condition, row) pairs, by condition
        counts = torch.bincount(conditions, minlength=self.count)
        if not bool((counts > 0).all()):
            raise UserError(f"{origin}: {int((counts == 0).sum())} of the categories this GAN was fitted on have "
                            "no rows here; train it on the table it was fitted on")
        return RowsByCondition(rows, holders.to(rows.device), torch.cumsum(counts, 0) - counts, counts)

    def draw_rows(self, table: RowsByCondition, seed: int) -> torch.Tensor:
        """``len(table.rows)`` training rows by training-by-sampling, each followed by its condition's one-hot.

        Vectorized: each draw picks a condition by the training law, then a uniform
        position inside that condition's group of rows.
        """
        rng = torch.Generator().manual_seed(seed)
        n = len(table.rows)
        wanted = torch.multinomial(torch.tensor(self.train_probs), n, replacement=True, generator=rng)
        pick = table.offsets[wanted] + (torch.rand(n, generator=rng, dtype=torch.float64) * table.counts[wanted]).long()
        chosen = table.rows[table.holders[pick.to(table.holders.device)]]
        code = torch.nn.functional.one_hot(wanted, self.count).to(table.rows.dtype).to(table.rows.device)
        return torch.cat((chosen, code), dim=1)

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the asked-for category in G's rows (condition one-hot in the last columns)."""
        code = fake[:, -self.count :]
        chosen = (fake[:, list(self.positions)] * code).sum(dim=1)
        return -torch.log(chosen + EPS).mean()

    def strip(self, rows: np.ndarray) -> np.ndarray:
        """Generated rows without their trailing condition columns."""
        return rows[:, : rows.shape[1] - self.count]
