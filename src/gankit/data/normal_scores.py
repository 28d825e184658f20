"""A number column as normal scores: a piecewise-linear, monotone map whose inverse is exact.

The column's distinct values v_1 < … < v_k (at most ``MAX_KNOTS`` of them, taken at evenly spaced ranks
when there are more) are the knots. Knot v_i gets the score s_i = Φ⁻¹(F_i), where F_i is the mid-point
of the empirical CDF's step at v_i (the share of values below v_i plus half the share equal to it), so the
lowest and highest values of n rows land near ±Φ⁻¹(1/2n) rather than at an arbitrary clip. Values between
knots are interpolated linearly, both ways: encoding and decoding are inverse functions on
[v_1, v_k], so any value in that range comes back exactly (to float rounding); scores outside
[s_1, s_k] decode to the end values.

Unlike sklearn's ``QuantileTransformer`` (``tabular.continuous = "quantile"``), the extremes are not sent
to ±5.2, which would make a table's smallest and largest rows outliers of its score correlation
(``data/copula_mix.py``) and targets a generator must hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

MAX_KNOTS = 1000  # knots kept per column (the checkpoint stores them)


def _normal_quantile(p: np.ndarray) -> np.ndarray:
    """Φ⁻¹ of shares in (0, 1)."""
    from scipy.special import ndtri  # SciPy loads only when a table is encoded

    return ndtri(p)


class NormalScores:
    """Values ↔ normal scores of one number column through its knots (see the module docstring)."""

    def __init__(self, knots: np.ndarray, scores: np.ndarray) -> None:
        self.knots = np.asarray(knots, dtype=np.float64)
        self.scores = np.asarray(scores, dtype=np.float64)

    @classmethod
    def fit(cls, values: np.ndarray) -> NormalScores:
        """Knots and their scores from the observed (NaN-free) ``values``."""
        distinct, counts = np.unique(np.asarray(values, dtype=np.float64), return_counts=True)
        below = np.cumsum(counts) - counts
        scores = _normal_quantile((below + counts / 2) / counts.sum())
        if len(distinct) > MAX_KNOTS:
            keep = np.unique(np.linspace(0, len(distinct) - 1, MAX_KNOTS).round().astype(int))
            distinct, scores = distinct[keep], scores[keep]
        return cls(distinct, scores)

    def encode(self, values: np.ndarray) -> np.ndarray:
        """Scores of ``values`` (values beyond the end knots get the end scores)."""
        if len(self.knots) == 1:
            return np.zeros(len(values))
        return np.interp(values, self.knots, self.scores)

    def decode(self, scores: np.ndarray) -> np.ndarray:
        """Values of ``scores``: the inverse of :meth:`encode` on the knots' range."""
        if len(self.knots) == 1:
            return np.full(len(scores), self.knots[0])
        return np.interp(scores, self.scores, self.knots)

    def to_dict(self) -> dict[str, Any]:
        return {"knots": self.knots.tolist(), "scores": self.scores.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NormalScores:
        return cls(data["knots"], data["scores"])
