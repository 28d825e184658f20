"""The generator's latent code, annealed instance noise, and the 2-D decision-surface figures."""

import numpy as np
import pytest
import torch

from gankit import GAN
from gankit.config import load_config
from gankit.data.layout import Layout
from gankit.nets import build_generator
from gankit.nets.latent import Latent
from gankit.report.decision_frames import FRAME_POINTS, decision_frame, frame_epochs
from gankit.train.instance_noise import draw_noise, noise_std


def test_plain_latent_is_plain_gaussian_noise():
    ours = Latent(3).sample(5, torch.Generator().manual_seed(1))
    assert torch.equal(ours, torch.randn(5, 3, generator=torch.Generator().manual_seed(1)))


def test_latent_code_is_one_hot_uniform_and_scaled_noise():
    latent = Latent(dim=2, categories=4, std=0.1)
    rows = latent.sample(40000, torch.Generator().manual_seed(0))
    assert rows.shape == (40000, latent.width) and latent.width == 6
    code = rows[:, 2:]
    assert torch.equal(code.sum(1), torch.ones(40000)) and set(code.unique().tolist()) == {0.0, 1.0}
    np.testing.assert_allclose(code.mean(0).numpy(), 0.25, atol=0.01)  # uniform over the 4 categories
    assert rows[:, :2].std().item() == pytest.approx(0.1, rel=0.02)


def test_output_noise_columns_sit_between_the_noise_and_the_code_unscaled():
    latent = Latent(dim=2, categories=3, std=0.1, noise=2)
    rows = latent.sample(40000, torch.Generator().manual_seed(0))
    assert latent.width == 7 and rows.shape == (40000, 7)
    assert rows[:, :2].std().item() == pytest.approx(0.1, rel=0.02)  # z scaled by latent_std
    assert rows[:, 2:4].std().item() == pytest.approx(1.0, rel=0.02)  # ε stays N(0, 1)
    assert torch.equal(rows[:, 4:].sum(1), torch.ones(40000))  # then the one-hot code
    plain = Latent(dim=2, std=0.1).sample(5, torch.Generator().manual_seed(3))
    assert torch.equal(plain, torch.randn(5, 2, generator=torch.Generator().manual_seed(3)) * 0.1)


def test_a_code_index_latent_draws_the_same_codes_as_the_one_hot_one():
    one_hot = Latent(dim=2, categories=5, std=0.1, noise=2).sample(300, torch.Generator().manual_seed(4))
    index = Latent(dim=2, categories=5, std=0.1, noise=2, code_index=True).sample(300, torch.Generator().manual_seed(4))
    assert index.shape == (300, 5)  # z, ε, c
    assert torch.equal(index[:, :4], one_hot[:, :4])
    assert torch.equal(index[:, 4], one_hot[:, 4:].argmax(1).float())


def test_code_lookup_by_hand():
    """G's first layer adds weight column c for code c: W·[z, one_hot(c)] + b, worked out by hand."""
    from gankit.nets.mlp import MLP

    net = MLP([1 + 3, 2], "relu")  # z of 1 column, 3 categories, 2 outputs, one layer
    net.read_code_by_lookup(3)
    with torch.no_grad():
        net.layers[0].weight.copy_(torch.tensor([[2.0, 10.0, 20.0, 30.0], [-1.0, 1.0, 2.0, 3.0]]))
        net.layers[0].bias.copy_(torch.tensor([0.5, -0.5]))
    rows = torch.tensor([[1.0, 0.0], [3.0, 2.0], [-1.0, 1.0]])  # (z, c)
    expected = torch.tensor([[2 + 10 + 0.5, -1 + 1 - 0.5], [6 + 30 + 0.5, -3 + 3 - 0.5], [-2 + 20 + 0.5, 1 + 2 - 0.5]])
    assert torch.equal(net(rows), expected)
    (net(rows) * torch.tensor([1.0, 0.0])).sum().backward()  # d/dW of the first output: z to W[0,0], 1 to W[0,1+c]
    assert torch.equal(net.layers[0].weight.grad, torch.tensor([[1 + 3 - 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]))


def test_code_lookup_equals_the_product_with_the_one_hot_code():
    from gankit.nets.mlp import MLP

    torch.manual_seed(0)
    dense = MLP([2 + 50, 16, 2], "relu")
    lookup = MLP([2 + 50, 16, 2], "relu")
    lookup.load_state_dict(dense.state_dict())
    lookup.read_code_by_lookup(50)
    latent = Latent(dim=2, categories=50)
    one_hot = latent.sample(200, torch.Generator().manual_seed(1))
    index = Latent(dim=2, categories=50, code_index=True).sample(200, torch.Generator().manual_seed(1))
    torch.testing.assert_close(lookup(index), dense(one_hot))
    dense(one_hot).square().sum().backward()
    lookup(index).square().sum().backward()
    for ours, theirs in zip(lookup.parameters(), dense.parameters()):
        torch.testing.assert_close(ours.grad, theirs.grad)


def test_code_fan_in_draws_the_first_layer_as_if_the_code_were_that_many_columns():
    """model.code_fan_in = n: G's first layer ~ U(±1/sqrt(d + n)), whatever C is; 0 keeps PyTorch's 1/sqrt(d + C)."""
    def first_layer(categories: int, fan_in: int) -> torch.Tensor:
        model = load_config("gaussian-mlp", [f"model.latent_categories={categories}", f"model.code_fan_in={fan_in}"]).model
        layer = build_generator(model, Layout(width=2), torch.Generator().manual_seed(0)).layers[0]
        return torch.cat((layer.weight.detach().flatten(), layer.bias.detach()))

    bound_1000 = 1 / np.sqrt(2 + 1000)  # PyTorch: latent_dim 2 + 1000 one-hot columns
    pytorch_default = first_layer(1000, 0)
    assert pytorch_default.abs().max() <= bound_1000 < pytorch_default.abs().max() * 1.1
    bound_one = 1 / np.sqrt(2 + 1)  # the code counted as one column
    for categories in (10, 1000):
        values = first_layer(categories, 1)
        assert values.abs().max() <= bound_one < values.abs().max() * 1.1
        assert abs(values.abs().mean().item() - bound_one / 2) < 0.05 * bound_one  # uniform: mean |x| = bound / 2


def test_code_fan_in_needs_a_code_and_the_default_init(cli):
    result = cli("train", "gaussian", "--set", "model.code_fan_in=1")
    assert result.code == 2
    assert "model.code_fan_in" in result.stderr and "latent_categories" in result.stderr


def test_output_noise_adds_its_learned_scale_times_epsilon():
    """x = net(z') + softplus(raw)·ε, by hand: a net whose layer outputs 0 plus s = 0.5 gives 0.5·ε exactly."""
    from gankit.nets.mlp import MLP

    net = MLP([2, 2], "relu")  # the latent's 4 columns less the 2 of ε
    torch.nn.init.zeros_(net.layers[0].weight)
    torch.nn.init.zeros_(net.layers[0].bias)
    net.add_output_noise(start=1, initial_scale=0.5)
    z = torch.tensor([[9.0, 2.0, -4.0, 7.0]])  # ε = columns 1 and 2
    torch.testing.assert_close(net(z), torch.tensor([[1.0, -2.0]]))
    torch.testing.assert_close(torch.nn.functional.softplus(net.output_noise), torch.tensor([0.5, 0.5]))
    assert "output_noise" in dict(net.named_parameters())  # learned with G's other parameters


def test_output_noise_learning_rate_multiplier_by_hand():
    """s = softplus(m·raw): it starts at the same scale for any m, and one SGD step moves it m² times as far
    (raw's gradient is m·ds/d(m·raw), and the step on raw is multiplied by m again in the forward pass);
    one Adam step, whose size is about lr whatever the gradient, moves it m times as far."""
    from gankit.nets.mlp import MLP

    moves = {}
    for optimizer in ("sgd", "adam"):
        for m in (1.0, 30.0):
            torch.manual_seed(0)
            net = MLP([2, 4, 2], "relu")
            net.add_output_noise(start=2, initial_scale=0.02, lr_mul=m)
            net.double()  # steps of 1e-6 are lost to float32's rounding at 0.02
            torch.testing.assert_close(net.output_noise_scale(), torch.tensor([0.02, 0.02], dtype=torch.float64))
            torch.testing.assert_close(net.output_noise_scale(), torch.nn.functional.softplus(m * net.output_noise.detach()))
            assert net.output_noise.detach()[0].item() == pytest.approx(np.log(np.expm1(0.02)) / m, rel=1e-5)
            step = torch.optim.SGD([net.output_noise], lr=1e-4) if optimizer == "sgd" else torch.optim.Adam([net.output_noise], lr=1e-4)
            z = torch.zeros(64, 4, dtype=torch.float64)  # the net sees columns 0-1, ε is columns 2-3
            z[:, 2:4] = torch.randn(64, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
            before = net.output_noise_scale()
            (-(net(z) * z[:, 2:4]).mean()).backward()  # dloss/ds = −mean(ε²) < 0: the noise should widen
            step.step()
            moves[optimizer, m] = (net.output_noise_scale() - before)[0].item()
    assert moves["adam", 1.0] > 0 and moves["adam", 30.0] / moves["adam", 1.0] == pytest.approx(30, rel=0.01)
    assert moves["sgd", 1.0] > 0 and moves["sgd", 30.0] / moves["sgd", 1.0] == pytest.approx(900, rel=0.01)
    with pytest.raises(Exception, match="output_noise_lr_mul"):
        load_config("ring", ["model.output_noise_lr_mul=0"])


def test_entropy_bonus_adds_minus_lambda_over_s_to_the_scale_gradient():
    """G's loss gains −λ·Σ log s: with a zero net, loss = Σ x = Σ s·ε, so d loss/d raw_j = (Σ ε_j − λ/s_j)·σ(raw_j)
    (softplus' = σ), by hand for s = 0.5: σ(raw) = 1 − e^(−0.5). Alone and stacked (each member its own s), and
    the values are untouched."""
    from gankit.nets.mlp import MLP

    grads = {}
    for lam in (0.0, 0.2):
        net = MLP([1, 2], "relu")
        torch.nn.init.zeros_(net.layers[0].weight)
        torch.nn.init.zeros_(net.layers[0].bias)
        net.add_output_noise(start=1, initial_scale=0.5, entropy=lam)
        z = torch.tensor([[9.0, 2.0, -4.0], [1.0, 1.0, 0.5]])  # ε = columns 1 and 2: Σ ε = (3, −3.5)
        out = net(z)
        torch.testing.assert_close(out, 0.5 * z[:, 1:])
        out.sum().backward()
        grads[lam] = net.output_noise.grad
    slope = 1 - np.exp(-0.5)
    torch.testing.assert_close(grads[0.0], torch.tensor([3.0, -3.5]) * slope)
    torch.testing.assert_close(grads[0.2], (torch.tensor([3.0, -3.5]) - 0.2 / 0.5) * slope)
    raw = torch.log(torch.expm1(torch.tensor([[0.5, 0.5], [0.25, 2.0]]))).requires_grad_()  # two members' s
    params = {"layers.0.weight": torch.zeros(2, 2, 1), "layers.0.bias": torch.zeros(2, 2), "output_noise": raw}
    net.forward_stacked(params, z.expand(2, 2, 3)).sum().backward()
    s = torch.tensor([[0.5, 0.5], [0.25, 2.0]])
    torch.testing.assert_close(raw.grad, (torch.tensor([3.0, -3.5]) - 0.2 / s) * torch.sigmoid(raw.detach()))
    with torch.no_grad():  # sampling: no bonus, the same values
        torch.testing.assert_close(net(z), 0.5 * z[:, 1:])


def test_entropy_bonus_needs_output_noise(cli):
    result = cli("train", "gaussian", "--set", "model.output_noise_entropy=0.1")
    assert result.code == 2
    assert "model.output_noise_entropy" in result.stderr and "model.output_noise > 0" in result.stderr
    result = cli("train", "ring", "--set", "model.output_noise_entropy=-1")
    assert result.code == 2 and "output_noise_entropy" in result.stderr


def test_the_net_never_sees_the_output_noise():
    """The net's input is the latent without ε (so it cannot cancel the noise): its first layer is 2 narrower, and
    changing ε moves the output by exactly s·Δε, whatever the net's weights."""
    from gankit.nets.mlp import MLP

    net = MLP([2, 8, 2], "relu")
    net.add_output_noise(start=1, initial_scale=0.3)
    z = torch.tensor([[0.4, 2.0, -4.0, 0.7]])
    moved = z.clone()
    moved[0, 1:3] = torch.tensor([-1.0, 1.0])  # Δε = (−3, 5)
    torch.testing.assert_close(net(moved) - net(z), torch.tensor([[-0.9, 1.5]]))
    torch.testing.assert_close(net._net_input(z), torch.tensor([[0.4, 0.7]]))
    gan = GAN("ring", overrides=["data.n=512", "train.epochs=1"])
    gan.prepare(gan.load_data())
    assert gan.state.latent.width == 2 + 2 + 1  # z, ε, the code's index (G reads it by lookup)
    categories = gan.config.model.latent_categories
    assert gan.state.generator.layers[0].in_features == 2 + categories  # ε is not among G's net's inputs


def test_output_noise_is_learned_and_refused_for_images():
    gan = GAN("ring", overrides=["train.epochs=1", "data.n=2048", "model.output_noise=0.3"]).fit()
    scale = gan.state.generator.output_noise_scale()
    assert scale.shape == (2,) and not torch.allclose(scale, torch.tensor([0.3, 0.3]))  # it moved from its start
    assert gan.state.latent.width == 2 + 2 + 1
    with pytest.raises(Exception, match="model.output_noise is for perceptron generators"):
        load_config("digits-tiny", ["model.output_noise=0.1"])


def test_generator_takes_the_code_as_input_and_samples_have_data_shape():
    gan = GAN("d2l-gaussian", overrides=["train.epochs=1", "data.n=64", "model.latent_categories=5"]).fit()
    first = next(gan.state.generator.parameters())
    assert first.shape[-1] == 7  # 2 noise columns + 5 code columns
    assert gan.sample(10, seed=0).shape == (10, 2)


def test_instance_noise_schedule_hand_computed():
    train = load_config("d2l-gaussian", ["train.epochs=10", "train.instance_noise=0.4", "train.instance_noise_anneal=0.5"]).train
    # anneal over 0.5 · 10 epochs · 20 batches = 100 batches: σ = 0.4 · (1 − t/100), then 0
    assert [noise_std(train, t, 20) for t in (0, 25, 50, 100, 150)] == pytest.approx([0.4, 0.3, 0.2, 0.0, 0.0])
    assert noise_std(load_config("d2l-gaussian").train, 0, 20) == 0.0


def test_instance_noise_draws_are_reproducible_and_scaled():
    a = draw_noise((2, 5000, 2), 0.3, seed=7, step=11, device=torch.device("cpu"))
    assert torch.equal(a, draw_noise((2, 5000, 2), 0.3, seed=7, step=11, device=torch.device("cpu")))
    assert not torch.equal(a, draw_noise((2, 5000, 2), 0.3, seed=7, step=12, device=torch.device("cpu")))
    assert a.std().item() == pytest.approx(0.3, rel=0.03)


def test_instance_noise_changes_training_and_is_deterministic():
    base = ["train.epochs=1", "data.n=64"]
    plain = GAN("d2l-gaussian", overrides=base).fit().sample(5, seed=0)
    noisy = [GAN("d2l-gaussian", overrides=[*base, "train.instance_noise=0.5"]).fit().sample(5, seed=0) for _ in range(2)]
    np.testing.assert_array_equal(noisy[0], noisy[1])
    assert not np.allclose(plain, noisy[0])


def test_frame_epochs_spread_over_training():
    assert frame_epochs(16, 8) == {2, 4, 6, 8, 10, 12, 14, 16}
    assert frame_epochs(3, 8) == {1, 2, 3}
    assert max(frame_epochs(1000, 8)) == 1000 and len(frame_epochs(1000, 8)) == 8


def test_decision_frame_is_d_on_a_grid_covering_the_points():
    gan = GAN("d2l-gaussian", overrides=["train.epochs=1", "data.n=64"]).fit()
    frame = decision_frame(gan.real_rows().values, gan.sample(FRAME_POINTS, seed=0), gan.discriminator_logits, epoch=1)
    low_x, high_x, low_y, high_y = frame["extent"]
    assert frame["logits"].shape == (120, 120) and np.isfinite(frame["logits"]).all()
    inside = (frame["fake"][:, 0] >= low_x) & (frame["fake"][:, 0] <= high_x)
    assert inside.mean() > 0.99 and low_y < frame["real"][:, 1].mean() < high_y
    # the corner node's logit is D's output there (data units → D's units through the scaler)
    corner = torch.as_tensor(gan.scaler.transform(np.array([[low_x, low_y]])), dtype=torch.float32)
    with torch.no_grad():
        assert frame["logits"][0, 0] == pytest.approx(gan.state.discriminator(corner).item(), abs=1e-5)


def test_two_dimensional_runs_draw_decision_surfaces(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "d2l-gaussian", "--set", "train.epochs=3", "--set", "data.n=64", "--set", "eval.permutations=19",
                 "--out", str(out), "--quiet")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in (out / "plots/frames").iterdir()) == [f"epoch-00000{i}.npz" for i in (1, 2, 3)]
    for name in ("decision.png", "training.png"):
        assert (out / "plots" / name).read_bytes()[:4] == b"\x89PNG"
