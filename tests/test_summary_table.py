"""The terminal's evaluation table: each metric's value and p-value, an undefined value as "–" (as report.html)."""

from __future__ import annotations

import math

from rich.console import Console

from gankit.metrics import EvalReport
from gankit.metrics.result import TestResult, test_outcome
from gankit.report.figure_text import UNDEFINED, figure_text
from gankit.report.summary import print_report


def test_figure_text_rounds_blanks_none_and_marks_undefined_values():
    assert figure_text(0.123456) == "0.1235" and figure_text(3, ".3f") == "3.000"
    assert figure_text(None) == ""
    assert [figure_text(v) for v in (math.nan, math.inf, -math.inf, "x", True)] == [UNDEFINED] * 5


def test_an_undefined_metric_prints_a_dash_not_nan():
    report = EvalReport([TestResult("mmd", 0.0123, 0.5, 100, 100, 0), TestResult("reverse_kl", math.nan, None, 0, 100, 0),
                         TestResult("energy", math.nan, math.nan, 100, 100, 0)], 0.05, 100, 100, 0)
    console = Console(record=True, width=120)
    print_report(console, report)
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in console.export_text().splitlines()]
    rows = {row[0]: row[1:4] for row in cells if row}
    assert rows == {"mmd": ["0.0123", "0.500", "passes"], "reverse_kl": [UNDEFINED, "", ""],
                    "energy": [UNDEFINED, UNDEFINED, UNDEFINED]}
    assert "nan" not in console.export_text()


def test_an_undefined_p_value_neither_passes_nor_rejects():
    assert [test_outcome(p, 0.05) for p in (0.01, 0.05, 0.5, None, math.nan)] == [
        "rejects", "passes", "passes", "", UNDEFINED]
