"""Two-sample tests: is the generator's sample distinguishable from the real one?

* MMD² (unbiased, Gaussian kernel, bandwidth = median pairwise distance) with a
  permutation p-value (Gretton et al. 2012).
* Energy distance (Székely & Rizzo) with a permutation p-value. It is the MMD of
  the distance-induced kernel ``-‖x−y‖``, so both share one permutation routine.

The classifier two-sample test lives in ``metrics/c2st.py``.
"""

from __future__ import annotations

import numpy as np
import torch

from gankit.metrics.result import TestResult

PERMUTATION_CHUNK = 64


def _pooled(real: np.ndarray, fake: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.concatenate([real, fake]).astype(np.float64))


def group_contrast(matrix: torch.Tensor, in_x: torch.Tensor) -> torch.Tensor:
    """Unbiased ``mean_xx + mean_yy − 2·mean_xy`` of a pooled pairwise matrix, per group labelling.

    ``in_x`` is a (P, N) 0/1 matrix: row p marks which pooled points form sample x
    in labelling p. The diagonal of ``matrix`` is ignored (U-statistic).
    """
    off_diagonal = matrix - torch.diag(torch.diagonal(matrix))
    x = in_x.to(matrix.dtype)
    y = 1.0 - x
    n, m = x[0].sum(), y[0].sum()
    xx = ((x @ off_diagonal) * x).sum(1) / (n * (n - 1))
    yy = ((y @ off_diagonal) * y).sum(1) / (m * (m - 1))
    xy = ((x @ off_diagonal) * y).sum(1) / (n * m)
    return xx + yy - 2.0 * xy


def permutation_p_value(matrix: torch.Tensor, n_x: int, permutations: int, seed: int, sign: float = 1.0) -> tuple[float, float]:
    """(statistic, p-value) of ``sign · group_contrast`` for the true split vs random relabellings.

    p = (1 + #{permuted ≥ observed}) / (1 + permutations), never 0.
    """
    total = matrix.shape[0]
    observed_labels = torch.zeros(1, total, dtype=torch.bool)
    observed_labels[0, :n_x] = True
    observed = float(sign * group_contrast(matrix, observed_labels)[0])
    generator = torch.Generator().manual_seed(seed)
    at_least = 0
    for start in range(0, permutations, PERMUTATION_CHUNK):
        count = min(PERMUTATION_CHUNK, permutations - start)
        order = torch.argsort(torch.rand(count, total, generator=generator), dim=1)
        labels = order < n_x
        at_least += int((sign * group_contrast(matrix, labels) >= observed - 1e-12).sum())
    return observed, (1 + at_least) / (1 + permutations)


def median_bandwidth(distances: torch.Tensor) -> float:
    """The median of the off-diagonal pairwise distances (the median heuristic)."""
    upper = distances[torch.triu(torch.ones_like(distances, dtype=torch.bool), diagonal=1)]
    median = float(upper.median())
    return median if median > 0 else 1.0


def mmd_test(real: np.ndarray, fake: np.ndarray, permutations: int = 500, seed: int = 0) -> TestResult:
    """Unbiased MMD² with ``k(x, y) = exp(−‖x−y‖² / (2σ²))``, σ = median pairwise distance."""
    pooled = _pooled(real, fake)
    distances = torch.cdist(pooled, pooled)
    sigma = median_bandwidth(distances)
    kernel = torch.exp(-(distances**2) / (2.0 * sigma**2))
    statistic, p_value = permutation_p_value(kernel, len(real), permutations, seed)
    return TestResult("mmd", statistic, p_value, len(real), len(fake), seed,
                      details={"bandwidth": sigma, "permutations": permutations})


def energy_test(real: np.ndarray, fake: np.ndarray, permutations: int = 500, seed: int = 0) -> TestResult:
    """Energy distance ``2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖`` (U-statistic form)."""
    pooled = _pooled(real, fake)
    distances = torch.cdist(pooled, pooled)
    statistic, p_value = permutation_p_value(distances, len(real), permutations, seed, sign=-1.0)
    return TestResult("energy", statistic, p_value, len(real), len(fake), seed,
                      details={"permutations": permutations})
