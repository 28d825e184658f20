"""The generator for mixed tables (CTGAN's): residual layers, then one head per block of the row.

A transformed row (``data/tabular_transform.py``) is scalars in [−1, 1] and one-hot
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
    """Latent row → transformed table row, with a tanh or Gumbel-softmax head per block."""

    def __init__(self, latent_width: int, width: int, hidden: list[int], softmax_blocks: tuple[tuple[int, int], ...],
                 tau: float, conditions: int = 0) -> None:
        super().__init__()
        layers, features = [], latent_width
        for size in hidden:
            layers.append(Residual(features, size))
            features += size
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(features, width)
        self.spans = _spans(width, softmax_blocks)
        self.tau = tau
        self.conditions = conditions

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        raw = self.out(self.body(z))
        parts = []
        for start, end, is_softmax in self.spans:
            piece = raw[:, start:end]
            if not is_softmax:
                parts.append(torch.tanh(piece))
            else:
                parts.append(F.gumbel_softmax(piece, tau=self.tau) if self.training else piece)
        if self.conditions:
            parts.append(z[:, -self.conditions :])
        return torch.cat(parts, dim=1)


def _spans(width: int, softmax_blocks: tuple[tuple[int, int], ...]) -> list[tuple[int, int, bool]]:
    """The row cut into consecutive (start, end, is_softmax) spans; runs of scalars form one tanh span."""
    spans, position = [], 0
    for start, size in sorted(softmax_blocks):
        if start > position:
            spans.append((position, start, False))
        spans.append((start, start + size, True))
        position = start + size
    if position < width:
        spans.append((position, width, False))
    return spans


def gumbel_max(rows: torch.Tensor, softmax_blocks: tuple[tuple[int, int], ...], generator: torch.Generator) -> torch.Tensor:
    """Each one-hot group's logits replaced by the one-hot of ``argmax(logits + Gumbel noise)``: a softmax draw."""
    rows = rows.clone()
    for start, size in softmax_blocks:
        logits = rows[:, start : start + size]
        uniform = torch.rand(logits.shape, generator=generator).clamp_(1e-10, 1.0 - 1e-7)
        choice = (logits - torch.log(-torch.log(uniform))).argmax(dim=1)
        rows[:, start : start + size] = F.one_hot(choice, size).to(rows.dtype)
    return rows
