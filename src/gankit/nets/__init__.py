"""Generator and discriminator families."""

from gankit.nets.latent import Latent
from gankit.nets.mlp import build_discriminator, build_generator, mlp

__all__ = ["mlp", "build_generator", "build_discriminator", "Latent"]
