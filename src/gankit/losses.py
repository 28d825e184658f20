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


def _mean(values: torch.Tensor) -> torch.Tensor:
    """The mean over the last two dimensions (for one network's ``(batch, 1)``: the plain, faster mean)."""
    return values.mean() if values.dim() == 2 else values.mean(dim=(-2, -1))


PAD_ROWS = 64  # two AVX-512 vectors of float32, the block PyTorch's elementwise CPU loops step by


def _blockwise(function: Callable[[torch.Tensor], torch.Tensor], logits: torch.Tensor) -> torch.Tensor:
    """``function(logits)`` computed on the batch padded to a multiple of :data:`PAD_ROWS` rows, then unpadded.

    Elementwise CPU kernels walk a contiguous tensor in blocks of vectors from its
    start, and their vector and scalar code can round transcendental functions
    (softplus) differently. Padding makes every network's batch start and end on a
    block boundary, alone (``(batch, 1)``) and in a stack (``(M, batch, 1)``) alike,
    so a stacked sweep member's losses are bit-identical to its single run's.
    """
    rows = logits.shape[-2]
    return function(F.pad(logits, (0, 0, 0, (-rows) % PAD_ROWS)))[..., :rows, :]


def bce_real(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 1 (real): mean softplus(−l)."""
    return _mean(_blockwise(lambda x: F.softplus(-x), logits))


def bce_fake(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 0 (fake): mean softplus(l)."""
    return _mean(_blockwise(F.softplus, logits))


def d_loss_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The chapter's discriminator loss: the mean of the real and the fake BCE terms."""
    return 0.5 * (bce_real(real_logits) + bce_fake(fake_logits))


def g_loss_non_saturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """``-log D(G(z))``: fakes labelled real. Strong gradients early on (the chapter's choice)."""
    return bce_real(fake_logits)


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """``log(1 - D(G(z)))``, the saturating loss of the original minimax game."""
    return -bce_fake(fake_logits)


def d_loss_wasserstein(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The critic's loss ``E[D(G(z))] − E[D(x)]`` (WGAN; add the gradient penalty for WGAN-GP)."""
    return _mean(fake_logits) - _mean(real_logits)


def g_loss_wasserstein(fake_logits: torch.Tensor) -> torch.Tensor:
    """``−E[D(G(z))]``."""
    return -_mean(fake_logits)


def d_loss_least_squares(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN: ``½E[(D(x) − 1)²] + ½E[D(G(z))²]``."""
    return 0.5 * (_mean((real_logits - 1.0) ** 2) + _mean(fake_logits**2))


def g_loss_least_squares(fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN: ``½E[(D(G(z)) − 1)²]``."""
    return 0.5 * _mean((fake_logits - 1.0) ** 2)


def d_loss_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge: ``E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]``."""
    return _mean(F.relu(1.0 - real_logits)) + _mean(F.relu(1.0 + fake_logits))


def d_loss_bce_smoothed(smoothing: float | torch.Tensor) -> DLoss:
    """One-sided label smoothing: real rows labelled ``1 − smoothing`` instead of 1 (fakes stay 0).

    ``smoothing`` may be a tensor of one value per stacked network (shape ``(M,)``).
    """

    # float32 for one network and for a stack alike, so a stacked member computes exactly as its single run
    smoothing = torch.as_tensor(smoothing, dtype=torch.float32)

    def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        weight = smoothing.to(real_logits.device)
        real = (1.0 - weight) * bce_real(real_logits) + weight * bce_fake(real_logits)
        return 0.5 * (real + bce_fake(fake_logits))

    return d_loss


OBJECTIVES: dict[str, tuple[DLoss, GLoss]] = {
    "non-saturating": (d_loss_bce, g_loss_non_saturating),
    "minimax": (d_loss_bce, g_loss_minimax),
    "wgan": (d_loss_wasserstein, g_loss_wasserstein),
    "lsgan": (d_loss_least_squares, g_loss_least_squares),
    "hinge": (d_loss_hinge, g_loss_wasserstein),
}


def objective(name: str, label_smoothing: float | torch.Tensor = 0.0) -> tuple[DLoss, GLoss]:
    """The (d_loss, g_loss) pair of a named objective; label smoothing applies to the BCE objectives.

    ``label_smoothing`` may hold one value per stacked network (shape ``(M,)``).
    """
    d_loss, g_loss = OBJECTIVES[name]
    smoothing = torch.as_tensor(label_smoothing, dtype=torch.float32)
    if bool(smoothing.any()) and d_loss is d_loss_bce:
        d_loss = d_loss_bce_smoothed(smoothing)
    return d_loss, g_loss


# ----------------------------------------------------------------------------- penalties


def _input_gradient_norms(discriminator: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor) -> torch.Tensor:
    """‖∇ₓD(x)‖₂ for every row, kept in the graph so the penalty can be differentiated."""
    points = points.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)
    return gradient.flatten(start_dim=-1).norm(dim=-1)


def gradient_penalty(
    discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor, mix: torch.Tensor
) -> torch.Tensor:
    """WGAN-GP: ``E[(‖∇D(x̂)‖₂ − 1)²]`` at ``x̂ = mix·x + (1 − mix)·G(z)``, ``mix ~ U(0, 1)`` per row (shape ``(..., batch, 1)``)."""
    between = mix * real + (1.0 - mix) * fake.detach()
    return ((_input_gradient_norms(discriminator, between) - 1.0) ** 2).mean(dim=-1)


def r1_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): ``½E[‖∇D(x)‖²]`` on real rows; scale by γ outside."""
    return 0.5 * (_input_gradient_norms(discriminator, real) ** 2).mean(dim=-1)
