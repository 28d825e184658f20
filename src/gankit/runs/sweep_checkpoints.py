"""Checkpoints of a stacked sweep group while it trains, as a single run's: every N steps or epochs, and on a stop.

Each member of the group is written as a single run's step checkpoint under
``SWEEP/progress/LABEL/checkpoints/step-NNNNNNNNN/`` (the members' own
``[checkpoint]`` section sets how often and how many are kept). A kill can land
between two members' writes, so a resume takes the newest step that every member
has, whole and finite, with the same counters; the group then trains on from there
(mid-epoch too), and ends bit for bit as the uninterrupted group on CPU.
SIGINT/SIGTERM finish the current step, write the group's checkpoint and stop
with the resume command (``StopRequested``).
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

from gankit.errors import StopRequested, UserError
from gankit.gan import GAN
from gankit.runs.checkpoint_schedule import prune, step_checkpoints, step_folder
from gankit.runs.signals import SignalCatcher
from gankit.runs.sweep_grid import Member
from gankit.runs.sweep_state import PROGRESS
from gankit.train.loop import EpochRecord
from gankit.train.vectorized import VectorizedGroup



def stop_message(signum: int, sweep_dir: Path) -> str:
    """The line a stopped sweep ends with."""
    return (f"stopped by {signal.Signals(signum).name}; what was trained so far is checkpointed. "
            f"Resume with: gankit sweep --resume {sweep_dir}")


class GroupCheckpoints:
    """The mid-training checkpoints of one stacked group: written by the hooks, read back by :meth:`resume`."""

    def __init__(self, sweep_dir: Path, group: list[Member], gans: list[GAN], signals: SignalCatcher) -> None:
        self.sweep_dir = sweep_dir
        self.folders = [sweep_dir / PROGRESS / member.label for member in group]
        self.gans = gans
        self.signals = signals
        self.schedule = group[0].config.checkpoint
        self.saved_step: int | None = None

    def resume(self, prepared: list[GAN]) -> list[GAN] | None:
        """The group's members at their newest common checkpoint (their training rows taken from ``prepared``),
        or None when there is none to go on from."""
        steps = [{step for step, _ in step_checkpoints(folder)} for folder in self.folders]
        for step in sorted(set.intersection(*steps), reverse=True):
            loaded = self._load(step)
            if loaded is not None:
                for gan, fresh in zip(loaded, prepared):
                    gan.training_rows = fresh.training_rows
                self.gans = loaded
                return loaded
        return None

    def _load(self, step: int) -> list[GAN] | None:
        """Every member's checkpoint of ``step``, or None when one is damaged or they do not stand together."""
        try:
            loaded = [GAN.load(step_folder(folder, step), device=None) for folder in self.folders]
        except UserError:  # a damaged or non-finite checkpoint: an older one may still do
            return None
        counters = {(g.state.step, g.state.epoch, g.state.batch_in_epoch) for g in loaded}
        return loaded if len(counters) == 1 else None

    def after_step(self, group: VectorizedGroup) -> None:
        """Checkpoint every ``checkpoint.every_steps`` steps; on a stop, checkpoint and stop."""
        every = self.schedule.every_steps
        stopping = self.signals.received
        if (every and group.step % every == 0) or stopping:
            self.save(group)
        if stopping:
            raise StopRequested(stopping, stop_message(stopping, self.sweep_dir))

    def after_epoch(self, group: VectorizedGroup, records: list[EpochRecord]) -> None:
        """Record the epoch in each member's history; checkpoint every ``checkpoint.every_epochs`` epochs."""
        for gan, record in zip(self.gans, records):
            gan.history.append(record)
        every = self.schedule.every_epochs
        if (every and group.epoch % every == 0) or self.signals.received:  # a stop after the epoch's last step
            self.save(group)
        if self.signals.received:
            raise StopRequested(self.signals.received, stop_message(self.signals.received, self.sweep_dir))

    def save(self, group: VectorizedGroup) -> None:
        """Each member's state as a step checkpoint; then, all written, keep only the newest K of each (so a kill
        between two members' writes still leaves a step that every member has)."""
        group.write_back()
        for folder, gan in zip(self.folders, self.gans):
            gan.save(step_folder(folder, group.step))
        for folder in self.folders:
            prune(folder, self.schedule.keep)

    def forget(self) -> None:
        """Remove the group's checkpoints once its trained members are saved."""
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
