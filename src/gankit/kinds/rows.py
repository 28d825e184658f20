"""Rows of numbers: the toy sources and numeric arrays or files (.csv, .npy).

Evaluated by the two-sample tests on the rows (plus the known law's modes and moments for a
toy source); drawn as a scatter of real and generated rows, and for two columns as D's
decision surface, with frames of it over training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gankit.data import as_rows, known_modes, known_truth
from gankit.kinds.base import DataKind, FittedGan, TitleOf
from gankit.metrics.evaluate import real_rows_index
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.metrics.modes import MODE_SAMPLES
from gankit.report.decision_frames import FRAME_POINTS, decision_frame, frame_epochs, load_frames, save_frame

FRAMES = Path("plots") / "frames"  # 2-D snapshots over training, for plots/training.png


class RowsKind(DataKind):
    """Plain rows: sampled as arrays, written as .csv or .npy, judged by the rows' two-sample tests."""

    name = "rows"

    def evaluation_task(self, gan: FittedGan, n: int, seed: int, plan: dict[str, Any], real: Any) -> EvaluationTask:
        rows = as_rows(real, "real data").values if real is not None else gan.real_rows().values
        rows = rows[real_rows_index(len(rows), n, seed)]
        fake = gan.sample(len(rows), seed=seed)
        modes = known_modes(gan.config.data)
        mode_samples = gan.sample(MODE_SAMPLES, seed=seed + 1) if modes is not None else None
        options = {"truth": known_truth(gan.config.data), "modes": modes, "mode_samples": mode_samples}
        return EvaluationTask("rows", rows, fake, **plan, options=options)

    def epoch_figures(self, run_dir: Path, gan: FittedGan, epoch: int) -> None:
        if _is_two_dimensional(gan) and epoch in frame_epochs(gan.config.train.epochs):
            save_frame(run_dir / FRAMES, _decision_frame(gan, epoch))

    def draw_figures(self, run_dir: Path, gan: FittedGan, n: int | None, seed: int | None, title: TitleOf) -> None:
        """plots/samples.png; for 2-D rows also plots/decision.png (D's surface behind the points) and
        plots/training.png (its frames over training)."""
        from gankit.report.plots import plot_decision, plot_samples, plot_training_grid  # noqa: PLC0415  (matplotlib)

        fake = gan.sample(gan.config.eval.plot_n, seed=gan.config.seed)
        plot_samples(gan.real_rows().values, fake, run_dir / "plots" / "samples.png", gan.columns, title("samples"))
        if not _is_two_dimensional(gan):
            return
        epoch = gan.state.epoch
        frames = load_frames(run_dir / FRAMES, up_to_epoch=epoch)
        final = frames[-1] if frames and int(frames[-1]["epoch"]) == epoch else None  # training's last frame
        frame = final if final is not None else _decision_frame(gan, epoch)
        plot_decision(frame, run_dir / "plots" / "decision.png", gan.columns, title(f"D's surface, epoch {epoch}"))
        if frames:
            plot_training_grid(frames, run_dir / "plots" / "training.png", title("D's surface over training"))


def _is_two_dimensional(gan: FittedGan) -> bool:
    """Rows of two numbers get D's decision surface drawn."""
    return len(gan.columns) == 2


def _decision_frame(gan: FittedGan, epoch: int) -> dict:
    """The frame of ``gan`` now: its real rows, generated points and D's logits, drawn with the run's seed."""
    seed = gan.config.seed
    return decision_frame(gan.real_rows().values, gan.sample(FRAME_POINTS, seed=seed), gan.discriminator_logits, epoch, seed)
