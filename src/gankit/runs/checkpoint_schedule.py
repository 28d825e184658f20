"""Checkpoints of a run: where they live, which is the latest, and pruning to the last K.

``checkpoints/step-000000125/`` holds the state after step 125; ``checkpoints/final/``
the finished run. Hidden folders (a checkpoint being written) are never picked.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from gankit.train.checkpoint_format import STATE, TENSORS

_STEP = re.compile(r"^step-(\d+)$")


def step_folder(run_dir: Path, step: int) -> Path:
    return run_dir / "checkpoints" / f"step-{step:09d}"


def step_checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """Complete step checkpoints of a run, oldest first."""
    folder = run_dir / "checkpoints"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _STEP.match(path.name)
        if match and (path / STATE).is_file() and (path / TENSORS).is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete step checkpoint, or None."""
    found = step_checkpoints(run_dir)
    return found[-1][1] if found else None


def prune(run_dir: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest step checkpoints."""
    for _, path in step_checkpoints(run_dir)[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
