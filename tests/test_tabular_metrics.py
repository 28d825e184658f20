"""Synthetic-table evaluation: hand-computed scores, sanity on identical/shifted tables, plots,
and a cross-check against SDMetrics' QualityReport (run where sdmetrics is installed)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from gankit.errors import UserError
from gankit.metrics.column_shapes import ks_complement, tv_complement
from gankit.metrics.detection import detection_features, logistic_detection
from gankit.metrics.pair_trends import contingency_similarity, correlation_similarity, discretize
from gankit.metrics.table_checks import checked_tables, kinds_of
from gankit.metrics.table_quality import tabular_report
from gankit.report.table_plots import plot_column_shapes, plot_correlation_difference

KINDS = {"x": "numerical", "y": "numerical", "cat": "categorical", "flag": "boolean", "t": "datetime"}


def mixed_table(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    """Two correlated numeric columns, a categorical tied to x, a boolean, a datetime; some NaN."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    y = 0.7 * x + rng.normal(0.0, 1.0, n)
    cat = np.where(x + rng.normal(0.0, 1.0, n) > 0, "a", np.where(rng.random(n) < 0.5, "b", "c")).astype(object)
    flag = rng.random(n) < 0.3 + 0.4 * (shift != 0)
    t = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    table = pd.DataFrame({"x": x, "y": y, "cat": cat, "flag": flag, "t": t})
    table.loc[rng.random(n) < 0.1, "x"] = np.nan
    table.loc[rng.random(n) < 0.1, "cat"] = np.nan
    return table


# --- the metrics by hand ----------------------------------------------------------------


def test_ks_complement_by_hand():
    # ECDFs at 2: 0.5 vs 0; the largest gap is 0.5.
    assert ks_complement(pd.Series([1.0, 2, 3, 4]), pd.Series([3.0, 4, 5, 6])) == pytest.approx(0.5)
    assert ks_complement(pd.Series([1.0, np.nan, 2]), pd.Series([2.0, 1.0])) == pytest.approx(1.0)


def test_ks_complement_on_datetimes():
    days = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]))
    assert ks_complement(days, days + pd.Timedelta(days=2)) == pytest.approx(0.5)


def test_tv_complement_by_hand():
    # p_real = (½, ½), p_fake = (¾, ¼): TVD = ½(¼ + ¼) = ¼.
    assert tv_complement(pd.Series(list("aabb")), pd.Series(list("aaab"))) == pytest.approx(0.75)
    # Missing values are dropped, as in SDMetrics; categories on one side only count fully.
    assert tv_complement(pd.Series(["a", np.nan]), pd.Series(["a", "a"])) == pytest.approx(1.0)
    assert tv_complement(pd.Series(list("ab")), pd.Series(list("cd"))) == pytest.approx(0.0)


def test_correlation_similarity_by_hand():
    real = pd.DataFrame({"x": [1.0, 2, 3], "y": [1.0, 2, 3]})  # ρ = 1
    reversed_ = pd.DataFrame({"x": [1.0, 2, 3], "y": [3.0, 2, 1]})  # ρ = −1
    # centred x = (−1, 0, 1), y = (−1, 1, 0): ρ = 1 / √(2·2) = ½.
    half = pd.DataFrame({"x": [1.0, 2, 3], "y": [1.0, 3, 2]})
    assert correlation_similarity(real, reversed_) == pytest.approx(0.0)
    assert correlation_similarity(real, half) == pytest.approx(1 - 0.5 / 2)
    constant = pd.DataFrame({"x": [1.0, 2, 3], "y": [5.0, 5, 5]})
    assert math.isnan(correlation_similarity(real, constant))


def test_contingency_similarity_by_hand():
    real = pd.DataFrame({"c": list("aabb"), "d": list("uuvv")})  # au ½, bv ½
    fake = pd.DataFrame({"c": list("aabb"), "d": list("uvvv")})  # au ¼, av ¼, bv ½
    assert contingency_similarity(real, fake) == pytest.approx(1 - 0.5 * (0.25 + 0.25))
    # Missing is a category of its own in the joint table.
    with_nan = pd.DataFrame({"c": ["a", "a"], "d": [np.nan, "u"]})
    without = pd.DataFrame({"c": ["a", "a"], "d": ["u", "u"]})
    assert contingency_similarity(with_nan, without) == pytest.approx(0.5)


def test_discretize_matches_sdmetrics_rule():
    # Edges 0, 1, …, 10; np.digitize puts the maximum and NaN both in code 11.
    codes = discretize(np.array([0.0, 5.0, 9.5, 10.0, np.nan]))
    assert codes.tolist() == [1, 6, 10, 11, 11]


def test_overall_is_mean_of_the_two_means():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [1.0, 2, 3, 4], "c": list("aabb")})
    fake = pd.DataFrame({"x": [3.0, 4, 5, 6], "y": [1.0, 2, 3, 4], "c": list("aaab")})
    report = tabular_report(real, fake, detection=False)
    shapes = {name: s.score for name, s in report.column_shapes.items()}
    assert shapes == pytest.approx({"x": 0.5, "y": 1.0, "c": 0.75})
    # Each table is binned on its own edges, so fake x (real x + 2) gets real x's codes
    # (1, 4, 7, 11); (x, c) and (y, c) then differ only in row 3: b vs a → 1 − ½·½.
    pairs = {pair: p.score for pair, p in report.pair_trends.items()}
    assert pairs == pytest.approx({("x", "y"): 1.0, ("x", "c"): 0.75, ("y", "c"): 0.75})
    assert report.column_shapes_score == pytest.approx(0.75)
    assert report.pair_trends_score == pytest.approx(2.5 / 3)
    assert report.overall_score == pytest.approx((0.75 + 2.5 / 3) / 2)
    assert report.detection == []


# --- whole reports ------------------------------------------------------------------------


def test_identical_tables_score_one_and_are_undetectable():
    real = mixed_table(0, 400)
    report = tabular_report(real, real.copy(), KINDS, seed=0)
    assert all(s.score == pytest.approx(1.0) for s in report.column_shapes.values())
    assert all(p.score == pytest.approx(1.0) for p in report.pair_trends.values())
    assert report.overall_score == pytest.approx(1.0)
    # Exact copies: each held-out row has a twin with the other label in the training
    # half, so a memorising model (boosting) does *worse* than chance; never better.
    for name in ("detection_logistic", "detection_boosting"):
        result = report.test(name)
        assert result.statistic < 0.55
        assert result.p_value > 0.05
    assert abs(report.test("detection_logistic").statistic - 0.5) < 0.05


def test_same_law_is_not_detected_and_shifted_fake_is():
    real = mixed_table(0, 400)
    same = tabular_report(real, mixed_table(1, 400), KINDS, seed=0)
    assert same.overall_score > 0.85
    assert same.test("detection_logistic").p_value > 0.01
    assert same.test("logistic_detection").statistic > 0.7
    shifted = tabular_report(real, mixed_table(2, 400, shift=2.0), KINDS, seed=0)
    assert shifted.column_shapes["x"].score < 0.4
    assert shifted.column_shapes_score < same.column_shapes_score - 0.2
    assert shifted.overall_score < same.overall_score - 0.1
    for name in ("detection_logistic", "detection_boosting"):
        assert shifted.test(name).statistic > 0.75
        assert shifted.test(name).p_value < 0.01
        assert shifted.test(name).details["auc"] > 0.85
    assert shifted.test("logistic_detection").statistic < 0.3


def test_unequal_sizes_are_balanced_for_the_binomial_test():
    report = tabular_report(mixed_table(0, 300), mixed_table(1, 120), KINDS, seed=0)
    result = report.test("detection_logistic")
    assert result.details["n_test"] == 120  # 120 rows from each side, half held out
    assert (result.n_real, result.n_fake) == (300, 120)


def test_degenerate_columns_do_not_crash_and_get_documented_scores():
    n = 30
    real = pd.DataFrame({
        "const": np.ones(n), "x": np.arange(n, dtype=float), "one": ["a"] * n,
        "c": list("ab") * (n // 2), "gone": np.linspace(0, 1, n),
    })
    fake = pd.DataFrame({
        "const": np.ones(n), "x": np.arange(n, dtype=float)[::-1], "one": ["a"] * n,
        "c": list("cd") * (n // 2), "gone": np.full(n, np.nan),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = tabular_report(real, fake, seed=0)
    assert report.column_shapes["const"].score == 1.0
    assert report.column_shapes["one"].score == 1.0
    assert report.column_shapes["c"].score == 0.0  # disjoint category sets
    assert report.column_shapes["gone"].score == 0.0  # values on one side only
    assert math.isnan(report.pair_trends["const", "x"].score)  # ρ undefined: left out of the mean
    assert report.pair_trends["x", "gone"].metric == "CorrelationSimilarity"
    assert math.isnan(report.pair_trends["x", "gone"].score)
    assert report.pair_trends["one", "c"].score == 0.0
    assert not math.isnan(report.overall_score)
    record = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert record["column_shapes"]["gone"] == {"metric": "KSComplement", "score": 0.0}
    assert record["pair_trends"][0]["score"] is None
    assert {row[0] for row in report.summary_rows()} >= {"overall quality", "detection boosting accuracy"}


def test_column_empty_on_both_sides_is_left_out():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4], "e": [np.nan] * 4})
    fake = pd.DataFrame({"x": [3.0, 4, 5, 6], "e": [np.nan] * 4})
    report = tabular_report(real, fake, {"x": "numerical", "e": "numerical"}, detection=False)
    assert math.isnan(report.column_shapes["e"].score)
    assert report.column_shapes_score == pytest.approx(0.5)


def test_summary_rows_carry_p_values():
    report = tabular_report(mixed_table(0, 200), mixed_table(1, 200), KINDS, seed=0)
    rows = {name: (value, p) for name, value, p in report.summary_rows()}
    assert rows["overall quality"] == (report.overall_score, None)
    accuracy = report.test("detection_logistic")
    assert rows["detection logistic accuracy"] == (accuracy.statistic, accuracy.p_value)
    assert rows["shape cat (TVComplement)"][0] == report.column_shapes["cat"].score


def test_kinds_of():
    frame = mixed_table(0, 10).assign(n=np.arange(10))
    assert kinds_of(frame) == {"x": "numerical", "y": "numerical", "cat": "categorical",
                               "flag": "boolean", "t": "datetime", "n": "numerical"}


@pytest.mark.filterwarnings("ignore:Could not infer format")
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r, f, k: (r, f.drop(columns="y"), k), "columns differ"),
        (lambda r, f, k: (r, f, {**k, "y": "float"}), "kind 'float'"),
        (lambda r, f, k: (r, f, {c: v for c, v in k.items() if c != "t"}), "no kind for column 't'"),
        (lambda r, f, k: (r, f.assign(x="many"), k), "column 'x': kind numerical"),
        (lambda r, f, k: (r, f.assign(t="not a date"), k), "column 't': kind datetime"),
        (lambda r, f, k: (r.iloc[:0], f, k), "real table: it is empty"),
        (lambda r, f, k: (r, f.to_numpy(), k), "fake table: expected a pandas DataFrame"),
    ],
)
def test_bad_input_is_a_user_error(change, message):
    real, fake, kinds = change(mixed_table(0, 20), mixed_table(1, 20), KINDS)
    with pytest.raises(UserError, match=message) as caught:
        tabular_report(real, fake, kinds, detection=False)
    assert "\n" not in str(caught.value)


# --- plots --------------------------------------------------------------------------------


def test_plots_are_written_atomically(tmp_path):
    real, fake = mixed_table(0, 100), mixed_table(1, 100, shift=1.0)
    report = tabular_report(real, fake, KINDS, detection=False)
    shapes = plot_column_shapes(report, tmp_path / "new" / "shapes.png")
    pairs = plot_correlation_difference(real, fake, None, tmp_path / "new" / "pairs.png")
    for path in (shapes, pairs):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["pairs.png", "shapes.png"]
    with pytest.raises(UserError, match="allowed"):
        plot_column_shapes(report, tmp_path / "shapes.nope")
    assert not (tmp_path / "shapes.nope").exists()


# --- cross-check against SDMetrics --------------------------------------------------------


@pytest.mark.parametrize("thresholds", [(0.0, 0.0), (0.5, 0.3)])
def test_matches_sdmetrics_quality_report(thresholds):
    pytest.importorskip("sdmetrics")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sdmetrics.reports.single_table import QualityReport
        real, fake = mixed_table(0, 300), mixed_table(1, 250, shift=0.3)
        quality = QualityReport()
        quality.real_correlation_threshold, quality.real_association_threshold = thresholds
        quality.generate(real, fake, {"columns": {c: {"sdtype": k} for c, k in KINDS.items()}}, verbose=False)
    ours = tabular_report(real, fake, KINDS, correlation_threshold=thresholds[0],
                          association_threshold=thresholds[1], detection=False)
    for _, row in quality.get_details("Column Shapes").iterrows():
        assert ours.column_shapes[row["Column"]] == (row["Metric"], pytest.approx(row["Score"], abs=1e-6))
    details = quality.get_details("Column Pair Trends")
    assert len(details) == len(ours.pair_trends) == 10
    for _, row in details.iterrows():
        pair = ours.pair_trends[row["Column 1"], row["Column 2"]]
        assert pair.metric == row["Metric"]
        assert pair.counted == bool(row["Meets Threshold?"])
        if pair.counted:  # SDMetrics writes NaN for the pairs it does not count
            assert pair.score == pytest.approx(row["Score"], abs=1e-6)
    scores = quality.get_properties().set_index("Property")["Score"]
    assert ours.column_shapes_score == pytest.approx(scores["Column Shapes"], abs=1e-6)
    assert ours.pair_trends_score == pytest.approx(scores["Column Pair Trends"], abs=1e-6)
    assert ours.overall_score == pytest.approx(quality.get_score(), abs=1e-6)


@pytest.mark.parametrize("shift", [0.0, 0.5, 2.0])
def test_logistic_detection_agrees_with_sdmetrics(shift):
    pytest.importorskip("sdmetrics")
    from sdmetrics.single_table import LogisticDetection

    # SDMetrics drops boolean columns from detection (gankit keeps them), so leave the
    # boolean out here; both scores are random (fold shuffles), so compare 3-run means.
    kinds = {c: k for c, k in KINDS.items() if c != "flag"}
    real = mixed_table(0, 300).drop(columns="flag")
    fake = mixed_table(1, 300, shift=shift).drop(columns="flag")
    np.random.seed(0)  # SDMetrics' folds shuffle with NumPy's global generator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata = {"columns": {c: {"sdtype": k} for c, k in kinds.items()}}
        theirs = np.mean([LogisticDetection.compute(real, fake, metadata) for _ in range(3)])
    features, labels = detection_features(*checked_tables(real, fake, kinds))
    ours = np.mean([logistic_detection(features, labels, seed).statistic for seed in range(3)])
    assert ours == pytest.approx(theirs, abs=0.05)
