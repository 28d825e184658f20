"""Data sources: user tables and generated toy distributions, as validated float tables."""

from __future__ import annotations

from gankit.config import DataConfig
from gankit.errors import UserError
from gankit.data.table import Table, as_table, read_table, write_table
from gankit.data.toy import gaussian_table, gaussian_truth
from gankit.data.scaler import Scaler

__all__ = ["Table", "Scaler", "as_table", "read_table", "write_table", "load_training_table", "known_truth"]


def load_training_table(data: DataConfig, run_seed: int) -> Table:
    """The training rows a data config describes."""
    if data.source == "array":
        raise UserError("this GAN was trained on in-memory rows, which are not saved with it; pass the real rows explicitly")
    if data.source == "file":
        assert data.path is not None  # guaranteed by DataConfig validation
        return read_table(data.path)
    return gaussian_table(data.n, data.A, data.b, data.seed if data.seed is not None else run_seed)


def known_truth(data: DataConfig):
    """(mean, covariance) of the true distribution when the source has one, else None."""
    if data.source == "gaussian":
        return gaussian_truth(data.A, data.b)
    return None
