"""Writing generated images: a folder of PNGs, or one .npz array (with labels for a conditional GAN)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gankit.atomic_write import atomic_folder
from gankit.data.atomic_npz import write_npz
from gankit.data.images import to_uint8, write_pngs
from gankit.errors import UserError


def write_image_samples(images: np.ndarray, labels: np.ndarray | None, class_names: list[str], output: Path,
                        overwrite: bool = False) -> Path:
    """``output`` ending in .npz: ``images`` (N×H×W×C uint8) and ``labels``/``class_names``; else a new folder
    of ``sample-NNNNN.png`` files (a conditional GAN's files are named by class: ``sample-NNNNN-<class>.png``).
    A folder is never written over other files; an .npz only with ``overwrite``."""
    if output.suffix.lower() == ".npz":
        arrays = {"images": to_uint8(images)}
        if labels is not None:
            arrays.update(labels=labels.astype(np.int64), class_names=np.array(class_names))
        return write_npz(output, arrays, overwrite=overwrite)
    if output.suffix:
        raise UserError(f"{output}: for images give a folder (new or empty) or a .npz file")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UserError(f"{output}: exists and is not an empty folder; samples are never written over other files")
    output.parent.mkdir(parents=True, exist_ok=True)

    def fill(folder: Path) -> None:
        if labels is None:
            write_pngs(images, folder)
            return
        for label in np.unique(labels):
            chosen = np.flatnonzero(labels == label)
            write_pngs(images[chosen], folder, prefix=f"class-{class_names[label]}")

    return atomic_folder(output, fill, overwrite=False)
