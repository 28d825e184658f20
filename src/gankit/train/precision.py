"""Mixed precision: autocast for the forward passes and, for fp16, a dynamic loss scale.

bf16 keeps fp32's exponent range, so it needs no loss scaling; fp16 does: the
loss is multiplied by ``scale`` before differentiation, the gradients divided by
it after, and a step whose gradients overflow is skipped and halves the scale
(doubling it again after ``GROWTH_INTERVAL`` clean steps) — what
``torch.amp.GradScaler`` does, for gankit's own optimizers, which take
gradients as a list.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import ContextManager

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
GROWTH_INTERVAL = 2000


def autocast(precision: str, device: torch.device) -> ContextManager:
    """``torch.autocast`` for bf16/fp16 on ``device``; a no-op for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=DTYPES[precision])


@dataclass
class LossScale:
    """The dynamic fp16 loss scale of one optimizer (``enabled`` False: gradients pass through)."""

    enabled: bool = False
    scale: float = 2.0**16
    clean_steps: int = 0

    def gradients(self, loss: torch.Tensor, params: list[torch.Tensor]) -> list[torch.Tensor] | None:
        """∂loss/∂params, unscaled; None when they overflowed (skip this step; the scale was halved)."""
        if not self.enabled:
            return list(torch.autograd.grad(loss, params))
        grads = torch.autograd.grad(loss.float() * self.scale, params)
        if not all(bool(torch.isfinite(g).all()) for g in grads):
            self.scale /= 2.0
            self.clean_steps = 0
            return None
        self.clean_steps += 1
        if self.clean_steps % GROWTH_INTERVAL == 0:
            self.scale *= 2.0
        return [g / self.scale for g in grads]
