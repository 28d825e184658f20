"""Do the constraints ``gankit inspect`` finds hold on every sampled row, and at what cost in quality?

For each panel table (``bench/panel_tables.py``) with the panel's training part (``bench/tabular_panel.py``):
the constraints ``gankit inspect`` suggests on it (``data/constraint_discovery.py``); then, for each seed, the
``tabular`` preset fitted twice with the same seed, without and with them, and ``len(train)`` rows sampled from
each. Printed per table: the constraints (how many hold by a transform, how many by rejection), the share of
sampled rows that satisfy all of them (without, with), SDMetrics' QualityReport against the training part (the
panel's own scoring, ``score``), the difference, fit CPU seconds and the sampling acceptance. Large tables
(``--large-rows`` or more) can train fewer generator steps (``--large-steps``) to fit a short session.

    nice -n 10 python bench/table_constraints.py --seeds 1
    nice -n 10 python bench/table_constraints.py --tables penguins grunfeld --seeds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from panel_tables import PANEL  # noqa: E402
from tabular_panel import score, split  # noqa: E402

from gankit import GAN  # noqa: E402
from gankit.data.column_kinds import infer_kinds  # noqa: E402
from gankit.data.constraint_discovery import discover_constraints  # noqa: E402
from gankit.data.constraints import fit_constraints  # noqa: E402
from gankit.status import show_phases, silent  # noqa: E402


def constraints_override(entries: list[dict]) -> str:
    """``--set tabular.constraints=[...]`` for ``entries`` (JSON strings are TOML strings for these names)."""
    tables = ", ".join("{" + ", ".join(f"{key} = {json.dumps(value)}" for key, value in entry.items()) + "}"
                       for entry in entries)
    return f"tabular.constraints=[{tables}]"


def fitted(train, overrides: list[str], seed: int) -> tuple[GAN, float]:
    cpu = time.process_time()
    with show_phases(silent):
        gan = GAN("tabular", overrides=["train.threads=1", *overrides], seed=seed).fit(train, verbose=False)
    return gan, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="*", default=list(PANEL))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--large-rows", type=int, default=5000)
    parser.add_argument("--large-steps", type=int, default=0, help="train.max_steps on large tables (0: the preset's)")
    parser.add_argument("--with-set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="overrides for the fit with the constraints only (e.g. tabular.constraint_weight=0)")
    args = parser.parse_args()
    print(f"tabular preset; seeds {args.seeds}; tables of {args.large_rows:,}+ rows: "
          f"{f'train.max_steps={args.large_steps}' if args.large_steps else 'the preset as is'}")
    print(f"{'table':12} {'seed':>4} {'rules':>5} {'by tf':>5} {'held plain':>10} {'held with':>9} "
          f"{'quality plain':>13} {'quality with':>12} {'diff':>7} {'CPU s plain/with':>16} acceptance")
    differences: list[float] = []
    for name in args.tables:
        table = PANEL[name]
        train, holdout = split(table.frame())
        entries = [suggestion.entry for suggestion in discover_constraints(train, infer_kinds(train))]
        if not entries:
            print(f"{name:12} gankit inspect finds no constraint")
            continue
        check = fit_constraints(entries, train, infer_kinds(train), name)
        steps = [f"train.max_steps={args.large_steps}"] if args.large_steps and len(train) >= args.large_rows else []
        for seed in range(args.seeds):
            plain, plain_cpu = fitted(train, steps, seed)
            constrained, with_cpu = fitted(train, [*steps, constraints_override(entries), *args.with_set], seed)
            plain_rows, with_rows = plain.sample(len(train), seed=seed), constrained.sample(len(train), seed=seed)
            held_plain, held_with = check.holds(plain_rows).mean(), check.holds(with_rows).mean()
            quality_plain = score(table, train, holdout, plain_rows)["quality"]
            quality_with = score(table, train, holdout, with_rows)["quality"]
            differences.append(quality_with - quality_plain)
            by_transform = len(constrained.data_kind.constraints.by_transform)
            print(f"{name:12} {seed:>4} {len(entries):>5} {by_transform:>5} {held_plain:>10.1%} {held_with:>9.1%} "
                  f"{quality_plain:>13.4f} {quality_with:>12.4f} {differences[-1]:>+7.4f} "
                  f"{plain_cpu:>7.1f}/{with_cpu:<8.1f} {constrained.sampling_cost.acceptance:.1%}", flush=True)
    if differences:
        print(f"QualityReport with - without: mean {np.mean(differences):+.4f}, median "
              f"{statistics.median(differences):+.4f}, lower on {sum(d < 0 for d in differences)} of {len(differences)}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - started:.0f} s")
