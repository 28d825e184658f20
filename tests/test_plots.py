"""The figure fixes: equilibrium lines only where the objective has them, one colour per role, generated above real."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.axes import Axes

from gankit.report import plots
from gankit.report.roles import GENERATED, REAL, equilibrium

HISTORY = [{"epoch": 1, "d_loss": 0.6, "g_loss": 0.9}, {"epoch": 2, "d_loss": 0.65, "g_loss": 0.8}]


def test_equilibrium_values_per_objective():
    # D(x) = ½: BCE(½) = ln 2 for D's mean of two terms and for −log D; the minimax G loss is log(1 − ½) = −ln 2
    assert equilibrium("non-saturating") == pytest.approx({"d_loss": math.log(2), "g_loss": math.log(2)})
    assert equilibrium("minimax") == pytest.approx({"d_loss": math.log(2), "g_loss": -math.log(2)})
    for objective in ("wgan", "hinge", "lsgan"):
        assert equilibrium(objective) == {}


@pytest.fixture
def horizontal_lines(monkeypatch):
    drawn = []
    original = Axes.axhline

    def spy(self, y=0, *args, **kwargs):
        drawn.append((y, kwargs.get("label")))
        return original(self, y, *args, **kwargs)

    monkeypatch.setattr(Axes, "axhline", spy)
    return drawn


@pytest.mark.parametrize("objective, expected", [("wgan", []), ("hinge", []), ("non-saturating", [math.log(2)]),
                                                 ("minimax", [math.log(2), -math.log(2)])])
def test_losses_mark_only_the_objectives_equilibria(tmp_path, horizontal_lines, objective, expected):
    plots.plot_losses(HISTORY, tmp_path / "losses.png", objective)
    assert [y for y, _ in horizontal_lines] == pytest.approx(expected)
    assert (tmp_path / "losses.png").is_file()


def test_generated_points_are_drawn_above_real_ones_in_their_colours(tmp_path, monkeypatch):
    calls = []
    original = Axes.scatter

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "scatter", spy)
    real, fake = np.zeros((5, 2)), np.ones((5, 2))
    plots.plot_samples(real, fake, tmp_path / "samples.png", ["a", "b"], title="t")
    by_label = {call["label"]: call for call in calls}
    assert by_label["real"]["color"] == REAL and by_label["generated"]["color"] == GENERATED
    assert by_label["generated"]["zorder"] > by_label["real"]["zorder"]
    assert 0 < by_label["generated"]["alpha"] < 1


def test_titles_name_run_objective_and_verdict():
    verdict = "DISTINGUISHABLE: the generator's samples can be told from the data (…)"
    assert plots.figure_title("losses", "0001-ring", "wgan", verdict) == "losses — 0001-ring · wgan · DISTINGUISHABLE"
    assert plots.figure_title("losses") == "losses"


def test_image_grids_are_enlarged_and_gif_frames_name_their_epoch(tmp_path):
    import numpy as np
    from PIL import Image

    from gankit.report.image_grid import LABEL_HEIGHT, MIN_SIDE, epoch_grid, grid_frames, save_gif

    images = np.random.default_rng(0).uniform(-1, 1, (4, 1, 16, 16)).astype(np.float32)
    for epoch in (1, 2):
        epoch_grid(images * epoch / 2, tmp_path, epoch)
    frames = grid_frames(tmp_path, 2)
    grid = Image.open(frames[0])
    assert max(grid.size) >= MIN_SIDE  # 16×16 digits would otherwise be a 36-pixel thumbnail
    gif = Image.open(save_gif(frames, tmp_path / "training.gif"))
    bands = []
    for index in range(2):
        gif.seek(index)
        band = np.asarray(gif.convert("L"))[:LABEL_HEIGHT]
        assert gif.size[1] == grid.size[1] + LABEL_HEIGHT and (band < 128).any()  # dark text in the band
        bands.append(band)
    assert not np.array_equal(bands[0], bands[1])  # "epoch 1" and "epoch 2" differ


def test_a_long_run_name_wraps_the_figure_title_instead_of_running_off_the_figure():
    from gankit.report.plots import TITLE_CHARS, figure_title

    member = "007-seed1-train.d_optimizer.lr=0.05-train.g_optimizer.lr=0.002-train.objective=non-saturating"
    title = figure_title("losses", member, "non-saturating", "DISTINGUISHABLE: the samples can be told apart")
    lines = title.split("\n")
    assert len(lines) > 1 and all(len(line) <= TITLE_CHARS for line in lines)
    assert lines[-1] == "non-saturating · DISTINGUISHABLE"  # broken between the parts, not inside "non-saturating"
    assert member in title.replace("\n", "")  # the name whole, broken only after its hyphens
    assert figure_title("losses", "0001-ring", "wgan") == "losses — 0001-ring · wgan"  # a short title stays one line
