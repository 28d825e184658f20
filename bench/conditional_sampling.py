"""Does a conditional sample follow the real conditional distribution as well as a plain sample follows the table?

On ``examples/people.csv`` (300 rows: age, income with missing values, city, member, joined), for each seed the
``tabular`` preset is fitted once; then for each condition below:

* conditional: ``gan.sample(m, where=condition)`` against the ``m`` real rows meeting the condition;
* unconditional (the baseline): ``gan.sample(m)`` against ``m`` real rows drawn at random from the whole table,

both judged by the table evaluation's two-sample tests (``metrics/table_evaluation.py``: MMD, energy and the two
classifier tests, Holm-corrected at α = 0.05), at the same ``m`` so both have the same power. A pair *passes* when
the verdict is INDISTINGUISHABLE. Printed: each pair's verdict and quality score, then both pass rates over all
(seed, condition) pairs, their ratio, and the conditional samples' acceptance.

    nice -n 19 python bench/conditional_sampling.py --seeds 3 --epochs 300
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--permutations", type=int, default=199)
    args = parser.parse_args()
    table = pd.read_csv(DATA)
    passes: dict[str, list[bool]] = {"conditional": [], "unconditional": []}
    acceptances: list[float] = []
    print(f"{DATA.relative_to(REPO)}: {len(table)} rows; tabular preset, train.epochs={args.epochs}; "
          f"tests Holm-corrected at alpha 0.05, {args.permutations} permutations")
    print(f"{'seed':>4}  {'condition':<32} {'m':>4}  {'conditional':<22} {'unconditional':<22} acceptance")
    for seed in range(args.seeds):
        with show_phases(silent):
            gan = GAN("tabular", overrides=[f"train.epochs={args.epochs}"], seed=seed).fit(table, verbose=False)
        kinds = metric_kinds(gan.transformer)
        for condition in CONDITIONS:
            subset = table[parse_where(condition, gan.transformer.specs).mask(table)]
            m = len(subset)
            if m < MIN_REAL_ROWS:
                raise SystemExit(f"{' and '.join(condition)}: {m} real rows, fewer than {MIN_REAL_ROWS}")
            conditional = gan.sample(m, seed=1000 + seed, where=condition)
            acceptances.append(gan.sampling_cost.acceptance)
            everyone = table.sample(m, random_state=seed)
            plain = gan.sample(m, seed=2000 + seed)
            c_pass, c_quality = judged(subset, conditional, kinds, args.permutations, seed)
            u_pass, u_quality = judged(everyone, plain, kinds, args.permutations, seed)
            passes["conditional"].append(c_pass)
            passes["unconditional"].append(u_pass)
            verdict = {True: "pass", False: "FAIL"}
            print(f"{seed:>4}  {' and '.join(condition):<32} {m:>4}  {verdict[c_pass]:<4} quality {c_quality:.3f}     "
                  f"{verdict[u_pass]:<4} quality {u_quality:.3f}     {acceptances[-1]:.1%}")
    conditional, unconditional = (float(np.mean(passes[key])) for key in ("conditional", "unconditional"))
    count = len(passes["conditional"])
    print(f"pass rate, conditional samples on the real conditional subsets: {conditional:.0%} "
          f"({sum(passes['conditional'])}/{count})")
    print(f"pass rate, unconditional samples on the whole table (same sizes): {unconditional:.0%} "
          f"({sum(passes['unconditional'])}/{count})")
    ratio = conditional / unconditional if unconditional else float("nan")
    print(f"ratio conditional / unconditional: {ratio:.2f}; median acceptance {np.median(acceptances):.1%}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - started:.0f} s")
