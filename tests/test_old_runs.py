"""Run directories written by an earlier gankit still resume, sample and evaluate, byte for byte.

``tests/fixtures/old_runs/`` holds three small runs (rows, a mixed table, images) made by the
code before the data kinds had their own modules, each cut back to its first step checkpoint,
and what the uninterrupted run produced: the final weights' SHA-256, its eval.json and the
output of ``gankit sample -n N --seed 3``. Resuming must reproduce them exactly. The runs were made on
this project's 2-core CPU machine, where PyTorch's default is 2 threads; the table preset trains with
PyTorch's default (``train.threads = 0``) and its sums depend on the thread count, so the test pins 2.
The table metrics have since changed how they count datetimes (in microseconds), which moves a few of the
table's eval.json numbers in their last digits: its eval.json is compared key by key, numbers to 1e-12.
The images' eval.json scores the samples in the digit classifier's feature space, whose CPU kernels sum in a
different order where PyTorch dispatches AVX-512 rather than AVX2 (the runs were made on an AVX2 machine; on an
AVX-512 one the statistics move by about 1e-7 relative, the weights not at all): its numbers are compared to 1e-6,
every other value exactly.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

FIXTURES = Path(__file__).parent / "fixtures" / "old_runs"
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"d2l": ("samples.csv", 7), "table": ("samples.csv", 7), "images": ("samples.npz", 4)}


@pytest.fixture
def two_threads():
    """PyTorch's thread count as when the runs were made, restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _copy_run(name: str, tmp_path: Path) -> Path:
    run_dir = tmp_path / name
    shutil.copytree(FIXTURES / name, run_dir, ignore=shutil.ignore_patterns("expected"))
    return run_dir


EVAL_TOLERANCE = {"table": 1e-12, "images": 1e-6}  # relative, for eval.json's numbers (module docstring)


def _same_eval(got: Path, want: Path, name: str) -> None:
    """eval.json byte for byte; the table's and the images' key by key, numbers to their tolerance."""
    if name not in EVAL_TOLERANCE:
        assert got.read_bytes() == want.read_bytes()
        return
    assert _close(json.loads(got.read_text()), json.loads(want.read_text()), EVAL_TOLERANCE[name])


def _close(got, want, tolerance: float) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(_close(got[k], want[k], tolerance) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(_close(g, w, tolerance) for g, w in zip(got, want))
    if isinstance(want, float) and isinstance(got, float):
        return math.isclose(got, want, rel_tol=tolerance, abs_tol=1e-12)
    return got == want


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["d2l", "table", "images"])
def test_an_old_run_resumes_to_the_same_weights_and_eval(name, tmp_path, monkeypatch, cli, two_threads):
    monkeypatch.chdir(ROOT)  # the table run names its data as examples/people.csv
    run_dir = _copy_run(name, tmp_path)
    expected = FIXTURES / name / "expected"
    result = cli("train", "--resume", str(run_dir), "--quiet")
    assert result.code == 0, result.stderr
    assert _sha256(run_dir / "checkpoints" / "final" / "tensors.safetensors") == (expected / "final.sha256").read_text().split()[0]
    _same_eval(run_dir / "eval.json", expected / "eval.json", name)

    (run_dir / "eval.json").unlink()
    assert cli("eval", str(run_dir), "--quiet").code == 0
    _same_eval(run_dir / "eval.json", expected / "eval.json", name)

    file_name, n = SAMPLES[name]
    output = tmp_path / file_name
    assert cli("sample", str(run_dir), "-n", str(n), "--seed", "3", "-o", str(output)).code == 0
    if output.suffix == ".npz":
        with np.load(output) as got, np.load(expected / file_name) as want:
            assert sorted(got.files) == sorted(want.files)
            for key in want.files:
                np.testing.assert_array_equal(got[key], want[key])
    else:
        assert output.read_bytes() == (expected / file_name).read_bytes()
