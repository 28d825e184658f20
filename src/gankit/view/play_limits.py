"""The playground's ranges: every number a learner types is finite, in a documented range, and small enough
that one D or G step stays well under a second (so Pause and Reset act at once).

The config model already checks types and signs; these ranges are the playground's own, narrower
ones (a 2-D toy needs no more), each refused with one line naming the key and the range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gankit.config import GanConfig
from gankit.errors import UserError
from gankit.view.playground_shapes import is_number

# key → (lowest, highest, whether the lowest itself is allowed)
RANGES: dict[str, tuple[float, float, bool]] = {
    "train.d_optimizer.lr": (0.0, 1.0, False),
    "train.g_optimizer.lr": (0.0, 1.0, False),
    "train.gp_weight": (0.0, 100.0, True),
    "train.n_critic": (1, 20, True),
    "train.batch_size": (1, 1000, True),
    "model.latent_dim": (1, 16, True),
}
MAX_LAYERS = 4  # hidden layers per net
MAX_WIDTH = 256  # units per hidden layer
MAX_STEP_WORK = 1_000_000_000  # weights × rows × passes of one step: about half a second on one CPU core
MAX_DRAWN = 5000
MIN_DRAWN = 20
MAX_COORDINATE = 1e4  # drawn points: |x|, |y| at most this (float32 holds their squares and sums with room)


def check_settings_values(config: GanConfig) -> None:
    """Raise a one-line :class:`UserError` when a setting is out of its range or one step would be too slow."""
    for key, (low, high, low_allowed) in RANGES.items():
        value = _value(config, key)
        if not math.isfinite(value) or value > high or value < low or (value == low and not low_allowed):
            bound = "≤" if low_allowed else "<"
            raise UserError(f"{key} = {value}: give a finite number with {low:g} {bound} value ≤ {high:g}")
    for net in ("generator", "discriminator"):
        hidden = getattr(config.model, net).hidden
        if len(hidden) > MAX_LAYERS or any(width > MAX_WIDTH for width in hidden):
            raise UserError(f"model.{net}.hidden = {hidden}: at most {MAX_LAYERS} layers of at most {MAX_WIDTH} units here")
    work = step_work(config)
    if work > MAX_STEP_WORK:
        raise UserError(f"one training step would take too long ({work:.2g} weight-row products, at most "
                        f"{MAX_STEP_WORK:.2g} here): use smaller nets or a smaller batch size")


def step_work(config: GanConfig) -> float:
    """Multiply-adds of the slowest single step: both nets' weights × the batch's rows × 2 (D sees a real and a
    generated batch) × 3 (forward and backward), three times that with a gradient penalty (its second-order
    backward pass)."""
    latent = config.model.latent_dim
    weights = _weights([latent, *config.model.generator.hidden, 2]) + _weights([2, *config.model.discriminator.hidden, 1])
    passes = 3 * (3 if config.train.gp_weight else 1)
    return float(weights) * config.train.batch_size * 2 * passes


def check_points(points: Any) -> np.ndarray:
    """Drawn points as float32 rows ``(x, y)``, or a one-line :class:`UserError` (wrong shape, too few or many,
    not finite, or too large for float32 training)."""
    problem = (f"drawn points: give between {MIN_DRAWN} and {MAX_DRAWN} pairs [x, y] of finite numbers "
               f"with |x|, |y| ≤ {MAX_COORDINATE:g}")
    if not isinstance(points, list) or not all(
            isinstance(point, list) and len(point) == 2 and all(is_number(v) for v in point) for point in points):
        raise UserError(problem)
    values = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not MIN_DRAWN <= len(values) <= MAX_DRAWN or not np.isfinite(values).all() or np.abs(values).max() > MAX_COORDINATE:
        raise UserError(f"{problem}; got {len(values)}")
    return values.astype(np.float32)


def _weights(widths: list[int]) -> int:
    return sum(a * b + b for a, b in zip(widths, widths[1:]))


def _value(config: GanConfig, key: str) -> float:
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return float(value)
