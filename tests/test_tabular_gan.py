"""Tables of mixed columns end to end: the library, the CLI, sampling heads and bad input."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from gankit import GAN
from gankit.errors import UserError
from gankit.nets.table_nets import TabularGenerator, gumbel_max

TINY = ["train.epochs=2", "train.batch_size=50", "model.generator.hidden=[32]", "model.discriminator.hidden=[32]",
        "eval.n=100", "eval.permutations=19", "tabular.max_modes=3"]
CLI_TINY = [part for setting in TINY for part in ("--set", setting)] + ["--quiet"]


def mixed_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Numbers with NaN, whole numbers, text categories, booleans and dates."""
    rng = np.random.default_rng(seed)
    height = rng.normal(170, 10, n)
    height[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "height": height,
        "age": rng.integers(18, 90, n),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n, p=[0.6, 0.3, 0.1]),
        "member": rng.random(n) < 0.3,
        "joined": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
    })


@pytest.fixture(scope="module")
def fitted():
    frame = mixed_frame()
    return GAN("tabular", overrides=TINY).fit(frame), frame


def test_samples_have_the_input_columns_dtypes_and_categories(fitted):
    gan, frame = fitted
    synthetic = gan.sample(300, seed=3)
    assert list(synthetic.columns) == list(frame.columns)
    assert dict(synthetic.dtypes) == dict(frame.dtypes)
    assert set(synthetic["city"]) <= {"Oslo", "Lima", "Pune"}
    assert synthetic["age"].between(18, 89).all() and (synthetic["age"] % 1 == 0).all()
    assert synthetic["height"].dropna().between(frame["height"].min(), frame["height"].max()).all()
    pd.testing.assert_frame_equal(synthetic, gan.sample(300, seed=3))  # same seed, same rows
    assert not synthetic.equals(gan.sample(300, seed=4))


def test_evaluation_reports_quality_scores_and_tests(fitted):
    gan, _ = fitted
    report = gan.evaluate()
    for name in ("column_shapes", "column_pair_trends", "quality_score"):
        assert 0.0 <= report[name].statistic <= 1.0
    assert {t.name for t in report.tests} == {"mmd", "energy", "detection_logistic", "detection_boosting"}
    assert set(report.as_dict()["tabular"]["column_shapes"]) == {"height", "age", "city", "member", "joined"}


def test_save_and_load_keep_the_transformer(fitted, tmp_path):
    gan, _ = fitted
    gan.save(tmp_path / "ckpt")
    loaded = GAN.load(tmp_path / "ckpt")
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), gan.sample(50, seed=1))


def test_generator_heads_are_f_gumbel_softmax_per_group_and_tanh_elsewhere():
    """The batched heads give exactly what one F.gumbel_softmax call per group (in column order) gives from
    the same seed, and tanh on the scalars; in eval mode the groups stay logits."""
    blocks = ((6, 2), (1, 3))  # given out of order: groups are handled in column order
    g = TabularGenerator(4, 9, [8], blocks, tau=0.2)
    z = torch.randn(16, 4)
    torch.manual_seed(0)
    rows = g(z)
    torch.manual_seed(0)
    raw = g.out(g.body(z))  # G's body takes no randomness, so the groups' noise comes next in the stream
    expected = torch.tanh(raw)
    for start, size in sorted(blocks):
        expected[:, start : start + size] = F.gumbel_softmax(raw[:, start : start + size], tau=0.2)
    torch.testing.assert_close(rows, expected)
    assert torch.allclose(rows[:, 1:4].sum(1), torch.ones(16)) and rows[:, [0, 4, 5, 8]].abs().max() <= 1.0
    g.eval()
    raw = g.out(g.body(z))
    torch.testing.assert_close(g(z)[:, [1, 2, 3, 6, 7]], raw[:, [1, 2, 3, 6, 7]])
    torch.testing.assert_close(g(z)[:, [0, 4, 5, 8]], torch.tanh(raw[:, [0, 4, 5, 8]]))


def test_gumbel_max_draws_categories_at_their_softmax_probabilities():
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1]])).repeat(20000, 1)
    rows = torch.cat((torch.zeros(20000, 1), logits), dim=1)
    drawn = gumbel_max(rows, ((1, 3),), torch.Generator().manual_seed(0))
    assert torch.equal(drawn[:, 0], rows[:, 0]) and torch.all(drawn[:, 1:].sum(1) == 1)
    np.testing.assert_allclose(drawn[:, 1:].mean(0).numpy(), [0.7, 0.2, 0.1], atol=0.01)


def test_cli_trains_on_a_csv_and_samples_csv(cli, tmp_path):
    data = tmp_path / "people.csv"
    mixed_frame().to_csv(data, index=False)
    result = cli("train", "tabular", "--data", str(data), "--discrete", "age", *CLI_TINY, "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert "quality_score" in result.stdout
    assert {"columns.png", "pairs.png", "losses.png"} <= {p.name for p in (tmp_path / "run/plots").iterdir()}
    config = (tmp_path / "run/config.toml").read_text()
    assert 'discrete = [\n    "age",\n]' in config or 'discrete = ["age"]' in config
    assert json.loads((tmp_path / "run/eval.json").read_text())["results"]["quality_score"]["statistic"] > 0
    assert cli("sample", str(tmp_path / "run"), "-n", "40", "-o", str(tmp_path / "a.csv"), "--seed", "2").code == 0
    assert cli("sample", str(tmp_path / "run"), "-n", "40", "-o", str(tmp_path / "b.csv"), "--seed", "2").code == 0
    first = pd.read_csv(tmp_path / "a.csv")
    assert list(first.columns) == ["height", "age", "city", "member", "joined"] and len(first) == 40
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_the_inferred_kinds_are_written_to_the_run_config_and_reproduce_the_run(cli, tmp_path):
    data = tmp_path / "people.csv"
    mixed_frame().to_csv(data, index=False)
    assert cli("train", "tabular", "--data", str(data), *CLI_TINY, "--out", str(tmp_path / "run")).code == 0
    config = (tmp_path / "run/config.toml").read_text()
    kinds = config.split("[tabular.kinds]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert kinds == ['height = "continuous"', 'age = "integer"', 'city = "categorical"', 'member = "boolean"',
                     'joined = "datetime"']
    again = cli("train", str(tmp_path / "run/config.toml"), *CLI_TINY, "--out", str(tmp_path / "again"))
    assert again.code == 0, again.stderr

    def losses(run: str) -> list[tuple]:
        lines = (tmp_path / run / "metrics.jsonl").read_text().splitlines()
        return [(entry["epoch"], entry["d_loss"], entry["g_loss"]) for entry in map(json.loads, lines)]

    assert losses("again") == losses("run")


def test_table_figures_judge_the_rows_the_evaluation_judged(cli, tmp_path, monkeypatch):
    """A table stored sorted: the column-shape figure must not score its first rows against generated ones."""
    from gankit.report import table_plots

    drawn = []
    real_plot = table_plots.plot_column_shapes
    monkeypatch.setattr(table_plots, "plot_column_shapes", lambda report, path: drawn.append(report) or real_plot(report, path))
    data = tmp_path / "sorted.csv"
    mixed_frame().sort_values("height").to_csv(data, index=False)
    assert cli("train", "tabular", "--data", str(data), *CLI_TINY, "--out", str(tmp_path / "run")).code == 0
    results = json.loads((tmp_path / "run/eval.json").read_text())["results"]
    assert len(drawn) == 1
    assert drawn[0].overall_score == pytest.approx(results["quality_score"]["statistic"])
    assert drawn[0].column_shapes_score == pytest.approx(results["column_shapes"]["statistic"])
    # `gankit eval` with another sample size and seed redraws the figures on its own rows
    assert cli("eval", str(tmp_path / "run"), "-n", "150", "--seed", "3").code == 0
    results = json.loads((tmp_path / "run/eval.json").read_text())["results"]
    assert len(drawn) == 2 and drawn[1].overall_score == pytest.approx(results["quality_score"]["statistic"])


def test_parquet_in_and_out(cli, tmp_path):
    pytest.importorskip("pyarrow")
    data = tmp_path / "people.parquet"
    mixed_frame().to_parquet(data)
    assert cli("train", "tabular", "--data", str(data), *CLI_TINY, "--out", str(tmp_path / "run")).code == 0
    assert cli("sample", str(tmp_path / "run"), "-n", "10", "-o", str(tmp_path / "s.parquet")).code == 0
    back = pd.read_parquet(tmp_path / "s.parquet")
    assert dict(back.dtypes) == dict(mixed_frame().dtypes)


def _write(path, content: bytes):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b\n", "no data rows"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5\n", "ragged.csv"),
    ("missing.csv", b"a,b\n1,\n2,\n3,\n", "column 'b'"),
    ("mixed.csv", b"a,b\n1,1.5\n2,2.5\n3,x\n4,4.5\n", "column 'b'"),
    ("bytes.csv", b"a,b\n1,\xff\xfe\n2,3\n", "UTF-8"),
    ("single.csv", b"a,b\n1,2\n", "at least 2 rows"),
])
def test_bad_tables_are_one_line_and_leave_nothing(cli, tmp_path, name, content, message):
    data = _write(tmp_path / name, content)
    result = cli("train", "tabular", "--data", str(data), *CLI_TINY, "--out", str(tmp_path / "run"))
    assert result.code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_unknown_discrete_column_is_named(cli, tmp_path):
    data = tmp_path / "people.csv"
    mixed_frame().to_csv(data, index=False)
    result = cli("train", "tabular", "--data", str(data), "--discrete", "agee", *CLI_TINY, "--out", str(tmp_path / "run"))
    assert result.code == 2 and "'agee'" in result.stderr and not (tmp_path / "run").exists()


def test_an_id_column_needs_a_choice(cli, tmp_path):
    frame = mixed_frame(300)
    frame["customer"] = [f"C{i:05d}" for i in range(len(frame))]
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    args = ["train", "tabular", "--data", str(data), *CLI_TINY, "--set", "tabular.max_categories=100"]
    result = cli(*args, "--out", str(tmp_path / "run"))
    assert result.code == 2 and "customer" in result.stderr and "high_cardinality" in result.stderr
    assert cli(*args, "--set", 'tabular.high_cardinality="hash"', "--out", str(tmp_path / "hashed")).code == 0


def test_a_last_batch_shorter_than_a_pack_is_skipped_so_losses_stay_finite():
    """344 rows in batches of 340 leave 4 rows, less than one pack of 10: that batch would judge nothing."""
    gan = GAN("tabular", overrides=[*TINY, "train.batch_size=340"]).fit(mixed_frame(344))
    assert all(np.isfinite([r.d_loss, r.g_loss]).all() for r in gan.history)


def test_the_same_seed_gives_the_same_table_gan():
    first = GAN("tabular", overrides=TINY, seed=5).fit(mixed_frame()).sample(50, seed=0)
    second = GAN("tabular", overrides=TINY, seed=5).fit(mixed_frame()).sample(50, seed=0)
    pd.testing.assert_frame_equal(first, second)


def test_a_table_smaller_than_a_batch_is_trained_as_one_whole_batch(capsys):
    """125 rows, batch 500, packs of 10: one batch of 120 rows (whole packs), one G update per epoch."""
    gan = GAN("tabular", overrides=[*TINY, "train.batch_size=500"]).fit(mixed_frame(125))
    assert gan.state.batch_size == 120 and gan.state.step == 2  # 2 epochs of one step each
    assert gan.config.train.batch_size == 500  # the config stays what the user asked for
    assert "125 rows, fewer than train.batch_size = 500; training with one batch of 120 rows" in capsys.readouterr().err


def test_a_table_of_less_than_one_pack_is_refused_with_the_setting_that_fits_it():
    with pytest.raises(UserError, match=r"9 rows is fewer than one batch: .*packs of model.pack = 10 rows; set it lower"):
        GAN("tabular", overrides=[*TINY, "train.batch_size=500"]).fit(mixed_frame(9))
    gan = GAN("tabular", overrides=[*TINY, "train.batch_size=500", "model.pack=1"]).fit(mixed_frame(9))
    assert gan.state.batch_size == 9


@pytest.mark.parametrize("objective", ["non-saturating", "minimax", "wgan", "lsgan", "hinge"])
def test_every_objective_trains_a_table_gan(objective):
    penalty = "10.0" if objective == "wgan" else "0.0"
    gan = GAN("tabular", overrides=[*TINY, f'train.objective="{objective}"', f"train.gp_weight={penalty}"]).fit(mixed_frame())
    assert all(np.isfinite([r.d_loss, r.g_loss]).all() for r in gan.history) and gan.config.train.objective == objective
    assert len(gan.sample(20, seed=0)) == 20
