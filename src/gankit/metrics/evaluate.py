"""The evaluation every run ends with: two-sample tests, moment errors and a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gankit.data.rows import as_rows
from gankit.data.toy import GaussianMixture
from gankit.metrics.html_table import html_table
from gankit.metrics.modes import mode_metrics
from gankit.metrics.moments import moment_errors
from gankit.metrics.result import TestResult, test_outcome
from gankit.metrics.c2st import c2st
from gankit.metrics.twosample import permutation_tests


def real_rows_index(count: int, n: int, seed: int) -> np.ndarray:
    """Which of ``count`` real rows an evaluation compares: all of them, or ``n`` drawn without replacement."""
    return np.arange(count) if count <= n else np.random.default_rng(seed).choice(count, n, replace=False)


def holm_rejections(p_values: list[float], alpha: float) -> list[bool]:
    """Holm–Bonferroni: which of several tests reject while the family-wise error stays ≤ alpha.

    >>> holm_rejections([0.01, 0.04, 0.30], 0.05)
    [True, False, False]
    """
    order = np.argsort(p_values)
    rejected = [False] * len(p_values)
    for rank, index in enumerate(order):
        if p_values[index] >= alpha / (len(p_values) - rank):
            break
        rejected[index] = True
    return rejected


@dataclass
class EvalReport:
    """All results of one evaluation and the verdict at level ``alpha``."""

    results: list[TestResult]
    alpha: float
    n_real: int
    n_fake: int
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tests(self) -> list[TestResult]:
        return [r for r in self.results if r.p_value is not None]

    @property
    def distinguishable(self) -> bool:
        """True when any test rejects "same distribution" after Holm's correction."""
        return any(holm_rejections([t.p_value for t in self.tests], self.alpha))

    def __getitem__(self, name: str) -> TestResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def verdict(self) -> str:
        """One line: can the tests tell generated samples from real ones?"""
        rejecting = [t.name for t in self.tests if t.rejects(self.alpha)]
        family = f"Holm-corrected over {len(self.tests)} tests, α={self.alpha}"
        if self.distinguishable:
            return f"DISTINGUISHABLE: the generator's samples can be told from the data ({family}; rejected by {', '.join(rejecting)})"
        note = f"; unadjusted p < α for {', '.join(rejecting)}" if rejecting else ""
        return f"INDISTINGUISHABLE: no test tells the generator's samples from the data ({family}{note})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "n_real": self.n_real,
            "n_fake": self.n_fake,
            "seed": self.seed,
            "distinguishable": self.distinguishable,
            "verdict": self.verdict(),
            "results": {r.name: r.as_dict() for r in self.results},
            **self.extra,
        }

    def _repr_html_(self) -> str:
        """The verdict and every result as one table, as a notebook shows the report."""
        rows = [(r.name, r.statistic, r.p_value, test_outcome(r.p_value, self.alpha)) for r in self.results]
        caption = f"{self.verdict()} — {self.n_fake} generated vs {self.n_real} real rows (seed {self.seed})"
        return html_table(["metric", "statistic", "p-value", f"p < {self.alpha}"], rows, caption)




def evaluate(
    real: Any,
    fake: Any,
    *,
    permutations: int = 500,
    alpha: float = 0.05,
    seed: int = 0,
    truth: tuple[np.ndarray, np.ndarray] | None = None,
    modes: GaussianMixture | None = None,
    mode_samples: np.ndarray | None = None,
) -> EvalReport:
    """Compare two samples of rows (arrays, tensors or DataFrames of equal width).

    Runs MMD², energy distance, k-NN and logistic C2ST, and the mean/covariance
    error of ``fake`` against ``real`` and, when ``truth = (mean, cov)`` is known,
    against it too. With ``modes`` (a known mixture), also the PacGAN mode
    metrics on ``mode_samples`` (PacGAN uses 2500 generated samples) or on ``fake``.
    """
    real_rows = as_rows(real, "real sample").values.astype(np.float64)
    fake_rows = as_rows(fake, "generated sample").values.astype(np.float64)
    if real_rows.shape[1] != fake_rows.shape[1]:
        raise ValueError(f"real rows have {real_rows.shape[1]} columns but generated rows have {fake_rows.shape[1]}")
    results = [
        *permutation_tests(real_rows, fake_rows, permutations, seed),
        c2st(real_rows, fake_rows, "knn", seed),
        c2st(real_rows, fake_rows, "logistic", seed),
    ]
    n = len(real_rows)
    results += moment_errors(fake_rows, real_rows.mean(0), np.atleast_2d(np.cov(real_rows, rowvar=False)), "data", n, seed)
    if truth is not None:
        results += moment_errors(fake_rows, truth[0], truth[1], "truth", n, seed)
    if modes is not None:
        results += mode_metrics(fake_rows if mode_samples is None else mode_samples, modes, seed)
    return EvalReport(results, alpha, n, len(fake_rows), seed)
