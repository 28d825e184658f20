"""Normal scores by mid-rank and the copula mix of ``tabular.continuous = "copula"``, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gankit.data.column_kinds import infer_kinds
from gankit.data.copula_mix import EIGEN_FLOOR, CopulaMix
from gankit.data.normal_scores import MAX_KNOTS, NormalScores
from gankit.data.table_transformer import QUANTILE_SCALE, TabularTransformer

PHI_INV_0125 = -1.1503493803760079  # Φ⁻¹(0.125)


def test_normal_scores_are_the_mid_rank_quantiles_by_hand():
    scores = NormalScores.fit(np.array([2.0, 1.0, 3.0, 2.0]))  # shares below + half the ties: 1/8, 4/8, 7/8
    np.testing.assert_allclose(scores.knots, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(scores.scores, [PHI_INV_0125, 0.0, -PHI_INV_0125])
    np.testing.assert_allclose(scores.encode(np.array([1.5, 2.5])), [PHI_INV_0125 / 2, -PHI_INV_0125 / 2])


def test_normal_scores_round_trip_exactly_are_monotone_and_clamp_outside():
    values = np.random.default_rng(0).lognormal(size=3 * MAX_KNOTS)  # more distinct values than knots
    scores = NormalScores.fit(values)
    assert len(scores.knots) == MAX_KNOTS and scores.knots[0] == values.min() and scores.knots[-1] == values.max()
    np.testing.assert_allclose(scores.decode(scores.encode(values)), values, rtol=1e-12)
    ordered = np.sort(values)
    assert np.all(np.diff(scores.encode(ordered)) > 0)
    assert scores.decode(np.array([-40.0, 40.0])).tolist() == [values.min(), values.max()]
    assert scores.encode(np.array([-1.0, 1e9])).tolist() == [scores.scores[0], scores.scores[-1]]


def test_normal_scores_of_a_constant_are_zero_and_decode_to_it():
    scores = NormalScores.fit(np.array([4.0, 4.0, 4.0]))
    assert scores.encode(np.array([4.0, 4.0])).tolist() == [0.0, 0.0]
    assert scores.decode(np.array([-1.0, 2.0])).tolist() == [4.0, 4.0]


def test_copula_mix_is_the_inverse_square_root_of_the_correlation_by_hand():
    rows = np.array([[1.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0]])  # correlation ρ = 0.5 / √0.75 = 1/√3
    mix = CopulaMix.fit(rows)
    rho = 1 / np.sqrt(3)
    a, b = 1 / np.sqrt(1 + rho), 1 / np.sqrt(1 - rho)  # C^(-1/2) of [[1, ρ], [ρ, 1]]: eigenvalues 1 ± ρ
    np.testing.assert_allclose(mix.whiten, 0.5 * np.array([[a + b, a - b], [a - b, a + b]]))
    standard = (rows - rows.mean(axis=0)) / rows.std(axis=0)
    np.testing.assert_allclose(np.cov(mix.encode(standard), rowvar=False, bias=True), np.eye(2), atol=1e-12)
    np.testing.assert_allclose(mix.decode(mix.encode(rows)), rows, atol=1e-12)


def test_copula_mix_floors_collinear_columns_and_leaves_constants_alone():
    x = np.linspace(-2.0, 2.0, 9)
    rows = np.column_stack([x, 2 * x, np.zeros(9)])  # two collinear columns and a constant
    mix = CopulaMix.fit(rows)
    np.testing.assert_allclose(np.sort(mix.eigenvalues), [EIGEN_FLOOR, 1.0, 2.0])
    assert mix.whiten[2].tolist() == [0.0, 0.0, 1.0]
    np.testing.assert_allclose(mix.decode(mix.encode(rows)), rows, atol=1e-9)
    np.testing.assert_allclose(CopulaMix.from_dict(mix.to_dict()).color, mix.color)


def test_copula_transformer_decorrelates_number_scores_and_round_trips_exactly():
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    frame = pd.DataFrame({"x": x, "y": np.exp(x + 0.3 * rng.normal(size=400)), "n": rng.integers(0, 60, 400),
                          "c": rng.choice(["a", "b"], 400)})
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous="copula")
    rows = transformer.transform(frame)
    scores = rows[:, transformer.score_columns].astype(np.float64) * QUANTILE_SCALE
    np.testing.assert_allclose(np.corrcoef(scores, rowvar=False), np.eye(3), atol=1e-3)  # scores' variances are near 1
    back = transformer.inverse_transform(rows)
    pd.testing.assert_frame_equal(back[["n", "c"]], frame[["n", "c"]])
    np.testing.assert_allclose(back[["x", "y"]], frame[["x", "y"]], rtol=1e-5, atol=1e-6)
    again = TabularTransformer.from_dict(transformer.to_dict())
    np.testing.assert_array_equal(again.transform(frame), rows)


def test_size_rule_switches_copula_and_terms_off_above_copula_max_rows():
    from gankit.config import TabularConfig
    from gankit.data.table_encoding import is_large, size_rule_line, term_weights

    settings = TabularConfig(continuous="copula", moment_weight=10, marginal_weight=5, copula_max_rows=2000)
    assert not is_large(settings, 2000) and term_weights(settings, 2000) == (10, 5)
    assert is_large(settings, 2001) and term_weights(settings, 2001) == (0.0, 0.0)
    assert size_rule_line(settings, 2001) == ("2,001 rows > tabular.copula_max_rows = 2,000: number columns by vgm, "
                                              "no moment or marginal terms")
    assert size_rule_line(settings, 150).startswith("150 rows ≤ tabular.copula_max_rows = 2,000: number columns by copula")
    off = TabularConfig(continuous="copula", moment_weight=10, copula_max_rows=0)
    assert not is_large(off, 10**6) and size_rule_line(off, 10**6) is None and term_weights(off, 10**6) == (10, 0)


def test_size_rule_caps_the_steps_of_small_tables_only():
    from gankit.config import TabularConfig
    from gankit.data.table_encoding import size_rule_line, size_rule_step_cap

    settings = TabularConfig(continuous="copula", copula_max_rows=2000, copula_max_steps=400)
    assert size_rule_step_cap(settings, 2000) == (400, "tabular.copula_max_steps")
    assert size_rule_step_cap(settings, 2001) is None  # a large table: train.max_steps alone
    assert size_rule_line(settings, 150).endswith(", at most 400 G steps")
    assert size_rule_step_cap(settings.model_copy(update={"copula_max_steps": 0}), 150) is None
    assert size_rule_step_cap(settings.model_copy(update={"continuous": "vgm"}), 150) is None


def test_a_small_table_trains_the_size_rules_steps_and_says_so(capsys):
    from gankit import GAN

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    settings = ["train.epochs=20", "train.batch_size=100", "train.max_steps=0", "model.generator.hidden=[16]",
                "model.discriminator.hidden=[16]", "tabular.copula_max_steps=6"]
    gan = GAN("tabular", overrides=settings, seed=0).fit(frame, verbose=False)
    assert gan.config.train.epochs == 2 and gan.state.step == 6  # 3 batches an epoch: 2 epochs reach 6 steps
    assert "training 2 epochs instead of train.epochs = 20: tabular.copula_max_steps = 6 generator steps" in capsys.readouterr().err
    large = GAN("tabular", overrides=[*settings, "tabular.copula_max_rows=100"], seed=0).fit(frame, verbose=False)
    assert large.config.train.epochs == 20  # over copula_max_rows: no cap from the size rule
