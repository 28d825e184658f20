"""Figures of a synthetic table's quality: per-column shape scores and the pair-trend matrix.

Drawn with matplotlib's object API (``Figure``, no pyplot state, so any backend the
caller set is left alone) and written atomically: to a temporary file next to the
target, then renamed over it, so that a reader never sees half a figure.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from gankit.atomic_write import atomic_write
from gankit.errors import UserError
from gankit.metrics.pair_trends import pair_trend_scores
from gankit.metrics.table_checks import checked_tables
from gankit.metrics.table_quality import TabularReport

METRIC_COLOURS = {"KSComplement": "#1f77b4", "TVComplement": "#ff7f0e"}
MAX_ANNOTATED_COLUMNS = 20
MAX_FIGURE_COLUMNS = 40  # wider tables: the shapes figure shows the worst 40 columns, the pair matrix the first 40


def plot_column_shapes(report: TabularReport, path: Path | str) -> Path:
    """Horizontal bars of each column's shape score in [0, 1], worst at the top, coloured by metric.

    A column whose score is NaN (no values on either side) is drawn as an empty bar marked n/a.
    """
    names = list(report.column_shapes)
    scores = np.array([report.column_shapes[n].score for n in names], dtype=float)
    order = np.argsort(np.nan_to_num(scores, nan=-1.0))[::-1]  # best at the bottom row
    order = order[-MAX_FIGURE_COLUMNS:]  # a wide table: its worst columns
    fig = Figure(figsize=(8.5, 1.2 + 0.35 * len(order)))
    ax = fig.add_subplot()
    rows = np.arange(len(order))
    metrics = [report.column_shapes[names[i]].metric for i in order]
    ax.barh(rows, np.nan_to_num(scores[order]), color=[METRIC_COLOURS.get(m, "gray") for m in metrics])
    for row, score in zip(rows, scores[order]):
        label = "n/a" if math.isnan(score) else f"{score:.3f}"
        ax.text(np.nan_to_num(score) + 0.01, row, label, va="center", fontsize=8)
    ax.set_yticks(rows, [names[i] for i in order])
    ax.set_xlim(0.0, 1.12)  # room for the labels right of a full bar
    ax.set_xticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel("score (1 = same distribution)")
    used = [m for m in METRIC_COLOURS if m in metrics]
    ax.legend(handles=[Patch(color=METRIC_COLOURS[m], label=m) for m in used],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    which = "" if len(report.column_shapes) <= MAX_FIGURE_COLUMNS else \
        f" (the worst {MAX_FIGURE_COLUMNS} of {len(report.column_shapes)} columns)"
    ax.set_title(f"Column shapes: mean {report.column_shapes_score:.3f}, overall quality {report.overall_score:.3f}{which}")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_correlation_difference(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str] | None, path: Path | str) -> Path:
    """Heatmap of the pair-trend score of every pair of columns (1 = same trend), annotated.

    This covers every column, not only the numeric ones: numeric pairs show
    CorrelationSimilarity = 1 − |ρ_real − ρ_fake| / 2 (so |Δρ| = 2·(1 − cell)), other
    pairs ContingencySimilarity. The diagonal is left blank; cells are annotated up to
    :data:`MAX_ANNOTATED_COLUMNS` columns.
    """
    real, fake, kinds = checked_tables(real, fake, kinds)
    total = len(kinds)
    kinds = dict(list(kinds.items())[:MAX_FIGURE_COLUMNS])  # a wide table: its first columns
    names = list(kinds)
    matrix = np.full((len(names), len(names)), np.nan)
    for (a, b), pair in pair_trend_scores(real, fake, kinds).items():
        i, j = names.index(a), names.index(b)
        matrix[i, j] = matrix[j, i] = pair.score
    size = 2.5 + 0.5 * len(names)
    fig = Figure(figsize=(size + 1.5, size))
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap="RdYlGn", vmin=0.0, vmax=1.0)
    if len(names) <= MAX_ANNOTATED_COLUMNS:
        for i, j in zip(*np.nonzero(~np.isnan(matrix))):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    fig.colorbar(image, ax=ax, label="pair-trend score (1 = same trend)")
    which = "" if total <= MAX_FIGURE_COLUMNS else f"; the first {MAX_FIGURE_COLUMNS} of {total} columns"
    ax.set_title(f"Column pair trends (numeric pairs: correlation; others: contingency{which})", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def save_figure(fig: Figure, path: Path | str) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix, png if none), creating the folder."""
    path = Path(path)
    file_format = path.suffix.lstrip(".").lower() or "png"
    allowed = fig.canvas.get_supported_filetypes()
    if file_format not in allowed:
        raise UserError(f"{path}: cannot write a figure as '{file_format}'; allowed: {', '.join(sorted(allowed))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda temporary: fig.savefig(temporary, format=file_format, dpi=120))
