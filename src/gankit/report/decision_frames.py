"""Snapshots of a 2-D GAN for figures: generated points and D's decision surface on a grid.

A *frame* is a small dict of arrays — the real points shown, the generated points,
the grid's extent and D's logit at every grid node — saved as ``.npz`` under
``plots/frames/`` during training, so the figures are drawn from the run's files
(and a resumed run simply overwrites the frames it redoes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from gankit.data.atomic_npz import write_npz

GRID_NODES = 120  # per axis
FRAME_POINTS = 1000  # generated and real points kept per frame
FRAMES_PER_RUN = 8  # snapshots over training for the grid figure


def frame_epochs(epochs: int, count: int = FRAMES_PER_RUN) -> set[int]:
    """``count`` epochs spread evenly over training, the last included (all of them when there are fewer)."""
    return {round(epochs * (i + 1) / count) for i in range(count)} - {0} if epochs > count else set(range(1, epochs + 1))


def decision_frame(
    real: np.ndarray, fake: np.ndarray, logits_fn: Callable[[np.ndarray], np.ndarray], epoch: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """Real and generated points (data units) and D's logits on a grid covering both.

    ``real``: the real rows (:data:`FRAME_POINTS` of them, drawn with ``seed``, are kept);
    ``fake``: generated rows (draw :data:`FRAME_POINTS`); ``logits_fn``: D's logit at each
    row of an array of points in data units (``GAN.discriminator_logits``).
    """
    real = real[np.random.default_rng(seed).permutation(len(real))[:FRAME_POINTS]]
    low, high = _extent(np.concatenate([real, fake]))
    xs, ys = np.linspace(low[0], high[0], GRID_NODES), np.linspace(low[1], high[1], GRID_NODES)
    nodes = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return {"epoch": np.array(epoch), "real": real, "fake": fake, "extent": np.array([low[0], high[0], low[1], high[1]]),
            "logits": np.asarray(logits_fn(nodes)).reshape(GRID_NODES, GRID_NODES)}


def _extent(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The central 99.8% of the points, padded by 10% (stray samples do not squash the picture)."""
    low, high = np.percentile(points, 0.1, axis=0), np.percentile(points, 99.9, axis=0)
    pad = 0.1 * np.maximum(high - low, 1e-6)
    return low - pad, high + pad


def save_frame(folder: Path, frame: dict[str, np.ndarray]) -> Path:
    """``folder/epoch-NNNNNN.npz``, written whole (temp file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_npz(folder / f"epoch-{int(frame['epoch']):06d}.npz", frame)


def load_frames(folder: Path, up_to_epoch: int | None = None) -> list[dict[str, np.ndarray]]:
    """The saved frames in epoch order (those after ``up_to_epoch`` left out)."""
    frames = []
    for path in sorted(folder.glob("epoch-*.npz")):
        with np.load(path) as data:
            frame = {key: data[key] for key in data.files}
        if up_to_epoch is None or int(frame["epoch"]) <= up_to_epoch:
            frames.append(frame)
    return frames
