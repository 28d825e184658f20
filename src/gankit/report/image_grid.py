"""Image figures: a grid of samples per epoch from one fixed noise batch, and a GIF of those grids.

The images come from one noise batch, the same every epoch (``GAN.grid_images``), so
the grids show the same latent points changing over training; a conditional GAN's grid
asks for the classes in order, one per column. Files are written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

from gankit.atomic_write import atomic_write
from gankit.data.atomic_npz import write_npz
from gankit.data.images import to_uint8

GRIDS = Path("plots") / "grids"
MIN_SIDE = 512  # pixels: small images (16×16 digits) are enlarged by a whole factor to at least this
LABEL_HEIGHT = 22  # pixels: the band above each GIF frame that names its epoch
MAX_CLASS_COLUMNS = 16  # a conditional GAN's grid has one column per class up to this many classes
PAD = 2  # pixels of white between the tiles of a grid


def square_columns(n: int) -> int:
    """The column count of an about-square grid of ``n`` tiles (a grid's default)."""
    return math.ceil(math.sqrt(n))


def grid_of(images: np.ndarray, columns: int | None = None, pad: int = PAD) -> np.ndarray:
    """N×C×H×W images in [−1, 1] tiled into one H'×W'×C uint8 picture, rows of ``columns`` images."""
    n, channels, height, width = images.shape
    columns = columns or square_columns(n)
    rows = math.ceil(n / columns)
    tiles = to_uint8(images)  # N×H×W×C
    canvas = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), 255, np.uint8)
    for index in range(n):
        top, left = pad + (index // columns) * (height + pad), pad + (index % columns) * (width + pad)
        canvas[top : top + height, left : left + width] = tiles[index]
    return canvas


def picture_of(canvas: np.ndarray, min_side: int = MIN_SIDE) -> Image.Image:
    """A PIL image of the canvas, enlarged by a whole factor (nearest neighbour) so small images stay visible."""
    picture = Image.fromarray(canvas[..., 0] if canvas.shape[2] == 1 else canvas)
    factor = max(1, math.ceil(min_side / max(canvas.shape[:2])))
    return picture.resize((picture.width * factor, picture.height * factor), Image.NEAREST) if factor > 1 else picture


def save_grid(images: np.ndarray, path: Path, columns: int | None = None) -> Path:
    """Write the grid of ``images`` as a PNG (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = picture_of(grid_of(images, columns))
    return atomic_write(path, lambda temporary: picture.save(temporary, format="PNG"))


def epoch_grid(images: np.ndarray, run_dir: Path, epoch: int, classes: int = 0) -> Path:
    """``plots/grids/epoch-NNNNNN.png``: the epoch's grid images; with ``classes`` (a conditional GAN's
    classes in order), one column per class. Its pixels and column count go beside it (``.npz``)."""
    columns = classes if classes and classes <= MAX_CLASS_COLUMNS else square_columns(len(images))
    # the pixels too, for the view's nearest-real-neighbour search (report/image_neighbours.py)
    (run_dir / GRIDS).mkdir(parents=True, exist_ok=True)
    write_npz(run_dir / GRIDS / f"epoch-{epoch:06d}.npz", {"samples": to_uint8(images), "columns": np.array(columns)})
    return save_grid(images, run_dir / GRIDS / f"epoch-{epoch:06d}.png", columns)


def save_gif(frames: list[Path], path: Path, frame_ms: int = 300) -> Path | None:
    """An animated GIF of the grid PNGs in order (the last frame held longer); None without frames."""
    if not frames:
        return None
    pictures = [_labelled(Image.open(frame).convert("RGB"), f"epoch {_epoch_of(frame)}") for frame in frames]
    durations = [frame_ms] * (len(pictures) - 1) + [frame_ms * 5]
    return atomic_write(path, lambda temporary: pictures[0].save(
        temporary, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0))


def _labelled(picture: Image.Image, text: str) -> Image.Image:
    """``picture`` under a white band holding ``text`` (PIL's built-in font: nothing to install)."""
    from PIL import ImageDraw

    framed = Image.new("RGB", (picture.width, picture.height + LABEL_HEIGHT), "white")
    framed.paste(picture, (0, LABEL_HEIGHT))
    ImageDraw.Draw(framed).text((6, 4), text, fill="black")
    return framed


def _epoch_of(frame: Path) -> int:
    return int(frame.stem.split("-")[1])


def grid_frames(run_dir: Path, up_to_epoch: int) -> list[Path]:
    """The epoch grids written so far, in epoch order, none past ``up_to_epoch``."""
    frames = sorted((run_dir / GRIDS).glob("epoch-*.png"))
    return [frame for frame in frames if _epoch_of(frame) <= up_to_epoch]
