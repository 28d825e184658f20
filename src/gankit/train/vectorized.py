"""Train a group of sweep members together as one vectorized program.

Members of one group share every shape and loop setting (see
``members.structure_key``) and may differ in seed, data parameters, learning
rates, betas and EMA decay. Each member draws its initial weights, data order
and noise from its own random streams, exactly as a single run with its seed
would, so its result equals training it alone (to float tolerance).
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

import torch

from gankit.config import validate
from gankit.gan import GAN
from gankit.losses import d_loss_bce, d_loss_bce_smoothed, gradient_penalty, objective, r1_penalty
from gankit.train.instance_noise import batch_noise
from gankit.train.loop import (
    EpochRecord,
    RowSource,
    batch_starts,
    ema_rate,
    pack,
    penalty_mix,
    rows_for_epoch,
    rows_seen,
    torch_threads,
)
from gankit.runs.sweep_grid import Member
from gankit.train.stacked_net import StackedAdam, StackedNet, vectorizable

EpochCallback = Callable[[int], None]


def can_vectorize(gan: GAN) -> bool:
    """Whether a prepared GAN can train stacked: nets without buffers (e.g. BatchNorm statistics),
    Adam for both, and one D step per G step."""
    state, train = gan.state, gan.config.train
    simple_loop = train.n_critic == 1 and train.d_optimizer.name == train.g_optimizer.name == "adam"
    return (state is not None and simple_loop and state.g_penalty is None
            and vectorizable(state.generator) and vectorizable(state.discriminator))


def prepare_members(members: list[Member]) -> tuple[list[GAN], list[RowSource]]:
    """A GAN per member with its data loaded and its nets initialised from its own seed."""
    gans = [GAN(member.config) for member in members]
    rows = [gan.prepare(gan.load_data()) for gan in gans]
    return gans, rows


def train_sequentially(gans: list[GAN], on_epoch: EpochCallback) -> None:
    """One member after another with the ordinary loop."""
    for gan in gans:
        gan.fit(gan.training_rows, on_epoch=lambda record: on_epoch(1))


def _train_member(config: dict, folder: str) -> None:
    """Worker process: train one member from its config alone and checkpoint it (nothing else crosses over)."""
    GAN(validate(config)).fit().save(folder)


def _train_share(configs: list[dict], folders: list[str]) -> None:
    """Worker process: train its share of a group as one vectorized program, then checkpoint each member."""
    gans = [GAN(validate(config)) for config in configs]
    train_vectorized(gans, [gan.prepare(gan.load_data()) for gan in gans], lambda k: None)
    for gan, folder in zip(gans, folders):
        gan.save(folder)


def train_in_processes(gans: list[GAN], on_epoch: EpochCallback, workers: int, vectorized: bool = False) -> list[GAN]:
    """Train members in ``workers`` processes at once; each equals its sequential run (same code, same seed).

    One member per task, or (``vectorized``) the members dealt into ``workers`` shares, each
    trained stacked in its process. Returns the trained GANs, loaded back from the workers' checkpoints.
    """
    context = multiprocessing.get_context("spawn")
    shares = [list(range(i, len(gans), workers)) for i in range(workers)] if vectorized else [[i] for i in range(len(gans))]
    with tempfile.TemporaryDirectory() as scratch, ProcessPoolExecutor(workers, mp_context=context) as pool:
        folders = [str(Path(scratch) / f"member-{i}") for i in range(len(gans))]
        futures = {}
        for share in filter(None, shares):
            configs = [gans[i].config.model_dump(mode="json") for i in share]
            paths = [folders[i] for i in share]
            job = pool.submit(_train_share, configs, paths) if vectorized else pool.submit(_train_member, configs[0], paths[0])
            futures[job] = share
        for future in as_completed(futures):
            future.result()
            on_epoch(sum(gans[i].config.train.epochs for i in futures[future]))
        trained = [GAN.load(folder, device=None) for folder in folders]
    for fresh, prepared in zip(trained, gans):
        fresh.training_rows, fresh.config = prepared.training_rows, prepared.config
    return trained


class VectorizedGroup:
    """The stacked state of a group: G, D, EMA G and both optimizers for all members at once."""

    def __init__(self, gans: list[GAN], rows: list[RowSource]) -> None:
        self.gans = gans
        self.config = gans[0].config  # shapes and loop settings are shared by the group
        self.sources = rows
        self.epoch = 0
        self.G = StackedNet([g.state.generator for g in gans])
        self.D = StackedNet([g.state.discriminator for g in gans])
        train_settings = [g.config.train for g in gans]
        self.opt_g = StackedAdam(self.G.flat, [t.g_optimizer.lr for t in train_settings], [t.g_optimizer.betas for t in train_settings])
        self.opt_d = StackedAdam(self.D.flat, [t.d_optimizer.lr for t in train_settings], [t.d_optimizer.betas for t in train_settings])
        self.ema_decay = [t.ema_decay for t in train_settings]
        self.ema = self.G.flat.detach().clone() if any(self.ema_decay) else None
        self.step = 0
        self.d_loss, self.g_loss = objective(self.config.train.objective)  # losses of stacked logits: (M,) values
        smoothing = [t.label_smoothing for t in train_settings]
        if any(smoothing) and self.d_loss is d_loss_bce:  # each member's own label smoothing, as an (M,) weight
            self.d_loss = d_loss_bce_smoothed(torch.tensor(smoothing, device=self.G.flat.device))

    def _epoch_inputs(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rows in each member's order and each member's noise, drawn from its own streams."""
        train = self.config.train
        rows = torch.stack([rows_for_epoch(source, self.epoch) for source in self.sources])
        n, device = rows.shape[1], rows.device
        if train.shuffle:
            orders = torch.stack([torch.randperm(n, generator=g.state.order_rng) for g in self.gans]).to(device)
            rows = rows[torch.arange(len(self.gans), device=device).unsqueeze(1), orders]
        latent = self.gans[0].state.latent  # the group shares its latent law
        noise, g_noise = [], []
        for gan in self.gans:
            rng = gan.state.noise_rng
            noise.append(latent.sample(n, rng, device))
            g_noise.append(noise[-1] if train.same_z else latent.sample(n, rng, device))
        return rows, torch.stack(noise), torch.stack(g_noise)

    def _ema_update(self) -> None:
        if self.ema is None:
            return
        rates = torch.tensor([ema_rate(d, self.step) for d in self.ema_decay], device=self.ema.device).unsqueeze(1)
        with torch.no_grad():
            self.ema.lerp_(self.G.flat, 1.0 - rates)

    def _penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor | float:
        """Each member's WGAN-GP and R1 penalties, ``(M,)``, with the interpolation weights its single run draws."""
        train = self.config.train
        total: torch.Tensor | float = 0.0
        if train.gp_weight:
            mix = torch.stack([penalty_mix(g.state.penalty_seed + self.step, real.shape[1:-1], real.device) for g in self.gans])
            total = total + train.gp_weight * gradient_penalty(self.D, real, fake, mix)
        if train.r1_gamma:
            total = total + train.r1_gamma * r1_penalty(self.D, real)
        return total

    def _instance_noise(self, real: torch.Tensor, batch_number: int, n_batches: int) -> torch.Tensor | None:
        """Each member's instance noise for (real, fake), ``(M, 2, B, d)``, drawn as its single run draws it."""
        shape = (2, *real.shape[1:])
        draws = [batch_noise(self.config.train, shape, g.state.penalty_seed, batch_number, n_batches, real.device)
                 for g in self.gans]
        return None if draws[0] is None else torch.stack(draws)

    def run_epoch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One epoch for every member; returns the per-member mean (d_loss, g_loss)."""
        train = self.config.train
        rows, noise, g_noise = self._epoch_inputs()
        size = train.batch_size
        n_batches = len(batch_starts(rows.shape[1], size, train.drop_last))
        d_values, g_values = [], []
        for index, (real, z, g_z) in enumerate(list(zip(rows.split(size, 1), noise.split(size, 1), g_noise.split(size, 1)))[:n_batches]):
            fake = self.G(z)
            blur = self._instance_noise(real, self.epoch * n_batches + index, n_batches)
            if blur is not None:
                real, fake = real + blur[:, 0], fake + blur[:, 1]
            packed_real, packed_fake = pack(real, self.config.model.pack), pack(fake.detach(), self.config.model.pack)
            logits = self.D(torch.cat((packed_real, packed_fake), dim=1))
            d_losses = self.d_loss(logits[:, : packed_real.shape[1]], logits[:, packed_real.shape[1] :])
            total = d_losses + self._penalty(packed_real, packed_fake)
            self.opt_d.step(torch.autograd.grad(total.sum(), self.D.flat)[0])
            if not train.same_z:
                fake = self.G(g_z)
                if blur is not None:
                    fake = fake + blur[:, 1]
            g_losses = self.g_loss(self.D(pack(fake, self.config.model.pack)))
            self.opt_g.step(torch.autograd.grad(g_losses.sum(), self.G.flat)[0])
            self._ema_update()
            self.step += 1
            d_values.append(d_losses.detach())
            g_values.append(g_losses.detach())
        self.epoch += 1
        self.rows_per_epoch = rows_seen(rows.shape[1], train)
        return torch.stack(d_values).mean(0), torch.stack(g_values).mean(0)

    def write_back(self) -> None:
        """Copy every member's weights, EMA, optimizer moments and counters into its own GAN."""
        for index, gan in enumerate(self.gans):
            state = gan.state
            self.G.copy_member_into(index, state.generator)
            self.D.copy_member_into(index, state.discriminator)
            if state.generator_ema is not None:
                self.G.copy_member_into(index, state.generator_ema, self.ema)
            for lean, stacked_opt, stacked_net in ((state.opt_g, self.opt_g, self.G), (state.opt_d, self.opt_d, self.D)):
                moments = stacked_opt.member_state(index, stacked_net)
                lean.load_moments(list(moments["exp_avg"]), list(moments["exp_avg_sq"]), stacked_opt.step_count)
            state.step = self.step
            state.epoch = len(gan.history)


def train_vectorized(gans: list[GAN], rows: list[RowSource], on_epoch: EpochCallback) -> None:
    """Train all members of one group together; fills each GAN's state and history."""
    group = VectorizedGroup(gans, rows)
    train = group.config.train
    elapsed = 0.0
    with torch_threads(train.threads):
        for epoch in range(1, train.epochs + 1):
            started = time.perf_counter()
            d_means, g_means = group.run_epoch()
            d_list, g_list = d_means.tolist(), g_means.tolist()
            seconds = time.perf_counter() - started
            elapsed += seconds
            for gan, d_mean, g_mean in zip(gans, d_list, g_list):
                gan.history.append(EpochRecord(epoch, d_mean, g_mean, group.rows_per_epoch / seconds, elapsed))
            on_epoch(len(gans))
    group.write_back()
