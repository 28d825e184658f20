"""Learning-rate decay (train.lr_decay): the schedule, the optimizers' factor, determinism and sweep equality."""

import numpy as np
import pytest
import torch

from gankit import GAN
from gankit.config import OptimizerConfig, load_config
from gankit.nets.mlp import MLP
from gankit.train.lr_schedule import lr_factor
from gankit.train.optim import LeanAdam, TorchOptimizer


def test_linear_and_cosine_schedules_hand_computed():
    linear = load_config("d2l-gaussian", ["train.epochs=10", "train.lr_decay=linear", "train.lr_decay_start=0.5"]).train
    # 10 epochs · 20 batches = 200 batches; constant for the first 100, then (200 − t) / 100
    assert [lr_factor(linear, t, 20) for t in (0, 99, 100, 150, 199)] == pytest.approx([1, 1, 1, 0.5, 0.01])
    cosine = load_config("d2l-gaussian", ["train.epochs=10", "train.lr_decay=cosine", "train.lr_decay_start=0.5"]).train
    assert [lr_factor(cosine, t, 20) for t in (0, 100, 150)] == pytest.approx([1, 1, 0.5])
    assert 0 < lr_factor(cosine, 199, 20) < 1e-3
    assert lr_factor(load_config("d2l-gaussian").train, 10**6, 20) == 1.0  # none: constant
    whole = load_config("d2l-gaussian", ["train.epochs=1", "train.lr_decay=linear", "train.lr_decay_start=0"]).train
    assert lr_factor(whole, 0, 4) == 1.0 and lr_factor(whole, 3, 4) == pytest.approx(0.25)


def test_lean_adam_factor_scales_the_step_and_keeps_the_configured_lr():
    torch.manual_seed(0)
    nets = [MLP([2, 3, 1], "tanh") for _ in range(2)]
    for net in nets[1:]:
        net.load_state_dict(nets[0].state_dict())
    half, full = LeanAdam(nets[0], OptimizerConfig(lr=0.1)), LeanAdam(nets[1], OptimizerConfig(lr=0.05))
    half.set_lr_factor(0.5)
    x = torch.randn(6, 2)
    for opt, net in ((half, nets[0]), (full, nets[1])):
        opt.step(torch.autograd.grad(net(x).pow(2).sum(), opt.params))
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        torch.testing.assert_close(a, b)
    assert half.lr == 0.1 and half.state_dict()["param_groups"][0]["lr"] == 0.1  # checkpoints hold the configured rate
    half.scale_lr(0.5)  # the divergence guard's rollback scales the configured rate; the factor stays
    assert half.lr == 0.05 and half._hyper[0]["lr"] == pytest.approx(0.025)


def test_torch_optimizer_factor():
    net = MLP([2, 3, 1], "tanh")
    opt = TorchOptimizer(net, OptimizerConfig(name="sgd", lr=0.2))
    opt.set_lr_factor(0.25)
    assert opt.optimizer.param_groups[0]["lr"] == pytest.approx(0.05) and opt.lr == 0.2
    assert opt.state_dict()["param_groups"][0]["lr"] == 0.2


def test_decay_changes_training_and_is_deterministic():
    base = ["train.epochs=2", "data.n=64"]
    decayed = [*base, "train.lr_decay=cosine", "train.lr_decay_start=0.25"]
    plain = GAN("d2l-gaussian", overrides=base).fit().sample(5, seed=0)
    runs = [GAN("d2l-gaussian", overrides=decayed).fit() for _ in range(2)]
    np.testing.assert_array_equal(runs[0].sample(5, seed=0), runs[1].sample(5, seed=0))
    assert not np.allclose(plain, runs[0].sample(5, seed=0))
    assert runs[0].state.opt_g.lr == runs[0].config.train.g_optimizer.lr  # the configured rate, as checkpoints save it


@pytest.mark.parametrize("grid", [["train.d_optimizer.lr=0.05,0.02", "train.ema_decay=0.0,0.9"]])
def test_each_decayed_member_equals_its_single_run(grid):
    from test_sweep import SMALL, _check_group_equals_single_runs, _members
    from gankit.runs.sweep_grid import structure_key

    members = _members("d2l-gaussian", 2, grid, [*SMALL, "train.lr_decay=linear", "train.lr_decay_start=0.5"])
    groups: dict[str, list] = {}
    for member in members:
        groups.setdefault(structure_key(member.config), []).append(member)
    assert len(groups) == 1  # members with different rates still train as one stack, with one schedule
    for group in groups.values():
        _check_group_equals_single_runs(group)
