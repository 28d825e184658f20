"""Command-line conventions: --version, did-you-mean, runs/latest, gankit runs,
config keys, sample --force, eval -n, --json, run names after preset and data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SHORT
from gankit import __version__
from gankit.config import TrainConfig
from gankit.config_keys import config_keys
from gankit.runs.directory import resolve_run, run_name


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with runs/0001-d2l-gaussian (trained with --json) as the current directory's runs/."""
    from gankit.cli import run
    import contextlib, io, os

    folder = tmp_path_factory.mktemp("cwd")
    previous = Path.cwd()
    os.chdir(folder)
    try:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert run(["train", "d2l-gaussian", *SHORT, "--json"]) == 0
    finally:
        os.chdir(previous)
    return folder, printed.getvalue()


def test_version(cli):
    result = cli("--version")
    assert result.code == 0 and result.stdout.strip() == f"gankit {__version__}"


@pytest.mark.parametrize("args, expected", [
    (["trian"], "Did you mean 'train'?"),
    (["train", "gausian"], "did you mean 'gaussian'?"),
    (["train", "d2l-gaussian", "--set", "train.epoch=3"], "did you mean 'train.epochs'?"),
    (["train", "d2l-gaussian", "--set", "train.epochs", "5"], "write --set train.epochs=5"),
    (["config", "keys", "trian"], "did you mean 'train'?"),
])
def test_mistakes_get_a_suggestion(cli, args, expected):
    result = cli(*args)
    assert result.code == 2 and expected in result.stdout + result.stderr


def test_a_table_with_text_points_to_the_tabular_preset(cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("age,city\n" + "".join(f"{20 + i},town{i % 3}\n" for i in range(40)))
    result = cli("train", "gaussian", "--data", str(people), "--out", str(tmp_path / "r"), "--quiet")
    assert result.code == 2 and "column 'city' is not numeric" in result.stderr
    assert "gankit train tabular --data" in result.stderr
    assert not (tmp_path / "r").exists()


def test_config_keys_come_from_the_model(cli):
    docs = {doc.key: doc for doc in config_keys()}
    epochs = TrainConfig.model_fields["epochs"]
    assert docs["train.epochs"].default == str(epochs.default) and docs["train.epochs"].type == "int"
    assert docs["train.objective"].range.split(" | ")[:2] == ["non-saturating", "minimax"]
    assert docs["train.shuffle"].description == TrainConfig.model_fields["shuffle"].description
    result = cli("config", "keys", "train.d_optimizer")
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip() and line.startswith("train.")]
    assert result.code == 0 and listed == [key for key in docs if key.startswith("train.d_optimizer.")]


def test_run_names_follow_preset_and_data():
    assert run_name("dcgan-digits", "photos/", "images", "digits") == "dcgan-digits-photos"
    assert run_name("veegan-ring", None, "moons", "ring") == "veegan-ring-moons"
    assert run_name("d2l-gaussian", None, "gaussian", "gaussian") == "d2l-gaussian"
    assert run_name("gaussian", "my table.csv", "file", "gaussian") == "gaussian-my_table"


def test_json_mode_prints_one_object_with_the_paths(workdir):
    folder, printed = workdir
    document = json.loads(printed)  # the whole stdout is one JSON object
    run_dir = folder / document["paths"]["run_dir"]
    assert run_dir.name == "0001-d2l-gaussian" and (run_dir / "eval.json").is_file()
    assert document["distinguishable"] == json.loads((run_dir / "eval.json").read_text())["distinguishable"]
    assert str(Path(document["paths"]["run_dir"]) / "plots" / "losses.png") in document["paths"]["plots"]


def test_latest_names_the_newest_run(workdir, cli, monkeypatch):
    folder, _ = workdir
    monkeypatch.chdir(folder)
    assert resolve_run(Path("latest")).resolve() == (folder / "runs/0001-d2l-gaussian").resolve()
    out = folder / "five.csv"
    assert cli("sample", "runs/latest", "-n", "5", "-o", str(out), "--seed", "0").code == 0
    assert len(out.read_text().splitlines()) == 6  # header + 5 rows
    refused = cli("sample", "latest", "-n", "5", "-o", str(out))
    assert refused.code == 2 and "--force" in refused.stderr
    before = out.read_text()
    assert cli("sample", "latest", "-n", "7", "-o", str(out), "--force").code == 0
    assert out.read_text() != before and len(out.read_text().splitlines()) == 8


def test_eval_says_how_many_rows_it_used(workdir, cli, monkeypatch):
    folder, _ = workdir
    monkeypatch.chdir(folder)
    result = cli("eval", "latest", "-n", "3000", "--quiet", "--seed", "1")
    rows = json.loads((folder / "runs/latest/eval.json").read_text())
    assert result.code == 0
    assert f"asked for -n 3000: used {rows['n_fake']} generated and {rows['n_real']} real rows" in result.stdout
    assert rows["n_real"] == 1000  # the training data has 1000 rows: that caps it
    assert "cap" in result.stdout


def test_runs_lists_preset_data_and_verdict(workdir, cli, monkeypatch):
    folder, _ = workdir
    monkeypatch.chdir(folder)
    listed = [json.loads(line) for line in cli("runs", "--json").stdout.splitlines()]
    verdict = "distinguishable" if json.loads((folder / "runs/latest/eval.json").read_text())["distinguishable"] else "indistinguishable"
    assert [(r["path"], r["preset"], r["data"], r["verdict"]) for r in listed] == [
        (str(Path("runs/0001-d2l-gaussian")), "d2l-gaussian", "gaussian", verdict)]
    assert listed[0]["seconds"] > 0
    table = cli("runs").stdout
    assert "0001-d2l-gaussian" in table and verdict in table


def test_sweep_json_and_progress_free_output(cli, tmp_path):
    result = cli("sweep", "d2l-gaussian", "--seeds", "2", "--set", "train.epochs=1", "--set", "data.n=80",
                 "--no-eval", "--json", "--out", str(tmp_path / "s"))
    document = json.loads(result.stdout)
    assert result.code == 0 and document["members"] == 2 and Path(document["paths"]["summary.csv"]).is_file()
    assert result.stderr == ""  # --json: no progress display either


def test_a_run_without_preset_data_is_named_after_it(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "cloud.npy", np.random.default_rng(0).normal(size=(64, 2)))
    result = cli("train", "d2l-gaussian", "--data", "cloud.npy", "--set", "train.epochs=1", "--set", "eval.n=40",
                 "--set", "eval.permutations=19", "--quiet")
    assert result.code == 0 and (tmp_path / "runs/0001-d2l-gaussian-cloud/eval.json").is_file()


def test_sweep_summary_is_grouped_by_grid_point():
    import math

    from rich.console import Console

    from gankit.report.sweep_summary import summarize, summary_table

    rows = [{"member": "000-seed0-lr=1", "seed": 0, "lr": 1, "mmd_p": 0.5, "d_loss": 0.7},
            {"member": "001-seed1-lr=1", "seed": 1, "lr": 1, "mmd_p": 0.01, "d_loss": 0.5},
            {"member": "002-seed0-lr=2", "seed": 0, "lr": 2, "mmd_p": 0.2, "d_loss": 0.6}]
    by = {(s.grid_point, s.metric): s for s in summarize(rows, 0.05, ["lr"])}
    assert sorted(by) == [("lr=1", "d_loss"), ("lr=1", "mmd_p"), ("lr=2", "d_loss"), ("lr=2", "mmd_p")]
    assert by["lr=1", "mmd_p"].mean == pytest.approx(0.255) and by["lr=1", "mmd_p"].pass_rate == 0.5
    assert by["lr=1", "mmd_p"].best_member == "000-seed0-lr=1" and by["lr=2", "mmd_p"].best_member == "002-seed0-lr=2"
    assert math.isnan(by["lr=2", "mmd_p"].stderr)
    console = Console(width=60, record=True)
    console.print(summary_table(list(by.values()), 3))
    text = console.export_text()
    assert "lr=1" in text and "lr=2" in text and "nan" not in text and "…" not in text


def test_toy_bench_table_is_never_truncated_nor_nan():
    from rich.console import Console

    from gankit.report.toy_bench import bench_table, gankit_row

    one_seed = gankit_row("pacgan-ring", "train.objective=wgan model.pack=4", [
        {"modes_captured": 7.0, "high_quality_pct": 91.5, "reverse_kl": 0.12, "mmd_p": 0.3}], 12.0, 0.05)
    assert "±" not in one_seed["modes"] and one_seed["modes"] == "7"
    console = Console(width=70, record=True)
    console.print(bench_table([one_seed]))
    text = console.export_text()
    assert "…" not in text and "nan" not in text
    method_cells = [line.split("│")[2].strip() for line in text.splitlines() if line.startswith("│")]
    assert "".join(method_cells).replace(" ", "") == one_seed["method"].replace(" ", "")  # wrapped in its cell, every character kept


def test_sweep_members_keep_their_plots(cli, tmp_path):
    result = cli("sweep", "d2l-gaussian", "--seeds", "2", "--set", "train.epochs=1", "--set", "data.n=80",
                 "--set", "eval.n=60", "--set", "eval.permutations=19", "--quiet", "--out", str(tmp_path / "s"))
    assert result.code == 0, result.stderr
    members = sorted((tmp_path / "s" / "members").iterdir())
    assert len(members) == 2
    assert all((member / "plots" / "samples.png").is_file() and (member / "plots" / "losses.png").is_file()
               for member in members)


def test_the_command_ends_without_teardown_yet_with_all_its_output_and_status():
    """`gankit` leaves through os._exit (no interpreter teardown); its buffered output must still arrive whole."""
    import subprocess
    import sys

    code = "from gankit.process_exit import leave; print('x' * 100_000); print('last line'); leave(3)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stdout.endswith("last line\n") and len(done.stdout) == 100_001 + len("last line\n")
