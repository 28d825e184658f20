"""Convolutional nets for images, their row layout, mixed precision and the loss scale."""

import math

import numpy as np

import pytest
import torch
from torch import nn

from gankit.config import load_config
from gankit.data.layout import Layout
from gankit.errors import UserError
from gankit.nets import build_discriminator, build_generator
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator, conv_stages
from gankit.train.steps import d_step
from gankit.train.precision import GROWTH_INTERVAL, LossScale
from gankit.train.state import TrainState


@pytest.mark.parametrize("resolution, expected", [(8, (4, 1)), (16, (4, 2)), (28, (7, 2)), (32, (4, 3)), (64, (4, 4)), (10, (5, 1))])
def test_layout_splits_the_resolution_into_start_size_and_upsamplings(resolution, expected):
    start, steps = conv_stages(resolution)
    assert (start, steps) == expected and start * 2**steps == resolution


@pytest.mark.parametrize("resolution", [9, 7, 100, 3])
def test_a_resolution_the_nets_cannot_take_is_a_user_error(resolution):
    with pytest.raises(UserError, match=f"image resolution {resolution} does not fit"):
        conv_stages(resolution)


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32), (1, 28, 28)])
def test_generator_emits_flat_images_in_tanh_range_and_d_one_logit(shape):
    g = DCGANGenerator(16, shape, width=8)
    d = DCGANDiscriminator(shape, width=8)
    rows = g(torch.randn(5, 16))
    assert rows.shape == (5, math.prod(shape)) and rows.abs().max() <= 1.0
    assert d(rows).shape == (5, 1)


def test_d2l_block_structure_for_32_pixels():
    """G: 4×4 → 8 → 16 → 32 with widths w·4, w·2, w; D mirrors it with BatchNorm and LeakyReLU(0.2)."""
    g = DCGANGenerator(100, (3, 32, 32), width=64)
    convs = [m for m in g.net if isinstance(m, nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == [
        (100, 256, 4, 1), (256, 128, 4, 2), (128, 64, 4, 2), (64, 3, 4, 2)]
    d = DCGANDiscriminator((3, 32, 32), width=64)
    convs = [m for m in d.features if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(3, 64), (64, 128), (128, 256)]
    assert any(isinstance(m, nn.BatchNorm2d) for m in d.features)
    assert [m.negative_slope for m in d.features if isinstance(m, nn.LeakyReLU)] == [0.2] * 3


def test_spectral_norm_discriminator_has_no_batch_norm_and_unit_spectral_norm():
    d = DCGANDiscriminator((1, 8, 8), width=4, spectral_norm=True)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    d(torch.randn(3, 64))  # power iterations
    for _ in range(30):
        d(torch.randn(3, 64))
    weight = d.features[0].weight.flatten(1)
    assert torch.linalg.matrix_norm(weight, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_packed_images_are_stacked_as_channels():
    d = DCGANDiscriminator((1, 8, 8), width=4, pack=2)
    assert d.features[0].in_channels == 2
    assert d(torch.randn(6, 128)).shape == (6, 1)


def test_conditional_generator_copies_its_code_and_projection_d_uses_the_label():
    g = DCGANGenerator(16 + 3, (1, 8, 8), width=4, classes=3)
    z = torch.cat((torch.randn(2, 16), torch.eye(3)[[0, 2]]), dim=1)
    rows = g(z)
    assert rows.shape == (2, 64 + 3) and torch.equal(rows[:, 64:], torch.eye(3)[[0, 2]])
    d = DCGANDiscriminator((1, 8, 8), width=4, classes=3).eval()
    with torch.no_grad():
        d.embed.weight.normal_()
        image = torch.randn(1, 64)
        as_zero, as_two = d(torch.cat((image, torch.eye(3)[[0]]), 1)), d(torch.cat((image, torch.eye(3)[[2]]), 1))
    assert not torch.allclose(as_zero, as_two)  # the same image judged differently under another label


def test_builders_pick_conv_nets_for_image_layouts():
    model = load_config("digits-tiny").model
    image = Layout.of_image((1, 8, 8))
    assert isinstance(build_generator(model, image, torch.Generator().manual_seed(0)), DCGANGenerator)
    assert isinstance(build_discriminator(model, image, torch.Generator().manual_seed(0)), DCGANDiscriminator)
    assert Layout.of_image((1, 8, 8), classes=10).width == 74


def test_batch_norm_discriminator_sees_real_and_fake_batches_apart():
    """d2l feeds D the real batch and the generated batch separately; BatchNorm statistics differ otherwise."""
    config = load_config("digits-tiny")
    state = TrainState.create(config, Layout.of_image((1, 8, 8)), torch.device("cpu"))
    assert state.d_batch_statistics
    seen = []
    state.discriminator.register_forward_hook(lambda module, args, output: seen.append(len(args[0])))
    from gankit.losses import objective

    d_step(state, torch.randn(4, 64), torch.randn(4, 64), objective("non-saturating")[0])
    assert seen == [4, 4]


def test_loss_scale_skips_overflowing_steps_and_halves():
    w = torch.tensor([1.0], requires_grad=True)
    scale = LossScale(enabled=True, scale=4.0)
    grads = scale.gradients((3.0 * w).sum(), [w])
    assert grads[0].item() == pytest.approx(3.0)  # unscaled
    assert scale.gradients((w * float("inf")).sum(), [w]) is None and scale.scale == 2.0 and scale.clean_steps == 0
    scale.clean_steps = GROWTH_INTERVAL - 1
    scale.gradients(w.sum(), [w])
    assert scale.scale == 4.0


def test_plain_gradients_when_the_scale_is_off():
    w = torch.tensor([2.0], requires_grad=True)
    assert LossScale().gradients((w**2).sum(), [w])[0].item() == pytest.approx(4.0)


def test_grid_tiles_images_row_major_with_white_padding():
    from gankit.report.image_grid import grid_of

    images = np.stack([np.full((1, 2, 2), value, np.float32) for value in (-1.0, 1.0, -1.0)])
    canvas = grid_of(images, columns=2, pad=1)
    assert canvas.shape == (2 * 3 + 1, 2 * 3 + 1, 1)
    assert canvas[1, 1, 0] == 0 and canvas[1, 4, 0] == 255 and canvas[4, 1, 0] == 0  # image 0, 1, 2
    assert canvas[0, :, 0].min() == 255 and canvas[4, 4, 0] == 255  # padding and the empty fourth cell


def test_layout_round_trips_through_its_dict():
    for row_layout in (Layout(3), Layout.of_image((3, 8, 8), classes=4), Layout(7, softmax_blocks=((1, 3), (5, 2))),
                       Layout(9, classes=2, softmax_blocks=((1, 3),), code_probs=(0.25, 0.75))):
        assert Layout.from_dict(row_layout.as_dict()) == row_layout
    assert Layout.of_image((3, 8, 8), classes=4).pixels == 192
