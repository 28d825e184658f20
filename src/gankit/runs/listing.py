"""``gankit runs``: what each run directory under ``runs/`` holds, read from its files (no torch, no model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gankit.errors import UserError
from gankit.run_files import read_eval, read_metrics, read_toml
from gankit.runs.directory import LATEST
from gankit.status import notice, release_notices

if TYPE_CHECKING:
    from rich.table import Table as RichTable


@dataclass(frozen=True)
class RunInfo:
    """One line of ``gankit runs``."""

    path: Path
    kind: str  # run, sweep, bench
    preset: str
    data: str
    verdict: str  # indistinguishable, distinguishable, "3/8 indistinguishable" for a sweep, "" when not evaluated
    started: datetime | None
    seconds: float | None  # training time from metrics.jsonl (a run's last epoch)

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "kind": self.kind, "preset": self.preset, "data": self.data,
                "verdict": self.verdict, "started": self.started.isoformat(timespec="seconds") if self.started else None,
                "seconds": self.seconds}


def list_runs(root: Path) -> list[RunInfo]:
    """Every run, sweep and bench folder directly under ``root``, oldest first (by name: they are numbered)."""
    if not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and p.name != LATEST)
    described = [_describe(folder) for folder in folders]
    release_notices()  # the damaged folders' notices: the listing itself goes on
    return described


def _describe(folder: Path) -> RunInfo:
    """The folder's line; a damaged file in it is named in one notice and the line says so."""
    try:
        return _described(folder)
    except UserError as problem:
        notice(str(problem))
        return RunInfo(folder, "?", "", "", "damaged", _modified(folder), None)


def _described(folder: Path) -> RunInfo:
    members = sorted((folder / "members").glob("*/config.toml"))
    if (folder / "config.toml").is_file():
        return _run_info(folder, "run")
    if members:
        first = _run_info(members[0].parent, "sweep")
        verdicts = [_verdict(member.parent) for member in members]
        passing = sum(v == "indistinguishable" for v in verdicts)
        verdict = f"{passing}/{len(members)} indistinguishable" if any(verdicts) else ""
        return RunInfo(folder, "sweep", first.preset, first.data, verdict, first.started, None)
    kind = "bench" if any(folder.glob("*/members")) else "?"
    return RunInfo(folder, kind, "", "", "", _modified(folder), None)


def _run_info(folder: Path, kind: str) -> RunInfo:
    config_path = folder / "config.toml"
    config = read_toml(config_path) or {}
    data = config.get("data", {})
    data = data if isinstance(data, dict) else {}
    source = str(data.get("path") or data.get("source", ""))
    return RunInfo(folder, kind, str(config.get("name", "")), source, _verdict(folder), _modified(config_path),
                   _training_seconds(folder / "metrics.jsonl"))


def _verdict(folder: Path) -> str:
    report = read_eval(folder / "eval.json")
    if report is None:
        return ""
    return "distinguishable" if report.get("distinguishable") else "indistinguishable"


def _training_seconds(path: Path) -> float | None:
    epochs = read_metrics(path)
    return float(epochs[-1]["elapsed"]) if epochs and "elapsed" in epochs[-1] else None


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None


def runs_table(runs: list[RunInfo]) -> "RichTable":
    """``gankit runs``'s table: path, kind, preset, data, verdict, start and training time of each run."""
    from rich.table import Table as RichTable  # noqa: PLC0415

    table = RichTable("run", "kind", "preset", "data", "verdict", "started", "train s", box=None, pad_edge=False)
    for info in runs:
        started = info.started.strftime("%Y-%m-%d %H:%M") if info.started else ""
        seconds = f"{info.seconds:.1f}" if info.seconds is not None else ""
        table.add_row(str(info.path), info.kind, info.preset, info.data, info.verdict, started, seconds)
    return table
