"""Mode-collapse metrics, exactly as PacGAN's code defines them (Lin et al. 2018).

For each generated sample, the Mahalanobis-style distance to mode k is
``√Σ_j (x_j − μ_kj)² / σ_kj²``. A sample is *high quality* (HQ) when its
smallest distance is below 3, and it then counts for that mode. Reported:
modes captured (modes with ≥ 1 HQ sample), HQ% (HQ samples / all samples) and
the reverse KL ``KL(p̂ ‖ w)`` of the HQ samples' mode histogram ``p̂`` against
the true mode weights ``w`` (uniform weights: ln K − H(p̂)), in nats.
"""

from __future__ import annotations

import numpy as np

from gankit.data.toy import GaussianMixture
from gankit.metrics.result import TestResult

HQ_THRESHOLD = 3.0


def nearest_modes(samples: np.ndarray, mixture: GaussianMixture) -> tuple[np.ndarray, np.ndarray]:
    """For each sample: the index of the nearest mode and its distance √Σ(d²/σ²)."""
    scaled = (samples[:, None, :] - mixture.means[None, :, :]) / mixture.mode_stds[None, :, :]
    distances = np.sqrt((scaled**2).sum(axis=2))
    nearest = distances.argmin(axis=1)
    return nearest, distances[np.arange(len(samples)), nearest]


def reverse_kl(counts: np.ndarray, weights: np.ndarray) -> float:
    """``KL(p̂ ‖ w) = Σ p̂ log(p̂ / w)`` over modes with p̂ > 0; NaN when there are no HQ samples."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts / total
    present = p > 0
    return float(np.sum(p[present] * np.log(p[present] / weights[present])))


def mode_metrics(samples: np.ndarray, mixture: GaussianMixture, seed: int = 0) -> list[TestResult]:
    """Modes captured, HQ fraction (%) and reverse KL of ``samples`` against the mixture's modes."""
    nearest, distance = nearest_modes(np.asarray(samples, dtype=np.float64), mixture)
    high_quality = distance < HQ_THRESHOLD
    counts = np.bincount(nearest[high_quality], minlength=len(mixture.weights))
    n = len(samples)
    details = {"modes_total": int(len(counts)), "hq_per_mode": counts.tolist()}
    return [
        TestResult("modes_captured", float((counts > 0).sum()), None, 0, n, seed, higher_is_better=True, details=details),
        TestResult("high_quality_pct", 100.0 * high_quality.mean(), None, 0, n, seed, higher_is_better=True),
        TestResult("reverse_kl", reverse_kl(counts, mixture.weights), None, 0, n, seed),
    ]
