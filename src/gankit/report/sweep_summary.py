"""A sweep's summary: per-member rows, then mean ± standard error, min, max and best member per metric."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table as RichTable

@dataclass(frozen=True)
class MetricSummary:
    """One metric across the members of a sweep."""

    metric: str
    mean: float
    stderr: float
    minimum: float
    maximum: float
    best_member: str
    pass_rate: float | None  # share of members with p > alpha, for p-values

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "mean": self.mean, "stderr": self.stderr, "min": self.minimum,
                "max": self.maximum, "best_member": self.best_member, "pass_rate": self.pass_rate}


def member_row(label: str, settings: dict[str, Any], seed: int, history: list, report) -> dict[str, Any]:
    """The flat record of one member: its settings, final losses and evaluation numbers."""
    row: dict[str, Any] = {"member": label, "seed": seed, **settings,
                           "d_loss": history[-1].d_loss, "g_loss": history[-1].g_loss}
    if report is not None:
        for result in report.results:
            key = f"{result.name}_p" if result.p_value is not None else result.name
            row[key] = result.p_value if result.p_value is not None else result.statistic
    return row


def summarize(rows: list[dict[str, Any]], alpha: float) -> list[MetricSummary]:
    """Mean, standard error (ddof 1), min, max, best member and pass rate of every numeric metric."""
    frame = pd.DataFrame(rows)
    metrics = [c for c in frame.columns if c.endswith("_p") or c.endswith("_error_vs_data")
               or c.endswith("_error_vs_truth") or c in ("d_loss", "g_loss")]
    summaries = []
    for metric in metrics:
        values = frame[metric].astype(float)
        is_p = metric.endswith("_p")
        best = values.idxmax() if is_p else values.idxmin() if "error" in metric else None
        stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
        summaries.append(MetricSummary(
            metric, float(values.mean()), stderr, float(values.min()), float(values.max()),
            str(frame.loc[best, "member"]) if best is not None else "",
            float((values > alpha).mean()) if is_p else None,
        ))
    return summaries


def summary_table(summaries: list[MetricSummary], members: int) -> RichTable:
    """The printed form: one row per metric; the best member by its number (see members.csv)."""
    table = RichTable(title=f"sweep summary over {members} members")
    for header in ("metric", "mean", "s.e.", "min", "max", "pass", "best"):
        table.add_column(header, justify="left" if header == "metric" else "right", no_wrap=True)
    for s in summaries:
        rate = "" if s.pass_rate is None else f"{s.pass_rate:.0%}"
        best = f"#{s.best_member[:3]}" if s.best_member else ""
        table.add_row(s.metric, f"{s.mean:.3g}", f"{s.stderr:.2g}", f"{s.minimum:.3g}", f"{s.maximum:.3g}", rate, best)
    return table


def write_summary(folder: Path, rows: list[dict[str, Any]], summaries: list[MetricSummary]) -> None:
    """members.csv (one row per member), summary.csv and summary.md (one row per metric)."""
    pd.DataFrame(rows).to_csv(folder / "members.csv", index=False)
    frame = pd.DataFrame([s.as_dict() for s in summaries])
    frame.to_csv(folder / "summary.csv", index=False)
    (folder / "summary.md").write_text(markdown_table(frame))


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (floats to 4 significant digits, NaN and None blank)."""
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    cells = lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else (f"{v:.4g}" if isinstance(v, float) else str(v))  # noqa: E731
    return header + "".join("| " + " | ".join(cells(v) for v in row) + " |\n" for row in frame.itertuples(index=False))
