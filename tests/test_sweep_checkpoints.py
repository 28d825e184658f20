"""A stacked sweep group checkpoints as it trains, as a single run does, and goes on from any of its checkpoints
(mid-epoch too) to the same members, bit for bit on CPU."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import torch

from gankit.config import apply_overrides, load_raw
from gankit.errors import StopRequested
from gankit.runs.checkpoint_schedule import step_checkpoints
from gankit import GAN
from gankit.runs.sweep import _train_member, prepare_members, train_stacked
from gankit.runs.sweep_checkpoints import GroupCheckpoints, fit_member
from gankit.runs.sweep_grid import expand_members, parse_grid

SETTINGS = ["data.n=120", "train.batch_size=16", "train.epochs=3", "checkpoint.every_steps=5", "checkpoint.keep=2"]


class _StopAt:
    """Stands in for the signal catcher: SIGTERM "arrives" once the group has made ``step`` steps."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.group = None

    @property
    def received(self) -> int | None:
        return signal.SIGTERM if self.group is not None and self.group.step >= self.step else None


def _members():
    base = apply_overrides(load_raw("d2l-gaussian"), SETTINGS)
    return expand_members(base, 2, parse_grid(["train.d_optimizer.lr=0.05,0.02"]))


def _tensors(gans):
    """Every tensor each member's checkpoint would hold: weights, optimizer moments, random streams, losses."""
    return [g.state.state_dict()[0] for g in gans]


@pytest.fixture(scope="module")
def uninterrupted():
    gans, rows = prepare_members(_members())
    train_stacked(gans, rows, lambda k: None)
    return gans


# mid-epoch, an epoch's last step, a scheduled step; and a signal that arrives after an epoch's last step and
# is seen when the epoch ends (the last epoch too: the resumed members then have nothing left to train)
@pytest.mark.parametrize("stop_step, seen_at", [(3, "step"), (8, "step"), (9, "step"), (16, "step"),
                                                (16, "epoch"), (24, "epoch")])
def test_a_stopped_group_resumes_to_the_same_members(tmp_path, uninterrupted, stop_step, seen_at):
    members = _members()
    gans, rows = prepare_members(members)
    stop = _StopAt(stop_step)
    checkpoints = GroupCheckpoints(tmp_path, members, gans, stop)
    after_step, after_epoch = checkpoints.after_step, checkpoints.after_epoch
    seen_by_steps = stop if seen_at == "step" else None  # None: the steps see no signal
    checkpoints.after_step = lambda group: (setattr(stop, "group", seen_by_steps and group), after_step(group))[1]
    checkpoints.after_epoch = lambda group, records: (setattr(stop, "group", group), after_epoch(group, records))[1]
    with pytest.raises(StopRequested, match=f"Resume with: gankit sweep --resume {tmp_path}"):
        train_stacked(gans, rows, lambda k: None, checkpoints)
    assert [step for step, _ in step_checkpoints(tmp_path / "progress" / members[0].label)][-1] == stop_step

    fresh, rows = prepare_members(members)
    again = GroupCheckpoints(tmp_path, members, fresh, _StopAt(10**9))
    resumed = again.resume(fresh)
    assert resumed is not None and resumed[0].state.step == stop_step
    train_stacked(resumed, rows, lambda k: None, again)
    for ours, theirs in zip(_tensors(resumed), _tensors(uninterrupted)):
        assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)
    for ours, theirs in zip(resumed, uninterrupted):
        assert [(r.epoch, r.d_loss, r.g_loss) for r in ours.history] == [(r.epoch, r.d_loss, r.g_loss) for r in theirs.history]


def test_a_kill_between_two_members_writes_resumes_from_the_step_both_have(tmp_path, uninterrupted):
    members = _members()
    gans, rows = prepare_members(members)
    checkpoints = GroupCheckpoints(tmp_path, members, gans, _StopAt(10**9))
    train_stacked(gans, rows, lambda k: None, checkpoints)
    second = tmp_path / "progress" / members[1].label
    newest = step_checkpoints(second)[-1][1]
    for path in newest.iterdir():  # the second member's newest checkpoint never got written
        path.unlink()
    newest.rmdir()
    fresh, rows = prepare_members(members)
    again = GroupCheckpoints(tmp_path, members, fresh, _StopAt(10**9))
    resumed = again.resume(fresh)
    assert resumed is not None and resumed[0].state.step == step_checkpoints(second)[-1][0]
    train_stacked(resumed, rows, lambda k: None, again)
    for ours, theirs in zip(_tensors(resumed), _tensors(uninterrupted)):
        assert all(torch.equal(ours[k], theirs[k]) for k in ours)


class _StopAtMember:
    """Stands in for the signal catcher of a member trained alone: SIGTERM once its state reached ``step``."""

    def __init__(self, gan, step: int) -> None:
        self.gan, self.step = gan, step

    def __call__(self) -> int | None:
        return signal.SIGTERM if self.gan.state.step >= self.step else None


@pytest.fixture
def resumed_steps(monkeypatch):
    """The steps that members went on from (a member trained from scratch again would end the same on CPU)."""
    import gankit.runs.sweep_checkpoints as module

    steps, load = [], module.load_newest_healthy

    def spy(folder):
        gan, path = load(folder)
        steps.append(gan.state.step)
        return gan, path

    monkeypatch.setattr(module, "load_newest_healthy", spy)
    return steps


@pytest.mark.parametrize("stop_step", [4, 8])  # mid-epoch, and an epoch's last step
def test_a_member_trained_alone_stops_and_goes_on_to_the_same_member(tmp_path, stop_step, resumed_steps):
    """The path of nets that cannot be stacked (one after another, or in a worker process)."""
    members = _members()
    gans, _ = prepare_members(members)
    folder = tmp_path / "progress" / members[0].label
    with pytest.raises(StopRequested, match=f"Resume with: gankit sweep --resume {tmp_path}"):
        fit_member(gans[0], folder, lambda k: None, _StopAtMember(gans[0], stop_step), tmp_path)
    assert step_checkpoints(folder)[-1][0] == stop_step

    fresh, _ = prepare_members(members)
    counted = []
    resumed = fit_member(fresh[0], folder, counted.append, lambda: None, tmp_path)
    assert resumed_steps == [stop_step]
    uninterrupted, _ = prepare_members(members)
    whole = fit_member(uninterrupted[0], tmp_path / "whole", lambda k: None, lambda: None)
    ours, theirs = _tensors([resumed])[0], _tensors([whole])[0]
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert [(r.epoch, r.d_loss, r.g_loss) for r in resumed.history] == [(r.epoch, r.d_loss, r.g_loss) for r in whole.history]
    assert sum(counted) == 3  # the epochs before the stop are counted once, on going on


def test_a_worker_process_goes_on_from_the_member_checkpoints_left_by_a_kill(tmp_path, resumed_steps):
    members = _members()
    gans, _ = prepare_members(members)
    progress = tmp_path / "progress" / members[0].label
    with pytest.raises(StopRequested):  # stands in for a kill: the checkpoint of step 5 stays behind
        fit_member(gans[0], progress, lambda k: None, _StopAtMember(gans[0], 5))
    _train_member(members[0].config.model_dump(mode="json"), str(tmp_path / "out"), str(progress))
    assert resumed_steps == [5]
    fresh, _ = prepare_members(members)
    whole = fit_member(fresh[0], tmp_path / "whole", lambda k: None, lambda: None)
    ours, theirs = _tensors([GAN.load(tmp_path / "out", device=None)])[0], _tensors([whole])[0]
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
