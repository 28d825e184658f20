"""Nearest real neighbours of a generated image: is the generator copying its training images?

Each epoch's grid samples are kept as pixels beside the grid (``plots/grids/epoch-NNNNNN.npz``, written
by :func:`gankit.report.image_grid.epoch_grid`), and a sample of the training images once, when training
starts (``plots/grids/real.npz``). The view asks for the training images closest to the sample under a
click (Euclidean distance between pixels, the memorisation check of the GAN literature): a sample
that equals its nearest neighbour is a copy, one that merely resembles it is not.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from gankit.data.atomic_npz import write_npz
from gankit.report.image_grid import GRIDS, PAD, grid_of, picture_of

REAL = GRIDS / "real.npz"
MAX_REAL_BYTES = 8_000_000  # the training images kept for the search: all of a small set, a sample of a large one
NEIGHBOURS = 5


def save_real_images(pixels: np.ndarray, run_dir: Path, seed: int) -> Path:
    """Keep (a random sample of) the training images, N×H×W×C uint8, for the neighbour search."""
    limit = max(1, MAX_REAL_BYTES // max(pixels[0].nbytes, 1))
    if len(pixels) > limit:
        pixels = pixels[np.sort(np.random.default_rng(seed).choice(len(pixels), limit, replace=False))]
    (run_dir / GRIDS).mkdir(parents=True, exist_ok=True)
    return write_npz(run_dir / REAL, {"images": pixels})


def tile_at(n: int, height: int, width: int, columns: int, fx: float, fy: float) -> int | None:
    """The index of the grid tile at fractions (``fx``, ``fy``) of the grid's width and height, or None
    on the padding or past the last tile (the layout of :func:`gankit.report.image_grid.grid_of`)."""
    rows = math.ceil(n / columns)
    x = fx * (columns * (width + PAD) + PAD) - PAD
    y = fy * (rows * (height + PAD) + PAD) - PAD
    column, row = int(x // (width + PAD)), int(y // (height + PAD))
    inside = x >= 0 and y >= 0 and x - column * (width + PAD) < width and y - row * (height + PAD) < height
    index = row * columns + column
    return index if inside and column < columns and row < rows and index < n else None


def nearest(sample: np.ndarray, real: np.ndarray, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean pixel distances (0–255 scale) of the ``k`` images of ``real`` closest to ``sample``."""
    flat = real.reshape(len(real), -1).astype(np.float32)
    distances = np.sqrt(((flat - sample.reshape(1, -1).astype(np.float32)) ** 2).sum(axis=1))
    order = np.argsort(distances, kind="stable")[:k]
    return order, distances[order]


def neighbour_strip(run_dir: Path, epoch: int, fx: float, fy: float, k: int = NEIGHBOURS) -> bytes | None:
    """A PNG: the epoch's grid sample at (``fx``, ``fy``), then its ``k`` nearest training images; None when
    the run kept no pixels for that epoch or the click is not on a sample."""
    samples_path, real_path = run_dir / GRIDS / f"epoch-{epoch:06d}.npz", run_dir / REAL
    if not samples_path.is_file() or not real_path.is_file():
        return None
    with np.load(samples_path) as saved:
        samples, columns = saved["samples"], int(saved["columns"])
    tile = tile_at(len(samples), samples.shape[1], samples.shape[2], columns, fx, fy)
    if tile is None:
        return None
    with np.load(real_path) as saved:
        real = saved["images"]
    order, _ = nearest(samples[tile], real, k)
    row = np.concatenate((samples[tile : tile + 1], real[order]))  # N×H×W×C uint8
    buffer = io.BytesIO()
    picture_of(grid_of(row.transpose(0, 3, 1, 2) / 127.5 - 1.0, columns=len(row)), min_side=384).save(buffer, "PNG")
    return buffer.getvalue()
