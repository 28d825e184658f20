"""Distributions whose truth is known, generated from a seed (no downloads)."""

from __future__ import annotations

import numpy as np

from gankit.data.table import Table, default_columns


def gaussian_table(n: int, A: list[list[float]], b: list[float], seed: int) -> Table:
    """The chapter's data: ``X ~ N(0, I)``, rows ``X @ A + b``; so mean ``b`` and covariance ``AᵀA``."""
    A_arr, b_arr = np.asarray(A, dtype=np.float64), np.asarray(b, dtype=np.float64)
    X = np.random.default_rng(seed).normal(size=(n, A_arr.shape[0]))
    values = (X @ A_arr + b_arr).astype(np.float32)
    return Table(values, default_columns(values.shape[1]), f"gaussian(n={n})")


def gaussian_truth(A: list[list[float]], b: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The true mean ``b`` and covariance ``AᵀA`` of :func:`gaussian_table`."""
    A_arr = np.asarray(A, dtype=np.float64)
    return np.asarray(b, dtype=np.float64), A_arr.T @ A_arr
