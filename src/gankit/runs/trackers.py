"""Experiment trackers beside the always-on ``metrics.jsonl``: ``--log tensorboard`` and ``--log mlflow``.

Pluggable as Lightning's loggers are: each tracker follows training through the
same :class:`~gankit.runs.job.Watcher` hooks as the live view (rank 0 only), logs
each epoch's scalars, and at the end the evaluation's p-values and statistics,
the figures as images, and the hyperparameters with the final metrics. A tracker
whose library is missing is refused before training with one line naming the
pip command.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from gankit.config import GanConfig
from gankit.errors import UserError
from gankit.install_hint import install_hint
from gankit.gan import GAN
from gankit.train.loop import EpochRecord

TRACKERS = {"tensorboard": ("torch.utils.tensorboard", "tensorboard"), "mlflow": ("mlflow", "mlflow")}
SCALARS = ("d_loss", "g_loss", "examples_per_sec")


def flat_params(config: GanConfig) -> dict[str, Any]:
    """The config as ``{"train.d_optimizer.lr": 0.05, …}``: numbers, strings and booleans; lists as text."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        elif value is not None:
            flat[prefix] = value if isinstance(value, (int, float, str, bool)) else str(value)

    walk("", config.model_dump())
    return flat


def final_metrics(evaluation: dict[str, Any]) -> dict[str, float]:
    """``{"eval/mmd_p": …, "eval/mmd": statistic, …, "eval/distinguishable": 0 or 1}`` from an eval.json."""
    metrics = {"eval/distinguishable": float(bool(evaluation.get("distinguishable")))}
    for name, result in evaluation.get("results", {}).items():
        metrics[f"eval/{name}"] = float(result["statistic"])
        if result.get("p_value") is not None:
            metrics[f"eval/{name}_p"] = float(result["p_value"])
    return metrics


def _figures(run_dir: Path) -> list[tuple[str, np.ndarray]]:
    """The run's PNG figures as H×W×3 uint8 arrays."""
    from PIL import Image

    return [(path.stem, np.asarray(Image.open(path).convert("RGB"))) for path in sorted((run_dir / "plots").glob("*.png"))]


class TensorBoardTracker:
    """Writes ``RUN/tensorboard/``: scalars per epoch, figures and hparams with the final metrics."""

    def __init__(self) -> None:
        self.writer = None

    def attach(self, gan: GAN, run_dir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.config, self.run_dir = gan.config, run_dir
        self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))

    def step(self, gan: GAN) -> None:
        pass

    def epoch(self, gan: GAN, record: EpochRecord) -> None:
        for name in SCALARS:
            self.writer.add_scalar(f"train/{name}", getattr(record, name), record.epoch)

    def finish(self, evaluation: dict[str, Any] | None) -> None:
        if self.writer is None:
            return
        for name, image in _figures(self.run_dir):
            self.writer.add_image(f"figures/{name}", image, dataformats="HWC")
        metrics = final_metrics(evaluation) if evaluation else {}
        self.writer.add_hparams(flat_params(self.config), metrics, run_name=".")
        self.writer.close()


class MlflowTracker:
    """Logs to MLflow (``./mlruns`` unless ``MLFLOW_TRACKING_URI`` says otherwise): params, metrics, figures."""

    def attach(self, gan: GAN, run_dir: Path) -> None:
        import mlflow

        self.mlflow, self.run_dir = mlflow, run_dir
        if not mlflow.get_tracking_uri() or mlflow.get_tracking_uri().startswith("databricks"):
            mlflow.set_tracking_uri(Path("mlruns").resolve().as_uri())
        mlflow.set_experiment("gankit")
        mlflow.start_run(run_name=run_dir.name)
        params = flat_params(gan.config)
        mlflow.log_params({key: str(value)[:250] for key, value in params.items()})

    def step(self, gan: GAN) -> None:
        pass

    def epoch(self, gan: GAN, record: EpochRecord) -> None:
        self.mlflow.log_metrics({name: float(getattr(record, name)) for name in SCALARS}, step=record.epoch)

    def finish(self, evaluation: dict[str, Any] | None) -> None:
        if evaluation:
            self.mlflow.log_metrics({key.replace("/", "_"): value for key, value in final_metrics(evaluation).items()})
        for path in sorted((self.run_dir / "plots").glob("*.png")):
            self.mlflow.log_artifact(str(path), artifact_path="figures")
        self.mlflow.end_run()


class Trackers:
    """Several watchers as one (the live view and any trackers), each told in turn."""

    def __init__(self, watchers: list[Any]) -> None:
        self.watchers = watchers

    def attach(self, gan: GAN, run_dir: Path) -> None:
        for watcher in self.watchers:
            watcher.attach(gan, run_dir)

    def step(self, gan: GAN) -> None:
        for watcher in self.watchers:
            watcher.step(gan)

    def epoch(self, gan: GAN, record: EpochRecord) -> None:
        for watcher in self.watchers:
            watcher.epoch(gan, record)


def make_trackers(names: list[str]) -> list[TensorBoardTracker | MlflowTracker]:
    """The trackers named by ``--log``; a missing library is one line naming the pip command."""
    trackers = []
    for name in names:
        if name not in TRACKERS:
            raise UserError(f"--log {name}: unknown tracker; allowed: {', '.join(TRACKERS)} (metrics.jsonl is always written)")
        module, extra = TRACKERS[name]
        if not _importable(module):
            raise UserError(f"--log {name} needs gankit's {extra} extra: {install_hint(extra)}")
        trackers.append(TensorBoardTracker() if name == "tensorboard" else MlflowTracker())
    return trackers


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None and (module != "torch.utils.tensorboard"
                                                                 or importlib.util.find_spec("tensorboard") is not None)
    except ModuleNotFoundError:
        return False
