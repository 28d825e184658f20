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

Sampling draws the column uniformly and the category by its real frequency, so
the mixture over conditions is the table's own distribution (Xu et al. 2019,
"Modeling Tabular Data using Conditional GAN", section 4.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gankit.data.tabular_transform import DiscreteBlock

EPS = 1e-8


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

    def draw_rows(self, rows: torch.Tensor, seed: int) -> torch.Tensor:
        """``len(rows)`` training rows by training-by-sampling, each followed by its condition's one-hot.

        Vectorized: the rows holding each condition are listed once (grouped by
        condition), and every draw picks a uniform position inside its group.
        """
        rng = torch.Generator().manual_seed(seed)
        slots = rows[:, list(self.positions)].cpu() > 0.5  # N × C: which conditions each row holds
        holder_conditions, holder_rows = slots.T.nonzero(as_tuple=True)  # (condition, row) pairs, by condition
        counts = torch.bincount(holder_conditions, minlength=self.count)
        offsets = torch.cumsum(counts, 0) - counts
        wanted = torch.multinomial(torch.tensor(self.train_probs), len(rows), replacement=True, generator=rng)
        pick = offsets[wanted] + (torch.rand(len(rows), generator=rng, dtype=torch.float64) * counts[wanted]).long()
        chosen = rows[holder_rows[pick].to(rows.device)]
        code = torch.nn.functional.one_hot(wanted, self.count).to(rows.dtype).to(rows.device)
        return torch.cat((chosen, code), dim=1)

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the asked-for category in G's rows (condition one-hot in the last columns)."""
        code = fake[:, -self.count :]
        chosen = (fake[:, list(self.positions)] * code).sum(dim=1)
        return -torch.log(chosen + EPS).mean()

    def strip(self, rows: np.ndarray) -> np.ndarray:
        """Generated rows without their trailing condition columns."""
        return rows[:, : rows.shape[1] - self.count]
