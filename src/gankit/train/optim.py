"""Optimizers with a lean step for tiny networks.

``torch.optim.Adam.step`` spends ~150 µs of Python bookkeeping per call, which
is more than the arithmetic of the chapter's nets, and constructing a
``torch.optim.Optimizer`` imports TorchDynamo (2-4 s on a small CPU machine, paid
by every training process). :class:`LeanAdam` therefore holds Adam's state
itself and steps by calling PyTorch's fused Adam kernel directly with cached
state lists: the same update, the same kernel, ~20 µs a call. Its
``state_dict`` has ``torch.optim.Adam``'s layout, so checkpoints load either way.
All parameters of one optimizer share one step counter (they are always stepped
together), so it is incremented once per step. Where the fused kernel is missing
(some devices, older PyTorch), the functional ``torch.optim.adam.adam`` is used.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.optim.adam import adam

from gankit.config import OptimizerConfig


FUSED_ADAM_KERNEL = getattr(torch, "_fused_adam_", None)
EPS = 1e-8


def _fused_devices() -> tuple[str, ...]:
    """The device types this PyTorch build has fused Adam kernels for (CPU only from PyTorch 2.4)."""
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices  # noqa: PLC0415
    except ImportError:
        return ()
    return tuple(_get_fused_kernels_supported_devices())


def _fused_available(params: list[torch.Tensor]) -> bool:
    """Whether PyTorch's fused Adam kernel takes these parameters (floating point, on a supported device)."""
    devices = _fused_devices()
    return FUSED_ADAM_KERNEL is not None and all(p.is_floating_point() and p.device.type in devices for p in params)


class LeanAdam:
    """Adam over one network's parameters; ``step(grads)`` applies one update."""

    def __init__(self, net: nn.Module, settings: OptimizerConfig) -> None:
        self.params = [p for p in net.parameters() if p.requires_grad]
        self.fused = _fused_available(self.params)
        self._hyper: dict[str, Any] = dict(
            beta1=settings.betas[0], beta2=settings.betas[1], lr=settings.lr,
            weight_decay=0.0, eps=EPS, amsgrad=False, maximize=False,
        )
        device = self.params[0].device if self.fused and self.params else torch.device("cpu")
        self._step = torch.zeros((), dtype=torch.float32, device=device)
        self._exp_avgs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self._exp_avg_sqs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self._steps = [self._step] * len(self.params)

    @property
    def lr(self) -> float:
        return float(self._hyper["lr"])

    def step(self, grads: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> None:
        """One Adam update of every parameter with the given gradients."""
        if self.fused:
            with torch.no_grad():
                self._step.add_(1)
                FUSED_ADAM_KERNEL(self.params, list(grads), self._exp_avgs, self._exp_avg_sqs, [], self._steps, **self._hyper)
            return
        # The functional path increments every entry of the step list, so give it one tensor per parameter.
        steps = [self._step.clone() for _ in self.params]
        with torch.no_grad():
            adam(self.params, list(grads), self._exp_avgs, self._exp_avg_sqs, [], steps, foreach=True, **self._hyper)
        self._step.copy_(steps[0])

    def scale_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` (used when rolling back a diverged run)."""
        self._hyper["lr"] *= factor

    def state_dict(self) -> dict[str, Any]:
        """Adam's state in ``torch.optim.Adam.state_dict()``'s layout (moments shared, a step count per parameter)."""
        state = {index: {"step": self._step.clone(), "exp_avg": avg, "exp_avg_sq": sq}
                 for index, (avg, sq) in enumerate(zip(self._exp_avgs, self._exp_avg_sqs))}
        group = {"lr": self._hyper["lr"], "betas": (self._hyper["beta1"], self._hyper["beta2"]), "eps": EPS,
                 "weight_decay": 0, "amsgrad": False, "maximize": False, "foreach": None if self.fused else True,
                 "capturable": False, "differentiable": False, "fused": self.fused or None,
                 "decoupled_weight_decay": False, "params": list(range(len(self.params)))}
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (or a ``torch.optim.Adam`` one over the same parameters)."""
        group = state["param_groups"][0]
        if len(group["params"]) != len(self.params):
            raise ValueError(f"optimizer state for {len(group['params'])} parameters, this net has {len(self.params)}")
        self._hyper.update(lr=group["lr"], beta1=group["betas"][0], beta2=group["betas"][1])
        entries = [state["state"].get(key, state["state"].get(str(key), {})) for key in group["params"]]
        if not all(entries):  # never stepped: PyTorch keeps no state yet
            self.load_moments([torch.zeros_like(avg) for avg in self._exp_avgs],
                              [torch.zeros_like(sq) for sq in self._exp_avg_sqs], 0.0)
            return
        self.load_moments([e["exp_avg"] for e in entries], [e["exp_avg_sq"] for e in entries], float(entries[0]["step"]))

    def load_moments(self, exp_avgs: list[torch.Tensor], exp_avg_sqs: list[torch.Tensor], step: float) -> None:
        """Set Adam's first and second moments (one per parameter) and its step count."""
        with torch.no_grad():
            torch._foreach_copy_(self._exp_avgs, list(exp_avgs))
            torch._foreach_copy_(self._exp_avg_sqs, list(exp_avg_sqs))
            self._step.fill_(step)


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
