"""The run directory: ``runs/NNNN-<name>/``, numbered, never overwritten.

Layout: ``config.toml`` (resolved), ``metrics.jsonl`` (one object per epoch),
``eval.json``, ``plots/losses.png``, ``plots/samples.png`` and
``checkpoints/final/`` (safetensors + JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gankit.errors import UserError

CHECKPOINT = Path("checkpoints") / "final"
_NUMBERED = re.compile(r"^(\d{4,})-")


def create_run_dir(root: Path, name: str) -> Path:
    """Make the next free ``root/NNNN-name`` (atomically: ``mkdir`` fails rather than reuse a folder)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create the runs folder {root}: {err.strerror}") from None
    taken = [int(m.group(1)) for p in root.iterdir() if (m := _NUMBERED.match(p.name))]
    number = max(taken, default=0) + 1
    while True:
        candidate = root / f"{number:04d}-{name}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1
        except OSError as err:
            raise UserError(f"cannot create the run directory {candidate}: {err.strerror}") from None


def claim_run_dir(path: Path, create: bool = True) -> Path:
    """Use ``path`` as a new run directory; refuse one that exists and is not empty.

    With ``create=False`` only the check runs (to fail early, before training).
    """
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(f"{path} already exists; gankit never overwrites a run directory (choose another --out)")
    if not create:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create the run directory {path}: {err.strerror}") from None
    return path


def checkpoint_of(run: Path) -> Path:
    """The final checkpoint folder of a run directory, with a clear error when there is none."""
    if not run.is_dir():
        raise UserError(f"run directory not found: {run}")
    folder = run / CHECKPOINT
    if not folder.is_dir():
        raise UserError(f"{run}: no checkpoint at {CHECKPOINT} (did the run finish?)")
    return folder


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON object as a line (metrics.jsonl is append-only)."""
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a .jsonl file."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_json(path: Path, record: dict[str, Any]) -> None:
    """Write JSON through a temp file and a rename, so a reader never sees half a file."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(record, indent=1) + "\n")
    temp.replace(path)
