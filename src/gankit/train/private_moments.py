"""The moments of a private table's rows, released once through the Gaussian mechanism, for G's moment term.

A DP run's G never reads the real rows, so the moment term (``data/moment_match.py``) cannot take its
targets from them. Instead the run releases the rows' first and second moments, E[x] and E[x xᵀ], once,
before training: each transformed row x is clipped to the norm R that the public encoding allows (every
value column at most 1 in size, every one-hot block of norm at most 1, so clipping changes no row), the
sums Σx and Σx xᵀ get Gaussian noise of standard deviation z·Δ with Δ = √(R² + R⁴), the change one row
makes to both sums together, and are divided by the number of rows (taken as public, as the sampling rate
of DP-SGD takes it). This is one Gaussian mechanism of noise multiplier z (``privacy.moment_noise``),
which the run's ledger accounts before its first step (``train/privacy_ledger.py``).

The noise on each moment is z·Δ/n. Where it exceeds ``MAX_RELEASE_NOISE`` the run releases nothing and gives
the whole budget to D (on wine's 142 rows, 0.97 per moment: quality 0.25 with the release, 0.32 without; on
penguins' 275, 0.25: 0.64 with it, 0.30 without; the docs' benchmarks page has the runs).

The noise comes from a generator seeded by the run's privacy seed, so a resumed run recomputes the very
same release (the same output of the same mechanism, which reveals nothing new) instead of a second one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gankit.data.layout import Layout
from gankit.data.moment_match import SPREAD_FLOOR, MomentMatch, Penalty
from gankit.status import notice

NOISE_TO_TARGET = 0.1  # the most noise a standardized target may carry: sets the floor of the columns' scale
MAX_RELEASE_NOISE = 0.5  # the most noise per moment worth releasing: beyond it the moments mislead G


def row_norm_bound(layout: Layout) -> float:
    """R: the largest norm a transformed row can have under the public encoding (value columns in [−1, 1],
    one-hot blocks with at most one 1)."""
    return float(np.sqrt(len(layout.value_columns) + len(layout.softmax_blocks)))


def release_generator(privacy_seed: int) -> torch.Generator:
    """The generator of the release's noise: its own stream of the run's privacy seed, apart from the steps'."""
    seed = int(np.random.SeedSequence(privacy_seed, spawn_key=(1,)).generate_state(1, np.uint64)[0] >> np.uint64(1))
    return torch.Generator().manual_seed(seed)


def released_moments(rows: torch.Tensor, bound: float, noise_multiplier: float,
                     generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """E[x] and E[x xᵀ] of ``rows`` (N × D) clipped to norm ``bound``, through the Gaussian mechanism."""
    rows = rows.detach().double().cpu()
    norms = rows.norm(dim=1, keepdim=True).clamp_min(1e-12)
    rows = rows * (bound / norms).clamp(max=1.0)
    n, width = rows.shape
    scale = noise_multiplier * sensitivity(bound)
    first = rows.sum(dim=0) + scale * torch.randn(width, generator=generator, dtype=torch.float64)
    second = rows.T @ rows + scale * torch.randn(width, width, generator=generator, dtype=torch.float64)
    second = (second + second.T) / 2  # symmetric again: post-processing, free
    return first / n, second / n


def sensitivity(bound: float) -> float:
    """Δ = √(R² + R⁴): the most one row of norm at most R changes the sums Σx and Σx xᵀ together."""
    return (bound**2 + bound**4) ** 0.5


def noise_scale(n_rows: int, bound: float, noise_multiplier: float) -> float:
    """The standard deviation of the release's noise on each moment: z·Δ/n."""
    return noise_multiplier * sensitivity(bound) / n_rows


def release_noise_for(noise_multiplier: float, n_rows: int, layout: Layout) -> float:
    """``noise_multiplier`` when the release is worth its share of ε, else 0 with a notice: on a small table the
    noise per moment (z·Δ/n, with n and the encoding public) would swamp the moments themselves."""
    if noise_multiplier <= 0:
        return 0.0
    noise = noise_scale(n_rows, row_norm_bound(layout), noise_multiplier)
    if noise <= MAX_RELEASE_NOISE:
        return noise_multiplier
    notice(f"privacy: the rows' moments are not released: on {n_rows:,} rows their noise ({noise:.2g} per moment, "
           f"above {MAX_RELEASE_NOISE:g}) would swamp them; the whole budget goes to D's steps")
    return 0.0


def private_moment_term(rows: torch.Tensor, layout: Layout, noise_multiplier: float, privacy_seed: int,
                        weight: float) -> MomentMatch:
    """G's moment term from the released moments of ``rows``, on their device. Columns are scaled by at least
    √(NOISE_TO_TARGET⁻¹ · noise): a standardized second moment then carries noise of at most NOISE_TO_TARGET."""
    bound = row_norm_bound(layout)
    first, second = released_moments(rows, bound, noise_multiplier, release_generator(privacy_seed))
    floor = (noise_scale(len(rows), bound, noise_multiplier) / NOISE_TO_TARGET) ** 0.5
    return MomentMatch.from_moments(first.to(rows.device), second.to(rows.device), weight, max(floor, SPREAD_FLOOR))


def private_generator_penalty(rows: torch.Tensor, layout: Layout, state: Any, weight: float) -> Penalty | None:
    """What G pays beyond D's verdict in a DP run: the moment term against the release its ledger planned
    (``state.privacy.release_noise``), or nothing when there is none or ``weight`` is 0."""
    noise = state.privacy.release_noise
    if not weight or not noise:
        return None
    return private_moment_term(rows, layout, noise, state.privacy_seed, weight).loss
