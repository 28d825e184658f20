"""Check: every member of a vectorized sweep ends bit-identical (CPU) to its single run, over a preset's full length.

    python bench/sweep_equality.py grid --seeds 5          # the long check (9,384 steps per member)
    python bench/sweep_equality.py d2l-gaussian --seeds 8  # quick

For each seed it prints whether every tensor of the final training state (weights,
EMA, Adam moments, random streams) and every epoch's losses are equal, the largest
difference where they are not, and the mode metrics of both, so a difference that
changes the result (e.g. a mode lost) is visible. Timings for the sweep and the
single runs are printed side by side. Runs in a plain clone (`pip install -e .`).
"""

from __future__ import annotations

import argparse
import time

import torch

from gankit import GAN
from gankit.config import apply_overrides, load_raw
from gankit.runs.sweep import prepare_members, train_stacked
from gankit.runs.sweep_grid import expand_members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", nargs="?", default="grid")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], help="config overrides, e.g. train.epochs=2")
    args = parser.parse_args()
    members = expand_members(apply_overrides(load_raw(args.preset), args.set), args.seeds, {})
    started = time.perf_counter()
    gans, rows = prepare_members(members)
    train_stacked(gans, rows, lambda k: None)
    sweep_seconds = time.perf_counter() - started
    single_seconds, equal_count = 0.0, 0
    for member, swept in zip(members, gans):
        started = time.perf_counter()
        alone = GAN(member.config).fit()
        single_seconds += time.perf_counter() - started
        ours, _ = swept.state.state_dict()
        theirs, _ = alone.state.state_dict()
        unequal = [key for key in ours if not torch.equal(ours[key], theirs[key])]
        losses_equal = [(r.d_loss, r.g_loss) for r in swept.history] == [(r.d_loss, r.g_loss) for r in alone.history]
        equal = not unequal and losses_equal
        equal_count += equal
        largest = max(((ours[k].float() - theirs[k].float()).abs().max().item() for k in unequal), default=0.0)
        modes = [_modes(g) for g in (swept, alone)]
        print(f"seed {member.config.seed}: {'bit-identical' if equal else 'DIFFERENT'}"
              f"{'' if equal else f' ({len(unequal)} tensors, largest difference {largest:.3g})'}; "
              f"sweep member {modes[0]} | single run {modes[1]}", flush=True)
    print(f"{equal_count}/{len(members)} members bit-identical to their single runs; "
          f"sweep {sweep_seconds:.1f} s, single runs {single_seconds:.1f} s, ratio {sweep_seconds / single_seconds:.2f}")


def _modes(gan: GAN) -> str:
    """Modes captured and HQ % (ring/grid/mixture data), else the final losses."""
    report = gan.evaluate()
    values = {r.name: r.statistic for r in report.results}
    if "modes_captured" in values:
        return f"modes {values['modes_captured']:.0f}, HQ {values['high_quality_pct']:.1f}%"
    return f"d_loss {gan.history[-1].d_loss:.4f}"


if __name__ == "__main__":
    main()
