"""Many copies of one network trained as one: stacked parameters called through ``torch.func.vmap``.

All M members' parameters live in one flat ``(M, P)`` leaf tensor whose rows are
laid out exactly like a single run's parameter buffer (``train/param_buffer.py``).
Each parameter is a leaf tensor ``(M, *shape)`` that views its segment of every row,
so autograd returns one gradient per parameter, gathered into the same ``(M, P)``
layout with one copy (as a single run's buffer does; differentiating the flat
tensor itself would cost a zero-filled ``(M, P)`` tensor and an add per
parameter in every backward pass). ``vmap(functional_call(...))``
runs the M networks on their own inputs in one batched program (a net may offer
``forward_stacked(params, x)``, a hand-batched equivalent, which is then used
instead: the MLPs do, with batched matrix products, whose rows are bit-identical
to ``F.linear`` on one member). Gradients of the summed member losses land in
one ``(M, P)`` tensor, row i being exactly member i's gradient (the members
share nothing). The optimizer is the single runs' own :class:`LeanAdam`.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.func import functional_call, vmap

from gankit.train.param_buffer import FlatLayout, ParameterBuffer, Segment


def vectorizable(module: nn.Module) -> bool:
    """True for perceptrons without buffers (e.g. BatchNorm running statistics, which a stack cannot update)
    and without dropout (whose random masks a stack would draw in another order than single runs)."""
    from gankit.nets.mlp import MLP  # noqa: PLC0415

    plain = isinstance(module, MLP) and module.dropout == 0.0
    return plain and not any(True for _ in module.buffers())


class StackedNet(FlatLayout):
    """M networks of one architecture, as one flat parameter matrix ``flat`` of shape ``(M, P)``."""

    def __init__(self, members: list[nn.Module], buffers: list[ParameterBuffer] | None = None) -> None:
        """Stack ``members`` (their parameter ``buffers``, made here when not given)."""
        buffers = buffers if buffers is not None else [ParameterBuffer(member) for member in members]
        template = members[0]
        self.segments: list[Segment] = buffers[0].segments
        self.base = copy.deepcopy(template).to("meta")
        self.flat = torch.cat([buffer.flat.detach() for buffer in buffers])
        # leaves that view flat: they stay valid as the optimizer updates flat in place
        self._own_views = {name: view.requires_grad_(True) for name, view in self.views(self.flat).items()}
        self.params = list(self._own_views.values())
        self._grad = torch.zeros_like(self.flat)
        self._grad_views = list(self.views(self._grad).values())
        stacked = getattr(template, "forward_stacked", None)
        self._forward = stacked if stacked is not None else vmap(self._call_one)

    @property
    def members(self) -> int:
        return self.flat.shape[0]

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-parameter views ``(M, *shape)`` of a flat ``(M, P)`` tensor."""
        return {s.name: flat[:, s.offset : s.offset + s.numel].view(flat.shape[0], *s.shape) for s in self.segments}

    def _call_one(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.base, params, (x,))

    def __call__(self, x: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """Run member i on ``x[i]`` for every i: ``x`` is ``(M, batch, features)``."""
        return self._forward(self._own_views if flat is None else self.views(flat), x)
