"""Optimizers with a lean step for tiny networks: one Adam for single runs and stacked sweeps.

``torch.optim.Adam.step`` spends ~150 µs of Python bookkeeping per call, which
is more than the arithmetic of the chapter's nets, and constructing a
``torch.optim.Optimizer`` imports TorchDynamo (2-4 s on a small CPU machine, paid
by every training process). :class:`LeanAdam` therefore holds Adam's state
itself and steps by calling PyTorch's fused Adam kernel directly on the net's
flat parameter buffer (``train/param_buffer.py``): one kernel call per step.

The same class steps a stacked sweep's ``(M, P)`` buffer, where each member may
have its own learning rate and betas: members that share them are stepped
together, one kernel call per distinct setting. Because a single run's buffer is
laid out exactly like one row of a stack, a member's update is bit-identical to
its single run's. Its ``state_dict`` has ``torch.optim.Adam``'s layout, so
checkpoints load either way. Where the fused kernel is missing (some devices,
older PyTorch), the functional ``torch.optim.adam.adam`` is used.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import torch
from torch import nn
from torch.optim.adam import adam

from gankit.config import OptimizerConfig
from gankit.train.param_buffer import ParameterBuffer


FUSED_ADAM_KERNEL = getattr(torch, "_fused_adam_", None)
EPS = 1e-8


class FlatParameters(Protocol):
    """What an optimizer steps: the tensors autograd differentiates, and the ``(M, P)`` buffer they live in."""

    params: list[torch.Tensor]
    flat: torch.Tensor

    def flat_gradient(self, grads: list[torch.Tensor]) -> torch.Tensor: ...

    def named_rows(self, flat: torch.Tensor, index: int) -> dict[str, torch.Tensor]: ...


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
    """Adam over a flat parameter buffer; ``step(grads)`` applies one update to every member.

    ``target`` is a net (its parameters are moved into a :class:`ParameterBuffer`), a
    buffer, or a :class:`~gankit.train.stacked_net.StackedNet` of ``M`` members;
    ``settings`` is one optimizer config for all members or one per member.
    """

    def __init__(self, target: nn.Module | FlatParameters, settings: OptimizerConfig | Sequence[OptimizerConfig]) -> None:
        self.buffer: FlatParameters = ParameterBuffer(target) if isinstance(target, nn.Module) else target
        self.params = self.buffer.params
        flat = self.buffer.flat
        members = flat.shape[0]
        per_member = [settings] * members if isinstance(settings, OptimizerConfig) else list(settings)
        if len(per_member) != members:
            raise ValueError(f"{len(per_member)} optimizer settings for {members} members")
        self.fused = _fused_available([flat])
        self.exp_avg = torch.zeros_like(flat)
        self.exp_avg_sq = torch.zeros_like(flat)
        self._step = torch.zeros((), dtype=torch.float32, device=flat.device if self.fused else torch.device("cpu"))
        self._groups = _groups_by_setting(per_member)
        self._hyper = [dict(beta1=s.betas[0], beta2=s.betas[1], lr=s.lr, weight_decay=0.0, eps=EPS, amsgrad=False,
                            maximize=False) for s, _ in self._groups]
        self._base_lr = [s.lr for s, _ in self._groups]  # the configured rates; a schedule's factor multiplies them
        self._steps = [self._step] * members  # the fused kernel's step list: one shared counter
        # per group, the tensors the kernel updates in place (built once: a step is only a kernel call)
        self._state_lists = list(zip(*(self._rows_by_group(t) for t in (flat, self.exp_avg, self.exp_avg_sq))))

    @property
    def lr(self) -> float:
        """The (first group's) configured learning rate, before any schedule factor."""
        return float(self._base_lr[0])

    def set_lr_factor(self, factor: float) -> None:
        """Step with every group's configured learning rate times ``factor`` (``train/lr_schedule.py``)."""
        for hyper, base in zip(self._hyper, self._base_lr):
            hyper["lr"] = base * factor

    def step(self, grads: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> None:
        """One Adam update of every member with the given gradients (one per entry of ``params``)."""
        grad = self.buffer.flat_gradient(grads)
        grads_by_group = [[grad]] if len(self._groups) == 1 else self._rows_by_group(grad)
        with torch.no_grad():
            self._step.add_(1)
            for (params, exp_avgs, exp_avg_sqs), grads_of_group, hyper in zip(self._state_lists, grads_by_group, self._hyper):
                self._update(params, grads_of_group, exp_avgs, exp_avg_sqs, hyper)

    def _rows_by_group(self, tensor: torch.Tensor) -> list[list[torch.Tensor]]:
        """``tensor`` (``(M, P)``) as one list per settings group: the whole tensor, or the group's rows."""
        if len(self._groups) == 1:
            return [[tensor]]
        return [[tensor[i] for i in rows] for _, rows in self._groups]

    def _update(self, params: list, grads: list, exp_avgs: list, exp_avg_sqs: list, hyper: dict[str, Any]) -> None:
        if self.fused:
            FUSED_ADAM_KERNEL(params, grads, exp_avgs, exp_avg_sqs, [], self._steps[: len(params)], **hyper)
            return
        # The functional path increments every entry of the step list, so give it one tensor per parameter.
        steps = [self._step - 1 for _ in params]
        adam(params, grads, exp_avgs, exp_avg_sqs, [], steps, foreach=True, **hyper)

    def scale_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` (used when rolling back a diverged run)."""
        for hyper in self._hyper:
            hyper["lr"] *= factor
        self._base_lr = [lr * factor for lr in self._base_lr]

    def state_dict(self, member: int = 0) -> dict[str, Any]:
        """Member ``member``'s Adam state in ``torch.optim.Adam.state_dict()``'s layout."""
        group_index = next(g for g, (_, rows) in enumerate(self._groups) if member in rows)
        hyper = self._hyper[group_index]
        avgs = self.buffer.named_rows(self.exp_avg, member).values()
        sqs = self.buffer.named_rows(self.exp_avg_sq, member).values()
        state = {index: {"step": self._step.clone(), "exp_avg": avg.clone(), "exp_avg_sq": sq.clone()}
                 for index, (avg, sq) in enumerate(zip(avgs, sqs))}
        group = {"lr": self._base_lr[group_index], "betas": (hyper["beta1"], hyper["beta2"]), "eps": EPS,
                 "weight_decay": 0, "amsgrad": False, "maximize": False, "foreach": None if self.fused else True,
                 "capturable": False, "differentiable": False, "fused": self.fused or None,
                 "decoupled_weight_decay": False, "params": list(range(len(state)))}
        return {"state": state, "param_groups": [group]}

    def stack_members(self, singles: Sequence["LeanAdam"]) -> None:
        """Take the moments and step count of one single-member optimizer per member, in order (a stacked group
        built from members' states, fresh or loaded from their checkpoints, goes on where each stood)."""
        with torch.no_grad():
            self.exp_avg.copy_(torch.cat([single.exp_avg for single in singles]))
            self.exp_avg_sq.copy_(torch.cat([single.exp_avg_sq for single in singles]))
            self._step.copy_(singles[0]._step)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a single run's :meth:`state_dict` (or a ``torch.optim.Adam`` one over the same parameters)."""
        group = state["param_groups"][0]
        if len(group["params"]) != len(self.params):
            raise ValueError(f"optimizer state for {len(group['params'])} parameters, this net has {len(self.params)}")
        for hyper in self._hyper:
            hyper.update(lr=group["lr"], beta1=group["betas"][0], beta2=group["betas"][1])
        self._base_lr = [group["lr"]] * len(self._hyper)
        entries = [state["state"].get(key, state["state"].get(str(key), {})) for key in group["params"]]
        with torch.no_grad():
            if not all(entries):  # never stepped: PyTorch keeps no state yet
                self.exp_avg.zero_()
                self.exp_avg_sq.zero_()
                self._step.zero_()
                return
            for moments, slot in ((self.exp_avg, "exp_avg"), (self.exp_avg_sq, "exp_avg_sq")):
                views = list(self.buffer.named_rows(moments, 0).values())
                torch._foreach_copy_(views, [entry[slot] for entry in entries])
            self._step.fill_(float(entries[0]["step"]))


def _groups_by_setting(settings: list[OptimizerConfig]) -> list[tuple[OptimizerConfig, list[int]]]:
    """Members grouped by equal (lr, betas), in order of first appearance."""
    groups: dict[tuple[float, float, float], tuple[OptimizerConfig, list[int]]] = {}
    for index, setting in enumerate(settings):
        key = (setting.lr, *setting.betas)
        groups.setdefault(key, (setting, []))[1].append(index)
    return list(groups.values())


class TorchOptimizer:
    """RMSprop or SGD (with momentum) behind the same small interface as :class:`LeanAdam`."""

    def __init__(self, net: nn.Module, settings: OptimizerConfig) -> None:
        self.params = [p for p in net.parameters() if p.requires_grad]
        kind = {"rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}[settings.name]
        self.optimizer = kind(self.params, lr=settings.lr, momentum=settings.momentum)
        self.base_lr = settings.lr
        self.factor = 1.0

    @property
    def lr(self) -> float:
        """The configured learning rate, before any schedule factor."""
        return float(self.base_lr)

    def set_lr_factor(self, factor: float) -> None:
        """Step with the configured learning rate times ``factor`` (``train/lr_schedule.py``)."""
        self.factor = factor
        for group in self.optimizer.param_groups:
            group["lr"] = self.base_lr * factor

    def step(self, grads: tuple[torch.Tensor, ...] | list[torch.Tensor]) -> None:
        for param, grad in zip(self.params, grads):
            param.grad = grad
        self.optimizer.step()

    def scale_lr(self, factor: float) -> None:
        self.base_lr *= factor
        for group in self.optimizer.param_groups:
            group["lr"] = self.base_lr * self.factor

    def state_dict(self) -> dict[str, Any]:
        state = self.optimizer.state_dict()
        state["param_groups"] = [{**group, "lr": self.base_lr} for group in state["param_groups"]]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state)
        self.base_lr = float(state["param_groups"][0]["lr"])
        self.set_lr_factor(self.factor)


def make_optimizer(buffer: ParameterBuffer, net: nn.Module, settings: OptimizerConfig) -> LeanAdam | TorchOptimizer:
    """The optimizer ``settings`` names: Adam over the net's flat ``buffer``, else PyTorch's over ``net``."""
    return LeanAdam(buffer, settings) if settings.name == "adam" else TorchOptimizer(net, settings)


def optimizer_tree(prefix: str, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """An optimizer state_dict as JSON, its tensors moved into ``tensors`` under ``prefix``."""
    per_param = {}
    for index, slots in state["state"].items():
        per_param[str(index)] = {}
        for slot, value in slots.items():
            key = f"{prefix}.{index}.{slot}"
            tensors[key] = value
            per_param[str(index)][slot] = key
    return {"state": per_param, "param_groups": state["param_groups"]}


def optimizer_from_tree(tree: dict[str, Any], tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Inverse of :func:`optimizer_tree`."""
    state = {int(index): {slot: tensors[key] for slot, key in slots.items()} for index, slots in tree["state"].items()}
    return {"state": state, "param_groups": tree["param_groups"]}
