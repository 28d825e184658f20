"""Where a stopped training goes on from: a checkpoint loaded exactly (process-wide random states too), and the
newest step checkpoint whose tensors are all finite. Single runs and sweep members resume through these."""

from __future__ import annotations

from pathlib import Path

from gankit.errors import UserError
from gankit.gan import GAN
from gankit.runs.checkpoint_schedule import step_checkpoints
from gankit.status import notice
from gankit.train.checkpoint_format import NonFiniteCheckpoint
from gankit.train.checkpoint_schema import check_tensors
from gankit.train.rng import global_rng_state, restore_global_rng


def load_exact(checkpoint: Path) -> GAN:
    """A GAN from a checkpoint with the process-wide random states put back too."""
    gan = GAN.load(checkpoint, device=None)
    document, tensors = gan.checkpoint_info
    expected = {key: value for key, value in global_rng_state()[0].items() if not key.startswith("rng.cuda")}
    check_tensors(tensors, expected, str(checkpoint))  # the process-wide RNG states, before they are set
    if document.get("global_rng") is None:
        raise UserError(f"{checkpoint}: corrupted checkpoint state: 'global_rng' is missing")
    restore_global_rng(tensors, document["global_rng"])
    return gan


def load_newest_healthy(run_dir: Path) -> tuple[GAN, Path]:
    """The newest step checkpoint whose tensors are all finite (a damaged newer one is named and skipped)."""
    found = step_checkpoints(run_dir)
    for index, (_, folder) in enumerate(reversed(found)):
        try:
            return load_exact(folder), folder
        except NonFiniteCheckpoint as problem:
            if index == len(found) - 1:
                raise
            notice(f"{problem}; resuming from the checkpoint before it")
    raise UserError(f"{run_dir}: no checkpoint to resume from (checkpoints/step-*)")
