"""Instance noise (Sønderby et al. 2016; Arjovsky & Bottou 2017): blur what D sees, then sharpen.

Gaussian noise of standard deviation σ_t is added to the real and the generated
rows before D judges them, with σ_t falling linearly from ``train.instance_noise``
to 0 over the first ``train.instance_noise_anneal`` fraction of training. Early on
the two blurred distributions overlap, so D's gradient is informative everywhere
and G spreads its mass over the whole (blurred) support; as σ_t shrinks, that
mass is pulled into the nearest modes — in proportion to their size, which is
what keeps a mixture's modes balanced. The noise is in the units D sees (after
``data.transform``) and is drawn from the run's seed and the step number alone,
so a resumed run draws the same noise.
"""

from __future__ import annotations

import torch

from gankit.config import TrainConfig

_SALT = 0x9E3779B9  # keeps these draws apart from the gradient penalty's, which use (penalty_seed + step)


def noise_std(train: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """σ at update ``step`` (0-based): linear from ``train.instance_noise`` to 0, then 0."""
    if not train.instance_noise:
        return 0.0
    anneal_steps = train.instance_noise_anneal * train.epochs * steps_per_epoch
    return train.instance_noise * max(0.0, 1.0 - step / anneal_steps)


def batch_noise(
    train: TrainConfig, shape: tuple[int, ...], seed: int, batch_number: int, n_batches: int, device: torch.device
) -> torch.Tensor | None:
    """The noise of batch ``batch_number`` (``n_batches`` per epoch) of a run seeded ``seed``; None when σ is 0."""
    std = noise_std(train, batch_number, n_batches)
    return draw_noise(shape, std, seed, batch_number, device) if std else None


def draw_noise(shape: tuple[int, ...], std: float, seed: int, step: int, device: torch.device) -> torch.Tensor:
    """``std`` · N(0, I) of ``shape``, reproducible from (``seed``, ``step``)."""
    rng = torch.Generator(device=device).manual_seed((seed + step + _SALT) % 2**63)
    return std * torch.randn(shape, generator=rng, device=device)
