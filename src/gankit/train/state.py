"""TrainState: everything that changes while a GAN trains, built from a config."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from gankit.config import GanConfig
from gankit.data.layout import Layout
from gankit.nets import Latent, build_discriminator, build_generator, latent_of
from gankit.train.distributed import SINGLE, Ranks, wrap
from gankit.train.precision import LossScale
from gankit.train.optim import LeanAdam, TorchOptimizer, make_optimizer


@dataclass
class TrainState:
    """G, D, the optional EMA copy of G, both optimizers, counters and random streams."""

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module | None
    opt_g: LeanAdam | TorchOptimizer
    opt_d: LeanAdam | TorchOptimizer
    noise_rng: torch.Generator
    order_rng: torch.Generator
    latent: Latent  # the law of G's input rows
    pack: int = 1  # PacGAN: D sees this many samples concatenated
    penalty_seed: int = 0  # the gradient penalty's interpolation weights are drawn from (penalty_seed, step)
    step: int = 0
    epoch: int = 0
    # Position inside the current epoch, so a checkpoint taken mid-epoch resumes exactly:
    batch_in_epoch: int = 0
    epoch_rng: tuple[torch.Tensor, torch.Tensor] | None = None  # (noise, order) generator states at epoch start
    partial_losses: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)  # this epoch's so far
    # Data-parallel training (train/distributed.py): this process's place and the DDP wrappers of G and D.
    d_batch_statistics: bool = False  # D has BatchNorm: real and generated rows go through it separately
    precision: str = "fp32"
    loss_scales: tuple[LossScale, LossScale] = field(default_factory=lambda: (LossScale(), LossScale()))  # (D, G)
    ranks: Ranks = SINGLE
    ddp_generator: nn.Module | None = None
    ddp_discriminator: nn.Module | None = None
    # A term of G's own output added to its loss (a table's condition cross-entropy, data/condition.py).
    g_penalty: Callable[[torch.Tensor], torch.Tensor] | None = None

    def distribute(self, ranks: Ranks, sync_batch_norm: bool) -> None:
        """Train as one rank of a torchrun job: G and D wrapped in DistributedDataParallel."""
        if ranks.world == 1 or self.ranks.world > 1:
            return
        self.ranks = ranks
        self.ddp_generator = wrap(self.generator, sync_batch_norm)
        self.ddp_discriminator = wrap(self.discriminator, sync_batch_norm)

    @classmethod
    def create(cls, config: GanConfig, layout: Layout | int, device: torch.device) -> "TrainState":
        """Fresh nets and optimizers for rows of ``layout`` (or a width), every random stream from ``config.seed``."""
        layout = Layout(layout) if isinstance(layout, int) else layout
        init_seed, noise_seed, order_seed, penalty_seed, layer_seed = seeds_for(config.seed, 5)
        torch.manual_seed(layer_seed)  # dropout and Gumbel-softmax draw from the global stream (saved in checkpoints)
        init_rng = torch.Generator().manual_seed(init_seed)
        generator = build_generator(config.model, layout, init_rng).to(device)
        discriminator = build_discriminator(config.model, layout, init_rng).to(device)
        if config.train.channels_last and layout.image is not None:
            for net in (generator, discriminator):
                net.to(memory_format=torch.channels_last)
                net.channels_last = True
        ema = copy.deepcopy(generator).requires_grad_(False) if config.train.ema_decay > 0 else None
        return cls(
            generator=generator,
            discriminator=discriminator,
            generator_ema=ema,
            opt_g=make_optimizer(generator, config.train.g_optimizer),
            opt_d=make_optimizer(discriminator, config.train.d_optimizer),
            noise_rng=torch.Generator(device=device).manual_seed(noise_seed),  # noise is drawn where it is used
            order_rng=torch.Generator().manual_seed(order_seed),
            latent=latent_of(config.model, layout),
            pack=config.model.pack,
            penalty_seed=penalty_seed,
            d_batch_statistics=any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules()),
            precision=config.train.precision,
            loss_scales=(LossScale(config.train.precision == "fp16"), LossScale(config.train.precision == "fp16")),
        )

    @property
    def sampler(self) -> nn.Module:
        """The generator used for samples: the EMA copy when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator


def seeds_for(seed: int, count: int) -> list[int]:
    """``count`` independent 63-bit seeds derived from one seed (NumPy's SeedSequence)."""
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(seed).spawn(count)]

