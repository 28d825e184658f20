"""The data-kind seam: the registry picks a kind per config, and a new kind needs no change to ``GAN``.

The fourth kind below follows CONTRIBUTING.md's "A data kind" recipe: rows of whole numbers,
trained as floats, sampled back as integers no lower than the smallest seen, judged by the rows'
two-sample tests, with what it learned saved beside the checkpoint.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gankit.kinds
from gankit import GAN
from gankit.config import load_config
from gankit.data import Rows, as_rows
from gankit.data.layout import Layout
from gankit.kinds import DataKind, FittedGan, kind_for, register
from gankit.kinds.images import ImagesKind
from gankit.kinds.rows import RowsKind
from gankit.kinds.table import TableKind
from gankit.metrics.evaluation_task import EvaluationTask


class WholeNumbersKind(DataKind):
    """Rows of whole numbers (a config named ``whole-numbers``)."""

    name = "whole-numbers"

    def __init__(self) -> None:
        self.lowest: float | None = None  # learned from the data, saved with the checkpoint

    @classmethod
    def claims(cls, config) -> bool:
        return config.name == "whole-numbers"

    def from_memory(self, data: Any, config) -> tuple[Rows, str]:
        table = as_rows(data)
        self.lowest = float(table.values.min())
        return table, "array"

    def decode(self, rows: np.ndarray, layout: Layout, rng, seed: int) -> np.ndarray:
        return np.maximum(np.rint(rows), self.lowest).astype(np.int64)

    def evaluation_task(self, gan: FittedGan, n: int, seed: int, plan: dict[str, Any], real: Any) -> EvaluationTask:
        rows = gan.real_rows().values[:n]
        return EvaluationTask("rows", rows, gan.sample(len(rows), seed=seed).astype(np.float32), **plan)

    def checkpoint_entries(self) -> dict[str, Any]:
        return {"whole_numbers_lowest": self.lowest}

    def restore(self, document: dict[str, Any]) -> None:
        self.lowest = document["whole_numbers_lowest"]


@pytest.fixture
def whole_numbers(monkeypatch):
    """The registry with the test's kind registered (the one line a new kind adds), restored afterwards."""
    monkeypatch.setattr(gankit.kinds, "_KINDS", list(gankit.kinds._KINDS))
    register(WholeNumbersKind)


def test_a_fourth_kind_trains_samples_evaluates_and_reloads_through_gan(whole_numbers, tmp_path):
    counts = np.random.default_rng(0).poisson(lam=(4.0, 9.0), size=(200, 2)).astype(np.float32)
    gan = GAN("d2l-gaussian", overrides=['name = "whole-numbers"', "train.epochs=2", "eval.permutations=19"])
    gan.fit(counts, verbose=False)
    assert isinstance(gan.data_kind, WholeNumbersKind) and gan.data_kind.lowest == counts.min()

    drawn = gan.sample(50, seed=1)
    assert drawn.dtype == np.int64 and drawn.shape == (50, 2) and drawn.min() >= counts.min()
    report = gan.evaluate(n=100, seed=0)
    assert report.n_real == 100 and report.n_fake == 100 and "mmd" in [result.name for result in report.results]

    loaded = GAN.load(gan.save(tmp_path / "checkpoint"))
    assert isinstance(loaded.data_kind, WholeNumbersKind) and loaded.data_kind.lowest == counts.min()
    np.testing.assert_array_equal(loaded.sample(50, seed=1), drawn)


@pytest.mark.parametrize("preset, overrides, kind", [
    ("d2l-gaussian", [], RowsKind),
    ("tabular", ["data.path='people.csv'"], TableKind),
    ("digits-tiny", [], ImagesKind),
])
def test_the_registry_picks_each_presets_kind(preset, overrides, kind):
    assert type(kind_for(load_config(preset, overrides))) is kind


def test_kinds_answer_what_the_front_ends_ask():
    assert (RowsKind().view_panel(2), RowsKind().view_panel(3), TableKind().view_panel(5), ImagesKind().view_panel(None)) \
        == ("2d", "rows", "table", "images")
    assert (RowsKind.noun, ImagesKind.noun) == ("rows", "images")
    assert RowsKind.sample_suffixes == (".csv", ".npy") and ".parquet" in TableKind.sample_suffixes
    assert (RowsKind.rejection_sampling, TableKind.rejection_sampling) == (True, False)


class _StandIn:
    """What the live view's hooks read of a fitted GAN: its config, columns and real rows."""

    def __init__(self, config, values: np.ndarray) -> None:
        self.config, self.columns, self.values = config, [f"x{i}" for i in range(values.shape[1])], values

    def real_rows(self):
        return self


def test_the_2d_panel_gets_real_points_and_held_out_rows_from_the_kind():
    values = np.arange(40, dtype=np.float32).reshape(20, 2)
    toy = RowsKind().view_plane(_StandIn(load_config("d2l-gaussian"), values), points=5, tests=7)
    assert toy.real.shape == (5, 2) and set(toy.real[:, 0]) <= set(values[:, 0])
    assert toy.held_out.shape == (7, 2) and not set(toy.held_out[:, 0]) & set(values[:, 0])  # a new draw of the law
    assert "new draw" in toy.held_out_origin
    from_file = RowsKind().view_plane(_StandIn(load_config("d2l-gaussian", ['data.source="file"', 'data.path="x.csv"']),
                                               values), points=5, tests=7)
    assert set(from_file.held_out[:, 0]) <= set(values[:, 0]) and "subset of the training rows" in from_file.held_out_origin
    three = np.zeros((20, 3), np.float32)
    assert RowsKind().view_plane(_StandIn(load_config("d2l-gaussian"), three), points=5, tests=7) is None
    assert RowsKind().view_rows(_StandIn(load_config("d2l-gaussian"), values), 10) is None  # no snapshots


def test_an_image_run_shows_each_epochs_grid_once_drawn(tmp_path):
    grid = tmp_path / "plots" / "grids" / "epoch-000003.png"
    grid.parent.mkdir(parents=True)
    grid.write_bytes(b"")
    assert ImagesKind().view_event(tmp_path, 3) == ("grid", {"epoch": 3, "path": "plots/grids/epoch-000003.png"})
    assert ImagesKind().view_event(tmp_path, 4) is None and RowsKind().view_event(tmp_path, 3) is None
