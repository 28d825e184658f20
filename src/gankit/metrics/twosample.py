"""Two-sample tests: is the generator's sample distinguishable from the real one?

* MMD² (unbiased, Gaussian kernel, bandwidth = median pairwise distance) with a
  permutation p-value (Gretton et al. 2012).
* Energy distance (Székely & Rizzo) with a permutation p-value. It is the MMD of
  the distance-induced kernel ``-‖x−y‖``, so both share one permutation routine.
* Classifier two-sample test (Lopez-Paz & Oquab 2017): a classifier learns to
  tell real from fake on half of the pooled rows; its accuracy on the other half
  is Binomial(n, ½) under the null, which gives an exact one-sided p-value.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import binom
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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


def c2st(real: np.ndarray, fake: np.ndarray, classifier: str = "knn", seed: int = 0) -> TestResult:
    """Classifier two-sample test; ``classifier`` is ``knn`` (k = ⌊√n_train⌋) or ``logistic``.

    The statistic is held-out accuracy (0.5 = indistinguishable); the p-value is
    ``P(Binomial(n_test, ½) ≥ correct)``.
    """
    features = np.concatenate([real, fake])
    labels = np.concatenate([np.ones(len(real)), np.zeros(len(fake))])
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=0.5, random_state=seed, stratify=labels
    )
    if classifier == "knn":
        k = max(1, math.isqrt(len(x_train)))
        model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=k))
    elif classifier == "logistic":
        k = None
        model = make_pipeline(StandardScaler(), LogisticRegression())
    else:
        raise ValueError(f"unknown classifier '{classifier}'; allowed: knn, logistic")
    model.fit(x_train, y_train)
    correct = int((model.predict(x_test) == y_test).sum())
    p_value = float(binom.sf(correct - 1, len(y_test), 0.5))
    details = {"classifier": classifier, "n_test": len(y_test), "correct": correct}
    if k is not None:
        details["k"] = k
    return TestResult(f"c2st_{classifier}", correct / len(y_test), p_value, len(real), len(fake), seed, details=details)
