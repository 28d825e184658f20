"""DP-SGD for the discriminator: each real row's gradient clipped to C, their sum noised, generated rows apart.

D's loss splits into a term per real row and a term per generated row (every
objective in ``losses.py`` is ``mean_i a(D(xᵢ)) + mean_j b(D(G(zⱼ)))``). Only the
real rows need protecting, so:

* the real rows' term is differentiated one row at a time (``torch.func``: ``vmap`` of
  ``grad``, dropout drawn apart per row), *including* the gradient penalties that
  touch the row: WGAN-GP at ``x̂ᵢ = uᵢ·xᵢ + (1 − uᵢ)·G(zᵢ)`` and R1 at ``xᵢ``, each
  a function of row ``i`` alone (their input gradients are taken inside the per-row
  function, so the double backward is per row too). Each row's whole gradient is
  clipped to L2 norm ``C``, the clipped gradients are summed and Gaussian noise
  ``N(0, σ²C²)`` is added to every coordinate (Opacus's DPOptimizer does the same);
  the sum is divided by the expected batch size ``q·n``, as Opacus does under Poisson
  sampling;
* the generated rows' term is not noised and costs no ε: generated rows are a function
  of G's weights and fresh noise, and G only ever learns from D's private gradients, so
  this term is post-processing. Its rows' gradients are clipped to ``C`` like the real
  rows' (without noise) and averaged: not for privacy, but so that the two sides of
  D's loss keep their balance (with the real side clipped and the generated side
  whole, D would learn mostly to push generated rows down).

D must not mix rows (no BatchNorm, no PacGAN packs): the config refuses those.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, grad_and_value, vmap

from gankit.config import TrainConfig
from gankit.errors import UserError
from gankit.losses import DLoss

RowLoss = Callable[[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def check_private_net(net: nn.Module) -> None:
    """D must judge each row alone: no layer that mixes the rows of a batch."""
    if any(isinstance(module, nn.modules.batchnorm._BatchNorm) for module in net.modules()):
        raise UserError("privacy.epsilon needs a discriminator without BatchNorm: it mixes the rows of a batch, "
                        "so one row's gradient cannot be clipped alone")


def real_row_loss(net: nn.Module, d_loss: DLoss, train: TrainConfig) -> RowLoss:
    """The part of D's loss that one real row ``x`` touches: ``a(D(x))`` plus λ·GP at ``u·x + (1 − u)·partner``
    and γ·R1 at ``x``, as a function of D's parameters (for ``torch.func``)."""
    buffers = dict(net.named_buffers())

    def logit(params: dict[str, torch.Tensor], row: torch.Tensor) -> torch.Tensor:
        return functional_call(net, (params, buffers), (row.unsqueeze(0),)).reshape(())

    def loss(params: dict[str, torch.Tensor], row: torch.Tensor, partner: torch.Tensor, mix: torch.Tensor) -> torch.Tensor:
        real_logit = logit(params, row).reshape(1, 1)
        total = d_loss(real_logit, torch.zeros_like(real_logit).detach()) - d_loss(
            torch.zeros_like(real_logit), torch.zeros_like(real_logit))  # a(D(x)) − a(0): the same gradient
        if train.gp_weight:
            between = mix * row + (1.0 - mix) * partner
            slope = grad(logit, argnums=1)(params, between)
            total = total + train.gp_weight * (slope.norm() - 1.0) ** 2
        if train.r1_gamma:
            slope = grad(logit, argnums=1)(params, row)
            total = total + train.r1_gamma * 0.5 * (slope**2).sum()
        return total

    return loss


def fake_row_loss(net: nn.Module, d_loss: DLoss) -> RowLoss:
    """The part of D's loss that one generated row touches, ``b(D(G(z)))`` (the real logit held at 0), as a
    function of D's parameters with the same signature as :func:`real_row_loss`."""
    buffers = dict(net.named_buffers())

    def loss(params: dict[str, torch.Tensor], row: torch.Tensor, partner: torch.Tensor, mix: torch.Tensor) -> torch.Tensor:
        fake_logit = functional_call(net, (params, buffers), (row.unsqueeze(0),)).reshape(1, 1)
        return d_loss(torch.zeros_like(fake_logit), fake_logit)

    return loss


def per_row_gradients(net: nn.Module, row_loss: RowLoss, real: torch.Tensor, partners: torch.Tensor,
                      mixes: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Each real row's gradient of ``row_loss`` for every trainable parameter (shape ``(rows, *param)``, in
    ``named_parameters`` order) and the rows' losses."""
    named = [(name, param) for name, param in net.named_parameters() if param.requires_grad]
    params = {name: param.detach() for name, param in named}
    if not len(real):
        return [torch.zeros(0, *param.shape, dtype=param.dtype, device=param.device) for _, param in named], real.new_zeros(0)
    grads, losses = vmap(grad_and_value(row_loss), in_dims=(None, 0, 0, 0), randomness="different")(
        params, real, partners, mixes)
    return [grads[name] for name, _ in named], losses


def clipped_sum(grads: list[torch.Tensor], max_norm: float) -> list[torch.Tensor]:
    """``Σᵢ gᵢ · min(1, C/‖gᵢ‖)``: every row's gradient (over all parameters) scaled to norm at most ``C``."""
    if not grads or not len(grads[0]):
        return [g.sum(0) for g in grads]
    norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads], dim=1).norm(dim=1)
    factors = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    return [torch.einsum("i,i...->...", factors, g) for g in grads]


def noised(total: list[torch.Tensor], noise_multiplier: float, max_norm: float,
           generator: torch.Generator) -> list[torch.Tensor]:
    """The clipped sum plus ``N(0, (σ·C)²)`` on every coordinate."""
    std = noise_multiplier * max_norm
    return [t + std * torch.randn(t.shape, generator=generator, dtype=t.dtype, device=t.device) for t in total]


def private_d_gradients(net: nn.Module, real: torch.Tensor, fake: torch.Tensor, mixes: torch.Tensor,
                        d_loss: DLoss, train: TrainConfig, noise_multiplier: float, max_norm: float,
                        expected_rows: float, generator: torch.Generator) -> tuple[list[torch.Tensor], torch.Tensor]:
    """D's gradient for one step (noisy clipped real-row part / expected rows + generated part) and its loss.

    Real row ``i`` is paired with generated row ``i mod len(fake)`` for the gradient penalty.
    """
    partners = fake[torch.arange(len(real), device=fake.device) % len(fake)].detach()
    row_grads, row_losses = per_row_gradients(net, real_row_loss(net, d_loss, train), real, partners, mixes)
    private = noised(clipped_sum(row_grads, max_norm), noise_multiplier, max_norm, generator)
    fake = fake.detach()
    fake_grads, fake_losses = per_row_gradients(net, fake_row_loss(net, d_loss), fake, fake, mixes.new_zeros(len(fake), 1))
    public = clipped_sum(fake_grads, max_norm)  # no noise: generated rows cost no ε
    grads = [p / expected_rows + g / len(fake) for p, g in zip(private, public)]
    real_loss = row_losses.mean() if len(row_losses) else fake_losses.new_zeros(())
    return grads, (real_loss + fake_losses.mean()).detach()
