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

With ``code_index`` the code is one column holding c itself instead of C one-hot columns: a
perceptron G reads it by lookup (``nets/mlp.py``), the same as a product with the one-hot
code, while an epoch's latent rows stay ``dim + noise + 1`` wide however many categories
there are (100,000 rows of a 1,000-category one-hot code were 400 MB per member).

A class-conditional GAN's code is the class asked for; ``code_probs`` then gives
its law when it is not uniform (a table's conditions, ``data/condition.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gankit.config import ModelConfig


@dataclass(frozen=True)
class Latent:
    """The shape and law of G's input rows."""

    dim: int
    categories: int = 0
    std: float = 1.0
    code_probs: tuple[float, ...] = ()  # the code's law; empty = uniform
    noise: int = 0  # columns of N(0, 1) for G's output noise, after the Gaussian part
    code_index: bool = False  # the code as one column holding c, not C one-hot columns

    @classmethod
    def of(cls, model: ModelConfig) -> Latent:
        return cls(model.latent_dim, model.latent_categories, model.latent_std)

    @property
    def width(self) -> int:
        """Columns of one latent row: the Gaussian part, the output noise and the code (one-hot or its index)."""
        code = min(self.categories, 1) if self.code_index else self.categories
        return self.dim + self.noise + code

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
        if self.code_index:
            return torch.cat((noise, codes.unsqueeze(1).to(noise.dtype)), dim=1)
        return _with_one_hot(noise, codes, self.categories)


def _with_one_hot(noise: torch.Tensor, codes: torch.Tensor, categories: int) -> torch.Tensor:
    """``[noise, one_hot(codes)]`` written into one zeroed block: ``F.one_hot`` builds an int64 block
    and ``cat`` copies it again, which with 1,000 categories cost more than G's own layers."""
    rows = noise.new_zeros(len(noise), noise.shape[1] + categories)
    rows[:, : noise.shape[1]] = noise
    return rows.scatter_(1, codes.unsqueeze(1) + noise.shape[1], 1.0)
