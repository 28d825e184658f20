"""Image metrics: Fréchet and kernel distances, the classifier score, the shipped digit classifier,
and the torch-fidelity entry point (with a stand-in module: the real one is not installed)."""

from __future__ import annotations

import math
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gankit.errors import UserError
from gankit.metrics.digit_features import (
    FEATURE_DIM,
    digit_metrics,
    digit_outputs,
    load_digit_classifier,
    load_digit_images,
)
from gankit.metrics.image_distances import (
    classifier_score,
    fidelity_metrics,
    frechet_distance,
    frechet_distance_of_features,
    kernel_inception_distance,
)

WEIGHTS = Path(__file__).resolve().parents[1] / "src" / "gankit" / "weights" / "digit_classifier.safetensors"


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    return load_digit_images()


@pytest.fixture(scope="module")
def halves(digits) -> tuple[torch.Tensor, torch.Tensor]:
    images, _ = digits
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    return images[order[:900]], images[order[900:]]


# Fréchet distance


def test_frechet_distance_of_1d_gaussians_is_the_hand_value():
    # (0 − 3)² + 1 + 4 − 2·√(1·4) = 9 + 1 = 10
    assert frechet_distance(0.0, 1.0, 3.0, 4.0) == pytest.approx(10.0, abs=1e-9)


def test_frechet_distance_of_diagonal_gaussians_is_the_hand_value():
    # ‖(1, 1)‖² + (1 + 9 − 2·3) + (4 + 1 − 2·2) = 2 + 4 + 1
    value = frechet_distance(np.zeros(2), np.diag([1.0, 4.0]), np.ones(2), np.diag([9.0, 1.0]))
    assert value == pytest.approx(7.0, abs=1e-9)


def test_frechet_distance_of_identical_sets_is_zero_and_it_is_symmetric():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(size=(300, 6)) + 0.5
    assert abs(frechet_distance_of_features(a, a)) < 1e-6
    assert frechet_distance_of_features(a, b) == pytest.approx(frechet_distance_of_features(b, a), rel=1e-9)
    assert frechet_distance_of_features(a, b) > 1.0


def test_frechet_distance_survives_a_singular_covariance():
    # The second coordinate is constant in both sets: only the mean shift of 3 remains, 3² = 9.
    x = np.random.default_rng(1).normal(size=(400, 1))
    a = np.hstack([x, np.zeros_like(x)])
    b = np.hstack([x + 3.0, np.zeros_like(x)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = frechet_distance_of_features(a, b)
    assert value == pytest.approx(9.0, abs=1e-4)


def test_feature_sets_of_different_widths_are_a_user_error():
    with pytest.raises(UserError, match="different widths"):
        frechet_distance_of_features(np.zeros((5, 2)), np.zeros((5, 3)))


# Kernel (KID) distance


def test_kid_of_a_one_dimensional_pair_is_the_hand_value():
    # k(x, y) = (xy + 1)³. Within X: k(1, 2) = 27; within Y: k(0, 1) = 1;
    # across: k(1,0) + k(1,1) + k(2,0) + k(2,1) = 1 + 8 + 1 + 27 = 37 → 37/4.
    mean, std = kernel_inception_distance(np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]]), subsets=3, subset_size=2)
    assert mean == pytest.approx(27.0 + 1.0 - 2.0 * 37.0 / 4.0)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_kid_divides_the_dot_product_by_the_dimension_and_can_be_negative():
    # d = 2, k(a, b) = (a·b/2 + 1)³. Within X and within Y the dot products are 0 → 1 each;
    # across: 1.5³ + 1 + 1.5³ + 1 = 8.75 → MMD² = 1 + 1 − 2·8.75/4 = −2.375.
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 1.0], [0.0, 0.0]])
    mean, _ = kernel_inception_distance(x, y, subsets=1, subset_size=3)
    assert mean == pytest.approx(-2.375)


def test_kid_is_near_zero_for_one_set_and_clearly_positive_for_a_shifted_one():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 8))
    same, _ = kernel_inception_distance(a, a, subsets=20, subset_size=100)
    shifted, _ = kernel_inception_distance(a, a + 0.5, subsets=20, subset_size=100)
    assert abs(same) < 0.1
    assert shifted > 1.0


# Classifier score


def test_classifier_score_of_uniform_predictions_is_one():
    assert classifier_score(np.full((20, 10), 0.1)) == pytest.approx(1.0)


def test_classifier_score_of_confident_balanced_predictions_is_the_class_count():
    assert classifier_score(np.repeat(np.eye(10), 3, axis=0)) == pytest.approx(10.0)


def test_classifier_score_of_a_mixed_pair_is_the_hand_value():
    # p(y) = (¾, ¼); KL of row 1 = log(4/3), of row 2 = ½·log(2/3) + ½·log 2 = ½·log(4/3).
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert classifier_score(probs) == pytest.approx((4.0 / 3.0) ** 0.75)


def test_rows_that_are_not_probabilities_are_a_user_error():
    with pytest.raises(UserError, match="sum to 1"):
        classifier_score(np.array([[0.7, 0.7], [0.5, 0.5]]))


# The shipped digit classifier


def test_shipped_weights_are_small_and_classify_the_digits(digits):
    images, labels = digits
    assert WEIGHTS.stat().st_size < 200_000
    assert load_digit_classifier() is load_digit_classifier()
    features, probs = digit_outputs(images)
    assert features.shape == (len(images), FEATURE_DIM)
    assert (probs.argmax(1) == labels.numpy()).mean() >= 0.97


def test_upscaled_and_rgb_digits_still_classify(digits):
    images, labels = digits
    larger = F.interpolate(images, size=16, mode="bilinear", align_corners=False)
    rgb32 = F.interpolate(images, size=32, mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    for variant in (larger, rgb32.numpy()):
        assert (digit_outputs(variant)[1].argmax(1) == labels.numpy()).mean() >= 0.9


def test_frechet_digit_distance_orders_real_below_noise(halves):
    first, second = halves
    noise = torch.rand(first.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    real_features = digit_outputs(first)[0]
    same = frechet_distance_of_features(real_features, digit_outputs(second)[0])
    different = frechet_distance_of_features(real_features, digit_outputs(noise)[0])
    assert 0 < same < different / 10


def test_digit_metrics_flag_a_generator_that_only_draws_threes(digits, halves):
    images, labels = digits
    threes = images[labels == 3]
    metrics = digit_metrics(threes, halves[0], kid_subsets=3)
    assert metrics["fake_label_histogram"][3] >= 0.95
    assert sum(metrics["real_label_histogram"]) == pytest.approx(1.0)
    assert metrics["classifier_score_fake"] < 1.5 < 9.0 < metrics["classifier_score_real"] <= 10.0
    assert metrics["frechet_digit_distance"] > 10.0
    assert metrics["kid_digit_mean"] > 0.0


@pytest.mark.parametrize(
    ("images", "problem"),
    [(torch.zeros(4, 8, 8), "N×C×H×W"), (torch.full((2, 1, 8, 8), float("nan")), "NaN")],
)
def test_bad_image_arrays_are_user_errors_naming_the_set(images, problem, halves):
    with pytest.raises(UserError, match=f"fake images.*{problem}"):
        digit_metrics(images, halves[0])


# torch-fidelity (optional; a stand-in module records the call)


@pytest.fixture
def fake_fidelity(monkeypatch):
    calls = []

    def calculate_metrics(**kwargs):
        calls.append(kwargs)
        return {
            "frechet_inception_distance": 12.5,
            "kernel_inception_distance_mean": 0.01,
            "kernel_inception_distance_std": 0.002,
            "precision": 0.75,
            "recall": 0.5,
            "f_score": 0.6,
        }

    module = types.ModuleType("torch_fidelity")
    module.calculate_metrics = calculate_metrics
    monkeypatch.setitem(sys.modules, "torch_fidelity", module)
    return calls


def test_missing_torch_fidelity_is_a_one_line_user_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch_fidelity", None)
    with pytest.raises(UserError, match=r"optional torch-fidelity package, which needs torchvision: pip install .*torch-fidelity") as error:
        fidelity_metrics(torch.zeros(4, 1, 8, 8), torch.zeros(4, 1, 8, 8), tmp_path / "w.pth")
    assert "\n" not in str(error.value)


@pytest.fixture
def inception_like_weights(tmp_path) -> Path:
    """A state dict with the shape of Inception's 1008-way classifier (all the check looks at)."""
    path = tmp_path / "weights-inception-2015-12-05-6726825d.pth"
    torch.save({"fc.weight": torch.zeros(1008, 2048), "fc.bias": torch.zeros(1008)}, path)
    return path


def test_missing_or_wrong_inception_weights_are_user_errors(fake_fidelity, tmp_path):
    images = torch.zeros(4, 1, 8, 8)
    with pytest.raises(UserError, match="needs --inception-weights PATH .*gankit never downloads"):
        fidelity_metrics(images, images, None)
    with pytest.raises(UserError, match="--inception-weights: no file at"):
        fidelity_metrics(images, images, tmp_path / "absent.pth")
    (tmp_path / "text.pth").write_text("not weights")
    with pytest.raises(UserError, match="text.pth is not a PyTorch weights file"):
        fidelity_metrics(images, images, tmp_path / "text.pth")
    torch.save({"fc.weight": torch.zeros(10, 64)}, tmp_path / "digits.pth")
    with pytest.raises(UserError, match="has no 1008×2048 fc.weight"):
        fidelity_metrics(images, images, tmp_path / "digits.pth")
    assert fake_fidelity == []


def test_fidelity_metrics_pass_local_weights_and_uint8_images(fake_fidelity, inception_like_weights):
    weights = inception_like_weights
    real = -torch.ones(6, 1, 8, 8)
    fake = torch.ones(5, 3, 16, 16)
    result = fidelity_metrics(fake, real, weights)
    assert result == {"fid": 12.5, "kid_mean": 0.01, "kid_std": 0.002, "precision": 0.75, "recall": 0.5}
    (kwargs,) = fake_fidelity
    assert kwargs["feature_extractor_weights_path"] == str(weights)
    assert kwargs["feature_extractor"] == "inception-v3-compat"
    assert (kwargs["fid"], kwargs["kid"], kwargs["prc"], kwargs["isc"]) == (True, True, True, False)
    assert kwargs["datasets_download"] is False
    assert kwargs["kid_subset_size"] == 5
    real_set, fake_set = kwargs["input1"], kwargs["input2"]
    assert (len(real_set), len(fake_set)) == (6, 5)
    assert real_set[0].dtype == torch.uint8 and real_set[0].shape == (3, 8, 8)
    assert int(real_set[0].max()) == 0 and int(fake_set[4].min()) == 255
    assert fake_set[0].shape == (3, 16, 16)
    assert math.isfinite(result["fid"])
