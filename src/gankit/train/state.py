"""TrainState: everything that changes while a GAN trains, built from a config."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from gankit.config import GanConfig, TrainConfig
from gankit.data.layout import Layout
from gankit.nets import Latent, build_discriminator, build_generator, latent_of
from gankit.nets.build import convolutional
from gankit.train.distributed import SINGLE, Ranks, wrap
from gankit.train.instance_noise import batch_noise
from gankit.train.optim import LeanAdam, TorchOptimizer, make_optimizer, optimizer_from_tree, optimizer_tree
from gankit.train.param_buffer import ParameterBuffer
from gankit.train.precision import LossScale
from gankit.train.privacy_ledger import PrivacyLedger
from gankit.train.rng import seed_global_rng
from gankit.train.row_source import RowSource, rows_for_epoch
from gankit.train.steps import penalty_mix, update_ema


@dataclass
class TrainState:
    """G, D, the optional EMA copy of G, both optimizers, counters and random streams.

    G's, D's and the EMA's trainable parameters live in flat buffers
    (``train/param_buffer.py``), so that a stacked sweep member steps exactly as
    its single run. :meth:`state_dict` / :meth:`load_state_dict` turn the whole
    state into tensors and a JSON document and back: checkpoints, ``GAN.save`` /
    ``GAN.load`` and the sweep's write-back all go through them.
    """

    generator: nn.Module
    discriminator: nn.Module
    generator_ema: nn.Module | None
    g_buffer: ParameterBuffer
    d_buffer: ParameterBuffer
    ema_buffer: ParameterBuffer | None
    opt_g: LeanAdam | TorchOptimizer
    opt_d: LeanAdam | TorchOptimizer
    noise_rng: torch.Generator
    order_rng: torch.Generator
    latent: Latent  # the law of G's input rows
    batch_size: int  # the batch size in effect (a table smaller than train.batch_size trains in halves)
    ema_decay: float = 0.0
    pack: int = 1  # PacGAN: D sees this many samples concatenated
    penalty_seed: int = 0  # the gradient penalty's interpolation weights are drawn from (penalty_seed, step)
    step: int = 0
    epoch: int = 0
    # Position inside the current epoch, so a checkpoint taken mid-epoch resumes exactly:
    batch_in_epoch: int = 0
    epoch_rng: tuple[torch.Tensor, torch.Tensor] | None = None  # (noise, order) generator states at epoch start
    partial_losses: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)  # this epoch's so far
    d_batch_statistics: bool = False  # D has BatchNorm: real and generated rows go through it separately
    precision: str = "fp32"
    loss_scales: tuple[LossScale, LossScale] = field(default_factory=lambda: (LossScale(), LossScale()))  # (D, G)
    # Data-parallel training (train/distributed.py): this process's place and the DDP wrappers of G and D.
    ranks: Ranks = SINGLE
    ddp_generator: nn.Module | None = None
    ddp_discriminator: nn.Module | None = None
    # A term of G's own output added to its loss (a table's condition cross-entropy, data/condition.py).
    g_penalty: Callable[[torch.Tensor], torch.Tensor] | None = None
    # Differentially private training (train/private_epoch.py): the budget's ledger, and the seed of each D step's
    # draws (Poisson coins, noise), or None for ordinary training.
    privacy: PrivacyLedger | None = None
    privacy_seed: int = 0

    def distribute(self, ranks: Ranks, sync_batch_norm: bool) -> None:
        """Train as one rank of a torchrun job: G and D wrapped in DistributedDataParallel."""
        if ranks.world == 1 or self.ranks.world > 1:
            return
        self.ranks = ranks
        self.ddp_generator = wrap(self.generator, sync_batch_norm)
        self.ddp_discriminator = wrap(self.discriminator, sync_batch_norm)

    @classmethod
    def create(cls, config: GanConfig, layout: Layout | int, device: torch.device, batch_size: int | None = None) -> "TrainState":
        """Fresh nets and optimizers for rows of ``layout`` (or a width), every random stream from ``config.seed``."""
        layout = Layout(layout) if isinstance(layout, int) else layout
        init_seed, noise_seed, order_seed, penalty_seed, layer_seed, privacy_seed = seeds_for(config.seed, 6)
        seed_global_rng(layer_seed)  # dropout and Gumbel-softmax draw from the global streams (saved in checkpoints)
        init_rng = torch.Generator().manual_seed(init_seed)
        generator = build_generator(config.model, layout, init_rng).to(device)
        discriminator = build_discriminator(config.model, layout, init_rng).to(device)
        if config.train.channels_last and convolutional(layout):
            for net in (generator, discriminator):
                net.to(memory_format=torch.channels_last)
                net.channels_last = True
        g_buffer, d_buffer = ParameterBuffer(generator), ParameterBuffer(discriminator)
        ema = copy.deepcopy(generator).requires_grad_(True) if config.train.ema_decay > 0 else None
        ema_buffer = ParameterBuffer(ema) if ema is not None else None
        if ema is not None:
            ema.requires_grad_(False)
        return cls(
            generator=generator,
            discriminator=discriminator,
            generator_ema=ema,
            g_buffer=g_buffer,
            d_buffer=d_buffer,
            ema_buffer=ema_buffer,
            opt_g=make_optimizer(g_buffer, generator, config.train.g_optimizer),
            opt_d=make_optimizer(d_buffer, discriminator, config.train.d_optimizer),
            noise_rng=torch.Generator(device=device).manual_seed(noise_seed),  # noise is drawn where it is used
            order_rng=torch.Generator().manual_seed(order_seed),
            latent=latent_of(config.model, layout),
            batch_size=batch_size or config.train.batch_size,
            ema_decay=config.train.ema_decay,
            pack=config.model.pack,
            penalty_seed=penalty_seed,
            privacy_seed=privacy_seed,
            d_batch_statistics=any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules()),
            precision=config.train.precision,
            loss_scales=(LossScale(config.train.precision == "fp16"), LossScale(config.train.precision == "fp16")),
        )

    @property
    def sampler(self) -> nn.Module:
        """The generator used for samples: the EMA copy when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    # ------------------------------------------------------------------ what the training loop draws

    def begin_epoch(self) -> None:
        """Remember the random streams at the epoch's start, or rewind to them when resuming mid-epoch."""
        if self.batch_in_epoch == 0:
            self.epoch_rng = (self.noise_rng.get_state(), self.order_rng.get_state())
            self.partial_losses = []
        else:
            assert self.epoch_rng is not None, "a mid-epoch state must carry its epoch's random streams"
            self.noise_rng.set_state(self.epoch_rng[0])
            self.order_rng.set_state(self.epoch_rng[1])

    def draw_epoch(self, data: RowSource, train: TrainConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """This epoch's rows (shuffled if asked), D-step noise and G-step noise (the same with ``same_z``)."""
        rows = rows_for_epoch(data, self.epoch)
        if train.shuffle:
            rows = rows[torch.randperm(len(rows), generator=self.order_rng).to(rows.device)]
        noise = self.latent.sample(len(rows), self.noise_rng, rows.device)
        g_noise = noise if train.same_z else self.latent.sample(len(rows), self.noise_rng, rows.device)
        return rows, noise, g_noise

    def draw_blur(self, train: TrainConfig, shape: torch.Size, batch_number: int,
                  n_batches: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Instance noise for one batch's (real, fake) rows, or None when there is none."""
        blur = batch_noise(train, (2, *shape), self.penalty_seed, batch_number, n_batches, self.noise_rng.device)
        return None if blur is None else (blur[0], blur[1])

    def gp_mix(self, rows: tuple[int, ...], device: torch.device) -> torch.Tensor:
        """WGAN-GP's interpolation weights for this step."""
        return penalty_mix(self.penalty_seed + self.step, rows, device)

    def update_ema(self) -> None:
        """Move the EMA copy of G one step towards G (BatchNorm statistics are copied, not averaged)."""
        if self.generator_ema is None:
            return
        update_ema(self.ema_buffer.flat, self.g_buffer.flat, [self.ema_decay], self.step)
        with torch.no_grad():
            for ema_buffer, buffer in zip(self.generator_ema.buffers(), self.generator.buffers()):
                ema_buffer.copy_(buffer)

    # ------------------------------------------------------------------ saving and loading

    def state_dict(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Everything that changes in training as (tensors, JSON-able info): weights, optimizers, RNGs, counters."""
        tensors: dict[str, torch.Tensor] = {}
        for name, module in self.modules().items():
            tensors.update({f"{name}.{key}": value for key, value in _plain(module).state_dict().items()})
        optimizers = {name: optimizer_tree(f"optimizer.{name}", optimizer.state_dict(), tensors)
                      for name, optimizer in (("g", self.opt_g), ("d", self.opt_d))}
        tensors["rng.noise"], tensors["rng.order"] = self.noise_rng.get_state(), self.order_rng.get_state()
        if self.epoch_rng is not None:
            tensors["epoch_rng.noise"], tensors["epoch_rng.order"] = self.epoch_rng
        if self.partial_losses and self.batch_in_epoch:  # at an epoch's end they are in the history already
            tensors["partial_losses"] = torch.stack([torch.stack(pair) for pair in self.partial_losses])
        info = {"step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "batch_size": self.batch_size, "world_size": self.ranks.world, "modules": list(self.modules()),
                "optimizers": optimizers}
        if self.privacy is not None:
            info["privacy"] = self.privacy.to_dict()
        return {key: value.detach().cpu().clone() for key, value in tensors.items()}, info

    def load_state_dict(self, tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (into nets and optimizers of the same shapes)."""
        for name, module in self.modules().items():
            prefix = f"{name}."
            _plain(module).load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        self.opt_g.load_state_dict(optimizer_from_tree(info["optimizers"]["g"], tensors))
        self.opt_d.load_state_dict(optimizer_from_tree(info["optimizers"]["d"], tensors))
        self.noise_rng.set_state(tensors["rng.noise"])
        self.order_rng.set_state(tensors["rng.order"])
        self.step, self.epoch = int(info["step"]), int(info["epoch"])
        self.batch_in_epoch = int(info.get("batch_in_epoch", 0))
        self.batch_size = int(info.get("batch_size", self.batch_size))
        self.epoch_rng = (tensors["epoch_rng.noise"], tensors["epoch_rng.order"]) if "epoch_rng.noise" in tensors else None
        losses = tensors.get("partial_losses")
        self.partial_losses = [] if losses is None else list(zip(*losses.unbind(1)))  # (steps, 2) → (d, g) pairs
        self.privacy = PrivacyLedger.from_dict(info["privacy"]) if "privacy" in info else None

    def modules(self) -> dict[str, nn.Module]:
        """The nets by their checkpoint names."""
        nets = {"generator": self.generator, "discriminator": self.discriminator}
        if self.generator_ema is not None:
            nets["generator_ema"] = self.generator_ema
        return nets


def _plain(module: nn.Module) -> nn.Module:
    """A ``torch.compile`` wrapper's own module (its state_dict keys carry no prefix)."""
    return getattr(module, "_orig_mod", module)


def seeds_for(seed: int, count: int) -> list[int]:
    """``count`` independent 63-bit seeds derived from one seed (NumPy's SeedSequence)."""
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(seed).spawn(count)]

