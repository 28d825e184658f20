"""The record every metric returns."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


def test_outcome(p_value: float | None, alpha: float) -> str:
    """'rejects' or 'passes' at level ``alpha``; '' for a metric without a p-value, '–' for an undefined one.

    One wording for the terminal, the notebook and report.html: a NaN p-value (a test that could not be
    computed) neither passes nor rejects.
    """
    if p_value is None:
        return ""
    if math.isnan(p_value):
        return "–"
    return "rejects" if p_value < alpha else "passes"


test_outcome.__test__ = False  # not a pytest test function


@dataclass(frozen=True)
class TestResult:
    """One metric on (real, fake): its value and, for a test, the p-value under "same distribution".

    ``n_real``/``n_fake`` are the sample sizes it saw and ``seed`` the seed of its
    randomness (permutations, train/test split), so that it can be rerun exactly.
    """

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    p_value: float | None
    n_real: int
    n_fake: int
    seed: int
    higher_is_better: bool = False
    details: dict[str, Any] | None = None

    def rejects(self, alpha: float) -> bool:
        """True when the test tells the two samples apart at level ``alpha``."""
        return self.p_value is not None and self.p_value < alpha

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        if record["details"] is None:
            del record["details"]
        return record
