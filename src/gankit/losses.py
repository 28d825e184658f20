"""GAN objectives as pure functions of discriminator logits.

With ``σ`` the sigmoid, ``BCE(l, 1) = softplus(-l) = -log σ(l)`` and
``BCE(l, 0) = softplus(l) = -log(1 - σ(l))``; writing the losses with softplus
is the chapter's Sigmoid + BCELoss, computed without overflow.

Logits are shaped ``(..., batch, 1)``. Every loss averages over the last two
dimensions and keeps the leading ones: one network's logits ``(batch, 1)`` give
a scalar, a stack of M networks' logits ``(M, batch, 1)`` gives M losses.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

DLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
GLoss = Callable[[torch.Tensor], torch.Tensor]


def bce_real(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 1 (real): mean softplus(−l)."""
    return F.softplus(-logits).mean(dim=(-2, -1))


def bce_fake(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 0 (fake): mean softplus(l)."""
    return F.softplus(logits).mean(dim=(-2, -1))


def d_loss_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The chapter's discriminator loss: the mean of the real and the fake BCE terms."""
    return 0.5 * (bce_real(real_logits) + bce_fake(fake_logits))


def g_loss_non_saturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """``-log D(G(z))``: fakes labelled real. Strong gradients early on (the chapter's choice)."""
    return bce_real(fake_logits)


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """``log(1 - D(G(z)))``, the saturating loss of the original minimax game."""
    return -bce_fake(fake_logits)


OBJECTIVES: dict[str, tuple[DLoss, GLoss]] = {
    "non-saturating": (d_loss_bce, g_loss_non_saturating),
    "minimax": (d_loss_bce, g_loss_minimax),
}


def objective(name: str) -> tuple[DLoss, GLoss]:
    """The (d_loss, g_loss) pair of a named objective."""
    return OBJECTIVES[name]
