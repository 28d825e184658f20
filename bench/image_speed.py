"""DCGAN training throughput on scikit-learn's digits: gankit vs a plain PyTorch loop, same nets and settings.

The baseline is the training loop of d2l's DCGAN chapter written out in plain PyTorch (below, `plain_loop`):
a DataLoader over the images, per batch `update_D` (D on real, D on G(z) detached, BCE, backward, Adam step)
then `update_G` (a fresh G forward, D on it, BCE against "real", backward, Adam step), `torch.optim.Adam`.
Both train the very same nets (gankit's DCGAN G and D, built from the preset with the same seed), batch,
learning rates and epochs, one after the other in this process with the same thread count, after one untimed
warm-up epoch of the plain loop (so neither pays the device's start-up). Reported:
images per second (training only), and the Fréchet digit distance (FD in the shipped digit classifier's
feature space, metrics/digit_features.py) of 1,000 samples of each against 1,000 real digits afterwards.

    python bench/image_speed.py --preset dcgan-digits --epochs 5
    python bench/image_speed.py --preset dcgan-digits --epochs 3 --resolution 32
    python bench/image_speed.py --preset dcgan-digits --epochs 5 --device cuda --precision bf16   # GPU session
"""

from __future__ import annotations

import argparse
import copy
import time

import torch
import torch.nn.functional as F

from gankit import GAN
from gankit.metrics.digit_features import digit_outputs
from gankit.metrics.image_distances import frechet_distance_of_features


def plain_loop(gan: GAN, images: torch.Tensor, epochs: int, device: torch.device) -> float:
    """d2l's DCGAN training loop in plain PyTorch on copies of ``gan``'s fresh nets; returns training seconds."""
    config = gan.config
    net_g, net_d = copy.deepcopy(gan.state.generator).to(device), copy.deepcopy(gan.state.discriminator).to(device)
    opt_g = torch.optim.Adam(net_g.parameters(), lr=config.train.g_optimizer.lr, betas=config.train.g_optimizer.betas)
    opt_d = torch.optim.Adam(net_d.parameters(), lr=config.train.d_optimizer.lr, betas=config.train.d_optimizer.betas)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=config.train.batch_size,
                                         shuffle=True, generator=torch.Generator().manual_seed(0))
    latent = gan.state.latent.dim
    _sync(device)
    started = time.perf_counter()
    for _ in range(epochs):
        for (x,) in loader:
            x = x.to(device)
            z = torch.randn(len(x), latent, device=device)
            ones, zeros = torch.ones(len(x), 1, device=device), torch.zeros(len(x), 1, device=device)
            opt_d.zero_grad()  # update_D
            fake = net_g(z)
            loss_d = (F.binary_cross_entropy_with_logits(net_d(x), ones)
                      + F.binary_cross_entropy_with_logits(net_d(fake.detach()), zeros)) / 2
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()  # update_G
            fake = net_g(z)
            loss_g = F.binary_cross_entropy_with_logits(net_d(fake), ones)
            loss_g.backward()
            opt_g.step()
    _sync(device)
    gan.state.generator.load_state_dict(net_g.state_dict())  # sample from the baseline's G below
    return time.perf_counter() - started


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def frechet(gan: GAN, real: torch.Tensor) -> float:
    fake, _ = gan.sample_images(len(real), seed=1)
    return frechet_distance_of_features(digit_outputs(real)[0], digit_outputs(fake)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="dcgan-digits")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="fp32", help="gankit's precision (the baseline always runs fp32)")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--resolution", type=int, default=None, help="data.resolution (default: the preset's)")
    options = parser.parse_args()
    overrides = [f"train.epochs={options.epochs}", f'train.device="{options.device}"',
                 f'train.precision="{options.precision}"', f"train.channels_last={str(options.channels_last).lower()}"]
    if options.resolution:
        overrides.append(f"data.resolution={options.resolution}")
    gankit = GAN(options.preset, overrides=overrides)
    table = gankit.load_data()
    device = torch.device(options.device)
    # Warm-up, untimed: the first process to run these shapes pays the device's start (CUDA context, cuDNN's
    # algorithm search, kernel loading); without it whichever loop runs first looks slower.
    warm_up = GAN(options.preset, overrides=[*overrides[:2], *overrides[4:]])
    warm_up.prepare(table)
    plain_loop(warm_up, torch.from_numpy(table.values), 1, device)
    gankit.fit(table)
    seconds_gankit = gankit.history[-1].elapsed
    baseline = GAN(options.preset, overrides=[*overrides[:2], *overrides[4:]])
    baseline.prepare(table)
    images = torch.from_numpy(table.values)
    seconds_plain = plain_loop(baseline, images, options.epochs, device)
    real = torch.from_numpy(table.images()[:1000])
    rate_gankit = len(images) * options.epochs / seconds_gankit
    rate_plain = len(images) * options.epochs / seconds_plain
    print(f"{options.preset}, {options.epochs} epochs of {len(images)} images, device {options.device}, "
          f"threads {torch.get_num_threads()}, gankit precision {options.precision}")
    print(f"{'':24s}{'images/s':>10s}{'Fréchet digit distance':>26s}")
    print(f"{'plain PyTorch (d2l loop)':24s}{rate_plain:10.1f}{frechet(baseline, real):26.2f}")
    print(f"{'gankit':24s}{rate_gankit:10.1f}{frechet(gankit, real):26.2f}")
    print(f"speed ratio gankit / plain: {rate_gankit / rate_plain:.2f}x")


if __name__ == "__main__":
    main()
