"""Data-parallel training under torchrun (gloo on CPU): equivalence, resume, faults, sweeps over processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from gankit import GAN
from gankit.cli import run
from gankit.train.distributed import Ranks, shard

SMALL = ["--set", "data.n=160", "--set", "train.epochs=2", "--set", "eval.permutations=19", "--quiet"]
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPU cores")


def _params(run_dir: Path, ema: bool = False) -> list[torch.Tensor]:
    state = GAN.load(run_dir / "checkpoints/final").state
    nets = [state.generator, state.discriminator] + ([state.generator_ema] if ema else [])
    return [p.detach() for net in nets for p in net.parameters()]


def test_shard_takes_this_ranks_contiguous_part():
    batch = torch.arange(12.0).reshape(6, 2)
    assert torch.equal(shard(batch, Ranks(1, 3)), batch[2:4])
    assert shard(batch, Ranks()) is batch
    assert torch.equal(shard(torch.zeros(2, 6, 1), Ranks(0, 2), dim=1), torch.zeros(2, 3, 1))


@needs_two_cores
@pytest.mark.parametrize("extra", [
    [],
    ["train.r1_gamma=1", "train.n_critic=2", "train.same_z=false", "train.instance_noise=0.3",
     "model.latent_categories=2", "train.ema_decay=0.9"],
])
def test_two_ranks_with_batch_b_equal_one_process_with_batch_2b(tmp_path, extra):
    settings = sum((["--set", s] for s in extra), [])
    assert run(["train", "d2l-gaussian", *SMALL, *settings, "--set", "train.batch_size=8", "--nproc", "2",
                "--out", str(tmp_path / "ddp")]) == 0
    assert run(["train", "d2l-gaussian", *SMALL, *settings, "--set", "train.batch_size=16", "--out", str(tmp_path / "one")]) == 0
    for ours, theirs in zip(_params(tmp_path / "ddp", ema=bool(extra)), _params(tmp_path / "one", ema=bool(extra))):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
    # rank 0 alone wrote the run directory, with losses averaged over the ranks
    ddp_lines = (tmp_path / "ddp/metrics.jsonl").read_text().splitlines()
    one_lines = (tmp_path / "one/metrics.jsonl").read_text().splitlines()
    assert len(ddp_lines) == len(one_lines) == 2
    import json
    np.testing.assert_allclose([json.loads(x)["d_loss"] for x in ddp_lines], [json.loads(x)["d_loss"] for x in one_lines], rtol=1e-4)
    assert (tmp_path / "ddp/eval.json").is_file() and (tmp_path / "ddp/plots/samples.png").is_file()


def _torchrun(out: Path, restarts: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
               f"--max-restarts={restarts}", "-m", "gankit", "train", "d2l-gaussian", "--set", "train.epochs=12",
               "--set", "data.n=400", "--set", "checkpoint.every_steps=20", "--set", "eval.permutations=19",
               "--out", str(out), "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_rank(process: subprocess.Popen, out: Path, rank: int) -> None:
    """SIGKILL the worker of ``rank`` once the run has written a few checkpoints."""
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "checkpoints").glob("step-*")) if (out / "checkpoints").is_dir() else []) < 3:
        time.sleep(0.05)
    for pid in (int(d) for d in os.listdir("/proc") if d.isdigit()):
        try:
            if open(f"/proc/{pid}/stat").read().split()[3] != str(process.pid):
                continue
            if f"RANK={rank}".encode() in open(f"/proc/{pid}/environ", "rb").read().split(b"\0"):
                os.kill(pid, signal.SIGKILL)
                return
        except OSError:
            continue
    raise AssertionError("worker not found")


@needs_two_cores
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
def test_a_dead_rank_stops_the_others_and_the_run_resumes_exactly(tmp_path):
    whole = _torchrun(tmp_path / "whole", 0)
    _, stderr = whole.communicate(timeout=300)
    assert whole.returncode == 0, stderr[-2000:]
    # Kill rank 1 with no restarts: rank 0 stops within seconds, naming itself; the checkpoints stay loadable.
    dead = _torchrun(tmp_path / "dead", 0)
    _kill_rank(dead, tmp_path / "dead", 1)
    started = time.time()
    _, stderr = dead.communicate(timeout=120)
    assert dead.returncode != 0 and time.time() - started < 60
    # torchrun's report names the rank that died; rank 0 adds its own line when it notices first
    root_cause = stderr[stderr.index("Root Cause"):]
    assert "rank      : 1" in root_cause and "SIGKILL" in root_cause
    from gankit.train.checkpointing import latest_checkpoint
    assert GAN.load(latest_checkpoint(tmp_path / "dead")).state.step > 0
    # Resumed with the same world size, the killed run ends as the uninterrupted run.
    import shutil
    shutil.copytree(tmp_path / "dead", tmp_path / "dead-copy")
    assert run(["train", "--resume", str(tmp_path / "dead"), "--nproc", "2", "--quiet"]) == 0
    for ours, theirs in zip(_params(tmp_path / "dead"), _params(tmp_path / "whole")):
        assert torch.equal(ours, theirs)
    # Resuming the killed run in one process works, with a notice that the data order changes.
    result = subprocess.run([sys.executable, "-m", "gankit", "train", "--resume", str(tmp_path / "dead-copy"), "--quiet"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "trained with 2 rank(s) and resumes with 1" in result.stderr


@needs_two_cores
def test_sweep_over_processes_equals_the_vectorized_sweep(cli, tmp_path):
    args = ["sweep", "d2l-gaussian", "--seeds", "4", "--set", "data.n=160", "--set", "train.epochs=2", "--no-eval", "--quiet"]
    assert cli(*args, "--nproc", "2", "--out", str(tmp_path / "p")).code == 0
    assert cli(*args, "--out", str(tmp_path / "v")).code == 0
    for name in ("000-seed0", "003-seed3"):
        a, b = (GAN.load(tmp_path / f / "members" / name / "checkpoints/final") for f in ("p", "v"))
        np.testing.assert_allclose(a.sample(10, seed=0), b.sample(10, seed=0), rtol=1e-4, atol=1e-5)
    assert (tmp_path / "p/summary.csv").is_file()
    assert cli(*args, "--nproc", "0", "--out", str(tmp_path / "x")).code == 2


def test_bad_nproc_is_one_line(cli):
    result = cli("train", "d2l-gaussian", "--nproc", "0")
    assert result.code == 2 and "--nproc must be at least 1" in result.stderr
