"""Data-parallel training under torchrun (gloo on CPU): equivalence, resume, faults, sweeps over processes."""

import copy
import json
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
def test_two_ranks_with_batch_b_equal_one_process_with_batch_2b(tmp_path):
    # every feature that draws or steps differently per batch (the defaults: the image test below)
    extra = ["train.r1_gamma=1", "train.n_critic=2", "train.same_z=false", "train.instance_noise=0.3",
             "model.latent_categories=2", "train.ema_decay=0.9"]
    settings = sum((["--set", s] for s in extra), [])
    assert run(["train", "d2l-gaussian", *SMALL, *settings, "--set", "train.batch_size=8", "--nproc", "2",
                "--out", str(tmp_path / "ddp")]) == 0
    assert run(["train", "d2l-gaussian", *SMALL, *settings, "--set", "train.batch_size=16", "--out", str(tmp_path / "one")]) == 0
    for ours, theirs in zip(_params(tmp_path / "ddp", ema=True), _params(tmp_path / "one", ema=True)):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
    # rank 0 alone wrote the run directory, with losses averaged over the ranks
    ddp_lines = (tmp_path / "ddp/metrics.jsonl").read_text().splitlines()
    one_lines = (tmp_path / "one/metrics.jsonl").read_text().splitlines()
    assert len(ddp_lines) == len(one_lines) == 2
    np.testing.assert_allclose([json.loads(x)["d_loss"] for x in ddp_lines], [json.loads(x)["d_loss"] for x in one_lines], rtol=1e-4)
    assert (tmp_path / "ddp/eval.json").is_file() and (tmp_path / "ddp/plots/samples.png").is_file()


def _state(run_dir: Path) -> dict[str, torch.Tensor]:
    state = GAN.load(run_dir / "checkpoints/final").state
    return {f"{name}.{key}": value for name, net in (("G", state.generator), ("D", state.discriminator))
            for key, value in net.state_dict().items()}


@needs_two_cores
def test_image_gan_with_batch_norm_two_ranks_equal_one_process(tmp_path):
    # digits-tiny: DCGAN with BatchNorm in G and D; 1,797 digits, so whole batches only for both runs
    settings = ["--set", "train.epochs=1", "--set", "train.drop_last=true", "--set", "eval.permutations=19",
                "--set", "eval.n=100", "--quiet"]
    assert run(["train", "digits-tiny", *settings, "--set", "train.batch_size=16", "--nproc", "2",
                "--out", str(tmp_path / "ddp")]) == 0
    assert run(["train", "digits-tiny", *settings, "--set", "train.batch_size=32", "--out", str(tmp_path / "one")]) == 0
    ours, theirs = _state(tmp_path / "ddp"), _state(tmp_path / "one")
    assert ours.keys() == theirs.keys() and "D.features.1.running_var" in ours
    for key in ours:  # weights and BatchNorm running statistics alike
        torch.testing.assert_close(ours[key], theirs[key], rtol=1e-4, atol=1e-5, msg=lambda text: f"{key}: {text}")


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


needs_proc = pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")


@needs_two_cores
@needs_proc
def test_a_dead_rank_stops_the_others_and_the_run_resumes_with_another_world_size(tmp_path, cli):
    # Kill rank 1 with no restarts: rank 0 stops within seconds, naming itself; the checkpoints stay loadable.
    dead = _torchrun(tmp_path / "dead", 0)
    _kill_rank(dead, tmp_path / "dead", 1)
    started = time.time()
    _, stderr = dead.communicate(timeout=120)
    assert dead.returncode != 0 and time.time() - started < 60
    # torchrun's report names the rank that died; rank 0 adds its own line when it notices first
    root_cause = stderr[stderr.index("Root Cause"):]
    assert "rank      : 1" in root_cause and "SIGKILL" in root_cause
    from gankit.runs.checkpoint_schedule import latest_checkpoint
    assert GAN.load(latest_checkpoint(tmp_path / "dead")).state.step > 0
    # Resuming the killed run in one process works, with a notice that the data order changes
    # (resuming exactly with the same world size: the restart test below).
    result = cli("train", "--resume", str(tmp_path / "dead"), "--quiet")
    assert result.code == 0 and "trained with 2 rank(s) and resumes with 1" in result.stderr
    assert (tmp_path / "dead/checkpoints/final").is_dir()


@needs_two_cores
@needs_proc
def test_torchrun_restarts_a_killed_rank_and_the_run_continues_exactly_from_its_checkpoint(tmp_path):
    whole, job = _torchrun(tmp_path / "whole", 0), _torchrun(tmp_path / "run", 1)  # at once: less waiting
    _kill_rank(job, tmp_path / "run", 1)
    _, stderr = whole.communicate(timeout=300)
    assert whole.returncode == 0, stderr[-2000:]
    _, stderr = job.communicate(timeout=300)
    # rank 1 died (torchrun reports it), yet the job succeeded: the agent restarted both ranks
    assert job.returncode == 0 and "exitcode: -9" in stderr, stderr[-2000:]
    epochs = [json.loads(line)["epoch"] for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    assert epochs == list(range(1, 13))  # every epoch logged once: lines past the checkpoint were dropped
    for ours, theirs in zip(_params(tmp_path / "run"), _params(tmp_path / "whole")):
        assert torch.equal(ours, theirs)  # the restart resumed exactly


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


def _global_batch_norm_rank(rank: int, store_file: str, out: str) -> None:
    """One of two forked ranks: GlobalBatchNorm1d forward and backward on this rank's two rows."""
    import torch.distributed as dist
    from gankit.nets.sync_batch_norm import GlobalBatchNorm

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store_file}", rank=rank, world_size=2)
    try:
        rows = torch.tensor([[[1.0, 10.0], [2.0, 10.0]], [[3.0, 14.0], [6.0, 14.0]]])[rank].requires_grad_()
        norm = GlobalBatchNorm(2)
        weights = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]])[rank]
        output = norm(rows)
        (output * weights).sum().backward()
        torch.save({"output": output.detach(), "grad": rows.grad, "weight_grad": norm.weight.grad,
                    "running": (norm.running_mean, norm.running_var)}, f"{out}-{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_global_batch_norm_uses_the_statistics_of_all_ranks(tmp_path):
    torch.multiprocessing.start_processes(_global_batch_norm_rank, args=(str(tmp_path / "store"), str(tmp_path / "r")),
                                          nprocs=2, start_method="fork")
    ranks = [torch.load(tmp_path / f"r-{rank}.pt") for rank in range(2)]
    # channel 0 holds 1, 2 | 3, 6: mean 3, variance 14/4; channel 1 holds 10, 10 | 14, 14: mean 12, variance 4
    s, t = (3.5 + 1e-5) ** 0.5, 2 / (4 + 1e-5) ** 0.5  # eps = 1e-5
    torch.testing.assert_close(ranks[0]["output"], torch.tensor([[-2 / s, -t], [-1 / s, -t]]))
    torch.testing.assert_close(ranks[1]["output"], torch.tensor([[0.0, t], [3 / s, t]]))
    assert all(torch.equal(a, b) for a, b in zip(ranks[0]["running"], ranks[1]["running"]))  # equal on every rank
    for rank in ranks:  # momentum 0.1 from (0, 1) towards the mean and the unbiased variance (14/3, 16/3)
        torch.testing.assert_close(rank["running"][0], torch.tensor([0.3, 1.2]))
        torch.testing.assert_close(rank["running"][1], torch.tensor([0.9 + 0.1 * 14 / 3, 0.9 + 0.1 * 16 / 3]))
    # gradients: those of one BatchNorm over the four rows, split by rank (weight gradients summed by DDP)
    rows = torch.tensor([[1.0, 10.0], [2.0, 10.0], [3.0, 14.0], [6.0, 14.0]], requires_grad=True)
    one = torch.nn.BatchNorm1d(2)
    (one(rows) * torch.arange(1.0, 9.0).reshape(4, 2)).sum().backward()
    torch.testing.assert_close(torch.cat([rank["grad"] for rank in ranks]), rows.grad)
    torch.testing.assert_close(ranks[0]["weight_grad"] + ranks[1]["weight_grad"], one.weight.grad)


def test_global_batch_norm_swaps_in_sharing_the_tensors_and_alone_is_plain_batch_norm():
    from gankit.nets.sync_batch_norm import GlobalBatchNorm, with_global_batch_norm

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 1), torch.nn.BatchNorm2d(3, momentum=None))
    plain = copy.deepcopy(net)
    keys, weight, running = list(net.state_dict()), net[1].weight, net[1].running_var
    assert with_global_batch_norm(net) is net and isinstance(net[1], GlobalBatchNorm)
    assert net[1].weight is weight and net[1].running_var is running and list(net.state_dict()) == keys
    images = torch.randn(4, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(net(images), plain(images))  # no process group: the ordinary BatchNorm
    torch.testing.assert_close(net[1].running_var, plain[1].running_var)
