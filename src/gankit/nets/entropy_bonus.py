"""An entropy bonus on G's output-noise scale, applied as its gradient (PresGAN, Dieng et al. 2019).

A generator with output noise, ``x = net(z') + s·ε`` (``nets/mlp.py``), can spread each point by
``s`` or by warping the latent: for a smooth law the two are nearly interchangeable, so the game
leaves ``s`` where it starts, and a small starting ``s`` leaves the samples a sum of tight lumps that
a nearest-neighbour test tells from the data. PresGAN adds the entropy of the noise to G's
objective; for a Gaussian of scale ``s`` that is ``Σ_j log s_j`` plus a constant, so G's loss gains
``−λ · Σ_j log s_j`` and ``s`` a push of ``λ / s`` up. Where the data's own spread is known (the
Gaussian modes of ring and grid), D pushes back as soon as ``s`` passes it, so a small λ costs a
small widening (measured: λ 0.003 left s at 0.92–1.07 σ on the ring and grid, λ 0.01 at 1.25 σ on the
grid; ``bench/results/toy.md``, 2026-12-03).

The term is added in the backward pass instead of to the loss: the scale lives inside the net,
which is used the same way alone and stacked (``forward_stacked``), where a loss term would need
each caller to find it. Each backward pass through a forward call adds the term once, as one
loss term per G step would.
"""

from __future__ import annotations

from typing import Any

import torch


class EntropyBonus(torch.autograd.Function):
    """Identity on the scale ``s`` forward; backward adds ``−λ / s``, the gradient of ``−λ · Σ log s``."""

    @staticmethod
    def forward(ctx: Any, scale: torch.Tensor, weight: float) -> torch.Tensor:
        ctx.save_for_backward(scale)
        ctx.weight = weight
        return scale.view_as(scale)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (scale,) = ctx.saved_tensors
        return grad - ctx.weight / scale, None


def with_entropy_bonus(scale: torch.Tensor, weight: float) -> torch.Tensor:
    """``scale`` itself, whose gradient gains ``−weight / scale`` when ``weight`` > 0 and autograd is on."""
    if weight <= 0 or not torch.is_grad_enabled():
        return scale
    return EntropyBonus.apply(scale, weight)
