"""Affine data transforms: train on normalized rows, sample in the data's own units.

``none`` is the identity (the chapter trains on raw rows); ``standardize``
z-scores each column; ``whiten`` maps the data to zero mean and identity
covariance (PCA whitening), so that a thin direction of the data — the chapter's
Gaussian has variances 5.2 and 0.09 along its axes — is as easy to learn as a
wide one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRANSFORMS = ("none", "standardize", "whiten")


@dataclass(frozen=True)
class Scaler:
    """``y = (x − mean) @ matrix`` and back, ``x = y @ inverse + mean``; ``matrix`` None is the identity.

    (The identity skips the arithmetic: image rows are thousands of columns wide.)
    """

    mean: np.ndarray
    matrix: np.ndarray | None

    @property
    def inverse_matrix(self) -> np.ndarray:
        return np.linalg.inv(self.matrix.astype(np.float64))

    @classmethod
    def identity(cls, width: int) -> "Scaler":
        return cls(np.zeros(width, np.float32), None)

    @classmethod
    def fit(cls, values: np.ndarray, kind: str) -> "Scaler":
        """The transform ``kind`` (one of ``TRANSFORMS``) fitted to ``values``."""
        if kind == "none":
            return cls.identity(values.shape[1])
        data = values.astype(np.float64)
        mean = data.mean(axis=0)
        if kind == "standardize":
            std = data.std(axis=0)
            matrix = np.diag(1.0 / np.where(std > 0, std, 1.0))
        else:
            eigenvalues, vectors = np.linalg.eigh(np.atleast_2d(np.cov(data, rowvar=False)))
            scale = np.where(eigenvalues > 1e-12 * max(eigenvalues.max(), 1e-300), eigenvalues, 1.0)
            matrix = vectors / np.sqrt(scale)
        return cls(mean.astype(np.float32), matrix.astype(np.float32))

    def transform(self, values: np.ndarray) -> np.ndarray:
        if self.matrix is None:
            return np.asarray(values, dtype=np.float32)
        return ((values.astype(np.float64) - self.mean) @ self.matrix).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        if self.matrix is None:
            return np.asarray(values, dtype=np.float32)
        return (values.astype(np.float64) @ self.inverse_matrix + self.mean).astype(np.float32)
