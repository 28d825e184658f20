"""Mode-collapse metrics, exactly as PacGAN's code defines them (Lin et al. 2018).

For each generated sample, the Mahalanobis-style distance to mode k is
``√Σ_j (x_j − μ_kj)² / σ_kj²``. A sample is *high quality* (HQ) when its
smallest distance is below 3, and it then counts for that mode. Reported:
modes captured (modes with ≥ 1 HQ sample), HQ% (HQ samples / all samples) and
the reverse KL ``KL(p̂ ‖ w)`` of the HQ samples' mode histogram ``p̂`` against
the true mode weights ``w`` (uniform weights: ln K − H(p̂)), in nats.

HQ% rewards a generator that shrinks each mode to a point, so gankit adds one
number PacGAN does not report: the *spread ratio*, the RMS distance of the HQ
samples to their mode divided by the same for the true mixture's HQ samples
(``E[d² | d < 3]`` with d² ~ χ² of the data's dimension). 1 = the right spread,
< 1 = collapsed within modes, > 1 = too wide.
"""

from __future__ import annotations

import numpy as np

from gankit.data.toy import GaussianMixture
from gankit.metrics.result import TestResult

HQ_THRESHOLD = 3.0
MODE_SAMPLES = 2500  # samples judged by the mode metrics (PacGAN's protocol)


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


def true_hq_mean_square(dims: int, threshold: float = HQ_THRESHOLD) -> float:
    """``E[d² | d < threshold]`` for a true mode's samples: d² ~ χ²(dims), and E[X·1{X<t}] = dims·F_{dims+2}(t)."""
    from scipy import stats  # noqa: PLC0415 (SciPy, ~0.5 s to import, only where mixtures are judged)

    t = threshold**2
    return dims * stats.chi2.cdf(t, dims + 2) / stats.chi2.cdf(t, dims)


def spread_ratio(hq_distances: np.ndarray, dims: int) -> float:
    """RMS distance of HQ samples to their mode over the true mixture's; NaN without HQ samples."""
    if len(hq_distances) == 0:
        return float("nan")
    return float(np.sqrt(np.mean(hq_distances**2) / true_hq_mean_square(dims)))


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
        TestResult("spread_ratio", spread_ratio(distance[high_quality], mixture.means.shape[1]), None, 0, n, seed),
    ]
