"""Learning-rate decay over the end of training: both nets' learning rates fall to 0.

A GAN trained at a constant learning rate keeps oscillating around its equilibrium,
so the last generator is a noisy point of that orbit and an EMA of G, which averages
the orbit, pulls each mode's samples towards its centre (narrow modes). Decaying
both learning rates to 0 over the last ``1 − train.lr_decay_start`` of training lets
the final G and D settle instead. The factor depends only on the batch number, so a
resumed run and each member of a stacked sweep step exactly as their single run does.
"""

from __future__ import annotations

import math

from gankit.config import TrainConfig


def lr_factor(train: TrainConfig, batch_number: int, n_batches: int) -> float:
    """The multiplier of both learning rates at batch ``batch_number`` (0-based, ``n_batches`` per epoch).

    1 until ``lr_decay_start`` of the ``epochs · n_batches`` batches, then linear or
    cosine down to 0 at the end (the last batch still steps, with a small factor).
    """
    if train.lr_decay == "none":
        return 1.0
    total = train.epochs * n_batches
    start = train.lr_decay_start * total
    if batch_number < start:
        return 1.0
    remaining = min(1.0, (total - batch_number) / (total - start))  # 1 at the start of the decay, 1/length at the last batch
    if train.lr_decay == "linear":
        return remaining
    return 0.5 * (1.0 - math.cos(math.pi * remaining))
