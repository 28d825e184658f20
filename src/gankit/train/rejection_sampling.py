"""Discriminator rejection sampling (DRS; Azadi et al. 2019), ``sample.method = "rejection"``.

A cross-entropy discriminator that is optimal for the final generator has the logit
``D(x) = log p_data(x) / p_G(x)``. Keeping a candidate ``x ~ p_G`` with probability
``exp(D(x) − M)``, ``M ≥ max D``, then yields rows from ``p_data`` exactly (rejection
sampling); with the trained D it removes most of the mass G puts between modes.
``M`` is the largest logit among the first round of candidates (a later candidate
above it is simply kept). Candidates come in rounds, the first of ``sample.candidates × n``, each later
one sized by the share kept so far, until ``n`` are kept; the cost (candidates drawn, the share kept, seconds) is
returned with the rows and reported by ``gankit sample``.

The D is only a good density ratio where it is close to optimal for the G that
samples: train without an EMA of G (or sample from the G that D was trained against)
and let both settle, e.g. with ``train.lr_decay``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from gankit.config import SampleConfig
from gankit.errors import UserError


ROUND_GROWTH = 100  # a later round draws at most this many times the first round's candidates


@dataclass(frozen=True)
class SamplingCost:
    """What rejection sampling spent for ``rows`` rows."""

    candidates: int  # drawn from G and judged by D
    accepted: int  # of those, kept by the rejection step (the first ``rows`` are returned)
    rows: int
    seconds: float

    @property
    def acceptance(self) -> float:
        return self.accepted / self.candidates if self.candidates else float("nan")

    def describe(self) -> str:
        return (f"rejection sampling: {self.candidates:,} candidates for {self.rows:,} rows "
                f"(acceptance {self.acceptance:.1%}, {self.seconds:.2f} s)")


def rejection_sample(n: int, draw: Callable[[int], torch.Tensor], logits: Callable[[torch.Tensor], torch.Tensor],
                     rng: torch.Generator, settings: SampleConfig) -> tuple[torch.Tensor, SamplingCost]:
    """``n`` rows kept from candidates ``draw(count)`` (training units) by D's ``logits``; uses ``rng`` only."""
    started = time.perf_counter()
    first = max(int(np.ceil(settings.candidates * n)), 1)
    size = first
    kept: list[torch.Tensor] = []
    total, count, ceiling = 0, 0, None
    for _ in range(settings.max_rounds):
        rows = draw(size)
        scores = logits(rows).reshape(-1).double()
        if ceiling is None:
            ceiling = float(scores.max())
        keep = torch.rand(size, generator=rng, dtype=torch.float64) < torch.exp((scores - ceiling).clamp(max=0.0))
        kept.append(rows[keep])
        total += size
        count += int(keep.sum())
        if count >= n:
            break
        # the next round is sized by the share kept so far (+20 %), at most ROUND_GROWTH times the first
        rate = max(count, 1) / total
        size = min(max(int(np.ceil((n - count) / rate * 1.2)), first), ROUND_GROWTH * first)
    if count < n:
        raise UserError(f"rejection sampling kept {count} of {total:,} candidates, fewer than the {n} rows asked for; "
                        f"raise sample.max_rounds or sample.candidates, or use sample.method = 'generator'")
    return torch.cat(kept)[:n], SamplingCost(total, count, n, time.perf_counter() - started)
