"""The live view in a real browser (headless Chromium): loads clean, advances while training, the timeline moves."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest

from browser import browser_page
from gankit.config import load_config
from gankit.runs.directory import claim_run_dir
from gankit.runs.job import train_run
from gankit.view.hub import Hub
from gankit.view.live import LiveView
from gankit.view.replay import replay
from gankit.view.server import ViewServer
from test_view import watched_run

DRAWN = "window.__view !== undefined && window.__view.ended && window.__view.draws > 0"  # defined once the page's script ran


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    return watched_run(tmp_path_factory.mktemp("view") / "run")


def frame_label(page) -> str:
    return page.inner_text("#frame-label")


@contextmanager
def replayed_page(folder: Path) -> Iterator[tuple]:
    """A browser page on the replay of ``folder`` (a run or a sweep), drawn: (page, errors, requests, server URL)."""
    server = ViewServer(folder, replay(folder)).start()
    try:
        with browser_page() as (page, errors, requests):
            page.goto(server.url)
            page.wait_for_function(DRAWN)
            yield page, errors, requests, server.url
    finally:
        server.close()


def test_replay_page_loads_without_console_errors_and_only_asks_this_server(watched):
    run_dir, _ = watched
    with replayed_page(run_dir) as (page, errors, requests, server_url):
        assert errors == []
        assert page.inner_text("#title").endswith("non-saturating")
        assert "DISTINGUISHABLE" in page.inner_text("#verdict")
        assert page.evaluate("window.__view.tests.length") >= 4
        assert {urlparse(url).netloc for url in requests} == {urlparse(server_url).netloc}


def test_timeline_changes_the_frame(watched):
    run_dir, _ = watched
    with replayed_page(run_dir) as (page, errors, _, _server):
        last = frame_label(page)
        pixels_last = page.evaluate("document.getElementById('plane').toDataURL()")
        page.eval_on_selector("#timeline", "bar => { bar.value = 0; bar.dispatchEvent(new Event('input')); }")
        page.wait_for_function("document.getElementById('plane').dataset.frame === '0'")
        assert frame_label(page).startswith("frame 1/") and frame_label(page) != last
        assert page.evaluate("document.getElementById('plane').toDataURL()") != pixels_last
        page.click("#play")  # plays forward from the first frame
        page.wait_for_function("Number(document.getElementById('plane').dataset.frame) > 1")
        assert errors == []


def test_layers_can_be_switched_off(watched):
    run_dir, _ = watched
    with replayed_page(run_dir) as (page, errors, _, _server):
        before = page.evaluate("document.getElementById('plane').toDataURL()")
        draws = page.evaluate("window.__view.draws")
        page.uncheck("input[data-layer=heat]")
        page.wait_for_function(f"!window.__view.layers.heat && window.__view.draws > {draws}")  # redrawn since
        assert page.evaluate("document.getElementById('plane').toDataURL()") != before


def test_live_view_advances_while_the_run_trains(tmp_path):
    hub = Hub()
    live = LiveView(hub, frame_seconds=0.05)
    server = ViewServer(lambda: live.run_dir, hub).start()
    config = load_config("d2l-gaussian", ["train.epochs=40", "eval.permutations=49", "data.n=1000"])
    started = threading.Event()
    go = threading.Event()

    def train() -> None:
        started.set()
        go.wait(30)
        result = train_run(config, lambda: claim_run_dir(tmp_path / "run"), watcher=live)
        live.finish(result.gan, result.report.as_dict())

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        with browser_page() as (page, errors, _):
            page.goto(server.url)  # the page opens before training starts and waits for it
            go.set()
            page.wait_for_function("window.__view.frames.length >= 2", timeout=60_000)
            first = page.evaluate("[window.__view.frames.length, window.__view.metrics.length, window.__view.ended]")
            page.wait_for_function(f"window.__view.frames.length > {first[0] + 3}", timeout=60_000)
            later = page.evaluate("[window.__view.frames.length, window.__view.metrics.length, window.__view.ended]")
            assert first[2] is False  # still training when it was first seen
            assert later[0] > first[0] and later[1] >= first[1]
            assert page.inner_text("#status") in ("live", "finished")
            page.wait_for_function("window.__view.ended", timeout=120_000)
            assert page.inner_text("#status") == "finished"
            assert "a reload finds no server" in page.inner_text("#end-hint")  # says how to see the run again
            assert errors == []
    finally:
        go.set()
        trainer.join()
        server.close()


def test_sweep_page_overlays_members_and_a_click_opens_one(cli, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = cli("sweep", "d2l-gaussian", "--seeds", "2", "--grid", "train.d_optimizer.lr=0.01,0.05",
                 "--set", "train.epochs=2", "--no-eval", "-q", "--out", str(sweep_dir))
    assert result.code == 0, result.stderr
    with replayed_page(sweep_dir) as (page, errors, _, _server):
        links = page.locator("#members a")
        assert links.count() == 4
        colours = [links.nth(i).evaluate("a => a.style.color") for i in range(4)]
        assert len(set(colours)) == 2  # one colour per grid point
        report = (sweep_dir / "report.html").read_text().split("<h2>Members</h2>")[1]
        for i, colour in enumerate(colours):  # report.html gives each member the same colour
            red, green, blue = (int(v) for v in colour.removeprefix("rgb(").removesuffix(")").split(","))
            name = links.nth(i).inner_text()
            assert f"<td>{name}</td><td><span style='color:#{red:02x}{green:02x}{blue:02x}'>" in report
        with page.expect_navigation():  # a member's link loads its own page (?run=...): wait for that page
            links.nth(3).click()
        page.wait_for_function(DRAWN)
        assert "member 003-seed1" in page.inner_text("#title")
        assert page.evaluate("window.__view.metrics.length") == 2  # the member's own losses
        assert errors == []


def test_clicking_an_image_sample_shows_its_nearest_training_images(cli, tmp_path):
    run_dir = tmp_path / "digits"
    assert cli("train", "digits-tiny", "--set", "train.epochs=2", "--set", "eval.permutations=19", "--out", str(run_dir),
               "--quiet").code == 0
    with replayed_page(run_dir) as (page, errors, _, _server):
        assert page.evaluate("window.__view.grids.length") == 2
        grid = page.locator("#grid")
        box = grid.bounding_box()
        # inside the first sample; the locator's click waits for the grid to be visible and stable (a page still
        # laying out on a loaded machine would otherwise take the click elsewhere)
        grid.click(position={"x": box["width"] * 0.06, "y": box["height"] * 0.06})
        page.wait_for_function("document.getElementById('neighbours').complete"
                               " && document.getElementById('neighbours').naturalWidth > 0", timeout=120_000)
        assert "epoch=2" in page.get_attribute("#neighbours", "src")  # the timeline shows the last epoch
        assert page.is_visible("#neighbours-figure")
        assert errors == []


def test_a_table_run_shows_its_columns_and_pairs_per_snapshot_on_the_timeline(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n" + "".join(f"{(i * 37 % 101) / 10:.1f},{'xyz'[i % 3]}\n" for i in range(120)))
    run_dir, _ = watched_run(tmp_path / "run", [f'data.path="{csv}"', "train.epochs=4", "eval.permutations=19"],
                             preset="tabular")
    with replayed_page(run_dir) as (page, errors, _, _server):
        assert page.is_visible("#panel-table") and not page.is_visible("#panel-2d")
        assert frame_label(page) == "snapshot 4/4 · epoch 4"
        last = page.evaluate("document.getElementById('columns-chart').toDataURL()")
        page.evaluate("document.getElementById('timeline').value = '0';"
                      "document.getElementById('timeline').dispatchEvent(new Event('input'))")
        page.wait_for_function("document.getElementById('frame-label').textContent.startsWith('snapshot 1/4')")
        assert page.evaluate("document.getElementById('columns-chart').toDataURL()") != last
        assert errors == []


def test_at_a_terminal_a_finished_runs_page_still_reloads(tmp_path):
    from gankit.view import session

    config = load_config("d2l-gaussian", ["train.epochs=3", "eval.permutations=19", "data.n=400"])
    with session.live_view(None, 0, stay=True) as live:  # as at a terminal: the server outlives training
        result = train_run(config, lambda: claim_run_dir(tmp_path / "run"), watcher=live)
        live.last_gan, live.evaluation = result.gan, result.report.as_dict()
    server = session._finished[-1][0]
    try:
        with browser_page() as (page, errors, _):
            page.goto(server.url)
            page.wait_for_function(DRAWN)
            page.reload()  # what gave "connection refused" when the server stopped with training
            page.wait_for_function(DRAWN)
            assert page.inner_text("#status") == "finished"
            assert "a reload works" in page.inner_text("#end-hint")
            assert page.evaluate("window.__view.frames.length") > 0 and "DISTINGUISHABLE" in page.inner_text("#verdict")
            assert errors == []
    finally:
        server.stopping.set()  # as Ctrl-C does
        session.serve_finished_views()
    assert not session._finished
