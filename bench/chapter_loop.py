"""The d2l GAN chapter's training loop, as plain PyTorch: the baseline of the speed benchmarks.

This is gankit's own rewrite of the chapter's code (the Chinese edition's GAN chapter, cells
In[1]-In[10]) with the same arithmetic in the same order, so it gives the same weights as the
chapter's script for the same seed (``tests/test_chapter_loop.py`` checks this against the chapter's script,
when present at ``../shared/seed/reference.py`` beside the checkout: an optional cross-check). Kept as the chapter
has it, costs included:

* 1000 rows ``X·A + b`` with ``X ~ N(0, I)`` drawn by NumPy, served in data order in batches of 8
  (float64, as the chapter's ``DataLoader`` over a NumPy array gives them, cast to float32 for D);
* G = ``Linear(2, 2)``, D = ``Linear(2,5)-Tanh-Linear(5,3)-Tanh-Linear(3,1)-Sigmoid``, every weight
  redrawn from N(0, 0.02) and every bias zeroed after PyTorch's default initialisation;
* ``torch.optim.Adam`` with lr 0.05 (D) and 0.005 (G), ``BCELoss``;
* per batch: noise from ``np.random.normal``; a D step on (real → 1, G(Z) → 0) with the loss halved
  and G's graph not detached; then a G step on the same Z; each loss read back with ``float``.

    python bench/chapter_loop.py [--seed S] [--epochs N] [--out samples.npy]

prints one JSON line like reference.py's: seed, epochs, steps, train_seconds, us_per_step, d_loss, g_loss.
Runs in a plain clone (needs only torch and NumPy).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from torch import nn

A = np.array([[1, 2], [-0.1, 0.5]])
B = np.array([1, 2])
ROWS, BATCH, LATENT = 1000, 8, 2
LR_D, LR_G = 0.05, 0.005


def chapter_data() -> np.ndarray:
    """The chapter's 1000 training rows (the first NumPy draw after seeding)."""
    return np.random.normal(size=(ROWS, 2)).dot(A) + B


def chapter_nets() -> tuple[nn.Module, nn.Module]:
    """G then D, built and initialised in the chapter's order (the order consumes torch's random stream)."""
    generator = nn.Sequential(nn.Linear(2, 2))
    _normal_init(generator)
    discriminator = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid())
    _normal_init(discriminator)
    return generator, discriminator


def _normal_init(net: nn.Module) -> None:
    for module in net.modules():
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(0, 0.02)
            module.bias.data.zero_()


def train_chapter(data: np.ndarray, generator: nn.Module, discriminator: nn.Module, epochs: int) -> tuple[float, float]:
    """The chapter's ``train``: D step then G step per batch of 8, in data order; the last losses."""
    loss = nn.BCELoss()
    trainer_d = torch.optim.Adam(discriminator.parameters(), lr=LR_D)
    trainer_g = torch.optim.Adam(generator.parameters(), lr=LR_G)
    rows = torch.from_numpy(data)  # float64, as the chapter's DataLoader yields
    d_loss = g_loss = 0.0
    for _ in range(epochs):
        for start in range(0, len(rows), BATCH):
            x = rows[start : start + BATCH]
            n = x.shape[0]
            z = torch.from_numpy(np.random.normal(0, 1, (n, LATENT))).float()
            ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)
            trainer_d.zero_grad()
            fake = generator(z)  # not detached, as in the chapter: the D step also fills G's gradients
            loss_d = (loss(discriminator(x.float()), ones) + loss(discriminator(fake), zeros)) / 2
            loss_d.backward()
            trainer_d.step()
            d_loss = float(loss_d.sum())
            trainer_g.zero_grad()
            loss_g = loss(discriminator(generator(z)), ones)
            loss_g.backward()
            trainer_g.step()
            g_loss = float(loss_g.sum())
    return d_loss, g_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default=None, help="save 10,000 samples of the trained G to this .npy file")
    args = parser.parse_args()
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    data = chapter_data()
    generator, discriminator = chapter_nets()
    started = time.perf_counter()
    d_loss, g_loss = train_chapter(data, generator, discriminator, args.epochs)
    seconds = time.perf_counter() - started
    steps = args.epochs * -(-ROWS // BATCH)
    if args.out:
        with torch.no_grad():
            np.save(args.out, generator(torch.randn(10000, LATENT)).numpy())
    print(json.dumps({"seed": args.seed, "epochs": args.epochs, "steps": steps, "train_seconds": round(seconds, 4),
                      "us_per_step": round(seconds / steps * 1e6, 1), "d_loss": d_loss, "g_loss": g_loss}))


if __name__ == "__main__":
    main()
