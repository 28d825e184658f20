"""Optimizers with a lean step for tiny networks.

``torch.optim.Adam.step`` spends ~150 µs of Python bookkeeping per call, which
is more than the arithmetic of the chapter's nets. :class:`LeanAdam` keeps a
real ``torch.optim.Adam`` (so its ``state_dict`` saves and loads as usual) but
steps by calling PyTorch's fused Adam kernel directly with cached state lists:
the same update, the same kernel, ~20 µs a call. All parameters of one optimizer
share one step counter (they are always stepped together), so it is
incremented once per step. Where the fused kernel is missing (some devices,
older PyTorch), the functional ``torch.optim.adam.adam`` is used instead.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.optim.adam import adam

from gankit.config import OptimizerConfig


FUSED_ADAM_KERNEL = getattr(torch, "_fused_adam_", None)


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
        states = [self.optimizer.state[p] for p in self.params]
        first = states[0].get("step") if states and states[0] else None
        step = torch.zeros((), dtype=torch.float32) if first is None else first.detach().clone().float()
        self._step = step.to(self.params[0].device if self.fused and self.params else "cpu")
        for p, state in zip(self.params, states):
            state["step"] = self._step
            if "exp_avg" not in state:
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
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
        if self.fused and FUSED_ADAM_KERNEL is not None:
            with torch.no_grad():
                self._step.add_(1)
                FUSED_ADAM_KERNEL(self.params, list(grads), self._exp_avgs, self._exp_avg_sqs, [], self._steps, **self._hyper)
            return
        # The functional path increments every entry of the step list, so give it one tensor per parameter.
        steps = [self._step.clone() for _ in self.params]
        adam(self.params, list(grads), self._exp_avgs, self._exp_avg_sqs, [], steps,
             foreach=not self.fused, fused=self.fused or None, **self._hyper)
        self._step.copy_(steps[0])

    def scale_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` (used when rolling back a diverged run)."""
        for group in self.optimizer.param_groups:
            group["lr"] *= factor
        self._hyper["lr"] = self.optimizer.param_groups[0]["lr"]

    def state_dict(self) -> dict[str, Any]:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state)
        self._init_state()


class TorchOptimizer:
    """RMSprop or SGD (with momentum) behind the same small interface as :class:`LeanAdam`."""

    def __init__(self, net: nn.Module, settings: OptimizerConfig) -> None:
        self.params = [p for p in net.parameters() if p.requires_grad]
        kind = {"rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}[settings.name]
        self.optimizer = kind(self.params, lr=settings.lr, momentum=settings.momentum)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def step(self, grads: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> None:
        for param, grad in zip(self.params, grads):
            param.grad = grad
        self.optimizer.step()

    def scale_lr(self, factor: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] *= factor

    def state_dict(self) -> dict[str, Any]:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state)


def make_optimizer(net: nn.Module, settings: OptimizerConfig) -> LeanAdam | TorchOptimizer:
    """The optimizer ``settings`` names, over ``net``'s parameters."""
    return LeanAdam(net, settings) if settings.name == "adam" else TorchOptimizer(net, settings)
