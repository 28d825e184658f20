"""A finished (or stopped) run or sweep, read back from its directory into a :class:`Hub` for the page.

A run directory gives the same events training published: ``info``, every
``metric``, the frames (``view/frames.jsonl`` when the run was watched, else the
snapshots under ``plots/frames/``), the two-sample tests over training, the image
grids, the final evaluation and the figures. A sweep directory gives every
member's loss curves, coloured by grid point as ``report.html`` colours them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gankit.config import load_config
from gankit.errors import UserError
from gankit.report.decision_frames import load_frames
from gankit.report.image_grid import GRIDS
from gankit.report.sweep_colours import grid_point, point_colours
from gankit.run_files import read_eval, read_json_object, read_metrics
from gankit.runs.directory import read_jsonl
from gankit.view.hub import Hub, finite_or_none
from gankit.view.live import VIEW
from gankit.view.run_info import kind_of, run_info
from gankit.view.snapshot import DIGITS, HEAT_NODES, fixed_extent

FRAMES = Path("plots") / "frames"
FIGURES = ("plots/samples.png", "plots/losses.png", "plots/columns.png", "plots/pairs.png", "plots/decision.png")
TABLE_FIGURES = ("plots/columns.png", "plots/pairs.png")  # a table run's columns and pair trends, as drawn at its end


def is_sweep(folder: Path) -> bool:
    return (folder / "members").is_dir()


def replay(folder: Path) -> Hub:
    """The events of a run or sweep directory, closed (nothing more will come)."""
    if not folder.is_dir():
        raise UserError(f"run directory not found: {folder}")
    hub = Hub(window=None)  # what is on disk is already bounded (view/frames.jsonl keeps a few hundred)
    if is_sweep(folder):
        _replay_sweep(folder, hub)
    elif (folder / "config.toml").is_file():
        _replay_run(folder, hub)
    else:
        raise UserError(f"{folder}: not a run directory (no config.toml) nor a sweep directory (no members/)")
    hub.publish("end", {"reason": "replay"})
    hub.close()
    return hub


def _replay_run(run_dir: Path, hub: Hub) -> None:
    config = load_config(str(run_dir / "config.toml"))
    saved_frames = load_frames(run_dir / FRAMES)
    info_path = run_dir / VIEW / "info.json"
    if info_path.is_file():
        info = {**read_json_object(info_path), "live": False, "frame_window": None}  # a replay keeps every frame
    elif saved_frames:
        real = saved_frames[-1]["real"]
        info = run_info(config, run_dir, "2d", live=False, real=np.round(real, DIGITS).tolist(),
                        extent=fixed_extent(real), columns=["x0", "x1"])
    else:
        info = run_info(config, run_dir, kind_of(config, None), live=False)
    hub.publish("info", info)
    metrics = read_metrics(run_dir / "metrics.jsonl")
    for record in metrics:
        hub.publish("metric", finite_or_none(record))  # a diverged epoch's NaN loss is null in the page
    watched = _jsonl(run_dir / VIEW / "frames.jsonl")
    for frame in watched or [_frame_of(saved) for saved in saved_frames]:
        hub.publish("frame", frame)
    for test in _jsonl(run_dir / VIEW / "tests.jsonl"):
        hub.publish("test", test)
    snapshots = _jsonl(run_dir / VIEW / "tables.jsonl")
    for snapshot in snapshots:
        hub.publish("table", snapshot)
    shown_on_timeline = set()
    if info["kind"] == "table" and not snapshots:  # trained without --view: the final figures on the timeline's one point
        shown_on_timeline = {figure for figure in TABLE_FIGURES if (run_dir / figure).is_file()}
        if shown_on_timeline:
            last_epoch = metrics[-1]["epoch"] if metrics else config.train.epochs
            hub.publish("table", {"epoch": last_epoch, "figures": [f for f in TABLE_FIGURES if f in shown_on_timeline]})
    for grid in sorted((run_dir / GRIDS).glob("epoch-*.png")):
        hub.publish("grid", {"epoch": int(grid.stem.split("-")[1]), "path": (GRIDS / grid.name).as_posix()})
    if (run_dir / "eval.json").is_file():
        hub.publish_evaluation(read_eval(run_dir / "eval.json"))
    for figure in FIGURES:  # the page's panels, named by the data kind: only the table and rows panels show figures
        if (run_dir / figure).is_file() and info["kind"] in ("table", "rows") and figure not in shown_on_timeline:
            hub.publish("figure", {"path": figure})


def _frame_of(saved: dict[str, np.ndarray]) -> dict[str, Any]:
    """A view frame from a ``plots/frames`` snapshot (D's grid thinned to about :data:`HEAT_NODES` per axis)."""
    logits = saved["logits"]
    stride = max(1, logits.shape[0] // HEAT_NODES)
    heat = logits[::stride, ::stride]
    return {"epoch": int(saved["epoch"]), "step": None, "fake": np.round(saved["fake"][:, :2], DIGITS).tolist(),
            "heat": np.round(heat.ravel(), DIGITS).tolist(), "heat_nodes": heat.shape[0],
            "heat_extent": [float(v) for v in saved["extent"]], "manifold": [], "arrows": []}


def _replay_sweep(sweep_dir: Path, hub: Hub) -> None:
    members = []
    folders = sorted(path for path in (sweep_dir / "members").iterdir() if path.is_dir())
    colours = point_colours([folder.name for folder in folders])  # as report.html colours them
    for folder in folders:
        metrics = read_metrics(folder / "metrics.jsonl")
        evaluation = read_eval(folder / "eval.json")
        members.append(finite_or_none({
            "label": folder.name,
            "point": grid_point(folder.name),
            "colour": colours[folder.name],
            "path": f"members/{folder.name}",
            "epochs": [row["epoch"] for row in metrics],
            "d_loss": [row["d_loss"] for row in metrics],
            "g_loss": [row["g_loss"] for row in metrics],
            "verdict": evaluation.get("verdict") if evaluation else None,
        }))
    if not members:
        raise UserError(f"{sweep_dir}: the sweep has no members yet")
    config = load_config(str(sweep_dir / "members" / members[0]["label"] / "config.toml"))
    hub.publish("info", run_info(config, sweep_dir, "sweep", live=False, members=members))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return read_jsonl(path) if path.is_file() else []
