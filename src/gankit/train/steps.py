"""One discriminator step and one generator step: the chapter's ``update_D`` and ``update_G``.

The same two functions train a single run, every rank of a DDP run and a
stacked sweep group (``train/vectorized.py``). They only use the attributes
listed in :class:`Adversaries`: for a single run G and D are ``nn.Module`` s with
tensors of shape ``(batch, features)``; for a group they are stacked nets taking
``(members, batch, features)`` and the losses are one value per member.
"""

from __future__ import annotations

from typing import Callable, Protocol

import torch

from gankit.config import TrainConfig
from gankit.losses import DLoss, GLoss, gradient_penalty, r1_penalty
from gankit.train.optim import LeanAdam, TorchOptimizer
from gankit.train.precision import LossScale, autocast

Net = Callable[[torch.Tensor], torch.Tensor]


class Adversaries(Protocol):
    """What a training step needs: the two nets, their optimizers and a few settings."""

    generator: Net
    discriminator: Net
    ddp_generator: Net | None  # DistributedDataParallel wrappers: they average gradients over ranks
    ddp_discriminator: Net | None
    opt_g: LeanAdam | TorchOptimizer
    opt_d: LeanAdam | TorchOptimizer
    pack: int
    precision: str
    loss_scales: tuple[LossScale, LossScale]  # (D, G)
    d_batch_statistics: bool
    g_penalty: Callable[[torch.Tensor], torch.Tensor] | None
    step: int

    def gp_mix(self, rows: tuple[int, ...], device: torch.device) -> torch.Tensor: ...


Penalty = Callable[[Adversaries, torch.Tensor, torch.Tensor], torch.Tensor]


def pack(rows: torch.Tensor, size: int) -> torch.Tensor:
    """PacGAN packing: ``(..., n, d)`` → ``(..., n // size, size·d)``, whole packs only."""
    if size == 1:
        return rows
    whole = rows.shape[-2] // size * size
    return rows[..., :whole, :].reshape(*rows.shape[:-2], whole // size, size * rows.shape[-1])


def d_step(state: Adversaries, real: torch.Tensor, fake: torch.Tensor, d_loss: DLoss,
           penalty: Penalty | None = None) -> torch.Tensor:
    """update_D: real rows labelled 1, generated rows (detached from G) labelled 0, plus any penalty."""
    real, fake = pack(real, state.pack), pack(fake.detach(), state.pack)
    D = state.ddp_discriminator if state.ddp_discriminator is not None else state.discriminator
    with autocast(state.precision, real.device):
        if state.d_batch_statistics:  # BatchNorm: real and generated batches normalized apart, as d2l does
            real_logits, fake_logits = D(real), D(fake)
        else:  # D(real) and D(fake) in one call: D has no batch statistics, so each row's logit is the same
            logits, rows = D(torch.cat((real, fake), dim=-2)), real.shape[-2]
            real_logits, fake_logits = logits[..., :rows, :], logits[..., rows:, :]
        loss = d_loss(real_logits.float(), fake_logits.float())
        total = loss if penalty is None else loss + penalty(state, real, fake)
    apply_gradients(state.opt_d, total, state.ddp_discriminator is not None, state.loss_scales[0])
    return loss.detach()


def g_step(state: Adversaries, z: torch.Tensor, g_loss: GLoss, blur: torch.Tensor | None = None,
           fake: torch.Tensor | None = None) -> torch.Tensor:
    """update_G: G's rows (plus instance noise ``blur``) judged by the just-updated D, labelled 1.

    ``fake`` is ``G(z)`` when the D step already computed it, with its graph; G then runs only once.
    """
    G = state.ddp_generator if state.ddp_generator is not None else state.generator
    with autocast(state.precision, z.device):
        if fake is None:
            fake = G(z)
        if blur is not None:
            fake = fake + blur
        loss = g_loss(state.discriminator(pack(fake, state.pack)).float())  # D's own module: no gradient sync for D
        if state.g_penalty is not None:
            loss = loss + state.g_penalty(fake.float())
    apply_gradients(state.opt_g, loss, state.ddp_generator is not None, state.loss_scales[1])
    return loss.detach()


def apply_gradients(optimizer: LeanAdam | TorchOptimizer, loss: torch.Tensor, distributed: bool = False,
                    loss_scale: LossScale | None = None) -> None:
    """Gradients of ``loss`` (summed over stacked members) for the optimizer's own parameters, then one step.

    Distributed, the gradients go through ``backward`` (DistributedDataParallel averages
    them across ranks as they accumulate) and are cleared after the step. With an fp16
    ``loss_scale`` a step whose gradients overflow is skipped.
    """
    if loss.dim():
        loss = loss.sum()  # one value per member of a stack; members share no parameters
    if not distributed:
        grads = (loss_scale or LossScale()).gradients(loss, optimizer.params)
        if grads is not None:
            optimizer.step(grads)
        return
    torch.autograd.backward(loss, inputs=optimizer.params)
    optimizer.step([param.grad for param in optimizer.params])
    for param in optimizer.params:
        param.grad = None


def penalty_mix(seed: int, rows: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """WGAN-GP's interpolation weights ``U(0, 1)``, one per row (shape ``(*rows, 1)``), from ``seed``."""
    rng = torch.Generator(device=device).manual_seed(seed)
    return torch.rand(*rows, 1, generator=rng, device=device)


def make_penalty(train: TrainConfig) -> Penalty | None:
    """The configured D penalties (WGAN-GP's λ·GP and R1's γ·R1) as one function, or None."""
    if not train.gp_weight and not train.r1_gamma:
        return None

    def penalty(state: Adversaries, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        total = torch.zeros((), device=real.device)
        if train.gp_weight:
            mix = state.gp_mix(real.shape[:-1], real.device)
            total = total + train.gp_weight * gradient_penalty(state.discriminator, real, fake, mix)
        if train.r1_gamma:
            total = total + train.r1_gamma * r1_penalty(state.discriminator, real)
        return total

    return penalty


def ema_rate(decay: float, step: int) -> float:
    """The EMA decay at update ``step`` (0-based), ramped up as ``min(decay, (1+t)/(10+t))``.

    The ramp keeps the average from remembering the random initial generator,
    which a constant decay of 0.999 would weigh for thousands of steps.
    """
    return min(decay, (1.0 + step) / (10.0 + step))


def update_ema(ema: torch.Tensor | None, weights: torch.Tensor, decays: list[float], step: int) -> None:
    """``ema ← r·ema + (1−r)·θ`` row by row, ``r = ema_rate(decay, step)`` of each member's decay.

    ``ema`` and ``weights`` are ``(M, P)`` parameter buffers (a single run's is ``M = 1``).
    """
    if ema is None:
        return
    rates = torch.tensor([[1.0 - ema_rate(decay, step)] for decay in decays], dtype=ema.dtype, device=ema.device)
    with torch.no_grad():
        ema.lerp_(weights, rates)
