"""The playground's verdict line, steady: it follows the trend of the test rounds, not each round's noise.

The playground runs its two-sample tests about once a second on a generator that keeps
changing. Near a good fit the p-values wander around α, so each round's Holm-corrected
verdict would flip from second to second. The line shown instead keeps its verdict until
at least :data:`TO_CHANGE` of the last :data:`ROUNDS` rounds say otherwise (the first
round sets it), and says how many of those rounds told the samples apart.
"""

from __future__ import annotations

from collections import deque
from typing import Any

ROUNDS = 5
TO_CHANGE = 4
DISTINGUISHABLE, INDISTINGUISHABLE = "DISTINGUISHABLE", "INDISTINGUISHABLE"


class SteadyVerdict:
    """Each round's verdict in (:meth:`add`), the steady verdict and its tally out."""

    def __init__(self, rounds: int = ROUNDS, to_change: int = TO_CHANGE) -> None:
        if not 0 < to_change <= rounds:
            raise ValueError("to_change must be between 1 and rounds")
        self._told_apart: deque[bool] = deque(maxlen=rounds)
        self.to_change = to_change
        self.verdict: str | None = None

    def add(self, told_apart: bool) -> dict[str, Any]:
        """Record one round (True: its tests told the samples apart after Holm's correction); the line's state."""
        self._told_apart.append(told_apart)
        if self.verdict is None:
            self.verdict = DISTINGUISHABLE if told_apart else INDISTINGUISHABLE
        else:
            apart = sum(self._told_apart)
            together = len(self._told_apart) - apart
            if self.verdict == INDISTINGUISHABLE and apart >= self.to_change:
                self.verdict = DISTINGUISHABLE
            elif self.verdict == DISTINGUISHABLE and together >= self.to_change:
                self.verdict = INDISTINGUISHABLE
        return {"verdict": self.verdict, "told_apart": sum(self._told_apart), "rounds": len(self._told_apart),
                "window": self._told_apart.maxlen, "to_change": self.to_change}
