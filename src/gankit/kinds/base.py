"""What every kind of data answers: how it loads, encodes and decodes, evaluates, draws and is saved.

A :class:`DataKind` is made for one GAN (it may hold what it learned from the data, such as a
table's transformer); its methods are given the GAN's config as it is then. ``GAN``, ``runs/`` and ``view/`` ask it instead of testing which kind of
data they hold; :mod:`gankit.kinds` picks the kind of a config. The defaults here are those of
plain rows of numbers, so a kind overrides only where it differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol

import numpy as np
import torch

from gankit.config import TOY_SOURCES, GanConfig
from gankit.data import Rows, as_rows, load_training_rows
from gankit.data.toy import toy_source
from gankit.data.condition import Conditions
from gankit.data.layout import Layout
from gankit.errors import UserError
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.train.state import TrainState


class FittedGan(Protocol):
    """What a kind may read of a fitted GAN (``gankit.gan.GAN`` is one; the kinds never import it)."""

    config: GanConfig
    columns: list[str]
    layout: Layout | None
    class_names: tuple[str, ...]
    state: TrainState | None

    def sample(self, n: int, seed: int | None = None, where: Any = None) -> Any: ...

    def draw_rows(self, n: int, rng: torch.Generator, code_probs: tuple[float, ...] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray | None]: ...

    def sample_images(self, n: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray | None]: ...

    def grid_images(self, z: torch.Tensor | None = None) -> np.ndarray: ...

    def real_rows(self) -> Rows: ...

    def eval_plan(self, n: int | None, seed: int | None) -> tuple[int, int]: ...

    def discriminator_logits(self, points: np.ndarray) -> np.ndarray: ...


TitleOf = Callable[[str], str]  # a figure's subject → its title (run name, objective, verdict)
HELD_OUT_SEED = 104_729  # the live view's held-out rows, noise and snapshots come from their own stream


@dataclass(frozen=True)
class ViewPlane:
    """What the live view's 2-D panel shows besides the generator: real points, and real rows for its tests."""

    real: np.ndarray  # real rows drawn behind the generated points
    held_out: np.ndarray  # real rows the two-sample tests compare with
    held_out_origin: str  # where those come from, as the page says it


class DataKind:
    """Rows of numbers, unless a subclass says otherwise (see :mod:`gankit.kinds.rows`)."""

    name: ClassVar[str] = "rows"
    noun: ClassVar[str] = "rows"  # what `gankit sample` says it wrote
    sample_file: ClassVar[str] = "chunked"  # how `gankit sample -o` writes: rows in chunks, or whole images
    sample_suffixes: ClassVar[tuple[str, ...]] = (".csv", ".npy")
    rejection_sampling: ClassVar[bool] = True  # sample.method = "rejection" applies to this kind's rows
    trains_whole_when_small: ClassVar[bool] = False  # a data set smaller than one batch trains as one whole batch
    loading_note: ClassVar[str] = ""  # added to the "loading DATA" status line
    nets_from_hidden_widths: ClassVar[bool] = True  # the nets are sized by model.*.hidden (a GAN's repr shows them)

    @classmethod
    def claims(cls, config: GanConfig) -> bool:
        """Whether this kind holds the data of ``config`` (the registry asks the kinds in turn)."""
        return True

    # ------------------------------------------------------------------ load, validate, encode

    def check_config(self, config: GanConfig) -> None:
        """Checks of the config that must fail before any data is read."""

    def load(self, config: GanConfig) -> Rows:
        """The config's training rows, validated."""
        return load_training_rows(config.data, config.seed)

    def from_memory(self, data: Any, config: GanConfig) -> tuple[Rows, str]:
        """In-memory data as training rows, and the ``data.source`` the config then names."""
        return as_rows(data), "array"

    def fitted_config(self, config: GanConfig) -> GanConfig:
        """``config`` with what was learned from the data written into it (for the run directory's config.toml)."""
        return config

    def layout(self, table: Rows, config: GanConfig) -> Layout:
        """What one training row holds."""
        return table.layout(config.model.conditional)

    def conditions(self, config: GanConfig) -> Conditions | None:
        """CTGAN's conditions drawn with each row (tables), else None."""
        return None

    def generator_terms(self, config: GanConfig, n_rows: int) -> tuple[float, float]:
        """The weights of G's moment and marginal terms against the real rows (tables), else none."""
        return 0.0, 0.0

    def step_cap(self, config: GanConfig, n_rows: int) -> tuple[int, str] | None:
        """A cap on G steps that this kind sets for ``n_rows`` rows, and the setting that sets it (tables'
        size rule), else None: ``train.max_steps`` alone."""
        return None

    def real_rows(self, config: GanConfig) -> Rows:
        """The training rows again, after a GAN was loaded from a checkpoint."""
        return load_training_rows(config.data, config.seed)

    # ------------------------------------------------------------------ sample

    def decode(self, rows: np.ndarray, layout: Layout, rng: torch.Generator, seed: int) -> Any:
        """Generated rows in data units as what ``GAN.sample`` returns."""
        return rows

    filters_rows = False  # whether every sample goes through sample_where (a table with constraints)

    def sample_where(self, gan: FittedGan, n: int, seed: int, where: Any) -> tuple[Any, Any]:
        """``n`` rows meeting the conditions ``where``, and what drawing them cost (tables only)."""
        raise UserError(f"--where (conditional sampling) applies to tables; this GAN generates {self.noun}")

    def images(self, rows: np.ndarray, layout: Layout) -> np.ndarray:
        """Generated rows as N×C×H×W images."""
        raise UserError("this GAN generates rows, not images")

    # ------------------------------------------------------------------ evaluate, draw, view

    def evaluation_task(self, gan: FittedGan, n: int, seed: int, plan: dict[str, Any], real: Any) -> EvaluationTask:
        """The samples an evaluation compares, drawn now (``plan``: permutations, alpha, seed)."""
        raise NotImplementedError

    def start_figures(self, run_dir: Path, gan: FittedGan, table: Rows) -> None:
        """Before training: what the figures drawn during it need (rank 0)."""

    def epoch_figures(self, run_dir: Path, gan: FittedGan, epoch: int) -> None:
        """After each epoch: that epoch's figures (rank 0)."""

    def draw_figures(self, run_dir: Path, gan: FittedGan, n: int | None, seed: int | None, title: TitleOf) -> None:
        """The final figures under ``run_dir/plots`` (``n``, ``seed``: those of the evaluation)."""

    def view_panel(self, columns: int | None) -> str:
        """The live view's panel: ``2d``, ``rows``, ``table`` or ``images``."""
        return "2d" if columns == 2 else "rows"

    def view_plane(self, gan: FittedGan, points: int, tests: int) -> ViewPlane | None:
        """The 2-D panel's ``points`` real points and ``tests`` real rows for its two-sample tests; None for
        another panel. A toy source's test rows are a new draw, never trained on; data from a file has no
        held-out part, so they are a subset of the training rows."""
        if self.view_panel(len(gan.columns)) != "2d":
            return None
        rows, seed = gan.real_rows().values, gan.config.seed
        if gan.config.data.source in TOY_SOURCES:
            drawn = toy_source(gan.config.data).sample(tests, np.random.default_rng([seed, HELD_OUT_SEED]))
            return ViewPlane(_subset(rows, points, seed), drawn[:, :2], "held-out rows: a new draw of the toy source")
        return ViewPlane(_subset(rows, points, seed), _subset(rows, tests, seed + HELD_OUT_SEED),
                         "a subset of the training rows (a file has no held-out rows)")

    def view_rows(self, gan: FittedGan, n: int) -> Any:
        """The real rows the live view's snapshots compare the generator with (``n`` at most); None for a kind
        whose panel takes no snapshots."""
        return None

    def view_snapshot(self, gan: FittedGan, real: Any, epoch: int) -> dict[str, Any]:
        """The live view's snapshot of the generator now against ``real`` (:meth:`view_rows`), kept for replay."""
        raise NotImplementedError(f"{self.name} data has no live-view snapshots")

    def view_event(self, run_dir: Path, epoch: int) -> tuple[str, dict[str, Any]] | None:
        """What the live view shows of an epoch besides its losses and snapshot, as (event, data); else None."""
        return None

    # ------------------------------------------------------------------ checkpoint

    def checkpoint_entries(self) -> dict[str, Any]:
        """What is saved beside a checkpoint's weights (state.json keys)."""
        return {}

    def restore(self, document: dict[str, Any]) -> None:
        """Read back :meth:`checkpoint_entries` from a checkpoint's state.json."""


def _subset(values: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` rows of ``values`` in a random order drawn from ``seed``, their first two columns."""
    return values[np.random.default_rng(seed).permutation(len(values))[:n]][:, :2]
