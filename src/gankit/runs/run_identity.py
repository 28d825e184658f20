"""What a resume checks before it continues: the run, its checkpoint, its resolved config and its data belong together.

A new run records its identity in ``run.json`` (a random run id and fingerprints of the
resolved config and of the training rows), and every checkpoint carries the same record
(``run`` in ``state.json``). Before a resume trains a single step, :func:`check_resume`
compares

- the checkpoint's config with the run folder's ``config.toml`` (key by key, so the
  message names what changed; old checkpoints without the record are checked too);
- the checkpoint's run id with ``run.json`` (checkpoints copied in from another run);
- the checkpoint's data fingerprint with the rows just loaded (the data file changed).

A mismatch is one line naming what changed. Only the keys in :data:`ALLOWED_CHANGES`
may differ, and only when the user allows them (``gankit train --resume RUN
--allow-change train.epochs``); the run then continues under the folder's config.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from gankit.atomic_write import atomic_write
from gankit.config import GanConfig, load_config, validate
from gankit.errors import UserError

IDENTITY = "run.json"
ALLOWED_CHANGES = ("train.epochs", "checkpoint.keep", "checkpoint.every_epochs")  # change no step already taken
SHOWN = 4  # differing keys named in a message


def new_identity(config: GanConfig, rows: np.ndarray) -> dict[str, str]:
    """A fresh run's identity: a random id and the fingerprints of its config and training rows."""
    return {"run_id": uuid.uuid4().hex, "config": config_fingerprint(config), "data": data_fingerprint(rows)}


def write_identity(run_dir: Path, identity: dict[str, str]) -> None:
    atomic_write(run_dir / IDENTITY, json.dumps(identity, indent=1) + "\n")


def config_fingerprint(config: GanConfig) -> str:
    return hashlib.sha256(json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def data_fingerprint(rows: np.ndarray) -> str:
    """The training rows' fingerprint: shape, dtype and every byte."""
    digest = hashlib.blake2b(f"{rows.shape}{rows.dtype}".encode(), digest_size=8)
    digest.update(np.ascontiguousarray(rows).data)
    return digest.hexdigest()


def check_resume(run_dir: Path, checkpoint: Path, document: dict[str, Any], rows: np.ndarray,
                 allowed: tuple[str, ...] = ()) -> GanConfig | None:
    """Refuse (one line) a checkpoint that does not belong to ``run_dir``; return the folder's config when it
    differs from the checkpoint's only in ``allowed`` keys (the run continues under it), else None."""
    folder_config, changed = check_resume_config(run_dir, checkpoint, document, allowed)
    recorded = document.get("run") if isinstance(document.get("run"), dict) else {}
    if recorded.get("data") and recorded["data"] != data_fingerprint(rows):
        raise UserError(f"{checkpoint}: the training data ({folder_config.data.path or folder_config.data.source}) "
                        f"changed since this checkpoint was written; restore it or start a new run")
    return folder_config if changed else None


def check_resume_config(run_dir: Path, checkpoint: Path, document: dict[str, Any],
                        allowed: tuple[str, ...] = ()) -> tuple[GanConfig, dict[str, tuple[Any, Any]]]:
    """The checks of :func:`check_resume` that need no data (config and run id; the ``--nproc`` launcher makes
    them before it starts the ranks); the folder's config and the keys that changed."""
    for key in allowed:
        if key not in ALLOWED_CHANGES:
            raise UserError(f"--allow-change {key}: only {', '.join(ALLOWED_CHANGES)} may change on a resume")
    folder_config = _folder_config(run_dir)
    changed = _differences(validate(document["config"]).model_dump(mode="json"), folder_config.model_dump(mode="json"))
    recorded = document.get("run") if isinstance(document.get("run"), dict) else {}
    identity = _read_identity(run_dir)
    refused = [key for key in changed if key not in allowed]
    if refused:
        hint = (f"; to continue with the folder's config give --allow-change {' --allow-change '.join(refused)}"
                if all(key in ALLOWED_CHANGES for key in refused) else "")
        raise UserError(f"{checkpoint}: its config differs from {run_dir / 'config.toml'} in "
                        f"{_describe(changed, refused)}; nothing was changed{hint}")
    if recorded.get("run_id") and identity.get("run_id") and recorded["run_id"] != identity["run_id"]:
        raise UserError(f"{checkpoint}: this checkpoint belongs to another run (run id {recorded['run_id']}, "
                        f"{run_dir / IDENTITY} says {identity['run_id']}); nothing was changed")
    return folder_config, changed


def _folder_config(run_dir: Path) -> GanConfig:
    path = run_dir / "config.toml"
    if not path.is_file():
        raise UserError(f"{run_dir}: config.toml is missing; a resume checks the checkpoint against it")
    return load_config(str(path))


def _read_identity(run_dir: Path) -> dict[str, str]:
    """``run.json`` (older run folders have none: then only the config and data are checked)."""
    path = run_dir / IDENTITY
    if not path.is_file():
        return {}
    try:
        identity = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise UserError(f"{path}: damaged (not a JSON object); the run's identity cannot be checked") from None
    if not isinstance(identity, dict) or not all(isinstance(value, str) for value in identity.values()):
        raise UserError(f"{path}: damaged (not a JSON object of text values); the run's identity cannot be checked")
    return identity


def _differences(old: Any, new: Any, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Dotted keys whose values differ between two nested dicts, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: dict[str, tuple[Any, Any]] = {}
        for key in sorted(set(old) | set(new), key=str):
            found.update(_differences(old.get(key), new.get(key), f"{prefix}{key}."))
        return found
    return {} if old == new else {prefix.rstrip("."): (old, new)}


def _describe(changed: dict[str, tuple[Any, Any]], keys: list[str]) -> str:
    shown = [f"{key} ({_short(changed[key][0])} in the checkpoint, {_short(changed[key][1])} in config.toml)"
             for key in keys[:SHOWN]]
    more = f" and {len(keys) - SHOWN} more key(s)" if len(keys) > SHOWN else ""
    return ", ".join(shown) + more


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
