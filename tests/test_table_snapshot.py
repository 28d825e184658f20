"""Table snapshots for the view: each column real vs generated, and the pair-trend matrix."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from gankit.report.table_snapshot import BINS, MAX_CATEGORIES, table_snapshot
from gankit.view.replay import replay
from test_view import watched_run


def test_numerical_columns_are_binned_over_the_real_range_with_the_tails_in_the_end_bins():
    real = pd.DataFrame({"x": np.arange(101, dtype=float)})  # 1st–99th percentile: 1 … 99, bins of width 4.9
    fake = pd.DataFrame({"x": [-50.0, 0.0, 50.0, 1000.0]})
    column = table_snapshot(real, fake, {"x": "numerical"}, epoch=3)["columns"][0]
    assert column["kind"] == "numerical" and len(column["labels"]) == BINS == len(column["real"])
    assert column["labels"][0] == "1" and column["labels"][1] == "5.9"
    assert sum(column["real"]) == pytest.approx(1.0, abs=1e-3) and column["real"][0] == pytest.approx(6 / 101, abs=1e-4)  # 1 … 5, and 0 folded in
    # −50 and 0 fold into the first bin, 1000 into the last, 50 into bin ⌊49 / 4.9⌋ = 10
    assert column["fake"][0] == 0.5 and column["fake"][-1] == 0.25 and column["fake"][10] == 0.25


def test_categories_keep_the_commonest_real_ones_and_pool_the_rest():
    real = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + [f"r{i}" for i in range(MAX_CATEGORIES)]})
    fake = pd.DataFrame({"c": ["a", "a", "zzz", None]})
    column = table_snapshot(real, fake, {"c": "categorical"}, epoch=1)["columns"][0]
    assert column["labels"][:2] == ["a", "b"] and column["labels"][-1] == "other"
    assert len(column["labels"]) == MAX_CATEGORIES + 1
    assert column["real"][0] == pytest.approx(5 / 18, abs=1e-4) and column["real"][-1] == pytest.approx(2 / 18, abs=1e-4)
    assert column["fake"][0] == 0.5 and column["fake"][-1] == 0.5  # "zzz" and the missing value


def test_the_pair_matrix_is_symmetric_with_an_empty_diagonal():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    real = pd.DataFrame({"x": x, "y": x + 0.1 * rng.normal(size=300), "z": rng.normal(size=300)})
    fake = pd.DataFrame({"x": x, "y": -x, "z": rng.normal(size=300)})
    pairs = table_snapshot(real, fake, None, epoch=1)["pairs"]
    scores = pairs["scores"]
    assert pairs["names"] == ["x", "y", "z"] and all(scores[i][i] is None for i in range(3))
    assert scores[0][1] == scores[1][0] and scores[0][1] < 0.1  # ρ ≈ +1 vs −1: CorrelationSimilarity ≈ 0
    assert scores[0][2] > 0.9


def test_a_watched_table_run_keeps_snapshots_over_training_for_replay(tmp_path):
    csv = tmp_path / "t.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.choice(list("xyz"), 120)}).to_csv(csv, index=False)
    run_dir, _ = watched_run(tmp_path / "run", [f'data.path="{csv}"', "train.epochs=4", "eval.permutations=19"],
                             preset="tabular")
    stored = [json.loads(line) for line in (run_dir / "view/tables.jsonl").read_text().splitlines()]
    assert [snapshot["epoch"] for snapshot in stored] == [1, 2, 3, 4]  # every epoch (no time budget), final included once
    assert [column["name"] for column in stored[0]["columns"]] == ["a", "b"]
    replayed = [json.loads(text) for kind, text in replay(run_dir).stream() if kind == "table"]
    assert replayed == stored


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_datetime_bins_are_labelled_with_dates_whatever_the_unit(unit):
    dates = pd.Series(pd.date_range("2015-01-01", "2019-12-31", periods=200)).astype(f"datetime64[{unit}]")
    table = pd.DataFrame({"joined": dates})
    [column] = table_snapshot(table, table, {"joined": "datetime"}, 1)["columns"]
    assert column["labels"][0].startswith("2015-01") and column["labels"][-1].startswith("2019-")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", label) for label in column["labels"])
