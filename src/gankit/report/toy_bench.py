"""`gankit bench toy`: a preset over many seeds, summarized beside the published rows of its protocol."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table as RichTable

from gankit.report.published import PROTOCOL_OF, PUBLISHED
from gankit.report.sweep_summary import markdown_table

METRICS = (("modes", "modes_captured"), ("hq_pct", "high_quality_pct"), ("reverse_kl", "reverse_kl"))
COLUMNS = ("protocol", "method", "modes", "hq_pct", "reverse_kl", "spread", "mmd_pass", "knn_pass", "wall_s")


def _mean_se(values: pd.Series) -> str:
    """``mean ± standard error``; one seed has no standard error, so just its value."""
    values = values.dropna().astype(float)
    if values.empty:
        return ""
    if len(values) == 1:
        return f"{values.iloc[0]:.3g}"
    return f"{values.mean():.3g} ± {values.std(ddof=1) / math.sqrt(len(values)):.2g}"


def gankit_row(preset: str, label: str, rows: list[dict[str, Any]], seconds: float, alpha: float) -> dict[str, str]:
    """One table row from a sweep's member rows: mean ± s.e. of the mode metrics, MMD pass rate, wall time."""
    frame = pd.DataFrame(rows)
    row = {"protocol": preset, "method": f"gankit {label} ({len(frame)} seeds)".replace("  ", " ")}
    for name, column in METRICS:
        row[name] = _mean_se(frame[column]) if column in frame else ""
    row["spread"] = _mean_se(frame["spread_ratio"]) if "spread_ratio" in frame else ""
    row["mmd_pass"] = f"{(frame['mmd_p'] > alpha).mean():.0%}" if "mmd_p" in frame else ""
    row["knn_pass"] = f"{(frame['c2st_knn_p'] > alpha).mean():.0%}" if "c2st_knn_p" in frame else ""
    row["wall_s"] = f"{seconds:.1f}"
    return row


def published_rows(preset: str) -> list[dict[str, str]]:
    """The published rows of the preset's protocol (pacgan-ring, veegan-grid, …), if any."""
    protocol = PROTOCOL_OF.get(preset) or next((key for key in PUBLISHED if preset.startswith(key)), None)
    blank = dict.fromkeys(COLUMNS, "")
    return [{**blank, "protocol": preset, "method": f"published: {r['method']}", **{k: r[k] for k, _ in METRICS}}
            for r in PUBLISHED.get(protocol, [])]


def bench_table(rows: list[dict[str, str]]) -> RichTable:
    table = RichTable(title="toy benchmark (mean ± standard error over seeds)")
    for header in COLUMNS:
        table.add_column(header, justify="left" if header in ("protocol", "method") else "right", overflow="fold")  # wraps, never "…"
    for row in rows:
        table.add_row(*(row[k] for k in COLUMNS))
    return table


def write_bench(folder: Path, rows: list[dict[str, str]]) -> None:
    """toy_bench.csv and toy_bench.md."""
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / "toy_bench.csv", index=False)
    (folder / "toy_bench.md").write_text(markdown_table(frame))
