"""Optimizers with a lean step for tiny networks.

``torch.optim.Adam.step`` spends ~150 µs of Python bookkeeping per call, which
is more than the arithmetic of the chapter's nets. :class:`LeanAdam` keeps a
real ``torch.optim.Adam`` (so its ``state_dict`` saves and loads as usual) but
steps through PyTorch's functional ``adam`` with cached state lists: the same
update, the same kernel (fused where the device has one), less overhead.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.optim.adam import adam

from gankit.config import OptimizerConfig


def _fused_available(params: list[torch.Tensor]) -> bool:
    try:
        torch.optim.Adam(params, lr=1e-3, fused=True)
    except (RuntimeError, TypeError):
        return False
    return True


class LeanAdam:
    """Adam over one network's parameters; ``step(grads)`` applies one update."""

    def __init__(self, net: nn.Module, settings: OptimizerConfig) -> None:
        self.params = [p for p in net.parameters() if p.requires_grad]
        self.fused = _fused_available(self.params)
        self.optimizer = torch.optim.Adam(
            self.params, lr=settings.lr, betas=settings.betas, fused=self.fused or None, foreach=None if self.fused else True
        )
        self._init_state()

    def _init_state(self) -> None:
        """Create Adam's per-parameter state now (PyTorch creates it lazily) and cache it as lists."""
        for p in self.params:
            state = self.optimizer.state[p]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float32, device=p.device if self.fused else "cpu")
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        states = [self.optimizer.state[p] for p in self.params]
        self._exp_avgs = [s["exp_avg"] for s in states]
        self._exp_avg_sqs = [s["exp_avg_sq"] for s in states]
        self._steps = [s["step"] for s in states]
        group = self.optimizer.param_groups[0]
        self._hyper = dict(
            beta1=group["betas"][0], beta2=group["betas"][1], lr=group["lr"],
            weight_decay=group["weight_decay"], eps=group["eps"], amsgrad=False, maximize=False,
        )

    @property
    def lr(self) -> float:
        return float(self._hyper["lr"])

    def step(self, grads: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> None:
        """One Adam update of every parameter with the given gradients."""
        adam(
            self.params, list(grads), self._exp_avgs, self._exp_avg_sqs, [], self._steps,
            foreach=not self.fused, fused=self.fused or None, **self._hyper,
        )

    def state_dict(self) -> dict[str, Any]:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state)
        self._init_state()
