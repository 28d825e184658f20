"""What the terminal shows: the chapter-style summary line and the evaluation table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable

from gankit.report.figure_text import figure_text

if TYPE_CHECKING:  # annotations only: this module is imported by the command line before torch is needed
    from gankit.metrics import EvalReport
    from gankit.train.loop import EpochRecord


def training_summary(last: EpochRecord) -> str:
    """The chapter's closing line: ``loss_D 0.693, loss_G 0.693, 1020.0 examples/sec``."""
    return f"loss_D {last.d_loss:.3f}, loss_G {last.g_loss:.3f}, {last.examples_per_sec:.1f} examples/sec"


def epoch_note(record: EpochRecord) -> str:
    """The text beside the epoch bar: ``d_loss 0.693  g_loss 0.693  7,731 ex/s``."""
    return f"d_loss {record.d_loss:.3f}  g_loss {record.g_loss:.3f}  {record.examples_per_sec:,.0f} ex/s"


def eval_table(report: EvalReport) -> RichTable:
    """One row per metric: value, p-value and whether it rejects at α; an undefined value shows as "–"."""
    from gankit.metrics.result import test_outcome  # noqa: PLC0415 (the metrics package loads torch)

    table = RichTable(title=f"evaluation: {report.n_fake} generated vs {report.n_real} real rows (seed {report.seed})")
    for header in ("metric", "statistic", "p-value", f"p < {report.alpha}"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    for result in report.results:
        outcome = test_outcome(result.p_value, report.alpha)
        flag = {"rejects": "[red]rejects[/red]", "passes": "[green]passes[/green]"}.get(outcome, outcome)
        p_value = "" if result.p_value is None else figure_text(result.p_value, ".3f")
        table.add_row(result.name, figure_text(result.statistic), p_value, flag)
    return table


def print_report(console: Console, report: EvalReport) -> None:
    """The evaluation table and the one-line verdict."""
    console.print(eval_table(report))
    colour = "red" if report.distinguishable else "green"
    console.print(f"[{colour}]{report.verdict()}[/{colour}]", soft_wrap=True)


def comparison_table(header: list[str], rows: list[list[str]]) -> RichTable:
    """``gankit compare``'s table: one row per run, text columns left-aligned and numbers right-aligned."""
    table = RichTable(title=f"{len(rows)} runs")
    for name in header:
        table.add_column(name, justify="left" if name in ("run", "objective", "verdict") else "right")
    for row in rows:
        table.add_row(*row)
    return table


def keys_table(docs: list) -> RichTable:
    """``gankit config keys``'s table: key, type, default, allowed range and description of each key."""
    table = RichTable("key", "type", "default", "range", "description", box=None, pad_edge=False)
    for doc in docs:
        table.add_row(doc.key, doc.type, doc.default, doc.range, doc.description)
    return table
