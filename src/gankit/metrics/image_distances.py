"""Distances between image sets, computed on feature vectors, and the torch-fidelity entry point.

* Fréchet distance (the FID formula, Heusel et al. 2017) between Gaussians fitted to two
  feature sets, with pytorch-fid's numerics.
* Kernel distance (the KID formula, Bińkowski et al. 2018): the unbiased MMD² with the
  cubic polynomial kernel, averaged over random subsets, as torch-fidelity computes it.
* The Inception Score formula on any classifier's class probabilities.
* :func:`fidelity_metrics`: FID, KID and precision/recall on ImageNet Inception features
  through the optional torch-fidelity package, from a local weights file only.

Images are float N×C×H×W tensors or arrays in [−1, 1].
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import scipy.linalg
import torch
from scipy.special import xlogy
from torch.utils.data import Dataset

from gankit.data.images import to_uint8
from gankit.errors import UserError
from gankit.install_hint import install_hint

FRECHET_EPS = 1e-6
IMAGINARY_TOLERANCE = 1e-3
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
# torch-fidelity's precision/recall compares each point with its 3rd nearest neighbour.
MIN_FIDELITY_IMAGES = 4
INCEPTION_WEIGHTS_NAME = "the 2015-12-05 Inception weights, torch-fidelity's weights-inception-2015-12-05-6726825d.pth"
INCEPTION_FC_SHAPE = (1008, 2048)
# torch-fidelity result key → gankit name.
FIDELITY_KEYS = {
    "frechet_inception_distance": "fid",
    "kernel_inception_distance_mean": "kid_mean",
    "kernel_inception_distance_std": "kid_std",
    "precision": "precision",
    "recall": "recall",
}


def as_image_tensor(images: torch.Tensor | np.ndarray, name: str = "images") -> torch.Tensor:
    """``images`` as a detached float32 CPU tensor, after checking it is a finite, non-empty N×C×H×W set."""
    tensor = images.detach().cpu() if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
    if tensor.ndim != 4 or tensor.shape[0] == 0:
        raise UserError(f"{name}: expected a non-empty N×C×H×W image array, got shape {tuple(tensor.shape)}")
    tensor = tensor.float()
    if not torch.isfinite(tensor).all():
        raise UserError(f"{name}: contains NaN or infinite pixel values")
    return tensor


def _feature_matrix(features: np.ndarray | torch.Tensor, name: str) -> np.ndarray:
    """A float64 N×D matrix with N ≥ 2 (a covariance or an unbiased MMD needs two rows)."""
    matrix = np.asarray(features.detach().cpu() if isinstance(features, torch.Tensor) else features, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] < 2:
        raise UserError(f"{name}: expected an N×D feature matrix with N ≥ 2, got shape {matrix.shape}")
    return matrix


def _matching(f1: np.ndarray, f2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = _feature_matrix(f1, "features 1"), _feature_matrix(f2, "features 2")
    if a.shape[1] != b.shape[1]:
        raise UserError(f"features: the two sets have different widths ({a.shape[1]} and {b.shape[1]})")
    return a, b


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """``scipy.linalg.sqrtm`` without its singular-matrix warning (the caller checks the result)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def _sqrtm_product(cov1: np.ndarray, cov2: np.ndarray) -> np.ndarray | None:
    """The real part of (Σ1Σ2)^½, or None when it is not finite or has a large imaginary part."""
    root = _sqrtm(cov1 @ cov2)
    if not np.isfinite(root).all():
        return None
    if np.iscomplexobj(root):
        if not np.allclose(np.diagonal(root).imag, 0, atol=IMAGINARY_TOLERANCE):
            return None
        root = root.real
    return root


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """‖μ1−μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½): the Fréchet (2-Wasserstein) distance of two Gaussians.

    As pytorch-fid: float64 ``scipy.linalg.sqrtm``, a tiny imaginary part dropped, and when
    the product is singular (root not finite, or clearly complex) ``eps·I`` is added to both
    covariances first. Scalars and 1-element arrays are accepted for the 1-D case.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    dim = mu1.shape[0]
    if mu2.shape != (dim,) or cov1.shape != (dim, dim) or cov2.shape != (dim, dim):
        raise UserError(
            "frechet_distance: means and covariances disagree in size "
            f"({mu1.shape}, {cov1.shape}, {mu2.shape}, {cov2.shape})"
        )
    root = _sqrtm_product(cov1, cov2)
    if root is None:
        offset = np.eye(dim) * FRECHET_EPS
        root = np.real(_sqrtm((cov1 + offset) @ (cov2 + offset)))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * np.trace(root))


def frechet_distance_of_features(f1: np.ndarray | torch.Tensor, f2: np.ndarray | torch.Tensor) -> float:
    """:func:`frechet_distance` of Gaussians fitted to two N×D feature sets (mean, unbiased covariance)."""
    a, b = _matching(f1, f2)
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def polynomial_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² of two equal-size sets with k(a, b) = (aᵀb/d + 1)³.

    Within-set sums leave out the diagonal; the cross term averages all m² pairs
    (Bińkowski et al.'s ``unbiased`` estimator, torch-fidelity's default).
    """
    m, dim = x.shape

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        base = a @ b.T / dim + 1.0
        return base * base * base  # 10× faster than ``base ** 3`` in NumPy

    k_xx, k_yy = kernel(x, x), kernel(y, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * kernel(x, y).mean())


def kernel_inception_distance(
    f1: np.ndarray | torch.Tensor,
    f2: np.ndarray | torch.Tensor,
    subsets: int = KID_SUBSETS,
    subset_size: int = KID_SUBSET_SIZE,
    seed: int = 0,
) -> tuple[float, float]:
    """(mean, std) of :func:`polynomial_mmd2` over ``subsets`` random subsets drawn from each set.

    Each subset holds ``min(subset_size, len(f1), len(f2))`` rows drawn without replacement.
    Small negative values are possible (the estimator is unbiased) and mean "indistinguishable".
    """
    a, b = _matching(f1, f2)
    if subsets < 1 or subset_size < 2:
        raise UserError(
            f"kernel_inception_distance: subsets must be ≥ 1 and subset_size ≥ 2, got {subsets} and {subset_size}"
        )
    size = min(subset_size, a.shape[0], b.shape[0])
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            polynomial_mmd2(a[rng.choice(len(a), size, replace=False)], b[rng.choice(len(b), size, replace=False)])
            for _ in range(subsets)
        ]
    )
    return float(values.mean()), float(values.std())


def classifier_score(probs: np.ndarray | torch.Tensor) -> float:
    """exp(E_x KL(p(y|x) ‖ p(y))): the Inception Score formula on N×K class probabilities.

    1 when every row is the same distribution; K when rows are one-hot and spread evenly over K classes.
    """
    p = _feature_matrix(probs, "class probabilities")
    if (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-3):
        raise UserError("class probabilities: every row must be non-negative and sum to 1")
    marginal = p.mean(0, keepdims=True)
    kl = (xlogy(p, p) - xlogy(p, marginal)).sum(1)
    return float(np.exp(kl.mean()))


class _ImageSet(Dataset):
    """A fixed uint8 N×3×H×W image set, one tensor per item (the form torch-fidelity reads)."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


def to_uint8_rgb(images: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    """[−1, 1] N×C×H×W → uint8 N×3×H×W in 0..255 (gray repeated over three channels)."""
    tensor = as_image_tensor(images, name)
    if tensor.shape[1] not in (1, 3):
        raise UserError(f"{name}: Inception metrics need 1 or 3 channels, got {tensor.shape[1]}")
    if tensor.shape[0] < MIN_FIDELITY_IMAGES:
        raise UserError(
            f"{name}: FID/KID/precision-recall need at least {MIN_FIDELITY_IMAGES} images, got {tensor.shape[0]}"
        )
    pixels = torch.from_numpy(to_uint8(tensor.numpy())).permute(0, 3, 1, 2)
    return pixels.expand(-1, 3, -1, -1).contiguous()


def _import_torch_fidelity() -> ModuleType:
    try:
        return importlib.import_module("torch_fidelity")
    except ImportError as error:
        raise UserError(
            "FID/KID/precision-recall need the optional torch-fidelity package, which needs torchvision: "
            f"{install_hint('fidelity')} ({error})"
        ) from error


def _checked_weights(inception_weights: Path | None) -> Path:
    """The weights path, once it is known to hold a state dict with Inception's 1008-way ``fc`` layer."""
    if inception_weights is None:
        raise UserError(
            f"FID/KID/precision-recall needs --inception-weights PATH ({INCEPTION_WEIGHTS_NAME}); gankit never downloads"
        )
    path = Path(inception_weights)
    if not path.is_file():
        raise UserError(
            f"--inception-weights: no file at {path} (expected {INCEPTION_WEIGHTS_NAME}); gankit never downloads"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any unreadable file: pickle, zip and torch errors differ by version
        raise UserError(
            f"--inception-weights: {path} is not a PyTorch weights file ({type(error).__name__})"
        ) from error
    fc = state.get("fc.weight") if isinstance(state, dict) else None
    if fc is None or tuple(fc.shape) != INCEPTION_FC_SHAPE:
        rows, cols = INCEPTION_FC_SHAPE
        raise UserError(
            f"--inception-weights: {path} has no {rows}×{cols} fc.weight; expected {INCEPTION_WEIGHTS_NAME}"
        )
    return path


def check_fidelity_inputs(inception_weights: Path | None) -> None:
    """Refuse in one line, before any work starts, when torch-fidelity or a valid weights file is missing."""
    _import_torch_fidelity()
    _checked_weights(inception_weights)


def fidelity_metrics(
    fake_images: torch.Tensor | np.ndarray, real_images: torch.Tensor | np.ndarray, inception_weights: Path | None
) -> dict[str, float]:
    """FID, KID (mean, std), precision and recall on Inception-v3 features, via torch-fidelity.

    All metrics use torch-fidelity's ``inception-v3-compat`` extractor loaded from
    ``inception_weights`` (its default for precision/recall would be a downloaded VGG16).
    Real images are torch-fidelity's ``input1`` and fake ones ``input2``, its convention for
    precision (fake inside the real manifold) and recall (real inside the fake manifold).
    Returns ``fid``, ``kid_mean``, ``kid_std``, ``precision``, ``recall``.
    """
    torch_fidelity = _import_torch_fidelity()
    weights = _checked_weights(inception_weights)
    real = to_uint8_rgb(real_images, "real images")
    fake = to_uint8_rgb(fake_images, "fake images")
    result = torch_fidelity.calculate_metrics(
        input1=_ImageSet(real),
        input2=_ImageSet(fake),
        feature_extractor="inception-v3-compat",
        feature_extractor_weights_path=str(weights),
        fid=True,
        kid=True,
        prc=True,
        isc=False,
        kid_subset_size=min(KID_SUBSET_SIZE, len(real), len(fake)),
        cuda=torch.cuda.is_available(),
        datasets_download=False,
        cache=False,
        save_cpu_ram=True,
        verbose=False,
    )
    return {name: float(result[key]) for key, name in FIDELITY_KEYS.items()}
