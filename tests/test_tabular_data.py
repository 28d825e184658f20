"""Mixed-type tables: reading and writing files, column-kind inference, and the reversible transformer."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from gankit.data.column_kinds import ColumnSpec, column_notices, infer_kinds, kinds_line
from gankit.data.frame_io import read_frame, write_frame
from gankit.data.table_transformer import ModeNormalizer, TabularTransformer
from gankit.errors import UserError


def mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Every kind, with missing values in some columns; continuous columns have no far outliers."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "flag": rng.random(n) > 0.4,
        "age": rng.integers(18, 90, n),
        "income": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(1000.0, 5000.0, n)),
        "children": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n).astype(float)),
        "color": pd.Series(rng.choice(["red", "green", "blue", None], n), dtype="str"),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
        "joined": pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")),
        "answer": rng.choice(["yes", "no"], n),
    })


def kinds(frame: pd.DataFrame, **options) -> dict[str, str]:
    return {spec.name: spec.kind for spec in infer_kinds(frame, **options)}


def write(path, text: str | bytes):
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# ---------------------------------------------------------------- reading and writing files


def test_read_csv_keeps_text_and_missing_values(tmp_path):
    frame = read_frame(write(tmp_path / "t.csv", "a,b,c\n1,x,2020-01-01\n,y,2020-01-02\n3,,2020-01-03\n"))
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame.shape == (3, 3)
    assert np.isnan(frame["a"][1]) and frame["a"][2] == 3
    assert frame["b"].isna().tolist() == [False, False, True]


def test_read_npy_and_npz(tmp_path):
    array = np.arange(6.0).reshape(3, 2)
    np.save(tmp_path / "a.npy", array)
    frame = read_frame(tmp_path / "a.npy")
    assert list(frame.columns) == ["x0", "x1"] and frame.to_numpy().tolist() == array.tolist()
    records = np.array([(1.5, 2), (2.5, 3)], dtype=[("u", "f8"), ("v", "i4")])
    np.savez(tmp_path / "s.npz", records)
    frame = read_frame(tmp_path / "s.npz")
    assert list(frame.columns) == ["u", "v"] and frame["v"].tolist() == [2, 3]
    np.savez(tmp_path / "two.npz", a=array, b=array)
    with pytest.raises(UserError, match=r"two\.npz: expected exactly one array in the \.npz, found 2: a, b"):
        read_frame(tmp_path / "two.npz")


def test_write_frame_csv_round_trip_is_atomic(tmp_path):
    frame = pd.DataFrame({"a": [1.5, np.nan], "b": ["x", "y"]})
    path = write_frame(frame, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temp file left behind
    pd.testing.assert_frame_equal(read_frame(path), frame, check_dtype=False)


def test_write_frame_errors(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(UserError, match=r"unsupported output type '\.txt'; use one of \.csv, \.parquet"):
        write_frame(frame, tmp_path / "out.txt")
    with pytest.raises(UserError, match="does not exist"):
        write_frame(frame, tmp_path / "nowhere" / "out.csv")


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow")
    frame = mixed_frame(20)
    path = write_frame(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_frame(path), frame, check_dtype=False)


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(UserError, match="pip install pyarrow"):
        read_frame(write(tmp_path / "t.parquet", b"PAR1"))


@pytest.mark.parametrize("name, content, message", [
    ("e.csv", b"", r"e\.csv: the file is empty \(0 bytes\)"),
    ("h.csv", "a,b\n", r"h\.csv: the table has a header but no data rows"),
    ("r.csv", "a,b\n1,2\n3,4\n5,6,7\n", r"r\.csv: cannot be parsed \(line 4 has 3 fields, the header has 2\)"),
    ("x.csv", "a,b\n1,2,3\n4,5,6\n", r"x\.csv: line 2 has more fields than the header row"),
    ("u.csv", b"a,b\n1,2\n3,\xff\n", r"u\.csv: not UTF-8 text \(byte 0xff at position 10, line 3\)"),
    ("one.csv", "a,b\n1,2\n", r"one\.csv: needs at least 2 rows, found 1"),
    ("blank.csv", "\n\n", r"blank\.csv: no header row"),
    ("t.xlsx", "whatever", r"unsupported file type '\.xlsx'; use one of \.csv, \.parquet, \.npy, \.npz"),
])
def test_read_frame_errors_name_the_file(tmp_path, name, content, message):
    with pytest.raises(UserError, match=message):
        read_frame(write(tmp_path / name, content))


def test_read_frame_missing_file(tmp_path):
    with pytest.raises(UserError, match="data file not found: .*nope.csv"):
        read_frame(tmp_path / "nope.csv")


# ---------------------------------------------------------------- column kinds


def test_kinds_inferred_from_dtypes_and_values():
    frame = pd.DataFrame({
        "b": [True, False, True, True],
        "yn": ["Yes", "no", "no", "Yes"],
        "flag01": [0, 1, 1, 0],
        "i": [3, 1, 2, 3],
        "f": [1.5, 2.0, np.nan, 3.0],
        "whole": [1.0, np.nan, 3.0, 4.0],
        "s": ["a", "b", None, "a"],
        "months": ["may", "june", "may", "july"],  # would parse as dates, but have no digits
        "d": ["2020-01-01", "2020-02-03", None, "2021-01-01"],
        "ts": pd.to_datetime(["2020-01-01 10:00", "2020-01-01 11:00", "2020-01-02 00:00", None]),
        "c": pd.Categorical(["x", "y", "x", "x"]),
        "numtext": ["1", "2", "3", "4.5"],
    })
    assert kinds(frame) == {
        "b": "boolean", "yn": "boolean", "flag01": "boolean", "i": "integer", "f": "continuous", "whole": "integer",
        "s": "categorical", "months": "categorical", "d": "datetime", "ts": "datetime", "c": "categorical",
        "numtext": "continuous",
    }
    specs = {spec.name: spec for spec in infer_kinds(frame)}
    assert specs["d"].unit == "D" and specs["ts"].unit == "h" and specs["d"].has_missing
    assert specs["yn"].categories == ("Yes", "no") and specs["s"].categories == ("a", "b")
    assert (specs["i"].minimum, specs["i"].maximum) == (1.0, 3.0)
    assert specs["whole"].dtype == "float64" and specs["numtext"].dtype == "float64"


def test_discrete_and_overrides_force_kinds():
    frame = pd.DataFrame({"i": [1, 2, 3, 2], "f": [1, 2, 3, 4], "s": ["a", "b", "a", "b"]})
    assert kinds(frame, discrete=["i"], overrides={"f": "continuous"}) == {
        "i": "categorical", "f": "continuous", "s": "categorical"}
    spec = infer_kinds(frame, discrete=["i"])[0]
    assert spec.categories == (1, 2, 3) and spec.dtype == "int64"
    assert kinds(frame, overrides={"s": "categorical"})["s"] == "categorical"


@pytest.mark.parametrize("frame, options, message", [
    (pd.DataFrame({"a": [1, 2], "b": [3, 4]}), {"discrete": ["zz"]},
     r"^column 'zz' in --discrete is not a column of t\.csv; columns: a, b$"),
    (pd.DataFrame({"a": [1, 2], "b": [3, 4]}), {"overrides": {"zz": "integer"}},
     r"^column 'zz' in --kind is not a column of t\.csv; columns: a, b$"),
    (pd.DataFrame({"a": [1, 2]}), {"overrides": {"a": "float"}},
     r"kind 'float' for column 'a' in --kind is not one of continuous, integer, categorical, boolean, datetime"),
    (pd.DataFrame({"a": [1, 2]}), {"discrete": ["a"], "overrides": {"a": "integer"}}, "pick one"),
    (pd.DataFrame({"a": [1, 2], "gone": [np.nan, np.nan]}), {},
     r"^column 'gone' of t\.csv is entirely missing; drop it$"),
    (pd.DataFrame({"x": ["1.5", "2", "abc", "4", None]}), {},
     (r"^column 'x' of t\.csv mixes numbers and text: 75% of its values are numbers but 'abc' \(data row 3\) is not; "
      r"fix that value, or treat the column as categorical with --discrete x$")),
    (pd.DataFrame({"a": ["x", "y", "z"]}), {"overrides": {"a": "boolean"}}, "has 3 distinct values; boolean needs"),
    (pd.DataFrame({"a": ["x", "y", "z"]}), {"overrides": {"a": "integer"}},
     r"column 'a' of t\.csv cannot be integer: 'x' \(data row 1\) is not a number"),
    (pd.DataFrame({"a": [1.0, np.inf]}), {}, r"column 'a' of t\.csv has an infinite value in data row 2"),
    (pd.DataFrame({"a": [1, 2]}), {"high_cardinality": "ignore"}, "tabular.high_cardinality must be one of error, "),
])
def test_inference_errors(frame, options, message):
    with pytest.raises(UserError, match=message):
        infer_kinds(frame, origin="t.csv", **options)


def test_mixed_numbers_and_text_is_fine_when_forced_categorical():
    frame = pd.DataFrame({"x": ["1.5", "2", "abc", "4"]})
    spec = infer_kinds(frame, discrete=["x"])[0]
    assert spec.kind == "categorical" and spec.categories == ("1.5", "2", "4", "abc")


def test_dates_with_a_few_non_dates_become_missing_with_a_notice():
    values = [f"2020-01-{day:02d}" for day in range(1, 29)] + ["unknown"]
    spec = infer_kinds(pd.DataFrame({"d": values}), origin="t.csv")[0]
    assert spec.kind == "datetime" and spec.has_missing
    assert column_notices([spec]) == [
        "column 'd' of t.csv: 1 value(s) that are not dates (first 'unknown', data row 29) are treated as missing"]


# ---------------------------------------------------------------- high cardinality


def many_values(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"id": [f"u{k}" for k in rng.integers(0, 40, n)], "x": rng.normal(size=n)})


def test_high_cardinality_error_names_count_limit_and_options():
    count = many_values()["id"].nunique()
    with pytest.raises(UserError, match=rf"^column 'id' of t\.csv has {count} distinct values, more than "
                       r"tabular\.max_categories=10; set tabular\.high_cardinality to drop, hash or continuous, "
                       r"or raise tabular\.max_categories$"):
        infer_kinds(many_values(), max_categories=10, origin="t.csv")


def test_high_cardinality_hash_keeps_each_bucket_most_frequent_value():
    frame = many_values()
    spec = infer_kinds(frame, max_categories=10, high_cardinality="hash")[0]
    assert spec.treatment == "hashed" and spec.hash_buckets == 10 and len(spec.categories) <= 10
    assert "hashed into 10 buckets" in spec.notice
    transformer = TabularTransformer.fit(frame, infer_kinds(frame, max_categories=10, high_cardinality="hash"),
                                         continuous="quantile")
    assert transformer.output_blocks[0].width == len(spec.categories)
    back = transformer.inverse_transform(transformer.transform(frame))["id"]
    assert set(back) <= set(spec.categories)
    representatives = frame["id"].isin(spec.categories)  # the most frequent value of each bucket comes back as itself
    assert representatives.any() and (back[representatives] == frame["id"][representatives]).all()
    counts = frame["id"].value_counts()
    assert counts.index[0] in spec.categories  # the most frequent value overall is some bucket's representative


def test_high_cardinality_drop_draws_the_column_from_its_frequencies():
    frame = many_values()
    specs = infer_kinds(frame, max_categories=10, high_cardinality="drop")
    assert specs[0].treatment == "sampled" and sum(specs[0].counts) == len(frame)
    assert "not learned" in column_notices(specs)[0]
    transformer = TabularTransformer.fit(frame, specs, continuous="quantile")
    assert [block.column for block in transformer.output_blocks] == ["x"]
    back = transformer.inverse_transform(transformer.transform(frame))
    assert list(back.columns) == ["id", "x"] and set(back["id"]) <= set(frame["id"])


def test_high_cardinality_continuous_needs_numbers():
    frame = pd.DataFrame({"code": np.arange(30) * 7, "name": [f"n{k}" for k in range(30)]})
    spec = infer_kinds(frame[["code"]], discrete=["code"], max_categories=10, high_cardinality="continuous")[0]
    assert spec.kind == "integer" and "modelled as a number" in spec.notice
    with pytest.raises(UserError, match="values are not numbers, so tabular.high_cardinality=continuous cannot apply"):
        infer_kinds(frame, max_categories=10, high_cardinality="continuous")


# ---------------------------------------------------------------- the transformer


@pytest.mark.parametrize("method", ["vgm", "quantile", "copula"])
def test_round_trip_restores_the_frame(method):
    frame = mixed_frame()
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous=method, max_modes=3)
    rows = transformer.transform(frame)
    assert rows.dtype == np.float32 and rows.shape == (len(frame), transformer.output_dim)
    assert np.all(np.abs(rows) <= 1.0)
    back = transformer.inverse_transform(rows)
    exact = frame.drop(columns="income")
    pd.testing.assert_frame_equal(back.drop(columns="income"), exact)
    assert back["income"].dtype == np.float64
    assert back["income"].isna().equals(frame["income"].isna())
    np.testing.assert_allclose(back["income"], frame["income"], rtol=1e-5)


def test_integer_columns_restore_nullable_and_float_dtypes():
    frame = pd.DataFrame({"n": pd.array([1, None, 3, 4, 4], dtype="Int64"), "m": [1.0, 2.0, np.nan, 7.0, 7.0]})
    specs = infer_kinds(frame)
    assert [spec.kind for spec in specs] == ["integer", "integer"]
    transformer = TabularTransformer.fit(frame, specs, continuous="quantile")
    pd.testing.assert_frame_equal(transformer.inverse_transform(transformer.transform(frame)), frame)


def test_block_layout_by_hand():
    frame = pd.DataFrame({
        "x": [0.5, 1.5, np.nan, 2.5, 3.0],  # quantile value + missing indicator
        "c": ["a", "b", None, "a", "c"],  # 3 categories + missing slot
        "b": [True, False, True, True, False],  # 2 slots
        "n": [1, 2, 3, 4, 5],  # quantile value only
    })
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous="quantile")
    layout = [(block.start, block.width, block.kind, block.column, block.role) for block in transformer.output_blocks]
    assert layout == [
        (0, 1, "tanh", "x", "value"), (1, 2, "softmax", "x", "missing"),
        (3, 4, "softmax", "c", "category"), (7, 2, "softmax", "b", "category"), (9, 1, "tanh", "n", "value"),
    ]
    assert transformer.output_dim == 10
    discrete = [(block.column, block.start, block.width, block.counts) for block in transformer.discrete_blocks]
    assert discrete == [("c", 3, 4, (2, 1, 1, 1)), ("b", 7, 2, (2, 3))]
    rows = transformer.transform(frame)
    assert rows[2, 1:3].tolist() == [0.0, 1.0]  # row 2 of x is missing
    assert rows[2, 3:7].tolist() == [0.0, 0.0, 0.0, 1.0]  # row 2 of c: the missing slot
    assert rows[4, 3:7].tolist() == [0.0, 0.0, 1.0, 0.0]  # "c"
    assert rows[1, 7:9].tolist() == [1.0, 0.0]  # False is the first category


def test_vgm_block_layout():
    frame = pd.DataFrame({"v": np.r_[np.zeros(50), np.full(50, 10.0)] + np.linspace(-1, 1, 100), "k": ["p", "q"] * 50})
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), max_modes=4)
    modes = len(transformer.encoders[0].normalizer.means)
    assert [(block.start, block.width, block.kind) for block in transformer.output_blocks] == [
        (0, 1, "tanh"), (1, modes, "softmax"), (1 + modes, 2, "softmax")]


def test_vgm_finds_two_modes_and_normalizes_within_the_mode():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(10.0, 1.0, 1000)])
    normalizer = ModeNormalizer.fit(values, max_modes=5, seed=0)
    heavy = normalizer.weights > 0.1
    assert heavy.sum() == 2
    np.testing.assert_allclose(normalizer.means[heavy], [0.0, 10.0], atol=0.1)
    np.testing.assert_allclose(normalizer.stds[heavy], [1.0, 1.0], atol=0.1)
    ten = int(np.flatnonzero(heavy)[1])
    rows = normalizer.encode(np.full(1000, 12.0), np.random.default_rng(1))
    in_ten = rows[:, 1 + ten] == 1.0
    assert in_ten.mean() > 0.8  # 12 is 2σ from 10 and 12σ from 0
    expected = (12.0 - normalizer.means[ten]) / (4 * normalizer.stds[ten])
    np.testing.assert_allclose(rows[in_ten, 0], expected, rtol=1e-6)
    assert abs(expected - 0.5) < 0.05  # 2 / (4 · 1)
    np.testing.assert_allclose(normalizer.decode(rows.astype(np.float64)), 12.0, rtol=1e-6)


def test_inverse_clips_to_the_observed_range_and_rounds_integers():
    frame = pd.DataFrame({"n": [3, 5, 9, 4, 6], "f": [0.5, 0.25, 1.0, 0.75, 0.5]})
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous="quantile")
    back = transformer.inverse_transform(np.array([[1.0, -1.0], [0.9, 0.1], [-5.0, 5.0]]))
    assert back["n"].dtype == np.int64 and back["n"].between(3, 9).all() and back["n"][0] == 9
    assert back["f"].tolist()[0] == 0.25 and back["f"].tolist()[2] == 1.0


def test_missing_indicator_decides_missing_on_the_way_back():
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0]})
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous="quantile")
    back = transformer.inverse_transform(np.array([[0.0, 0.2, 0.8], [0.0, 0.9, 0.1]]))
    assert np.isnan(back["x"][0]) and not np.isnan(back["x"][1])


def test_transform_rejects_values_it_was_not_fitted_on():
    frame = pd.DataFrame({"c": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), continuous="quantile")
    with pytest.raises(UserError, match=r"column 'c' of new\.csv: value 'z' \(data row 2\) was not in the table"):
        transformer.transform(pd.DataFrame({"c": ["a", "z"], "x": [1.0, 2.0]}), origin="new.csv")
    with pytest.raises(UserError, match=r"column 'x' of new\.csv has a missing value \(data row 1\)"):
        transformer.transform(pd.DataFrame({"c": ["a", "b"], "x": [np.nan, 2.0]}), origin="new.csv")
    with pytest.raises(UserError, match="lacks column"):
        transformer.transform(frame[["c"]])
    with pytest.raises(UserError, match="tabular.continuous must be one of vgm, quantile"):
        TabularTransformer.fit(frame, infer_kinds(frame), continuous="minmax")


@pytest.mark.parametrize("method", ["vgm", "quantile"])
def test_to_dict_from_dict_gives_an_identical_transform(method):
    frame = mixed_frame(150)
    specs = infer_kinds(frame)
    transformer = TabularTransformer.fit(frame, specs, continuous=method, max_modes=3, seed=4)
    restored = TabularTransformer.from_dict(json.loads(json.dumps(transformer.to_dict())))
    assert restored.specs == specs and restored.output_blocks == transformer.output_blocks
    rows = transformer.transform(frame)
    np.testing.assert_array_equal(restored.transform(frame), rows)
    noisy = rows + np.random.default_rng(0).normal(0, 0.3, rows.shape)
    pd.testing.assert_frame_equal(restored.inverse_transform(noisy), transformer.inverse_transform(noisy))


def test_column_spec_dict_round_trip():
    spec = ColumnSpec("c", "categorical", "str", True, categories=("a", "b"), treatment="hashed",
                      hash_buckets=8, buckets=(1, 5))
    assert ColumnSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_twenty_thousand_rows_run():
    frame = mixed_frame(20_000, seed=1)
    transformer = TabularTransformer.fit(frame, infer_kinds(frame), max_modes=3)
    back = transformer.inverse_transform(transformer.transform(frame))
    assert back.shape == frame.shape and back["joined"].equals(frame["joined"])


def test_numbers_with_few_values_are_categorical_when_each_value_is_common():
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({
        "code": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0], n),  # a 5-level code stored as float
        "count": rng.integers(0, 11, n),  # 11 values, 18 rows each on average
        "twenty": np.arange(n) % 20,  # 20 values, 10 rows each: still categorical
        "rare": np.arange(n) % 21,  # 21 values: a number
        "flag": rng.integers(0, 2, n).astype(float),  # 0/1: boolean
        "half": rng.choice([0.5, 2.5, 6.0], n),  # binned quantities
    })
    assert kinds(frame) == {"code": "categorical", "count": "categorical", "twenty": "categorical",
                            "rare": "integer", "flag": "boolean", "half": "categorical"}
    assert kinds(frame.iloc[:50])["count"] == "integer"  # 11 values need 110 rows
    assert kinds(frame, overrides={"code": "continuous"})["code"] == "continuous"  # the user still decides
    specs = infer_kinds(frame)
    assert specs[0].categories == (1.0, 2.0, 3.0, 4.0, 5.0) and specs[0].dtype == "float64"
    transformer = TabularTransformer.fit(frame, specs)
    pd.testing.assert_frame_equal(transformer.inverse_transform(transformer.transform(frame)), frame)


def test_few_values_with_missing_come_back_with_their_dtype():
    values = np.tile([1.0, 2.0, 3.0, np.nan], 30)
    frame = pd.DataFrame({"x": values})
    spec = infer_kinds(frame)[0]
    assert spec.kind == "categorical" and spec.has_missing and spec.categories == (1.0, 2.0, 3.0)
    transformer = TabularTransformer.fit(frame, [spec])
    pd.testing.assert_frame_equal(transformer.inverse_transform(transformer.transform(frame)), frame)


def test_continuous_columns_come_back_with_their_decimals():
    frame = pd.DataFrame({"price": np.round(np.linspace(0.0, 99.0, 200) ** 1.1, 2), "raw": np.linspace(0, 1, 200) ** 0.5})
    specs = {spec.name: spec for spec in infer_kinds(frame)}
    assert specs["price"].decimals == 2 and specs["raw"].decimals == -1
    transformer = TabularTransformer.fit(frame, list(specs.values()))
    noisy = transformer.transform(frame) + np.random.default_rng(0).normal(0, 0.05, (len(frame), transformer.output_dim))
    back = transformer.inverse_transform(noisy)
    np.testing.assert_array_equal(back["price"], np.round(back["price"], 2))
    assert not np.array_equal(back["raw"], np.round(back["raw"], 6))


def test_kinds_line_says_why_numbers_are_categories():
    frame = pd.DataFrame({"code": np.tile([1.0, 2.0], 20), "x": np.linspace(0, 1, 40).round(1), "s": ["a", "b"] * 20})
    assert kinds_line(infer_kinds(frame)) == ("column kinds: code: categorical (2 numbers), x: continuous (1 decimal), "
                                             "s: categorical (change with tabular.kinds)")  # x: 11 values need 110 rows


def test_vgm_modes_drawn_only_among_those_that_hold_the_value():
    even = ModeNormalizer(np.array([0.5, 0.5]), np.array([0.0, 10.0]), np.array([1.0, 1.0]))
    values = np.full(1000, 5.0)  # 5σ from both (|α| = 1.25 > 0.99): neither holds it, so both stay drawable
    assert set(even.sample_modes(values, np.random.default_rng(0)).tolist()) == {0, 1}
    normalizer = ModeNormalizer(np.array([0.99, 0.01]), np.array([0.0, 10.0]), np.array([1.0, 1.0]))
    values = np.full(1000, 3.8)  # mode 0 holds it (α = 0.95); mode 1 is 6.2σ away
    assert set(normalizer.sample_modes(values, np.random.default_rng(0)).tolist()) == {0}
    values = np.full(1000, 6.5)  # mode 0 cannot hold it (α = 1.6); mode 1 can, though the posterior favours mode 0
    modes = normalizer.sample_modes(values, np.random.default_rng(0))
    assert set(modes.tolist()) == {1}
    np.testing.assert_allclose(normalizer.decode(normalizer.encode(values, np.random.default_rng(0)).astype(np.float64)), 6.5)
