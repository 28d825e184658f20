"""Differentially private tables: quality and privacy at ε ∈ {1, 3, 10} and without DP, on four panel tables.

Protocol (the split, the QualityReport, exact copies and DCR are bench/tabular_panel.py's own ``split`` and
``score``): each table is split once into a training part (80%) and a holdout (20%) that no fit sees.

* ``gankit``: the ``tabular`` preset as shipped, not private;
* ``gankit ε=E``: the same preset under ``privacy.epsilon = E`` (δ = 1/(10·n)), with the settings DP needs:
  ``model.pack = 1`` and ``tabular.conditional = false`` (both mix or pick rows by the data), D's hidden
  layers 128 wide (per-row gradients of a 256-wide D with the gradient penalty cost about 7× more on CPU),
  no gradient penalty (``train.gp_weight = 0``, the default of ``--set``: at 500 steps it scored 0.05 and
  0.16 higher on the two large tables than the preset's penalty under DP, at about half the CPU time; fits
  recorded before it was the default have no ``extra`` and ran with the penalty), and the encoding from
  public metadata. The bench treats each column's *domain* as public: number bounds
  are the whole table's [min, max] widened by 5% of the range, and the categories of the declared discrete
  (and text) columns are all their values in the whole table. A real user would write these from the
  data's documentation; deriving them from the data as done here is not private, and the figures should
  be read as "DP training given public domains";
* ``ctgan-dp``: the baseline, CTGAN's own code (ctgan 0.12.1: its DataTransformer, Generator and
  Discriminator) with Opacus's PrivacyEngine on the discriminator (bench/ctgan_opacus.py): pac 1, Poisson
  sampling, WGAN without the gradient penalty (Opacus's hooks cannot clip a double backward), no
  conditional vector, the transformer fitted on the training rows (not private), ε from the same
  accountant. Its figures are in the same table.

Every fit trains ``--max-steps`` generator steps (the preset's default is 1,500; the shared 2-core machine
does not allow that for the whole grid) and samples as many rows as the training part has. Figures per fit:
QualityReport (against the training part), gankit's table two-sample tests (``evaluate_table``, on at most
500 rows each: the C2ST-boosting AUC and whether the Holm-corrected tests tell the tables apart), exact
copies, DCR, the share of synthetic rows closer to training than to holdout, and a distance-based
membership-inference attack: each of up to 500 training rows (members) and as many holdout rows
(non-members) is scored by minus its distance to the closest synthetic row; the AUC of telling members
from non-members by that score (0.5 = the attack learns nothing).

Every fit's figures are appended to ``bench/privacy_panel_runs.jsonl``; ``--report`` prints the means over
seeds from that file and appends them, with the command and the date, to bench/results/privacy.md.

    nice -n 10 python bench/privacy_panel.py --tools gankit --seeds 1
    nice -n 10 python bench/privacy_panel.py --tools ctgan-dp --tables doctorvisits fair --epsilons 3 --seeds 1
    python bench/privacy_panel.py --report
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from panel_tables import PANEL, PanelTable, sdtypes  # noqa: E402
from tabular_panel import machine, score, seed_everything, split, versions  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "privacy.md"
RUNS = Path(__file__).with_name("privacy_panel_runs.jsonl")
TABLES = ("penguins", "wine", "doctorvisits", "fair")
ATTACK_ROWS = 500
EVAL_ROWS = 500
MARGIN = 0.05
DP_TUNING = ["train.gp_weight=0"]  # the DP fits' extra settings unless --set says otherwise


def public_metadata(table: PanelTable, frame: pd.DataFrame) -> tuple[dict[str, list[float]], dict[str, list]]:
    """The columns' domains, taken as public (see the module docstring): bounds and category lists."""
    types = sdtypes(table, frame)
    bounds, categories = {}, {}
    for name, sdtype in types.items():
        column = frame[name]
        if sdtype == "numerical" and pd.api.types.is_numeric_dtype(column):
            low, high = float(column.min()), float(column.max())
            pad = MARGIN * (high - low or 1.0)
            bounds[name] = [low - pad, high + pad]
        else:
            categories[name] = sorted(column.dropna().unique().tolist(), key=str)
    return bounds, categories


def toml_table(mapping: dict[str, list]) -> str:
    """``{a=[1, 2], b=["x"]}`` as a --set value."""
    return "{" + ", ".join(f"{json.dumps(str(key))}={json.dumps(value)}" for key, value in mapping.items()) + "}"


def private_overrides(table: PanelTable, frame: pd.DataFrame, epsilon: float) -> list[str]:
    """The DP settings and the public metadata of ``frame``'s columns."""
    bounds, categories = public_metadata(table, frame)
    integers = {name: "integer" for name in bounds
                if pd.api.types.is_integer_dtype(frame[name]) or (frame[name].dropna() % 1 == 0).all()}
    return ["model.pack=1", "tabular.conditional=false", "model.discriminator.hidden=[128, 128]",
            f"privacy.epsilon={epsilon}", f"tabular.public_bounds={toml_table(bounds)}",
            f"tabular.public_categories={toml_table(categories)}", f"tabular.kinds={toml_table(integers)}"]


def fit_gankit(table: PanelTable, frame: pd.DataFrame, train: pd.DataFrame, epsilon: float | None, seed: int,
               max_steps: int, extra: tuple[str, ...] = ()):
    """gankit's preset (private when ``epsilon``, with the ``extra`` settings then); returns (sample function,
    privacy ledger or None)."""
    from gankit import GAN

    settings = [f"train.max_steps={max_steps}", "train.threads=0"]
    if epsilon is not None:
        settings += private_overrides(table, frame, epsilon) + list(extra)
    gan = GAN("tabular", overrides=settings, seed=seed).fit(train, verbose=False)
    ledger = gan.state.privacy.to_dict() if gan.state.privacy is not None else None
    return (lambda n: gan.sample(n, seed=seed)), ledger


def fit_ctgan_dp(table: PanelTable, frame: pd.DataFrame, train: pd.DataFrame, epsilon: float | None, seed: int,
                 max_steps: int, extra: tuple[str, ...] = ()):
    """The baseline: CTGAN's nets and transformer with Opacus on its discriminator (bench/ctgan_opacus.py)."""
    from ctgan_opacus import fit_private_ctgan

    discrete = [name for name, sdtype in sdtypes(table, train).items() if sdtype != "numerical"]
    rows = train.dropna().reset_index(drop=True)
    return fit_private_ctgan(rows, discrete, epsilon, seed, max_steps)


FITS = {"gankit": fit_gankit, "ctgan-dp": fit_ctgan_dp}


def attack_auc(table: PanelTable, train: pd.DataFrame, holdout: pd.DataFrame, fake: pd.DataFrame) -> float:
    """AUC of the distance-to-closest-synthetic-row attack telling training rows from holdout rows."""
    from sklearn.metrics import roc_auc_score

    from gankit.metrics.privacy import _encoded, distances_to_closest

    rng = np.random.default_rng(0)
    kinds = sdtypes(table, train)
    n = min(ATTACK_ROWS, len(holdout))
    members = train.iloc[rng.permutation(len(train))[:n]]
    others = holdout.iloc[rng.permutation(len(holdout))[:n]]
    synthetic = _encoded(fake.iloc[rng.permutation(len(fake))[:2 * ATTACK_ROWS]], kinds)
    distance = np.concatenate([distances_to_closest(_encoded(part, kinds), synthetic, kinds)
                               for part in (members, others)])
    labels = np.r_[np.ones(n), np.zeros(n)]
    return float(roc_auc_score(labels, -distance))


def two_sample(table: PanelTable, train: pd.DataFrame, fake: pd.DataFrame) -> dict[str, float]:
    """gankit's table tests on at most EVAL_ROWS rows each: the boosting C2ST AUC and the Holm verdict."""
    from gankit.metrics.table_evaluation import evaluate_table

    rng = np.random.default_rng(1)
    n = min(EVAL_ROWS, len(train), len(fake))
    kinds = {name: sdtype if sdtype != "numerical" else "numerical" for name, sdtype in sdtypes(table, train).items()}
    report = evaluate_table(train.iloc[rng.permutation(len(train))[:n]].reset_index(drop=True),
                            fake.iloc[rng.permutation(len(fake))[:n]].reset_index(drop=True), kinds,
                            permutations=99, seed=0)
    return {"c2st_auc": float(report["detection_boosting"].statistic), "distinguishable": bool(report.distinguishable)}


def measure(tool: str, table: PanelTable, epsilon: float | None, seed: int, max_steps: int,
            extra: tuple[str, ...] = ()) -> dict:
    """Fit, sample as many rows as the training part has, score; one printed line, one line in RUNS."""
    frame = table.frame()
    train, holdout = split(frame)
    seed_everything(seed)
    started, cpu = time.perf_counter(), time.process_time()
    extra = extra if epsilon is not None and tool == "gankit" else ()
    sample, ledger = FITS[tool](table, frame, train, epsilon, seed, max_steps, extra)
    fit_s, fit_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    fake = sample(len(train))[train.columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figures = {"tool": tool, "table": table.name, "epsilon": epsilon, "seed": seed, "max_steps": max_steps,
                   "extra": list(extra), "fit_s": fit_s, "fit_cpu_s": fit_cpu_s, **score(table, train, holdout, fake),
                   **two_sample(table, train, fake), "attack_auc": attack_auc(table, train, holdout, fake),
                   "ledger": ledger}
    spent = f", ε spent {ledger['epsilon_spent']:.2f} (σ {ledger['noise_multiplier']:.2f}, q {ledger['sample_rate']:.3f}, " \
            f"{ledger['steps']} steps)" if ledger else ""
    if ledger and "gankit_ledger_epsilon" in ledger:  # the baseline's engine against gankit's ledger, same σ, q, steps
        spent += f"; gankit's ledger for the same σ, q and steps: ε {ledger['gankit_ledger_epsilon']:.6f}"
    print(f"  {table.name:12s} {label(tool, extra)} ε={epsilon} seed {seed}: CPU {fit_cpu_s:.0f} s, quality {figures['quality']:.3f}, "
          f"C2ST AUC {figures['c2st_auc']:.3f}, copies {figures['copies']:.3f}, DCR {figures['dcr_fake']:.3f} "
          f"(holdout {figures['dcr_holdout']:.3f}), closer {figures['closer']:.2f}, attack AUC "
          f"{figures['attack_auc']:.3f}{spent}", flush=True)
    with RUNS.open("a") as handle:
        handle.write(json.dumps(figures) + "\n")
    return figures


def label(tool: str, extra) -> str:
    """The tool's name in the table, with the extra DP settings of a probe."""
    return " ".join([tool, *extra])


def report_lines(runs: list[dict], command: str) -> list[str]:
    """The table of means over seeds, per table, tool and ε."""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        tool = label(run["tool"], run.get("extra", ()))
        groups.setdefault((run["table"], tool, run["epsilon"] or 0, run["max_steps"]), []).append(run)
    lines = [f"## {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "", f"`{command}`", "",
             f"Machine: {machine()}; {versions()}. Means over seeds. Quality: SDMetrics QualityReport; C2ST: gankit's "
             "boosting detection AUC (0.5 = indistinguishable); distinguishable: share of fits whose Holm-corrected "
             "table tests reject; copies: exact copies of training rows; DCR: median distance to the closest "
             "training row (synthetic, and holdout for reference); closer: share of synthetic rows closer to "
             "training than to holdout; attack: distance-based membership-inference AUC.", "",
             "| table | rows | tool | ε | seeds | steps | fit CPU s | quality | C2ST AUC | distinguishable | copies | "
             "DCR synth | DCR holdout | closer | attack AUC | ε spent | σ |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    notes: list[str] = []
    for (name, tool, epsilon, steps), found in sorted(groups.items(), key=lambda item: (
            TABLES.index(item[0][0]) if item[0][0] in TABLES else 99, item[0][1], -(item[0][2] or 1e9))):
        mean = lambda key: statistics.fmean(float(run[key]) for run in found)  # noqa: E731
        ledgers = [run["ledger"] for run in found if run["ledger"]]
        spent = f"{statistics.fmean(l['epsilon_spent'] for l in ledgers):.2f}" if ledgers else "–"
        sigma = f"{statistics.fmean(l['noise_multiplier'] for l in ledgers):.2f}" if ledgers else "–"
        rows = len(split(PANEL[name].frame())[0])
        checks = [f"{l['epsilon_spent']:.6f} = {l['gankit_ledger_epsilon']:.6f}" for l in ledgers if "gankit_ledger_epsilon" in l]
        if checks:
            notes.append(f"{name}, {tool}, ε = {epsilon}: the engine's ε vs gankit's ledger for its σ, q and steps: "
                         + "; ".join(checks))
        lines.append(f"| {name} | {rows} | {tool} | {epsilon or 'no DP'} | {len(found)} | {steps} | "
                     f"{mean('fit_cpu_s'):.0f} | {mean('quality'):.3f} | {mean('c2st_auc'):.3f} | "
                     f"{mean('distinguishable'):.2f} | {mean('copies'):.3f} | {mean('dcr_fake'):.3f} | "
                     f"{mean('dcr_holdout'):.3f} | {mean('closer'):.2f} | {mean('attack_auc'):.3f} | {spent} | {sigma} |")
    return lines + [""] + [f"- {note}" for note in notes]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(PANEL), metavar="TABLE")
    parser.add_argument("--tools", nargs="+", default=["gankit"], choices=list(FITS))
    parser.add_argument("--epsilons", nargs="+", type=float, default=[1.0, 3.0, 10.0])
    parser.add_argument("--no-plain", action="store_true", help="skip the fits without DP")
    parser.add_argument("--seeds", type=int, default=3, help="fits per setting: seeds first-seed, first-seed + 1, ...")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=300, help="generator steps of every fit")
    parser.add_argument("--set", nargs="+", default=DP_TUNING, metavar="KEY=VALUE", dest="extra",
                        help=f"extra gankit settings for the DP fits, recorded with each fit and shown in the table "
                             f"(default {' '.join(DP_TUNING)}; --set privacy.gradient_penalty=true keeps the preset's penalty)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--report", action="store_true", help=f"print the means from {RUNS.name} and append them to "
                                                              f"{RESULTS.name}; fit nothing")
    return parser.parse_args(argv)


def main() -> None:
    import torch

    options = parse()
    torch.set_num_threads(options.threads)
    command = "python bench/privacy_panel.py " + shlex.join(sys.argv[1:])
    print(command, f"(load {os.getloadavg()[0]:.1f})", flush=True)
    if options.report:
        runs = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
        lines = report_lines(runs, command)
        print("\n".join(lines))
        with RESULTS.open("a") as handle:
            handle.write("\n".join(lines) + "\n\n")
        return
    settings = ([] if options.no_plain else [None]) + list(options.epsilons)
    for name in options.tables:
        for epsilon in settings:
            for tool in options.tools:
                for seed in range(options.first_seed, options.first_seed + options.seeds):
                    measure(tool, PANEL[name], epsilon, seed, options.max_steps, tuple(options.extra))


if __name__ == "__main__":
    main()
