"""The generator for mixed tables (CTGAN's): residual layers, then one head per block of the row.

A transformed row (``data/table_transformer.py``) is scalars in [−1, 1] and one-hot
groups (a column's categories, a number's mixture mode, a missing flag). G's body
is CTGAN's: each residual layer ``h → [ReLU(BN(W·h)), h]`` grows the width; a
linear layer maps to the row's width; then scalars get ``tanh`` and each one-hot
group a Gumbel-softmax at temperature τ (nearly one-hot, yet differentiable), as
in CTGAN. In eval mode (sampling) the groups stay logits: :func:`gumbel_max` then
picks each category with the sampler's own seeded noise, which draws exactly from
the softmax (the Gumbel-max trick), so the same seed gives the same rows. With
CTGAN's conditional vector (``data/condition.py``) the last ``conditions`` latent
columns are the condition asked for, and G copies them after its row for D.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Residual(nn.Module):
    """``x → [ReLU(BatchNorm(Linear(x))), x]`` (CTGAN's residual block)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)
        self.bn = nn.BatchNorm1d(out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((F.relu(self.bn(self.fc(x))), x), dim=1)


class TabularGenerator(nn.Module):
    """Latent row → transformed table row, with a tanh or Gumbel-softmax head per block.

    All one-hot groups are handled in one batched softmax (each group a padded row
    of a ``groups × widest`` grid), not one call per group: a table has a dozen or
    more groups, and per-group calls cost more than G's layers on small batches.
    """

    def __init__(self, latent_width: int, width: int, hidden: list[int], softmax_blocks: tuple[tuple[int, int], ...],
                 tau: float, conditions: int = 0) -> None:
        super().__init__()
        layers, features = [], latent_width
        for size in hidden:
            layers.append(Residual(features, size))
            features += size
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(features, width)
        self.tau = tau
        self.conditions = conditions
        grid, valid, is_softmax = _block_grid(width, softmax_blocks)
        self.grid_shape = tuple(grid.shape)  # groups × widest
        self.register_buffer("valid", valid, persistent=False)  # which grid cells are real columns
        self.register_buffer("is_softmax", is_softmax, persistent=False)  # per column: in a one-hot group
        self.register_buffer("softmax_columns", grid[valid], persistent=False)  # the group columns, group by group
        self.group_widths = valid.sum(dim=1).tolist()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        raw = self.out(self.body(z)).float()  # the heads in float32 (autocast gives float32 softmaxes anyway)
        if not self.training:  # sampling: one-hot groups stay logits for gumbel_max
            rows = torch.where(self.is_softmax, raw, torch.tanh(raw))
        elif len(self.softmax_columns):
            logits = raw[:, self.softmax_columns] + self._gumbel_noise(len(raw), raw)
            grid = torch.full((len(raw), *self.grid_shape), float("-inf"), dtype=raw.dtype, device=raw.device)
            grid[:, self.valid] = logits / self.tau
            rows = torch.tanh(raw).index_copy(1, self.softmax_columns, grid.softmax(dim=-1)[:, self.valid])
        else:
            rows = torch.tanh(raw)
        if self.conditions:
            rows = torch.cat((rows, z[:, -self.conditions :]), dim=1)
        return rows

    def _gumbel_noise(self, n: int, like: torch.Tensor) -> torch.Tensor:
        """Gumbel noise for the group columns, drawn group after group as one ``F.gumbel_softmax`` call per
        group draws it (one ``n × width`` draw each), so a seed gives the same G as per-group calls."""
        draws = [torch.empty(n, width, dtype=like.dtype, device=like.device).exponential_() for width in self.group_widths]
        return -torch.cat(draws, dim=1).log()


def _block_grid(width: int, softmax_blocks: tuple[tuple[int, int], ...]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The one-hot groups as a padded ``groups × widest`` grid of column numbers, its validity mask, and
    a per-column flag of membership in a group."""
    widest = max((size for _, size in softmax_blocks), default=0)
    grid = torch.zeros(len(softmax_blocks), widest, dtype=torch.long)
    valid = torch.zeros(len(softmax_blocks), widest, dtype=torch.bool)
    is_softmax = torch.zeros(width, dtype=torch.bool)
    for group, (start, size) in enumerate(sorted(softmax_blocks)):
        grid[group, :size] = torch.arange(start, start + size)
        valid[group, :size] = True
        is_softmax[start : start + size] = True
    return grid, valid, is_softmax


def gumbel_max(rows: torch.Tensor, softmax_blocks: tuple[tuple[int, int], ...], generator: torch.Generator) -> torch.Tensor:
    """Each one-hot group's logits replaced by the one-hot of ``argmax(logits + Gumbel noise)``: a softmax draw."""
    rows = rows.clone()
    for start, size in softmax_blocks:
        logits = rows[:, start : start + size]
        uniform = torch.rand(logits.shape, generator=generator).clamp_(1e-10, 1.0 - 1e-7)
        choice = (logits - torch.log(-torch.log(uniform))).argmax(dim=1)
        rows[:, start : start + size] = F.one_hot(choice, size).to(rows.dtype)
    return rows
