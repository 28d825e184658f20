"""Data sources: user tables and generated toy distributions, as validated float tables."""

from __future__ import annotations

from gankit.config import TOY_SOURCES, DataConfig
from gankit.data.scaler import Scaler
from gankit.data.rows import Rows, as_rows, read_rows, write_rows
from gankit.data.toy import AffineGaussian, GaussianMixture, toy_source, toy_rows
from gankit.errors import UserError

__all__ = ["Table", "Scaler", "as_rows", "read_rows", "write_rows", "load_training_rows", "known_truth", "known_modes"]


def data_seed(data: DataConfig, run_seed: int) -> int:
    """The seed of generated data: ``data.seed`` when set, else the run's seed."""
    return data.seed if data.seed is not None else run_seed


def load_training_rows(data: DataConfig, run_seed: int) -> Rows:
    """The training rows a data config describes (for ``fresh`` data: the first epoch's draw)."""
    if data.source == "array":
        raise UserError("this GAN was trained on in-memory rows, which are not saved with it; pass the real rows explicitly")
    if data.is_images:
        from gankit.data.image_rows import load_image_rows  # noqa: PLC0415  (Pillow only when images are used)

        return load_image_rows(data, data_seed(data, run_seed))
    if data.source == "file":
        assert data.path is not None  # guaranteed by DataConfig validation
        return read_rows(data.path, data.sep)
    return toy_rows(data, data_seed(data, run_seed), epoch=0 if data.fresh else None)


def known_truth(data: DataConfig):
    """(mean, covariance) of the true distribution for the affine Gaussian source, else None."""
    if data.source in TOY_SOURCES and isinstance(source := toy_source(data), AffineGaussian):
        return source.truth()
    return None


def known_modes(data: DataConfig) -> GaussianMixture | None:
    """The mixture behind a ring, grid or mixture source (for the mode metrics), else None."""
    if data.source in ("ring", "grid", "mixture"):
        return toy_source(data)
    return None
