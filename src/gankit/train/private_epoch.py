"""One epoch of differentially private training: Poisson batches of real rows, DP-SGD on D, plain G steps.

The privacy unit is one real row. Each D step takes every row with probability
``q = batch_size / n`` on its own coin (Poisson sampling, what the accountant
assumes), so a batch's size varies; an epoch is as many D steps as the plain loop
takes (``batches_per_epoch``). D's gradient comes from ``train/dp_sgd.py`` and is
accounted in the run's :class:`~gankit.train.privacy_ledger.PrivacyLedger`; G's step
reads only D and generated rows, so it is free. Training stops when the planned
steps, and with them the budget, are spent.

A step's randomness (the coins, G's noise, the penalty's mixing weights, the DP
noise) comes from a generator seeded by the run's privacy seed and the step's
number, so a resumed run draws exactly what the uninterrupted one would.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from gankit.config import TrainConfig
from gankit.losses import DLoss, GLoss
from gankit.train.dp_sgd import private_d_gradients
from gankit.train.lr_schedule import lr_factor
from gankit.train.privacy_ledger import PrivacyLedger
from gankit.train.steps import g_step


def step_generator(privacy_seed: int, step: int) -> torch.Generator:
    """The generator of D step ``step``'s random draws (CPU; moved to the data's device where used)."""
    seed = int(np.random.SeedSequence([privacy_seed, step]).generate_state(1, np.uint64)[0] >> np.uint64(1))
    return torch.Generator().manual_seed(seed)


def poisson_batch(rows: torch.Tensor, sample_rate: float, generator: torch.Generator) -> torch.Tensor:
    """The rows each taken with probability ``sample_rate``, independently: the only read of the real rows."""
    coins = torch.rand(len(rows), generator=generator) < sample_rate
    return rows[coins.to(rows.device)]


def private_d_step(state: Any, rows: torch.Tensor, fake: torch.Tensor, d_loss: DLoss, train: TrainConfig,
                   generator: torch.Generator) -> torch.Tensor:
    """One accounted D step on a Poisson batch of ``rows``; returns D's loss."""
    ledger: PrivacyLedger = state.privacy
    real = poisson_batch(rows, ledger.sample_rate, generator)
    mixes = torch.rand(len(real), 1, generator=generator).to(rows.device)
    grads, loss = private_d_gradients(state.discriminator, real, fake, mixes, d_loss, train,
                                      ledger.noise_multiplier, ledger.max_grad_norm,
                                      ledger.sample_rate * len(rows), generator)
    state.opt_d.step(grads)
    ledger.record_step()
    return loss


def run_private_epoch(state: Any, rows: torch.Tensor, train: TrainConfig, losses: tuple[DLoss, GLoss],
                      n_batches: int, after_step: Callable[..., None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_batches`` accounted D steps (fewer when the budget runs out), a G step every ``n_critic``; returns the
    epoch's mean (d_loss, g_loss)."""
    d_loss, g_loss = losses
    ledger: PrivacyLedger = state.privacy
    if state.batch_in_epoch == 0:
        state.partial_losses = []
    d_values: list[torch.Tensor] = []
    for index in range(state.batch_in_epoch, n_batches):
        if ledger.exhausted:
            break
        if train.lr_decay != "none":
            factor = lr_factor(train, state.epoch * n_batches + index, n_batches)
            state.opt_d.set_lr_factor(factor)
            state.opt_g.set_lr_factor(factor)
        generator = step_generator(state.privacy_seed, ledger.steps)
        z = state.latent.sample(state.batch_size, generator).to(rows.device)
        last = index + 1 == n_batches or ledger.steps + 1 == ledger.planned_steps
        g_turn = (index + 1) % train.n_critic == 0 or last
        with torch.set_grad_enabled(g_turn):
            fake = state.generator(z)
        d_values.append(private_d_step(state, rows, fake, d_loss, train, generator))
        state.batch_in_epoch = index + 1
        if not g_turn:
            continue
        g_value = g_step(state, z, g_loss, None, fake)
        state.update_ema()
        state.step += 1
        state.partial_losses.append((torch.stack(d_values).mean(), g_value))
        d_values = []
        if after_step is not None:
            after_step(state, state.partial_losses[-1][0], g_value)
    state.epoch += 1
    state.batch_in_epoch = 0
    if not state.partial_losses:
        return torch.zeros(()), torch.zeros(())
    d_mean, g_mean = (torch.stack(values).mean() for values in zip(*state.partial_losses))
    return d_mean, g_mean
