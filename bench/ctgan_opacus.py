"""The baseline of bench/privacy_panel.py: CTGAN's own code with Opacus's PrivacyEngine on its discriminator.

What a user who adds DP to CTGAN with Opacus gets (as smartnoise's DPCTGAN and synthcity's dpgan do):
CTGAN 0.12.1's DataTransformer (fitted on the training rows: not private), Generator and Discriminator
(pac 1: a pack would mix rows), Adam 2e-4 as CTGAN; Opacus's ``make_private_with_epsilon`` on D with
Poisson sampling, clipping norm 1 and δ = 1/(10·n). D's loss on real and generated rows goes through one
forward of the concatenated batch, so every row's gradient, generated ones included, is clipped (Opacus
cannot tell them apart); the WGAN loss has no gradient penalty, because Opacus's hooks cannot clip a
double backward; no conditional vector (training-by-sampling picks rows by their categories). The G step
runs with D's hooks off. ε is the engine's own accountant's (RDP), and is checked against gankit's ledger
for the same σ, sampling rate and steps.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import torch

BATCH = 500
LATENT = 128


def fit_private_ctgan(rows: pd.DataFrame, discrete: list[str], epsilon: float | None, seed: int, max_steps: int):
    """Train; returns (sample function, ledger dict or None)."""
    from ctgan.data_transformer import DataTransformer
    from ctgan.synthesizers.ctgan import CTGAN, Discriminator, Generator
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    np.random.seed(seed)
    transformer = DataTransformer()
    transformer.fit(rows, discrete)
    data = torch.tensor(transformer.transform(rows), dtype=torch.float32)
    shell = CTGAN(pac=1)  # for its _apply_activate (tanh and Gumbel-softmax heads per block)
    shell._transformer = transformer
    generator = Generator(LATENT, (256, 256), transformer.output_dimensions)
    discriminator = Discriminator(transformer.output_dimensions, (256, 256), pac=1)
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.9), weight_decay=1e-6)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.9), weight_decay=1e-6)
    batch = min(BATCH, len(data) // 2)
    loader = DataLoader(TensorDataset(data), batch_size=batch, shuffle=True, drop_last=True)
    epochs = math.ceil(max_steps / len(loader))
    engine = None
    if epsilon is not None:
        engine = PrivacyEngine(accountant="rdp")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            discriminator, opt_d, loader = engine.make_private_with_epsilon(
                module=discriminator, optimizer=opt_d, data_loader=loader, target_epsilon=epsilon,
                target_delta=1 / (10 * len(data)), epochs=epochs, max_grad_norm=1.0, poisson_sampling=True)
    steps = 0
    for _ in range(epochs):
        for (real,) in loader:
            fake = shell._apply_activate(generator(torch.randn(batch, LATENT)))
            logits = discriminator(torch.cat((real, fake.detach())))
            loss_d = logits[len(real):].mean() - logits[: len(real)].mean() if len(real) else logits.mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            steps += 1
            if engine is not None:
                discriminator.disable_hooks()
            loss_g = -discriminator(shell._apply_activate(generator(torch.randn(batch, LATENT)))).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            opt_d.zero_grad(set_to_none=True)
            if engine is not None:
                discriminator.enable_hooks()
    ledger = None
    if engine is not None:
        delta = 1 / (10 * len(data))
        ledger = {"epsilon_spent": float(engine.get_epsilon(delta)), "epsilon_budget": epsilon, "delta": delta,
                  "noise_multiplier": float(opt_d.noise_multiplier), "max_grad_norm": 1.0,
                  "sample_rate": 1 / len(loader), "steps": steps, "accountant": "rdp"}
        ledger["gankit_ledger_epsilon"] = _gankit_epsilon(ledger)

    def sample(n: int) -> pd.DataFrame:
        with torch.no_grad():
            generator.eval()
            rows_out = shell._apply_activate(generator(torch.randn(n, LATENT)))
        return transformer.inverse_transform(rows_out.numpy())

    return sample, ledger


def _gankit_epsilon(ledger: dict) -> float:
    """gankit's ledger's ε for the same σ, sampling rate and steps (equal to the engine's, checked in the run)."""
    from gankit.train.privacy_ledger import PrivacyLedger

    mine = PrivacyLedger(ledger["epsilon_budget"], ledger["delta"], ledger["noise_multiplier"], 1.0,
                         ledger["sample_rate"], ledger["steps"], "rdp",
                         [(ledger["noise_multiplier"], ledger["sample_rate"], ledger["steps"])])
    return mine.spent()
