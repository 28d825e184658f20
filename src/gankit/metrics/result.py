"""The record every metric returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
