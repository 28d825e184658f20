"""GAN objectives as pure functions of discriminator logits.

With ``σ`` the sigmoid, ``BCE(l, 1) = softplus(-l) = -log σ(l)`` and
``BCE(l, 0) = softplus(l) = -log(1 - σ(l))``; writing the losses with softplus
is the chapter's Sigmoid + BCELoss, computed without overflow.

Logits are shaped ``(..., batch, 1)``. Every loss averages over the last two
dimensions and keeps the leading ones: one network's logits ``(batch, 1)`` give
a scalar, a stack of M networks' logits ``(M, batch, 1)`` gives M losses.
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

DLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
GLoss = Callable[[torch.Tensor], torch.Tensor]


def _mean(values: torch.Tensor) -> torch.Tensor:
    """The mean over the last two dimensions (for one network's ``(batch, 1)``: the plain, faster mean)."""
    return values.mean() if values.dim() == 2 else values.mean(dim=(-2, -1))


PAD_ROWS = 64  # a multiple of two AVX-512 vectors of float32, the block PyTorch's elementwise CPU loops step by

Weight = float | torch.Tensor


def softplus_means(terms: Sequence[tuple[torch.Tensor, Weight]]) -> torch.Tensor:
    """``Σ wᵢ · mean(softplus(xᵢ))`` (means over the last two dimensions) in one padded softplus call.

    Elementwise CPU kernels walk a contiguous tensor in blocks of vectors from its
    start, and their vector and scalar code can round transcendental functions
    (softplus) differently. So every term is concatenated into one column padded
    with zeros to a multiple of :data:`PAD_ROWS` rows, which puts every element in
    the vector code, alone (``(batch, 1)``) and in a stack (``(M, batch, 1)``)
    alike: a stacked sweep member's losses are bit-identical to its single run's.
    The means are one weighted sum (weights ``wᵢ / rowsᵢ``, 0 on the padding), which
    costs far less than slicing the padding off again. A weight may be a float or a
    tensor of one value per stacked network (shape ``(M,)``).
    """
    columns = [logits for logits, _ in terms]
    rows = sum(column.shape[-2] for column in columns)
    first = columns[0]
    padding = _zeros((*first.shape[:-2], (-rows) % PAD_ROWS, 1), first.dtype, first.device)
    values = F.softplus(torch.cat((*columns, padding), dim=-2))
    return (values * _mean_weights(terms, padding.shape[-2], values)).sum(dim=(-2, -1))


@functools.lru_cache(maxsize=64)
def _zeros(shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A cached tensor of zeros (read only: it is only ever concatenated)."""
    return torch.zeros(shape, dtype=dtype, device=device)


def _mean_weights(terms: Sequence[tuple[torch.Tensor, Weight]], padding: int, like: torch.Tensor) -> torch.Tensor:
    """The column of weights ``wᵢ / rowsᵢ`` beside each term's rows and 0 beside the padding."""
    sizes = tuple(logits.shape[-2] for logits, _ in terms)
    weights = [weight for _, weight in terms]
    if all(isinstance(weight, float) for weight in weights):
        return _constant_weights(tuple(zip(sizes, weights)), padding, like.dtype, like.device)
    per_term = [torch.as_tensor(w, dtype=like.dtype, device=like.device).reshape(-1, 1, 1) for w in weights]
    members = max(w.shape[0] for w in per_term)
    blocks = [(w / size).expand(members, size, 1) for w, size in zip(per_term, sizes)]
    column = torch.cat((*blocks, like.new_zeros(members, padding, 1)), dim=-2)
    return column if like.dim() == 3 else column[0]


@functools.lru_cache(maxsize=64)
def _constant_weights(terms: tuple[tuple[int, float], ...], padding: int, dtype: torch.dtype,
                      device: torch.device) -> torch.Tensor:
    # divided in ``dtype``, as the per-member weights are, so both give the same bits
    blocks = [torch.full((size, 1), weight, dtype=dtype, device=device) / size for size, weight in terms]
    return torch.cat((*blocks, torch.zeros(padding, 1, dtype=dtype, device=device)))


def bce_real(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 1 (real): mean softplus(−l)."""
    return softplus_means([(-logits, 1.0)])


def bce_fake(logits: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits labelled 0 (fake): mean softplus(l)."""
    return softplus_means([(logits, 1.0)])


def d_loss_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The chapter's discriminator loss: the mean of the real and the fake BCE terms."""
    return softplus_means([(-real_logits, 0.5), (fake_logits, 0.5)])


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
        # the smoothing term apart: with ``smoothing`` 0 it adds exactly 0, so a stacked member without
        # smoothing computes its loss exactly as its single run's d_loss_bce does
        plain = softplus_means([(-real_logits, 0.5 * (1.0 - weight)), (fake_logits, 0.5)])
        return plain + softplus_means([(real_logits, 0.5 * weight)])

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
