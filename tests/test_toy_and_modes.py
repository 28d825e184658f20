"""Toy distributions, their validation, and PacGAN's mode metrics against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from gankit.config import DataConfig, load_config
from gankit.data import known_modes, load_training_rows
from gankit.data.toy import GaussianMixture, grid_means, ring_means, toy_rows
from gankit.errors import UserError
from gankit.metrics.modes import mode_metrics, reverse_kl, true_hq_mean_square


def test_ring_and_grid_centres():
    ring = ring_means(8, 1.0)
    assert len(np.unique(np.round(ring, 9), axis=0)) == 8  # 8 distinct angles (VEEGAN's linspace repeats one)
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    np.testing.assert_allclose(ring[2], [0.0, 1.0], atol=1e-12)
    grid = grid_means(5, 2.0)
    assert grid.shape == (25, 2) and sorted(set(grid[:, 0])) == [-4.0, -2.0, 0.0, 2.0, 4.0]


@pytest.mark.parametrize("source", ["gaussian", "ring", "grid", "moons", "swiss_roll"])
def test_every_source_samples_reproducibly(source):
    data = DataConfig(source=source, n=300)
    a, b = toy_rows(data, seed=3), toy_rows(data, seed=3)
    assert a.values.shape == (300, 2) and np.isfinite(a.values).all()
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(toy_rows(data, seed=3, epoch=1).values, a.values)


def test_ring_samples_sit_on_their_modes():
    values = toy_rows(DataConfig(source="ring", n=4000, std=0.01), seed=0).values
    distance = np.abs(np.linalg.norm(values, axis=1) - 1.0)
    assert distance.max() < 0.06


def test_mixture_with_unequal_weights():
    data = DataConfig(source="mixture", n=20000, means=[[0, 0], [10, 10]],
                      covariances=[[[1, 0], [0, 1]], [[0.25, 0], [0, 4]]], weights=[0.8, 0.2])
    values = toy_rows(data, seed=0).values
    second = values[:, 0] > 5
    assert second.mean() == pytest.approx(0.2, abs=0.01)
    np.testing.assert_allclose(values[second].std(axis=0), [0.5, 2.0], rtol=0.05)


@pytest.mark.parametrize("override, message", [
    ("data.std=-1", "config key 'data.std': Input should be greater than 0"),
    ("data.modes=0", "config key 'data.modes'"),
    ("data.radius=0", "config key 'data.radius'"),
    ("data.source=\"mixture\"", "needs data.means"),
    ("data.source=\"nope\"", "config key 'data.source'"),
])
def test_bad_toy_parameters(override, message):
    with pytest.raises(UserError, match=message):
        load_config("veegan-ring", [override])


@pytest.mark.parametrize("extra, message", [
    (dict(covariances=[[[1, 0], [0, 1]]]), "one 2×2 matrix per mean"),
    (dict(covariances=[[[1, 0], [0, 1]], [[1, 0, 0]]]), "must be 2×2"),
    (dict(covariances=[[[1, 0], [0, 1]], [[1, 2], [2, 1]]]), "positive semi-definite"),
    (dict(covariances=[[[1, 0], [0, 1]]] * 2, weights=[0.5, 0.6]), "summing to 1"),
])
def test_bad_mixtures(extra, message):
    with pytest.raises(ValueError, match=message):
        DataConfig(source="mixture", means=[[0, 0], [1, 1]], **extra)


def test_fresh_needs_a_generated_source():
    with pytest.raises(ValueError, match="data.fresh needs a generated source"):
        DataConfig(source="file", path="x.csv", fresh=True)


def test_mode_metrics_hand_computed():
    mixture = GaussianMixture.isotropic(np.array([[0.0, 0.0], [10.0, 0.0]]), 1.0)
    samples = np.array([[0.5, 0.0], [10.0, 2.0], [5.0, 0.0], [0.0, -1.0]])
    modes, hq, rkl, spread = mode_metrics(samples, mixture)
    assert modes.statistic == 2 and modes.details["hq_per_mode"] == [2, 1]
    assert hq.statistic == pytest.approx(75.0)
    expected = math.log(2) + (2 / 3) * math.log(2 / 3) + (1 / 3) * math.log(1 / 3)  # ln K − H(p̂)
    assert rkl.statistic == pytest.approx(expected) and rkl.statistic == pytest.approx(0.056633, abs=1e-6)
    # HQ distances 0.5, 2, 1 → mean d² 1.75; a true mode's HQ samples have E[d² | d < 3] = 2(1 − 5.5e^−4.5)/(1 − e^−4.5)
    true_mean_square = 2 * (1 - 5.5 * math.exp(-4.5)) / (1 - math.exp(-4.5))
    assert true_hq_mean_square(2) == pytest.approx(true_mean_square) and true_mean_square == pytest.approx(1.8989, abs=1e-4)
    assert spread.statistic == pytest.approx(math.sqrt(1.75 / true_mean_square))


def test_spread_ratio_is_one_for_the_truth_and_shrinks_with_collapse():
    mixture = GaussianMixture.isotropic(ring_means(8, 1.0), 0.01)
    rng = np.random.default_rng(0)
    centres = mixture.means[rng.integers(8, size=20000)]
    true_samples = centres + 0.01 * rng.standard_normal(centres.shape)
    assert mode_metrics(true_samples, mixture)[3].statistic == pytest.approx(1.0, abs=0.02)
    half = centres + 0.005 * rng.standard_normal(centres.shape)
    assert mode_metrics(half, mixture)[3].statistic == pytest.approx(0.5 / math.sqrt(true_hq_mean_square(2) / 2), abs=0.02)
    assert mode_metrics(half, mixture)[1].statistic == pytest.approx(100.0)  # HQ% cannot see the collapse


def test_reverse_kl_against_true_weights_and_collapse():
    assert reverse_kl(np.array([8, 2]), np.array([0.8, 0.2])) == pytest.approx(0.0)
    assert reverse_kl(np.array([10, 0, 0, 0]), np.full(4, 0.25)) == pytest.approx(math.log(4))
    assert math.isnan(reverse_kl(np.zeros(3), np.full(3, 1 / 3)))


def test_mode_metrics_in_the_evaluation():
    from gankit import GAN

    gan = GAN("veegan-ring", overrides=["train.epochs=2", "data.n=1024", "eval.n=200", "eval.permutations=19"]).fit()
    report = gan.evaluate()
    assert {"modes_captured", "high_quality_pct", "reverse_kl"} <= {r.name for r in report.results}
    assert report["high_quality_pct"].n_fake == 2500
    assert known_modes(gan.config.data) is not None and len(load_training_rows(gan.config.data, 0).values) == 1024


def test_bench_toy_prints_our_rows_beside_the_published_ones(cli, tmp_path):
    result = cli("bench", "toy", "veegan-ring", "--seeds", "2", "--first-seed", "3", "--set", "train.epochs=2", "--set", "data.n=1024",
                 "--set", "eval.n=100", "--set", "eval.permutations=19", "--out", str(tmp_path / "b"), "--quiet")
    assert result.code == 0, result.stderr
    table = (tmp_path / "b" / "toy_bench.md").read_text()
    assert "| veegan-ring | gankit (2 seeds) |" in table and "| veegan-ring | published: VEEGAN | 8 | 52.9 |" in table
    assert "| veegan-ring | true mixture (2 draws) | 8 ± 0 |" in table
    header = "protocol,method,modes,hq_pct,reverse_kl,spread_ratio,c2st_knn_pass,mmd_pass,drs_kept,wall_s"
    assert (tmp_path / "b" / "toy_bench.csv").read_text().startswith(header)
    assert sorted(p.name for p in (tmp_path / "b" / "veegan-ring" / "members").iterdir()) == ["000-seed3", "001-seed4"]
    bad = cli("bench", "toy", "veegan-ring", "--seeds", "0", "--out", str(tmp_path / "c"))
    assert bad.code == 2 and "--seeds must be at least 1" in bad.stderr


def test_truth_floor_judges_fresh_draws_of_the_ring_like_a_generator():
    from gankit.metrics.truth_floor import has_truth, truth_report

    config = load_config("ring-k8", ["data.n=4000", "eval.n=500", "eval.permutations=19"])
    report = truth_report(config)
    assert has_truth(config) and report.n_real == report.n_fake == 500
    assert report["modes_captured"].statistic == 8 and report["high_quality_pct"].n_fake == 2500
    # 2,500 true samples: P(d < 3) = 1 − e^−4.5 = 98.89 % (s.d. 0.2 points), spread ratio 1 (s.d. ≈ 0.015)
    assert report["high_quality_pct"].statistic == pytest.approx(100 * (1 - math.exp(-4.5)), abs=0.8)
    assert report["spread_ratio"].statistic == pytest.approx(1.0, abs=0.06)
    assert 0 < report["reverse_kl"].statistic < 0.01
    assert truth_report(config)["mmd"].p_value == report["mmd"].p_value  # same seed, same draws
    other = truth_report(load_config("ring-k8", ["data.n=4000", "eval.n=500", "eval.permutations=19", "seed=1"]))
    assert other["mmd"].statistic != report["mmd"].statistic
    assert not has_truth(load_config("gaussian", ["data.source=\"file\"", "data.path=\"x.csv\""]))


def test_bench_rows_count_passes_over_seeds():
    from gankit.report.toy_bench import gankit_row

    rows = [dict(modes_captured=8, high_quality_pct=98.0, reverse_kl=0.01, spread_ratio=0.9, c2st_knn_p=0.5, mmd_p=0.01),
            dict(modes_captured=6, high_quality_pct=96.0, reverse_kl=0.03, spread_ratio=1.1, c2st_knn_p=0.01, mmd_p=0.2),
            dict(modes_captured=7, high_quality_pct=97.0, reverse_kl=0.02, spread_ratio=1.0, c2st_knn_p=0.06, mmd_p=0.3)]
    row = gankit_row("ring", "", rows, 12.34, alpha=0.05)
    assert row["method"] == "gankit (3 seeds)" and row["wall_s"] == "12.3"
    assert row["modes"] == f"7 ± {1 / math.sqrt(3):.2g}" and row["spread_ratio"] == f"1 ± {0.1 / math.sqrt(3):.2g}"
    assert row["c2st_knn_pass"] == "67%" and row["mmd_pass"] == "67%"
    assert row["drs_kept"] == ""  # plain sampling: no rejection cost
    kept = gankit_row("ring", "", [dict(r, drs_acceptance=a) for r, a in zip(rows, (0.5, 0.6, 0.85))], 1.0, alpha=0.05)
    assert kept["drs_kept"] == "65%"


def test_bench_toy_reports_the_cost_of_rejection_sampling(cli, tmp_path):
    result = cli("bench", "toy", "ring", "--seeds", "2", "--set", "train.epochs=1", "--set", "data.n=1024",
                 "--set", "eval.n=100", "--set", "eval.permutations=19", "--set", "sample.method=\"rejection\"",
                 "--out", str(tmp_path / "b"), "--quiet")
    assert result.code == 0, result.stderr
    members = pd.read_csv(tmp_path / "b" / "ring" / "members.csv")
    assert members["drs_acceptance"].between(0, 1, inclusive="right").all()
    bench = pd.read_csv(tmp_path / "b" / "toy_bench.csv", dtype=str, keep_default_na=False)
    mean = members["drs_acceptance"].mean()
    assert bench.loc[0, "drs_kept"] == f"{mean:.0%}" and bench.loc[1, "drs_kept"] == ""  # the truth row samples no G
