"""report.html: written at the end of every run and sweep, rebuilt by `gankit report`, compared by `gankit compare`."""

from __future__ import annotations

import html
import json
import re

import pytest

from browser import browser_page
from conftest import SHORT
from gankit.report.html_report import MEANINGS


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from gankit.cli import run

    root = tmp_path_factory.mktemp("runs")
    assert run(["train", "d2l-gaussian", *SHORT, "--out", str(root / "ns")]) == 0
    assert run(["train", "d2l-gaussian", *SHORT, "--set", 'train.objective="wgan"', "--out", str(root / "wgan")]) == 0
    return root / "ns", root / "wgan"


def _images(page_text: str) -> list[str]:
    return re.findall(r"<img [^>]*src='([^']*)'", page_text)


def test_a_run_writes_a_self_contained_report(two_runs):
    run_dir = two_runs[0]
    text = (run_dir / "report.html").read_text()
    evaluation = json.loads((run_dir / "eval.json").read_text())
    assert html.escape(evaluation["verdict"]) in text
    for name in evaluation["results"]:
        assert f"<td>{name}</td>" in text
        assert html.escape(MEANINGS[name]) in text
    figures = [p for p in (run_dir / "plots").glob("*.png")]
    images = _images(text)
    assert len(images) == len(figures)  # every figure, each once
    assert all(src.startswith("data:image/") for src in images)
    assert "http://" not in text and "https://" not in text and "<script" not in text
    assert "objective: non-saturating" in text and 'objective = &quot;non-saturating&quot;' in text


def test_report_marks_the_equilibrium_only_where_the_objective_has_one(two_runs):
    from gankit.report.html_report import _loss_figure
    from gankit.report.roles import equilibrium

    assert equilibrium("wgan") == {} and set(equilibrium("non-saturating")) == {"d_loss", "g_loss"}
    history = [{"epoch": 1, "d_loss": 0.5, "g_loss": 0.9}, {"epoch": 2, "d_loss": 0.6, "g_loss": 0.8}]
    assert _loss_figure({"r": history}, "wgan", "r") != _loss_figure({"r": history}, "non-saturating", "r")


def test_gankit_report_rebuilds_it(cli, two_runs):
    run_dir = two_runs[1]
    (run_dir / "report.html").unlink()
    result = cli("report", str(run_dir))
    assert result.code == 0 and (run_dir / "report.html").is_file()
    assert "objective: wgan" in (run_dir / "report.html").read_text()


def test_compare_prints_a_table_and_writes_one_page(cli, two_runs, tmp_path):
    page = tmp_path / "both.html"
    result = cli("compare", *map(str, two_runs), "-o", str(page))
    assert result.code == 0, result.stderr
    assert "ns" in result.stdout and "wgan" in result.stdout and "mmd p" in result.stdout
    text = page.read_text()
    assert text.count("<h2>ns</h2>") == 1 and text.count("<h2>wgan</h2>") == 1


def test_report_and_compare_refuse_bad_input(cli, tmp_path, two_runs):
    missing = cli("report", str(tmp_path / "nope"))
    assert missing.code == 2 and missing.stderr.strip() == f"error: run directory not found: {tmp_path / 'nope'}"
    lonely = cli("compare", str(two_runs[0]))
    assert lonely.code == 2 and "at least two" in lonely.stderr
    not_run = cli("compare", str(two_runs[0]), str(tmp_path))
    assert not_run.code == 2 and "not a run directory" in not_run.stderr


def colours_in_png(data_uri: str, palette: tuple[str, ...]) -> set[str]:
    """The palette colours that more than 50 pixels of an embedded PNG are drawn in (to 2/255 per channel)."""
    import base64
    import io

    import matplotlib.image
    import numpy as np

    pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))[..., :3]
    found = set()
    for colour in palette:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        if (np.abs(pixels - rgb).max(axis=-1) < 2 / 255).sum() > 50:
            found.add(colour)
    return found


def test_a_sweep_report_colours_each_grid_point_as_the_view_does(cli, tmp_path):
    from gankit.report.sweep_colours import PALETTE
    from gankit.view.replay import replay

    sweep_dir = tmp_path / "sweep"
    assert cli("sweep", "d2l-gaussian", "--seeds", "2", "--grid", "train.d_optimizer.lr=0.01,0.05",
               "--set", "train.epochs=2", "--set", "eval.permutations=49", "-q", "--out", str(sweep_dir)).code == 0
    text = (sweep_dir / "report.html").read_text()
    assert "sweep of 4 member(s)" in text and "000-seed0" in text and "003-seed1" in text
    [figure] = _images(text)
    members = json.loads(replay(sweep_dir).texts("info")[0])["members"]
    page_colours = {member["point"]: member["colour"] for member in members}
    assert len(page_colours) == 2 and len(set(page_colours.values())) == 2  # two grid points, two colours, not four
    # the figure draws the page's two colours, and not the four a colour per member would take
    assert colours_in_png(figure, PALETTE[:4]) == set(page_colours.values())
    for member in members:  # the members table: each member's grid point with the page's colour
        members_table = text.split("<h2>Members</h2>")[1]
        row = re.search(rf"<td>{re.escape(member['label'])}</td><td>(.*?)</td>", members_table).group(1)
        assert member["colour"] in row and html.escape(member["point"], quote=True) in row


def test_report_renders_every_figure_in_a_browser_without_the_network(two_runs):
    run_dir = two_runs[0]
    with browser_page() as (page, errors, requests):
        page.goto((run_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        widths = page.evaluate("[...document.images].map(image => image.complete ? image.naturalWidth : 0)")
        assert len(widths) == len(_images((run_dir / "report.html").read_text())) and all(w > 0 for w in widths)
        assert errors == []
        assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_undefined_figures_show_as_a_dash_not_nan():
    from gankit.report.html_report import _verdict_block

    evaluation = {"alpha": 0.05, "verdict": "…", "results": {
        "mmd": {"statistic": float("nan"), "p_value": 0.5},
        "energy": {"statistic": float("inf"), "p_value": None},
        "c2st_knn": {"statistic": 0.51234, "p_value": 0.25},
    }}
    page = _verdict_block(evaluation)
    assert "nan" not in page.lower() and "inf<" not in page
    assert page.count("<td class=num>–</td>") + page.count("<td>–</td>") == 2
    assert "0.5123" in page
