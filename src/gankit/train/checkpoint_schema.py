"""What a checkpoint's ``state.json`` must hold, checked before anything is loaded from it.

A checkpoint that parses but is wrong (a missing ``step``, ``"epoch": "abc"``, a
negative or absurd step, an optimizer without its state, a float where an RNG state
belongs) is one :class:`UserError` line naming the key, in the pydantic style of the
config. :func:`check_tensors` then compares the stored tensors with the ones a freshly
built model holds (names, shapes, dtypes), so nothing of the wrong shape is loaded.
"""

from __future__ import annotations

from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gankit.config import nesting_depth
from gankit.errors import UserError

MAX_STEP = 10**12  # far beyond any run; larger numbers are damage, and would not fit step-NNNNNNNNN folders
MAX_DEPTH = 64  # deeper JSON than this is not a checkpoint (the real one nests 6 levels)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class OptimizerTree(_Loose):
    """An optimizer's state dict with its tensors replaced by tensor names."""

    state: dict[str, dict[str, str | int | float]]
    param_groups: list[dict[str, Any]] = Field(min_length=1)


class GlobalRng(_Loose):
    """NumPy's MT19937 state without its keys (kind, position, has_gauss, cached) and Python's random state."""

    numpy: tuple[str, int, int, float]
    python: tuple[int, list[int], float | None]


class CheckpointState(_Loose):
    """The keys of ``state.json`` that loading relies on."""

    format: str
    format_version: int
    step: int = Field(ge=0, le=MAX_STEP)
    epoch: int = Field(ge=0, le=MAX_STEP)
    batch_in_epoch: int = Field(0, ge=0, le=MAX_STEP)
    batch_size: int | None = Field(None, ge=1)
    world_size: int = Field(1, ge=1)
    modules: list[str] = Field(min_length=2)
    optimizers: dict[str, OptimizerTree]
    config: dict[str, Any]
    columns: list[str]
    layout: dict[str, Any] | None = None
    class_names: list[str] = []
    global_rng: GlobalRng | None = None
    history: list[dict[str, Any]] = []


def check_state(document: Any, origin: str) -> None:
    """Refuse a ``state.json`` document that lacks a key loading needs or holds the wrong type or range there."""
    if nesting_depth(document) > MAX_DEPTH:
        raise UserError(f"{origin}: corrupted checkpoint state (nested more than {MAX_DEPTH} levels deep)")
    try:
        state = CheckpointState.model_validate(document)
    except ValidationError as err:
        problem = err.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        given = problem.get("input")
        shown = "" if isinstance(given, (dict, list)) or given is None else f" (got {given!r})"
        raise UserError(f"{origin}: corrupted checkpoint state: '{key}': {problem['msg']}{shown}") from None
    missing = {"g", "d"} - set(state.optimizers)
    if missing:
        raise UserError(f"{origin}: corrupted checkpoint state: optimizer(s) {', '.join(sorted(missing))} missing")


def check_tensors(stored: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], origin: str) -> None:
    """Every tensor a model of this config holds must be stored with its name, shape and dtype."""
    for name, tensor in expected.items():
        found = stored.get(name)
        if found is None:
            raise UserError(f"{origin}: corrupted checkpoint tensors: '{name}' is missing")
        if tuple(found.shape) != tuple(tensor.shape) or found.dtype != tensor.dtype:
            raise UserError(f"{origin}: corrupted checkpoint tensors: '{name}' has shape {tuple(found.shape)} "
                            f"{found.dtype}, the model needs {tuple(tensor.shape)} {tensor.dtype}")
