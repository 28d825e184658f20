"""G and D for a config and a row layout: perceptrons for rows, convolutional nets for images."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from gankit.config import ModelConfig
from gankit.data.layout import Layout
from gankit.errors import UserError
from gankit.nets.dcgan import DCGANDiscriminator, DCGANGenerator, initialize_dcgan
from gankit.nets.latent import Latent
from gankit.nets.mlp import apply_spectral_norm, initialize, mlp
from gankit.nets.table_nets import TabularGenerator


def latent_of(model: ModelConfig, layout: Layout) -> Latent:
    """G's input law; a conditional GAN's code is the one-hot class (uniform, or by ``layout.code_probs``);
    with ``model.output_noise`` it also carries one ε column per output (``latent.py``)."""
    latent = dataclasses.replace(Latent.of(model), noise=layout.width if model.output_noise > 0 else 0)
    if layout.classes:
        return dataclasses.replace(latent, categories=layout.classes, code_probs=layout.code_probs)
    return dataclasses.replace(latent, code_index=_perceptron_generator(model, layout))


def convolutional(layout: Layout) -> bool:
    """Whether rows of ``layout`` are images, which the DCGAN nets take (and whose memory is not estimated)."""
    return layout.image is not None  # the net family follows the row layout: the nets' one test of the data's kind


def _perceptron_generator(model: ModelConfig, layout: Layout) -> bool:
    """True when G is an :class:`~gankit.nets.mlp.MLP` (rows, not images or tables), which reads a latent code by
    lookup, so the latent can carry the code's index instead of its one-hot columns."""
    return not convolutional(layout) and model.kind != "tabular"


def build_generator(model: ModelConfig, layout: Layout, generator: torch.Generator) -> nn.Module:
    """G: a latent row (noise and optional one-hot code, see ``latent.py``) → a data row."""
    latent = latent_of(model, layout)
    width = latent.width
    if convolutional(layout):
        net = DCGANGenerator(width, layout.image, model.g_width, layout.classes)
        initialize_dcgan(net, model.init_std, generator)
        return net
    if model.kind == "tabular":
        net = TabularGenerator(width, layout.width - layout.classes, model.generator.hidden, layout.softmax_blocks,
                               model.gumbel_tau, layout.classes)
        initialize(net, model, generator)
        return net
    net = mlp(latent.dim + latent.categories, layout.width, model.generator)  # it never sees output noise's ε
    initialize(net, model, generator)
    if latent.categories:
        net.read_code_by_lookup(latent.categories)  # the latent's last column is the code's index
        if model.code_fan_in:
            net.initialize_first_layer_as_if_code_were(model.code_fan_in, generator)
    if model.output_noise > 0:
        net.add_output_noise(latent.dim, model.output_noise, model.output_noise_lr_mul, model.output_noise_entropy)
    return apply_spectral_norm(net) if model.generator.spectral_norm else net


def build_discriminator(model: ModelConfig, layout: Layout, generator: torch.Generator) -> nn.Module:
    """D: a pack of ``model.pack`` data rows, concatenated (PacGAN), → one logit (real > 0 > fake)."""
    if convolutional(layout):
        net = DCGANDiscriminator(layout.image, model.d_width, model.pack, layout.classes, model.discriminator.spectral_norm)
        initialize_dcgan(net, model.init_std, generator)
        return net
    if model.conditional:
        raise UserError("model.conditional needs image data with class labels (class subfolders, or an .npz with labels)")
    net = mlp(layout.width * model.pack, 1, model.discriminator)
    initialize(net, model, generator)
    return apply_spectral_norm(net) if model.discriminator.spectral_norm else net
