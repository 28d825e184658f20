"""Resumes check what they resume: the checkpoint, the run folder's config.toml and the data belong together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from gankit.runs.checkpoint_schedule import step_checkpoints
from gankit.runs.run_identity import ALLOWED_CHANGES, _differences

TINY = ["--set", "train.epochs=2", "--set", "data.n=64", "--set", "train.batch_size=16", "--set",
        "checkpoint.every_steps=4", "--set", "eval.permutations=19", "--set", "eval.n=20", "--quiet"]


def _one_line(result, code: int = 2) -> str:
    assert result.code == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    return lines[0]


def _stop_early(run_dir: Path) -> None:
    """Make a finished run look stopped: drop its final checkpoint and its last step checkpoint."""
    shutil.rmtree(run_dir / "checkpoints" / "final")


@pytest.fixture
def gaussian_run(cli, tmp_path):
    out = tmp_path / "d2l"
    assert cli("train", "d2l-gaussian", *TINY, "--out", str(out)).code == 0
    _stop_early(out)
    return out


def test_a_new_run_records_its_identity_in_the_folder_and_every_checkpoint(gaussian_run):
    identity = json.loads((gaussian_run / "run.json").read_text())
    assert set(identity) == {"run_id", "config", "data"}
    for _, folder in step_checkpoints(gaussian_run):
        assert json.loads((folder / "state.json").read_text())["run"] == identity


def test_checkpoints_of_another_preset_are_refused_and_nothing_changes(cli, tmp_path, gaussian_run):
    other = tmp_path / "ring"
    assert cli("train", "ring", *TINY, "--out", str(other)).code == 0
    shutil.rmtree(gaussian_run / "checkpoints")
    shutil.copytree(other / "checkpoints", gaussian_run / "checkpoints")
    metrics = (gaussian_run / "metrics.jsonl").read_bytes()
    line = _one_line(cli("train", "--resume", str(gaussian_run), "--quiet"))
    assert "config differs from" in line and "config.toml" in line and "data.source" in line
    assert (gaussian_run / "metrics.jsonl").read_bytes() == metrics


def test_a_tabular_runs_checkpoints_in_a_d2l_run_are_refused_and_its_metrics_kept(cli, tmp_path, gaussian_run):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n" + "".join(f"{i * .3:.2f},{i * 7 % 13}.5\n" for i in range(40)))
    tabular = tmp_path / "tabular"
    assert cli("train", "tabular", "--data", str(table), *TINY, "--set", "train.batch_size=20", "--out", str(tabular)).code == 0
    shutil.rmtree(gaussian_run / "checkpoints")
    shutil.copytree(tabular / "checkpoints", gaussian_run / "checkpoints")
    metrics = (gaussian_run / "metrics.jsonl").read_bytes()
    line = _one_line(cli("train", "--resume", str(gaussian_run), "--quiet"))
    assert "config differs from" in line and "nothing was changed" in line
    assert (gaussian_run / "metrics.jsonl").read_bytes() == metrics


def test_checkpoints_of_another_run_with_the_same_config_are_refused(cli, tmp_path, gaussian_run):
    twin = tmp_path / "twin"
    assert cli("train", "d2l-gaussian", *TINY, "--out", str(twin)).code == 0
    shutil.rmtree(gaussian_run / "checkpoints")
    shutil.copytree(twin / "checkpoints", gaussian_run / "checkpoints")
    assert "belongs to another run" in _one_line(cli("train", "--resume", str(gaussian_run), "--quiet"))


def test_more_epochs_need_an_explicit_allow_change(cli, gaussian_run):
    config = gaussian_run / "config.toml"
    config.write_text(config.read_text().replace("epochs = 2", "epochs = 3"))
    line = _one_line(cli("train", "--resume", str(gaussian_run), "--quiet"))
    assert "train.epochs (2 in the checkpoint, 3 in config.toml)" in line and "--allow-change train.epochs" in line
    result = cli("train", "--resume", str(gaussian_run), "--quiet", "--allow-change", "train.epochs")
    assert result.code == 0, result.stderr
    assert len((gaussian_run / "metrics.jsonl").read_text().splitlines()) == 3


def test_a_change_outside_the_allow_list_is_refused_even_when_asked(cli, gaussian_run):
    config = gaussian_run / "config.toml"
    config.write_text(config.read_text().replace("seed = 0", "seed = 5"))
    assert "seed (0 in the checkpoint, 5 in config.toml)" in _one_line(cli("train", "--resume", str(gaussian_run), "--quiet"))
    line = _one_line(cli("train", "--resume", str(gaussian_run), "--quiet", "--allow-change", "seed"))
    assert "only train.epochs" in line


def test_changed_training_data_is_refused(cli, tmp_path):
    data = tmp_path / "rows.csv"
    rng = np.random.default_rng(0)
    np.savetxt(data, rng.normal(size=(64, 2)), delimiter=",", header="x,y", comments="")
    out = tmp_path / "run"
    assert cli("train", "gaussian-mlp", "--data", str(data), *TINY, "--out", str(out)).code == 0
    _stop_early(out)
    np.savetxt(data, rng.normal(size=(64, 2)), delimiter=",", header="x,y", comments="")
    assert "training data" in _one_line(cli("train", "--resume", str(out), "--quiet"))


def test_a_checkpoint_from_before_identities_still_resumes(cli, gaussian_run):
    (gaussian_run / "run.json").unlink()
    for _, folder in step_checkpoints(gaussian_run):
        state = json.loads((folder / "state.json").read_text())
        del state["run"]
        (folder / "state.json").write_text(json.dumps(state, indent=1))
    newest = step_checkpoints(gaussian_run)[-1][1]
    (gaussian_run / "metrics.jsonl").write_text("".join((gaussian_run / "metrics.jsonl").read_text().splitlines(True)[:1]))
    shutil.rmtree(newest)  # resume from the middle
    result = cli("train", "--resume", str(gaussian_run), "--quiet")
    assert result.code == 0, result.stderr
    assert (gaussian_run / "run.json").is_file() and (gaussian_run / "checkpoints" / "final").is_dir()


def _poison(folder: Path) -> None:
    tensors = load_file(folder / "tensors.safetensors")
    name = next(key for key in tensors if key.startswith("generator") and tensors[key].is_floating_point())
    tensors[name][...] = float("nan")
    save_file(tensors, str(folder / "tensors.safetensors"))


def test_a_non_finite_checkpoint_is_skipped_by_a_resume(cli, gaussian_run):
    found = step_checkpoints(gaussian_run)
    _poison(found[-1][1])
    result = cli("train", "--resume", str(gaussian_run), "--quiet")
    assert result.code == 0, result.stderr
    assert "NaN or infinite" in result.stderr and "resuming from the checkpoint before it" in result.stderr


def test_sampling_refuses_a_non_finite_checkpoint_in_one_line(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "d2l-gaussian", *TINY, "--out", str(out)).code == 0
    _poison(out / "checkpoints" / "final")
    line = _one_line(cli("sample", str(out), "-n", "5", "-o", str(tmp_path / "s.csv")))
    assert "NaN or infinite" in line and not (tmp_path / "s.csv").exists()


def test_a_folder_left_mid_write_resumes_cleanly(cli, gaussian_run):
    """A killed process leaves hidden temporary files and a half line in metrics.jsonl."""
    newest = step_checkpoints(gaussian_run)[-1][1]
    (gaussian_run / "checkpoints" / f".{newest.name}.abc123.tmp").mkdir()
    (gaussian_run / "checkpoints" / f".{newest.name}.abc123.tmp" / "state.json").write_text('{"format": "gank')
    (gaussian_run / ".eval.json.x1.tmp.json").write_text("{")
    with open(gaussian_run / "metrics.jsonl", "a") as handle:
        handle.write('{"epoch": 3, "d_lo')
    result = cli("train", "--resume", str(gaussian_run), "--quiet")
    assert result.code == 0, result.stderr
    lines = (gaussian_run / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["epoch"] == index + 1 for index, line in enumerate(lines))


def test_the_differences_name_dotted_keys():
    assert _differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": 4}) == {"a.c": (2, 3), "d": (None, 4)}
    assert "train.epochs" in ALLOWED_CHANGES


def test_allow_change_reaches_every_rank_of_an_nproc_resume(cli, gaussian_run, monkeypatch):
    """``--nproc`` starts torchrun with its own argument list: the allowed changes must be in it, else every rank
    refuses the resume that the user allowed."""
    import gankit.runs.launch as launch

    commands = []
    monkeypatch.setattr(launch.subprocess, "run", lambda command: commands.append(command) or _Exited())
    args = ("train", "--resume", str(gaussian_run), "--nproc", "2", "--quiet")
    assert cli(*args, "--allow-change", "train.epochs", "--allow-change", "checkpoint.keep").code == 0
    command = commands[-1]
    assert command[command.index("train"):] == ["train", "--resume", str(gaussian_run), "--quiet",
                                                "--allow-change", "train.epochs", "--allow-change", "checkpoint.keep"]
    assert cli(*args).code == 0 and "--allow-change" not in commands[-1]


class _Exited:
    returncode = 0


def test_an_nproc_resume_of_a_changed_config_is_one_line_before_torchrun_starts(cli, gaussian_run, monkeypatch):
    import gankit.runs.launch as launch

    monkeypatch.setattr(launch.subprocess, "run", lambda command: pytest.fail("torchrun must not start"))
    config = gaussian_run / "config.toml"
    config.write_text(config.read_text().replace("epochs = 2", "epochs = 3"))
    line = _one_line(cli("train", "--resume", str(gaussian_run), "--nproc", "2", "--quiet"))
    assert "train.epochs (2 in the checkpoint, 3 in config.toml)" in line and "--allow-change train.epochs" in line
