"""A stacked sweep group checkpoints as it trains, as a single run does, and goes on from any of its checkpoints
(mid-epoch too) to the same members, bit for bit on CPU."""

from __future__ import annotations

import signal

import pytest
import torch

from gankit.config import apply_overrides, load_raw
from gankit.errors import StopRequested
from gankit.runs.checkpoint_schedule import step_checkpoints
from gankit.runs.sweep import prepare_members, train_stacked
from gankit.runs.sweep_checkpoints import GroupCheckpoints
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
    return [{**dict(g.state.generator.named_parameters()), **{f"d.{k}": v for k, v in g.state.discriminator.named_parameters()},
             "noise": g.state.noise_rng.get_state(), "order": g.state.order_rng.get_state()} for g in gans]


@pytest.fixture(scope="module")
def uninterrupted():
    gans, rows = prepare_members(_members())
    train_stacked(gans, rows, lambda k: None)
    return gans


@pytest.mark.parametrize("stop_step", [3, 8, 9, 16])  # mid-epoch, an epoch's last step, a scheduled step
def test_a_stopped_group_resumes_to_the_same_members(tmp_path, uninterrupted, stop_step):
    members = _members()
    gans, rows = prepare_members(members)
    stop = _StopAt(stop_step)
    checkpoints = GroupCheckpoints(tmp_path, members, gans, stop)
    after_step = checkpoints.after_step
    checkpoints.after_step = lambda group: (setattr(stop, "group", group), after_step(group))[1]
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
