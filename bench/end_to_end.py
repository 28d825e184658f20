"""Benchmark: `gankit train d2l-gaussian` and `gankit train gaussian` end to end vs the chapter's script.

End to end means what the user waits for: a fresh process from start to exit, imports, data,
training, checkpoints, evaluation and figures included. The baseline is the chapter's script end to
end: bench/chapter_loop.py (the chapter's code as plain PyTorch, same weights as the chapter's
script, when present, beside the checkout at ../shared/seed/reference.py: an optional cross-check). The
target: each gankit command at most 0.5× the baseline's wall time, so that judging a run costs less than the book's
script takes to train without judging. gankit's time is split by phase (the status
lines of gankit.status), so the table shows where it goes.

    python bench/end_to_end.py [--repeats 3] [--threads 1]

Also printed: the floor, ``python -c "import torch"`` plus gankit's training phase, which the whole
job cannot go below whatever the rest costs.

Medians over --repeats fresh processes per command. Runs in a plain clone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINES = {"chapter_loop.py": REPO / "bench" / "chapter_loop.py",
             "reference.py": REPO.parent / "shared" / "seed" / "reference.py"}
GOAL = 0.5

DRIVER = """
import time
started = time.perf_counter()
import json, sys
from contextlib import contextmanager
import gankit.cli as cli
from gankit.process_exit import leave
from gankit.status import _Silent, show_phases
imported = time.perf_counter()
spans = []

@contextmanager
def timing(text, total=None, unit=""):
    begin = time.perf_counter()
    try:
        yield _Silent()
    finally:
        spans.append((text.split(":")[0].split(" ")[0], begin - started, time.perf_counter() - started))

cli.showing_phases = lambda quiet: show_phases(timing)
code = cli.run(sys.argv[1:])
print(json.dumps({"code": code, "import_cli": imported - started, "total": time.perf_counter() - started, "spans": spans}))
leave(code)  # as the `gankit` command ends (no interpreter teardown)
"""


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench/end_to_end.py: {' '.join(command)} failed: {done.stderr.strip()[-400:]}")
    return seconds, done.stdout


def gankit_run(preset: str, threads: int) -> dict:
    """One fresh `gankit train PRESET` process: its wall time and where the time went."""
    with tempfile.TemporaryDirectory() as folder:
        wall, stdout = timed([sys.executable, "-c", DRIVER, "train", preset, "--out", str(Path(folder) / "run"),
                              "--set", f"train.threads={threads}", "--json"])
    report = json.loads(stdout.strip().splitlines()[-1])
    phases: dict[str, float] = {"interpreter start and exit": wall - report["total"], "import gankit.cli": report["import_cli"]}
    covered = report["import_cli"]
    for name, begin, end in report["spans"]:
        phases[name] = phases.get(name, 0.0) + end - begin
        covered += end - begin
    phases["other (torch and library imports, printing)"] = report["total"] - covered
    phases["wall"] = wall
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="train.threads for gankit (the chapter's script uses torch's default)")
    args = parser.parse_args()
    baselines = {name: path for name, path in BASELINES.items() if path.is_file()}
    base_s = {name: statistics.median(timed([sys.executable, str(path)])[0] for _ in range(args.repeats))
              for name, path in baselines.items()}
    for name, seconds in base_s.items():
        print(f"baseline: python {name} (end to end), median of {args.repeats}: {seconds:.2f} s")
    reference = base_s["chapter_loop.py"]
    import_torch = statistics.median(timed([sys.executable, "-c", "import torch"])[0] for _ in range(args.repeats))
    print(f"python -c 'import torch', median of {args.repeats}: {import_torch:.2f} s")
    for preset in ("d2l-gaussian", "gaussian"):
        runs = [gankit_run(preset, args.threads) for _ in range(args.repeats)]
        phases = {name: statistics.median(run.get(name, 0.0) for run in runs) for name in runs[0]}
        wall = phases.pop("wall")
        print(f"\ngankit train {preset}: {wall:.2f} s end to end (median of {args.repeats}); "
              f"ratio to chapter_loop.py {wall / reference:.2f}× (goal ≤ {GOAL}×: {'met' if wall / reference <= GOAL else 'not met'})")
        for name, seconds in phases.items():
            print(f"  {name:46s} {seconds:6.2f} s  {seconds / wall:5.0%}")
        floor = import_torch + phases["training"]
        print(f"  floor: importing torch and the training phase alone take {floor:.2f} s, "
              f"{floor / reference:.2f}× the baseline (what no evaluation, figures or other imports could go below)")


if __name__ == "__main__":
    main()
