"""Writing a .npz file whole (through :func:`gankit.atomic_write.atomic_write`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gankit.atomic_write import atomic_write


def write_npz(path: Path, arrays: dict[str, np.ndarray], overwrite: bool = True) -> Path:
    """``arrays`` as the compressed ``path``; a failure leaves no temporary file and no half-written ``path``."""
    return atomic_write(path, lambda temporary: np.savez_compressed(temporary, **arrays), overwrite=overwrite)
