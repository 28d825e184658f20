"""The Gaussian copula's dependence taken out of a table's normal scores, so that G learns only what is left.

``tabular.continuous = "copula"`` encodes each number column as its normal score z (its empirical quantile
mapped through the standard normal's inverse CDF, as ``quantile`` does), then mixes the scores of all number
columns jointly: z ↦ W z with W = C^(-1/2), the inverse square root of their correlation matrix C (the
Gaussian copula's parameter, as SDV's GaussianCopula and CopulaGAN fit it). Rows of the real table come out
with uncorrelated scores; a generator whose outputs are independent standard normals already yields the
Gaussian copula's joint law once decoded (z = C^(1/2) w), and training only has to add what a Gaussian
copula misses. W is the symmetric (ZCA) whitening: the mixed score of a column stays closest to its own
score, whatever the column order.

Eigenvalues of C below ``EIGEN_FLOOR`` are raised to it (near-collinear columns, e.g. a table's GDP and
consumption): W stays bounded and W and its inverse are built from the same factors, so decoding undoes
encoding exactly (to float rounding).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

EIGEN_FLOOR = 1e-3  # smallest eigenvalue of the correlation matrix the mix inverts


class CopulaMix:
    """A fitted linear map of normal-score columns: ``encode`` decorrelates, ``decode`` undoes it."""

    def __init__(self, eigenvalues: np.ndarray, eigenvectors: np.ndarray) -> None:
        self.eigenvalues = np.asarray(eigenvalues, dtype=np.float64)
        self.eigenvectors = np.asarray(eigenvectors, dtype=np.float64).reshape(len(self.eigenvalues), -1)
        roots = np.sqrt(self.eigenvalues)
        self.whiten = (self.eigenvectors / roots) @ self.eigenvectors.T  # C^(-1/2)
        self.color = (self.eigenvectors * roots) @ self.eigenvectors.T  # C^(1/2)

    @classmethod
    def fit(cls, scores: np.ndarray) -> CopulaMix:
        """The mix for ``scores`` (rows × columns of normal scores). A column without spread is left as it is."""
        scores = np.asarray(scores, dtype=np.float64)
        correlation = np.eye(scores.shape[1])
        spread = scores.std(axis=0) > 0
        if spread.sum() > 1:
            correlation[np.ix_(spread, spread)] = np.corrcoef(scores[:, spread], rowvar=False)
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        return cls(np.maximum(eigenvalues, EIGEN_FLOOR), eigenvectors)

    @property
    def width(self) -> int:
        return len(self.eigenvalues)

    def encode(self, scores: np.ndarray) -> np.ndarray:
        """Decorrelated scores: each row times C^(-1/2)."""
        return np.asarray(scores, dtype=np.float64) @ self.whiten

    def decode(self, mixed: np.ndarray) -> np.ndarray:
        """Normal scores with the fitted correlation: each row times C^(1/2)."""
        return np.asarray(mixed, dtype=np.float64) @ self.color

    def to_dict(self) -> dict[str, Any]:
        return {"eigenvalues": self.eigenvalues.tolist(), "eigenvectors": self.eigenvectors.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CopulaMix:
        return cls(data["eigenvalues"], data["eigenvectors"])
