"""A moment-matching term for G on tables: its batch's means and second moments against the real rows'.

With ``tabular.moment_weight`` = w > 0, G pays, at every step,

    w · (‖m_fake − m_real‖² + ‖S_fake − S_real‖²_F) / D

over the D columns of a transformed row, each standardized by the real rows' mean and spread (with the
conditional vector, those of the batches training-by-sampling draws, where a rare category is common): m is the
mean row, S the mean outer product of a row with itself. S holds what the column-pair trends of a table
are made of: between two number columns the correlation of their scores, between two one-hot blocks the
joint frequencies of their categories (the contingency table), between a number and a one-hot block the
mean score within each category. A GAN on a few hundred rows learns these slowly from D's signal alone;
the term hands them to G directly.

With CTGAN's conditional vector (``data/condition.py``) each generated row was asked for one condition,
and the real batch is drawn to match: the target is then the mean, over the batch's rows, of the moments
of the real rows holding each row's condition (precomputed per condition), which is what a real batch with
the same conditions has on average.

With ``tabular.marginal_weight`` = v > 0, G also pays v · mean over its number columns (the one-hot blocks' shares are
first moments, matched above) of the squared gap between its
batch's sorted values of each column and the sorted values of as many real rows drawn at random, each one
holding the condition of the generated row it stands for. Values are sorted within each condition, so this
is the squared 1-D Wasserstein distance between the two samples of each column given each condition: what
the column-shape scores (KS, TV) follow, and, for a category asked for, the column-pair scores between it
and every other column.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from gankit.data.condition import Conditions

SPREAD_FLOOR = 1e-3  # a column with less spread (a constant) is not rescaled
STANDARD_LIMIT = 1e3  # standardized values are clamped to this in sort keys only
CONDITION_STRIDE = 4 * STANDARD_LIMIT  # sort keys: condition · stride + value keeps conditions apart

Penalty = Callable[[torch.Tensor], torch.Tensor]


class MomentMatch:
    """Target first and second moments of standardized rows, one set per condition (or one for the table)."""

    def __init__(self, center: torch.Tensor, spread: torch.Tensor, means: torch.Tensor, seconds: torch.Tensor,
                 weight: float, marginal_weight: float = 0.0, standard: torch.Tensor | None = None,
                 groups: list[torch.Tensor] | None = None, value_columns: list[int] | None = None) -> None:
        self.center, self.spread = center, spread
        self.means, self.seconds = means, seconds  # K × D and K × D × D, of standardized rows, per condition
        self.weight, self.marginal_weight = weight, marginal_weight
        self.standard = standard  # the standardized real rows the marginal term draws from (None: no such term)
        width = len(center)
        self.value_columns = list(range(width)) if value_columns is None else list(value_columns)
        groups = groups or []
        self.holders = torch.cat(groups) if groups else torch.zeros(0, dtype=torch.long)  # rows by condition
        self.counts = torch.tensor([len(group) for group in groups], dtype=torch.long, device=center.device)
        self.offsets = torch.cumsum(self.counts, 0) - self.counts

    @classmethod
    def of(cls, rows: torch.Tensor, conditions: Conditions | None, weight: float, marginal_weight: float = 0.0,
           value_columns: list[int] | None = None) -> MomentMatch:
        """The targets of ``rows`` (real transformed rows, N × D), per condition when there are conditions;
        ``value_columns``: the columns the marginal term sorts (default all)."""
        rows = rows.float()
        if conditions is None:
            groups = [torch.arange(len(rows), device=rows.device)]
            center, spread = rows.mean(dim=0), rows.std(dim=0)
        else:
            groups = [torch.nonzero(rows[:, position] > 0.5)[:, 0] for position in conditions.positions]
            center, spread = _sampled_center_and_spread(rows, groups, conditions.train_probs)
        spread = spread.clamp_min(SPREAD_FLOOR)
        standard = (rows - center) / spread
        means = torch.stack([standard[group].mean(dim=0) for group in groups])
        seconds = torch.stack([standard[group].T @ standard[group] / len(group) for group in groups])
        return cls(center, spread, means, seconds, weight, marginal_weight, standard, groups, value_columns)

    @classmethod
    def from_moments(cls, first: torch.Tensor, second: torch.Tensor, weight: float,
                     spread_floor: float = SPREAD_FLOOR) -> MomentMatch:
        """The moment term (no conditions, no marginal term) from the rows' raw moments E[x] and E[x xᵀ] alone,
        as a differentially private run releases them (``train/private_moments.py``): centred at E[x], scaled
        by the spread they give, but never by less than ``spread_floor`` (noisy moments of a column with little
        spread would otherwise be magnified into targets of noise)."""
        first, second = first.float(), second.float()
        spread = _spread(first, second.diagonal()).clamp_min(spread_floor)
        covariance = (second - torch.outer(first, first)) / torch.outer(spread, spread)
        return cls(first, spread, torch.zeros(1, len(first), device=first.device), covariance[None], weight)

    @property
    def width(self) -> int:
        return len(self.center)

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """The term for a batch of G's rows (followed by their condition one-hots when there are conditions)."""
        standard = (fake[:, : self.width] - self.center) / self.spread
        n = len(fake)
        if len(self.means) == 1:
            mean_target, second_target = self.means[0], self.seconds[0]
            asked = torch.zeros(n, dtype=torch.long, device=fake.device)
        else:
            code = fake[:, self.width :].detach()
            share = code.sum(dim=0) / n  # each condition's share of the batch
            mean_target = share @ self.means
            second_target = (share @ self.seconds.flatten(1)).view_as(self.seconds[0])
            asked = code.argmax(dim=1)
        mean_gap = standard.mean(dim=0) - mean_target
        second_gap = standard.T @ standard / n - second_target
        loss = self.weight * (mean_gap.square().sum() + second_gap.square().sum()) / self.width
        if self.marginal_weight > 0 and self.value_columns:
            loss = loss + self.marginal_weight * self.marginal_gap(standard[:, self.value_columns], asked)
        return loss

    def marginal_gap(self, standard: torch.Tensor, asked: torch.Tensor) -> torch.Tensor:
        """Mean over columns of the squared gap between the sorted generated values and the sorted values of
        real rows drawn for the same conditions (``asked``: each generated row's condition)."""
        pick = self.offsets[asked] + (torch.rand(len(asked), device=asked.device) * self.counts[asked]).long()
        real = self.standard[self.holders[pick]][:, self.value_columns]
        return (self._by_condition(standard, asked) - self._by_condition(real, asked)).square().mean()

    @staticmethod
    def _by_condition(values: torch.Tensor, asked: torch.Tensor) -> torch.Tensor:
        """Each column sorted by (condition, value): the same positions of two batches with the same
        conditions hold the same order statistic of the same condition's rows."""
        keys = asked[:, None].to(values.dtype) * CONDITION_STRIDE + values.detach().clamp(-STANDARD_LIMIT, STANDARD_LIMIT)
        return values.gather(0, keys.argsort(dim=0))


def _sampled_center_and_spread(rows: torch.Tensor, groups: list[torch.Tensor],
                               probs: tuple[float, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Each column's mean and spread in the batches training-by-sampling draws (condition c with probability
    ``probs[c]``, then one of its rows), not in the table: a 3% category is asked for in about a third of
    the rows, and scaled by the table's spread its one-hot column would reach 5.7 and its second moment 33,
    a term that then drowns the conditions' cross-entropy."""
    weights = torch.tensor(probs, dtype=rows.dtype, device=rows.device)
    weights = weights / weights.sum()
    means = torch.stack([rows[group].mean(dim=0) for group in groups])
    squares = torch.stack([rows[group].square().mean(dim=0) for group in groups])
    center = weights @ means
    return center, _spread(center, weights @ squares)


def _spread(mean: torch.Tensor, mean_square: torch.Tensor) -> torch.Tensor:
    """Each column's standard deviation from its mean and mean square (0 where rounding makes the variance negative)."""
    return (mean_square - mean.square()).clamp_min(0).sqrt()


def generator_penalty(rows: torch.Tensor, conditions: Conditions | None, moment_weight: float,
                      marginal_weight: float = 0.0, value_columns: list[int] | None = None) -> Penalty | None:
    """What G pays beyond D's verdict on a table: the conditions' cross-entropy and the moment and marginal
    terms, each when on (``value_columns``: the number columns the marginal term sorts)."""
    on = moment_weight > 0 or marginal_weight > 0
    moments = MomentMatch.of(rows, conditions, moment_weight, marginal_weight, value_columns) if on else None
    if moments is None:
        return conditions.loss if conditions is not None else None
    if conditions is None:
        return moments.loss
    return lambda fake: conditions.loss(fake) + moments.loss(fake)
