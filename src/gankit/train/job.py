"""A whole training run into a run directory: config, metrics, checkpoint, evaluation, figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gankit.config import GanConfig
from gankit.gan import GAN
from gankit.metrics import EvalReport
from gankit.report.plots import plot_losses, plot_samples
from gankit.runs import CHECKPOINT, append_jsonl, checkpoint_of, read_jsonl, write_json
from gankit.train.loop import EpochRecord


@dataclass
class RunResult:
    """What a finished run left behind."""

    run_dir: Path
    gan: GAN
    report: EvalReport


def train_run(
    config: GanConfig, make_run_dir: Callable[[], Path], on_epoch: Callable[[EpochRecord], None] | None = None
) -> RunResult:
    """Validate the data, then create the run directory, train into it and evaluate the result.

    The directory is made only once the data has passed validation, so bad input
    leaves nothing behind.
    """
    gan = GAN(config)
    table = gan.load_data()
    run_dir = make_run_dir()
    metrics_path = start_run_dir(run_dir, config)

    def log_epoch(record: EpochRecord) -> None:
        append_jsonl(metrics_path, record.as_dict())
        if on_epoch is not None:
            on_epoch(record)

    gan.fit(table, on_epoch=log_epoch)
    report = finish_run(run_dir, gan)
    return RunResult(run_dir, gan, report)


def start_run_dir(run_dir: Path, config: GanConfig) -> Path:
    """Write the resolved config; return the path of the (append-only) metrics.jsonl."""
    (run_dir / "config.toml").write_text(config.to_toml())
    return run_dir / "metrics.jsonl"


def finish_run(run_dir: Path, gan: GAN, evaluate: bool = True, figures: bool = True) -> EvalReport | None:
    """Save the final checkpoint, then (optionally) evaluate and draw the figures."""
    gan.save(run_dir / CHECKPOINT)
    return evaluate_run(run_dir, gan, figures=figures) if evaluate else None


def evaluate_run(
    run_dir: Path, gan: GAN | None = None, n: int | None = None, seed: int | None = None, figures: bool = True
) -> EvalReport:
    """Evaluate a run's generator against its training data; write eval.json and redraw the figures."""
    gan = gan or GAN.load(checkpoint_of(run_dir))
    report = gan.evaluate(n=n, seed=seed)
    write_json(run_dir / "eval.json", report.as_dict())
    if figures:
        draw_figures(run_dir, gan)
    return report


def draw_figures(run_dir: Path, gan: GAN) -> None:
    """plots/losses.png from metrics.jsonl; plots/samples.png from the training data and the generator."""
    metrics_path = run_dir / "metrics.jsonl"
    if metrics_path.is_file():
        plot_losses(read_jsonl(metrics_path), run_dir / "plots" / "losses.png")
    fake = gan.sample(gan.config.eval.plot_n, seed=gan.config.seed)
    plot_samples(gan.real_table().values, fake, run_dir / "plots" / "samples.png", gan.columns)
