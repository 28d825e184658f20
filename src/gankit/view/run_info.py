"""The first event of every view: what the run is (name, objective, kind, config) and what never changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gankit.config import GanConfig
from gankit.kinds import kind_for
from gankit.report.roles import ROLE_COLOURS, equilibrium


def kind_of(config: GanConfig, columns: int | None) -> str:
    """The page's panel, as the data kind names it: ``images``, ``table``, ``2d`` (two numeric columns) or ``rows``."""
    return kind_for(config).view_panel(columns)


def run_info(config: GanConfig, run_dir: Path | None, kind: str, live: bool, **extra: Any) -> dict[str, Any]:
    """The ``info`` event: enough for the page's title, curves and controls."""
    return {
        "name": run_dir.name if run_dir is not None else config.name,
        "preset": config.name,
        "description": config.description,
        "objective": config.train.objective,
        "epochs": config.train.epochs,
        "alpha": config.eval.alpha,
        "equilibrium": equilibrium(config.train.objective),
        "colours": ROLE_COLOURS,
        "kind": kind,
        "live": live,
        "config": config.to_toml(),
        **extra,
    }
