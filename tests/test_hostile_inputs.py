"""Hostile but legal inputs: each works, or is refused in one line before training starts."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gankit.data.frame_io import detect_separator, read_frame
from gankit.metrics.table_privacy import copy_warning, privacy_check

TABLE = ["--set", "train.epochs=1", "--set", "eval.permutations=19", "--set", "eval.n=40", "--quiet"]


def _two_columns(path: Path, sep: str = ",") -> Path:
    lines = [f"a{sep}b"] + [f"{i * .3:.2f}{sep}{i * 7 % 13}.5" for i in range(40)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_two_column_table_trains_evaluates_and_resumes(cli, tmp_path):
    data = _two_columns(tmp_path / "t.csv")
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), *TABLE)
    assert result.code == 0, result.stderr
    assert (tmp_path / "run" / "eval.json").is_file() and not (tmp_path / "run" / "plots" / "frames").exists()
    assert cli("train", "--resume", str(tmp_path / "run"), "--quiet").code == 0


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_the_separator_is_detected(tmp_path, sep, capsys):
    path = _two_columns(tmp_path / "t.csv", sep)
    assert detect_separator(path) == sep
    frame = read_frame(path)
    assert list(frame.columns) == ["a", "b"] and len(frame) == 40
    notice = capsys.readouterr().err
    assert (repr(sep) in notice) == (sep != ",")


def test_sep_overrides_detection_and_is_kept_in_the_config(cli, tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("a;b,c\n" + "".join(f"{i};{i % 3},{i % 5}\n" for i in range(40)))
    result = cli("train", "tabular", "--data", str(data), "--sep", ",", "--dry-run")
    assert result.code == 0 and 'sep = ","' in result.stdout
    assert cli("train", "tabular", "--data", str(data), "--sep", "::", "--dry-run").code == 2


def test_a_path_with_quotes_tabs_and_backslashes_survives_into_the_config(cli, tmp_path):
    folder = tmp_path / 'we"ird\tna\\me'
    folder.mkdir()
    data = _two_columns(folder / "t.csv")
    result = cli("train", "tabular", "--data", str(data), "--dry-run")
    import tomllib
    assert tomllib.loads(result.stdout)["data"]["path"] == str(data)


def test_the_privacy_check_flags_copies_beyond_chance_only():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(list("abc"), 400)})
    kinds = {"x": "numerical", "c": "categorical"}
    copied = real.sample(200, random_state=1).reset_index(drop=True)
    fresh = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("abc"), 200)})
    flagged, clean = privacy_check(real, copied, kinds, seed=0), privacy_check(real, fresh, kinds, seed=0)
    assert flagged["copies_beyond_chance"] and 0.3 < flagged["exact_copy_share"] < 0.7  # about half are copies of A
    assert flagged["median_dcr_fake"] < flagged["median_dcr_holdout"]
    assert not clean["copies_beyond_chance"] and clean["exact_copy_share"] == 0 and copy_warning(clean) is None
    assert "exact copies" in copy_warning(flagged)


def test_chance_copies_of_a_few_valued_table_are_not_flagged():
    """Two categories of two values: real rows coincide all the time, so a fresh sample must not be flagged."""
    rng = np.random.default_rng(1)
    draw = lambda n: pd.DataFrame({"p": rng.choice(["u", "v"], n), "q": rng.choice(["s", "t"], n)})  # noqa: E731
    check = privacy_check(draw(300), draw(300), {"p": "categorical", "q": "categorical"}, seed=0)
    assert check["exact_copy_share"] == 1.0 and check["holdout_copy_share"] == 1.0
    assert not check["copies_beyond_chance"]


# --- memory: estimated before anything big is allocated ------------------------------------------


def test_an_npy_whose_header_claims_billions_of_rows_is_refused_unread(cli, tmp_path):
    path = tmp_path / "forged.npy"
    np.save(path, np.zeros((10, 2)))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"(10, 2), }", b"(2000000000, 2),}", 1))
    result = cli("train", "d2l-gaussian", "--data", str(path), "--quiet", "--out", str(tmp_path / "run"))
    assert result.code == 2 and "truncated or forged" in result.stderr and "(2000000000, 2)" in result.stderr
    assert not (tmp_path / "run").exists()


def test_nets_too_big_for_memory_are_refused_before_the_run_directory_exists(cli, tmp_path):
    result = cli("train", "d2l-gaussian", "--set", "model.generator.hidden=[100000, 100000]", "--quiet",
                 "--out", str(tmp_path / "run"))
    assert result.code == 2 and "weights" in result.stderr and "of memory" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


def test_check_fits_names_the_need_and_the_supply():
    from gankit.data.memory_budget import check_fits
    from gankit.errors import UserError

    check_fits(10, "ten bytes", available=10)
    with pytest.raises(UserError, match=r"a thing needs about 1.5 GB of memory but 1 GB is available; smaller"):
        check_fits(3 * 2**29, "a thing", "smaller", available=2**30)


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    from gankit.cli import run

    folder = tmp_path_factory.mktemp("table")
    data = _two_columns(folder / "t.csv")
    assert run(["train", "tabular", "--data", str(data), "--out", str(folder / "run"), *TABLE]) == 0
    return folder / "run"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sample_streams_in_chunks_and_one_seed_gives_one_file(cli, tmp_path, table_run, monkeypatch, suffix):
    import gankit.runs.sample_output as sample_output
    from gankit import GAN

    monkeypatch.setattr(sample_output, "CHUNK_ROWS", 7)
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for path in (first, second):
        assert cli("sample", str(table_run), "-n", "30", "-o", str(path), "--seed", "5").code == 0
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    a, b = read(first), read(second)
    assert len(a) == 30 and a.equals(b)
    assert len(a.drop_duplicates()) > 20  # chunks draw different noise
    assert cli("sample", str(table_run), "-n", "6", "-o", str(first), "--seed", "5", "--force").code == 0  # one chunk:
    expected = GAN.load(table_run / "checkpoints" / "final").sample(6, seed=5)  # exactly GAN.sample
    np.testing.assert_allclose(read(first).to_numpy(float), expected.to_numpy(float), rtol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])  # no temp files


def test_sample_refuses_a_file_larger_than_the_free_disk_and_leaves_nothing(cli, tmp_path, table_run, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    result = cli("sample", str(table_run), "-n", "1000000", "-o", str(tmp_path / "s.csv"))
    assert result.code == 2 and "on disk but" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("preset", ["tabular", "d2l-gaussian", "veegan-ring"])
def test_the_width_bound_covers_the_nets_actually_built(preset):
    import torch

    from gankit.config import load_config
    from gankit.data.layout import Layout
    from gankit.nets.build import build_discriminator, build_generator
    from gankit.nets.size import width_bound

    config = load_config(preset)
    layout = Layout(7, softmax_blocks=((2, 3),)) if preset == "tabular" else Layout(2)
    nets = (build_generator(config.model, layout, torch.Generator()), build_discriminator(config.model, layout, torch.Generator()))
    actual = sum(p.numel() for net in nets for p in net.parameters())
    assert actual <= width_bound(config, layout) <= 4 * actual


# --- wide tables: pairs capped and sampled, and said so --------------------------------------------


def test_sampled_pairs_are_distinct_ordered_pairs_and_all_of_them_when_few():
    from itertools import combinations

    from gankit.metrics.pair_trends import sampled_pairs

    names = [f"c{i}" for i in range(9)]
    every = list(combinations(names, 2))
    assert sampled_pairs(names, 36) == every and sampled_pairs(names, None) == every
    for count in (1, 10, 35):
        drawn = sampled_pairs(names, count, seed=count)
        assert len(set(drawn)) == count and set(drawn) <= set(every)
        assert drawn == sorted(drawn, key=every.index)
    assert sampled_pairs(names, 10, seed=1) == sampled_pairs(names, 10, seed=1) != sampled_pairs(names, 10, seed=2)


def test_a_wide_table_scores_a_sample_of_its_pairs_and_draws_bounded_figures(tmp_path):
    from PIL import Image

    from gankit.metrics.pair_trends import MAX_PAIRS
    from gankit.metrics.table_quality import tabular_report
    from gankit.report.table_plots import plot_column_shapes, plot_correlation_difference

    rng = np.random.default_rng(0)
    columns = [f"c{i}" for i in range(60)]  # 1,770 pairs
    real, fake = (pd.DataFrame(rng.normal(size=(30, 60)), columns=columns) for _ in range(2))
    report = tabular_report(real, fake, seed=0, detection=False)
    assert len(report.pair_trends) == MAX_PAIRS and report.pairs_total == 1770
    record = report.as_dict()
    assert record["pairs_scored"] == MAX_PAIRS and record["pairs_total"] == 1770
    for draw, name in ((lambda p: plot_column_shapes(report, p), "columns.png"),
                       (lambda p: plot_correlation_difference(real, fake, None, p), "pairs.png")):
        with Image.open(draw(tmp_path / name)) as image:
            assert max(image.size) < 3000


# ------------------------------------------------------------------ data edge cases: dates, archives, integers


def test_a_parquet_timestamp_before_1677_trains_evaluates_and_samples(cli, tmp_path):
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = pa.array([datetime.datetime(1500 + 3 * i, 1 + i % 12, 1) for i in range(40)], type=pa.timestamp("s"))
    pq.write_table(pa.table({"when": stamps, "x": np.arange(40) * 0.5}), tmp_path / "old.parquet")
    result = cli("train", "tabular", "--data", str(tmp_path / "old.parquet"), "--out", str(tmp_path / "run"), *TABLE)
    assert result.code == 0, result.stderr
    assert (tmp_path / "run" / "eval.json").is_file()
    sampled = cli("sample", str(tmp_path / "run"), "-n", "50", "-o", str(tmp_path / "s.parquet"), "--seed", "1")
    assert sampled.code == 0, sampled.stderr
    when = pd.read_parquet(tmp_path / "s.parquet")["when"]
    assert when.dtype == pd.read_parquet(tmp_path / "old.parquet")["when"].dtype  # the same dtype comes back
    assert when.min() >= pd.Timestamp("1500-01-01") and when.max() <= pd.Timestamp("1617-04-01")


def test_dates_with_mixed_utc_offsets_train_in_utc_with_a_notice(cli, tmp_path):
    data = tmp_path / "mixed.csv"
    data.write_text("when,x\n" + "".join(f"2020-01-{i % 28 + 1:02d}T10:00:00{'Z' if i % 2 else '+02:00'},{i}\n"
                                         for i in range(40)))
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), *TABLE)
    assert result.code == 0, result.stderr
    assert "mixes UTC offsets ('+02:00', 'Z')" in result.stderr


def test_an_npz_is_checked_by_its_decompressed_size(tmp_path, monkeypatch):
    """4 MB of zeros compress to a few kB: the memory check must use the 4 MB (for tables and for images)."""
    import gankit.data.memory_budget as budget
    from gankit.data.frame_io import load_array
    from gankit.data.images import load_images
    from gankit.errors import UserError

    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, images=np.zeros((500, 1000), dtype=np.float64))
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(budget, "available_bytes", lambda: 2_000_000)
    for load in (load_array, load_images):
        with pytest.raises(UserError, match=r"decompressed: 3\.81 MB"):
            load(path)


WIDTHS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"]


@pytest.mark.parametrize("dtype", WIDTHS)
@pytest.mark.parametrize("edge", ["dtype", "inside"])  # observed the dtype's whole range, or bounds just inside it
def test_generated_integers_stay_inside_the_observed_range_for_every_width(dtype, edge):
    """Exactly inside, in the column's dtype: float64 rounds wide bounds (the float nearest 2**63 - 3 is 2**63),
    so bounds and clipping are exact integers."""
    import json

    from gankit.data.column_kinds import ColumnSpec, infer_kinds, numbers_to_column

    info = np.iinfo(dtype.lower())
    step = 0 if edge == "dtype" else 3
    low, high = int(info.min) + step if info.min else step, int(info.max) - step
    values = [low, high] + [(low + high) // 2] * 18
    real = pd.DataFrame({"v": pd.array(values + ([None] if dtype[0].isupper() else []), dtype=dtype)})
    (spec,) = infer_kinds(real, overrides={"v": "integer"})
    spec = ColumnSpec.from_dict(json.loads(json.dumps(spec.to_dict())))  # as a checkpoint keeps it
    generated = numbers_to_column(np.array([-1e30, 1e30, float(low), float(high), 0.4, np.nan][: 5 + dtype[0].isupper()]),
                                  spec)
    assert generated.dtype == real["v"].dtype
    present = [int(v) for v in generated.dropna()]
    assert all(low <= v <= high for v in present), (present, low, high)
    assert present[0] == low and present[1] == high  # beyond the range: clipped to its exact ends, no wrap-around
    assert present[3] > high - 2**12  # the top stays at the top
    assert generated.isna().sum() == (1 if dtype[0].isupper() else 0)


def test_integers_beyond_2_to_the_53_are_named_in_one_notice():
    from gankit.data.column_kinds import column_notices, infer_kinds

    real = pd.DataFrame({"id": np.array([2**60 + 1, 2**60 + 7] * 10, dtype="int64") + np.arange(20),
                         "small": np.arange(20, dtype="int64")})
    notices = column_notices(infer_kinds(real, overrides={"id": "integer", "small": "integer"}))
    assert len(notices) == 1 and "column 'id'" in notices[0] and "beyond 2**53" in notices[0]
    assert "inside the observed range" in notices[0]


# ------------------------------------------------------------------ every dtype read comes back, or a notice names it


@pytest.fixture(scope="module")
def every_dtype_run(tmp_path_factory):
    from gankit.cli import run

    folder = tmp_path_factory.mktemp("dtypes")
    n, rng = 60, np.random.default_rng(0)
    frame = pd.DataFrame({
        "i8": pd.array(rng.integers(-100, 100, n), dtype="int8"),
        "u64": rng.integers(0, 2**62, n, dtype=np.uint64) + np.uint64(2**63),
        "I32": pd.array([None if i % 7 == 0 else i * 1000 for i in range(n)], dtype="Int32"),
        "f32": rng.normal(size=n).astype("float32"),
        "b": rng.integers(0, 2, n).astype(bool),
        "cat": pd.Categorical(rng.choice(["x", "y", "z"], n)),
        "txt": rng.choice(["aa", "bb", "cc"], n),
        "when": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")).astype("datetime64[ms]"),
    })
    frame.to_parquet(folder / "all.parquet", index=False)
    assert run(["train", "tabular", "--data", str(folder / "all.parquet"), "--out", str(folder / "run"), *TABLE]) == 0
    return folder


def test_a_parquet_sample_keeps_every_dtype_read_and_says_nothing(cli, every_dtype_run):
    out = every_dtype_run / "again.parquet"
    result = cli("sample", str(every_dtype_run / "run"), "-n", "80", "-o", str(out), "--seed", "1")
    assert result.code == 0 and "comes back as" not in result.stderr, result.stderr
    read = pd.read_parquet(every_dtype_run / "all.parquet").dtypes
    assert pd.read_parquet(out).dtypes.to_dict() == read.to_dict()


def test_a_csv_sample_names_each_dtype_it_cannot_keep(cli, every_dtype_run):
    out = every_dtype_run / "again.csv"
    result = cli("sample", str(every_dtype_run / "run"), "-n", "80", "-o", str(out), "--seed", "1")
    assert result.code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "comes back as" in line]
    written = pd.read_csv(out).dtypes
    read = pd.read_parquet(every_dtype_run / "all.parquet").dtypes
    changed = [name for name in read.index if str(read[name]) != str(written[name])]
    assert changed == ["i8", "I32", "f32", "cat", "when"]
    assert len(lines) == len(changed)
    for name, line in zip(changed, lines):
        assert f"column '{name}': read as {read[name]}, comes back as {written[name]}" in line and "CSV" in line


def test_dates_read_as_text_with_mixed_offsets_come_back_with_a_notice(cli, tmp_path):
    data = tmp_path / "mixed.csv"
    data.write_text("when,x\n" + "".join(f"2020-01-{i % 28 + 1:02d}T10:00:00{'Z' if i % 2 else '+02:00'},{i}\n"
                                         for i in range(40)))
    assert cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), *TABLE).code == 0
    as_parquet = cli("sample", str(tmp_path / "run"), "-n", "30", "-o", str(tmp_path / "s.parquet"))
    assert "column 'when': read as object, comes back as datetime64[ns, UTC] (dates with mixed UTC offsets, " \
           "converted to UTC)" in as_parquet.stderr
    assert str(pd.read_parquet(tmp_path / "s.parquet")["when"].dtype) == "datetime64[ns, UTC]"
    as_csv = cli("sample", str(tmp_path / "run"), "-n", "30", "-o", str(tmp_path / "s.csv"))
    assert "column 'when': its dates had mixed UTC offsets and come back in UTC (+00:00)" in as_csv.stderr
    assert "comes back as" not in as_csv.stderr  # text before, text after


def test_a_last_batch_of_one_row_is_dropped_for_batchnorm_nets(cli, tmp_path):
    """33 rows in batches of 16 leave one row: BatchNorm has no statistics of one row (it raised ValueError)."""
    data = tmp_path / "r33.csv"
    np.savetxt(data, np.random.default_rng(0).normal(size=(33, 2)), delimiter=",", header="a,b", comments="")
    result = cli("train", "pacgan-ring", "--data", str(data), "--set", "train.batch_size=16", "--set", "model.pack=1",
                 "--set", "train.epochs=1", "--out", str(tmp_path / "run"), *TABLE[2:])
    assert result.code == 0, result.stderr
