"""Where an epoch's training rows come from: one fixed tensor, or a function of the epoch (fresh rows)."""

from __future__ import annotations

from typing import Callable, Union

import torch

# Training rows: one fixed tensor, or a function of the epoch drawing that epoch's fresh rows.
RowSource = Union[torch.Tensor, Callable[[int], torch.Tensor]]


def rows_for_epoch(data: RowSource, epoch: int) -> torch.Tensor:
    """The rows to train on in ``epoch`` (0-based)."""
    return data(epoch) if callable(data) else data
