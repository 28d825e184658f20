"""Generator and discriminator families."""

from gankit.nets.build import build_discriminator, build_generator, latent_of
from gankit.nets.latent import Latent
from gankit.nets.mlp import mlp

__all__ = ["mlp", "build_generator", "build_discriminator", "latent_of", "Latent"]
