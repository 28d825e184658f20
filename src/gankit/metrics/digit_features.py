"""A small digit classifier shipped with gankit, used as a feature space for image metrics.

FID needs an ImageNet Inception network that gankit cannot download; for digit-like
images a classifier trained on scikit-learn's 8×8 digits gives a meaningful, offline
feature space instead. :func:`digit_metrics` computes on it:

* ``frechet_digit_distance``: the Fréchet distance of the 64-d penultimate features
  (FID's formula on this network, so only comparable between runs scored by it);
* ``kid_digit_mean`` / ``kid_digit_std``: the kernel distance (KID's formula) on the same features;
* ``classifier_score_fake`` / ``classifier_score_real``: the Inception Score formula on the
  10 class probabilities, 1 (all samples alike or all ambiguous) to 10 (confident, balanced);
* ``fake_label_histogram`` / ``real_label_histogram``: the fraction of images per predicted
  digit 0–9 (a collapsed generator piles up on a few digits).

The network sees 8×8 grayscale in [−1, 1] (digit pixel values 0..16 mapped as x/8 − 1).
Larger or smaller images are area-resized to 8×8 and colour channels are averaged, so
images of any resolution and channel count can be scored. ``scripts/train_digit_classifier.py``
made the weights file.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load as load_safetensors
from torch import nn

from gankit.data.images import load_images
from gankit.metrics.image_distances import (
    KID_SUBSETS,
    as_image_tensor,
    classifier_score,
    frechet_distance_of_features,
    kernel_inception_distance,
)

INPUT_SIZE = 8
FEATURE_DIM = 64
NUM_CLASSES = 10
WEIGHTS_FILE = "digit_classifier.safetensors"
BATCH_SIZE = 1024


class DigitClassifier(nn.Module):
    """Two 3×3 convolutions, a 2×2 max-pool, a 64-unit hidden layer (the features) and 10 logits.

    The hidden layer uses ELU rather than ReLU: with ReLU half its units died in training,
    which leaves constant features and a singular feature covariance.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.hidden = nn.Sequential(nn.Linear(32 * 4 * 4, FEATURE_DIM), nn.ELU())
        self.head = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """N×C×H×W in [−1, 1] → N×1×8×8: channels averaged to gray, area-resized to 8×8."""
        gray = x.float().mean(dim=1, keepdim=True)
        if gray.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            gray = F.adaptive_avg_pool2d(gray, INPUT_SIZE)
        return gray

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The N×64 penultimate activations (the feature space for distances)."""
        return self.hidden(self.conv(self.prepare(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N×10 class logits."""
        return self.head(self.features(x))


def load_digit_images() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 digits as (N×1×8×8 float32 in [−1, 1], N int64 labels)."""
    digits = load_images("digits")
    return torch.from_numpy(digits.images), torch.from_numpy(digits.labels)


@lru_cache(maxsize=1)
def load_digit_classifier() -> DigitClassifier:
    """The shipped classifier (``gankit/weights/digit_classifier.safetensors``) in eval mode, loaded once."""
    blob = (files("gankit") / "weights" / WEIGHTS_FILE).read_bytes()
    model = DigitClassifier()
    model.load_state_dict(load_safetensors(blob))
    model.requires_grad_(False)
    return model.eval()


def digit_outputs(images: torch.Tensor | np.ndarray, name: str = "images") -> tuple[np.ndarray, np.ndarray]:
    """(N×64 features, N×10 class probabilities) of ``images`` under the shipped classifier, in batches."""
    tensor = as_image_tensor(images, name)
    model = load_digit_classifier()
    features, probs = [], []
    with torch.no_grad():
        for batch in tensor.split(BATCH_SIZE):
            hidden = model.features(batch)
            features.append(hidden)
            probs.append(torch.softmax(model.head(hidden), dim=1))
    return torch.cat(features).double().numpy(), torch.cat(probs).double().numpy()


def label_histogram(probs: np.ndarray) -> list[float]:
    """Fraction of rows whose most likely class is 0, 1, …, 9."""
    counts = np.bincount(probs.argmax(axis=1), minlength=NUM_CLASSES)
    return (counts / counts.sum()).tolist()


def digit_metrics(
    fake_images: torch.Tensor | np.ndarray,
    real_images: torch.Tensor | np.ndarray,
    seed: int = 0,
    kid_subsets: int = KID_SUBSETS,
) -> dict[str, float | list[float]]:
    """Fréchet and kernel distances, classifier scores and label histograms on the digit features.

    Keys: ``frechet_digit_distance``, ``kid_digit_mean``, ``kid_digit_std``,
    ``classifier_score_fake``, ``classifier_score_real``, ``fake_label_histogram``,
    ``real_label_histogram`` (see the module docstring). ``seed`` picks the ``kid_subsets``
    KID subsets (each costs three m×m kernel matrices, m = min(1000, set sizes)).
    """
    fake_features, fake_probs = digit_outputs(fake_images, "fake images")
    real_features, real_probs = digit_outputs(real_images, "real images")
    kid_mean, kid_std = kernel_inception_distance(real_features, fake_features, subsets=kid_subsets, seed=seed)
    return {
        "frechet_digit_distance": frechet_distance_of_features(real_features, fake_features),
        "kid_digit_mean": kid_mean,
        "kid_digit_std": kid_std,
        "classifier_score_fake": classifier_score(fake_probs),
        "classifier_score_real": classifier_score(real_probs),
        "fake_label_histogram": label_histogram(fake_probs),
        "real_label_histogram": label_histogram(real_probs),
    }
