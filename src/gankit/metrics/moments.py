"""Moment errors: how far the generated mean and covariance are from a target's."""

from __future__ import annotations

import numpy as np

from gankit.metrics.result import TestResult


def mean_error(fake: np.ndarray, target_mean: np.ndarray) -> float:
    """Euclidean distance between the generated sample mean and ``target_mean``."""
    return float(np.linalg.norm(fake.mean(axis=0) - target_mean))


def covariance_error(fake: np.ndarray, target_cov: np.ndarray) -> float:
    """Frobenius norm of (generated sample covariance − ``target_cov``)."""
    return float(np.linalg.norm(np.atleast_2d(np.cov(fake, rowvar=False)) - target_cov))


def moment_errors(fake: np.ndarray, mean: np.ndarray, cov: np.ndarray, against: str, n_real: int, seed: int) -> list[TestResult]:
    """Mean and covariance error of ``fake`` against a target; ``against`` names it (``data`` or ``truth``)."""
    return [
        TestResult(f"mean_error_vs_{against}", mean_error(fake, mean), None, n_real, len(fake), seed),
        TestResult(f"cov_error_vs_{against}", covariance_error(fake, cov), None, n_real, len(fake), seed),
    ]
