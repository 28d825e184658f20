"""Exact copies and distance to closest record (metrics/privacy.py) against hand-computed values and SDMetrics."""

import numpy as np
import pandas as pd
import pytest

from gankit.errors import UserError
from gankit.metrics.privacy import dcr, exact_copy_share

KINDS = {"x": "numerical", "c": "categorical"}


def test_exact_copy_share_counts_rows_equal_in_every_column():
    real = pd.DataFrame({"x": [1, 2, np.nan], "c": ["a", "b", "c"]})
    fake = pd.DataFrame({"x": [1.0, 2.0, np.nan, 1.0], "c": ["a", "a", "c", "b"]})
    # row 0 copies real row 0 (int 1 == float 1.0), row 2 copies real row 2 (NaN == NaN); rows 1 and 3 mix rows
    assert exact_copy_share(real, fake) == 0.5


def test_exact_copy_share_of_the_real_table_itself_is_one_and_columns_may_come_in_any_order():
    real = pd.DataFrame({"x": [0.5, 1.5], "c": ["a", "b"]})
    assert exact_copy_share(real, real[["c", "x"]]) == 1.0


def test_dcr_matches_hand_computed_distances():
    train = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})  # range of x: 10
    holdout = pd.DataFrame({"x": [5.0, 7.0], "c": ["a", "a"]})  # range of x: 2
    fake = pd.DataFrame({"x": [1.0, 10.0, 30.0], "c": ["a", "a", "b"]})
    result = dcr(train, holdout, fake, KINDS)
    # fake→train: row0 min(0.1/2, (0.9+1)/2)=0.05; row1 min((1+0)/2... x diff 10/10=1, c equal → 0.5; vs (0+1)/2=0.5) = 0.5;
    # row2: x capped at 1 to both, c: 'b' equals train row 1 → (1+0)/2 = 0.5 (row 0: (1+1)/2 = 1)
    # fake→holdout (x over the holdout's range 2, capped at 1): row0 to (5, a): (1+0)/2 = 0.5;
    # row1 to (7, a): (1+0)/2 = 0.5; row2: (1+1)/2 = 1
    assert result["median_fake_to_train"] == pytest.approx(0.5)
    assert result["median_fake_to_holdout"] == pytest.approx(0.5)
    # closer to train: row0 (0.05 < 0.5) and row2 (0.5 < 1); row1 ties (0.5 = 0.5), not closer
    assert result["closer_to_train"] == pytest.approx(2 / 3)
    assert result["overfitting_protection"] == pytest.approx(2 * (1 - 2 / 3))
    # holdout→train (range 10): (5, a) → (0.5+0)/2 = 0.25 to row 0; (7, a) → min(0.35, (0.3+1)/2) = 0.35
    assert result["median_holdout_to_train"] == pytest.approx(0.30)


def test_dcr_missing_values_and_constant_columns():
    train = pd.DataFrame({"x": [np.nan, 2.0], "k": [3.0, 3.0]})  # k constant: distance 0 if equal else 1
    kinds = {"x": "numerical", "k": "numerical"}
    fake = pd.DataFrame({"x": [np.nan, np.nan], "k": [3.0, 4.0]})
    result = dcr(train, train, fake, kinds)
    # row0 equals train row 0 (NaN = NaN): 0; row1: x matches row 0 (0), k differs (1) → 0.5
    assert result["median_fake_to_train"] == pytest.approx(0.25)
    assert result["closer_to_train"] == 0.0  # holdout is the same table: ties are not closer
    assert result["overfitting_protection"] == 1.0


def test_dcr_datetimes_count_by_their_range():
    days = pd.to_datetime(["2020-01-01", "2020-01-11"])
    train = pd.DataFrame({"d": days})
    fake = pd.DataFrame({"d": pd.to_datetime(["2020-01-02"])})
    result = dcr(train, train.iloc[:1], fake, {"d": "datetime"})
    assert result["median_fake_to_train"] == pytest.approx(0.1)


def test_dcr_refuses_a_missing_kind_and_a_missing_column():
    train = pd.DataFrame({"x": [1.0], "c": ["a"]})
    with pytest.raises(UserError, match="column 'c' needs a kind"):
        dcr(train, train, train, {"x": "numerical"})
    with pytest.raises(UserError, match="lacks column"):
        dcr(train, train, train[["x"]], KINDS)


def test_dcr_agrees_with_sdmetrics_on_random_tables():
    pytest.importorskip("sdmetrics")
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 5, n).astype(float),
                             "c": rng.choice(["a", "b", "c"], n)})

    train, holdout, fake = table(60), table(30), table(40)
    fake.loc[3, "x"] = np.nan
    metadata = {"columns": {"x": {"sdtype": "numerical"}, "y": {"sdtype": "numerical"}, "c": {"sdtype": "categorical"}}}
    kinds = {"x": "numerical", "y": "numerical", "c": "categorical"}
    result = dcr(train, holdout, fake, kinds)
    assert result["median_fake_to_train"] == pytest.approx(float(np.median(calculate_dcr(fake, train, metadata))))
    assert result["median_fake_to_holdout"] == pytest.approx(float(np.median(calculate_dcr(fake, holdout, metadata))))
