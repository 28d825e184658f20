"""gankit's `tabular` preset vs CTGAN 0.12.1 on the same tables, same CPU, same thread count, one fit at a time.

Data: palmerpenguins ``load_penguins()`` (344 × 8, 19 missing cells in 11 rows) and statsmodels'
``datasets.fair`` (6,366 × 9, all float64). gankit takes each table as it is, NaN included; CTGAN refuses
NaN, so it alone is fitted on ``frame.dropna()`` (penguins: 333 rows; fair has no NaN).

Discrete columns, the same for both tools (gankit gets them as ``tabular.discrete=[...]``, CTGAN as
``discrete_columns``), and the same sdtypes in the SDMetrics metadata:
  penguins: species, island, sex (the object columns; year stays numerical for both);
  fair: rate_marriage (1-5 rating), religious (1-4 rating), occupation and occupation_husb (1-6 codes):
  the columns that are labels coded as small integers. age, yrs_married, children and educ are binned
  quantities (values such as 17.5, 22, 27 or 0.5, 2.5, 6) and affairs is continuous: numerical.

Each fit runs in its own child process (this script with ``--child``) that loads the data, sets the torch
thread count, fits, samples len(real) rows and reports: fit seconds (wall, each tool's data transform
included; also the child's CPU seconds, steadier than wall time on a shared machine), sample seconds, and
peak memory (VmHWM of the child, imports included). The parent scores the synthetic rows with SDMetrics
0.32: ``QualityReport`` (single table) and ``LogisticDetection``, both against the whole real table
(penguins: all 344 rows, NaN included), the same scorer for both tools. The
1-minute load average (as ``uptime`` shows it) is recorded before every fit: the machine is shared.

Threads: ``--threads`` (default 1). On this shared 2-core machine two torch threads per process run a
256-wide MLP step 20-30× slower than one thread whenever other processes keep the cores busy (measured
6.6 ms vs 174 ms per forward+backward at load ≈ 4), which would swamp the comparison; one thread for both
tools keeps the timings comparable.

Commands (run with the venv that has ctgan, sdmetrics, palmerpenguins, statsmodels and gankit):

    /tmp/benchenv/bin/python bench/tabular_vs_ctgan.py --tools ctgan            # CTGAN default (300 epochs)
    /tmp/benchenv/bin/python bench/tabular_vs_ctgan.py --tools gankit           # gankit's preset default
    /tmp/benchenv/bin/python bench/tabular_vs_ctgan.py --equal-epochs 100       # both tools at 100 epochs
    /tmp/benchenv/bin/python bench/tabular_vs_ctgan.py                          # both tools, defaults, one run
    /tmp/benchenv/bin/python bench/tabular_vs_ctgan.py --tools gankit --gankit-set train.epochs=100 model.pack=5

Each invocation prints a side-by-side table per data set and appends it, with the date, the command, the
machine and the load seen, to bench/results/tabular.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).parent / "results" / "tabular.md"
CTGAN_DEFAULT_EPOCHS = 300
DISCRETE = {
    "penguins": ["species", "island", "sex"],
    "fair": ["rate_marriage", "religious", "occupation", "occupation_husb"],
}


def load(name: str) -> pd.DataFrame:
    """The real table ``name`` as its package ships it (NaN kept)."""
    if name == "penguins":
        import palmerpenguins

        return palmerpenguins.load_penguins()
    import statsmodels.api as sm

    return sm.datasets.fair.load_pandas().data


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# ---------------------------------------------------------------------------------------------- child side


def fit_ctgan(real: pd.DataFrame, discrete: list[str], epochs: int, seed: int) -> tuple[object, float, float]:
    """Fit CTGAN on the NaN-free rows (it refuses NaN); return the model, fit wall and CPU seconds."""
    from ctgan import CTGAN

    started, cpu = time.perf_counter(), time.process_time()
    model = CTGAN(epochs=epochs)
    model.set_random_state(seed)
    model.fit(real.dropna(), discrete)
    return model, time.perf_counter() - started, time.process_time() - cpu


def fit_gankit(real: pd.DataFrame, discrete: list[str], epochs: int | None, seed: int,
               overrides: list[str]) -> tuple[object, float, float]:
    """Fit gankit's `tabular` preset on the table as it is; return the GAN, fit wall and CPU seconds."""
    from gankit import GAN

    names = ", ".join(json.dumps(column) for column in discrete)
    settings = ["train.threads=0", f"tabular.discrete=[{names}]"]  # threads=0: keep the child's torch setting
    settings += [f"train.epochs={epochs}"] if epochs is not None else []
    started, cpu = time.perf_counter(), time.process_time()
    gan = GAN("tabular", overrides=settings + overrides, seed=seed).fit(real)
    return gan, time.perf_counter() - started, time.process_time() - cpu


def child(spec: dict) -> None:
    """Fit, sample and time one tool on one data set; pickle the rows, print one JSON line of figures."""
    import torch

    torch.set_num_threads(spec["threads"])
    real, discrete = load(spec["data"]), DISCRETE[spec["data"]]
    if spec["tool"] == "ctgan":
        model, fit_s, fit_cpu_s = fit_ctgan(real, discrete, spec["epochs"], spec["seed"])
        started = time.perf_counter()
        fake = model.sample(len(real))
        epochs = spec["epochs"]
    else:
        model, fit_s, fit_cpu_s = fit_gankit(real, discrete, spec["epochs"], spec["seed"], spec["overrides"])
        started = time.perf_counter()
        fake = model.sample(len(real), seed=spec["seed"])
        epochs = model.config.train.epochs
    sample_s = time.perf_counter() - started
    fake.to_pickle(spec["out"])
    print(json.dumps({"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "sample_s": sample_s, "peak_mb": peak_mb(), "epochs": epochs}))


# --------------------------------------------------------------------------------------------- parent side


def metadata(frame: pd.DataFrame, discrete: list[str]) -> dict:
    """SDMetrics single-table metadata: the discrete columns categorical, the others numerical."""
    return {"columns": {c: {"sdtype": "categorical" if c in discrete else "numerical"} for c in frame.columns}}


def score(real: pd.DataFrame, fake: pd.DataFrame, discrete: list[str]) -> tuple[float, float]:
    """SDMetrics' QualityReport score and LogisticDetection of ``fake`` against ``real``."""
    from sdmetrics.reports.single_table import QualityReport
    from sdmetrics.single_table import LogisticDetection

    meta = metadata(real, discrete)
    report = QualityReport()
    report.generate(real, fake[real.columns], meta, verbose=False)
    return float(report.get_score()), float(LogisticDetection.compute(real, fake[real.columns], meta))


def measure(tool: str, data: str, epochs: int | None, seed: int, threads: int, overrides: list[str]) -> dict:
    """One fit in a fresh child process, scored here: the child's figures plus load, quality, detection."""
    with tempfile.TemporaryDirectory() as folder:
        spec = {"tool": tool, "data": data, "epochs": epochs, "seed": seed, "threads": threads,
                "overrides": overrides, "out": str(Path(folder) / "fake.pkl")}
        load_before = os.getloadavg()[0]
        done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{tool} on {data} failed:\n{done.stderr[-3000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        fake = pd.read_pickle(spec["out"])
    quality, detection = score(load(data), fake, DISCRETE[data])
    figures.update(tool=tool, data=data, seed=seed, load=load_before, quality=quality, detection=detection)
    print(f"  {tool:6s} {data:8s} seed {seed} epochs {figures['epochs']}: fit {figures['fit_s']:.1f} s "
          f"(CPU {figures['fit_cpu_s']:.1f} s), "
          f"quality {quality:.4f}, detection {detection:.4f} (load {load_before:.2f})", flush=True)
    return figures


def mean_of(runs: list[dict], key: str) -> float:
    return sum(run[key] for run in runs) / len(runs)


def spread(runs: list[dict], key: str, digits: int) -> str:
    """Mean of ``key`` over the runs, with min-max when there are several."""
    text = f"{mean_of(runs, key):.{digits}f}"
    if len(runs) > 1:
        text += f" ({min(r[key] for r in runs):.{digits}f}-{max(r[key] for r in runs):.{digits}f})"
    return text


def table(data: str, groups: list[tuple[str, str, list[dict]]]) -> list[str]:
    """Markdown rows for one data set: one per (tool, setting) group, then fit-time ratios gankit/CTGAN."""
    lines = [f"**{data}**", "",
             "| tool | setting | epochs | fit s | fit CPU s | sample s | peak MB | QualityReport | LogisticDetection | load |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for tool, setting, runs in groups:
        lines.append(f"| {tool} | {setting} | {runs[0]['epochs']} | {spread(runs, 'fit_s', 1)} | {spread(runs, 'fit_cpu_s', 1)} | "
                     f"{spread(runs, 'sample_s', 2)} | {mean_of(runs, 'peak_mb'):.0f} | {spread(runs, 'quality', 4)} | "
                     f"{spread(runs, 'detection', 4)} | {spread(runs, 'load', 1)} |")
    by_setting: dict[str, dict[str, list[dict]]] = {}
    for tool, setting, runs in groups:
        by_setting.setdefault(setting.split(":")[0], {})[tool] = runs
    for setting, tools in by_setting.items():
        if {"gankit", "ctgan"} <= tools.keys():
            wall, cpu = (mean_of(tools["gankit"], key) / mean_of(tools["ctgan"], key) for key in ("fit_s", "fit_cpu_s"))
            gap = mean_of(tools["gankit"], "quality") - mean_of(tools["ctgan"], "quality")
            lines.append(f"| gankit / CTGAN | {setting} | | **{wall:.2f}×** | {cpu:.2f}× | | | {gap:+.4f} | | |")
    defaults = by_setting.get("default", {})
    if {"gankit", "ctgan"} <= defaults.keys():
        lines += ["", goal_verdict(defaults["gankit"], defaults["ctgan"])]
    return lines + [""]


def goal_verdict(gankit: list[dict], ctgan: list[dict]) -> str:
    """The target at default settings: fit ≤ 0.5× CTGAN's (wall time, means) and QualityReport ≥ CTGAN's."""
    ratio = mean_of(gankit, "fit_s") / mean_of(ctgan, "fit_s")
    gap = mean_of(gankit, "quality") - mean_of(ctgan, "quality")
    met = ratio <= 0.5 and gap >= 0
    return (f"Goal (fit ≤ 0.5× CTGAN's, QualityReport ≥ CTGAN's, means): **{'met' if met else 'missed'}** "
            f"(fit {ratio:.2f}×, quality {gap:+.4f})")


def plan(options: argparse.Namespace) -> list[tuple[str, str, int | None]]:
    """The (tool, setting label, epochs) fits to run, in order: defaults first, then equal epochs."""
    extra = " ".join(options.gankit_set)
    gankit_label = f"default{': ' + extra if extra else ''}"
    runs = []
    if not options.only_equal:
        runs += [("ctgan", "default", options.ctgan_epochs), ("gankit", gankit_label, options.gankit_epochs)]
    if options.equal_epochs:
        label = f"equal {options.equal_epochs}"
        runs += [("ctgan", label, options.equal_epochs),
                 ("gankit", f"{label}{': ' + extra if extra else ''}", options.equal_epochs)]
    return [run for run in runs if run[0] in options.tools]


def machine() -> str:
    """CPU model, core count and torch version, for the results file."""
    import torch

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores (shared), torch {torch.__version__}, Python {platform.python_version()}"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["penguins", "fair"], choices=sorted(DISCRETE))
    parser.add_argument("--tools", nargs="+", default=["ctgan", "gankit"], choices=["ctgan", "gankit"])
    parser.add_argument("--ctgan-epochs", type=int, default=CTGAN_DEFAULT_EPOCHS, help="CTGAN's default: 300")
    parser.add_argument("--gankit-epochs", type=int, default=None, help="default: the tabular preset's train.epochs")
    parser.add_argument("--equal-epochs", type=int, default=None, metavar="E", help="also fit both tools at E epochs")
    parser.add_argument("--only-equal", action="store_true", help="with --equal-epochs: skip the default settings")
    parser.add_argument("--gankit-set", nargs="*", default=[], metavar="KEY=VALUE", help="more gankit overrides")
    parser.add_argument("--seed", type=int, default=0, help="first seed (CTGAN: set_random_state)")
    parser.add_argument("--repeats", type=int, default=1, help="fits per setting, seeds seed, seed+1, ...")
    parser.add_argument("--threads", type=int, default=1, help="torch threads in each child (the same for both)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


NEEDS = ("ctgan", "sdmetrics", "palmerpenguins", "statsmodels")


def main() -> None:
    options = parse()
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(f"bench/tabular_vs_ctgan.py needs {', '.join(NEEDS)}: pip install {' '.join(missing)}")
    if options.child:
        child(json.loads(options.child))
        return
    command = "/tmp/benchenv/bin/python bench/tabular_vs_ctgan.py " + shlex.join(sys.argv[1:])
    print(f"{command}\nload before: {os.getloadavg()[0]:.2f}", flush=True)
    results: dict[tuple[str, str, str], list[dict]] = {}
    for tool, setting, epochs in plan(options):  # one tool on every data set, then the next
        overrides = options.gankit_set if tool == "gankit" else []
        for data in options.datasets:
            results[(data, tool, setting)] = [measure(tool, data, epochs, options.seed + k, options.threads, overrides)
                                              for k in range(options.repeats)]
    lines = [f"## {datetime.datetime.now():%Y-%m-%d %H:%M}", "", f"`{command}`", "",
             f"Machine: {machine()}; {options.threads} torch thread(s) per fit; 'load' = 1-min load average "
             "before each fit; ranges are min-max over seeds.", ""]
    for data in options.datasets:
        groups = [(tool, setting, runs) for (d, tool, setting), runs in results.items() if d == data]
        lines += table(data, groups)
    print("\n".join(lines))
    with RESULTS.open("a") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
