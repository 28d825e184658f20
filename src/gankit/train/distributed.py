"""Data-parallel training on PyTorch's own engine: torch.distributed under ``torchrun``, DDP-wrapped nets.

``torchrun --nproc-per-node N -m gankit train …`` starts N processes and sets RANK,
WORLD_SIZE, LOCAL_RANK and the rendezvous address; :func:`setup` joins them into
one process group (gloo on CPU, NCCL on CUDA). Each rank then trains the same
nets (DistributedDataParallel averages the gradients of D and of G across
ranks) on its own shard of every global batch of ``batch_size × world`` rows,
drawn from the same seeded shuffle; rank 0 alone writes the run directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

# A rank blocked in a collective gives up after this long (a dead peer never answers).
COLLECTIVE_TIMEOUT = timedelta(seconds=int(os.environ.get("GANKIT_DIST_TIMEOUT", "60")))


@dataclass(frozen=True)
class Ranks:
    """Where this process stands in the job: its rank, the world size, its rank on this machine."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE = Ranks()


def launched() -> bool:
    """True inside a multi-process torchrun job."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def restart_count() -> int:
    """How many times torchrun has restarted this job's workers (``--max-restarts``)."""
    return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))


def setup(device: str) -> Ranks:
    """Join the torchrun job's process group (once); the single-process Ranks when not launched."""
    if not launched():
        return SINGLE
    ranks = Ranks(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", "0")))
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if use_cuda:
        torch.cuda.set_device(ranks.local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo", timeout=COLLECTIVE_TIMEOUT)
    return ranks


def current() -> Ranks:
    """This process's Ranks once :func:`setup` has run (SINGLE otherwise)."""
    if not dist.is_available() or not dist.is_initialized():
        return SINGLE
    return Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap(net: nn.Module, sync_batch_norm: bool) -> nn.Module:
    """``net`` inside DistributedDataParallel (BatchNorm synchronized across ranks on CUDA when asked)."""
    on_cuda = next(net.parameters()).is_cuda
    if sync_batch_norm and on_cuda:
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    return DistributedDataParallel(net, device_ids=[torch.cuda.current_device()] if on_cuda else None)


def shard(batch: torch.Tensor, ranks: Ranks, dim: int = 0) -> torch.Tensor:
    """This rank's contiguous 1/world of a global batch (whose size the world divides)."""
    if ranks.world == 1:
        return batch
    size = batch.shape[dim] // ranks.world
    return batch.narrow(dim, ranks.rank * size, size)


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """The mean of ``values`` over all ranks (``values`` itself in a single process)."""
    if current().world == 1:
        return values
    total = values.detach().clone()
    dist.all_reduce(total)
    return total / dist.get_world_size()


def any_rank(flags: list[bool]) -> list[bool]:
    """Each flag OR-ed over all ranks, so every rank takes the same branch."""
    if current().world == 1:
        return flags
    tensor = torch.tensor([float(f) for f in flags])
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return [bool(v) for v in tensor.tolist()]


def broadcast_text(text: str | None) -> str:
    """Rank 0's ``text`` on every rank (e.g. the run directory it created)."""
    if current().world == 1:
        return text or ""
    box = [text]
    dist.broadcast_object_list(box, src=0)
    return box[0] or ""

