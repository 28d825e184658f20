"""How big G and D will be, known before any weight is allocated (they are built on PyTorch's meta device)."""

from __future__ import annotations

import torch

from gankit.config import GanConfig
from gankit.data.layout import Layout
from gankit.data.memory_budget import available_bytes, check_fits
from gankit.nets.build import build_discriminator, build_generator, convolutional

BYTES_PER_WEIGHT = 4 * 4  # float32 weight, gradient and Adam's two moments
ACTIVATION_COPIES = 6  # forward and backward values of G and D per batch element (a rough bound for perceptrons)


def parameter_count(config: GanConfig, layout: Layout) -> int:
    """G's and D's weights for rows of ``layout``, counted on the meta device (no memory is allocated);
    for nets that cannot be built there (the table G indexes its blocks), an upper bound from the widths."""
    try:
        with torch.device("meta"):
            nets = (build_generator(config.model, layout, torch.Generator()),
                    build_discriminator(config.model, layout, torch.Generator()))
    except (NotImplementedError, RuntimeError):
        return width_bound(config, layout)
    return sum(parameter.numel() for net in nets for parameter in net.parameters())


def width_bound(config: GanConfig, layout: Layout) -> int:
    """At least the weights of perceptron G and D: each layer's input is taken as the net's input plus every
    earlier layer (as in a residual G that concatenates them), times maxout's pieces, plus biases."""
    model = config.model
    g_input = model.latent_dim + model.latent_categories + layout.classes
    d_input = layout.width * model.pack
    return (_chain_bound(g_input, model.generator.hidden, layout.width, model.generator.maxout)
            + _chain_bound(d_input, model.discriminator.hidden, 1, model.discriminator.maxout))


def _chain_bound(width_in: int, hidden: list[int], width_out: int, pieces: int) -> int:
    total, fan_in = 0, width_in
    for width in [*hidden, width_out]:
        total += (fan_in + 1) * width * pieces
        fan_in += width
    return total


def check_training_memory(config: GanConfig, layout: Layout, device: torch.device) -> None:
    """Refuse (one line) perceptron nets and batches that cannot fit in the memory of ``device``.

    Counted from the widths (:func:`width_bound`): building even on the meta device initializes
    weights, which imports torch._dynamo (seconds). Image nets (widths ≤ 2048) are not checked.
    """
    if convolutional(layout):
        return
    weights = width_bound(config, layout)
    copies = 1 + (config.train.ema_decay > 0)
    widths = config.model.generator.hidden + config.model.discriminator.hidden + [layout.width * config.model.pack]
    activations = config.train.batch_size * sum(widths) * 4 * ACTIVATION_COPIES
    needed = weights * BYTES_PER_WEIGHT * copies + activations
    free = torch.cuda.mem_get_info(device)[0] if device.type == "cuda" else available_bytes()
    check_fits(needed, f"training G and D ({weights:,} weights, batches of {config.train.batch_size})",
               "make model.generator.hidden / model.discriminator.hidden or train.batch_size smaller", available=free)
