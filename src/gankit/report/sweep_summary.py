"""A sweep's summary: per-member rows, then per grid point and metric: mean ± standard error, min, max,
pass rate and the best member (named by its label, which carries its seed and settings)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table as RichTable

from gankit.atomic_write import atomic_write

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
    grid_point: str = ""  # "train.d_optimizer.lr=0.05 train.ema_decay=0"; "" for a sweep over seeds only

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "mean": self.mean, "stderr": self.stderr, "min": self.minimum,
                "max": self.maximum, "best_member": self.best_member, "pass_rate": self.pass_rate,
                "grid_point": self.grid_point}


def member_row(label: str, settings: dict[str, Any], seed: int, history: list, report,
               acceptance: float | None = None) -> dict[str, Any]:
    """The flat record of one member: its settings, final losses and evaluation numbers; with
    ``sample.method = "rejection"`` also ``drs_acceptance``, the share of G's candidates that rejection sampling kept."""
    row: dict[str, Any] = {"member": label, "seed": seed, **settings,
                           "d_loss": history[-1].d_loss, "g_loss": history[-1].g_loss}
    if acceptance is not None:
        row["drs_acceptance"] = acceptance
    return {**row, **report_values(report)} if report is not None else row


def report_values(report) -> dict[str, float]:
    """An evaluation as flat numbers: ``<test>_p`` for a test's p-value, ``<metric>`` for a plain statistic."""
    return {f"{r.name}_p" if r.p_value is not None else r.name: r.p_value if r.p_value is not None else r.statistic
            for r in report.results}


def summarize(rows: list[dict[str, Any]], alpha: float, grid_keys: list[str] | tuple[str, ...] = ()) -> list[MetricSummary]:
    """Per grid point (the members sharing the values of ``grid_keys``; all members when there is no grid):
    mean, standard error (ddof 1), min, max, best member and pass rate of every numeric metric."""
    frame = pd.DataFrame(rows)
    metrics = [c for c in frame.columns if c.endswith("_p") or c.endswith("_error_vs_data")
               or c.endswith("_error_vs_truth") or c in ("d_loss", "g_loss")]
    points = [" ".join(f"{key}={row[key]}" for key in grid_keys) for row in rows]
    summaries = []
    for point in dict.fromkeys(points):  # grid points in the order the sweep ran them
        members = frame[[p == point for p in points]]
        summaries += [_summary(members, metric, alpha, point) for metric in metrics]
    return summaries


def _summary(members: pd.DataFrame, metric: str, alpha: float, point: str) -> MetricSummary:
    values = members[metric].astype(float)
    is_p = metric.endswith("_p")
    best = values.idxmax() if is_p else values.idxmin() if "error" in metric else None
    stderr = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return MetricSummary(
        metric, float(values.mean()), stderr, float(values.min()), float(values.max()),
        str(members.loc[best, "member"]) if best is not None else "",
        float((values > alpha).mean()) if is_p else None, point,
    )


def summary_table(summaries: list[MetricSummary], members: int) -> RichTable:
    """The printed form: a section per grid point (headed by its settings), one row per metric, the best
    member by number and seed (``003-seed1``; summary.csv has its whole label); s.e. blank for one member."""
    table = RichTable(title=f"sweep summary over {members} members")
    for header in ("metric", "mean", "s.e.", "min", "max", "pass", "best member"):
        table.add_column(header, justify="left" if header in ("metric", "best member") else "right", overflow="fold")
    point = None
    for s in summaries:
        if s.grid_point != point and s.grid_point:
            if point is not None:
                table.add_section()
            table.add_row(f"[bold]{s.grid_point}[/bold]", *[""] * 6)
        point = s.grid_point
        rate = "" if s.pass_rate is None else f"{s.pass_rate:.0%}"
        stderr = "" if math.isnan(s.stderr) else f"{s.stderr:.2g}"
        best = "-".join(s.best_member.split("-")[:2]) if s.grid_point else s.best_member  # the section names the settings
        table.add_row(s.metric, f"{s.mean:.3g}", stderr, f"{s.minimum:.3g}", f"{s.maximum:.3g}", rate, best)
    return table


def write_summary(folder: Path, rows: list[dict[str, Any]], summaries: list[MetricSummary]) -> None:
    """members.csv (one row per member), summary.csv and summary.md (one row per metric)."""
    atomic_write(folder / "members.csv", lambda temporary: pd.DataFrame(rows).to_csv(temporary, index=False))
    frame = pd.DataFrame([s.as_dict() for s in summaries])
    atomic_write(folder / "summary.csv", lambda temporary: frame.to_csv(temporary, index=False))
    atomic_write(folder / "summary.md", markdown_table(frame))


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (floats to 4 significant digits, NaN and None blank)."""
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    cells = lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else (f"{v:.4g}" if isinstance(v, float) else str(v))  # noqa: E731
    return header + "".join("| " + " | ".join(cells(v) for v in row) + " |\n" for row in frame.itertuples(index=False))
