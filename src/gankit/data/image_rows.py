"""Image data sets as training tables: each image one flat row, labels and class names alongside."""

from __future__ import annotations


from gankit.config import DataConfig
from gankit.data.images import load_images
from gankit.data.rows import MIN_ROWS, Rows
from gankit.errors import UserError
from gankit.status import notice


def image_source_name(data: DataConfig) -> str:
    """What ``load_images`` reads: the built-in set's name, or the folder / array file at ``data.path``."""
    return data.path if data.source == "images" else data.source  # type: ignore[return-value]


def load_image_rows(data: DataConfig, seed: int) -> Rows:
    """The images a data config names, flattened to rows; notices (resizes, conversions, skips) go to stderr."""
    images = load_images(
        image_source_name(data), resolution=data.resolution, channels=data.channels, on_bad=data.on_bad_image,
        seed=seed, n=data.n if data.source == "shapes" else None,
    )
    for text in images.notices:
        notice(text)
    if len(images.images) < MIN_ROWS:
        raise UserError(f"{images.origin}: needs at least {MIN_ROWS} images (the evaluation compares held-out halves), "
                        f"found {len(images.images)}")
    shape = tuple(int(size) for size in images.images.shape[1:])
    return Rows(
        values=images.images.reshape(len(images.images), -1),
        columns=[],
        origin=images.origin,
        image_shape=shape,  # type: ignore[arg-type]
        labels=images.labels,
        class_names=tuple(images.class_names),
    )
