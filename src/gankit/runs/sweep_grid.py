"""A sweep's members: every (seed, grid point) pair as its own validated config."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from gankit.config import GanConfig, apply_overrides, parse_override, validate
from gankit.errors import UserError

# Values that may differ between members trained together in one vectorized group:
# they only change numbers inside tensors, never shapes or control flow.
PER_MEMBER_KEYS = (
    "name", "description", "seed", "eval",
    "data.A", "data.b", "data.seed", "data.transform",
    "train.d_optimizer", "train.g_optimizer", "train.ema_decay", "train.label_smoothing",
)


@dataclass(frozen=True)
class Member:
    """One model of a sweep."""

    index: int
    config: GanConfig
    settings: dict[str, Any]

    @property
    def label(self) -> str:
        """Short folder-safe name, e.g. ``003-seed2-train.d_optimizer.lr=0.01``."""
        parts = [f"{key}={value}" for key, value in self.settings.items() if key != "seed"]
        text = "-".join([f"{self.index:03d}", f"seed{self.config.seed}", *parts])
        return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in text)


def parse_grid(entries: list[str]) -> dict[str, list[Any]]:
    """``["train.d_optimizer.lr=0.01,0.05", …]`` → ``{"train.d_optimizer.lr": [0.01, 0.05], …}``."""
    grid: dict[str, list[Any]] = {}
    for entry in entries:
        key, sep, values = entry.partition("=")
        if not sep or not values.strip():
            raise UserError(f"--grid expects key=v1,v2,…, got '{entry}'")
        key = key.strip()
        if not key:
            raise UserError(f"--grid expects key=v1,v2,…, got '{entry}' (no key)")
        if key == "seed":
            raise UserError("--grid seed: a sweep gives its members the seeds 0 … N−1 itself; set N with --seeds")
        if key in grid:
            raise UserError(f"--grid names {key} twice; give all its values in one: {key}=v1,v2,…")
        grid[key] = [parse_override(f"{key}={value}")[1] for value in _split_values(values)]
        repeated = [value for index, value in enumerate(grid[key]) if value in grid[key][:index]]
        if repeated:
            raise UserError(f"--grid {key} lists {repeated[0]!r} twice; each value makes its own members, give it once")
    return grid


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so ``[16,16],[32,32]`` is two values."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def expand_members(base: dict[str, Any], seeds: int, grid: dict[str, list[Any]], first_seed: int = 0) -> list[Member]:
    """Every grid point × seeds ``first_seed … first_seed+seeds−1``, validated (bad keys fail here)."""
    if seeds < 1:
        raise UserError(f"--seeds must be at least 1, got {seeds}")
    members = []
    keys = list(grid)
    for point in itertools.product(*(grid[k] for k in keys)):
        settings = dict(zip(keys, point))
        assignments = [f"{k}={_toml(v)}" for k, v in settings.items()]
        for seed in range(first_seed, first_seed + seeds):
            raw = apply_overrides(base, assignments)
            raw["seed"] = seed
            members.append(Member(len(members), validate(raw), settings))
    return members


def _toml(value: Any) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def structure_key(config: GanConfig) -> str:
    """What members must share to be trained as one vectorized group (everything not per-member)."""
    raw = config.model_dump(mode="json")
    for dotted in PER_MEMBER_KEYS:
        *path, last = dotted.split(".")
        node = raw
        for part in path:
            node = node[part]
        node.pop(last, None)
    return repr(sorted(_flatten(raw).items()))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
