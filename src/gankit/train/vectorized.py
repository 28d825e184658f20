"""Train a group of sweep members together as one vectorized program, through the single runs' own loop.

Members of one group share every shape and loop setting (see
``runs/sweep_grid.structure_key``) and may differ in seed, data parameters,
learning rates, betas, EMA decay and label smoothing. :class:`VectorizedGroup`
stacks their nets (``train/stacked_net.py``) and optimizer state (one
:class:`LeanAdam` with per-member settings) and presents the same attributes as
a :class:`TrainState`, so ``train/loop.run_epoch`` and the ``d_step`` / ``g_step``
of ``train/steps.py`` train it unchanged. Each member draws its data order,
noise, instance noise and penalty weights from its own state's streams, exactly
as its single run does, and every kernel computes a member's numbers as it
would alone: a member ends bit-identical (on CPU) to its single run.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import torch

from gankit.collector import objects_frozen
from gankit.config import TrainConfig
from gankit.losses import objective
from gankit.train.distributed import SINGLE
from gankit.train.loop import EpochRecord, run_epoch, rows_seen, torch_threads
from gankit.train.optim import LeanAdam, optimizer_tree
from gankit.train.precision import LossScale
from gankit.train.row_source import RowSource, rows_for_epoch
from gankit.train.stacked_net import StackedNet, vectorizable
from gankit.train.state import TrainState
from gankit.train.steps import update_ema

EpochCallback = Callable[[int], None]
GroupHook = Callable[["VectorizedGroup"], None]
EpochHook = Callable[["VectorizedGroup", list[EpochRecord]], None]


def can_vectorize(state: TrainState, train: TrainConfig) -> bool:
    """Whether a prepared state can train stacked: plain perceptrons (no buffers such as BatchNorm
    statistics, no dropout), Adam for both nets, one D step per G step, fp32, not differentially private
    (a private run trains alone, through its own accounted loop)."""
    simple_loop = train.n_critic == 1 and train.d_optimizer.name == train.g_optimizer.name == "adam"
    return (simple_loop and state.g_penalty is None and state.precision == "fp32" and state.privacy is None
            and vectorizable(state.generator) and vectorizable(state.discriminator))


class VectorizedGroup:
    """The stacked state of a group: G, D, EMA G and both optimizers for all members at once."""

    def __init__(self, states: list[TrainState], settings: list[TrainConfig]) -> None:
        self.states = states
        first = states[0]
        self.generator = StackedNet([s.generator for s in states], [s.g_buffer for s in states])
        self.discriminator = StackedNet([s.discriminator for s in states], [s.d_buffer for s in states])
        self.opt_g = LeanAdam(self.generator, [t.g_optimizer for t in settings])
        self.opt_d = LeanAdam(self.discriminator, [t.d_optimizer for t in settings])
        self.opt_g.stack_members([s.opt_g for s in states])  # members loaded from checkpoints go on where they stood
        self.opt_d.stack_members([s.opt_d for s in states])
        self.ema_decays = [s.ema_decay for s in states]
        has_ema = any(s.ema_buffer is not None for s in states)  # a member without one averages with decay 0
        self.ema = torch.cat([(s.ema_buffer or s.g_buffer).flat.detach() for s in states]).clone() if has_ema else None
        self.ddp_generator = self.ddp_discriminator = None
        self.pack, self.precision, self.batch_size = first.pack, first.precision, first.batch_size
        self.loss_scales = (LossScale(), LossScale())
        self.d_batch_statistics, self.g_penalty, self.ranks = False, None, SINGLE
        self.step, self.epoch, self.batch_in_epoch = first.step, first.epoch, first.batch_in_epoch
        self.partial_losses: list[tuple[torch.Tensor, torch.Tensor]] = []

    def begin_epoch(self) -> None:
        """Each member's epoch start; resumed mid-epoch, the losses of its steps so far are stacked again."""
        for state in self.states:
            state.batch_in_epoch = self.batch_in_epoch
            state.begin_epoch()
        steps = zip(*(state.partial_losses for state in self.states)) if self.batch_in_epoch else ()
        self.partial_losses = [(torch.stack([d for d, _ in pairs]), torch.stack([g for _, g in pairs])) for pairs in steps]

    def draw_epoch(self, data: list[RowSource], train: TrainConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Each member's rows and noise, drawn from its own streams, stacked: ``(M, n, ·)``."""
        draws = [state.draw_epoch(rows_for_epoch(source, self.epoch), train) for state, source in zip(self.states, data)]
        return tuple(torch.stack(parts) for parts in zip(*draws))  # type: ignore[return-value]

    def draw_blur(self, train: TrainConfig, shape: torch.Size, batch_number: int,
                  n_batches: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        first = self.states[0].draw_blur(train, shape[1:], batch_number, n_batches)
        if first is None:  # no instance noise for anyone (members share the noise schedule)
            return None
        draws = [first, *(state.draw_blur(train, shape[1:], batch_number, n_batches) for state in self.states[1:])]
        return torch.stack([d[0] for d in draws]), torch.stack([d[1] for d in draws])

    def gp_mix(self, rows: tuple[int, ...], device: torch.device) -> torch.Tensor:
        for state in self.states:
            state.step = self.step
        return torch.stack([state.gp_mix(rows[1:], device) for state in self.states])

    def update_ema(self) -> None:
        update_ema(self.ema, self.generator.flat, self.ema_decays, self.step)

    def member_state_dict(self, index: int, losses: torch.Tensor | None = None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Member ``index``'s training state in :meth:`TrainState.state_dict`'s form (its rows of the stacks);
        ``losses``: :meth:`stacked_losses`, when the caller already has it."""
        state = self.states[index]
        state.step, state.epoch, state.batch_in_epoch = self.step, self.epoch, self.batch_in_epoch
        state.partial_losses = []  # set below from the stack, as TrainState.state_dict lays them out
        tensors, info = state.state_dict()  # the member's own random streams and counters, and the names
        if self.partial_losses and self.batch_in_epoch:  # as TrainState.state_dict: none at an epoch's end
            tensors["partial_losses"] = (self.stacked_losses() if losses is None else losses)[:, index].clone()
        stacks = {"generator": (self.generator, self.generator.flat), "discriminator": (self.discriminator, self.discriminator.flat),
                  "generator_ema": (self.generator, self.ema)}
        for name in info["modules"]:
            net, flat = stacks[name]
            tensors.update({f"{name}.{key}": row.detach().clone() for key, row in net.named_rows(flat, index).items()})
        info["optimizers"] = {name: optimizer_tree(f"optimizer.{name}", optimizer.state_dict(index), tensors)
                              for name, optimizer in (("g", self.opt_g), ("d", self.opt_d))}
        return tensors, info

    def stacked_losses(self) -> torch.Tensor:
        """This epoch's (d, g) losses so far as one ``(steps, M, 2)`` tensor."""
        return torch.stack([torch.stack(pair, dim=-1) for pair in self.partial_losses])

    def write_back(self) -> None:
        """Each member's weights, EMA, optimizer moments and counters into its own state (losses stacked once)."""
        losses = self.stacked_losses() if self.partial_losses else None
        for index, state in enumerate(self.states):
            state.load_state_dict(*self.member_state_dict(index, losses))


def train_vectorized(states: list[TrainState], sources: list[RowSource], settings: list[TrainConfig],
                     on_epoch: EpochCallback, after_step: GroupHook | None = None,
                     after_epoch: EpochHook | None = None) -> list[list[EpochRecord]]:
    """Train all members of one group together from where their states stand (fresh, or loaded from checkpoints,
    even mid-epoch); returns each member's epoch records. ``after_step`` runs after every G step and
    ``after_epoch`` (with the epoch's record of each member) after every epoch, both before ``on_epoch``
    (the place to checkpoint: :meth:`VectorizedGroup.write_back` puts the stack into the members' states)."""
    with objects_frozen():
        return _train_group(VectorizedGroup(states, settings), sources, settings, on_epoch, after_step, after_epoch)


def _train_group(group: VectorizedGroup, sources: list[RowSource], settings: list[TrainConfig],
                 on_epoch: EpochCallback, after_step: GroupHook | None,
                 after_epoch: EpochHook | None) -> list[list[EpochRecord]]:
    train = settings[0]
    losses = objective(train.objective, torch.tensor([t.label_smoothing for t in settings]))
    histories: list[list[EpochRecord]] = [[] for _ in group.states]
    elapsed = 0.0
    with torch_threads(train.threads):
        while group.epoch < train.epochs:
            started = time.perf_counter()
            d_means, g_means = run_epoch(group, sources, train, losses,
                                         None if after_step is None else lambda *_: after_step(group))
            seconds = time.perf_counter() - started
            elapsed += seconds
            speed = rows_seen(len(rows_for_epoch(sources[0], 0)), group.batch_size, train.drop_last) / seconds
            records = [EpochRecord(group.epoch, d_mean, g_mean, speed, elapsed)
                       for d_mean, g_mean in zip(d_means.tolist(), g_means.tolist())]
            for history, record in zip(histories, records):
                history.append(record)
            if after_epoch is not None:
                after_epoch(group, records)
            on_epoch(len(group.states))
    group.write_back()
    return histories
