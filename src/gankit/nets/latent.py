"""The generator's latent input: Gaussian noise, optionally with a uniform categorical code.

With ``model.latent_categories = C`` > 0 every latent row is ``[z, one_hot(c)]`` with
z ~ N(0, σ²I) of ``latent_dim`` columns (σ = ``model.latent_std``) and c uniform on
{0, …, C−1} (as InfoGAN's and DeLiGAN's discrete codes). The latent space is then C
disconnected pieces, so a continuous G can put its samples on disconnected modes with
no mass between them — which a connected Gaussian latent cannot do. A small σ makes
the code, not z, the easy way for G to move samples far apart.

With ``model.output_noise`` > 0 every row also carries ``noise`` columns of N(0, 1) between
the Gaussian part and the code (``[z, ε, one_hot(c)]``): the ε that G adds, at a learned
scale, to its outputs (``nets/mlp.py``). Drawing ε with the latent keeps it in the seeded
noise stream that single runs and sweep members share.

A class-conditional GAN's code is the class asked for; ``code_probs`` then gives
its law when it is not uniform (a table's conditions, ``data/condition.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gankit.config import ModelConfig


@dataclass(frozen=True)
class Latent:
    """The shape and law of G's input rows."""

    dim: int
    categories: int = 0
    std: float = 1.0
    code_probs: tuple[float, ...] = ()  # the code's law; empty = uniform
    noise: int = 0  # columns of N(0, 1) for G's output noise, after the Gaussian part

    @classmethod
    def of(cls, model: ModelConfig) -> Latent:
        return cls(model.latent_dim, model.latent_categories, model.latent_std)

    @property
    def width(self) -> int:
        """Columns of one latent row: the Gaussian part, the output noise and the one-hot code."""
        return self.dim + self.noise + self.categories

    def sample(self, n: int, generator: torch.Generator | None, device: torch.device | str = "cpu") -> torch.Tensor:
        """``n`` rows from ``generator`` (Gaussian first, then the code, so C = 0, σ = 1 draws as plain randn)."""
        noise = torch.randn(n, self.dim + self.noise, generator=generator, device=device)
        if self.std != 1.0:
            noise[:, : self.dim] *= self.std  # the output noise's columns stay N(0, 1)
        if self.categories == 0:
            return noise
        if self.code_probs:
            probs = torch.tensor(self.code_probs, device=device)
            codes = torch.multinomial(probs, n, replacement=True, generator=generator)
        else:
            codes = torch.randint(self.categories, (n,), generator=generator, device=device)
        return torch.cat((noise, F.one_hot(codes, self.categories).to(noise.dtype)), dim=1)
