"""The training loop: epochs of batches, each a D step and a G step (``train/steps.py``).

One loop trains a single run, a rank of a DDP run and a stacked sweep group: the
state draws the epoch's rows and noise (``draw_epoch``) and instance noise
(``draw_blur``), so a group draws each member's exactly as its single run would.

Speed habits (the nets are tiny, so Python overhead is the cost): the data lives
on the device as one tensor, one epoch's noise is drawn in one call, losses are
summed on the device and read once per epoch, G runs once per step when both
steps share z, and only the stepped network's gradients are computed.
"""

from __future__ import annotations

import itertools
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

import torch

from gankit.collector import objects_frozen
from gankit.config import TrainConfig
from gankit.losses import DLoss, GLoss, objective
from gankit.train.distributed import mean_over_ranks, shard
from gankit.train.lr_schedule import lr_factor
from gankit.status import notice, tell
from gankit.train.precision import autocast
from gankit.train.private_epoch import run_private_epoch
from gankit.train.row_source import RowSource, rows_for_epoch
from gankit.train.state import TrainState
from gankit.train.steps import d_step, g_step, make_penalty


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


def batch_starts(n_rows: int, batch_size: int, drop_last: bool) -> range:
    """Start offsets of the batches of one epoch."""
    last = n_rows - batch_size + 1 if drop_last else n_rows
    return range(0, max(last, 0), batch_size)


def batches_per_epoch(n_rows: int, batch_size: int, pack: int, drop_last: bool) -> int:
    """How many batches (D steps) one epoch of ``n_rows`` takes; a last batch smaller than one pack is dropped,
    since it would judge nothing."""
    too_short = 0 < n_rows % batch_size < pack
    return len(batch_starts(n_rows, batch_size, drop_last or too_short))


def capped_epochs(train: TrainConfig, n_rows: int, batch_size: int, pack: int, world: int = 1) -> int:
    """``train.epochs``, or fewer when ``train.max_steps`` caps the G steps: the fewest whole epochs that reach
    ``max_steps`` (at least one).

    A G step comes every ``n_critic`` batches and after an epoch's last batch; with ``world`` ranks a batch is
    ``batch_size × world`` rows and a last partial one is dropped, as :func:`run_epoch` does.
    """
    batches = batches_per_epoch(n_rows, batch_size * world, pack, train.drop_last or world > 1)
    g_steps = -(-batches // train.n_critic)
    if not train.max_steps or not g_steps:
        return train.epochs
    return max(1, min(train.epochs, -(-train.max_steps // g_steps)))


StepHook = Callable[[TrainState, torch.Tensor, torch.Tensor], None]


class EpochState(Protocol):
    """What :func:`run_epoch` trains: a run's :class:`TrainState`, or a stacked sweep group
    (``train/vectorized.py``'s ``VectorizedGroup``), which this module need not know."""

    ranks: Any
    batch_size: int
    pack: int
    batch_in_epoch: int
    epoch: int
    step: int
    precision: Any
    opt_d: Any
    opt_g: Any
    generator: Any
    ddp_generator: Any
    partial_losses: list

    def begin_epoch(self) -> None: ...

    def draw_epoch(self, data: Any, train: TrainConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...

    def draw_blur(self, train: TrainConfig, shape: Any, step: int, n_batches: int) -> Any: ...

    def update_ema(self) -> None: ...


def run_epoch(
    state: EpochState, data: RowSource | list[RowSource], train: TrainConfig,
    losses: tuple[DLoss, GLoss], after_step: StepHook | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One pass over the data: per batch one D step, then (every ``n_critic`` batches) one G step.

    Returns the epoch's mean (d_loss, g_loss): scalars for a run, one per member for a
    stacked group. Resumes at ``state.batch_in_epoch`` (redrawing the epoch's order and
    noise from the remembered streams); ``after_step`` runs after every G step.
    """
    d_loss, g_loss = losses
    state.begin_epoch()
    rows, noise, g_noise = state.draw_epoch(data, train)
    ranks = state.ranks  # with several ranks: global batches of batch_size × world, each rank takes its shard
    size = state.batch_size * ranks.world
    n_rows = rows.shape[-2]
    n_batches = batches_per_epoch(n_rows, size, _smallest_batch(state), train.drop_last or ranks.world > 1)
    # each batch contiguous, so a stacked member's batch is laid out as its single run's (same kernels, same bits)
    batches = ((r.contiguous(), z.contiguous(), g.contiguous())
               for r, z, g in zip(rows.split(size, -2), noise.split(size, -2), g_noise.split(size, -2)))
    penalty = make_penalty(train)
    d_values: list[torch.Tensor] = []
    for index, (real, z, g_z) in enumerate(itertools.islice(batches, state.batch_in_epoch, n_batches), state.batch_in_epoch):
        # instance noise for (real, fake), drawn for the global batch so every world size draws the same
        blur = state.draw_blur(train, real.shape, state.epoch * n_batches + index, n_batches)
        if train.lr_decay != "none":  # both nets step at the scheduled rate of this batch
            factor = lr_factor(train, state.epoch * n_batches + index, n_batches)
            state.opt_d.set_lr_factor(factor)
            state.opt_g.set_lr_factor(factor)
        real, z, g_z = shard(real, ranks), shard(z, ranks), shard(g_z, ranks)
        blur = None if blur is None else tuple(shard(part, ranks) for part in blur)
        g_turn = (index + 1) % train.n_critic == 0 or index + 1 == n_batches  # n_critic D steps per G step
        # With the same z for both steps G runs once: its rows and their graph serve the D step (detached)
        # and then the G step (the chapter's update_G recomputes G(z), to the same values).
        shared = g_turn and train.same_z
        G = state.ddp_generator if shared and state.ddp_generator is not None else state.generator
        with torch.set_grad_enabled(shared), autocast(state.precision, z.device):
            fake = G(z)
        judged_real, judged_fake = (real, fake) if blur is None else (real + blur[0], fake + blur[1])
        d_values.append(d_step(state, judged_real, judged_fake, d_loss, penalty))
        state.batch_in_epoch = index + 1
        if not g_turn:
            continue
        g_value = g_step(state, z if train.same_z else g_z, g_loss, None if blur is None else blur[1],
                         fake if shared else None)
        state.update_ema()
        d_value = d_values[0] if len(d_values) == 1 else torch.stack(d_values, dim=-1).mean(-1)
        d_values = []
        state.step += 1
        state.partial_losses.append((d_value, g_value))
        if after_step is not None:
            after_step(state, d_value, g_value)
    state.epoch += 1
    state.batch_in_epoch = 0
    # a member's losses in one contiguous row, averaged as a single run averages its own
    d_mean, g_mean = (torch.stack(values, dim=-1).mean(-1) for values in zip(*state.partial_losses))
    means = mean_over_ranks(torch.stack((d_mean, g_mean)))  # every rank logs the losses of the whole global batch
    return means[0], means[1]


def _smallest_batch(state: EpochState) -> int:
    """The fewest rows a last batch may hold: one pack, and two where G or D has BatchNorm (a single row has no
    batch statistics: training on it fails)."""
    nets = [net for net in (state.generator, getattr(state, "discriminator", None)) if isinstance(net, torch.nn.Module)]
    normed = any(isinstance(module, torch.nn.modules.batchnorm._BatchNorm) for net in nets for module in net.modules())
    return max(state.pack, 2) if normed else state.pack


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
    with torch_threads(train_config.threads), objects_frozen():
        while state.epoch < train_config.epochs:
            started = time.perf_counter()
            rows = rows_for_epoch(data, state.epoch)
            if state.privacy is not None and state.privacy.exhausted:
                notice(f"the privacy budget is spent after {state.privacy.steps:,} steps: training stops at "
                       f"epoch {state.epoch}")
                break
            if state.privacy is not None:  # DP-SGD on D, Poisson batches (train/private_epoch.py)
                n_batches = batches_per_epoch(len(rows), state.batch_size, 1, train_config.drop_last)
                d_mean, g_mean = run_private_epoch(state, rows, train_config, losses, n_batches, after_step)
            else:
                d_mean, g_mean = run_epoch(state, rows, train_config, losses, after_step)
            seconds = time.perf_counter() - started
            elapsed += seconds
            speed = rows_seen(len(rows), state.batch_size, train_config.drop_last) / seconds
            record = EpochRecord(state.epoch, float(d_mean), float(g_mean), speed, elapsed)
            records.append(record)
            if on_epoch is not None:
                on_epoch(record)
    if state.privacy is not None:
        tell(state.privacy.line())
    return records


def rows_seen(n_rows: int, batch_size: int, drop_last: bool) -> int:
    """Real rows one epoch feeds to D (fewer than ``n_rows`` when ``drop_last`` drops a partial batch)."""
    return min(len(batch_starts(n_rows, batch_size, drop_last)) * batch_size, n_rows)
