"""Distributions whose truth is known, generated from a seed (no downloads).

Every toy source is a :class:`ToySource`: ``sample(n, rng)`` draws rows, and
mixtures also expose their modes (means and per-dimension standard deviations)
for the mode-collapse metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gankit.config import DataConfig
from gankit.data.rows import Rows, default_columns


@dataclass(frozen=True)
class AffineGaussian:
    """The chapter's data: ``X ~ N(0, I)``, rows ``X @ A + b``; mean ``b`` and covariance ``AᵀA``."""

    A: np.ndarray
    b: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.A.shape[0])) @ self.A + self.b

    def truth(self) -> tuple[np.ndarray, np.ndarray]:
        return self.b, self.A.T @ self.A


@dataclass(frozen=True)
class GaussianMixture:
    """K Gaussians with ``means`` (K, d), ``covariances`` (K, d, d) and ``weights`` (K,)."""

    means: np.ndarray
    covariances: np.ndarray
    weights: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        component = rng.choice(len(self.weights), size=n, p=self.weights)
        noise = rng.normal(size=(n, self.means.shape[1]))
        factors = np.linalg.cholesky(self.covariances + 1e-12 * np.eye(self.means.shape[1]))
        return self.means[component] + np.einsum("nij,nj->ni", factors[component], noise)

    @property
    def mode_stds(self) -> np.ndarray:
        """Per-mode, per-dimension standard deviations (the σ of PacGAN's Mahalanobis distance)."""
        return np.sqrt(np.diagonal(self.covariances, axis1=1, axis2=2))

    @classmethod
    def isotropic(cls, means: np.ndarray, std: float) -> "GaussianMixture":
        k, d = means.shape
        return cls(means, np.tile(np.eye(d) * std**2, (k, 1, 1)), np.full(k, 1.0 / k))


def ring_means(modes: int, radius: float) -> np.ndarray:
    """``modes`` points at angles 2πi/modes on a circle (distinct angles, unlike VEEGAN's linspace)."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_means(size: int, spacing: float) -> np.ndarray:
    """A ``size × size`` grid ``spacing`` apart, centred on the origin: {-4,-2,0,2,4}² for 5 and 2."""
    axis = (np.arange(size) - (size - 1) / 2) * spacing
    return np.array([(x, y) for x in axis for y in axis])


@dataclass(frozen=True)
class SklearnShape:
    """``moons`` or ``swiss_roll`` (its x–z plane, divided by 5 to a unit-ish scale) with Gaussian noise."""

    kind: str
    noise: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        from sklearn.datasets import make_moons, make_swiss_roll  # scikit-learn (1–2 s to import) only for these two

        seed = int(rng.integers(2**31 - 1))
        if self.kind == "moons":
            return make_moons(n, noise=self.noise, random_state=seed)[0]
        return make_swiss_roll(n, noise=self.noise, random_state=seed)[0][:, [0, 2]] / 5.0


ToySource = AffineGaussian | GaussianMixture | SklearnShape


def toy_source(data: DataConfig) -> ToySource:
    """The distribution a data config describes (its source must be a generated one)."""
    if data.source == "gaussian":
        return AffineGaussian(np.asarray(data.A, dtype=np.float64), np.asarray(data.b, dtype=np.float64))
    if data.source == "ring":
        return GaussianMixture.isotropic(ring_means(data.modes, data.radius), data.std)
    if data.source == "grid":
        return GaussianMixture.isotropic(grid_means(data.grid_size, data.spacing), data.std)
    if data.source == "mixture":
        means = np.asarray(data.means, dtype=np.float64)
        weights = np.full(len(means), 1.0 / len(means)) if data.weights is None else np.asarray(data.weights, dtype=np.float64)
        return GaussianMixture(means, np.asarray(data.covariances, dtype=np.float64), weights / weights.sum())
    return SklearnShape(data.source, data.noise)


def toy_rows(data: DataConfig, seed: int, epoch: int | None = None) -> Rows:
    """``data.n`` rows of a toy source: the fixed training set (``epoch=None``) or epoch ``epoch``'s fresh draw."""
    rng = np.random.default_rng(seed if epoch is None else [seed, epoch])
    values = toy_source(data).sample(data.n, rng).astype(np.float32)
    return Rows(values, default_columns(values.shape[1]), f"{data.source}(n={data.n})")
