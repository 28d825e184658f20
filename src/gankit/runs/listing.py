"""``gankit runs``: what each run directory under ``runs/`` holds, read from its files (no torch, no model)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gankit.runs.directory import LATEST

if TYPE_CHECKING:
    from rich.table import Table as RichTable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib


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
    return [_describe(folder) for folder in folders]


def _describe(folder: Path) -> RunInfo:
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
    try:
        config = tomllib.loads(config_path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        config = {}
    data = config.get("data", {})
    source = str(data.get("path") or data.get("source", ""))
    return RunInfo(folder, kind, str(config.get("name", "")), source, _verdict(folder), _modified(config_path),
                   _training_seconds(folder / "metrics.jsonl"))


def _verdict(folder: Path) -> str:
    try:
        report = json.loads((folder / "eval.json").read_text())
    except (OSError, ValueError):
        return ""
    return "distinguishable" if report.get("distinguishable") else "indistinguishable"


def _training_seconds(path: Path) -> float | None:
    try:
        lines = path.read_text().splitlines()
        return float(json.loads(lines[-1])["elapsed"]) if lines else None
    except (OSError, ValueError, KeyError, IndexError):
        return None


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
