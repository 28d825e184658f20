"""Snapshots of a 2-D GAN for figures: generated points and D's decision surface on a grid.

A *frame* is a small dict of arrays — the real points shown, the generated points,
the grid's extent and D's logit at every grid node — saved as ``.npz`` under
``plots/frames/`` during training, so the figures are drawn from the run's files
(and a resumed run simply overwrites the frames it redoes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gankit.gan import GAN

GRID_NODES = 120  # per axis
FRAME_POINTS = 1000  # generated and real points kept per frame
FRAMES_PER_RUN = 8  # snapshots over training for the grid figure


def is_two_dimensional(gan: GAN) -> bool:
    return len(gan.columns) == 2


def frame_epochs(epochs: int, count: int = FRAMES_PER_RUN) -> set[int]:
    """``count`` epochs spread evenly over training, the last included (all of them when there are fewer)."""
    return {round(epochs * (i + 1) / count) for i in range(count)} - {0} if epochs > count else set(range(1, epochs + 1))


def decision_frame(gan: GAN, epoch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Real and generated points (data units) and D's logits on a grid covering both."""
    real = gan.real_rows().values
    real = real[np.random.default_rng(seed).permutation(len(real))[:FRAME_POINTS]]
    fake = gan.sample(FRAME_POINTS, seed=seed)
    low, high = _extent(np.concatenate([real, fake]))
    xs, ys = np.linspace(low[0], high[0], GRID_NODES), np.linspace(low[1], high[1], GRID_NODES)
    nodes = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return {"epoch": np.array(epoch), "real": real, "fake": fake, "extent": np.array([low[0], high[0], low[1], high[1]]),
            "logits": _logits(gan, nodes).reshape(GRID_NODES, GRID_NODES)}


def _extent(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The central 99.8% of the points, padded by 10% (stray samples do not squash the picture)."""
    low, high = np.percentile(points, 0.1, axis=0), np.percentile(points, 99.9, axis=0)
    pad = 0.1 * np.maximum(high - low, 1e-6)
    return low - pad, high + pad


def _logits(gan: GAN, nodes: np.ndarray) -> np.ndarray:
    """D's logit at each node (in the units D sees); a PacGAN D judges a pack of copies of the node."""
    state = gan.state
    inputs = torch.as_tensor(gan.scaler.transform(nodes), dtype=torch.float32)
    inputs = inputs.repeat(1, gan.config.model.pack)
    device = next(state.discriminator.parameters()).device
    with torch.no_grad():
        return state.discriminator(inputs.to(device)).float().cpu().numpy().ravel()


def save_frame(folder: Path, frame: dict[str, np.ndarray]) -> Path:
    """``folder/epoch-NNNNNN.npz``, written whole (temp file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"epoch-{int(frame['epoch']):06d}.npz"
    temp = folder / f".{path.name}.tmp.npz"
    try:
        np.savez_compressed(temp, **frame)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def load_frames(folder: Path, up_to_epoch: int | None = None) -> list[dict[str, np.ndarray]]:
    """The saved frames in epoch order (those after ``up_to_epoch`` left out)."""
    frames = []
    for path in sorted(folder.glob("epoch-*.npz")):
        with np.load(path) as data:
            frame = {key: data[key] for key in data.files}
        if up_to_epoch is None or int(frame["epoch"]) <= up_to_epoch:
            frames.append(frame)
    return frames
