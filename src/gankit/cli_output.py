"""What the command line shows: the progress display and notices on stderr, results on stdout.

Results are tables and one-line summaries for people, or with ``--json`` one object for scripts.
Kept apart from :mod:`gankit.cli`, which only parses, so that a command reads as parse → call →
show. Like the command line, this module loads no torch: the report tables are imported when
they are printed.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import typer
from rich.console import Console

from gankit.runs.directory import CHECKPOINT
from gankit.status import ProgressLines, progress_display, show_phases, silent

if TYPE_CHECKING:
    from gankit.gan import GAN
    from gankit.metrics import EvalReport
    from gankit.runs.job import RunResult
    from gankit.runs.listing import RunInfo

out = Console(width=None if sys.stdout.isatty() else 120)  # wide enough for the tables in logs and pipes
err = Console(stderr=True)


def notice(text: str) -> None:
    """A notice on stderr (``notice: …``), outside any progress display."""
    err.print(f"notice: {text}", markup=False)


def error_line(text: str) -> None:
    """One line on stderr, as every failed command ends."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def showing_phases(quiet: bool) -> Iterator[None]:
    """Show the library's phases (loading data, training, evaluating, figures, checkpoints) as lines of one
    progress display on stderr; nothing under ``-q``/``--json``. Each line appears when its phase starts,
    so the epoch bar comes only once the data has passed its checks."""
    if quiet:
        with show_phases(silent):
            yield
        return
    with progress_display(err) as progress, show_phases(ProgressLines(progress)):
        yield


def print_json(run_dir: Path, report: EvalReport, **extra: Any) -> None:
    """``--json``: one object with the verdict, the numbers and the paths, for scripts."""
    plots = sorted(str(path) for path in (run_dir / "plots").glob("*") if path.is_file())
    paths = {"run_dir": str(run_dir), "eval": str(run_dir / "eval.json"), "checkpoint": str(run_dir / CHECKPOINT),
             "plots": plots}
    typer.echo(json.dumps({"verdict": report.verdict(), "distinguishable": report.distinguishable, **extra,
                           "paths": paths, "report": report.as_dict()}))


def print_sampling_cost(gan: GAN, whose: str = "") -> None:
    """With ``sample.method = "rejection"``: what the last draw of rows cost (candidates, share kept, seconds);
    ``whose`` names that draw."""
    if gan.sampling_cost is not None:
        out.print(whose + gan.sampling_cost.describe(), soft_wrap=True)


def print_samples_written(gan: GAN, n: int, path: Path) -> None:
    """The end of ``gankit sample``: what was written where, and what rejection sampling cost its last chunk."""
    out.print(f"wrote {n} {gan.data_kind.noun} to {path}")
    print_sampling_cost(gan)


def print_presets(descriptions: dict[str, str]) -> None:
    """``gankit presets``: each preset's name and one-line description."""
    for name, description in descriptions.items():
        typer.echo(f"{name:16s} {description}")


def print_training(result: RunResult, as_json: bool) -> None:
    """The end of ``gankit train``: the chapter's summary line, the evaluation table, the verdict and the folder."""
    if as_json:
        print_json(result.run_dir, result.report)
        return
    from gankit.report.summary import print_report, training_summary  # noqa: PLC0415

    out.print(training_summary(result.gan.history[-1]))
    if result.gan.compile_seconds is not None:
        out.print(f"torch.compile took {result.gan.compile_seconds:.1f} s (before training, not in examples/sec)")
    print_report(out, result.report)
    print_sampling_cost(result.gan, "the figures' ")
    out.print(f"run directory: {result.run_dir}")


def print_evaluation(run_dir: Path, gan: GAN, report: EvalReport, asked: int | None, as_json: bool) -> None:
    """The end of ``gankit eval``: the table and verdict, and how many rows were compared when ``-n`` asked."""
    if as_json:
        print_json(run_dir, report, **({"n_asked": asked} if asked is not None else {}))
        return
    from gankit.report.summary import print_report  # noqa: PLC0415

    print_report(out, report)
    print_sampling_cost(gan, "the figures' ")
    if asked is not None:
        used = f"used {report.n_fake} generated and {report.n_real} real rows"
        capped = min(report.n_fake, report.n_real) < asked
        out.print(f"asked for -n {asked}: {used}" + (" (the real rows available cap it)" if capped else ""))


def print_sweep(result: Any, as_json: bool) -> None:
    """A finished sweep's summary table (or, with ``--json``, one object) and its folder."""
    if as_json:
        typer.echo(json.dumps({"sweep_dir": str(result.sweep_dir), "members": len(result.members),
                               "summary": [summary.as_dict() for summary in result.summaries],
                               "paths": {name: str(result.sweep_dir / name) for name in ("members.csv", "summary.csv", "summary.md")}}))
        return
    from gankit.report.sweep_summary import summary_table  # noqa: PLC0415

    out.print(summary_table(result.summaries, len(result.members)))
    out.print(f"sweep directory: {result.sweep_dir}")


def print_toy_bench(folder: Path, rows: list, overrides: list[str]) -> None:
    """``gankit bench toy``'s table, the overrides every run had, and the folder."""
    from gankit.report.toy_bench import bench_table  # noqa: PLC0415

    if overrides:
        out.print(f"overrides for every run: {' '.join(overrides)}")
    out.print(bench_table(rows))
    out.print(f"bench directory: {folder}")


def print_runs(runs: list[RunInfo], root: Path, as_json: bool) -> None:
    """``gankit runs``: a table of the run directories, or one JSON object per run, one per line."""
    if as_json:
        for info in runs:
            typer.echo(json.dumps(info.as_dict()))
        return
    if not runs:
        out.print(f"no runs in {root}/ yet: gankit train d2l-gaussian makes one")
        return
    from gankit.runs.listing import runs_table  # noqa: PLC0415

    out.print(runs_table(runs), markup=False, highlight=False)


def print_comparison(header: list[str], rows: list[list[str]], page: Path) -> None:
    """``gankit compare``: one row per run, and the page written."""
    from gankit.report.summary import comparison_table  # noqa: PLC0415

    out.print(comparison_table(header, rows))
    out.print(f"wrote {page}")


def print_keys(docs: list) -> None:
    """``gankit config keys``: each key's type, default, range and description."""
    from gankit.report.summary import keys_table  # noqa: PLC0415

    out.print(keys_table(docs), markup=False, highlight=False)
