"""Images (an image folder, a .npy/.npz array, or the digits and shapes sources), optionally class-conditional.

An image travels as a flattened row (plus a one-hot label); it is sampled back as N×C×H×W in
[−1, 1] and written whole, as PNGs or an .npz. Evaluated with the image distances; drawn as a
grid of the same latent batch every epoch, animated at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gankit.config import GanConfig
from gankit.data import Rows
from gankit.data.layout import Layout
from gankit.kinds.base import DataKind, FittedGan, TitleOf
from gankit.metrics.evaluate import real_rows_index
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.nets.dcgan import conv_stages


class ImagesKind(DataKind):
    """Images: the nets are convolutional, samples are image arrays."""

    name = "images"
    noun = "images"
    sample_file = "images"
    sample_suffixes = ()  # a folder of PNGs or an .npz (see data/image_samples.py)
    nets_from_hidden_widths = False  # the convolutional nets are sized by the resolution

    @classmethod
    def claims(cls, config: GanConfig) -> bool:
        return config.data.is_images

    def check_config(self, config: GanConfig) -> None:
        if config.data.resolution:
            conv_stages(config.data.resolution)  # a resolution the nets cannot take fails before loading

    def images(self, rows: np.ndarray, layout: Layout) -> np.ndarray:
        return rows[:, : layout.pixels].reshape(-1, *layout.image)

    def evaluation_task(self, gan: FittedGan, n: int, seed: int, plan: dict[str, Any], real: Any) -> EvaluationTask:
        images = gan.real_rows().images()
        images = images[real_rows_index(len(images), n, seed)]
        fake, _ = gan.sample_images(len(images), seed=seed)
        options = {"shapes": gan.config.data.source == "shapes", "inception_weights": gan.config.eval.inception_weights}
        return EvaluationTask("images", images, fake, **plan, options=options)

    # the figures load Pillow: sampling and evaluating a GAN of images need not
    def start_figures(self, run_dir: Path, gan: FittedGan, table: Rows) -> None:
        from gankit.data.images import to_uint8  # noqa: PLC0415
        from gankit.report.image_neighbours import REAL, save_real_images  # noqa: PLC0415

        if not (run_dir / REAL).is_file():  # for the view's nearest-real-neighbour search
            save_real_images(to_uint8(table.images()), run_dir, gan.config.seed)

    def epoch_figures(self, run_dir: Path, gan: FittedGan, epoch: int) -> None:
        from gankit.report.image_grid import epoch_grid  # noqa: PLC0415

        epoch_grid(gan.grid_images(), run_dir, epoch, gan.layout.classes)

    def draw_figures(self, run_dir: Path, gan: FittedGan, n: int | None, seed: int | None, title: TitleOf) -> None:
        """plots/samples.png, a grid of samples, and plots/training.gif, the epoch grids animated."""
        from gankit.report.image_grid import grid_frames, save_gif, save_grid  # noqa: PLC0415

        images, _ = gan.sample_images(gan.config.eval.grid_n, seed=gan.config.seed)
        save_grid(images, run_dir / "plots" / "samples.png")
        save_gif(grid_frames(run_dir, gan.state.epoch), run_dir / "plots" / "training.gif")

    def view_panel(self, columns: int | None) -> str:
        return "images"

    def view_event(self, run_dir: Path, epoch: int) -> tuple[str, dict[str, Any]] | None:
        """The epoch's grid of samples, once drawn (``epoch_figures``)."""
        from gankit.report.image_grid import GRIDS  # noqa: PLC0415

        grid = GRIDS / f"epoch-{epoch:06d}.png"
        return ("grid", {"epoch": epoch, "path": grid.as_posix()}) if (run_dir / grid).is_file() else None
