"""The playground and the view in headless Chromium, as a learner uses them: settings switched and switched
back, a refused λ, Reset, notices across a reload, Export numbering, p-values at their floor, Host checking,
and the replay of a table run trained without --view."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from browser import browser_page
from gankit.config import load_config
from gankit.runs.directory import claim_run_dir
from gankit.runs.job import train_run
from gankit.view.hub import Hub
from gankit.view.playground import Playground
from gankit.view.replay import replay
from gankit.view.server import ViewServer

SHOWN = "window.__view.info && window.__view.frames.length >= 1 && window.__view.draws > 0"


def in_force(page, key: str):
    return page.evaluate(f"window.__view.info.settings[{json.dumps(key)}]")


def apply(page, key: str, value: str, selector_kind: str = "input") -> None:
    """Set one field, press Apply, and wait for the page to show the settings in force again."""
    field = f"[data-key='{key}']"
    if selector_kind == "select":
        page.select_option(field, value)
    else:
        page.fill(field, value)
    page.click("#apply")
    page.wait_for_function(f"String(window.__view.info.settings[{json.dumps(key)}]) === {json.dumps(value)}")


def export(page) -> str:
    page.evaluate("document.getElementById('play-message').textContent = ''")
    page.click("[data-action=export]")
    page.wait_for_function("document.getElementById('play-message').textContent.includes('gankit train')")
    return page.inner_text("#play-message").split("Exported ")[1].split(";")[0]


@pytest.fixture
def served_playground(tmp_path):
    playground = Playground(Hub(), tmp_path / "play")
    server = ViewServer(playground.export_dir, playground.hub, playground=playground).start()
    yield playground, server
    server.close()
    playground.close()


def test_switching_settings_and_back_shows_and_exports_what_trains(served_playground):
    playground, server = served_playground
    with browser_page() as (page, errors, _):
        page.goto(server.url)
        page.wait_for_function(SHOWN)
        apply(page, "train.objective", "wgan", "select")
        apply(page, "train.objective", "non-saturating", "select")
        assert page.inner_text("#title").endswith("non-saturating")
        assert load_config(export(page)).train.objective == "non-saturating"
        apply(page, "train.d_optimizer.lr", "0.02")
        apply(page, "train.d_optimizer.lr", "0.005")
        assert page.input_value("[data-key='train.d_optimizer.lr']") == "0.005"
        path = export(page)
        assert path.endswith("play-002.toml") and load_config(path).train.d_optimizer.lr == 0.005
        assert playground.config.train.objective == "non-saturating" and playground.config.train.d_optimizer.lr == 0.005
        assert errors == []


def test_an_infinite_lambda_is_refused_and_reset_always_works(served_playground):
    playground, server = served_playground
    with browser_page() as (page, errors, _):
        page.goto(server.url)
        page.wait_for_function(SHOWN)
        for value in ("inf", "1e999"):
            page.fill("[data-key='train.gp_weight']", value)
            page.click("#apply")
            page.wait_for_function("document.getElementById('play-error').textContent.includes('train.gp_weight')")
            assert page.input_value("[data-key='train.gp_weight']") == "0"  # the form shows what trains
            page.evaluate("document.getElementById('play-error').textContent = ''")
        assert playground.config.train.gp_weight == 0.0
        page.click("[data-action=reset]")
        page.click("[data-action=d_step]")
        page.wait_for_function("window.__view.frames.length >= 2")
        assert page.inner_text("#play-error") == "" and errors == []


def test_a_notice_stays_until_a_new_state_and_a_reload_shows_only_the_current_state(served_playground):
    playground, server = served_playground
    with browser_page() as (page, errors, _):
        page.goto(server.url)
        page.wait_for_function(SHOWN)
        playground.hub.publish("notice", {"error": "training diverged (values are no longer finite): press Reset"})
        page.wait_for_selector("#play-notice", state="visible")
        page.click("[data-action=pause]")  # an OK reply leaves the notice alone
        page.wait_for_timeout(300)
        assert page.is_visible("#play-notice") and "diverged" in page.inner_text("#play-notice")
        page.reload()
        page.wait_for_function(SHOWN)
        assert page.is_visible("#play-notice")  # still the current state: nothing was reset
        page.click("[data-action=reset]")
        page.wait_for_selector("#play-notice", state="hidden")
        page.reload()
        page.wait_for_function(SHOWN)
        page.wait_for_timeout(300)
        assert not page.is_visible("#play-notice") and errors == []


def test_export_numbers_continue_across_two_playgrounds(tmp_path):
    folder = tmp_path / "play"
    paths = []
    for _ in range(2):  # two `gankit play` sessions on the same folder
        playground = Playground(Hub(), folder)
        server = ViewServer(folder, playground.hub, playground=playground).start()
        try:
            with browser_page() as (page, errors, _):
                page.goto(server.url)
                page.wait_for_function(SHOWN)
                paths.append(export(page))
                assert errors == []
        finally:
            server.close()
            playground.close()
    assert [path.rsplit("/", 1)[1] for path in paths] == ["play-001.toml", "play-002.toml"]


def test_p_values_at_their_floor_are_marked_and_the_verdict_says_holm(served_playground):
    playground, server = served_playground
    with browser_page() as (page, errors, _):
        page.goto(server.url)
        page.wait_for_function(SHOWN)
        floor = 1 / 101
        for step in (10, 20):
            playground.hub.publish("test", {"epoch": step, "step": step, "n": 200, "verdict": "DISTINGUISHABLE",
                                            "p_values": {"mmd": floor, "energy": floor}})
        page.wait_for_function("document.getElementById('p-chart').dataset.atFloor === 'true'")
        assert "Holm-corrected" in page.inner_text("#live-verdict")
        assert errors == []


def test_a_foreign_host_gets_no_page_in_the_browser(served_playground):
    _, server = served_playground
    rebinding = f"--host-resolver-rules=MAP evil.example 127.0.0.1"  # what DNS rebinding achieves
    with browser_page(args=(rebinding,)) as (page, _, _):
        assert page.goto(f"http://evil.example:{server.port}/").status == 403
        assert page.goto(f"http://localhost:{server.port}/").status == 200


def test_a_table_run_trained_without_view_replays_its_final_figures(tmp_path):
    csv = tmp_path / "t.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.choice(list("xyz"), 120)}).to_csv(csv, index=False)
    config = load_config("tabular", [f'data.path="{csv}"', "train.epochs=2", "eval.permutations=19"])
    run_dir = train_run(config, lambda: claim_run_dir(tmp_path / "run")).run_dir
    server = ViewServer(run_dir, replay(run_dir)).start()
    try:
        with browser_page() as (page, errors, _):
            page.goto(server.url)
            page.wait_for_function("window.__view.ended && window.__view.draws > 0")
            assert page.inner_text("#frame-label") == "snapshot 1/1 · epoch 2"
            assert page.is_visible("#table-figures img[alt='plots/columns.png']")
            page.wait_for_function("[...document.querySelectorAll('#table-figures img')].every((i) => i.naturalWidth > 0)")
            assert errors == []
    finally:
        server.close()
