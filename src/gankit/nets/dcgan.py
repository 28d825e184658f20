"""Convolutional nets for images: DCGAN (as in d2l's DCGAN chapter) and an SNGAN-style discriminator.

The training loop moves every sample as one flat row, so these nets read and
write images flattened: G maps a latent row to ``C·H·W`` numbers in [−1, 1]
(tanh), D unflattens its input to ``C×H×W`` and returns one logit. That keeps
PacGAN packing (``pack`` images stacked as channels), instance noise and the
gradient penalties the same code for rows and images.

Sizes follow the resolution ``R = s·2^k`` with a start size ``s`` in 4…7 and
``k ≥ 1`` up-sampling steps (8 = 4·2, 28 = 7·2², 32 = 4·2³, 64 = 4·2⁴):

* G: ``ConvTranspose2d(latent, w·2^(k−1), s)`` to ``s×s``, then ``k−1`` blocks of
  ``ConvTranspose2d(4, stride 2, pad 1) + BatchNorm + ReLU`` halving the width,
  and a last ``ConvTranspose2d(…, C, 4, 2, 1) + Tanh`` (d2l's ``G_block``/``net_G``).
* D: ``k`` blocks of ``Conv2d(4, stride 2, pad 1) + BatchNorm + LeakyReLU(0.2)``
  doubling the width from ``w``, then ``Conv2d(…, 1, s)`` to one logit (d2l's
  ``D_block``/``net_D``). With spectral norm (SNGAN) the BatchNorms are dropped
  and every convolution is spectrally normalized.

Class-conditional: the last ``classes`` entries of a data row are the one-hot
label. G copies its latent code (the label it was asked for) to the end of its
output; D adds a projection term ``⟨embed(y), φ(x)⟩`` (Miyato & Koyama 2018).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gankit.errors import UserError


def conv_stages(resolution: int) -> tuple[int, int]:
    """``(s, k)`` with ``resolution = s·2^k``, ``4 ≤ s ≤ 7``, ``k ≥ 1``; a UserError when none exists."""
    k = 0
    while resolution % 2 ** (k + 1) == 0 and resolution // 2 ** (k + 1) >= 4:
        k += 1
    start = resolution // 2**k
    if k < 1 or not 4 <= start <= 7:
        raise UserError(
            f"image resolution {resolution} does not fit the convolutional nets: they need s·2^k with s in 4…7 "
            f"and k ≥ 1 (e.g. 8, 16, 28, 32, 64); set data.resolution"
        )
    return start, k


class DCGANGenerator(nn.Module):
    """Latent row (noise, then an optional one-hot label) → flat image row (then the label again)."""

    def __init__(self, latent_width: int, shape: tuple[int, int, int], width: int, classes: int = 0) -> None:
        super().__init__()
        channels, resolution, _ = shape
        start, steps = conv_stages(resolution)
        widths = [width * 2 ** (steps - 1 - i) for i in range(steps)]  # w·2^(k−1), …, w
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_width, widths[0], start, 1, 0, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        ]
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.classes = classes
        self.channels_last = False

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z[:, :, None, None]
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        images = self.net(x).flatten(start_dim=1)
        if self.classes:
            return torch.cat((images, z[:, -self.classes :].to(images.dtype)), dim=1)
        return images


class DCGANDiscriminator(nn.Module):
    """Flat image row(s) (``pack`` of them, then optional labels) → one logit (real > 0 > fake)."""

    def __init__(self, shape: tuple[int, int, int], width: int, pack: int = 1, classes: int = 0,
                 spectral_norm: bool = False) -> None:
        super().__init__()
        channels, resolution, _ = shape
        start, steps = conv_stages(resolution)
        self.shape = (channels * pack, resolution, resolution)
        self.pack, self.classes = pack, classes
        widths = [channels * pack] + [width * 2**i for i in range(steps)]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            conv = nn.Conv2d(a, b, 4, 2, 1, bias=spectral_norm)
            layers += [_sn(conv) if spectral_norm else conv]
            layers += [] if spectral_norm else [nn.BatchNorm2d(b)]
            layers += [nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        last = nn.Conv2d(widths[-1], 1, start, bias=spectral_norm)
        self.head = _sn(last) if spectral_norm else last
        self.embed = None
        if classes:
            embed = nn.Linear(classes * pack, widths[-1] * start * start, bias=False)
            self.embed = _sn(embed) if spectral_norm else embed
        self.channels_last = False

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        pixels = math.prod(self.shape) // self.pack
        label_width = self.classes
        if label_width:
            parts = rows.unflatten(-1, (self.pack, pixels + label_width))
            images, labels = parts[..., :pixels].flatten(start_dim=-2), parts[..., pixels:].flatten(start_dim=-2)
        else:
            images, labels = rows, None
        x = images.reshape(-1, *self.shape)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        features = self.features(x)
        logit = self.head(features).flatten(start_dim=1)
        if labels is not None and self.embed is not None:
            projection = (self.embed(labels.reshape(len(x), -1)) * features.flatten(start_dim=1)).sum(1, keepdim=True)
            logit = logit + projection
        return logit


def _sn(layer: nn.Module) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer)


def initialize_dcgan(module: nn.Module, std: float, generator: torch.Generator) -> None:
    """DCGAN's initialisation: conv weights N(0, std), BatchNorm scales N(1, std), biases 0."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                weight = getattr(layer, "parametrizations", None)
                target = layer.parametrizations.weight.original if weight is not None else layer.weight
                target.normal_(0.0, std, generator=generator)
                if layer.bias is not None:
                    layer.bias.zero_()
            elif isinstance(layer, nn.BatchNorm2d):
                layer.weight.normal_(1.0, std, generator=generator)
                layer.bias.zero_()
