"""``gankit bench toy``: toy presets over many seeds, as sweeps, beside the true law's floor and the published rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from gankit.config import apply_overrides, load_raw
from gankit.metrics.truth_floor import has_truth, truth_report
from gankit.report.toy_bench import gankit_row, published_rows, truth_row, write_bench
from gankit.runs.directory import claim_run_dir, create_run_dir
from gankit.runs.launch import Phases, sweep_shown
from gankit.runs.sweep import plan_sweep


def run_toy_bench(presets: list[str], seeds: int, first_seed: int, overrides: list[str], out_dir: Path | None,
                  quiet: bool, phases: Phases, notify: Callable[[str], None]) -> tuple[Path, list]:
    """Train each preset's seeds as one sweep (no plots) and write the bench table; its folder and rows."""
    plans = {preset: plan_sweep(apply_overrides(load_raw(preset), overrides), seeds, {}, first_seed) for preset in presets}
    folder = claim_run_dir(out_dir) if out_dir is not None else create_run_dir(Path("runs"), "bench-toy")
    rows = []
    for preset, groups in plans.items():
        started = time.perf_counter()
        result = sweep_shown(groups, lambda: claim_run_dir(folder / preset), quiet, preset, phases, notify, plots=False)
        label = " ".join(s for s in overrides if s.startswith("model.pack=") or s.startswith("train.objective="))
        config = groups[0][0].config
        rows.append(gankit_row(preset, label, result.rows, time.perf_counter() - started, config.eval.alpha))
        if has_truth(config):  # the floor: fresh draws of the data law, judged as each member was
            started = time.perf_counter()
            reports = [truth_report(member.config) for group in groups for member in group]
            mixture = config.data.source in ("ring", "grid", "mixture")
            rows.append(truth_row(preset, reports, time.perf_counter() - started, config.eval.alpha, mixture))
        rows += published_rows(preset)
    write_bench(folder, rows)
    return folder, rows
