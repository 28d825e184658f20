"""The run directory: ``runs/NNNN-<preset>[-<data>]/``, numbered, never overwritten; ``runs/latest`` links the newest.

Layout: ``config.toml`` (resolved), ``run.json`` (the run's identity, checked by a resume:
runs/run_identity.py), ``metrics.jsonl`` (one object per epoch),
``eval.json``, ``plots/losses.png``, ``plots/samples.png`` and
``checkpoints/final/`` (safetensors + JSON).

A process writing a run directory (train, ``--resume``, sweep, eval) holds an OS
lock on its hidden ``.lock`` file (``fcntl.flock``): the kernel drops it when the
process ends in any way, SIGKILL included, so no stale lock is ever left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from gankit.atomic_write import atomic_write
from gankit.errors import UserError
from gankit.run_files import read_records

CHECKPOINT = Path("checkpoints") / "final"
LATEST = "latest"  # runs/latest: a symlink to the newest run directory
LOCK = ".lock"
_HELD: set[Path] = set()  # run directories this process has locked (a nested ``locked`` of one is a no-op)
_NUMBERED = re.compile(r"^(\d{4,})-")


def run_name(name: str, data_path: str | None = None, source: str | None = None, preset_source: str | None = None) -> str:
    """A run's folder name from its preset and its data: ``dcgan-digits-photos`` (``--data photos/``),
    ``veegan-ring-moons`` (``--set data.source=moons``); the preset alone when it trains on its own data."""
    label = Path(data_path).stem if data_path else (source if source and source != preset_source else "")
    text = f"{name}-{label}" if label and label != name else name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


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
            point_latest(root, candidate)
            return candidate
        except FileExistsError:
            number += 1
        except OSError as err:
            raise UserError(f"cannot create the run directory {candidate}: {err.strerror}") from None


def point_latest(root: Path, run_dir: Path) -> None:
    """Make ``root/latest`` a relative symlink to ``run_dir`` (replaced atomically; skipped where links are not allowed)."""
    temp = root / f".{LATEST}.{os.getpid()}"
    try:
        temp.unlink(missing_ok=True)
        temp.symlink_to(run_dir.name, target_is_directory=True)
        temp.replace(root / LATEST)
    except OSError:
        temp.unlink(missing_ok=True)  # e.g. Windows without the symlink privilege: resolve_run finds the newest


def resolve_run(path: Path, root: Path = Path("runs")) -> Path:
    """``latest`` or ``runs/latest`` → the newest run directory; any other path as given."""
    if path.name != LATEST or path.exists():
        return path
    if path == Path(LATEST) and (root / LATEST).exists():
        return root / LATEST
    folder = root if path == Path(LATEST) else path.parent
    numbered = sorted((int(m.group(1)), p) for p in folder.glob("*") if (m := _NUMBERED.match(p.name)) and p.is_dir())
    if not numbered:
        raise UserError(f"no run directories in {folder} yet: train one first (gankit train PRESET)")
    return numbered[-1][1]


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


@contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s write lock for the block; a second writer gets a UserError naming the holder's PID.

    The lock file holds the holder's PID and is removed on release. A killed holder leaves
    the file but not the lock, and the next writer simply takes it over. Nested use on one
    directory in one process (training, then its evaluation) just keeps the outer lock.
    """
    key = run_dir.resolve()
    if key in _HELD:
        yield
        return
    handle = _take_lock(run_dir / LOCK, run_dir)
    _HELD.add(key)
    try:
        yield
    finally:
        _HELD.discard(key)
        (run_dir / LOCK).unlink(missing_ok=True)  # while still holding it: nobody can take a file about to vanish
        os.close(handle)


def _take_lock(path: Path, run_dir: Path) -> int:
    """An open, exclusively locked ``path`` with this PID written in it."""
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise UserError(f"cannot lock the run directory {run_dir}: {err.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            os.close(handle)
            raise UserError(f"{run_dir} is being written by another gankit process (PID {holder}); "
                            f"wait for it to finish or stop it first") from None
        if _same_file(handle, path):
            os.ftruncate(handle, 0)
            os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
            return handle
        os.close(handle)  # the file was removed by its releasing holder after we opened it: take the new one


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.fstat(handle).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _holder(handle: int) -> str:
    """The PID written in a lock file by the process holding it ("unknown" if it has not written it yet)."""
    text = os.pread(handle, 32, 0).decode(errors="replace").strip()
    return text if text.isdigit() else "unknown"


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
    """Every JSON object of a .jsonl file of a run folder, through the tolerant reader (damage is one line)."""
    return read_records(path)


def write_json(path: Path, record: dict[str, Any]) -> None:
    """Write JSON through a temp file and a rename, so a reader never sees half a file."""
    atomic_write(path, json.dumps(record, indent=1) + "\n")


def check_run_dir(folder: Path, sweep_ok: bool) -> None:
    """A run directory (config.toml), or with ``sweep_ok`` a sweep directory (members/); else a user error."""
    if not folder.is_dir():
        raise UserError(f"run directory not found: {folder}")
    if not (folder / "config.toml").is_file() and not (sweep_ok and (folder / "members").is_dir()):
        kind = "a run or sweep directory" if sweep_ok else "a run directory"
        raise UserError(f"{folder}: not {kind} (no config.toml{' or members/' if sweep_ok else ''})")
