"""LeanAdam: the same updates as torch.optim.Adam, a state_dict either can load, no TorchDynamo import."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from gankit.config import OptimizerConfig
from gankit.train import optim
from gankit.train.optim import LeanAdam


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))


def _grads(net: nn.Module, step: int) -> list[torch.Tensor]:
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(step))
    return list(torch.autograd.grad(net(x).square().mean(), list(net.parameters())))


@pytest.mark.parametrize("fused", [True, False])
def test_lean_adam_steps_like_torch_adam_and_trades_state_dicts_with_it(fused, monkeypatch):
    if not fused:  # as on a PyTorch build without a fused kernel for this device
        monkeypatch.setattr(optim, "_fused_devices", lambda: ())
    ours, theirs = _net(0), _net(0)
    lean = LeanAdam(ours, OptimizerConfig(name="adam", lr=0.01, betas=(0.5, 0.9)))
    assert lean.fused == fused
    reference = torch.optim.Adam(theirs.parameters(), lr=0.01, betas=(0.5, 0.9))
    for step in range(5):
        lean.step(_grads(ours, step))
        for param, grad in zip(theirs.parameters(), _grads(theirs, step)):
            param.grad = grad
        reference.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b)
    # torch's state → a fresh LeanAdam, and LeanAdam's state → a fresh torch Adam
    fresh = LeanAdam(_net(1), OptimizerConfig(name="adam", lr=0.5))
    fresh.load_state_dict(reference.state_dict())
    assert fresh.lr == 0.01 and float(fresh.state_dict()["state"][0]["step"]) == 5
    back = torch.optim.Adam(_net(1).parameters(), lr=0.5)
    back.load_state_dict(lean.state_dict())
    for index, entry in reference.state_dict()["state"].items():
        torch.testing.assert_close(back.state_dict()["state"][index]["exp_avg_sq"], entry["exp_avg_sq"])
    assert back.param_groups[0]["betas"] == (0.5, 0.9)


def test_loading_a_never_stepped_state_resets_the_moments():
    net = _net(0)
    lean = LeanAdam(net, OptimizerConfig(name="adam", lr=0.01))
    lean.step(_grads(net, 0))
    lean.load_state_dict(torch.optim.Adam(_net(1).parameters(), lr=0.01).state_dict())  # PyTorch's: no state yet
    state = lean.state_dict()["state"]
    assert float(state[0]["step"]) == 0 and all(not entry["exp_avg"].any() for entry in state.values())


def test_lean_adam_refuses_a_state_for_another_net():
    lean = LeanAdam(_net(0), OptimizerConfig(name="adam", lr=0.01))
    other = torch.optim.Adam(nn.Linear(2, 2).parameters())
    with pytest.raises(ValueError, match="2 parameters, this net has 4"):
        lean.load_state_dict(other.state_dict())


def test_training_a_gan_does_not_import_torch_dynamo():
    """Constructing torch.optim optimizers imports TorchDynamo (seconds); the Adam path must not."""
    code = ("import sys; from gankit import GAN; GAN('d2l-gaussian', overrides=['train.epochs=1']).fit(); "
            "print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
