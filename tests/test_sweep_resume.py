"""Sweeps that survive stops: SIGKILL or SIGTERM at any moment, then `gankit sweep --resume DIR` ends with the
same members as the uninterrupted sweep, bit for bit on CPU."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from gankit.cli import run

SWEEP = ["d2l-gaussian", "--seeds", "2", "--grid", "train.batch_size=8,16", "--set", "data.n=200", "--set",
         "train.epochs=4", "--set", "eval.permutations=19", "--set", "eval.n=40", "--no-plots", "--quiet"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "sweep"
    assert run(["sweep", *SWEEP, "--out", str(out)]) == 0
    return out


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gankit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_the_plan(out: Path, process: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while process.poll() is None and time.time() < deadline and not (out / "sweep.json").is_file():
        time.sleep(0.05)


def _assert_same_members(ours: Path, theirs: Path, count: int = 4) -> None:
    names = sorted(p.name for p in (theirs / "members").iterdir())
    assert sorted(p.name for p in (ours / "members").iterdir()) == names and len(names) == count
    for name in names:
        mine = load_file(ours / "members" / name / "checkpoints/final/tensors.safetensors")
        other = load_file(theirs / "members" / name / "checkpoints/final/tensors.safetensors")
        assert mine.keys() == other.keys() and all(torch.equal(mine[key], other[key]) for key in mine), name
        for file in ("eval.json", "metrics.jsonl"):
            if file == "metrics.jsonl":  # timings differ from run to run; the losses must not
                read = lambda path: [(r["d_loss"], r["g_loss"]) for r in map(json.loads, path.read_text().splitlines())]  # noqa: E731
            else:
                read = lambda path: json.loads(path.read_text())  # noqa: E731
            assert read(ours / "members" / name / file) == read(theirs / "members" / name / file), (name, file)
    assert not (ours / "trained").exists()


def test_sigkill_at_random_moments_then_resume_gives_the_same_members(tmp_path, uninterrupted):
    rng = random.Random(1)
    kills = 0
    for trial in range(2):
        out = tmp_path / f"trial{trial}"
        args = ["sweep", *SWEEP, "--out", str(out)]
        for attempt in range(5):
            process = _start(args)
            _wait_for_the_plan(out, process)
            time.sleep(rng.uniform(0.0, 2.0))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait()
            if process.returncode == 0:
                break
            args = ["sweep", "--resume", str(out), "--quiet"]
        else:
            process = _start(args)
            assert process.wait() == 0, process.stderr.read()
        _assert_same_members(out, uninterrupted)
    assert kills >= 2


MID_GROUP = ["d2l-gaussian", "--seeds", "2", "--set", "data.n=400", "--set", "train.batch_size=8", "--set",
             "train.epochs=3", "--set", "checkpoint.every_steps=4", "--set", "eval.permutations=19", "--set",
             "eval.n=40", "--no-plots", "--quiet"]


def _group_checkpoints(out: Path) -> int:
    return len(list((out / "progress").glob("*/checkpoints/step-*"))) if (out / "progress").is_dir() else 0


def test_sigkill_in_the_middle_of_a_group_resumes_from_its_checkpoints(tmp_path):
    """Kills land while the stacked group trains, after some of its checkpoints are written: each resume goes on
    from the newest checkpoint that both members have, and the sweep ends as the uninterrupted one."""
    whole = tmp_path / "whole"
    assert run(["sweep", *MID_GROUP, "--out", str(whole)]) == 0
    rng = random.Random(2)
    out = tmp_path / "killed"
    args = ["sweep", *MID_GROUP, "--out", str(out)]
    mid_group_kills = 0
    for attempt in range(4):
        process = _start(args)
        deadline = time.time() + 120
        while process.poll() is None and time.time() < deadline and _group_checkpoints(out) <= 2 * attempt:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            mid_group_kills += _group_checkpoints(out) > 0
        process.wait()
        if process.returncode == 0:
            break
        args = ["sweep", "--resume", str(out), "--quiet"]
    else:
        process = _start(args)
        assert process.wait() == 0, process.stderr.read()
    assert mid_group_kills >= 1
    _assert_same_members(out, whole, count=2)
    assert not (out / "progress").exists()


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_sweep_says_how_to_resume_and_resumes(tmp_path, uninterrupted, signum, code):
    out = tmp_path / "sweep"
    process = _start(["sweep", *SWEEP, "--out", str(out)])
    _wait_for_the_plan(out, process)
    time.sleep(0.3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the sweep finished before the signal arrived")
    assert process.returncode == code, stderr
    assert f"Resume with: gankit sweep --resume {out}" in stderr and "Traceback" not in stderr
    assert (out / "sweep.json").is_file()
    assert run(["sweep", "--resume", str(out), "--quiet"]) == 0
    _assert_same_members(out, uninterrupted)


def test_resume_errors_are_one_line(cli, tmp_path):
    (tmp_path / "bare").mkdir()
    for args, words in [(["--resume", str(tmp_path / "none")], "sweep directory not found"),
                        (["--resume", str(tmp_path / "bare")], "no sweep.json"),
                        (["d2l-gaussian", "--resume", str(tmp_path / "bare")], "give no preset"),
                        ([], "give a preset")]:
        result = cli("sweep", *args)
        assert result.code == 2 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    (tmp_path / "bare" / "sweep.json").write_text('{"groups": 3}')
    assert "damaged" in cli("sweep", "--resume", str(tmp_path / "bare")).stderr
