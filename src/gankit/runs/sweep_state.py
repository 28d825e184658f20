"""What a sweep keeps on disk so that a stopped or killed sweep resumes: its plan and its trained groups.

``SWEEP/sweep.json`` holds the plan (every member's label, settings and resolved config,
in their groups, and the sweep's options), written before any training. While a stacked
group trains, its members are checkpointed as single runs are, under ``SWEEP/progress/``
(``runs/sweep_checkpoints.py``); as each group finishes training, each of its members is
checkpointed under ``SWEEP/trained/LABEL/`` (the single-run checkpoint format).
``gankit sweep --resume SWEEP`` reloads the plan, loads the groups already trained, goes on
with a stacked group from its newest checkpoint and trains the others from their seeds;
members are trained deterministically from their seeds, so on CPU the final members equal
the uninterrupted sweep's bit for bit. ``trained/`` and ``progress/`` are removed once
every member is written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

from gankit.atomic_write import atomic_write
from gankit.config import validate
from gankit.errors import UserError
from gankit.gan import GAN
from gankit.run_files import read_json_object
from gankit.runs.sweep_grid import Member

PLAN = "sweep.json"
TRAINED = "trained"
PROGRESS = "progress"  # stacked groups' checkpoints while they train
PLAN_VERSION = 1


def write_plan(sweep_dir: Path, groups: list[list[Member]], options: dict[str, Any]) -> None:
    """``sweep.json``: the groups of members and the options the sweep runs with."""
    plan = {"version": PLAN_VERSION, "options": options,
            "groups": [[{"index": m.index, "settings": m.settings, "config": m.config.model_dump(mode="json")}
                        for m in group] for group in groups]}
    atomic_write(sweep_dir / PLAN, json.dumps(plan, indent=1) + "\n")


def read_plan(sweep_dir: Path) -> tuple[list[list[Member]], dict[str, Any]]:
    """The groups and options of a sweep folder to resume; one line when it has none or it is damaged."""
    if not sweep_dir.is_dir():
        raise UserError(f"sweep directory not found: {sweep_dir}")
    plan = read_json_object(sweep_dir / PLAN)
    if plan is None:
        raise UserError(f"{sweep_dir}: no {PLAN}, so nothing to resume (it was stopped before training started, "
                        "or was written by an older gankit); run the sweep again with another --out")
    try:
        groups = [[Member(int(m["index"]), validate(m["config"]), dict(m["settings"])) for m in group]
                  for group in plan["groups"]]
        options = dict(plan["options"])
    except (KeyError, TypeError, ValueError) as err:
        raise UserError(f"{sweep_dir / PLAN}: damaged sweep plan ({type(err).__name__}: {err})") from None
    if not groups or not all(groups):
        raise UserError(f"{sweep_dir / PLAN}: damaged sweep plan (no members)")
    return groups, options


def resume_sweep_dir(sweep_dir: Path, other_arguments: list[Any], run: Callable[..., Any]) -> Any:
    """``gankit sweep --resume SWEEP``: ``run(groups, make_dir, **options)`` with the folder's own plan."""
    if any(other_arguments):
        raise UserError("--resume SWEEP continues a sweep with its own plan; give no preset, --grid, --set or --out")
    groups, options = read_plan(sweep_dir)
    return run(groups, lambda: sweep_dir, **options, resume=True)


def trained_group(sweep_dir: Path, group: list[Member], prepared: list[GAN]) -> list[GAN] | None:
    """The group's members as checkpointed after its training, or None when it has not finished training."""
    folders = [sweep_dir / TRAINED / member.label for member in group]
    if not all((folder / "state.json").is_file() and (folder / "tensors.safetensors").is_file() for folder in folders):
        return None
    trained = [GAN.load(folder, device=None) for folder in folders]
    for gan, fresh in zip(trained, prepared):
        gan.training_rows = fresh.training_rows
    return trained


def save_group(sweep_dir: Path, group: list[Member], gans: list[GAN]) -> None:
    """Checkpoint each member of a group that finished training."""
    for member, gan in zip(group, gans):
        gan.save(sweep_dir / TRAINED / member.label)


def forget_trained(sweep_dir: Path) -> None:
    """Remove the groups' checkpoints once every member's own folder is written."""
    shutil.rmtree(sweep_dir / TRAINED, ignore_errors=True)
    shutil.rmtree(sweep_dir / PROGRESS, ignore_errors=True)
