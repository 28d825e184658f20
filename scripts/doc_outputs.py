"""Output shown in README.md and the docs, produced by running what they show.

A generated region sits between two markers; what is between them is rewritten by ``--write`` and
compared by ``--check`` (and by ``tests/test_doc_outputs.py``)::

    <!-- output: gankit train d2l-gaussian -->
    ```text
    …what the command prints on stdout…
    ```
    <!-- end output -->

Kinds of region:

* ``output: gankit ARGS`` — the command's stdout, in a ``text`` block;
* ``output: python`` — the stdout of the ``python`` block just above the marker, in a ``text`` block;
* ``output: pass-table PRESET … --seeds N`` — a Markdown table: for each preset, how many of seeds
  0 … N−1 pass each two-sample test and the Holm-corrected verdict, from ``gankit sweep PRESET --seeds N``
  (sweep members train exactly as single runs with those seeds do; the verdict is each member's eval.json).

The commands of one file run in order, in one fresh folder holding a copy of ``examples/``, so
``runs/latest`` means what it means to a reader who runs them in order. Figures that depend on the machine
(examples per second, seconds) are masked in the comparison: the page names its machine and date.

    python scripts/doc_outputs.py --write README.md     # regenerate
    python scripts/doc_outputs.py --check README.md     # exit 1 and a diff on drift
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START = re.compile(r"^<!-- output: (.+?) -->$")
END = "<!-- end output -->"
WIDTH = "100"  # the terminal width the blocks are printed at
TESTS = ("mmd", "energy", "c2st_knn", "c2st_logistic")
VOLATILE = [
    (re.compile(r"\d+(\.\d+)? examples/sec"), "N examples/sec"),
    (re.compile(r"\b\d+(\.\d+)? s\b"), "N s"),
    (re.compile(r"\b\d+:\d\d:\d\d\b"), "H:MM:SS"),
]


@dataclass
class Region:
    """One generated region: the marker's line index, the end marker's, and what the marker asks for."""

    start: int
    end: int
    request: str
    code: str  # the python block above an ``output: python`` marker, else ""


def regions(lines: list[str]) -> list[Region]:
    found = []
    for i, line in enumerate(lines):
        match = START.match(line.strip())
        if not match:
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == END), None)
        if end is None:
            raise SystemExit(f"line {i + 1}: '{line.strip()}' has no '{END}' after it")
        found.append(Region(i, end, match.group(1), _python_above(lines, i) if match.group(1) == "python" else ""))
    return found


def _python_above(lines: list[str], marker: int) -> str:
    close = next(j for j in range(marker - 1, -1, -1) if lines[j].strip())
    if lines[close].strip() != "```":
        raise SystemExit(f"line {marker + 1}: 'output: python' must follow a ```python block")
    open_ = next(j for j in range(close - 1, -1, -1) if lines[j].startswith("```"))
    return "\n".join(lines[open_ + 1:close]) + "\n"


def run_gankit(args: list[str], folder: Path) -> str:
    return _stdout([sys.executable, "-m", "gankit", *args], folder, f"gankit {shlex.join(args)}")


def run_python(code: str, folder: Path) -> str:
    return _stdout([sys.executable, "-c", code], folder, "a python block")


def _stdout(argv: list[str], folder: Path, what: str) -> str:
    """What a command prints on stdout, run in ``folder``; a failure stops with its stderr."""
    completed = subprocess.run(argv, cwd=folder, env=_environment(), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{what} exited {completed.returncode}:\n{completed.stderr[-2000:]}")
    return completed.stdout


def pass_table(args: list[str], folder: Path) -> list[str]:
    """How many seeds pass each test, per preset: ``PRESET … --seeds N``."""
    seeds = int(args[args.index("--seeds") + 1]) if "--seeds" in args else 10
    presets = [arg for i, arg in enumerate(args) if arg != "--seeds" and (i == 0 or args[i - 1] != "--seeds")]
    rows = [f"| preset (seeds 0–{seeds - 1}) | {' | '.join(TESTS)} | verdict: indistinguishable |",
            "|---" * (len(TESTS) + 2) + "|"]
    for preset in presets:
        out = folder / "runs" / f"pass-table-{preset}"
        run_gankit(["sweep", preset, "--seeds", str(seeds), "--no-plots", "-q", "--out", str(out)], folder)
        with open(out / "members.csv", newline="") as file:
            members = list(csv.DictReader(file))
        passes = [sum(float(m[f"{test}_p"]) > 0.05 for m in members) for test in TESTS]
        verdicts = sum(not json.loads((out / "members" / m["member"] / "eval.json").read_text())["distinguishable"]
                       for m in members)
        rows.append(f"| `{preset}` | {' | '.join(f'{p}/{len(members)}' for p in passes)} | {verdicts}/{len(members)} |")
    return rows


def generate(region: Region, folder: Path) -> list[str]:
    """The lines that belong between a region's markers."""
    if region.request == "python":
        return _text_block(run_python(region.code, folder))
    words = shlex.split(region.request)
    if words[0] == "gankit":
        return _text_block(run_gankit(words[1:], folder))
    if words[0] == "pass-table":
        return pass_table(words[1:], folder)
    raise SystemExit(f"unknown output request '{region.request}' (gankit …, python, pass-table …)")


def regenerated(path: Path) -> tuple[list[str], list[str]]:
    """(the file's lines, the same with every region rerun)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fresh = list(lines)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        shutil.copytree(REPO / "examples", folder / "examples")
        bodies = [(region, generate(region, folder)) for region in regions(lines)]  # in the page's order
    for region, body in reversed(bodies):  # from the end, so earlier regions keep their line numbers
        fresh[region.start + 1:region.end] = body
    return lines, fresh


def masked(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        for pattern, replacement in VOLATILE:
            line = pattern.sub(replacement, line)
        out.append(line.rstrip())
    return out


def drift(path: Path) -> list[str]:
    """A unified diff of the file against a fresh run of its regions (volatile figures masked); empty if none."""
    lines, fresh = regenerated(path)
    return list(difflib.unified_diff(masked(lines), masked(fresh), f"{path} (as written)", f"{path} (as run)", lineterm=""))


def _text_block(stdout: str) -> list[str]:
    return ["```text", *[line.rstrip() for line in stdout.rstrip("\n").splitlines()], "```"]


def _environment() -> dict[str, str]:
    return {**os.environ, "COLUMNS": WIDTH, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rerun every region and rewrite the files")
    mode.add_argument("--check", action="store_true", help="rerun every region; exit 1 with a diff on drift")
    parser.add_argument("files", nargs="+", type=Path)
    options = parser.parse_args()
    status = 0
    for path in options.files:
        if options.write:
            _, fresh = regenerated(path)
            path.write_text("\n".join(fresh) + "\n", encoding="utf-8")
            print(f"wrote {path}")
        else:
            diff = drift(path)
            print("\n".join(diff) if diff else f"{path}: every output matches a fresh run")
            status |= bool(diff)
    return status


if __name__ == "__main__":
    sys.exit(main())
