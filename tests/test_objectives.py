"""The GAN family's objectives and penalties against closed forms, and the loop options that use them."""

import math
import shutil

import pytest
import torch
from torch import nn

from gankit import GAN
from gankit.losses import (d_loss_hinge, d_loss_least_squares, d_loss_wasserstein, g_loss_least_squares,
                           g_loss_wasserstein, gradient_penalty, objective, r1_penalty)


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values).reshape(-1, 1)


def test_wasserstein_hinge_and_least_squares_hand_computed():
    real, fake = t(2.0, 0.5), t(-2.0, 0.0)
    assert d_loss_wasserstein(real, fake).item() == pytest.approx(-1.0 - 1.25)
    assert g_loss_wasserstein(fake).item() == pytest.approx(1.0)
    assert d_loss_hinge(real, fake).item() == pytest.approx(0.25 + 0.5)
    assert d_loss_least_squares(t(1.0, 0.0), t(0.0, 1.0)).item() == pytest.approx(0.5)
    assert g_loss_least_squares(t(0.0, 1.0)).item() == pytest.approx(0.25)


def test_one_sided_label_smoothing():
    d_loss, _ = objective("non-saturating", label_smoothing=0.1)
    assert d_loss(t(0.0), t(0.0)).item() == pytest.approx(math.log(2))
    real_term = 0.9 * math.log(1 + math.exp(-2)) + 0.1 * math.log(1 + math.exp(2))
    assert d_loss(t(2.0), t(-1.0)).item() == pytest.approx(0.5 * (real_term + math.log(1 + math.exp(-1))), abs=1e-6)
    assert objective("hinge", label_smoothing=0.1)[0] is d_loss_hinge  # only the BCE objectives smooth labels


def linear_critic(weight: list[float]) -> nn.Linear:
    critic = nn.Linear(len(weight), 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([weight]))
        critic.bias.fill_(0.3)
    return critic


def test_gradient_penalty_of_a_linear_critic_is_norm_minus_one_squared():
    critic = linear_critic([3.0, 4.0])  # ‖w‖ = 5 → (5 − 1)² = 16, wherever x̂ lies
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    mix = torch.rand(6, 1)
    assert gradient_penalty(critic, real, fake, mix).item() == pytest.approx(16.0)
    assert gradient_penalty(linear_critic([0.6, 0.8]), real, fake, mix).item() == pytest.approx(0.0, abs=1e-12)


def test_r1_of_a_linear_critic_is_half_squared_norm():
    assert r1_penalty(linear_critic([3.0, 4.0]), torch.randn(5, 2)).item() == pytest.approx(12.5)


def test_penalties_are_differentiable_in_the_critic():
    critic = linear_critic([3.0, 4.0])
    penalty = gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 2), torch.rand(4, 1))
    (grad,) = torch.autograd.grad(penalty, critic.weight)
    # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖ = 2·4·(0.6, 0.8)
    torch.testing.assert_close(grad, torch.tensor([[4.8, 6.4]]))


@pytest.mark.parametrize("objective_name", ["minimax", "wgan", "lsgan", "hinge"])
def test_every_objective_trains(objective_name):
    extra = ["train.gp_weight=1.0"] if objective_name == "wgan" else []
    gan = GAN("gaussian", overrides=["train.epochs=3", f"train.objective={objective_name}", *extra]).fit()
    assert all(math.isfinite(r.d_loss) and math.isfinite(r.g_loss) for r in gan.history)


def test_n_critic_takes_several_d_steps_per_g_step():
    gan = GAN("d2l-gaussian", overrides=["train.epochs=1", "train.n_critic=2"]).fit()
    assert gan.state.step == 63  # 125 batches → 62 pairs + one last group
    assert gan.state.opt_d._step.item() == 125 and gan.state.opt_g._step.item() == 63


@pytest.mark.parametrize("extra", [[], ["train.instance_noise=0.5", "model.latent_categories=3", "model.latent_std=0.2"]])
def test_resume_mid_epoch_with_penalties_is_exact(tmp_path, extra):
    from gankit.config import load_config
    from gankit.runs.checkpoint_schedule import step_checkpoints
    from gankit.runs.job import resume_run, train_run

    overrides = ["train.epochs=2", "data.n=160", "train.batch_size=16", "train.objective=wgan", "train.gp_weight=10",
                 "train.r1_gamma=1", "train.n_critic=2", "checkpoint.every_steps=3", "checkpoint.keep=50",
                 "eval.permutations=19", *extra]
    config = load_config("d2l-gaussian", overrides)
    whole = tmp_path / "whole"
    train_run(config, lambda: whole.mkdir() or whole)
    part = tmp_path / "part"
    shutil.copytree(whole, part)
    shutil.rmtree(part / "checkpoints" / "final")
    for step, folder in step_checkpoints(part):
        if step > 4:  # keep step 3 (mid-epoch 1): resume from there
            shutil.rmtree(folder)
    resume_run(part)
    ours, theirs = GAN.load(part / "checkpoints/final").state, GAN.load(whole / "checkpoints/final").state
    for a, b in zip([*ours.generator.parameters(), *ours.discriminator.parameters()],
                    [*theirs.generator.parameters(), *theirs.discriminator.parameters()]):
        assert torch.equal(a, b)


def test_packing_shapes():
    from gankit.train.steps import pack

    rows = torch.arange(24.0).reshape(6, 4)  # 6 samples of width 4
    packed = pack(rows, 3)
    assert packed.shape == (2, 12) and torch.equal(packed[0], rows[:3].reshape(-1))
    assert pack(rows, 4).shape == (1, 16)  # whole packs only
    assert pack(torch.zeros(5, 6, 2), 2).shape == (5, 3, 4)  # stacked members keep their leading dim
    assert pack(rows, 1) is rows


def test_pacgan_discriminator_sees_packs():
    gan = GAN("d2l-gaussian", overrides=["train.epochs=1", "model.pack=4", "data.n=64"]).fit()
    assert gan.state.discriminator.in_features == 8
    from gankit.errors import UserError

    with pytest.raises(UserError, match=r"train.batch_size \(8\) must be a multiple of model.pack \(3\)"):
        GAN("d2l-gaussian", overrides=["model.pack=3"])


def test_maxout_batch_norm_and_spectral_norm_nets():
    from gankit.config import NetConfig
    from gankit.nets.mlp import apply_spectral_norm, mlp

    maxout = mlp(2, 1, NetConfig(hidden=[3], maxout=5))
    assert maxout.layers[0].out_features == 15 and maxout(torch.randn(4, 2)).shape == (4, 1)
    net = apply_spectral_norm(mlp(2, 1, NetConfig(hidden=[8])))
    for _ in range(30):
        net(torch.randn(4, 2))  # power iterations
    assert torch.linalg.matrix_norm(net.layers[0].weight, ord=2).item() == pytest.approx(1.0, abs=0.05)
    gan = GAN("pacgan-ring", overrides=["data.n=400", "train.epochs=1", "model.generator.hidden=[16,16]",
                                        "model.discriminator.hidden=[8]"]).fit()
    assert gan.state.generator.training  # sampling switches BatchNorm to eval mode and back
    a, b = gan.sample(5, seed=0), gan.sample(5, seed=0)
    assert (a == b).all() and gan.state.generator.training


@pytest.mark.parametrize("optimizer", ["rmsprop", "sgd"])
def test_other_optimizers_train_and_resume(optimizer, tmp_path):
    overrides = ["train.epochs=1", f"train.d_optimizer.name={optimizer}", f"train.g_optimizer.name={optimizer}",
                 "train.d_optimizer.momentum=0.5", "train.d_optimizer.lr=0.01", "train.g_optimizer.lr=0.01"]
    gan = GAN("d2l-gaussian", overrides=overrides).fit()
    gan.save(tmp_path / "c")
    again = GAN.load(tmp_path / "c")
    assert type(again.state.opt_d.optimizer).__name__.lower() == optimizer
    assert again.state.opt_d.lr == pytest.approx(0.01)
