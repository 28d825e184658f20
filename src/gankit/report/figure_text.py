"""A figure as text in a table: blank when absent, "–" when undefined, else rounded.

The terminal's tables and report.html write a metric that has no value for a run (a NaN
statistic, such as the reverse KL of a run whose samples hit no mode) the same way, as the
live view's page does.
"""

from __future__ import annotations

import math
from typing import Any

UNDEFINED = "–"  # a figure that has no value (NaN, ±inf, not a number)


def figure_text(value: Any, spec: str = ".4g") -> str:
    """``value`` formatted with ``spec``; "" for None and :data:`UNDEFINED` for anything not a finite number."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return UNDEFINED
    return format(value, spec)
