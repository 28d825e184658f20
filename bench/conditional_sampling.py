"""Does a conditional sample follow the real conditional distribution as well as a plain sample follows the table?

On ``examples/people.csv`` (300 rows: age, income with missing values, city, member, joined), for each seed the
``tabular`` preset is fitted once; then for each condition below:

* conditional: ``gan.sample(m, where=condition)`` against the ``m`` real rows meeting the condition;
* unconditional (the baseline): ``gan.sample(m)`` against ``m`` real rows drawn at random from the whole table;
* by rejection (the model's own conditional, for reference): plain samples filtered by the condition, against the
  same real rows as the conditional ones: where it passes more often than the conditional vector, the generator's
  output for that one condition code is the weak part, not the rest of the model,

both judged by the table evaluation's two-sample tests (``metrics/table_evaluation.py``: MMD, energy and the two
classifier tests, Holm-corrected at α = 0.05), at the same ``m`` so both have the same power. A pair *passes* when
the verdict is INDISTINGUISHABLE. Each (fit, condition) is sampled ``--draws`` times with fresh seeds (and a fresh
draw of the ``m`` real rows for the unconditional baseline), so a short session still judges many pairs. Printed:
each pair's verdict and quality score, then both pass rates over all pairs, their ratio, Fisher's exact test of
the two rates, and the conditional samples' acceptance.

    nice -n 10 python bench/conditional_sampling.py --seeds 3 --draws 3 --epochs 300
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from gankit import GAN  # noqa: E402
from gankit.data.table_encoding import metric_kinds  # noqa: E402
from gankit.data.where import parse_where  # noqa: E402
from gankit.metrics.table_evaluation import evaluate_table  # noqa: E402
from gankit.status import show_phases, silent  # noqa: E402

DATA = REPO / "examples" / "people.csv"
CONDITIONS = (  # met by 114, 101, 132, 74 and 50 real rows
    ["city=Lyon"],
    ["city in Graz,Turku"],
    ["age>50"],
    ["city=Lyon", "age>40"],
    ["member=true", "income<=40000"],
)
MIN_REAL_ROWS = 50


def judged(real: pd.DataFrame, fake: pd.DataFrame, kinds: dict[str, str], permutations: int, seed: int) -> tuple[bool, float]:
    """Whether the two-sample tests pass (INDISTINGUISHABLE) and the quality score."""
    report = evaluate_table(real.reset_index(drop=True), fake.reset_index(drop=True), kinds,
                            permutations=permutations, seed=seed)
    return not report.distinguishable, report["quality_score"].statistic


def by_rejection(gan: GAN, m: int, seed: int, where) -> pd.DataFrame:
    """``m`` plain samples that meet ``where``: drawn in batches of 10,000 and filtered."""
    kept, batch = [], 0
    while sum(len(frame) for frame in kept) < m:
        rows = gan.sample(10_000, seed=seed * 1000 + batch)
        kept.append(rows[where.mask(rows)])
        batch += 1
    return pd.concat(kept, ignore_index=True).iloc[:m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--draws", type=int, default=1, help="samples judged per fit and condition")
    parser.add_argument("--first-seed", type=int, default=0, help="fit seeds first-seed, ..., first-seed + seeds - 1")
    parser.add_argument("--permutations", type=int, default=199)
    args = parser.parse_args()
    table = pd.read_csv(DATA)
    passes: dict[str, list[bool]] = {"conditional": [], "unconditional": [], "rejection": []}
    acceptances: list[float] = []
    print(f"{DATA.relative_to(REPO)}: {len(table)} rows; tabular preset, train.epochs={args.epochs}; "
          f"tests Holm-corrected at alpha 0.05, {args.permutations} permutations")
    print(f"{'seed':>4}  {'condition':<32} {'m':>4}  {'conditional':<22} {'unconditional':<22} {'by rejection':<22} "
          "acceptance")
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with show_phases(silent):
            gan = GAN("tabular", overrides=[f"train.epochs={args.epochs}"], seed=seed).fit(table, verbose=False)
        kinds = metric_kinds(gan.transformer)
        for condition, draw in itertools.product(CONDITIONS, range(args.draws)):
            subset = table[parse_where(condition, gan.transformer.specs).mask(table)]
            m = len(subset)
            if m < MIN_REAL_ROWS:
                raise SystemExit(f"{' and '.join(condition)}: {m} real rows, fewer than {MIN_REAL_ROWS}")
            drawn = 1000 * draw + seed
            conditional = gan.sample(m, seed=1000 + drawn, where=condition)
            acceptances.append(gan.sampling_cost.acceptance)
            everyone = table.sample(m, random_state=drawn)
            plain = gan.sample(m, seed=2000 + drawn)
            filtered = by_rejection(gan, m, 3000 + drawn, parse_where(condition, gan.transformer.specs))
            c_pass, c_quality = judged(subset, conditional, kinds, args.permutations, drawn)
            u_pass, u_quality = judged(everyone, plain, kinds, args.permutations, drawn)
            r_pass, r_quality = judged(subset, filtered, kinds, args.permutations, drawn)
            passes["conditional"].append(c_pass)
            passes["unconditional"].append(u_pass)
            passes["rejection"].append(r_pass)
            verdict = {True: "pass", False: "FAIL"}
            print(f"{seed:>4}  {' and '.join(condition):<32} {m:>4}  {verdict[c_pass]:<4} quality {c_quality:.3f}     "
                  f"{verdict[u_pass]:<4} quality {u_quality:.3f}     {verdict[r_pass]:<4} quality {r_quality:.3f}     "
                  f"{acceptances[-1]:.1%}", flush=True)
    conditional, unconditional = (float(np.mean(passes[key])) for key in ("conditional", "unconditional"))
    count = len(passes["conditional"])
    print(f"pass rate, conditional samples on the real conditional subsets: {conditional:.0%} "
          f"({sum(passes['conditional'])}/{count})")
    print(f"pass rate, unconditional samples on the whole table (same sizes): {unconditional:.0%} "
          f"({sum(passes['unconditional'])}/{count})")
    print(f"pass rate, plain samples filtered by the conditions, on the real conditional subsets: "
          f"{np.mean(passes['rejection']):.0%} ({sum(passes['rejection'])}/{count})")
    ratio = conditional / unconditional if unconditional else float("nan")
    passed = [sum(passes[key]) for key in ("conditional", "unconditional")]
    fisher = fisher_exact([[passed[0], count - passed[0]], [passed[1], count - passed[1]]]).pvalue
    print(f"ratio conditional / unconditional: {ratio:.2f}; Fisher's exact test of the two rates p = {fisher:.2f}; "
          f"median acceptance {np.median(acceptances):.1%}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - started:.0f} s")
