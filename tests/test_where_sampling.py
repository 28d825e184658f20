"""Conditional sampling of a table end to end (``GAN.sample(where=...)``, ``gankit sample --where``): every row
meets every condition, categories come through the conditional vector, rare conditions are refused in one line,
and the same data, config and seed give the same samples bit for bit."""

import numpy as np
import pandas as pd
import pytest

from gankit import GAN
from gankit.errors import UserError
from gankit.kinds import conditional_sampling

TINY = ["train.epochs=2", "train.batch_size=50", "model.generator.hidden=[32]", "model.discriminator.hidden=[32]",
        "eval.n=100", "eval.permutations=19", "tabular.max_modes=3"]


def small_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    height = rng.normal(170, 10, n).round(1)
    height[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "height": height,
        "age": rng.integers(18, 90, n),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.6, 0.3, 0.1]),
        "member": rng.random(n) < 0.3,
    })


@pytest.fixture(scope="module")
def fitted():
    frame = small_table()
    return GAN("tabular", overrides=TINY, seed=0).fit(frame, verbose=False), frame


@pytest.mark.parametrize("where, holds", [
    ("city=Pune", lambda rows: rows["city"].eq("Pune")),
    ("city in Oslo,Pune", lambda rows: rows["city"].isin(["Oslo", "Pune"])),
    ("age>60", lambda rows: rows["age"].gt(60)),
    ("30<=age<40", lambda rows: rows["age"].between(30, 39)),
    (["height>=165", "height<175"], lambda rows: (rows["height"] >= 165) & (rows["height"] < 175)),
    (["city=Lima", "member=true", "age<=50", "height>160"],
     lambda rows: rows["city"].eq("Lima") & rows["member"] & rows["age"].le(50) & rows["height"].gt(160)),
    ({"city": {"in": ["Lima", "Pune"]}, "age": {">": 25, "<=": 70}},
     lambda rows: rows["city"].isin(["Lima", "Pune"]) & rows["age"].between(26, 70)),
])
def test_every_row_meets_every_condition(fitted, where, holds):
    gan, frame = fitted
    rows = gan.sample(400, seed=1, where=where)
    assert len(rows) == 400 and list(rows.columns) == list(frame.columns) and dict(rows.dtypes) == dict(frame.dtypes)
    assert holds(rows).all()
    assert 0 < gan.sampling_cost.acceptance <= 1 and gan.sampling_cost.rows == 400


def test_a_category_comes_through_the_conditional_vector_without_rejection(fitted):
    gan, _ = fitted
    gan.sample(300, seed=2, where="city=Pune")
    cost = gan.sampling_cost
    assert (cost.candidates, cost.accepted, cost.coded) == (300, 300, "city=Pune")
    assert "city=Pune via the conditional vector; 300 candidates for 300 rows (acceptance 100.0%" in cost.describe()


def test_the_vector_carries_the_rarest_category_condition_and_rejection_the_rest(fitted):
    gan, _ = fitted
    rows = gan.sample(200, seed=3, where=["member=true", "city=Pune"])  # Pune: 10 % of rows, members 30 %
    assert gan.sampling_cost.coded == "city=Pune" and gan.sampling_cost.candidates >= 10_000
    assert rows["city"].eq("Pune").all() and rows["member"].all()


def test_a_set_of_categories_is_split_by_their_real_frequencies(fitted):
    gan, frame = fitted
    rows = gan.sample(2000, seed=4, where="city in Oslo,Pune")
    real = frame["city"].value_counts()
    expected = real["Oslo"] / (real["Oslo"] + real["Pune"])
    assert abs(rows["city"].eq("Oslo").mean() - expected) < 0.05  # binomial sd at n = 2000: about 0.008


def test_a_condition_never_met_by_the_generator_is_one_line_with_its_rate(fitted):
    gan, _ = fitted
    with pytest.raises(UserError) as caught:
        gan.sample(10, seed=0, where="age=40.5")  # inside the range, but ages are whole numbers
    assert "never met by the generator: 0 of 10,000 generated rows (estimated rate below 1 in 10,000)" in str(caught.value)


def test_a_condition_too_rare_for_the_cap_is_refused_after_the_first_batch(fitted, monkeypatch):
    gan, _ = fitted
    monkeypatch.setattr(conditional_sampling, "MAX_CANDIDATES", 6_000)  # 5,000 rows need a rate above 83%
    with pytest.raises(UserError) as caught:
        gan.sample(5_000, seed=0, where=["age>70", "city=Oslo"])
    message = str(caught.value)
    assert "too rare to sample" in message and "estimated rate 0." in message and "more than the 6,000" in message
    assert "\n" not in message


def test_the_same_seed_gives_the_same_conditional_rows(fitted):
    gan, _ = fitted
    where = ["city in Lima,Pune", "age>40"]
    first = gan.sample(300, seed=7, where=where)
    pd.testing.assert_frame_equal(first, gan.sample(300, seed=7, where=where))
    assert not first.equals(gan.sample(300, seed=8, where=where))


def test_without_the_conditional_vector_categories_are_met_by_rejection():
    gan = GAN("tabular", overrides=[*TINY, "train.epochs=1", "tabular.conditional=false"], seed=0)
    gan.fit(small_table(), verbose=False)
    rows = gan.sample(100, seed=0, where="city in Lima,Pune")
    assert rows["city"].isin(["Lima", "Pune"]).all()
    assert gan.sampling_cost.coded == "" and gan.sampling_cost.candidates == 10_000 > gan.sampling_cost.accepted


def test_a_date_condition_holds_on_every_sampled_row():
    frame = small_table(120, seed=2)
    frame["joined"] = pd.Timestamp("2019-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 1500, 120), "D")
    gan = GAN("tabular", overrides=TINY, seed=0).fit(frame, verbose=False)
    rows = gan.sample(200, seed=3, where=["joined>=2020-01-01", "joined<2021-07-01"])
    assert len(rows) == 200 and rows["joined"].between("2020-01-01", "2021-06-30").all()


def test_where_on_rows_of_numbers_is_a_user_error():
    gan = GAN("d2l-gaussian", overrides=["train.epochs=1"]).fit(verbose=False)
    with pytest.raises(UserError, match="applies to tables"):
        gan.sample(10, seed=0, where="x>0")


def test_same_data_config_and_seed_give_the_same_samples_bit_for_bit():
    """Two fits from scratch with one seed sample identical tables, with and without conditions."""
    frame = small_table(120, seed=1)
    settings = [*TINY, "train.epochs=1"]
    first, second = (GAN("tabular", overrides=settings, seed=5).fit(frame, verbose=False) for _ in range(2))
    pd.testing.assert_frame_equal(first.sample(300, seed=2), second.sample(300, seed=2), check_exact=True)
    where = {"city": "Lima", "age": {">": 40}}
    pd.testing.assert_frame_equal(first.sample(200, seed=2, where=where), second.sample(200, seed=2, where=where),
                                  check_exact=True)
    other = GAN("tabular", overrides=settings, seed=6).fit(frame, verbose=False)
    assert not other.sample(300, seed=2).equals(first.sample(300, seed=2))


def test_cli_sample_where_writes_only_matching_rows_and_prints_the_acceptance(cli, tmp_path):
    data = tmp_path / "people.csv"
    small_table().to_csv(data, index=False)
    flags = [part for setting in TINY for part in ("--set", setting)]
    assert cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), *flags, "--quiet").code == 0
    out = tmp_path / "lima.csv"
    result = cli("sample", str(tmp_path / "run"), "-n", "150", "-o", str(out), "--seed", "0",
                 "--where", "city=Lima", "--where", "age>40")
    assert result.code == 0, result.stderr
    rows = pd.read_csv(out)
    assert len(rows) == 150 and rows["city"].eq("Lima").all() and rows["age"].gt(40).all()
    assert "conditional sampling: city=Lima via the conditional vector" in result.stdout and "acceptance" in result.stdout

    refused = cli("sample", str(tmp_path / "run"), "-n", "10", "-o", str(tmp_path / "none.csv"), "--where", "age>500")
    assert refused.code == 2 and not (tmp_path / "none.csv").exists()
    assert refused.stderr.strip().count("\n") == 0 and "never met (estimated rate 0): column 'age'" in refused.stderr
    unknown = cli("sample", str(tmp_path / "run"), "-n", "10", "-o", str(tmp_path / "none.csv"), "--where", "town=Lima")
    assert unknown.code == 2 and "no column 'town'; the columns are height, age, city, member" in unknown.stderr


def test_rejection_batches_are_sized_by_the_measured_acceptance():
    """A quarter of every batch meets ``x<25``: the first batch (10,000) keeps 2,500; the second is sized for the
    2,500 missing at that rate, +20 %: 12,000 candidates, which keep 3,000; 22,000 in all."""
    from gankit.data.column_kinds import infer_kinds
    from gankit.data.where import parse_where

    specs = infer_kinds(pd.DataFrame({"x": np.arange(100)}), overrides={"x": "integer"})
    sizes = []

    def draw(count, rng, code_probs):
        sizes.append(count)
        return np.arange(count, dtype=np.float64)[:, None] % 100, None

    rows, cost = conditional_sampling.sample_where(5000, 0, parse_where("x<25", specs), None, draw,
                                                   lambda values, rng, seed: (pd.DataFrame({"x": values[:, 0]}),
                                                                              np.ones(len(values), dtype=bool)))
    assert sizes == [10_000, 12_000]
    assert (cost.candidates, cost.accepted, cost.rows) == (22_000, 5_500, 5_000)
    assert len(rows) == 5000 and rows["x"].lt(25).all()


def test_sample_help_shows_a_where_example(cli):
    result = cli("sample", "--help")
    assert result.code == 0
    text = " ".join(result.stdout.split())
    assert "--where" in text and '--where "city=Lyon" --where "age>40"' in text and "joined>=2020-01-01" in text
    assert "tabular.constraints in the config: 'start <= end'" in text and "gankit inspect examples/people.csv --write-config" in text


def test_rows_that_break_a_constraint_are_replaced_within_their_category():
    """Constraint breaks gather in category a (half its rows) and never touch b: plain rejection would return a in
    1/3 of the rows; stratified, a keeps its half of the candidates' share, and every row kept holds."""
    def draw(count, rng, code_probs):
        return np.arange(count, dtype=np.float64)[:, None], None

    def decode(values, rng, seed):
        index = values[:, 0].astype(int)
        frame = pd.DataFrame({"c": np.where(index % 2 == 0, "a", "b"), "i": index})
        return frame, ~((frame["c"] == "a") & (index % 4 == 0))  # half of a breaks the constraint

    strata = lambda frame: frame["c"].to_numpy()  # noqa: E731
    rows, cost = conditional_sampling.sample_where(1000, 0, conditional_sampling.Where(()), None, draw, decode, strata)
    assert len(rows) == 1000 and (rows["c"] == "a").sum() == 500  # the candidates' share, kept
    assert not ((rows["c"] == "a") & (rows["i"] % 4 == 0)).any()  # no row that breaks it
    assert cost.candidates > 1000  # one more batch for a, which fell short
    plain, _ = conditional_sampling.sample_where(1000, 0, conditional_sampling.Where(()), None, draw, decode)
    assert (plain["c"] == "a").sum() == 333  # without strata: the breaks shrink a's share


def test_stratum_targets_add_up_to_n_by_the_largest_remainder():
    from gankit.kinds.stratified_rejection import select_rows, stratum_targets

    keys = np.array(["a", "a", "a", "b", "b", "c"])  # shares 1/2, 1/3, 1/6 of 4 rows: 2, 1.33, 0.67
    assert stratum_targets(keys, 4) == {"a": 2, "b": 1, "c": 1}
    valid = np.array([True, True, True, False, False, True])  # b has no row that holds: its place goes to a's next
    assert select_rows(keys, valid, 4).tolist() == [0, 1, 2, 5]
