"""The evaluation of an image GAN: two-sample tests in a feature space, plus image scores.

Pixels are too many dimensions for the two-sample tests to have power, so the
generated and real images are first mapped by the digit classifier shipped with
gankit (``metrics/digit_features.py``, its 64-wide penultimate layer). Any fixed
feature map keeps the tests valid (a rejection still means "different"); for
digits it is also a meaningful one. On those features: MMD, energy, k-NN and
logistic C2ST with the Holm-corrected verdict, the Fréchet digit distance, KID and
the classifier score (an Inception Score on the digit classes). On ``shapes`` the
exact shape precision and recall (``data/shapes.py``). With
``eval.inception_weights``: FID, KID and precision/recall through torch-fidelity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gankit.metrics.digit_features import digit_outputs, label_histogram
from gankit.metrics.evaluate import EvalReport, evaluate
from gankit.metrics.image_distances import classifier_score, fidelity_metrics, frechet_distance_of_features, kernel_inception_distance
from gankit.metrics.result import TestResult

KID_SUBSETS = 10  # eval.n rows are at most 5,000: a few subsets of up to 1,000 suffice


def evaluate_images(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    permutations: int = 500,
    alpha: float = 0.05,
    seed: int = 0,
    shapes: bool = False,
    inception_weights: str | Path | None = None,
) -> EvalReport:
    """Generated images against real ones (both N×C×H×W in [−1, 1]).

    ``shapes``: the images are ``shapes`` triangles, so also score exact shape precision and
    recall; ``inception_weights``: a local Inception weights file for FID/KID/precision-recall.
    """
    real_features, real_probs = digit_outputs(real, "real images")
    fake_features, fake_probs = digit_outputs(fake, "generated images")
    report = evaluate(real_features, fake_features, permutations=permutations, alpha=alpha, seed=seed)
    counts = (len(real), len(fake), seed)
    kid_mean, kid_std = kernel_inception_distance(real_features, fake_features, subsets=KID_SUBSETS, seed=seed)
    report.results += [
        TestResult("frechet_digit_distance", frechet_distance_of_features(real_features, fake_features), None, *counts),
        TestResult("kid_digit", kid_mean, None, *counts, details={"std": kid_std}),
        TestResult("classifier_score", classifier_score(fake_probs), None, *counts, higher_is_better=True,
                   details={"real_images": classifier_score(real_probs), "class_histogram": label_histogram(fake_probs)}),
    ]
    if shapes:
        report.results += _shape_results(fake, real, counts)
    if inception_weights:
        scores = fidelity_metrics(fake, real, Path(inception_weights))
        report.results += [TestResult(name, float(value), None, *counts) for name, value in scores.items()]
    report.extra["features"] = "two-sample tests on the digit classifier's 64 penultimate features (metrics/digit_features.py)"
    return report


def _shape_results(fake: np.ndarray, real: np.ndarray, counts: tuple[int, int, int]) -> list[TestResult]:
    """Exact validity of generated triangles (precision) and their parameter coverage (recall)."""
    from gankit.data.shapes import check_shapes, shape_precision_recall  # noqa: PLC0415

    scores = shape_precision_recall(fake, check_shapes(real).params)
    return [
        TestResult("shape_precision", float(scores["precision"]), None, *counts, higher_is_better=True),
        TestResult("shape_recall", float(scores["recall"]), None, *counts, higher_is_better=True),
    ]
