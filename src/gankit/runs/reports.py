"""``gankit report`` and ``gankit compare``: where their pages may be written, and under which lock.

``report`` rebuilds a run's (or sweep's) own ``report.html`` holding the folder's write
lock, so it never races a training or evaluation writing the same folder, and an
unwritable folder is one line. ``compare`` writes its page anywhere except inside a run
or sweep folder, whose files belong to that run (``-o RUN/report.html`` would silently
replace the run's own report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from gankit.errors import UserError
from gankit.report.html_report import compare_rows, write_comparison, write_run_report, write_sweep_report
from gankit.runs.directory import check_run_dir, locked


def rebuild_reports(folders: list[Path]) -> Iterator[Path]:
    """Rebuild each folder's report, yielding its path as it is written; every folder is checked first, so a
    damaged one is reported before any page is rewritten."""
    for folder in folders:
        check_run_dir(folder, sweep_ok=True)
    for folder in folders:
        yield rebuild_report(folder)


def compare_runs(run_dirs: list[Path], output: Path) -> tuple[list[str], list[list[str]], Path]:
    """``gankit compare``: the comparison table (header, rows) of two or more runs, and the page written."""
    if len(run_dirs) < 2:
        raise UserError("compare needs at least two run directories")
    for folder in run_dirs:
        check_run_dir(folder, sweep_ok=False)
    header, rows = compare_rows(run_dirs)
    return header, rows, write_compare_page(run_dirs, output)


def rebuild_report(folder: Path) -> Path:
    """Rewrite ``folder/report.html`` from the folder's files, under its write lock; returns its path."""
    with locked(folder):
        return write_sweep_report(folder) if (folder / "members").is_dir() else write_run_report(folder)


def write_compare_page(run_dirs: list[Path], output: Path) -> Path:
    """The comparison page at ``output``, after checking ``output`` is not a file of a run or sweep folder."""
    where = output.resolve().parent  # `..` and links resolved: RUN/plots/../report.html is still the run's
    owner = next((folder for folder in (where, *where.parents)
                  if (folder / "config.toml").is_file() or (folder / "members").is_dir()), None)
    if owner is not None:
        raise UserError(f"{output}: inside the run folder {owner}, whose files belong to that run; "
                        "give -o a path outside run folders")
    return write_comparison(run_dirs, output)
