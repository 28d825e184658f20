"""Two-sample tests: is the generator's sample distinguishable from the real one?

* MMD² (unbiased, Gaussian kernel, bandwidth = median pairwise distance) with a
  permutation p-value (Gretton et al. 2012).
* Energy distance (Székely & Rizzo) with a permutation p-value. It is the MMD of
  the distance-induced kernel ``-‖x−y‖``, so both share one permutation routine.

Both come from one pooled distance matrix and share one set of relabellings; every
relabelling goes through one matrix product per test, batched over all relabellings, in
float64 on torch's threads (:func:`permutation_tests`).

The classifier two-sample test lives in ``metrics/c2st.py``.
"""

from __future__ import annotations

import numpy as np
import torch

from gankit.metrics.result import TestResult

PERMUTATION_CHUNK = 64  # relabellings per draw from the generator: part of the random stream, so fixed
CONTRAST_BLOCK = 8_000_000  # relabellings × pooled points × matrices per block of products (64 MB of float64)
QUADRATIC_LEAF = 256  # below this many points a quadratic form is one plain product
TIE_TOLERANCE = 1e-12  # a permuted statistic this close below the observed one counts as "at least as large"


def _pooled(real: np.ndarray, fake: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.concatenate([real, fake]).astype(np.float64))


def random_labellings(total: int, n_x: int, permutations: int, seed: int) -> torch.Tensor:
    """The permutation test's relabellings: a (permutations, total) bool matrix, ``n_x`` True per row.

    Row p marks which pooled points form sample x under permutation p. Drawn in chunks of
    :data:`PERMUTATION_CHUNK` rows from one generator seeded with ``seed``, so a seed always
    gives the same relabellings.
    """
    generator = torch.Generator().manual_seed(seed)
    chunks = []
    for start in range(0, permutations, PERMUTATION_CHUNK):
        count = min(PERMUTATION_CHUNK, permutations - start)
        chunks.append(torch.argsort(torch.rand(count, total, generator=generator), dim=1) < n_x)
    return torch.cat(chunks)


def quadratic_forms(x: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """``xᵀMx`` for every row ``x`` of ``x``, for a symmetric ``matrix``, in about half the work of ``x @ M``.

    With ``M = [[A, B], [Bᵀ, C]]``, ``xᵀMx = x₁ᵀAx₁ + 2·x₁ᵀBx₂ + x₂ᵀCx₂``: the off-diagonal
    block is multiplied once, and the diagonal blocks split the same way down to
    :data:`QUADRATIC_LEAF` points.
    """
    size = matrix.shape[0]
    if size <= QUADRATIC_LEAF:
        return ((x @ matrix) * x).sum(dim=1)
    half = size // 2
    first, second = x[:, :half], x[:, half:]
    cross = ((first @ matrix[:half, half:]) * second).sum(dim=1)
    return quadratic_forms(first, matrix[:half, :half]) + 2.0 * cross + quadratic_forms(second, matrix[half:, half:])


class PooledMatrices:
    """Pairwise matrices on the same pooled points, with what :meth:`contrasts` needs besides one product.

    Keeps each matrix as given (no copy), its diagonal (left out of every sum: U-statistics),
    its off-diagonal row sums ``r`` and off-diagonal total ``T``.
    """

    def __init__(self, matrices: list[torch.Tensor]) -> None:
        self.matrices = matrices
        self.total = len(matrices[0])
        self.diagonals = torch.stack([matrix.diagonal() for matrix in matrices])  # (C, N)
        self.row_sums = torch.stack([matrix.sum(dim=1) for matrix in matrices]) - self.diagonals  # (C, N)
        self.totals = self.row_sums.sum(dim=1, keepdim=True)  # (C, 1)

    def contrasts(self, in_x: torch.Tensor) -> torch.Tensor:
        """(C, P): the unbiased ``mean_xx + mean_yy − 2·mean_xy`` of each matrix under each labelling.

        With ``M`` the off-diagonal matrix, a labelling ``x`` (a 0/1 row) has ``Σ_xx = xᵀMx``,
        ``Σ_xy = xᵀr − xᵀMx`` and ``Σ_yy = T − 2xᵀr + xᵀMx``: all three from one product ``x·M``
        per matrix, for all labellings at once.
        """
        x = in_x.to(self.diagonals.dtype)
        n = x[0].sum()
        m = self.total - n
        within = torch.stack([quadratic_forms(x, matrix) for matrix in self.matrices]) - self.diagonals @ x.T
        linear = self.row_sums @ x.T
        xx = within / (n * (n - 1))
        xy = (linear - within) / (n * m)
        yy = (self.totals - 2.0 * linear + within) / (m * (m - 1))
        return xx + yy - 2.0 * xy


def group_contrast(matrix: torch.Tensor, in_x: torch.Tensor) -> torch.Tensor:
    """Unbiased ``mean_xx + mean_yy − 2·mean_xy`` of a pooled pairwise matrix, per group labelling.

    ``in_x`` is a (P, N) 0/1 matrix: row p marks which pooled points form sample x
    in labelling p (every row with the same number of points). The diagonal of ``matrix``
    is ignored (U-statistic).
    """
    return PooledMatrices([matrix]).contrasts(in_x)[0]


def permutation_p_values(
    matrices: list[torch.Tensor], signs: list[float], n_x: int, permutations: int, seed: int
) -> list[tuple[float, float]]:
    """(statistic, p-value) of ``sign · group_contrast`` for each of several matrices on the same pooled points.

    The statistic is that of the true split (the first ``n_x`` points are sample x); the
    p-value compares it with ``permutations`` random relabellings, the same ones for every
    matrix: p = (1 + #{permuted ≥ observed}) / (1 + permutations), never 0. The relabellings
    go through one matrix product per matrix and block of :data:`CONTRAST_BLOCK` numbers, on torch's threads.
    """
    pooled = PooledMatrices(matrices)
    observed_labels = torch.zeros(1, pooled.total, dtype=torch.bool)
    observed_labels[0, :n_x] = True
    sign = torch.tensor(signs, dtype=pooled.diagonals.dtype)[:, None]
    observed = sign * pooled.contrasts(observed_labels)  # (C, 1)
    labels = random_labellings(pooled.total, n_x, permutations, seed)
    block = max(1, CONTRAST_BLOCK // (len(matrices) * pooled.total))
    at_least = torch.zeros(len(matrices), dtype=torch.long)
    for start in range(0, permutations, block):
        at_least += (sign * pooled.contrasts(labels[start : start + block]) >= observed - TIE_TOLERANCE).sum(dim=1)
    return [(float(o), (1 + int(a)) / (1 + permutations)) for o, a in zip(observed[:, 0], at_least)]


def median_bandwidth(distances: torch.Tensor) -> float:
    """The median of the pairwise distances above the diagonal (the median heuristic).

    For an even count, the lower of the two middle values (as ``torch.median``), found by
    partial sorting (``np.partition``) rather than a full sort.
    """
    upper = distances.numpy()[np.triu(np.ones(distances.shape, dtype=bool), k=1)]
    middle = (len(upper) - 1) // 2
    median = float(np.partition(upper, middle)[middle])
    return median if median > 0 else 1.0


def gaussian_kernel(distances: torch.Tensor) -> tuple[torch.Tensor, float]:
    """``k(x, y) = exp(−‖x−y‖² / (2σ²))`` from pairwise distances, σ = :func:`median_bandwidth`; and σ."""
    sigma = median_bandwidth(distances)
    return distances.square().div_(-2.0 * sigma**2).exp_(), sigma


def permutation_tests(real: np.ndarray, fake: np.ndarray, permutations: int = 500, seed: int = 0) -> list[TestResult]:
    """:func:`mmd_test` and :func:`energy_test` together: one distance matrix and one set of
    relabellings for both (the results equal the two functions' own)."""
    pooled = _pooled(real, fake)
    distances = torch.cdist(pooled, pooled)
    kernel, sigma = gaussian_kernel(distances)
    (mmd, mmd_p), (energy, energy_p) = permutation_p_values(
        [kernel, distances], [1.0, -1.0], len(real), permutations, seed)
    counts = (len(real), len(fake), seed)
    return [TestResult("mmd", mmd, mmd_p, *counts, details={"bandwidth": sigma, "permutations": permutations}),
            TestResult("energy", energy, energy_p, *counts, details={"permutations": permutations})]


def mmd_test(real: np.ndarray, fake: np.ndarray, permutations: int = 500, seed: int = 0) -> TestResult:
    """Unbiased MMD² with ``k(x, y) = exp(−‖x−y‖² / (2σ²))``, σ = median pairwise distance."""
    pooled = _pooled(real, fake)
    kernel, sigma = gaussian_kernel(torch.cdist(pooled, pooled))
    [(statistic, p_value)] = permutation_p_values([kernel], [1.0], len(real), permutations, seed)
    return TestResult("mmd", statistic, p_value, len(real), len(fake), seed,
                      details={"bandwidth": sigma, "permutations": permutations})


def energy_test(real: np.ndarray, fake: np.ndarray, permutations: int = 500, seed: int = 0) -> TestResult:
    """Energy distance ``2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖`` (U-statistic form)."""
    pooled = _pooled(real, fake)
    distances = torch.cdist(pooled, pooled)
    [(statistic, p_value)] = permutation_p_values([distances], [-1.0], len(real), permutations, seed)
    return TestResult("energy", statistic, p_value, len(real), len(fake), seed,
                      details={"permutations": permutations})
