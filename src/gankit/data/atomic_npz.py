"""Writing a .npz file whole: into a hidden temporary file beside it, then renamed into place."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """``arrays`` as the compressed ``path``; a failure leaves no temporary file and no half-written ``path``."""
    temp = path.with_name(f".{path.name}.tmp.npz")
    try:
        np.savez_compressed(temp, **arrays)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return path
