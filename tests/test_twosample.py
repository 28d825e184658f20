"""Two-sample tests: hand-computed statistics, size under the null, power against shifts."""

import math

import numpy as np
import pytest
import torch

from gankit.metrics.evaluate import evaluate, holm_rejections
from gankit.metrics.evaluation_task import EvaluationTask, run_tasks
from gankit.metrics.moments import covariance_error, mean_error
from gankit.metrics.c2st import c2st
from gankit.metrics import twosample
from gankit.metrics.twosample import energy_test, group_contrast, mmd_test, permutation_tests


def brute_mmd2(x, y, sigma):
    k = lambda a, b: math.exp(-np.sum((a - b) ** 2) / (2 * sigma**2))
    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(a, b) for a in x for b in y) / (n * m)
    return xx + yy - 2 * xy


def brute_energy(x, y):
    d = lambda a, b: float(np.linalg.norm(a - b))
    n, m = len(x), len(y)
    xy = sum(d(a, b) for a in x for b in y) / (n * m)
    xx = sum(d(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(d(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    return 2 * xy - xx - yy


def test_mmd_matches_brute_force_and_hand_value():
    x, y = np.array([[0.0], [1.0]]), np.array([[2.0], [4.0]])
    result = mmd_test(x, y, permutations=19)
    # pairwise distances 1,2,4,1,3,2 → median 2 = σ
    assert result.details["bandwidth"] == pytest.approx(2.0)
    hand = math.exp(-1 / 8) + math.exp(-4 / 8) - 2 * (math.exp(-4 / 8) + math.exp(-16 / 8) + math.exp(-1 / 8) + math.exp(-9 / 8)) / 4
    assert result.statistic == pytest.approx(hand)
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(7, 2)), rng.normal(size=(5, 2)) + 1
    got = mmd_test(a, b, permutations=19)
    assert got.statistic == pytest.approx(brute_mmd2(a, b, got.details["bandwidth"]))


def test_energy_matches_brute_force():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=(9, 3)) * 2
    assert energy_test(a, b, permutations=19).statistic == pytest.approx(brute_energy(a, b))
    # 1-D hand value: x={0,1}, y={3}∪{5}: 2·mean|x−y| − mean|x−x'| − mean|y−y'| = 2·3.5 − 1 − 2 = 4
    assert energy_test(np.array([[0.0], [1.0]]), np.array([[3.0], [5.0]]), 19).statistic == pytest.approx(4.0)


def test_group_contrast_batches_labellings():
    """Each row of labels is its own split (same group sizes); −contrast of distances is that split's energy distance."""
    rng = np.random.default_rng(9)
    points = rng.normal(size=(5, 2))
    distances = torch.cdist(torch.from_numpy(points), torch.from_numpy(points))
    labels = torch.tensor([[True, True, False, False, False], [False, True, False, False, True]])
    values = -group_contrast(distances, labels)
    for row, value in zip(labels.numpy(), values):
        assert float(value) == pytest.approx(brute_energy(points[row], points[~row]))


@pytest.mark.parametrize("name", ["mmd", "energy", "c2st_knn", "c2st_logistic"])
def test_size_under_the_null(name):
    """Same distribution: p < 0.05 in about 5% of draws (loosely: at most 6 of 40)."""
    rng = np.random.default_rng(123)
    rejections = 0
    for i in range(40):
        x, y = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
        rejections += _run(name, x, y, seed=i).p_value < 0.05
    assert rejections <= 6


@pytest.mark.parametrize("name", ["mmd", "energy", "c2st_knn", "c2st_logistic"])
def test_power_against_a_shift(name):
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + np.array([0.6, 0.0])
    assert _run(name, x, y, seed=0).p_value < 0.05


@pytest.mark.parametrize("name", ["mmd", "energy", "c2st_knn"])
def test_power_against_a_rescale(name):
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) * 1.6
    assert _run(name, x, y, seed=0).p_value < 0.05


def _run(name, x, y, seed):
    if name == "mmd":
        return mmd_test(x, y, permutations=99, seed=seed)
    if name == "energy":
        return energy_test(x, y, permutations=99, seed=seed)
    return c2st(x, y, name.removeprefix("c2st_"), seed=seed)


def test_c2st_p_value_is_binomial_tail():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 3
    result = c2st(x, y, "logistic", seed=0)
    from scipy.stats import binom

    correct, n_test = result.details["correct"], result.details["n_test"]
    assert result.statistic == correct / n_test
    assert result.p_value == pytest.approx(binom.sf(correct - 1, n_test, 0.5))


def test_permutation_p_value_is_reproducible_and_never_zero():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 5
    a, b = mmd_test(x, y, 99, seed=3), mmd_test(x, y, 99, seed=3)
    assert a.p_value == b.p_value == pytest.approx(1 / 100)


def test_moment_errors_hand_computed():
    fake = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    assert mean_error(fake, np.array([1.0, 4.0])) == pytest.approx(3.0)
    # sample covariance (ddof 1) = 4/3 · I
    assert covariance_error(fake, np.eye(2)) == pytest.approx(math.sqrt(2) / 3)


def test_holm_rejections():
    assert holm_rejections([0.01, 0.04, 0.30], 0.05) == [True, False, False]
    assert holm_rejections([0.01, 0.02, 0.03], 0.05) == [True, True, True]
    assert holm_rejections([0.2, 0.001], 0.05) == [False, True]


def test_evaluate_report_and_verdict():
    rng = np.random.default_rng(5)
    same = evaluate(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)), permutations=99, seed=1)
    shifted = evaluate(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 1, permutations=99, seed=1,
                       truth=(np.zeros(2), np.eye(2)))
    assert not same.distinguishable and same.verdict().startswith("INDISTINGUISHABLE")
    assert shifted.distinguishable and shifted.verdict().startswith("DISTINGUISHABLE")
    assert shifted["mean_error_vs_truth"].statistic == pytest.approx(np.sqrt(2), abs=0.25)
    record = shifted.as_dict()
    assert set(record["results"]["mmd"]) >= {"statistic", "p_value", "n_real", "n_fake", "seed"}


@pytest.mark.parametrize("classifier", ["knn", "logistic"])
def test_c2st_keeps_its_size_with_unequal_samples(classifier):
    """150 real vs 50 fake from one distribution: the larger sample is subsampled to 50, so held-out
    accuracy is Binomial(n, ½) again (without it, guessing "real" alone scores 75% and the test rejects)."""
    rng = np.random.default_rng(11)
    rejections = 0
    for i in range(40):
        result = c2st(rng.normal(size=(150, 2)), rng.normal(size=(50, 2)), classifier, seed=i)
        assert result.details["n_test"] == 50 and (result.n_real, result.n_fake) == (150, 50)
        rejections += result.p_value < 0.05
    assert rejections <= 6


# (case, permutations, seed, MMD², its p-value, energy distance, its p-value), computed by the implementation
# before the batched permutation routine (main at a50aae7: twosample.py with three matrix products per chunk of
# 64 relabellings, mmd_test and energy_test each on its own distance matrix) with
# `mmd_test(real, fake, permutations, seed)` and `energy_test(...)` on `_pinned_samples(case)`.
PINNED = [
    ("shift", 199, 0, 0.0029069293210275404, 0.06, 0.00985895218168098, 0.055),
    ("shift", 199, 5, 0.0029069293210275404, 0.04, 0.00985895218168098, 0.04),
    ("unequal", 199, 0, -0.0005692107143400182, 0.455, -0.007248662445328513, 0.565),
    ("unequal", 199, 5, -0.0005692107143400182, 0.435, -0.007248662445328513, 0.535),
    ("large", 500, 3, 0.00046359425817876776, 0.18562874251497005, 0.0007216143965611543, 0.28542914171656686),
]


def _pinned_samples(case):
    rng = np.random.default_rng(2026)
    if case == "shift":
        return rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + np.array([0.3, 0.0])
    if case == "unequal":
        return rng.normal(size=(120, 3)), rng.normal(size=(80, 3)) * 1.15
    return rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2)) * np.array([1.0, 1.06])


@pytest.mark.parametrize(("case", "permutations", "seed", "mmd", "mmd_p", "energy", "energy_p"), PINNED)
def test_permutation_tests_give_the_former_statistics_and_p_values(case, permutations, seed, mmd, mmd_p, energy, energy_p):
    """The batched routine (one distance matrix, one matrix product for all relabellings and both tests)
    reproduces the former implementation's verdicts: statistics and p-values to 1e-6, for each test alone too."""
    real, fake = _pinned_samples(case)
    together = permutation_tests(real, fake, permutations, seed)
    alone = [mmd_test(real, fake, permutations, seed), energy_test(real, fake, permutations, seed)]
    for results in (together, alone):
        assert [r.name for r in results] == ["mmd", "energy"]
        assert results[0].statistic == pytest.approx(mmd, abs=1e-6, rel=1e-9)
        assert results[1].statistic == pytest.approx(energy, abs=1e-6, rel=1e-9)
        assert results[0].p_value == pytest.approx(mmd_p, abs=1e-6)
        assert results[1].p_value == pytest.approx(energy_p, abs=1e-6)


def test_permutation_blocks_do_not_change_the_result(monkeypatch):
    """Relabellings split over many small matrix products count the same as in one product."""
    real, fake = _pinned_samples("shift")
    whole = permutation_tests(real, fake, 199, 0)
    monkeypatch.setattr(twosample, "CONTRAST_BLOCK", 7 * 2 * 800)  # 7 relabellings per product
    assert [(r.statistic, r.p_value) for r in permutation_tests(real, fake, 199, 0)] == [(r.statistic, r.p_value) for r in whole]


@pytest.mark.parametrize("size", [7, 300, 601])
def test_quadratic_forms_equal_the_plain_product(size, monkeypatch):
    """xᵀMx by splitting the symmetric matrix into blocks (uneven halves included) equals ((x @ M) * x).sum(1)."""
    monkeypatch.setattr(twosample, "QUADRATIC_LEAF", 64)
    rng = np.random.default_rng(size)
    points = torch.from_numpy(rng.normal(size=(size, 3)))
    matrix = torch.cdist(points, points)
    matrix = (matrix + matrix.T) / 2  # exactly symmetric
    x = torch.from_numpy(rng.random((9, size)) < 0.5).double()
    torch.testing.assert_close(twosample.quadratic_forms(x, matrix), ((x @ matrix) * x).sum(dim=1), rtol=1e-12, atol=1e-9)


def test_tasks_run_several_at_a_time_give_the_reports_of_one_at_a_time():
    rng = np.random.default_rng(12)
    tasks = [EvaluationTask("rows", rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) + shift, 99, 0.05, seed)
             for seed, shift in enumerate([0.0, 0.3, 0.0, 1.0, 0.2])]
    threads = torch.get_num_threads()
    together = [report.as_dict() for report in run_tasks(tasks, workers=3)]
    assert torch.get_num_threads() == threads  # put back after the pool
    assert together == [task.run().as_dict() for task in tasks]


def test_binomial_tail_hand_computed():
    from gankit.metrics.c2st import binomial_tail

    assert binomial_tail(3, 4) == (4 + 1) / 16  # C(4,3) + C(4,4) of 2⁴ labellings
    assert binomial_tail(0, 10) == 1.0 and binomial_tail(11, 10) == 0.0
    assert binomial_tail(2, 2) == 0.25


def test_torch_classifiers_fit_what_scikit_learn_fits():
    """The C2ST's torch classifiers against scikit-learn's on standardized data: the logistic optimum
    (C = 1, intercept free) to 1e-6 and the k-NN vote row by row."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from gankit.metrics.c2st_classifiers import Logistic, NearestNeighbours

    rng = np.random.default_rng(21)
    x = np.concatenate([rng.normal(size=(120, 3)), rng.normal(size=(120, 3)) * 1.3 + 0.4])
    y = np.concatenate([np.ones(120), np.zeros(120)])
    queries = rng.normal(size=(200, 3))
    ours = Logistic().fit(x, y)
    theirs = LogisticRegression(tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(ours.theta.numpy(), [*theirs.coef_[0], theirs.intercept_[0]], atol=1e-6)
    np.testing.assert_array_equal(ours.predict(queries), theirs.predict(queries))
    for k in (1, 4, 15):  # 4: an even k, where a 2-2 tie votes 0 in both
        np.testing.assert_array_equal(NearestNeighbours(k).fit(x, y).predict(queries),
                                      KNeighborsClassifier(k).fit(x, y).predict(queries))


def test_logistic_stays_finite_on_separable_rows():
    """Separable classes: the L2 term keeps the optimum finite, and it classifies every row."""
    from gankit.metrics.c2st_classifiers import Logistic

    x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    model = Logistic().fit(x, np.array([0.0, 0.0, 1.0, 1.0]))
    assert np.isfinite(model.theta.numpy()).all()
    np.testing.assert_array_equal(model.predict(x), [0.0, 0.0, 1.0, 1.0])
