"""Table constraints (``data/constraints.py``, ``data/constraint_expression.py``): parsed without eval, checked
against the data at fit, undone exactly on the data, and met by 100 % of sampled rows, through the API and the CLI."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from gankit import GAN
from gankit.data.column_kinds import infer_kinds
from gankit.data.constraint_expression import parse_formula
from gankit.data.constraints import fit_constraints, parse_constraints, restore_constraints
from gankit.errors import UserError

TINY = ["train.epochs=2", "train.batch_size=50", "model.generator.hidden=[32]", "model.discriminator.hidden=[32]",
        "eval.n=100", "eval.permutations=19", "tabular.max_modes=3"]
ALL_FORMS = [{"inequality": "low <= high"}, {"range": "0 <= score <= 100"}, {"formula": "total = price + tax"},
             {"combinations": ["country", "city"]}, {"inequality": "start < end"}]


def shop(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A table where every constraint of ALL_FORMS holds."""
    rng = np.random.default_rng(seed)
    low, gap = rng.integers(0, 50, n), rng.integers(0, 30, n)
    price = rng.normal(100, 20, n).round(2)
    tax = (price * 0.2).round(2)
    country = rng.choice(["FR", "DE", "PT"], n)
    city = np.where(country == "FR", rng.choice(["Paris", "Lyon"], n), np.where(country == "DE", "Berlin", "Porto"))
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(low, "D")
    return pd.DataFrame({"low": low, "high": low + gap, "score": rng.uniform(0, 100, n).round(1), "price": price,
                         "tax": tax, "total": (price + tax).round(2), "country": country, "city": city,
                         "start": start, "end": start + pd.to_timedelta(gap + 1, "D")})


def overrides(entries) -> list[str]:
    toml = ", ".join("{" + ", ".join(f"{key} = {value!r}".replace("'", '"') for key, value in entry.items()) + "}"
                     for entry in entries)
    return [f"tabular.constraints=[{toml}]"]


def holds_all(rows: pd.DataFrame, seen: set) -> bool:
    return bool((rows["low"] <= rows["high"]).all() and rows["score"].between(0, 100).all()
                and np.allclose(rows["total"], rows["price"] + rows["tax"], rtol=0, atol=0.005)
                and set(zip(rows["country"], rows["city"])) <= seen and (rows["start"] < rows["end"]).all())


# ------------------------------------------------------------------ parsing


FRAME = shop()
SPECS = infer_kinds(FRAME)


def test_each_form_parses_into_its_comparisons():
    inequality, score_range, formula, combinations, dates = parse_constraints(ALL_FORMS, SPECS)
    assert [(c.left, c.right, c.strict) for c in inequality.comparisons] == [("low", "high", False)]
    assert [(c.left, c.right) for c in score_range.comparisons] == [(0.0, "score"), ("score", 100.0)]
    assert (formula.formula.target, formula.formula.inputs) == ("total", ("price", "tax"))
    assert combinations.combinations == ("country", "city")
    assert dates.comparisons[0].strict
    flipped, = parse_constraints([{"range": "score >= 10"}], SPECS)
    assert [(c.left, c.right) for c in flipped.comparisons] == [(10.0, "score")]


def test_a_formula_is_computed_from_whole_columns_by_hand():
    formula = parse_formula("total = max(a, 2) * (b - 1) / 2 + abs(-a) + round(b / 3, 1)", ["total", "a", "b"])
    a, b = np.array([1.0, 4.0]), np.array([3.0, 5.0])
    assert formula.evaluate({"a": a, "b": b}).tolist() == [2 * 2 / 2 + 1 + 1.0, 4 * 4 / 2 + 4 + 1.7]
    quoted = parse_formula("`grand total` = `unit price` * 2", ["grand total", "unit price"])
    assert quoted.inputs == ("unit price",) and quoted.evaluate({"unit price": np.array([1.5])}).tolist() == [3.0]


@pytest.mark.parametrize("entry, words", [
    ({"formula": "total = __import__('os').getcwd()"}, ["is not allowed", "abs, min, max, round"]),
    ({"formula": "total = price.real"}, ["'price.real' is not allowed"]),
    ({"formula": "total = price + 'x'"}, ["''x'' is not allowed"]),
    ({"formula": "total = price + nothing"}, ["no column 'nothing'"]),
    ({"formula": "total == price"}, ["write TARGET = EXPRESSION"]),
    ({"formula": "total = total + 1"}, ["computed from itself"]),
    ({"formula": "total = country"}, ["column 'country' is categorical"]),
    ({"inequality": "low <= 5"}, ["compares two columns"]),
    ({"inequality": "low <= nowhere"}, ["no column 'nowhere'"]),
    ({"inequality": "low <= high >= price"}, ["not an inequality", "start <= end"]),
    ({"range": "0 <= score >= 100"}, ["mixes < and >"]),
    ({"range": "zero <= score <= 100"}, ["'zero' is neither a column nor a number"]),
    ({"range": "0 <= country"}, ["column 'country' is categorical"]),
    ({"range": "start >= soon"}, ["'soon' is not a date"]),
    ({"inequality": "start <= low"}, ["compares a date column with a number column"]),
    ({"combinations": ["country"]}, ["name two or more different columns"]),
    ({"combinations": ["country", "price"]}, ["column 'price' is continuous"]),
    ({"inequality": "low <= high", "range": "0 <= low"}, ["set exactly one of"]),
])
def test_a_bad_constraint_is_one_line_naming_it(entry, words):
    with pytest.raises(UserError) as caught:
        parse_constraints([entry], SPECS)
    assert "\n" not in str(caught.value) and all(word in str(caught.value) for word in words), str(caught.value)


# ------------------------------------------------------------------ fitted on the data


@pytest.mark.parametrize("entry, broken", [
    ({"inequality": "high <= low"}, "inequality 'high <= low' is broken by"),
    ({"range": "0 <= score <= 50"}, "range '0 <= score <= 50' is broken by"),
    ({"formula": "total = price"}, "formula 'total = price' is broken by 240 of 240 rows"),
])
def test_a_constraint_the_data_breaks_is_one_line_with_its_row_count(entry, broken):
    with pytest.raises(UserError, match="fix the data or drop the constraint") as caught:
        fit_constraints([entry], FRAME, SPECS, "shop.csv")
    assert str(caught.value).startswith(f"shop.csv: constraint {broken}")
    count = int((FRAME["score"] > 50).sum())
    if "score" in str(entry):
        assert f"broken by {count} of 240 rows" in str(caught.value)


def test_the_transforms_are_undone_exactly_on_the_data():
    constraints = fit_constraints(ALL_FORMS, FRAME, SPECS, "shop.csv")
    assert constraints.by_transform == ["range '0 <= score <= 100'", "formula 'total = price + tax'"]
    assert constraints.by_meeting == ["inequality 'low <= high'"]  # two number columns: a breaking row is moved
    assert constraints.by_redraw == ["combinations ['country', 'city']"]  # one value redrawn from the seen ones
    assert constraints.by_rejection == ["inequality 'start < end'"]  # dates
    assert constraints.counts["combinations ['country', 'city']"] == {
        f"{country} | {city}": int(((FRAME["country"] == country) & (FRAME["city"] == city)).sum())
        for country, city in [("DE", "Berlin"), ("FR", "Lyon"), ("FR", "Paris"), ("PT", "Porto")]}
    learned = constraints.encode(FRAME)
    assert "total" not in learned and "country & city" not in learned and (learned["high"] == FRAME["high"]).all()
    pd.testing.assert_frame_equal(constraints.decode(learned), FRAME, check_exact=False, atol=1e-9)
    assert constraints.holds(FRAME).all()


def test_a_run_trained_before_keeps_its_transforms_between_columns_and_a_new_one_restores_as_fitted():
    fitted = fit_constraints(ALL_FORMS, FRAME, SPECS, "shop.csv")
    again = restore_constraints(ALL_FORMS, fitted.to_dict())
    assert again.by_transform == fitted.by_transform and again.by_rejection == fitted.by_rejection
    assert again.by_meeting == fitted.by_meeting == ["inequality 'low <= high'"]
    broken = FRAME.iloc[:2].assign(low=[30, 1], high=[20, 5])
    assert again.decode(broken)[["low", "high"]].values.tolist() == [[25, 25], [1, 5]]
    assert again.counts == fitted.counts and again.by_redraw == fitted.by_redraw
    rejecting = restore_constraints(ALL_FORMS, {key: value for key, value in fitted.to_dict().items() if key != "counts"}
                                    | {"between_columns": "rejection"})
    assert rejecting.by_redraw == [] and "combinations ['country', 'city']" in rejecting.by_rejection
    assert rejecting.by_meeting == [] and "inequality 'low <= high'" in rejecting.by_rejection  # trained in between
    assert rejecting.decode(broken)[["low", "high"]].values.tolist() == [[30, 20], [1, 5]]
    older = {key: value for key, value in fitted.to_dict().items() if key != "between_columns"}  # no marker: before
    old_run = restore_constraints(ALL_FORMS, older)
    assert old_run.by_transform == ["inequality 'low <= high'", "range '0 <= score <= 100'",
                                    "formula 'total = price + tax'", "combinations ['country', 'city']"]
    learned = old_run.encode(FRAME)
    assert "country & city" in learned and "country" not in learned and (learned["high"] == FRAME["high"] - FRAME["low"]).all()
    pd.testing.assert_frame_equal(old_run.decode(learned), FRAME, check_exact=False, atol=1e-9)


def test_a_column_takes_part_in_one_transform_and_missing_values_are_not_judged():
    frame = FRAME.assign(high=FRAME["high"].where(FRAME.index != 3))
    entries = [{"inequality": "low <= high"}, {"range": "0 <= low"}, {"inequality": "price <= total"},
               {"range": "price >= 0"}]
    constraints = fit_constraints(entries, frame, infer_kinds(frame), "shop.csv")
    assert constraints.by_transform == ["range '0 <= low'", "range 'price >= 0'"]
    assert constraints.by_meeting == ["inequality 'low <= high'", "inequality 'price <= total'"]  # missing: not judged
    older = {key: value for key, value in constraints.to_dict().items() if key != "between_columns"}
    old_run = restore_constraints(entries, older)  # a run trained before: its transforms between columns
    assert old_run.by_transform == ["range '0 <= low'", "inequality 'price <= total'"]
    assert old_run.by_rejection == ["inequality 'low <= high'", "range 'price >= 0'"]


def test_rows_that_break_a_constraint_are_found_by_hand():
    constraints = fit_constraints(ALL_FORMS, FRAME, SPECS, "shop.csv")
    rows = FRAME.iloc[:5].copy()
    rows.loc[0, "high"] = rows.loc[0, "low"] - 1
    rows.loc[1, ["country", "city"]] = ["FR", "Porto"]  # never occurs
    rows.loc[2, "total"] += 1
    rows.loc[3, "score"] = np.nan  # a missing value is not judged
    assert constraints.holds(rows).tolist() == [False, False, False, True, True]


# ------------------------------------------------------------------ sampled


@pytest.fixture(scope="module")
def fitted():
    return GAN("tabular", overrides=TINY, seed=0, constraints=ALL_FORMS).fit(FRAME, verbose=False)


def test_every_sampled_row_meets_every_constraint_in_the_data_s_dtypes(fitted):
    rows = fitted.sample(600, seed=1)
    assert len(rows) == 600 and dict(rows.dtypes) == dict(FRAME.dtypes)
    assert holds_all(rows, set(zip(FRAME["country"], FRAME["city"])))
    assert fitted.sampling_cost.describe().startswith("sampling within the constraints:")
    where = fitted.sample(100, seed=2, where=["city=Paris", "high>40"])
    assert where["city"].eq("Paris").all() and where["country"].eq("FR").all() and where["high"].gt(40).all()


def test_same_data_config_and_seed_give_the_same_constrained_samples_bit_for_bit(fitted):
    """A second fit in the same process, the constraints given as --set instead of the API's argument."""
    again = GAN("tabular", overrides=TINY + overrides(ALL_FORMS), seed=0).fit(FRAME, verbose=False)
    pd.testing.assert_frame_equal(fitted.sample(300, seed=4), again.sample(300, seed=4), check_exact=True)
    pd.testing.assert_frame_equal(fitted.sample(50, seed=4, where="low<20"), again.sample(50, seed=4, where="low<20"),
                                  check_exact=True)


def test_cli_train_with_constraints_in_the_config_then_sample_keeps_them(cli, tmp_path):
    data = tmp_path / "shop.csv"
    FRAME.to_csv(data, index=False)
    config = tmp_path / "shop.toml"
    preset = (resources.files("gankit") / "presets" / "tabular.toml").read_text()
    config.write_text(preset + '\n[[tabular.constraints]]\ninequality = "low <= high"\n\n'
                      '[[tabular.constraints]]\ncombinations = ["country", "city"]\n\n'
                      '[[tabular.constraints]]\nformula = "total = price + tax"\n')
    flags = [part for setting in TINY for part in ("--set", setting)]
    trained = cli("train", str(config), "--data", str(data), "--out", str(tmp_path / "run"), "--quiet", *flags)
    assert trained.code == 0, trained.stderr
    out = tmp_path / "rows.csv"
    sampled = cli("sample", str(tmp_path / "run"), "-n", "300", "-o", str(out), "--seed", "0")
    assert sampled.code == 0, sampled.stderr
    rows = pd.read_csv(out)
    assert len(rows) == 300 and (rows["low"] <= rows["high"]).all()
    assert set(zip(rows["country"], rows["city"])) <= set(zip(FRAME["country"], FRAME["city"]))
    assert np.allclose(rows["total"], rows["price"] + rows["tax"], rtol=0, atol=0.005)


def test_cli_a_constraint_the_data_breaks_stops_training_in_one_line(cli, tmp_path):
    data = tmp_path / "shop.csv"
    FRAME.to_csv(data, index=False)
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), "--quiet",
                 "--set", 'tabular.constraints=[{inequality="high <= low"}]')
    assert result.code == 2 and result.stderr.strip().count("\n") == 0
    assert "constraint inequality 'high <= low' is broken by" in result.stderr
