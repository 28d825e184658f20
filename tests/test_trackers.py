"""--log tensorboard / --log mlflow: pluggable trackers beside the always-on metrics.jsonl."""

from __future__ import annotations

import json
import sys
import types

import pytest

from conftest import SHORT
from gankit.config import load_config
from gankit.errors import UserError
from gankit.install_hint import install_hint
from gankit.runs import trackers
from gankit.runs.trackers import final_metrics, flat_params, make_trackers


def test_flat_params_name_every_config_key():
    params = flat_params(load_config("d2l-gaussian"))
    assert params["train.d_optimizer.lr"] == 0.05 and params["train.objective"] == "non-saturating"
    assert params["model.discriminator.hidden"] == "[5, 3]"


def test_final_metrics_from_an_evaluation():
    evaluation = {"distinguishable": True, "results": {
        "mmd": {"statistic": 0.01, "p_value": 0.02}, "mean_error_vs_data": {"statistic": 0.3, "p_value": None}}}
    assert final_metrics(evaluation) == {"eval/distinguishable": 1.0, "eval/mmd": 0.01, "eval/mmd_p": 0.02,
                                         "eval/mean_error_vs_data": 0.3}


def test_unknown_and_missing_trackers_are_one_line(monkeypatch):
    with pytest.raises(UserError, match="unknown tracker; allowed: tensorboard, mlflow"):
        make_trackers(["wandb"])
    monkeypatch.setattr(trackers, "_importable", lambda module: False)
    with pytest.raises(UserError) as problem:
        make_trackers(["mlflow"])
    assert str(problem.value) == f"--log mlflow needs gankit's mlflow extra: {install_hint('mlflow')}"
    assert "mlflow>=" in str(problem.value)


def test_missing_extra_fails_before_anything_is_written(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(trackers, "_importable", lambda module: False)
    result = cli("train", "d2l-gaussian", *SHORT, "--out", str(tmp_path / "run"), "--log", "tensorboard")
    assert result.code == 2 and install_hint("tensorboard") in result.stderr
    assert not (tmp_path / "run").exists()


def test_tensorboard_gets_the_epoch_scalars_and_the_hparams(cli, tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "run"
    assert cli("train", "d2l-gaussian", *SHORT, "--out", str(out), "--log", "tensorboard").code == 0
    scalars = EventAccumulator(str(out / "tensorboard")).Reload()
    logged = [event.value for event in scalars.Scalars("train/d_loss")]
    expected = [json.loads(line)["d_loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert logged == pytest.approx(expected, rel=1e-6)
    assert "figures/losses" in scalars.Tags()["images"]
    assert (out / "metrics.jsonl").is_file()  # always on


class FakeMlflow(types.ModuleType):
    """Records the calls gankit makes, in order."""

    def __init__(self) -> None:
        super().__init__("mlflow")
        self.calls: list[tuple[str, tuple, dict]] = []
        for name in ("set_tracking_uri", "set_experiment", "start_run", "log_params", "log_metrics", "log_artifact",
                     "end_run"):
            setattr(self, name, lambda *args, _name=name, **kwargs: self.calls.append((_name, args, kwargs)))
        self.get_tracking_uri = lambda: ""


def test_mlflow_logs_params_metrics_and_figures_to_local_mlruns(cli, tmp_path, monkeypatch):
    fake = FakeMlflow()
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    monkeypatch.setattr(trackers, "_importable", lambda module: True)
    monkeypatch.chdir(tmp_path)
    assert cli("train", "d2l-gaussian", *SHORT, "--out", str(tmp_path / "run"), "--log", "mlflow").code == 0
    names = [name for name, _, _ in fake.calls]
    assert names[:4] == ["set_tracking_uri", "set_experiment", "start_run", "log_params"] and names[-1] == "end_run"
    assert fake.calls[0][1][0] == (tmp_path / "mlruns").as_uri()
    epochs = [kwargs["step"] for name, _, kwargs in fake.calls if name == "log_metrics" and "step" in kwargs]
    assert epochs == [1, 2]
    final = [args[0] for name, args, kwargs in fake.calls if name == "log_metrics" and "step" not in kwargs][0]
    assert "eval_mmd_p" in final
    assert names.count("log_artifact") == len(list((tmp_path / "run" / "plots").glob("*.png")))
