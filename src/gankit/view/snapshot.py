"""What the live view draws of a 2-D GAN at one moment, as plain JSON-ready numbers.

A *snapshot* holds the generated points, D's logit on a grid over a fixed extent,
G's manifold (a grid of latent points pushed through G: its rows are the lines
GAN Lab draws) and G's gradient arrows (where the generator's loss pushes each of
some generated points). It is computed from *copies* of the nets
(:class:`FrozenNets`), so a background thread can draw while training goes on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from gankit.data import Scaler
from gankit.gan import GAN
from gankit.losses import objective

HEAT_NODES = 40  # D's heatmap: nodes per axis
MANIFOLD_NODES = 15  # G's manifold: latent nodes per axis
ARROWS = 80  # generated points that carry a gradient arrow
ARROW_SHARE = 0.05  # a typical (90th-percentile) arrow, as a share of the extent's width; none is over twice that
LATENT_SPAN = 2.0  # the manifold covers ±2σ of the latent's first two dimensions
MAX_MANIFOLDS = 12  # a categorical latent gets one manifold per category, up to this many
DIGITS = 4  # numbers are rounded to this many decimals on the wire


@dataclass
class FrozenNets:
    """A copy of what a snapshot needs, taken in the training thread between two steps."""

    generator: nn.Module
    discriminator: nn.Module
    scaler: Scaler
    latent_dim: int
    latent_width: int
    latent_std: float
    pack: int
    g_loss: Callable[[torch.Tensor], torch.Tensor]
    epoch: int
    step: int
    latent_categories: int = 0  # a categorical code's categories (0: none)
    latent_noise: int = 0  # output-noise columns after the Gaussian part
    latent_code_index: bool = False  # the code as one column holding c

    @classmethod
    def of(cls, gan: GAN) -> "FrozenNets":
        state = gan.state
        return cls(
            generator=_cpu_copy(state.sampler), discriminator=_cpu_copy(state.discriminator), scaler=gan.scaler,
            latent_dim=state.latent.dim, latent_width=state.latent.width, latent_std=state.latent.std,
            pack=state.pack, g_loss=objective(gan.config.train.objective)[1], epoch=state.epoch, step=state.step,
            latent_categories=state.latent.categories, latent_noise=state.latent.noise,
            latent_code_index=state.latent.code_index,
        )


@dataclass
class Weights:
    """G's and D's tensors at one step as NumPy arrays, taken in the training thread (a copy per tensor, no modules).

    NumPy rather than tensors because they go down a pipe to the drawing process:
    PyTorch pickles a tensor for another process by moving it to shared memory and
    passing its file descriptor through a helper thread, about 6 ms of the training
    process's CPU per frame against 0.2 ms for plain arrays (measured on the ring's nets).
    """

    generator: list[np.ndarray]
    discriminator: list[np.ndarray]
    epoch: int
    step: int

    @classmethod
    def take(cls, gan: GAN) -> "Weights":
        state = gan.state
        return cls(_tensors(state.sampler), _tensors(state.discriminator), epoch_of(state), state.step)


class Mirror:
    """CPU copies of G and D (a :class:`FrozenNets`); :meth:`load` refreshes them from :class:`Weights`."""

    def __init__(self, nets: FrozenNets) -> None:
        self.nets = nets

    def load(self, weights: Weights) -> FrozenNets:
        with torch.no_grad():
            for clone, tensors in ((self.nets.generator, weights.generator), (self.nets.discriminator, weights.discriminator)):
                for target, source in zip(clone.state_dict().values(), tensors):
                    target.copy_(torch.from_numpy(source))
        self.nets.epoch, self.nets.step = weights.epoch, weights.step
        return self.nets


def epoch_of(state: Any) -> int:
    """The 1-based epoch a moment of training belongs to, as the losses count them: the epoch in progress
    (``state.epoch`` counts finished ones), or the one just finished between two epochs."""
    return state.epoch + (1 if getattr(state, "batch_in_epoch", 0) > 0 else 0)


def _tensors(net: nn.Module) -> list[np.ndarray]:
    """Copies of a net's parameters and buffers as arrays (half precisions widened: NumPy has no bfloat16)."""
    return [_array(tensor.detach()) for tensor in net.state_dict().values()]


def _array(tensor: torch.Tensor) -> np.ndarray:
    if tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.float()
    return tensor.to("cpu", copy=True).numpy()


def _cpu_copy(net: nn.Module) -> nn.Module:
    """An independent copy of ``net`` on the CPU in eval mode (BatchNorm uses its running statistics)."""
    clone = copy.deepcopy(net).to("cpu").float()
    clone.eval()
    return clone


def fixed_extent(real: np.ndarray, pad: float = 0.25) -> list[float]:
    """``[x0, x1, y0, y1]``: the central 99.8% of the real points, padded, so frames share one view."""
    low, high = np.percentile(real, 0.1, axis=0), np.percentile(real, 99.9, axis=0)
    margin = pad * np.maximum(high - low, 1e-6)
    low, high = low - margin, high + margin
    return [float(low[0]), float(high[0]), float(low[1]), float(high[1])]


def snapshot(nets: FrozenNets, extent: list[float], noise: torch.Tensor) -> dict[str, Any]:
    """Generated points for ``noise``, D's heatmap, G's manifold and G's gradient arrows, in data units."""
    with torch.no_grad():
        fake_scaled = nets.generator(noise).float().numpy()
    fake = nets.scaler.inverse(fake_scaled)
    frame = {
        "epoch": nets.epoch,
        "step": nets.step,
        "fake": _round(fake[:, :2]),
        "heat": _round(heatmap(nets, extent).ravel()),
        "heat_nodes": HEAT_NODES,
        "manifold": [],
        "arrows": _round(arrows(nets, fake_scaled[:ARROWS], extent)),
    }
    if nets.latent_categories > MAX_MANIFOLDS:
        frame["manifold_note"] = (f"G's manifold hidden: a latent of {nets.latent_categories} pieces "
                                  f"(a categorical code) is too many grids to draw")
    elif nets.latent_categories:
        frame["manifolds"] = [_round(manifold(nets, code=c)) for c in range(nets.latent_categories)]
    else:
        frame["manifold"] = _round(manifold(nets))
    return frame


def heatmap(nets: FrozenNets, extent: list[float], nodes: int = HEAT_NODES) -> np.ndarray:
    """D's logit on a ``nodes × nodes`` grid over ``extent`` (row 0 at the bottom, y0)."""
    xs, ys = np.linspace(extent[0], extent[1], nodes), np.linspace(extent[2], extent[3], nodes)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return _judge(nets, torch.as_tensor(nets.scaler.transform(points), dtype=torch.float32)).detach().numpy().reshape(nodes, nodes)


def manifold(nets: FrozenNets, nodes: int = MANIFOLD_NODES, code: int | None = None) -> np.ndarray:
    """G applied to a grid over the first two latent dimensions (±2σ, σ the latent's own scale; the other
    Gaussian and output-noise columns 0, their mean; a categorical code set to ``code``): ``nodes × nodes × 2``.

    A one-dimensional latent gives a single line (``1 × nodes × 2``).
    """
    axis = np.linspace(-LATENT_SPAN, LATENT_SPAN, nodes) * nets.latent_std
    if nets.latent_dim == 1:
        grid = axis[None, :, None]
    else:
        grid = np.stack(np.meshgrid(axis, axis), axis=-1)
    rows = np.zeros((grid.shape[0] * grid.shape[1], nets.latent_width), dtype=np.float32)
    rows[:, : grid.shape[2]] = grid.reshape(-1, grid.shape[2])
    if code is not None:
        first = nets.latent_dim + nets.latent_noise
        if nets.latent_code_index:
            rows[:, first] = code
        else:
            rows[:, first + code] = 1.0
    with torch.no_grad():
        out = nets.generator(torch.from_numpy(rows)).float().numpy()
    return nets.scaler.inverse(out)[:, :2].reshape(grid.shape[0], grid.shape[1], 2)


def arrows(nets: FrozenNets, fake_scaled: np.ndarray, extent: list[float]) -> np.ndarray:
    """Rows ``[x, y, dx, dy]``: each point and the step G's loss gradient asks of it (data units).

    The arrow is ``−∇ₓ L_G(D(x))``, scaled so that a typical one (the 90th percentile of
    lengths) is :data:`ARROW_SHARE` of the view's width and clipped at twice that: the
    direction and the relative size are what matter.
    """
    points = torch.as_tensor(fake_scaled, dtype=torch.float32).requires_grad_(True)
    loss = nets.g_loss(_judge(nets, points).unsqueeze(-1))
    (gradient,) = torch.autograd.grad(loss, points)
    start = nets.scaler.inverse(fake_scaled)
    delta = nets.scaler.inverse(fake_scaled - gradient.numpy()) - start
    lengths = np.linalg.norm(delta[:, :2], axis=1)
    typical = float(np.percentile(lengths, 90)) or 1.0
    target = ARROW_SHARE * (extent[1] - extent[0])
    factor = np.minimum(target / typical, 2 * target / np.maximum(lengths, 1e-12))
    return np.concatenate([start[:, :2], delta[:, :2] * factor[:, None]], axis=1)


def _judge(nets: FrozenNets, scaled: torch.Tensor) -> torch.Tensor:
    """D's logit per point; a PacGAN D judges a pack of copies of the point."""
    return nets.discriminator(scaled.repeat(1, nets.pack)).reshape(-1)


def _round(values: np.ndarray) -> list:
    return np.round(np.asarray(values, dtype=np.float64), DIGITS).tolist()
