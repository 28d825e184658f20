"""`gankit train tabular` through the CLI against the same fit through the Python API, on a 20,000-row table.

The table: the first 20,000 rows of the panel's largest table, Ecdat/HI (bench/panel_tables.py), written to a
CSV in a temporary folder. Both runs use the `tabular` preset with the same epochs (``--epochs``, default 10),
one torch thread, the same seed, each in a fresh process:

* API: ``GAN("tabular", overrides=[...]).fit(frame)``, the frame read with ``gankit.data.frame_io.read_frame``
  as the CLI reads it;
* CLI: ``python -m gankit train tabular --data table.csv --set ... --out RUN -q``, which also writes
  checkpoints, metrics.jsonl, evaluates and draws its figures.

Per epoch, wall: the training loop's own cumulative ``elapsed`` (GAN.history in the API, metrics.jsonl in
the CLI) divided by the epochs: the loop with whatever runs between epochs (the CLI's checkpoints every
``checkpoint.every_epochs`` and its metrics line). Then each run once more under cProfile with a CPU-time
clock (steady on a shared machine, where wall time swings with the load): the CPU seconds per epoch of
``run_epoch`` (with the CLI's checkpoints added), and the share of the process's CPU time spent in each
phase: reading the table, inferring kinds and fitting the transformer, encoding, the training epochs,
checkpoints, the evaluation and the figures (the rest: start-up, imports, config). cProfile slows
Python-heavy code alike in both runs.

    nice -n 19 python bench/tabular_cli_vs_api.py --epochs 10
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from panel_tables import PANEL  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ROWS = 20_000
PHASES = {  # phase → the (file, function) pairs whose cumulative time it is; none of them recurses
    "read table": (("frame_io.py", "read_frame"),),
    "kinds + transformer fit": (("table_encoding.py", "fit_transformer"),),
    "encode rows": (("table_encoding.py", "encode_frame"),),
    "training epochs": (("loop.py", "run_epoch"),),
    "checkpoints": (("job.py", "_save"),),
    "evaluation": (("job.py", "evaluate_run"),),
    "figures": (("job.py", "draw_figures"),),
}
PROFILE_CODE = """
import cProfile, runpy, sys, time
out, target, *rest = sys.argv[1:]
sys.argv = [target, *rest]
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    if target == "gankit":  # the CLI's own run(), not its entry point, which ends with os._exit (no profile dump)
        from gankit.cli import run
        code = run(rest)
        if code:
            raise SystemExit(code)
    else:
        runpy.run_path(target, run_name="__main__")
except SystemExit as stop:
    if stop.code not in (None, 0):
        raise
finally:
    profile.disable()
    profile.dump_stats(out)
"""
API_CODE = """
import json, sys, time, torch, pandas as pd
torch.set_num_threads(1)
from gankit import GAN
from gankit.data.frame_io import read_frame
frame = read_frame(sys.argv[1])
started = time.perf_counter()
gan = GAN("tabular", overrides=["train.threads=1", f"train.epochs={sys.argv[2]}"], seed=0).fit(frame)
print(json.dumps({"fit_s": time.perf_counter() - started, "elapsed": gan.history[-1].elapsed}))
"""


def run(command: list[str]) -> tuple[float, str]:
    """Run ``command`` from the repository root with this checkout's gankit; its wall seconds and stdout."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def cli_command(csv: Path, epochs: int, out: Path) -> list[str]:
    return ["-m", *cli_arguments(csv, epochs, out)]


def cli_arguments(csv: Path, epochs: int, out: Path) -> list[str]:
    return ["gankit", "train", "tabular", "--data", str(csv), "--set", f"train.epochs={epochs}",
            "--set", "train.threads=1", "--seed", "0", "--out", str(out), "-q"]


def shares(profile: Path) -> dict[str, float]:
    """Seconds per phase in a cProfile dump, and the profile's total."""
    stats = pstats.Stats(str(profile)).stats
    seconds = {phase: sum(entry[3] for (path, _, name), entry in stats.items()
                          if any(path.endswith(file) and name == function for file, function in functions))
               for phase, functions in PHASES.items()}
    seconds["total"] = sum(entry[2] for entry in stats.values())  # every function's own time
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--parts", nargs="+", default=["plain", "profiled"], choices=["plain", "profiled"],
                        help="the plain runs (wall per epoch), the CPU-profiled runs (phase shares), or both")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "hi20k.csv"
        PANEL["hi"].frame().iloc[:ROWS].to_csv(csv, index=False)
        script = Path(folder) / "api_fit.py"
        script.write_text(API_CODE)
        print(f"{ROWS} rows of Ecdat/HI, {options.epochs} epochs, 1 thread", flush=True)
        if "plain" in options.parts:
            plain(csv, script, Path(folder), options.epochs)
        if "profiled" in options.parts:
            profiled(csv, script, Path(folder), options.epochs)


def plain(csv: Path, script: Path, folder: Path, epochs: int) -> None:
    """Wall seconds per epoch through the API and through the CLI."""
    api_wall, out = run([sys.executable, str(script), str(csv), str(epochs)])
    api = json.loads(out.strip().splitlines()[-1])
    cli_wall, _ = run([sys.executable, *cli_command(csv, epochs, folder / "run")])
    lines = (folder / "run" / "metrics.jsonl").read_text().splitlines()
    cli_elapsed = json.loads(lines[-1])["elapsed"]
    print(f"API: per epoch {api['elapsed'] / epochs:.3f} s (fit {api['fit_s']:.1f} s, process {api_wall:.1f} s)")
    print(f"CLI: per epoch {cli_elapsed / epochs:.3f} s (process {cli_wall:.1f} s)")
    print(f"CLI / API per epoch: {cli_elapsed / api['elapsed']:.2f}×", flush=True)


def profiled(csv: Path, script: Path, folder: Path, epochs: int) -> None:
    """CPU seconds per epoch and each phase's share of the process's CPU time, API and CLI."""
    api_profile, cli_profile = folder / "api.prof", folder / "cli.prof"
    profiler = folder / "profile_cpu.py"
    profiler.write_text(PROFILE_CODE)
    run([sys.executable, str(profiler), str(api_profile), str(script), str(csv), str(epochs)])
    run([sys.executable, str(profiler), str(cli_profile), *cli_arguments(csv, epochs, folder / "run-cpu")])
    per_epoch = {}
    for name, profile in (("API", api_profile), ("CLI", cli_profile)):
        seconds = shares(profile)
        per_epoch[name] = (seconds["training epochs"] + seconds["checkpoints"]) / epochs
        rest = seconds["total"] - sum(value for phase, value in seconds.items() if phase != "total")
        parts = [f"{phase} {value:.1f} s ({value / seconds['total']:.0%})"
                 for phase, value in seconds.items() if phase != "total" and value > 0]
        print(f"{name} CPU (cProfile), {seconds['total']:.1f} s: {', '.join(parts)}, "
              f"rest (start-up, imports, config) {rest:.1f} s ({rest / seconds['total']:.0%}); "
              f"per epoch with checkpoints {per_epoch[name]:.3f} CPU s")
    print(f"CLI / API CPU per epoch: {per_epoch['CLI'] / per_epoch['API']:.2f}×")


if __name__ == "__main__":
    main()
