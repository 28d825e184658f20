"""Checkpoints without pickle: tensors in safetensors, everything else in JSON.

A checkpoint is a folder with ``tensors.safetensors`` and ``state.json``. Both
are written to temporary names and renamed into place, so a crash never leaves
a half-written checkpoint under the real names. Loading never runs code: it
reads a safetensors file and a JSON document and checks the format version.
"""

from __future__ import annotations

import errno
import functools
import json
import os
from pathlib import Path
from typing import Any, Callable, TypeVar

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from gankit.atomic_write import atomic_folder, fsync_path
from gankit.errors import UserError, write_failed
from gankit.train.checkpoint_schema import check_state

T = TypeVar("T")
FORMAT = "gankit-checkpoint"
FORMAT_VERSION = 1
TENSORS = "tensors.safetensors"
STATE = "state.json"


class NonFiniteCheckpoint(UserError):
    """A checkpoint whose tensors hold NaN or inf: never "the last good checkpoint" (gankit never writes one)."""


def _write_synced(path: Path, write) -> None:
    write(path)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def save_checkpoint(folder: Path, tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> Path:
    """Write ``tensors`` and the JSON document ``info`` as the checkpoint folder ``folder``.

    Everything is written and fsynced in a hidden temporary folder beside it,
    which is then renamed into place: a crash leaves either the old checkpoint
    or the new one, never a mixture. An existing ``folder`` is replaced.
    """
    tensors = {key: value.detach().cpu().contiguous() for key, value in tensors.items()}
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, **info}
    parent = folder.parent

    def fill(temp: Path) -> None:
        _write_synced(temp / TENSORS, lambda path: save_file(tensors, str(path)))
        _write_synced(temp / STATE, lambda path: path.write_text(json.dumps(document, indent=1)))

    try:
        parent.mkdir(parents=True, exist_ok=True)
        atomic_folder(folder, fill, overwrite=True)
        fsync_path(parent)
    except OSError as err:
        raise write_failed(err, folder) from None
    except SafetensorError as err:  # safetensors reports a failed write as its own error, with the OS's text
        code = errno.ENOSPC if "os error 28" in str(err) else errno.EIO
        raise write_failed(OSError(code, str(err)), folder) from None
    return folder


def checkpoint_errors(load: Callable[..., T]) -> Callable[..., T]:
    """Decorate a reader of a checkpoint folder (its first argument): a document that passed the format checks
    but contradicts itself (a key it names is missing, a value of the wrong kind) is one line naming the
    checkpoint, not a traceback from deep inside the restore."""

    @functools.wraps(load)
    def checked(cls, folder, *args, **kwargs):
        try:
            return load(cls, folder, *args, **kwargs)
        except UserError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as err:
            raise UserError(f"{Path(folder) / STATE}: inconsistent checkpoint ({type(err).__name__}: "
                            f"{' '.join(str(err).split())[:200]})") from None

    return checked


def load_checkpoint(folder: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON document and the tensors of a checkpoint folder, after format checks."""
    state_path, tensor_path = folder / STATE, folder / TENSORS
    for path in (state_path, tensor_path):
        if not path.is_file():
            raise UserError(f"{folder}: not a gankit checkpoint ({path.name} is missing)")
    try:
        document = json.loads(state_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{state_path}: corrupted checkpoint state ({err})") from None
    except RecursionError:
        raise UserError(f"{state_path}: corrupted checkpoint state (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UserError(f"{state_path}: not a gankit checkpoint (format is {document.get('format') if isinstance(document, dict) else '?'})")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise UserError(f"{state_path}: checkpoint format version {version} is newer than this gankit reads ({FORMAT_VERSION}); upgrade gankit")
    check_state(document, str(state_path))
    try:
        tensors = load_file(str(tensor_path))
    except (SafetensorError, OSError, ValueError) as err:
        raise UserError(f"{tensor_path}: corrupted checkpoint tensors ({err})") from None
    damaged = next((name for name, tensor in tensors.items()
                    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())), None)
    if damaged is not None:
        raise NonFiniteCheckpoint(f"{tensor_path}: tensor '{damaged}' holds NaN or infinite values; "
                                  "this checkpoint cannot be used")
    return document, tensors
