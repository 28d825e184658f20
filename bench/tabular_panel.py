"""gankit's `tabular` preset against CTGAN 0.12 and SDV 2 (GaussianCopula, TVAE) on a panel of public tables.

The tables (bench/panel_tables.py) ship inside packages: nothing is downloaded. Every fit runs in this one
process, one after the other, through each tool's Python API, with the same torch thread count
(``--threads``, default 1: on the shared 2-core machine more threads make timings swing, see
bench/tabular_vs_ctgan.py).

Protocol, per table:

* the rows are split once (seed 0) into a training part (80%) and a holdout (20%) that no tool sees;
* gankit fits the training part as it is (NaN, text, dates included) and is told nothing about the columns:
  it infers their kinds (the kinds it chose are printed). CTGAN is given the table's declared discrete
  columns (``discrete_columns``), dates as day counts, and the NaN-free rows (it refuses NaN). SDV's
  synthesizers get the same declaration as metadata (sdtypes) and the table as it is;
* each fit is timed (wall and CPU seconds of ``fit``, each tool's data transform included), then samples as
  many rows as the training part has;
* scores, all against the training part with the declared sdtypes: SDMetrics' QualityReport (overall, and
  column shapes and column-pair trends apart) and LogisticDetection; privacy (gankit.metrics.privacy): the
  share of synthetic rows that copy a training row exactly (in brackets: the share of holdout rows that do,
  the rate a fresh real sample shows on tables with few distinct rows), and SDMetrics' DCR: the median distance of
  synthetic rows to their closest training row next to the same for holdout rows, and the share of
  synthetic rows closer to the training part than to the holdout (≈ 0.5 for a model that does not copy).
  DCR compares at most ``DCR_ROWS`` synthetic rows with as many training rows as holdout rows (at most
  ``DCR_ROWS`` each, drawn at random), so that a fresh real sample would be closer to either half as often.

Epochs: by default each tool at its own default (gankit's preset, CTGAN 300, TVAE 300); ``--epochs N`` sets
all three to N; ``--quick`` is ``--epochs 30 --seeds 1``. GaussianCopula has no epochs.

Per table the script prints one row per tool (means over seeds; gankit's ratio is its fit time over
CTGAN's), and at the end gankit's median fit-time ratio over the tables and the number of tables where
gankit's mean QualityReport is at least CTGAN's. Everything is appended to bench/results/tabular.md.

    python bench/tabular_panel.py --quick --tables penguins wine     # a few minutes
    nice -n 19 python bench/tabular_panel.py                         # the full panel, 3 seeds: hours
    python bench/tabular_panel.py --tools gankit --gankit-set train.epochs=50 --tables fair
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from panel_tables import HELD_OUT, PANEL, PanelTable, sdtypes  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "tabular.md"
BASELINE_CACHE = Path(__file__).with_name("tabular_panel_baselines.jsonl")
TOOLS = ("gankit", "ctgan", "gaussiancopula", "tvae")
HOLDOUT_SHARE = 0.2
DCR_ROWS = 1000
QUICK_EPOCHS = 30


# ------------------------------------------------------------------------------------------- the fits


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (SDV's synthesizers take no seed of their own)."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fit_gankit(train: pd.DataFrame, table: PanelTable, epochs: int | None, seed: int, overrides: list[str]):
    """gankit's `tabular` preset on the rows as they are; kinds inferred. Returns (sample function, notes)."""
    from gankit import GAN

    settings = ["train.threads=0"] + ([f"train.epochs={epochs}"] if epochs else []) + overrides
    gan = GAN("tabular", overrides=settings, seed=seed).fit(train)
    kinds = ", ".join(f"{spec.name}={spec.kind}" for spec in gan.transformer.specs)
    return (lambda n: gan.sample(n, seed=seed)), f"{gan.config.train.epochs} epochs; kinds: {kinds}"


def _dates_to_days(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Datetime columns as float day counts (CTGAN takes numbers only); the names of those columns."""
    dates = [name for name in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[name])]
    out = frame.copy()
    for name in dates:
        out[name] = (frame[name] - pd.Timestamp("1970-01-01")).dt.days.astype("float64")
    return out, dates


def fit_ctgan(train: pd.DataFrame, table: PanelTable, epochs: int | None, seed: int, overrides: list[str]):
    """CTGAN with the declared discrete columns, on the NaN-free rows, dates as day counts."""
    from ctgan import CTGAN

    rows, dates = _dates_to_days(train.dropna())
    model = CTGAN(epochs=epochs or 300)
    model.set_random_state(seed)
    model.fit(rows, list(table.discrete))

    def sample(n: int) -> pd.DataFrame:
        fake = model.sample(n)
        for name in dates:
            fake[name] = pd.Timestamp("1970-01-01") + pd.to_timedelta(fake[name].round(), unit="D")
        return fake

    return sample, f"{model._epochs} epochs; {len(rows)} NaN-free rows"


def _sdv_metadata(table: PanelTable, frame: pd.DataFrame):
    from sdv.metadata import Metadata

    columns = {name: {"sdtype": sdtype} for name, sdtype in sdtypes(table, frame).items()}
    return Metadata.load_from_dict({"tables": {table.name: {"columns": columns}}})


def fit_sdv(kind: str):
    """A fit function for SDV's GaussianCopulaSynthesizer or TVAESynthesizer with the declared sdtypes."""
    def fit(train: pd.DataFrame, table: PanelTable, epochs: int | None, seed: int, overrides: list[str]):
        from sdv.single_table import GaussianCopulaSynthesizer, TVAESynthesizer

        seed_everything(seed)
        metadata = _sdv_metadata(table, train)
        if kind == "tvae":
            model = TVAESynthesizer(metadata, epochs=epochs or 300)
            note = f"{epochs or 300} epochs"
        else:
            model = GaussianCopulaSynthesizer(metadata)
            note = ""
        model.fit({table.name: train})

        def sample(n: int) -> pd.DataFrame:
            seed_everything(seed)
            return model.sample(n)[table.name]

        return sample, note

    return fit


FITS = {"gankit": fit_gankit, "ctgan": fit_ctgan, "gaussiancopula": fit_sdv("gaussiancopula"), "tvae": fit_sdv("tvae")}


# --------------------------------------------------------------------------------------------- scores


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training part and holdout (HOLDOUT_SHARE of the rows), the same for every tool and seed."""
    holdout = frame.sample(frac=HOLDOUT_SHARE, random_state=0)
    return frame.drop(index=holdout.index).reset_index(drop=True), holdout.reset_index(drop=True)


def _rows(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``n`` rows of ``frame`` drawn at random, in table order."""
    return frame.iloc[np.sort(rng.permutation(len(frame))[:n])]


def score(table: PanelTable, train: pd.DataFrame, holdout: pd.DataFrame, fake: pd.DataFrame) -> dict[str, float]:
    """QualityReport (overall, shapes, trends), LogisticDetection, exact copies and DCR of ``fake``."""
    from sdmetrics.reports.single_table import QualityReport
    from sdmetrics.single_table import LogisticDetection

    from gankit.metrics.privacy import dcr, exact_copy_share

    fake = fake[train.columns]
    types = sdtypes(table, train)
    metadata = {"columns": {name: {"sdtype": sdtype} for name, sdtype in types.items()}}
    report = QualityReport()
    report.generate(train, fake, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    rng = np.random.default_rng(0)
    kept = holdout.iloc[:DCR_ROWS]
    distances = dcr(_rows(train, len(kept), rng), kept, _rows(fake, DCR_ROWS, rng), types)
    return {"quality": float(report.get_score()), "shapes": float(properties["Column Shapes"]),
            "trends": float(properties["Column Pair Trends"]),
            "detection": float(LogisticDetection.compute(train, fake, metadata)),
            "copies": exact_copy_share(train, fake), "holdout_copies": exact_copy_share(train, holdout), "dcr_fake": distances["median_fake_to_train"],
            "dcr_holdout": distances["median_holdout_to_train"], "closer": distances["closer_to_train"]}


def measure(tool: str, table: PanelTable, train: pd.DataFrame, holdout: pd.DataFrame, epochs: int | None,
            seed: int, overrides: list[str]) -> dict:
    """Fit ``tool`` on the training part, sample, score; print one line."""
    started, cpu = time.perf_counter(), time.process_time()
    sample, note = FITS[tool](train.copy(), table, epochs, seed, overrides)
    fit_s, fit_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    figures = {"tool": tool, "seed": seed, "fit_s": fit_s, "fit_cpu_s": fit_cpu_s,
               **score(table, train, holdout, sample(len(train)))}
    print(f"  {table.name:12s} {tool:14s} seed {seed}: fit {fit_s:7.1f} s (CPU {fit_cpu_s:.1f}), quality "
          f"{figures['quality']:.4f} (shapes {figures['shapes']:.3f}, trends {figures['trends']:.3f}), detection "
          f"{figures['detection']:.3f}, copies {figures['copies']:.3f} (holdout {figures['holdout_copies']:.3f}), DCR {figures['dcr_fake']:.3f} "
          f"(holdout {figures['dcr_holdout']:.3f}), closer to train {figures['closer']:.2f}   [{note}]", flush=True)
    return figures


def baseline_key(tool: str, table: str, seed: int, epochs: int | None, threads: int) -> str:
    """What a baseline's figures depend on: the tool and its version, the table, seed, epochs and threads."""
    from importlib.metadata import version

    package = {"ctgan": "ctgan", "gaussiancopula": "sdv", "tvae": "sdv"}[tool]
    return f"{tool} {package}={version(package)} {table} seed={seed} epochs={epochs or 'default'} threads={threads}"


def cached_baselines(path: Path) -> dict[str, dict]:
    """Earlier runs of the other tools (their code does not change with gankit's), by :func:`baseline_key`."""
    if not path.exists():
        return {}
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {entry["key"]: entry["figures"] for entry in entries}


def measure_or_reuse(tool: str, table: PanelTable, train: pd.DataFrame, holdout: pd.DataFrame, options: argparse.Namespace,
                     seed: int, cache: dict[str, dict]) -> dict | None:
    """gankit is always fitted; another tool's figures come from ``--baseline-cache`` when it has them (with
    ``--cached-only``, None when it does not: that tool is left out of the table's rows)."""
    if tool == "gankit" or options.baseline_cache is None:
        return measure(tool, table, train, holdout, options.epochs, seed, options.gankit_set)
    key = baseline_key(tool, table.name, seed, options.epochs, options.threads)
    if key in cache:
        figures = cache[key]
        print(f"  {table.name:12s} {tool:14s} seed {seed}: reused from {options.baseline_cache.name} (fit CPU "
              f"{figures['fit_cpu_s']:.1f} s, quality {figures['quality']:.4f})", flush=True)
        return figures
    if options.cached_only:
        print(f"  {table.name:12s} {tool:14s} seed {seed}: not in {options.baseline_cache.name}, left out (--cached-only)")
        return None
    figures = measure(tool, table, train, holdout, options.epochs, seed, options.gankit_set)
    with options.baseline_cache.open("a") as handle:
        handle.write(json.dumps({"key": key, "figures": figures}) + "\n")
    return figures


# -------------------------------------------------------------------------------------------- reports


def mean(runs: list[dict], key: str) -> float:
    return statistics.fmean(run[key] for run in runs)


def table_rows(name: str, results: dict[str, list[dict]]) -> list[str]:
    """Markdown rows for one table: one per tool, means over seeds (quality with its min-max)."""
    lines = []
    ctgan = results.get("ctgan")
    for tool, runs in results.items():
        ratio = f"{mean(runs, 'fit_s') / mean(ctgan, 'fit_s'):.2f}×" if ctgan else ""
        cpu_ratio = f"{mean(runs, 'fit_cpu_s') / mean(ctgan, 'fit_cpu_s'):.2f}×" if ctgan else ""
        qualities = [run["quality"] for run in runs]
        spread = f" ({min(qualities):.3f}-{max(qualities):.3f})" if len(runs) > 1 else ""
        lines.append(f"| {name} | {tool} | {len(runs)} | {mean(runs, 'fit_s'):.1f} | {mean(runs, 'fit_cpu_s'):.1f} | "
                     f"{ratio} | {cpu_ratio} | "
                     f"{mean(runs, 'quality'):.4f}{spread} | {mean(runs, 'shapes'):.3f} | {mean(runs, 'trends'):.3f} | "
                     f"{mean(runs, 'detection'):.3f} | {mean(runs, 'copies'):.3f} ({mean(runs, 'holdout_copies'):.3f}) | "
                     f"{mean(runs, 'dcr_fake'):.3f} | "
                     f"{mean(runs, 'dcr_holdout'):.3f} | {mean(runs, 'closer'):.2f} |")
    return lines


def summary(results: dict[str, dict[str, list[dict]]]) -> list[str]:
    """gankit against each other tool: median fit-time ratio and tables won on QualityReport (means)."""
    lines = []
    for other in (tool for tool in TOOLS if tool != "gankit"):
        both = {name: tools for name, tools in results.items() if {"gankit", other} <= tools.keys()}
        if not both:
            continue
        ratios = [mean(tools["gankit"], "fit_s") / mean(tools[other], "fit_s") for tools in both.values()]
        cpu_ratios = [mean(tools["gankit"], "fit_cpu_s") / mean(tools[other], "fit_cpu_s") for tools in both.values()]
        won = [name for name, tools in both.items() if mean(tools["gankit"], "quality") >= mean(tools[other], "quality")]
        lost = [f"{name} ({mean(tools['gankit'], 'quality') - mean(tools[other], 'quality'):+.3f})"
                for name, tools in both.items() if name not in won]
        lines.append(f"gankit vs {other}: median fit-time ratio {statistics.median(ratios):.2f}× wall, "
                     f"{statistics.median(cpu_ratios):.2f}× CPU over {len(both)} tables; QualityReport ≥ {other}'s on {len(won)} of {len(both)}"
                     + (f"; behind on {', '.join(lost)}" if lost else ""))
    return lines


def machine() -> str:
    import torch

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores (shared), torch {torch.__version__}, Python {platform.python_version()}"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("ctgan", "sdv", "sdmetrics"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", nargs="+", default=list(PANEL), choices=[*PANEL, *HELD_OUT], metavar="TABLE",
                        help=f"tables of the panel (default all: {', '.join(PANEL)}), or held out of the preset's "
                             f"tuning: {', '.join(HELD_OUT)}")
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--epochs", type=int, default=None, help="epochs for gankit, CTGAN and TVAE (default: each one's own)")
    parser.add_argument("--seeds", type=int, default=3, help="fits per tool and table, seeds 0, 1, ...")
    parser.add_argument("--quick", action="store_true", help=f"--epochs {QUICK_EPOCHS} --seeds 1 (a short run)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every fit")
    parser.add_argument("--gankit-set", nargs="*", default=[], metavar="KEY=VALUE", help="extra gankit overrides")
    parser.add_argument("--no-save", action="store_true", help=f"do not append to {RESULTS.name}")
    parser.add_argument("--baseline-cache", type=Path, nargs="?", const=BASELINE_CACHE, default=None, metavar="FILE",
                        help=f"reuse the other tools' figures from FILE (default {BASELINE_CACHE.name}) and add new ones to "
                             "it; gankit is always fitted anew")
    parser.add_argument("--cached-only", action="store_true",
                        help="with --baseline-cache: fit no other tool; one without cached figures is left out (means over "
                             "the seeds it has)")
    options = parser.parse_args(argv)
    if options.cached_only and options.baseline_cache is None:
        parser.error("--cached-only needs --baseline-cache")
    if options.quick:
        options.epochs = options.epochs or QUICK_EPOCHS
        options.seeds = 1
    return options


def main() -> None:
    import torch

    options = parse()
    torch.set_num_threads(options.threads)
    command = "python bench/tabular_panel.py " + shlex.join(sys.argv[1:])
    print(command, flush=True)
    results: dict[str, dict[str, list[dict]]] = {}
    cache = cached_baselines(options.baseline_cache) if options.baseline_cache else {}
    lines = [f"## {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "", f"`{command}`", "",
             f"Machine: {machine()}; {versions()}; {options.threads} torch thread(s); load before: "
             f"{os.getloadavg()[0]:.1f}. Means over seeds (QualityReport min-max); ratio = fit time / CTGAN's (wall; CPU: process CPU seconds, steadier on a shared machine).", "",
             "| table | tool | seeds | fit s | fit CPU s | ratio | CPU ratio | QualityReport | shapes | trends | "
             "LogisticDetection | exact copies (holdout) | DCR synth | DCR holdout | closer to train |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in options.tables:
        table = PANEL.get(name) or HELD_OUT[name]
        train, holdout = split(table.frame())
        runs = {tool: [measure_or_reuse(tool, table, train, holdout, options, seed, cache)
                       for seed in range(options.seeds)] for tool in options.tools}
        results[name] = {tool: [run for run in found if run] for tool, found in runs.items() if any(found)}
        lines += table_rows(name, results[name])
    lines += ["", *summary(results), f"load after: {os.getloadavg()[0]:.1f}", ""]
    print("\n".join(lines))
    if not options.no_save:
        with RESULTS.open("a") as handle:
            handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
