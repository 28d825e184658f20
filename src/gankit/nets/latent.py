"""The generator's latent input: Gaussian noise, optionally with a uniform categorical code.

With ``model.latent_categories = C`` > 0 every latent row is ``[z, one_hot(c)]`` with
z ~ N(0, σ²I) of ``latent_dim`` columns (σ = ``model.latent_std``) and c uniform on
{0, …, C−1} (as InfoGAN's and DeLiGAN's discrete codes). The latent space is then C
disconnected pieces, so a continuous G can put its samples on disconnected modes with
no mass between them — which a connected Gaussian latent cannot do. A small σ makes
the code, not z, the easy way for G to move samples far apart.

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

    @classmethod
    def of(cls, model: ModelConfig) -> Latent:
        return cls(model.latent_dim, model.latent_categories, model.latent_std)

    @property
    def width(self) -> int:
        """Columns of one latent row: the Gaussian part plus the one-hot code."""
        return self.dim + self.categories

    def sample(self, n: int, generator: torch.Generator | None, device: torch.device | str = "cpu") -> torch.Tensor:
        """``n`` rows from ``generator`` (Gaussian first, then the code, so C = 0, σ = 1 draws as plain randn)."""
        noise = torch.randn(n, self.dim, generator=generator, device=device)
        if self.std != 1.0:
            noise = noise * self.std
        if self.categories == 0:
            return noise
        if self.code_probs:
            probs = torch.tensor(self.code_probs, device=device)
            codes = torch.multinomial(probs, n, replacement=True, generator=generator)
        else:
            codes = torch.randint(self.categories, (n,), generator=generator, device=device)
        return torch.cat((noise, F.one_hot(codes, self.categories).to(noise.dtype)), dim=1)
