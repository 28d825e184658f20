"""Runs that survive: kill -9 and resume bit-identically, clean stops, divergence rollback, disk faults."""

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import gankit.train.loop as loop
from gankit import GAN
from gankit.cli import run
from gankit.runs.checkpoint_schedule import latest_checkpoint, step_checkpoints

RUN = ["d2l-gaussian", "--set", "train.epochs=6", "--set", "data.n=400", "--set", "checkpoint.every_steps=40",
       "--set", "eval.permutations=19", "--quiet"]


def _weights(folder: Path) -> list[torch.Tensor]:
    state = GAN.load(folder).state
    return [p.detach().clone() for net in (state.generator, state.discriminator) for p in net.parameters()]


def _losses(run_dir: Path) -> list[tuple[float, float]]:
    return [(r["d_loss"], r["g_loss"]) for r in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "run"
    assert run(["train", *RUN, "--out", str(out)]) == 0
    return out


def _assert_same_checkpoint(ours: Path, theirs: Path) -> None:
    """Every tensor of two checkpoints equal (RNG states included) and the same process-wide RNG states."""
    mine, other = load_file(ours / "tensors.safetensors"), load_file(theirs / "tensors.safetensors")
    assert mine.keys() == other.keys()
    unequal = [key for key in mine if not torch.equal(mine[key], other[key])]
    assert not unequal, f"tensors differ after resuming: {unequal}"
    rng = [json.loads((folder / "state.json").read_text())["global_rng"] for folder in (ours, theirs)]
    assert rng[0] == rng[1]


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gankit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_training(run_dir: Path, process: subprocess.Popen) -> None:
    """Until the run has written its first checkpoint after step 0 (or finished)."""
    deadline = time.time() + 120
    while process.poll() is None and time.time() < deadline:
        if len(step_checkpoints(run_dir)) > 1 or (run_dir / "metrics.jsonl").is_file():
            return
        time.sleep(0.05)


def test_sigkill_at_random_moments_then_resume_is_bit_identical(tmp_path, uninterrupted):
    """2 trials, each killed with SIGKILL at random moments until it finishes by resuming."""
    rng = random.Random(0)
    kills = 0
    for trial in range(2):
        out = tmp_path / f"trial{trial}"
        args = ["train", *RUN, "--out", str(out)]
        for attempt in range(6):
            process = _start(args)
            _wait_for_training(out, process)
            time.sleep(rng.uniform(0.0, 0.6))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait()
            if (out / "checkpoints/final/state.json").is_file() and process.returncode == 0:
                break
            args = ["train", "--resume", str(out), "--quiet"]
        else:
            process = _start(args)
            assert process.wait() == 0, process.stderr.read()
        for ours, theirs in zip(_weights(out / "checkpoints/final"), _weights(uninterrupted / "checkpoints/final")):
            assert torch.equal(ours, theirs)
        assert _losses(out) == _losses(uninterrupted)
        _assert_same_checkpoint(out / "checkpoints/final", uninterrupted / "checkpoints/final")
    print(f"\nkill/resume: 2 trials, {kills} SIGKILLs, all bit-identical")
    assert kills >= 2


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_clean_stop_writes_a_checkpoint_and_says_how_to_resume(tmp_path, uninterrupted, signum, code):
    out = tmp_path / "run"
    process = _start(["train", *RUN, "--out", str(out)])
    _wait_for_training(out, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert process.returncode == code
    assert f"Resume with: gankit train --resume {out}" in stderr and "Traceback" not in stderr
    assert run(["train", "--resume", str(out), "--quiet"]) == 0
    for ours, theirs in zip(_weights(out / "checkpoints/final"), _weights(uninterrupted / "checkpoints/final")):
        assert torch.equal(ours, theirs)


def _inject_nan(monkeypatch, at_steps: set[int] | None):
    """Make the D step's loss NaN at the given steps (every step from the first one when None)."""
    real_d_step = loop.d_step
    injected = []

    def d_step(state, real, fake, d_loss, penalty=None):
        value = real_d_step(state, real, fake, d_loss, penalty)
        if (at_steps is None and state.step >= 30) or (at_steps and state.step in at_steps and state.step not in injected):
            injected.append(state.step)
            return value * float("nan")
        return value

    monkeypatch.setattr(loop, "d_step", d_step)
    return injected


def test_nan_rolls_back_to_the_last_good_checkpoint_with_lower_lr(tmp_path, monkeypatch, cli):
    injected = _inject_nan(monkeypatch, {55, 130})
    out = tmp_path / "run"
    result = cli("train", *RUN, "--out", str(out))
    assert result.code == 0, result.stderr
    assert injected == [55, 130]
    final = GAN.load(out / "checkpoints/final")
    # the checkpoint at step 40 had lr 0.05 → 0.025; the one at step 120 carried 0.025 → 0.0125
    assert final.state.opt_d.lr == pytest.approx(0.0125) and final.state.opt_g.lr == pytest.approx(0.00125)
    assert len(_losses(out)) == 6 and all(np.isfinite(_losses(out)).ravel())


def test_persistent_nan_stops_after_max_retries_and_keeps_good_checkpoints(tmp_path, monkeypatch, cli):
    _inject_nan(monkeypatch, None)
    out = tmp_path / "run"
    result = cli("train", *RUN, "--set", "guard.max_retries=2", "--out", str(out))
    assert result.code == 3
    assert "training diverged (non-finite loss at step" in result.stderr and "2 rollback(s)" in result.stderr
    good = latest_checkpoint(out)
    assert good is not None and all(torch.isfinite(w).all() for w in _weights(good))


def test_full_disk_is_a_clear_error_and_earlier_checkpoints_stay_loadable(tmp_path, monkeypatch, cli):
    import gankit.train.checkpoint_format as checkpoint

    real_save = checkpoint.save_file
    calls = []

    def save_file(tensors, path):
        calls.append(path)
        if len(calls) >= 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_save(tensors, path)

    monkeypatch.setattr(checkpoint, "save_file", save_file)
    out = tmp_path / "run"
    result = cli("train", *RUN, "--out", str(out))
    assert result.code == 2 and "no space left on" in result.stderr and "the run is intact up to step 40" in result.stderr
    assert f"gankit train --resume {out}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    for _, folder in step_checkpoints(out):
        assert GAN.load(folder).state.step in (0, 40)
    assert not [p for p in (out / "checkpoints").iterdir() if p.name.startswith(".")]  # no half-written leftovers


def test_unwritable_run_directory_is_a_clear_error(tmp_path, cli):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("train", *RUN, "--out", str(blocker / "run"))
    assert result.code == 2 and "cannot create the run directory" in result.stderr


def test_resume_errors(tmp_path, cli):
    assert "run directory not found" in cli("train", "--resume", str(tmp_path / "none")).stderr
    (tmp_path / "empty").mkdir()
    result = cli("train", "--resume", str(tmp_path / "empty"))
    assert result.code == 2 and "no checkpoint to resume from" in result.stderr
    result = cli("train", "d2l-gaussian", "--resume", str(tmp_path / "empty"))
    assert result.code == 2 and "give no preset" in result.stderr
