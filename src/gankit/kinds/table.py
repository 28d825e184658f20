"""Mixed tables (a .csv/.parquet file or a DataFrame): numbers, categories, dates and missing values.

A table is encoded into rows by its transformer (fitted on first load, saved beside the
checkpoint), may carry CTGAN's conditions, and is sampled back as a DataFrame with the
input's columns and dtypes. Evaluated with the table metrics on a random subset of its rows;
drawn as the column-shape and pair-trend figures of the rows the evaluation judged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from gankit.config import GanConfig, with_changes
from gankit.data import Rows, as_rows
from gankit.data.condition import Conditions
from gankit.data.frame_io import WRITE_SUFFIXES, read_frame
from gankit.data.private_table import encode_private_rows, public_specs, public_transformer
from gankit.data.layout import Layout
from gankit.data.column_kinds import ColumnSpec
from gankit.data.constraints import TableConstraints, restore_constraints
from gankit.data.table_encoding import (encode_frame, fit_table_constraints, fit_transformer, metric_kinds,
                                        model_settings, size_rule_step_cap, table_conditions, table_layout,
                                        term_weights)
from gankit.data.table_transformer import TabularTransformer
from gankit.data.where import Where, parse_where
from gankit.errors import UserError
from gankit.kinds.base import HELD_OUT_SEED, DataKind, FittedGan, TitleOf
from gankit.kinds.conditional_sampling import ConditionalCost, coded_column, sample_where
from gankit.metrics.evaluate import real_rows_index
from gankit.metrics.evaluation_task import EvaluationTask
from gankit.metrics.table_checks import checked_tables
from gankit.nets.table_nets import gumbel_max

REDRAW_STREAM = 1  # the random stream, beside the sample's seed, of the combinations' redraws


class TableKind(DataKind):
    """A mixed table; holds its fitted transformer and, once read, the table itself."""

    name = "table"
    sample_suffixes = WRITE_SUFFIXES
    rejection_sampling = False  # a table samples through its conditions and Gumbel-max decoding instead
    trains_whole_when_small = True
    loading_note = " and fitting the table transformer"

    def __init__(self) -> None:
        self.transformer: TabularTransformer | None = None  # the table's reversible map to training rows
        self.constraints: TableConstraints | None = None  # [[tabular.constraints]], fitted with the transformer
        self.frame: pd.DataFrame | None = None  # the table trained on

    @classmethod
    def claims(cls, config: GanConfig) -> bool:
        return config.data.is_table

    def load(self, config: GanConfig) -> Rows:
        return self._encode(self.real_frame(config), config, config.data.path)

    def from_memory(self, data: Any, config: GanConfig) -> tuple[Rows, str]:
        if isinstance(data, pd.DataFrame):
            return self._encode(data, config, "data"), "frame"
        return as_rows(data), "array"

    def _encode(self, frame: pd.DataFrame, config: GanConfig, origin: str) -> Rows:
        """The table as training rows (the constraints and the transformer are fitted on first use; under
        privacy.epsilon the transformer is built from the declared public metadata, ``data/private_table.py``)."""
        if config.privacy.on:
            return self._encode_private(frame, config, origin)
        if self.transformer is None:
            self.constraints = fit_table_constraints(frame, config.tabular, origin)
            learned = self._learned(frame)
            settings = model_settings(config.tabular, self.constraints, list(learned.columns))
            self.transformer = fit_transformer(learned, settings, config.seed, origin)
        self.frame = frame
        return encode_frame(self._learned(frame), self.transformer, origin)

    def _encode_private(self, frame: pd.DataFrame, config: GanConfig, origin: str) -> Rows:
        """Under privacy.epsilon: the encoding from public metadata only (constraints, checked against the rows
        at fit, would read them outside the accounted mechanism)."""
        if config.tabular.constraints:
            raise UserError("tabular.constraints are checked against the training rows, which a private run reads "
                            "only through DP-SGD: remove them, or privacy.epsilon")
        if self.transformer is None:
            columns = [str(column) for column in frame.columns]
            self.transformer = public_transformer(public_specs(columns, config.tabular, origin), config.seed)
        self.frame = frame
        return encode_private_rows(frame, self.transformer, origin)

    def _learned(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The table as the generator learns it: with the constraints' transforms applied."""
        return self.constraints.encode(frame) if self.constraints is not None else frame

    @property
    def column_specs(self) -> list[ColumnSpec]:
        """The table's own columns (a constrained table's generator may learn others in their place)."""
        return self.constraints.specs if self.constraints is not None else self.transformer.specs

    @property
    def filters_rows(self) -> bool:
        """Whether every sample is checked against the table's constraints (``sample_where`` with no condition)."""
        return self.constraints is not None

    def fitted_config(self, config: GanConfig) -> GanConfig:
        """The kinds chosen, as overrides: the run directory's config.toml says how each column was modelled."""
        kinds = {spec.name: spec.kind for spec in self.transformer.specs} if self.transformer is not None else {}
        return with_changes(config, **{"tabular.kinds": kinds}) if kinds and kinds != config.tabular.kinds else config

    def layout(self, table: Rows, config: GanConfig) -> Layout:
        return table_layout(self.transformer, self.conditions(config))

    def conditions(self, config: GanConfig) -> Conditions | None:
        return table_conditions(self.transformer, config.tabular) if self.transformer is not None else None

    def generator_terms(self, config: GanConfig, n_rows: int) -> tuple[float, float]:
        """The size rule's weights. Under privacy.epsilon, whatever the size: the moment term, against the
        moments the run releases privately (``privacy.moment_noise``; 0: no term), and no marginal term, which
        would draw real rows."""
        if config.privacy.on:
            return (config.tabular.moment_weight if config.privacy.moment_noise > 0 else 0.0), 0.0
        return term_weights(config.tabular, n_rows)

    def step_cap(self, config: GanConfig, n_rows: int) -> tuple[int, str] | None:
        """The size rule's cap on G steps for a small table (``tabular.copula_max_steps``)."""
        return size_rule_step_cap(config.tabular, n_rows)

    def real_frame(self, config: GanConfig) -> pd.DataFrame:
        """The table trained on: kept from ``fit``, or read again from ``data.path``."""
        if self.frame is None:
            if config.data.source != "table":
                raise UserError("this GAN was trained on an in-memory table, which is not saved with it; pass the real rows explicitly")
            if not config.data.path:
                raise UserError("data.source = 'table' needs data.path: give the table with --data FILE (or GAN.fit(dataframe))")
            self.frame = read_frame(config.data.path, config.data.sep)
        return self.frame

    def real_rows(self, config: GanConfig) -> Rows:
        return encode_frame(self._learned(self.real_frame(config)), self.transformer, str(config.data.path))

    def decode(self, rows: np.ndarray, layout: Layout, rng: torch.Generator, seed: int) -> pd.DataFrame:
        rows = gumbel_max(torch.from_numpy(rows), layout.softmax_blocks, rng).numpy()
        frame = self.transformer.inverse_transform(rows, rng=np.random.default_rng(seed))
        if self.constraints is None:
            return frame
        return self.constraints.decode(frame, np.random.default_rng(np.random.SeedSequence([seed, REDRAW_STREAM])))

    def sample_where(self, gan: FittedGan, n: int, seed: int, where: Any) -> tuple[pd.DataFrame, ConditionalCost]:
        """``n`` rows meeting every condition of ``where`` (strings or a dict, ``data/where.py``; None: no condition)
        and every constraint: categories through the conditional vector, the rest by rejection
        (``kinds/conditional_sampling.py``)."""
        checked = parse_where(where, self.column_specs) if where is not None else Where(())
        categories = {spec.name: spec.categories for spec in self.transformer.specs}
        coded = coded_column(checked, self.conditions(gan.config), self.transformer.discrete_blocks, categories)

        def decode(rows: np.ndarray, rng: torch.Generator, batch_seed: int) -> tuple[pd.DataFrame, np.ndarray]:
            frame = self.decode(rows, gan.layout, rng, batch_seed)
            holds = self.constraints.holds(frame) if self.constraints is not None else np.ones(len(frame), dtype=bool)
            return frame, holds

        return sample_where(n, seed, checked, coded, gan.draw_rows, decode, self._strata())

    def _strata(self) -> Callable[[pd.DataFrame], np.ndarray] | None:
        """Each row's combination of the table's categorical and boolean values, as one hash (None: no such column)."""
        columns = [spec.name for spec in self.column_specs if spec.kind in ("categorical", "boolean")]
        if not columns:
            return None
        return lambda frame: pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()

    def evaluation_frames(self, gan: FittedGan, n: int | None = None, seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The evaluation's sample: ``n`` real rows drawn at random (a table stored sorted must not be judged on
        its first rows) and as many generated rows, both from the evaluation's seed."""
        n, seed = gan.eval_plan(n, seed)
        frame = self.real_frame(gan.config)
        frame = frame.iloc[real_rows_index(len(frame), n, seed)].reset_index(drop=True)
        return frame, gan.sample(len(frame), seed=seed)

    def evaluation_task(self, gan: FittedGan, n: int, seed: int, plan: dict[str, Any], real: Any) -> EvaluationTask:
        frame, fake = self.evaluation_frames(gan, n, seed)
        return EvaluationTask("table", frame, fake, **plan, options={"kinds": metric_kinds(self.column_specs)})

    def draw_figures(self, run_dir: Path, gan: FittedGan, n: int | None, seed: int | None, title: TitleOf) -> None:
        """plots/columns.png (each column's shape score) and plots/pairs.png (pair-trend scores of every column
        pair), on the rows an evaluation with the same ``n`` and ``seed`` judges."""
        # the table metrics load SciPy and scikit-learn (about 1 s): only table runs pay for them
        from gankit.metrics.table_quality import tabular_report  # noqa: PLC0415
        from gankit.report.table_plots import plot_column_shapes, plot_correlation_difference  # noqa: PLC0415

        n, seed = gan.eval_plan(n, seed)
        real, fake = self.evaluation_frames(gan, n, seed)  # the rows eval.json judged, so the figures agree with it
        real, fake, kinds = checked_tables(real, fake, metric_kinds(self.column_specs))
        plot_column_shapes(tabular_report(real, fake, kinds, seed, detection=False), run_dir / "plots" / "columns.png")
        plot_correlation_difference(real, fake, kinds, run_dir / "plots" / "pairs.png")

    def view_panel(self, columns: int | None) -> str:
        return "table"

    def view_rows(self, gan: FittedGan, n: int) -> pd.DataFrame:
        frame = self.real_frame(gan.config)
        return frame.sample(n=min(len(frame), n), random_state=gan.config.seed % 2**32)

    def view_snapshot(self, gan: FittedGan, real: pd.DataFrame, epoch: int) -> dict[str, Any]:
        """The live view's snapshot of the table now: each column's shape and the pair trends, real vs generated."""
        from gankit.report.table_snapshot import table_snapshot  # noqa: PLC0415  (SciPy: only a live table view)

        fake = gan.sample(len(real), seed=gan.config.seed + HELD_OUT_SEED)
        return table_snapshot(real, fake, metric_kinds(self.column_specs), epoch)

    def checkpoint_entries(self) -> dict[str, Any]:
        entries = {"tabular": self.transformer.to_dict()} if self.transformer is not None else {}
        if self.constraints is not None:
            entries["table_constraints"] = self.constraints.to_dict()
        return entries

    def restore(self, document: dict[str, Any]) -> None:
        if "tabular" in document:
            self.transformer = TabularTransformer.from_dict(document["tabular"])
        if "table_constraints" in document:
            self.constraints = restore_constraints(document["config"]["tabular"]["constraints"],
                                                   document["table_constraints"])
