"""Optional ``torch.compile`` of G and D, with the compile time measured apart from training.

Compilation happens on first use, so :func:`compile_nets` compiles both nets
and runs one forward and backward pass on a dummy batch of each shape the loop
uses (no optimizer step, so the training state is untouched). The seconds this
takes are the compile time; the epochs that follow are timed as usual.
"""

from __future__ import annotations

import time

import torch

from gankit.config import TrainConfig
from gankit.train.loop import torch_threads
from gankit.train.state import TrainState


def compile_nets(state: TrainState, data_dim: int, train: TrainConfig, n_rows: int) -> float:
    """Replace G and D by compiled versions and warm them up; return the compile seconds."""
    started = time.perf_counter()
    state.generator = torch.compile(state.generator, dynamic=False)
    state.discriminator = torch.compile(state.discriminator, dynamic=False)
    device = next(state.generator.parameters()).device
    sizes = {state.batch_size, n_rows % state.batch_size} - {0}
    with torch_threads(train.threads):  # the loop's thread setting, so its first steps reuse this compilation
        _warm_up(state, data_dim, sorted(sizes), device)
    return time.perf_counter() - started


def _warm_up(state: TrainState, data_dim: int, sizes: list[int], device: torch.device) -> None:
    for batch in sizes:
        z = torch.zeros(batch, state.latent.width, device=device)
        fake = state.generator(z)
        logits = state.discriminator(torch.cat((torch.zeros(batch, data_dim, device=device), fake.detach())))
        torch.autograd.grad(logits.sum(), list(state.discriminator.parameters()))
        torch.autograd.grad(state.discriminator(fake).sum(), list(state.generator.parameters()))
