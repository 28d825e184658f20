"""The command line as a user runs it: train, sample, eval, presets, and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import SHORT


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One short d2l-gaussian run shared by the tests that only read it."""
    from gankit.cli import run

    out = tmp_path_factory.mktemp("runs") / "run"
    assert run(["train", "d2l-gaussian", *SHORT, "--out", str(out)]) == 0
    return out


def test_train_writes_the_run_directory(trained_run):
    names = {p.relative_to(trained_run).as_posix() for p in trained_run.rglob("*") if p.is_file()}
    steps = {n for n in names if n.startswith("checkpoints/step-")}
    assert names - steps == {"config.toml", "run.json", "metrics.jsonl", "eval.json", "report.html", "plots/losses.png", "plots/samples.png",
                             "plots/decision.png", "plots/training.png", "plots/frames/epoch-000001.npz",
                             "plots/frames/epoch-000002.npz",
                             "checkpoints/final/state.json", "checkpoints/final/tensors.safetensors"}
    # step 0 and the end of epochs 1 and 2, all kept (keep = 3)
    assert {n.split("/")[1] for n in steps} == {"step-000000000", "step-000000125", "step-000000250"}
    lines = [json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]
    assert set(lines[0]) == {"epoch", "d_loss", "g_loss", "examples_per_sec", "elapsed"}
    report = json.loads((trained_run / "eval.json").read_text())
    for name in ("mmd", "energy", "c2st_knn", "c2st_logistic"):
        assert set(report["results"][name]) >= {"statistic", "p_value", "n_real", "n_fake", "seed"}
    assert "cov_error_vs_truth" in report["results"] and report["verdict"]
    assert (trained_run / "plots/losses.png").read_bytes()[:4] == b"\x89PNG"


def test_train_prints_the_chapter_summary_and_verdict(cli, tmp_path):
    result = cli("train", "d2l-gaussian", *SHORT, "--out", str(tmp_path / "r"))
    assert result.code == 0
    assert "loss_D " in result.stdout and "examples/sec" in result.stdout
    assert "DISTINGUISHABLE" in result.stdout and f"run directory: {tmp_path / 'r'}" in result.stdout


def test_runs_are_numbered_and_never_overwritten(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert cli("train", "d2l-gaussian", *SHORT).code == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["0001-d2l-gaussian", "0002-d2l-gaussian", "latest"]
    assert (tmp_path / "runs/latest").resolve() == (tmp_path / "runs/0002-d2l-gaussian").resolve()
    before = (tmp_path / "runs/0001-d2l-gaussian/metrics.jsonl").read_text()
    refused = cli("train", "d2l-gaussian", *SHORT, "--out", "runs/0001-d2l-gaussian")
    assert refused.code == 2 and "never overwrites" in refused.stderr
    assert (tmp_path / "runs/0001-d2l-gaussian/metrics.jsonl").read_text() == before


def test_same_seed_gives_identical_metrics_and_samples(cli, tmp_path):
    for name in ("a", "b"):
        assert cli("train", "d2l-gaussian", *SHORT, "--seed", "5", "--out", str(tmp_path / name)).code == 0
        assert cli("sample", str(tmp_path / name), "-n", "20", "-o", str(tmp_path / f"{name}.npy"), "--seed", "1").code == 0

    def losses(name):
        return [(r["d_loss"], r["g_loss"]) for r in map(json.loads, (tmp_path / name / "metrics.jsonl").read_text().splitlines())]

    assert losses("a") == losses("b")
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_sample_writes_csv_and_npy(cli, trained_run, tmp_path):
    assert cli("sample", str(trained_run), "-n", "7", "-o", str(tmp_path / "s.csv"), "--seed", "0").code == 0
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "x0,x1" and len(lines) == 8
    assert cli("sample", str(trained_run), "-n", "7", "-o", str(tmp_path / "s.npy")).code == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 2)


def test_eval_reruns_with_other_n(cli, trained_run):
    result = cli("eval", str(trained_run), "--n", "200", "--seed", "3")
    assert result.code == 0 and "200 generated vs 200 real" in result.stdout
    assert json.loads((trained_run / "eval.json").read_text())["n_fake"] == 200


def test_train_on_a_user_csv(cli, tmp_path):
    rows = np.random.default_rng(0).normal(size=(64, 3))
    np.savetxt(tmp_path / "d.csv", rows, delimiter=",", header="a,b,c", comments="")
    result = cli("train", "d2l-gaussian", *SHORT, "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "r"))
    assert result.code == 0, result.stderr
    assert "cov_error_vs_truth" not in (tmp_path / "r/eval.json").read_text()
    assert cli("sample", str(tmp_path / "r"), "-n", "3", "-o", str(tmp_path / "s.csv")).code == 0
    assert (tmp_path / "s.csv").read_text().splitlines()[0] == "a,b,c"


def test_dry_run_prints_resolved_config(cli):
    result = cli("train", "d2l-gaussian", "--dry-run", "--set", "train.epochs=3", "--seed", "9")
    assert result.code == 0 and "epochs = 3" in result.stdout and "seed = 9" in result.stdout


def test_presets_lists_one_line_each(cli):
    result = cli("presets")
    lines = result.stdout.strip().splitlines()
    assert result.code == 0 and any(line.startswith("d2l-gaussian ") for line in lines)
    assert any(line.startswith("gaussian ") for line in lines)


def _bad_inputs(tmp_path):
    (tmp_path / "nan.csv").write_text("a,b\n1,2\nnan,3\n" + "1,2\n" * 20)
    (tmp_path / "inf.csv").write_text("a,b\n1,inf\n" + "1,2\n" * 20)
    (tmp_path / "words.csv").write_text("a,b\n1,x\n" + "1,y\n" * 20)
    (tmp_path / "few.csv").write_text("a,b\n1,2\n3,4\n")
    np.save(tmp_path / "cube.npy", np.zeros((10, 2, 2)))
    return [
        (["train", "d2l-gaussian", "--data", str(tmp_path / "nan.csv")], "NaN at row 1, column 'a'"),
        (["train", "d2l-gaussian", "--data", str(tmp_path / "inf.csv")], "inf at row 0, column 'b'"),
        (["train", "d2l-gaussian", "--data", str(tmp_path / "words.csv")], "column 'b' is not numeric"),
        (["train", "d2l-gaussian", "--data", str(tmp_path / "few.csv")], "2 rows is fewer than one batch"),
        (["train", "d2l-gaussian", "--data", str(tmp_path / "cube.npy")], "expected a 2-D table"),
        (["train", "d2l-gaussian", "--data", str(tmp_path / "missing.csv")], "data file not found"),
        (["train", "nope"], "unknown preset 'nope'"),
        (["train", "d2l-gaussian", "--set", "train.lr=1"], "unknown config key 'train.lr'"),
        (["train", "d2l-gaussian", "--set", "train.batch_size=-1"], "train.batch_size"),
        (["sample", str(tmp_path / "none"), "-o", str(tmp_path / "x.csv")], "run directory not found"),
        (["eval", str(tmp_path / "none")], "run directory not found"),
    ]


def test_bad_input_gives_one_line_and_exit_2(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args, message in _bad_inputs(tmp_path):
        result = cli(*args, "--quiet") if args[0] == "train" else cli(*args)
        assert result.code == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_sample_to_a_bad_place_is_one_line(cli, trained_run, tmp_path):
    result = cli("sample", str(trained_run), "-o", str(tmp_path / "nowhere" / "s.csv"))
    assert result.code == 2 and "does not exist" in result.stderr
    result = cli("sample", str(trained_run), "-o", str(tmp_path / "s.parquet"))
    assert result.code == 2 and "use one of .csv, .npy" in result.stderr


def test_console_script_and_module_entry_points(tmp_path):
    """The real processes a user starts: `python -m gankit` and its exit codes."""
    done = subprocess.run([sys.executable, "-m", "gankit", "train", "d2l-gaussian", "--set", "train.epochs=0"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: config key 'train.epochs'")
    assert "Traceback" not in done.stderr
    helped = subprocess.run([sys.executable, "-m", "gankit", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "train" in helped.stdout
