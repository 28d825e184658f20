"""Data-parallel training on PyTorch's own engine: torch.distributed under ``torchrun``, DDP-wrapped nets.

``torchrun --nproc-per-node N -m gankit train …`` starts N processes and sets RANK,
WORLD_SIZE, LOCAL_RANK and the rendezvous address; :func:`setup` joins them into
one process group (gloo on CPU, NCCL on CUDA). Each rank then trains the same
nets (DistributedDataParallel averages the gradients of D and of G across
ranks) on its own shard of every global batch of ``batch_size × world`` rows,
drawn from the same seeded shuffle; rank 0 alone writes the run directory.
"""

from __future__ import annotations

import atexit
import gc
import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from gankit.nets.sync_batch_norm import with_global_batch_norm

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
        dist.init_process_group("nccl" if use_cuda else "gloo", store=_round_store(), rank=ranks.rank,
                                world_size=ranks.world, timeout=COLLECTIVE_TIMEOUT)
    return ranks


def _round_store() -> dist.Store:
    """The job's key-value store, its keys scoped to this restart round.

    torchrun's agent keeps one TCPStore for the whole job and hands the same
    MASTER_PORT to every round of workers it starts (``--max-restarts``). Without a
    scope, the restarted workers find the previous round's keys, among them the
    listening addresses gloo's ranks publish to connect to each other: a rank that
    reads a dead peer's old address before the peer has written its new one fails
    with "connectFullMesh failed … Connection refused" (or waits out the timeout).
    The restart count is the same for every worker that one agent starts, so each
    round gets fresh keys (across nodes each agent counts its own restarts; they
    agree because a dead rank makes every node's workers fail, so every agent restarts).
    """
    store, _, _ = next(dist.rendezvous("env://", timeout=COLLECTIVE_TIMEOUT))
    return dist.PrefixStore(f"gankit-restart-{restart_count()}", store)


def current() -> Ranks:
    """This process's Ranks once :func:`setup` has run (SINGLE otherwise)."""
    if not dist.is_available() or not dist.is_initialized():
        return SINGLE
    return Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


# Process groups left by teardown, released at exit once every DDP wrapper is gone (see teardown).
_RETIRED_GROUPS: list[dist.ProcessGroup] = []


def teardown() -> None:
    """Leave the process group, keeping the group object itself alive until the process exits.

    DDP's C++ reducer holds the group too. Were the reducer to drop the last
    reference (when the DDP-wrapped nets are freed), the group's destructor would
    join gloo's worker threads while holding the GIL, and a worker still releasing
    a finished collective's Python tensors waits for the GIL: the rank hangs at
    exit after the job is done (seen about once in ten runs on a loaded CPU).
    Released from Python, the group's destructor lets go of the GIL first.
    """
    if dist.is_available() and dist.is_initialized():
        _RETIRED_GROUPS.append(dist.group.WORLD)
        dist.destroy_process_group()


@atexit.register
def _release_groups() -> None:
    """Free the retired process groups after the DDP wrappers (collected first), before the interpreter shuts down."""
    if _RETIRED_GROUPS:
        gc.collect()
        _RETIRED_GROUPS.clear()


def wrap(net: nn.Module, sync_batch_norm: bool) -> nn.Module:
    """``net`` inside DistributedDataParallel; with ``sync_batch_norm`` its BatchNorms use global-batch statistics.

    The BatchNorms are swapped in place (the wrapped ``net`` itself then normalizes
    over all ranks too): PyTorch's SyncBatchNorm on CUDA, :class:`GlobalBatchNorm`
    elsewhere (SyncBatchNorm has no CPU kernels).
    """
    on_cuda = next(net.parameters()).is_cuda
    if sync_batch_norm:
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net) if on_cuda else with_global_batch_norm(net)
    # Synchronized, the running statistics are equal on every rank: no broadcast of them before each forward.
    return DistributedDataParallel(net, device_ids=[torch.cuda.current_device()] if on_cuda else None,
                                   forward_sync_buffers=not sync_batch_norm)


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

