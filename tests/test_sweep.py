"""Sweeps: every member equals its own single run; outputs, summaries and bad input."""

import json
import os

import numpy as np
import pytest
import torch

from gankit import GAN
from gankit.config import load_raw
from gankit.errors import UserError
from gankit.nets.mlp import MLP
from gankit.report.sweep_summary import summarize
from gankit.runs.sweep_grid import expand_members, parse_grid, structure_key
from gankit.config import OptimizerConfig
from gankit.train.optim import LeanAdam
from gankit.train.stacked_net import StackedNet
from gankit.runs.sweep import prepare_members, train_stacked
from torch.func import functional_call, vmap

SMALL = ["data.n=120", "train.epochs=2", "eval.permutations=49"]


def _members(preset, seeds, grid, extra):
    from gankit.config import apply_overrides

    return expand_members(apply_overrides(load_raw(preset), extra), seeds, parse_grid(grid))


@pytest.mark.parametrize("preset, grid", [
    ("d2l-gaussian", ["train.d_optimizer.lr=0.05,0.02", "train.g_optimizer.betas=[0.9,0.999],[0.5,0.9]"]),
    ("gaussian", ["train.ema_decay=0.0,0.9"]),
    ("d2l-gaussian", ["train.label_smoothing=0.0,0.2"]),
    ("d2l-gaussian", ["train.gp_weight=0.0,1.0", "train.r1_gamma=0.0,0.5"]),  # penalties stack too
    ("d2l-gaussian", ["train.instance_noise=0.0,0.5", "model.latent_categories=0,3", "model.latent_std=1.0,0.1"]),
    ("ring", ["model.output_noise=0.05,0.2", "train.batch_size=32"]),  # G's learned output noise stacks too
])
def test_each_member_equals_its_single_run(preset, grid):
    members = _members(preset, 2, grid, SMALL)
    groups: dict[str, list] = {}
    for member in members:  # a vectorized group shares its structure, as in a real sweep
        groups.setdefault(structure_key(member.config), []).append(member)
    for group in groups.values():
        _check_group_equals_single_runs(group)


def _check_group_equals_single_runs(members):
    gans, rows = prepare_members(members)
    train_stacked(gans, rows, lambda k: None)
    for member, swept in zip(members, gans):
        alone = GAN(member.config).fit()
        pairs = zip(swept.state.generator.parameters(), alone.state.generator.parameters())
        pairs = [*pairs, *zip(swept.state.discriminator.parameters(), alone.state.discriminator.parameters())]
        if alone.state.generator_ema is not None:
            pairs += list(zip(swept.state.generator_ema.parameters(), alone.state.generator_ema.parameters()))
        for ours, theirs in pairs:
            torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose([r.d_loss for r in swept.history], [r.d_loss for r in alone.history], rtol=1e-4)
        np.testing.assert_allclose(swept.sample(20, seed=0), alone.sample(20, seed=0), rtol=1e-4, atol=1e-5)


def test_stacked_forward_equals_vmap_functional_call():
    nets = [MLP([2, 7, 3, 1], "tanh") for _ in range(4)]
    stacked = StackedNet(nets)
    x = torch.randn(4, 5, 2)
    reference = vmap(lambda p, xi: functional_call(stacked.base, p, (xi,)))(stacked.views(stacked.flat), x)
    torch.testing.assert_close(stacked(x), reference)
    torch.testing.assert_close(stacked(x)[2], nets[2](x[2]))


@pytest.mark.parametrize("widths, batch", [([2, 5, 3, 1], 8), ([2, 2], 8), ([2, 16, 4, 1], 100), ([3, 8, 8, 1], 1)])
def test_tiny_layers_give_a_member_the_bits_of_its_single_net(widths, batch):
    """Tiny layers (the chapter's) skip BLAS, whose order of summation depends on the CPU and on batching:
    a stacked member's outputs and gradients equal its own net's exactly, on any machine."""
    nets = [MLP(widths, "tanh") for _ in range(3)]
    stacked = StackedNet(nets)
    x = torch.randn(3, batch, widths[0])
    weights = torch.randn(3, batch, widths[-1])
    stacked_grads = torch.autograd.grad((stacked(x) * weights).sum(), stacked.params)
    for i, net in enumerate(nets):
        alone = (net(x[i]) * weights[i]).sum()
        assert torch.equal(stacked(x)[i], net(x[i]))
        for stacked_grad, grad in zip(stacked_grads, torch.autograd.grad(alone, list(net.parameters()))):
            assert torch.equal(stacked_grad[i], grad)


def test_a_stacked_member_reads_its_code_with_its_single_nets_bits():
    """The code lookup (one net: (out, C) weights; a stack: (M, out, C)) gathers and adds gradients in the same
    order for both, so outputs and gradients are equal, not close."""
    nets = [MLP([2 + 30, 64, 2], "relu") for _ in range(3)]
    for net in nets:
        net.read_code_by_lookup(30)
    stacked = StackedNet(nets)
    codes = torch.randint(30, (3, 40, 1)).float()
    x = torch.cat((torch.randn(3, 40, 2), codes), dim=-1)
    weights = torch.randn(3, 40, 2)
    stacked_grads = torch.autograd.grad((stacked(x) * weights).sum(), stacked.params)
    for i, net in enumerate(nets):
        assert torch.equal(stacked(x)[i], net(x[i]))
        alone = torch.autograd.grad((net(x[i]) * weights[i]).sum(), list(net.parameters()))
        for stacked_grad, grad in zip(stacked_grads, alone):
            assert torch.equal(stacked_grad[i], grad)


def test_broadcast_linear_by_hand():
    from gankit.nets.mlp import _broadcast_linear

    x = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    weight = torch.tensor([[0.5, 1.0], [2.0, 0.0], [-1.0, 3.0]])
    bias = torch.tensor([0.0, 1.0, -2.0])
    expected = torch.tensor([[2.5, 3.0, 3.0], [0.5, 7.0, -8.0]])  # x @ weightᵀ + bias, worked out by hand
    assert torch.equal(_broadcast_linear(x, weight, bias), expected)
    stacked = _broadcast_linear(torch.stack([x, 2 * x]), torch.stack([weight, weight]), torch.stack([bias, bias]).unsqueeze(1))
    assert torch.equal(stacked[0], expected) and torch.equal(stacked[1], 2 * (expected - bias) + bias)


def test_stacked_adam_matches_torch_adam_per_member():
    nets = [MLP([2, 3, 1], "tanh") for _ in range(2)]
    stacked = StackedNet(nets)
    settings = [(0.01, (0.9, 0.999)), (0.1, (0.5, 0.9))]
    optimizer = LeanAdam(stacked, [OptimizerConfig(lr=lr, betas=b) for lr, b in settings])
    torch_opts = [torch.optim.Adam(n.parameters(), lr=lr, betas=b) for n, (lr, b) in zip(nets, settings)]
    x = torch.randn(2, 6, 2)
    for _ in range(3):
        optimizer.step(torch.autograd.grad(stacked(x).pow(2).sum(), stacked.params))
        for net, opt, xi in zip(nets, torch_opts, x):
            opt.zero_grad()
            net(xi).pow(2).sum().backward()
            opt.step()
    for i, net in enumerate(nets):
        for (name, param), stacked_param in zip(net.named_parameters(), stacked.named_rows(stacked.flat, i).values()):
            torch.testing.assert_close(stacked_param.detach(), param.detach(), rtol=1e-5, atol=1e-6, msg=name)


def test_members_and_grouping():
    members = _members("d2l-gaussian", 3, ["train.d_optimizer.lr=0.1,0.2", "train.batch_size=8,16"], [])
    assert len(members) == 12 and [m.config.seed for m in members[:3]] == [0, 1, 2]
    assert members[0].label.startswith("000-seed0-train.d_optimizer.lr=0.1")
    assert len({structure_key(m.config) for m in members}) == 2  # batch size splits groups, lr does not
    smoothed = _members("d2l-gaussian", 1, ["train.label_smoothing=0.0,0.1"], [])
    assert len({structure_key(m.config) for m in smoothed}) == 1  # loss weights vectorize too
    assert parse_grid(["model.discriminator.hidden=[16,16],[8]"]) == {"model.discriminator.hidden": [[16, 16], [8]]}


@pytest.mark.parametrize("seeds, grid, message", [
    (0, [], "--seeds must be at least 1, got 0"),
    (1, ["train.nope=1,2"], "unknown config key 'train.nope'"),
    (1, ["train.epochs=a,b"], "config key 'train.epochs'"),
    (1, ["train.epochs="], "--grid expects key=v1,v2"),
])
def test_bad_sweeps(seeds, grid, message):
    with pytest.raises(UserError, match=message):
        _members("d2l-gaussian", seeds, grid, [])


def test_summary_statistics_hand_computed():
    rows = [{"member": "a", "mmd_p": 0.5, "cov_error_vs_data": 1.0, "d_loss": 0.7, "g_loss": 0.7},
            {"member": "b", "mmd_p": 0.01, "cov_error_vs_data": 3.0, "d_loss": 0.6, "g_loss": 0.8}]
    by_name = {s.metric: s for s in summarize(rows, 0.05)}
    assert by_name["mmd_p"].pass_rate == 0.5 and by_name["mmd_p"].best_member == "a"
    assert by_name["cov_error_vs_data"].mean == 2.0 and by_name["cov_error_vs_data"].stderr == pytest.approx(1.0)
    assert by_name["cov_error_vs_data"].best_member == "a" and by_name["d_loss"].pass_rate is None


def test_sweep_cli_end_to_end(cli, tmp_path):
    out = tmp_path / "sweep"
    result = cli("sweep", "d2l-gaussian", "--seeds", "2", "--grid", "train.d_optimizer.lr=0.05,0.01",
                 *sum((["--set", s] for s in SMALL), []), "--out", str(out), "--quiet")
    assert result.code == 0, result.stderr
    assert "sweep summary over 4 members" in result.stdout
    members = sorted(p.name for p in (out / "members").iterdir())
    assert len(members) == 4 and members[0] == "000-seed0-train.d_optimizer.lr=0.05"
    for name in members:
        folder = out / "members" / name
        assert (folder / "checkpoints/final/state.json").is_file() and (folder / "eval.json").is_file()
        assert len((folder / "metrics.jsonl").read_text().splitlines()) == 2
    assert (out / "summary.csv").read_text().startswith("metric,mean,stderr,min,max,best_member,pass_rate")
    assert "| mmd_p |" in (out / "summary.md").read_text()
    seed1 = json.loads((out / "members" / members[1] / "eval.json").read_text())
    assert seed1["results"]["mmd"]["n_fake"] == 120
    assert "evaluating 4 members, " in result.stderr or (os.cpu_count() or 1) == 1  # several at a time
    again = GAN.load(out / "members" / members[1] / "checkpoints/final").evaluate().as_dict()  # in this process
    for name, record in again["results"].items():
        assert seed1["results"][name]["p_value"] == record["p_value"], name
        assert seed1["results"][name]["statistic"] == pytest.approx(record["statistic"], rel=1e-12, nan_ok=True), name
    assert cli("sample", str(out / "members" / members[0]), "-n", "3", "-o", str(tmp_path / "s.npy")).code == 0


def test_sequential_fallback_gives_the_same_members(cli, tmp_path):
    args = ["sweep", "d2l-gaussian", "--seeds", "2", *sum((["--set", s] for s in SMALL), []), "--no-eval", "--quiet"]
    assert cli(*args, "--out", str(tmp_path / "v")).code == 0
    result = cli(*args, "--sequential", "--out", str(tmp_path / "s"))
    assert result.code == 0 and "notice: training 2 member(s) one after another" in result.stderr
    for name in ("000-seed0", "001-seed1"):
        a = GAN.load(tmp_path / "v/members" / name / "checkpoints/final")
        b = GAN.load(tmp_path / "s/members" / name / "checkpoints/final")
        np.testing.assert_allclose(a.sample(10, seed=0), b.sample(10, seed=0), rtol=1e-4, atol=1e-5)


def test_bad_sweep_cli_is_one_line(cli, tmp_path):
    for args, message in [(["--seeds", "0"], "--seeds must be at least 1"),
                          (["--grid", "nope=1"], "unknown config key 'nope'"),
                          (["--grid", "train.batch_size=x,y"], "train.batch_size")]:
        result = cli("sweep", "d2l-gaussian", *args, "--out", str(tmp_path / "x"))
        assert result.code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.skipif((__import__("os").cpu_count() or 1) < 2, reason="needs two CPU cores")
def test_unstackable_members_train_in_processes_and_equal_sequential_runs(cli, tmp_path):
    """BatchNorm nets cannot be stacked: they train in worker processes, each equal to its own run."""
    args = ["sweep", "pacgan-ring", "--seeds", "2", "--set", "data.n=400", "--set", "train.epochs=1",
            "--set", "model.generator.hidden=[16,16]", "--set", "model.discriminator.hidden=[8]", "--no-eval", "--quiet"]
    result = cli(*args, "--out", str(tmp_path / "p"))
    assert result.code == 0, result.stderr
    assert "notice: training 2 member(s) in 2 processes" in result.stderr
    for name in ("000-seed0", "001-seed1"):
        swept = GAN.load(tmp_path / "p/members" / name / "checkpoints/final")
        alone = GAN(swept.config).fit()
        for a, b in zip(swept.state.generator.state_dict().values(), alone.state.generator.state_dict().values()):
            assert torch.equal(a, b)


@pytest.mark.parametrize("preset, grid, seeds", [
    ("d2l-gaussian", ["train.d_optimizer.lr=0.05,0.02"], 1),  # the chapter's run, full length; per-member Adam settings
    ("d2l-gaussian", ["model.output_noise=0.1,0.3"], 1),  # full length, with G's learned output noise
    ("gaussian", ["train.label_smoothing=0.0,0.1"], 2),  # full length: EMA, shuffling, batch 100, smoothing per member
])
def test_a_member_ends_bit_identical_to_its_single_run(preset, grid, seeds):
    """Not close: equal. Small differences would grow over thousands of adversarial steps. (Seeds differ per member
    in the third case; the first two stack two grid points of one seed.)"""
    members = _members(preset, seeds, grid, [])
    gans, rows = prepare_members(members)
    train_stacked(gans, rows, lambda k: None)
    for member, swept in zip(members, gans):
        alone = GAN(member.config).fit()
        ours, _ = swept.state.state_dict()
        theirs, _ = alone.state.state_dict()
        assert ours.keys() == theirs.keys()
        unequal = [key for key in ours if not torch.equal(ours[key], theirs[key])]
        assert not unequal, f"{member.label}: {unequal}"
        assert [r.d_loss for r in swept.history] == [r.d_loss for r in alone.history]
