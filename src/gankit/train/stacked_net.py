"""Many copies of one network trained as one: stacked parameters called through ``torch.func.vmap``.

All M members' parameters live in one flat ``(M, P)`` leaf tensor. A forward
pass slices it into per-parameter views, and ``vmap(functional_call(...))``
runs the M networks on their own inputs in one batched program (a net may offer
``forward_stacked(params, x)``, a hand-batched equivalent, which is then used
instead: the MLPs do, with batched matrix products). Gradients of
the summed member losses land in one ``(M, P)`` tensor, row i being exactly
member i's gradient (the members share nothing).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn
from torch.func import functional_call, vmap

from gankit.train.optim import FUSED_ADAM_KERNEL


def vectorizable(module: nn.Module) -> bool:
    """True for perceptrons without buffers (e.g. BatchNorm running statistics, which a stack cannot update)
    and without dropout (whose random masks a stack would draw in another order than single runs)."""
    from gankit.nets.mlp import MLP  # noqa: PLC0415

    plain = isinstance(module, MLP) and module.dropout == 0.0
    return plain and not any(True for _ in module.buffers())


class StackedNet:
    """M networks of one architecture, as one flat parameter matrix."""

    def __init__(self, members: list[nn.Module]) -> None:
        template = members[0]
        self.names = [name for name, _ in template.named_parameters()]
        self.shapes = [p.shape for p in template.parameters()]
        self.sizes = [math.prod(shape) for shape in self.shapes]
        self.base = copy.deepcopy(template).to("meta")
        rows = [torch.cat([p.detach().reshape(-1) for p in member.parameters()]) for member in members]
        self.flat = torch.stack(rows).requires_grad_(True)
        self._own_views = self.views(self.flat)  # views stay valid: the optimizer updates flat in place
        stacked = getattr(template, "forward_stacked", None)
        self._forward = stacked if stacked is not None else vmap(self._call_one)

    @property
    def members(self) -> int:
        return self.flat.shape[0]

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-parameter views ``(M, *shape)`` of a flat ``(M, P)`` tensor."""
        views, start = {}, 0
        for name, size, shape in zip(self.names, self.sizes, self.shapes):
            views[name] = flat[:, start : start + size].view(flat.shape[0], *shape)  # single-output views
            start += size
        return views

    def _call_one(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.base, params, (x,))

    def __call__(self, x: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """Run member i on ``x[i]`` for every i: ``x`` is ``(M, batch, features)``."""
        return self._forward(self._own_views if flat is None else self.views(flat), x)

    def copy_member_into(self, index: int, module: nn.Module, flat: torch.Tensor | None = None) -> None:
        """Write member ``index``'s parameters into ``module`` (same architecture)."""
        source = self.flat if flat is None else flat
        with torch.no_grad():
            for param, view in zip(module.parameters(), self.views(source[index : index + 1]).values()):
                param.copy_(view[0])


class StackedAdam:
    """Adam over a flat ``(M, P)`` parameter matrix, with per-member lr and betas.

    When all members share lr and betas, the update is one call of PyTorch's
    fused Adam kernel on the whole matrix. Otherwise it is the same formula
    written out, with ``lr``, ``beta1`` and ``beta2`` as ``(M, 1)`` columns so
    that every member can have its own.
    """

    def __init__(self, flat: torch.Tensor, lr: list[float], betas: list[tuple[float, float]], eps: float = 1e-8) -> None:
        column = lambda values: torch.tensor(values, dtype=flat.dtype, device=flat.device).unsqueeze(1)  # noqa: E731
        self.flat = flat
        self.lr = column(lr)
        self.beta1 = column([b[0] for b in betas])
        self.beta2 = column([b[1] for b in betas])
        self.eps = eps
        self.exp_avg = torch.zeros_like(flat)
        self.exp_avg_sq = torch.zeros_like(flat)
        self.step_count = 0
        self._step_tensor = torch.zeros((), dtype=torch.float32, device=flat.device)
        self._shared = None
        if FUSED_ADAM_KERNEL is not None and len(set(lr)) == 1 and len(set(map(tuple, betas))) == 1:
            # Every member has the same hyperparameters: one call of PyTorch's fused Adam kernel does it all.
            self._shared = dict(lr=lr[0], beta1=betas[0][0], beta2=betas[0][1], weight_decay=0.0, eps=eps,
                                amsgrad=False, maximize=False)

    def step(self, grad: torch.Tensor) -> None:
        """One Adam update of every member's parameters."""
        self.step_count += 1
        if self._shared is not None:
            self._step_tensor.fill_(self.step_count)
            with torch.no_grad():
                FUSED_ADAM_KERNEL([self.flat], [grad], [self.exp_avg], [self.exp_avg_sq], [], [self._step_tensor], **self._shared)
            return
        with torch.no_grad():
            self.exp_avg.lerp_(grad, 1.0 - self.beta1)
            self.exp_avg_sq.mul_(self.beta2).addcmul_(grad * (1.0 - self.beta2), grad)
            bias1 = 1.0 - self.beta1**self.step_count
            bias2_sqrt = (1.0 - self.beta2**self.step_count).sqrt()
            denom = (self.exp_avg_sq.sqrt() / bias2_sqrt).add_(self.eps)
            self.flat.addcdiv_(self.exp_avg, denom * (bias1 / self.lr), value=-1.0)

    def member_state(self, index: int, stacked: StackedNet) -> dict[str, list[torch.Tensor]]:
        """Member ``index``'s moment estimates, split per parameter (for its checkpoint)."""
        return {
            "exp_avg": [v[0].clone() for v in stacked.views(self.exp_avg[index : index + 1]).values()],
            "exp_avg_sq": [v[0].clone() for v in stacked.views(self.exp_avg_sq[index : index + 1]).values()],
        }
