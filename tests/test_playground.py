"""gankit play: commands validated through the config model, single steps, export that `gankit train` runs."""

from __future__ import annotations

import json
import time
import tomllib
import urllib.request

import numpy as np
import pytest

from browser import browser_page
from gankit.config import load_config
from gankit.view.hub import Hub
from gankit.view.playground import Playground
from gankit.view.server import ViewServer


@pytest.fixture
def playground(tmp_path):
    hub = Hub()
    ground = Playground(hub, tmp_path / "exports")
    yield ground
    ground.close()


def last(hub: Hub, kind: str) -> dict:
    return json.loads(hub.texts(kind)[-1])


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def frames(hub: Hub) -> int:
    return hub.kinds().count("frame")


def test_one_d_step_changes_ds_heatmap_and_nothing_of_g(playground):
    hub = playground.hub
    before = last(hub, "frame")
    count = frames(hub)
    assert playground.command({"action": "d_step"}) == {"ok": True}
    wait_for(lambda: frames(hub) > count)
    after = last(hub, "frame")
    assert after["heat"] != before["heat"]
    assert after["fake"] == before["fake"] and after["manifold"] == before["manifold"]
    assert (after["d_steps"], after["g_steps"]) == (before["d_steps"] + 1, before["g_steps"])


def test_one_g_step_moves_the_generated_points(playground):
    hub = playground.hub
    before, count = last(hub, "frame"), frames(hub)
    playground.command({"action": "g_step"})
    wait_for(lambda: frames(hub) > count)
    after = last(hub, "frame")
    assert after["fake"] != before["fake"] and after["heat"] == before["heat"]


def test_a_single_g_step_shows_its_loss_and_a_test_round_at_once(playground):
    hub = playground.hub
    playground.command({"action": "d_step"})
    playground.command({"action": "g_step"})
    wait_for(lambda: "test" in hub.kinds())
    assert last(hub, "metric")["epoch"] == 1 and hub.kinds().count("metric") == 1  # not after 10 G steps
    assert last(hub, "test")["epoch"] == 1 and last(hub, "test")["steady"]["rounds"] == 1


@pytest.mark.parametrize("settings, message", [
    ({"train.d_optimizer.lr": "-1"}, "config key 'train.d_optimizer.lr'"),
    ({"train.objective": '"nope"'}, "config key 'train.objective'"),
    ({"seed": "3"}, "cannot set seed here"),
    ({"model.generator.hidden": "[0]"}, "hidden layer widths must be positive"),
])
def test_a_bad_setting_is_refused_and_nothing_changes(playground, settings, message):
    before = dict(playground.overrides)
    reply = playground.command({"action": "settings", "settings": settings})
    assert reply["ok"] is False and message in reply["error"]
    assert playground.overrides == before
    assert playground.command({"action": "d_step"})["ok"]  # still working


def test_learning_rate_changes_while_running(playground):
    playground.command({"action": "start"})
    reply = playground.command({"action": "settings", "settings": {"train.d_optimizer.lr": "0.0123"}})
    assert reply == {"ok": True, "rebuilt": False}
    assert playground.gan.state.opt_d.lr == pytest.approx(0.0123)
    assert playground.running
    playground.command({"action": "pause"})


def test_export_then_train_reproduces_the_settings(playground, cli, tmp_path):
    settings = {"data.source": '"ring"', "train.objective": '"lsgan"', "train.d_optimizer.lr": "0.002",
                "train.g_optimizer.lr": "0.0007", "train.n_critic": "2", "model.discriminator.hidden": "[8, 8]"}
    assert playground.command({"action": "settings", "settings": settings})["ok"]
    path = playground.command({"action": "export"})["path"]
    exported = load_config(path)
    assert (exported.data.source, exported.train.objective, exported.train.n_critic) == ("ring", "lsgan", 2)
    assert (exported.train.d_optimizer.lr, exported.train.g_optimizer.lr) == (0.002, 0.0007)
    assert exported.model.discriminator.hidden == [8, 8]
    out = tmp_path / "run"
    result = cli("train", path, "--set", "train.epochs=1", "--set", "eval.permutations=19", "-q", "--out", str(out))
    assert result.code == 0, result.stderr
    trained = tomllib.loads((out / "config.toml").read_text())
    assert trained["train"]["objective"] == "lsgan" and trained["train"]["n_critic"] == 2
    assert trained["train"]["d_optimizer"]["lr"] == 0.002 and trained["model"]["discriminator"]["hidden"] == [8, 8]


def test_drawn_points_train_and_export_as_a_csv(playground, cli, tmp_path):
    points = np.random.default_rng(0).normal(size=(60, 2)).tolist()
    assert playground.command({"action": "points", "points": points})["ok"]
    assert playground.command({"action": "points", "points": points[:3]})["ok"] is False
    path = playground.command({"action": "export"})["path"]
    exported = load_config(path)
    assert exported.data.source == "file" and exported.data.path.endswith(".csv")
    out = tmp_path / "run"
    assert cli("train", path, "--set", "train.epochs=1", "--set", "eval.permutations=19", "-q", "--out", str(out)).code == 0


def test_the_server_answers_bad_commands_with_an_error_and_keeps_running(playground):
    server = ViewServer(playground.export_dir, playground.hub, playground=playground).start()
    try:
        def post(body: bytes, content_type: str = "application/json"):
            request = urllib.request.Request(server.url + "api/play", data=body, headers={"Content-Type": content_type})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as refused:
                return refused.code, json.loads(refused.read())

        assert post(b"not json") == (400, {"ok": False, "error": "a command is a JSON object"})
        status, reply = post(b'{"action": "fly"}')
        assert status == 400 and reply["ok"] is False and "unknown action" in reply["error"]
        assert post(b'{"action": "start"}', "text/plain")[0] == 415  # a cross-site form cannot send JSON
        assert post(b'{"action": "pause"}') == (200, {"ok": True})
    finally:
        server.close()


def test_playground_page_drives_training_in_the_browser(playground):
    server = ViewServer(playground.export_dir, playground.hub, playground=playground).start()
    try:
        with browser_page() as (page, errors, _):
            page.goto(server.url)
            page.wait_for_function("window.__view.frames.length >= 1 && window.__view.draws > 0")
            assert page.is_visible("#panel-play") and page.input_value("[data-key='train.objective']") == "non-saturating"
            heat = page.evaluate("JSON.stringify(window.__view.frames.at(-1).heat)")
            fake = page.evaluate("JSON.stringify(window.__view.frames.at(-1).fake)")
            page.click("[data-action=d_step]")
            page.wait_for_function("window.__view.frames.length >= 2")
            assert page.evaluate("JSON.stringify(window.__view.frames.at(-1).heat)") != heat
            assert page.evaluate("JSON.stringify(window.__view.frames.at(-1).fake)") == fake
            page.fill("[data-key='train.d_optimizer.lr']", "-5")
            page.click("#apply")
            page.wait_for_function("document.getElementById('play-error').textContent.length > 0")
            assert "train.d_optimizer.lr" in page.inner_text("#play-error")
            page.click("[data-action=start]")
            page.wait_for_function("window.__view.tests.length >= 1 && window.__view.metrics.length >= 1", timeout=60_000)
            assert "DISTINGUISHABLE" in page.inner_text("#live-verdict")
            page.click("[data-action=pause]")
            page.click("[data-action=export]")
            page.wait_for_function("document.getElementById('play-message').textContent.includes('gankit train')")
            assert errors == []
    finally:
        server.close()


def test_a_diverging_playground_pauses_with_a_message(playground):
    with playground._lock:  # a D loss that turns D's weights into NaN at its first step
        playground.d_loss = lambda real, fake: (real.mean() - fake.mean()) * float("nan")
    playground.command({"action": "start"})
    wait_for(lambda: "notice" in playground.hub.kinds())
    assert not playground.running and "diverged" in last(playground.hub, "notice")["error"]
    assert playground.command({"action": "reset"})["ok"]  # the server and its thread go on
    count = frames(playground.hub)
    playground.command({"action": "g_step"})
    wait_for(lambda: frames(playground.hub) > count)
