"""BatchNorm over the global batch of a data-parallel job, on any device (SyncBatchNorm is CUDA-only).

With DistributedDataParallel each rank sees only its shard of the global batch,
so a plain BatchNorm normalizes with shard statistics and a 2-rank run with
batch B differs from one process with batch 2B. :class:`GlobalBatchNorm`
all-reduces the statistics instead (an autograd-aware all-reduce, so the
gradient flows back through the reduction to every rank's rows): one all-reduce
of the per-channel row count, sum and sum of squares, summed in float64 so that
the variance ``E[x²] − E[x]²`` keeps its precision; one collective per forward
and one per backward, as CUDA's SyncBatchNorm. The running statistics update as
one process's would with the global batch, equal on every rank. In eval mode,
or outside a multi-rank job, it is an ordinary BatchNorm (so rank 0 may sample
alone). Parameters, buffers and state_dict keys are those of the BatchNorm it
replaces, so optimizers and checkpoints are unaffected.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import nn


def _several_ranks() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


class _SumOverRanks(torch.autograd.Function):
    """``Σ_ranks x`` on every rank; its gradient is the sum of every rank's gradient of the result."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        return _SumOverRanks.apply(grad.contiguous())


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm1d/2d/3d whose training-mode statistics are those of the batch over all ranks."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2-D input (batch, channels, …), got {input.dim()}-D")

    @classmethod
    def like(cls, norm: nn.modules.batchnorm._BatchNorm) -> "GlobalBatchNorm":
        """A GlobalBatchNorm sharing ``norm``'s parameters and buffers (the very same tensors)."""
        module = cls(norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats)
        module.weight, module.bias = norm.weight, norm.bias
        module.running_mean, module.running_var = norm.running_mean, norm.running_var
        module.num_batches_tracked = norm.num_batches_tracked
        module.train(norm.training)
        return module

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        if not (self.training and _several_ranks()):
            return super().forward(input)
        shape = (1, -1) + (1,) * (input.dim() - 2)  # broadcasts a per-channel vector over (N, C, …)
        dims = [0, *range(2, input.dim())]
        wide = input.double()  # float64 sums: E[x²] − E[x]² keeps its precision
        rows = wide.new_full((1,), input.numel() // input.shape[1])
        total = _SumOverRanks.apply(torch.cat((wide.sum(dims), wide.square().sum(dims), rows)))  # one collective
        channels, count = input.shape[1], total[-1]
        mean = total[:channels] / count
        variance = (total[channels:-1] / count - mean.square()).clamp_min(0.0)
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), variance.detach(), count.detach())
        scale = torch.rsqrt(variance + self.eps).to(input.dtype)
        output = (input - mean.to(input.dtype).view(shape)) * scale.view(shape)
        return output * self.weight.view(shape) + self.bias.view(shape) if self.affine else output

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, variance: torch.Tensor, count: torch.Tensor) -> None:
        """``running ← (1−m)·running + m·batch`` (unbiased variance), ``m = 1/batches`` when momentum is None."""
        self.num_batches_tracked.add_(1)
        rate = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
        self.running_mean.mul_(1 - rate).add_(mean.to(self.running_mean.dtype), alpha=rate)
        self.running_var.mul_(1 - rate).add_((variance * count / (count - 1)).to(self.running_var.dtype), alpha=rate)


def with_global_batch_norm(net: nn.Module) -> nn.Module:
    """``net`` with every BatchNorm inside it replaced, in place, by a :class:`GlobalBatchNorm` sharing its tensors."""
    if isinstance(net, nn.modules.batchnorm._BatchNorm) and not isinstance(net, GlobalBatchNorm):
        return GlobalBatchNorm.like(net)
    for parent in list(net.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm) and not isinstance(child, GlobalBatchNorm):
                setattr(parent, name, GlobalBatchNorm.like(child))
    return net
