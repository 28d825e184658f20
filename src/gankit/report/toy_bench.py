"""`gankit bench toy`: a preset over many seeds, summarized beside the truth's floor and the published rows.

Columns: the PacGAN mode metrics (modes captured, HQ %, reverse KL; mean ± standard error over
seeds), the spread ratio (1 = modes as wide as the truth's), the pass rates of the k-NN classifier
two-sample test and of the MMD test (share of seeds with p > α), the cost of discriminator rejection
sampling where the preset samples that way (``drs_kept``: the mean share of G's candidates kept, so
1 / drs_kept candidates per row) and the wall time. The "true mixture" row judges fresh samples of the data
law the same way: the best any generator can score.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table as RichTable

from gankit.atomic_write import atomic_write
from gankit.report.published import PROTOCOL_OF, PUBLISHED
from gankit.report.sweep_summary import markdown_table, report_values

METRICS = (("modes", "modes_captured"), ("hq_pct", "high_quality_pct"), ("reverse_kl", "reverse_kl"),
           ("spread_ratio", "spread_ratio"))
PASS_RATES = (("c2st_knn_pass", "c2st_knn_p"), ("mmd_pass", "mmd_p"))
COLUMNS = ("protocol", "method", *(name for name, _ in METRICS), *(name for name, _ in PASS_RATES), "drs_kept", "wall_s")


def _mean_se(values: pd.Series) -> str:
    """``mean ± standard error``; one seed has no standard error, so just its value."""
    values = values.dropna().astype(float)
    if values.empty:
        return ""
    if len(values) == 1:
        return f"{values.iloc[0]:.3g}"
    return f"{values.mean():.3g} ± {values.std(ddof=1) / math.sqrt(len(values)):.2g}"


def summary_row(preset: str, method: str, rows: list[dict[str, Any]], seconds: float, alpha: float) -> dict[str, str]:
    """One table row from per-seed rows: mean ± s.e. of the mode metrics, pass rates of the tests, wall time."""
    frame = pd.DataFrame(rows)
    row = {"protocol": preset, "method": method}
    for name, column in METRICS:
        row[name] = _mean_se(frame[column]) if column in frame else ""
    for name, column in PASS_RATES:
        row[name] = f"{(frame[column] > alpha).mean():.0%}" if column in frame else ""
    row["drs_kept"] = f"{frame['drs_acceptance'].mean():.0%}" if "drs_acceptance" in frame else ""
    row["wall_s"] = f"{seconds:.1f}"
    return row


def gankit_row(preset: str, label: str, rows: list[dict[str, Any]], seconds: float, alpha: float) -> dict[str, str]:
    """The row of a sweep's members (``rows`` as the sweep summary writes them)."""
    return summary_row(preset, f"gankit {label} ({len(rows)} seeds)".replace("  ", " "), rows, seconds, alpha)


def truth_row(preset: str, reports: list, seconds: float, alpha: float, mixture: bool) -> dict[str, str]:
    """The row of the data law itself: one evaluation report per seed (``metrics.truth_floor.truth_report``)."""
    law = "true mixture" if mixture else "true distribution"
    return summary_row(preset, f"{law} ({len(reports)} draws)", [report_values(r) for r in reports], seconds, alpha)


def published_rows(preset: str) -> list[dict[str, str]]:
    """The published rows of the preset's protocol (pacgan-ring, veegan-grid, …), if any."""
    protocol = PROTOCOL_OF.get(preset) or next((key for key in PUBLISHED if preset.startswith(key)), None)
    blank = dict.fromkeys(COLUMNS, "")
    return [{**blank, "protocol": preset, "method": f"published: {r['method']}", **{k: r[k] for k, _ in METRICS[:3]}}
            for r in PUBLISHED.get(protocol, [])]


def bench_table(rows: list[dict[str, str]]) -> RichTable:
    table = RichTable(title="toy benchmark (mean ± standard error over seeds; pass = share of seeds with p > α)")
    for header in COLUMNS:
        table.add_column(header, justify="left" if header in ("protocol", "method") else "right", overflow="fold")  # wraps, never "…"
    for row in rows:
        table.add_row(*(row[k] for k in COLUMNS))
    return table


def write_bench(folder: Path, rows: list[dict[str, str]]) -> None:
    """toy_bench.csv and toy_bench.md."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    atomic_write(folder / "toy_bench.csv", lambda temporary: frame.to_csv(temporary, index=False))
    atomic_write(folder / "toy_bench.md", markdown_table(frame))
