"""Per-column standardization, so a GAN can train on z-scores and sample in original units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scaler:
    """``(x - mean) / scale`` and back. The identity scaler has mean 0 and scale 1."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def identity(cls, width: int) -> "Scaler":
        return cls(np.zeros(width, np.float32), np.ones(width, np.float32))

    @classmethod
    def fit(cls, values: np.ndarray) -> "Scaler":
        """Column means and standard deviations; constant columns get scale 1."""
        std = values.std(axis=0)
        return cls(values.mean(axis=0).astype(np.float32), np.where(std > 0, std, 1.0).astype(np.float32))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.scale).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return (values * self.scale + self.mean).astype(np.float32)
