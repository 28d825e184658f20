"""A moment-matching term for G on tables: its batch's means and second moments against the real rows'.

With ``tabular.moment_weight`` = w > 0, G pays, at every step,

    w · (‖m_fake − m_real‖² + ‖S_fake − S_real‖²_F) / D

over the D columns of a transformed row, each standardized by the real rows' mean and spread: m is the
mean row, S the mean outer product of a row with itself. S holds what the column-pair trends of a table
are made of: between two number columns the correlation of their scores, between two one-hot blocks the
joint frequencies of their categories (the contingency table), between a number and a one-hot block the
mean score within each category. A GAN on a few hundred rows learns these slowly from D's signal alone;
the term hands them to G directly.

With CTGAN's conditional vector (``data/condition.py``) each generated row was asked for one condition,
and the real batch is drawn to match: the target is then the mean, over the batch's rows, of the moments
of the real rows holding each row's condition (precomputed per condition), which is what a real batch with
the same conditions has on average.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from gankit.data.condition import Conditions

SPREAD_FLOOR = 1e-3  # a column with less spread (a constant) is not rescaled

Penalty = Callable[[torch.Tensor], torch.Tensor]


class MomentMatch:
    """Target first and second moments of standardized rows, one set per condition (or one for the table)."""

    def __init__(self, center: torch.Tensor, spread: torch.Tensor, means: torch.Tensor, seconds: torch.Tensor,
                 weight: float) -> None:
        self.center, self.spread = center, spread
        self.means, self.seconds = means, seconds  # K × D and K × D × D
        self.weight = weight

    @classmethod
    def of(cls, rows: torch.Tensor, conditions: Conditions | None, weight: float) -> MomentMatch:
        """The targets of ``rows`` (real transformed rows, N × D), per condition when there are conditions."""
        rows = rows.float()
        center, spread = rows.mean(dim=0), rows.std(dim=0).clamp_min(SPREAD_FLOOR)
        standard = (rows - center) / spread
        if conditions is None:
            groups = [torch.ones(len(rows), dtype=torch.bool, device=rows.device)]
        else:
            groups = [rows[:, position] > 0.5 for position in conditions.positions]
        means = torch.stack([standard[group].mean(dim=0) for group in groups])
        seconds = torch.stack([standard[group].T @ standard[group] / int(group.sum()) for group in groups])
        return cls(center, spread, means, seconds, weight)

    @property
    def width(self) -> int:
        return len(self.center)

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """The term for a batch of G's rows (followed by their condition one-hots when there are conditions)."""
        standard = (fake[:, : self.width] - self.center) / self.spread
        n = len(fake)
        if len(self.means) == 1:
            mean_target, second_target = self.means[0], self.seconds[0]
        else:
            share = fake[:, self.width :].detach().sum(dim=0) / n  # each condition's share of the batch
            mean_target = share @ self.means
            second_target = torch.einsum("k,kij->ij", share, self.seconds)
        mean_gap = standard.mean(dim=0) - mean_target
        second_gap = standard.T @ standard / n - second_target
        return self.weight * (mean_gap.square().sum() + second_gap.square().sum()) / self.width


def generator_penalty(rows: torch.Tensor, conditions: Conditions | None, moment_weight: float) -> Penalty | None:
    """What G pays beyond D's verdict on a table: the conditions' cross-entropy and the moment term, each when on."""
    moments = MomentMatch.of(rows, conditions, moment_weight) if moment_weight > 0 else None
    if moments is None:
        return conditions.loss if conditions is not None else None
    if conditions is None:
        return moments.loss
    return lambda fake: conditions.loss(fake) + moments.loss(fake)
