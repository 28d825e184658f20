"""A network's parameters in one flat, padded buffer, shared by single runs and stacked sweeps.

Every parameter of a net lives inside one ``(M, P)`` float tensor: row ``m`` is
member ``m`` of a stack (a single run is the stack of one, ``M = 1``), and the
parameter is a view of its segment of the row. The optimizer then updates the
whole buffer with one fused Adam call and the EMA with one lerp.

Why one layout for both: elementwise kernels (Adam, lerp) run vectorized over
their tensor's memory, with the lane of an element set by its offset, and the
vector and scalar code paths may round differently. A member of a stack gets the
same bits as its single run only if every element sits at the same lane in both
and no element falls in a scalar tail. So the segments and the row are padded
(rows to :data:`ROW_ALIGN` elements): row ``m`` of a stack is laid out exactly as
a single run's buffer, and element ``j`` is at lane ``j mod width`` in both. The
padding stays zero (its gradient is always zero, so Adam never moves it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

SEGMENT_ALIGN = 16  # elements: one AVX-512 vector of float32
ROW_ALIGN = 256  # elements: lanes stay put even when a kernel splits the buffer over up to 16 threads


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


@dataclass(frozen=True)
class Segment:
    """Where one parameter lives in a buffer row: its offset, shape and strides (channels_last keeps its own)."""

    name: str
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


def segments_of(module: nn.Module) -> tuple[list[Segment], int]:
    """The padded layout of ``module``'s trainable parameters, and the row length."""
    segments, offset = [], 0
    for name, param in module.named_parameters():
        if param.requires_grad:
            segments.append(Segment(name, offset, tuple(param.shape), tuple(param.stride())))
            offset += _round_up(param.numel(), SEGMENT_ALIGN)
    return segments, _round_up(max(offset, 1), ROW_ALIGN)


def view_of(row: torch.Tensor, segment: Segment) -> torch.Tensor:
    """The parameter ``segment`` as a view of one buffer row (its own shape and strides)."""
    return row[segment.offset : segment.offset + segment.numel].as_strided(
        segment.shape, segment.stride, row.storage_offset() + segment.offset
    )


class FlatLayout:
    """Named parameter segments laid out in the rows of a flat ``(M, P)`` tensor, with the parameters'
    gradients gathered into one tensor of the same layout: a single run's :class:`ParameterBuffer`
    (``M = 1``) and a sweep's ``StackedNet`` share it. A subclass sets ``segments``, ``_grad`` and
    ``_grad_views`` (the per-parameter views of ``_grad``)."""

    segments: list[Segment]
    _grad: torch.Tensor
    _grad_views: list[torch.Tensor]

    def flat_gradient(self, grads: list[torch.Tensor]) -> torch.Tensor:
        """The per-parameter ``grads`` written into one ``(M, P)`` tensor of this layout (padding stays 0)."""
        torch._foreach_copy_(self._grad_views, grads)
        return self._grad

    def named_rows(self, flat: torch.Tensor, index: int) -> dict[str, torch.Tensor]:
        """Row ``index`` (member ``index`` of a stack) of a ``(M, P)`` tensor of this layout, split into named
        parameters."""
        return {segment.name: view_of(flat[index], segment) for segment in self.segments}


class ParameterBuffer(FlatLayout):
    """The trainable parameters of one net (``M = 1``) moved into a flat ``(1, P)`` buffer they now view.

    ``params`` are the net's own ``nn.Parameter`` objects (autograd differentiates
    them as usual); ``flat`` is the buffer the optimizer steps, and
    :meth:`flat_gradient` gathers their gradients into the same layout.
    """

    def __init__(self, module: nn.Module) -> None:
        self.segments, self.row_length = segments_of(module)
        named = dict(module.named_parameters())
        self.params = [named[segment.name] for segment in self.segments]
        device = self.params[0].device if self.params else torch.device("cpu")
        dtype = self.params[0].dtype if self.params else torch.float32
        self.flat = torch.zeros(1, self.row_length, dtype=dtype, device=device)
        with torch.no_grad():
            for param, segment in zip(self.params, self.segments):
                view = view_of(self.flat[0], segment)
                view.copy_(param)
                param.data = view
        self._grad = torch.zeros_like(self.flat)
        self._grad_views = [view_of(self._grad[0], segment) for segment in self.segments]
