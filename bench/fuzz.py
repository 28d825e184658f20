"""Fuzz gankit's inputs at length: many more examples than tests/test_fuzz.py runs in CI.

    PYTHONPATH=src nice -n 19 python bench/fuzz.py --examples 2000 --train-examples 100
    PYTHONPATH=src nice -n 19 python bench/fuzz.py --run-folders-only --run-folder-examples 10000

Drives the same strategies (tests/fuzz_inputs.py) and contract checks as the CI
tests, with random (not fixed) examples; prints the first failing example if any
(hypothesis shrinks it). Exit status 1 when the contract was broken. The run-folder
fuzzer damages one file of a finished run at a time (eval.json, metrics.jsonl,
config.toml, the checkpoint's state.json and tensors) and reads the folder as runs,
report, compare, view, sample and eval do (tests/fuzz_run_folders.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples for each loader test")
    parser.add_argument("--train-examples", type=int, default=50, help="examples run through `gankit train`")
    parser.add_argument("--run-folder-examples", type=int, default=10_000, help="damaged run-folder files")
    parser.add_argument("--run-folders-only", action="store_true", help="only the run-folder fuzzer")
    args = parser.parse_args()
    os.environ["GANKIT_FUZZ_EXAMPLES"] = str(args.examples)  # read by tests/test_fuzz.py; also makes them random
    os.environ["GANKIT_FUZZ_TRAIN_EXAMPLES"] = str(args.train_examples)
    os.environ["GANKIT_FUZZ_RUN_FOLDER_EXAMPLES"] = str(args.run_folder_examples)
    started = time.perf_counter()
    selection = ["-k", "damaged_run_folder"] if args.run_folders_only else []
    code = pytest.main([str(HERE.parent / "tests" / "test_fuzz.py"), "-q", "-p", "no:cacheprovider", "-x",
                        "--hypothesis-show-statistics", *selection])
    print(f"fuzzing took {time.perf_counter() - started:.0f} s; contract {'held' if code == 0 else 'BROKEN'}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
