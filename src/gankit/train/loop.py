"""The training loop. ``d_step`` and ``g_step`` read like the chapter's update_D / update_G.

Speed habits (the nets are tiny, so Python overhead is the cost): the data lives
on the device as one tensor, one epoch's noise is drawn in one call, losses are
summed on the device and read once per epoch, the G forward of a batch is
shared by the D step (detached) and the G step, and only the stepped network's
gradients are computed.
"""

from __future__ import annotations

import itertools
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Union

import torch

from gankit.config import TrainConfig
from gankit.losses import DLoss, GLoss, gradient_penalty, objective, r1_penalty
from gankit.train.distributed import mean_over_ranks, shard
from gankit.train.instance_noise import batch_noise
from gankit.train.optim import LeanAdam, TorchOptimizer
from gankit.train.precision import LossScale, autocast
from gankit.train.state import TrainState


# Training rows: one fixed tensor, or a function of the epoch drawing that epoch's fresh rows.
RowSource = Union[torch.Tensor, Callable[[int], torch.Tensor]]


def rows_for_epoch(data: RowSource, epoch: int) -> torch.Tensor:
    """The rows to train on in ``epoch`` (0-based)."""
    return data(epoch) if callable(data) else data


@dataclass(frozen=True)
class EpochRecord:
    """One line of metrics.jsonl: the epoch's mean losses and its speed."""

    epoch: int
    d_loss: float
    g_loss: float
    examples_per_sec: float
    elapsed: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "epoch": self.epoch,
            "d_loss": self.d_loss,
            "g_loss": self.g_loss,
            "examples_per_sec": round(self.examples_per_sec, 1),
            "elapsed": round(self.elapsed, 4),
        }


def pack(rows: torch.Tensor, size: int) -> torch.Tensor:
    """PacGAN packing: ``(..., n, d)`` → ``(..., n // size, size·d)``, whole packs only."""
    if size == 1:
        return rows
    whole = rows.shape[-2] // size * size
    return rows[..., :whole, :].reshape(*rows.shape[:-2], whole // size, size * rows.shape[-1])


def _apply(optimizer: LeanAdam | TorchOptimizer, loss: torch.Tensor, distributed: bool = False,
           loss_scale: LossScale | None = None) -> None:
    """Gradients of ``loss`` for the optimizer's own parameters only, then one step.

    Distributed, the gradients go through ``backward`` (DistributedDataParallel averages
    them across ranks as they accumulate) and are cleared after the step. With an fp16
    ``loss_scale`` a step whose gradients overflow is skipped.
    """
    if not distributed:
        grads = (loss_scale or LossScale()).gradients(loss, optimizer.params)
        if grads is not None:
            optimizer.step(grads)
        return
    torch.autograd.backward(loss, inputs=optimizer.params)
    optimizer.step([param.grad for param in optimizer.params])
    for param in optimizer.params:
        param.grad = None


Penalty = Callable[[TrainState, torch.Tensor, torch.Tensor], torch.Tensor]


def d_step(state: TrainState, real: torch.Tensor, fake: torch.Tensor, d_loss: DLoss, penalty: Penalty | None = None) -> torch.Tensor:
    """One discriminator update: real rows labelled 1, generated rows (detached) labelled 0, plus any penalty."""
    real, fake = pack(real, state.pack), pack(fake.detach(), state.pack)
    discriminator = state.ddp_discriminator or state.discriminator  # DDP averages D's gradients over ranks
    with autocast(state.precision, real.device):
        if state.d_batch_statistics:  # BatchNorm: real and generated batches normalized apart, as d2l does
            real_logits, fake_logits = discriminator(real), discriminator(fake)
        else:  # one pass: D has no batch statistics
            logits = discriminator(torch.cat((real, fake)))
            real_logits, fake_logits = logits[: len(real)], logits[len(real) :]
        loss = d_loss(real_logits.float(), fake_logits.float())
        total = loss if penalty is None else loss + penalty(state, real, fake)
    _apply(state.opt_d, total, state.ddp_discriminator is not None, state.loss_scales[0])
    return loss.detach()


def penalty_mix(seed: int, rows: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """WGAN-GP's interpolation weights ``U(0, 1)``, one per row (shape ``(*rows, 1)``), from ``seed``."""
    rng = torch.Generator(device=device).manual_seed(seed)
    return torch.rand(*rows, 1, generator=rng, device=device)


def make_penalty(train: TrainConfig) -> Penalty | None:
    """The configured D penalties (WGAN-GP's λ·GP and R1's γ·R1) as one function, or None."""
    if not train.gp_weight and not train.r1_gamma:
        return None

    def penalty(state: TrainState, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        total = torch.zeros((), device=real.device)
        if train.gp_weight:
            mix = penalty_mix(state.penalty_seed + state.step, real.shape[:-1], real.device)
            total = total + train.gp_weight * gradient_penalty(state.discriminator, real, fake, mix)
        if train.r1_gamma:
            total = total + train.r1_gamma * r1_penalty(state.discriminator, real)
        return total

    return penalty


def g_step(state: TrainState, fake: torch.Tensor, g_loss: GLoss) -> torch.Tensor:
    """One generator update against the just-updated discriminator (plus ``state.g_penalty`` of G's rows)."""
    with autocast(state.precision, fake.device):
        loss = g_loss(state.discriminator(pack(fake, state.pack)).float())  # D's own module: no gradient sync for D
        if state.g_penalty is not None:
            loss = loss + state.g_penalty(fake.float())
    _apply(state.opt_g, loss, state.ddp_generator is not None, state.loss_scales[1])
    return loss.detach()


def ema_rate(decay: float, step: int) -> float:
    """The EMA decay at update ``step`` (0-based), ramped up as ``min(decay, (1+t)/(10+t))``.

    The ramp keeps the average from remembering the random initial generator,
    which a constant decay of 0.999 would weigh for thousands of steps.
    """
    return min(decay, (1.0 + step) / (10.0 + step))


def update_ema(state: TrainState, decay: float) -> None:
    """``ema ← r·ema + (1−r)·θ`` for every generator parameter, ``r = ema_rate(decay, step)``."""
    if state.generator_ema is None:
        return
    with torch.no_grad():
        ema = list(state.generator_ema.parameters())
        torch._foreach_lerp_(ema, list(state.generator.parameters()), 1.0 - ema_rate(decay, state.step))
        for ema_buffer, buffer in zip(state.generator_ema.buffers(), state.generator.buffers()):
            ema_buffer.copy_(buffer)  # BatchNorm statistics are copied, not averaged


def batch_starts(n_rows: int, batch_size: int, drop_last: bool) -> range:
    """Start offsets of the batches of one epoch."""
    last = n_rows - batch_size + 1 if drop_last else n_rows
    return range(0, max(last, 0), batch_size)


StepHook = Callable[[TrainState, torch.Tensor, torch.Tensor], None]


def _begin_epoch(state: TrainState) -> None:
    """Remember the random streams at the epoch's start, or rewind to them when resuming mid-epoch."""
    if state.batch_in_epoch == 0:
        state.epoch_rng = (state.noise_rng.get_state(), state.order_rng.get_state())
        state.partial_losses = []
    else:
        assert state.epoch_rng is not None, "a mid-epoch state must carry its epoch's random streams"
        state.noise_rng.set_state(state.epoch_rng[0])
        state.order_rng.set_state(state.epoch_rng[1])


def run_epoch(
    state: TrainState, data: torch.Tensor, train: TrainConfig, losses: tuple[DLoss, GLoss], after_step: StepHook | None = None
) -> tuple[float, float]:
    """One pass over ``data``: per batch one D step then one G step. Returns mean (d_loss, g_loss).

    Resumes at ``state.batch_in_epoch`` (redrawing the epoch's order and noise from
    the remembered streams); ``after_step`` runs after every step (checks, checkpoints).
    """
    d_loss, g_loss = losses
    _begin_epoch(state)
    rows = data[torch.randperm(len(data), generator=state.order_rng).to(data.device)] if train.shuffle else data
    noise = state.latent.sample(len(rows), state.noise_rng, data.device)
    g_noise = noise if train.same_z else state.latent.sample(len(rows), state.noise_rng, data.device)
    ranks = state.ranks  # with several ranks: global batches of batch_size × world, each rank takes its shard
    size = train.batch_size * ranks.world
    too_short = 0 < len(rows) % size < state.pack  # a last batch of fewer rows than one pack would judge nothing
    n_batches = len(batch_starts(len(rows), size, train.drop_last or ranks.world > 1 or too_short))
    batches = zip(rows.split(size), noise.split(size), g_noise.split(size))
    penalty = make_penalty(train)
    d_values: list[torch.Tensor] = []
    for index, (real, z, g_z) in enumerate(itertools.islice(batches, state.batch_in_epoch, n_batches), state.batch_in_epoch):
        # instance noise for (real, fake), drawn for the global batch so every world size draws the same
        blur = batch_noise(train, (2, *real.shape), state.penalty_seed, state.epoch * n_batches + index, n_batches, real.device)
        real, z, g_z = shard(real, ranks), shard(z, ranks), shard(g_z, ranks)
        blur = None if blur is None else shard(blur, ranks, dim=1)
        g_step_now = not ((index + 1) % train.n_critic and index + 1 < n_batches)  # n_critic D steps per G step
        fake = _generate(state, z, synced=g_step_now and train.same_z)
        if blur is not None:
            real, fake = real + blur[0], fake + blur[1]
        d_values.append(d_step(state, real, fake, d_loss, penalty))
        state.batch_in_epoch = index + 1
        if not g_step_now:
            continue
        if not train.same_z:
            fake = _generate(state, g_z, synced=True)
            if blur is not None:
                fake = fake + blur[1]
        g_value = g_step(state, fake, g_loss)
        update_ema(state, train.ema_decay)
        d_value = d_values[0] if len(d_values) == 1 else torch.stack(d_values).mean()
        d_values = []
        state.step += 1
        state.partial_losses.append((d_value, g_value))
        if after_step is not None:
            after_step(state, d_value, g_value)
    state.epoch += 1
    state.batch_in_epoch = 0
    means = torch.stack([torch.stack(values).mean() for values in zip(*state.partial_losses)])
    means = mean_over_ranks(means).tolist()  # every rank logs the losses of the whole global batch
    return means[0], means[1]


def _generate(state: TrainState, z: torch.Tensor, synced: bool) -> torch.Tensor:
    """G(z); through G's DDP wrapper when this output's G gradient is taken (DDP then averages it)."""
    generator = state.ddp_generator if synced and state.ddp_generator is not None else state.generator
    with autocast(state.precision, z.device):
        return generator(z)


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Use ``threads`` CPU threads inside the block (0 = leave PyTorch's setting)."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train(
    state: TrainState,
    data: RowSource,
    train_config: TrainConfig,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    after_step: StepHook | None = None,
) -> list[EpochRecord]:
    """Train for ``train_config.epochs`` epochs from ``state.epoch``; report each epoch to ``on_epoch``."""
    losses = objective(train_config.objective, train_config.label_smoothing)
    records: list[EpochRecord] = []
    elapsed = 0.0
    with torch_threads(train_config.threads):
        while state.epoch < train_config.epochs:
            started = time.perf_counter()
            rows = rows_for_epoch(data, state.epoch)
            d_mean, g_mean = run_epoch(state, rows, train_config, losses, after_step)
            seconds = time.perf_counter() - started
            elapsed += seconds
            record = EpochRecord(state.epoch, d_mean, g_mean, rows_seen(len(rows), train_config) / seconds, elapsed)
            records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    return records


def rows_seen(n_rows: int, train: TrainConfig) -> int:
    """Real rows one epoch feeds to D (fewer than ``n_rows`` when ``drop_last`` drops a partial batch)."""
    return min(len(batch_starts(n_rows, train.batch_size, train.drop_last)) * train.batch_size, n_rows)
