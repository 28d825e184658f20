"""The live view without a browser: events, snapshots against hand-computed values, the server's routes, the CLI."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from gankit.config import load_config
from gankit.data import Scaler
from gankit.losses import g_loss_non_saturating
from gankit.runs.directory import claim_run_dir
from gankit.runs.job import train_run
from gankit.view import hub as hub_module
from gankit.view.hub import Hub
from gankit.view.live import LiveView
from gankit.view.replay import replay
from gankit.view.server import ViewServer, exposure_warning
from gankit.view.snapshot import MANIFOLD_NODES, FrozenNets, arrows, heatmap, manifold

from conftest import SHORT

QUICK = ["train.epochs=4", "eval.permutations=49", "data.n=400"]


def watched_run(folder: Path, overrides: list[str] = QUICK, preset: str = "d2l-gaussian") -> tuple[Path, LiveView]:
    """A short run (d2l-gaussian unless told) trained with a LiveView attached (no server)."""
    live = LiveView(Hub(), frame_seconds=0.0, frame_share=None, test_share=None)  # no time budget: tests every epoch
    config = load_config(preset, overrides)
    result = train_run(config, lambda: claim_run_dir(folder), watcher=live)
    live.finish(result.gan, result.report.as_dict())
    return result.run_dir, live


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    return watched_run(tmp_path_factory.mktemp("view") / "run")


# ------------------------------------------------------------------ hub


def test_hub_streams_every_event_in_order_then_ends():
    hub = Hub()
    hub.publish("info", {"a": 1})
    hub.publish("metric", {"epoch": 1})
    hub.close()
    assert [kind for kind, _ in hub.stream()] == ["info", "metric"]
    assert json.loads(list(hub.stream())[1][1]) == {"epoch": 1}


def test_a_late_reader_gets_new_events_as_they_come(monkeypatch):
    monkeypatch.setattr(hub_module, "KEEPALIVE_SECONDS", 0.05)
    hub = Hub()
    seen = []
    reader = threading.Thread(target=lambda: seen.extend(e for e in hub.stream() if e is not None))
    reader.start()
    hub.publish("frame", {"n": 1})
    hub.publish("frame", {"n": 2})
    hub.close()
    reader.join(5)
    assert [json.loads(text)["n"] for _, text in seen] == [1, 2]


def test_hub_sends_non_finite_numbers_as_null():
    text = Hub().publish("metric", {"d_loss": float("nan"), "g_loss": [1.5, float("-inf")]})
    assert json.loads(text) == {"d_loss": None, "g_loss": [1.5, None]}


# ------------------------------------------------------------------ snapshot math


def _linear(weight: list[list[float]], bias: list[float]) -> nn.Linear:
    layer = nn.Linear(len(weight[0]), len(weight))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))
    return layer


def _nets(d_weight=((1.0, 0.0),), scaler=None) -> FrozenNets:
    return FrozenNets(generator=_linear([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]),
                      discriminator=_linear([list(d_weight[0])], [0.0]), scaler=scaler or Scaler.identity(2),
                      latent_dim=2, latent_width=2, latent_std=1.0, pack=1, g_loss=g_loss_non_saturating, epoch=3, step=7)


def test_heatmap_is_ds_logit_on_the_grid():
    # D(x) = x0: every row of the grid reads the x coordinates of its nodes
    values = heatmap(_nets(), [-1.0, 1.0, -2.0, 2.0], nodes=5)
    assert np.allclose(values, np.tile(np.linspace(-1, 1, 5), (5, 1)), atol=1e-6)


def test_heatmap_rows_go_up_the_y_axis():
    values = heatmap(_nets(d_weight=((0.0, 1.0),)), [-1.0, 1.0, -2.0, 2.0], nodes=5)
    assert np.allclose(values[:, 0], np.linspace(-2, 2, 5), atol=1e-6)


def test_manifold_of_the_identity_generator_is_the_latent_grid():
    grid = manifold(_nets())
    axis = np.linspace(-2.0, 2.0, MANIFOLD_NODES)
    assert grid.shape == (MANIFOLD_NODES, MANIFOLD_NODES, 2)
    assert np.allclose(grid[..., 0], np.tile(axis, (MANIFOLD_NODES, 1)), atol=1e-6)
    assert np.allclose(grid[..., 1], np.tile(axis[:, None], (1, MANIFOLD_NODES)), atol=1e-6)


def test_arrows_point_where_d_says_real():
    # D(x) = x0 and L_G = softplus(−D): −∇ₓ L_G = (σ(−x0), 0), so every arrow points along +x0
    points = np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 3.0]], dtype=np.float32)
    rows = arrows(_nets(), points, [-4.0, 4.0, -4.0, 4.0])
    assert np.allclose(rows[:, :2], points)
    assert (rows[:, 2] > 0).all() and np.allclose(rows[:, 3], 0.0, atol=1e-7)
    # lengths keep the gradient's order: σ(2) > σ(0) > σ(−1)
    assert rows[2, 2] > rows[0, 2] > rows[1, 2]


def test_arrows_are_in_data_units():
    # data = 10 · scaled: the same gradient step is ten times longer in x0 … but arrows are rescaled to the view,
    # so only the direction is checked: D(x) = x1 pushes along +x1 whatever the scale
    scaler = Scaler(mean=np.zeros(2, np.float32), matrix=np.diag([0.1, 0.1]).astype(np.float32))
    rows = arrows(_nets(d_weight=((0.0, 1.0),), scaler=scaler), np.zeros((2, 2), np.float32), [-40.0, 40.0, -40, 40])
    assert np.allclose(rows[:, 2], 0.0, atol=1e-6) and (rows[:, 3] > 0).all()


# ------------------------------------------------------------------ live view during training


def test_a_watched_run_publishes_frames_tests_and_losses(watched):
    run_dir, live = watched
    kinds = live.hub.kinds()
    assert kinds[0] == "info" and kinds[-1] == "end"
    assert kinds.count("metric") == 4
    assert kinds.count("test") >= 4  # every epoch for a 4-epoch run, and one at the end
    assert "evaluation" in kinds and live.frames_sent >= 4
    frames = [json.loads(line) for line in (run_dir / "view" / "frames.jsonl").read_text().splitlines()]
    assert frames[-1]["epoch"] == 4
    assert len(frames[-1]["fake"]) == 300 and len(frames[-1]["heat"]) == frames[-1]["heat_nodes"] ** 2
    tests = [json.loads(line) for line in (run_dir / "view" / "tests.jsonl").read_text().splitlines()]
    assert all(0 < p <= 1 for test in tests for p in test["p_values"].values())


def test_replay_gives_back_what_training_published(watched):
    run_dir, live = watched
    replayed = replay(run_dir)
    assert replayed.kinds().count("frame") == len((run_dir / "view" / "frames.jsonl").read_text().splitlines())
    assert replayed.kinds().count("metric") == 4
    assert "evaluation" in replayed.kinds()


def test_replay_of_an_unwatched_run_uses_its_saved_frames(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "d2l-gaussian", *SHORT, "--out", str(out)).code == 0
    events = list(replay(out).stream())
    info = json.loads(events[0][1])
    assert info["kind"] == "2d" and info["live"] is False and len(info["real"]) > 0
    frames = [json.loads(text) for kind, text in events if kind == "frame"]
    assert [f["epoch"] for f in frames] == [1, 2]


# ------------------------------------------------------------------ server


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as problem:
        return problem.code, b""


def test_server_binds_loopback_and_serves_page_files_and_events(watched):
    run_dir, _ = watched
    server = ViewServer(run_dir, replay(run_dir)).start()
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
        assert _get(server.url)[0] == 200 and b"/static/app.js" in _get(server.url)[1]
        assert _get(server.url + "static/app.js")[0] == 200
        assert _get(server.url + "files/plots/samples.png")[1][:4] == b"\x89PNG"
        status, body = _get(server.url + "events")
        assert status == 200 and body.decode().count("event: metric") == 4
        assert _get(server.url + "files/../" + run_dir.name + "/config.toml")[0] == 404  # not an image
        assert _get(server.url + "files/%2e%2e/%2e%2e/etc/passwd")[0] == 404
        assert _get(server.url + "static/../cli.py")[0] == 404
    finally:
        server.close()


def test_page_and_scripts_are_small_and_fetch_nothing_from_outside():
    static = Path(__file__).parents[1] / "src" / "gankit" / "view" / "static"
    total = sum(path.stat().st_size for path in static.iterdir())
    assert total < 2_000_000
    for path in static.iterdir():
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path.name


def test_exposure_warning_only_off_loopback():
    assert exposure_warning("127.0.0.1") is None
    assert "other machines" in exposure_warning("0.0.0.0")


# ------------------------------------------------------------------ command line


def test_view_of_a_missing_directory_is_one_line_and_status_2(cli, tmp_path):
    result = cli("view", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.stderr.strip() == f"error: run directory not found: {tmp_path / 'nope'}"


def test_view_of_a_folder_that_is_not_a_run(cli, tmp_path):
    result = cli("view", str(tmp_path))
    assert result.code == 2 and "not a run directory" in result.stderr


def test_train_with_view_prints_the_url_and_leaves_a_replayable_run(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "d2l-gaussian", *SHORT, "--out", str(out), "--view", "--port", "0")
    assert result.code == 0, result.stderr
    assert "live view: http://127.0.0.1:" in result.stderr
    assert f"gankit view {out}" in result.stderr
    assert (out / "view" / "frames.jsonl").is_file() and (out / "view" / "info.json").is_file()


class _Terminal(io.StringIO):
    """A stand-in for stdin at a terminal (a file, so a forked drawing process can close it as usual)."""

    def isatty(self) -> bool:
        return True


def stop_the_finished_view_when_it_waits() -> threading.Thread:
    """A thread that, once a finished run's view is kept serving, checks that it still answers, then stops it
    (as Ctrl-C would); ``answers`` on the thread holds the status code it got."""
    from gankit.view import session

    def stop() -> None:
        while not session._finished:  # training, evaluation and figures first (minutes on a busy machine)
            threading.Event().wait(0.1)
        server = session._finished[-1][0]
        try:
            with urllib.request.urlopen(server.url, timeout=30) as response:
                stopper.answers.append(response.status)
        finally:
            server.stopping.set()

    stopper = threading.Thread(target=stop, daemon=True)
    stopper.answers = []
    stopper.start()
    return stopper


def test_at_a_terminal_the_finished_runs_page_keeps_being_served_until_ctrl_c(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stdin", _Terminal())
    stopper = stop_the_finished_view_when_it_waits()
    result = cli("train", "d2l-gaussian", *SHORT, "--out", str(tmp_path / "run"), "--view", "--port", "0")
    stopper.join(10)
    assert result.code == 0, result.stderr
    assert stopper.answers == [200]  # the page was still served after training
    assert "keeps showing the run" in result.stderr and "press Ctrl-C" in result.stderr
    assert f"gankit view {tmp_path / 'run'}" in result.stderr  # and then it closed, saying how to replay


def test_in_ci_or_without_a_terminal_the_view_closes_with_training(monkeypatch):
    from gankit.view.session import keeps_serving

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setenv("CI", "true")
    assert keeps_serving() is False
    monkeypatch.delenv("CI")
    assert keeps_serving() is True
    monkeypatch.setattr("sys.stdin", None)  # pythonw, a daemon
    assert keeps_serving() is False


def test_train_with_view_on_another_host_warns(cli, tmp_path):
    result = cli("train", "d2l-gaussian", *SHORT, "--out", str(tmp_path / "run"), "--view", "--port", "0",
                 "--host", "0.0.0.0")
    assert result.code == 0 and "warning: the view listens on 0.0.0.0" in result.stderr


def test_tests_keep_to_their_share_of_the_time():
    live = LiveView(Hub())
    live._test_cost, live._last_test = 1.0, __import__("time").perf_counter()  # a 1-s test just ran
    assert not live._test_due()  # the next one waits 1 / TEST_SHARE ≈ 33 s
    live.test_share = None
    assert live._test_due()


def test_the_drawing_process_yields_the_cpu_to_training(tmp_path):
    """The process that draws frames runs DRAWING_NICENESS below the training process's priority."""
    import os
    import time

    from gankit.view.drawing import DRAWING_NICENESS

    from gankit import GAN

    gan = GAN("d2l-gaussian", overrides=QUICK)
    gan.prepare(gan.load_data())
    live = LiveView(Hub())
    live.attach(gan, tmp_path)
    try:
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + DRAWING_NICENESS)
        deadline = time.monotonic() + 10
        while os.getpriority(os.PRIO_PROCESS, live._process.pid) != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.getpriority(os.PRIO_PROCESS, live._process.pid) == expected
    finally:
        live._pipe.send(None)
        live._process.join(10)


def test_weights_go_to_the_drawing_process_as_plain_arrays_and_load_exactly():
    """Weights hold NumPy arrays (no tensor goes down the pipe: PyTorch would move each one to shared memory
    through a helper thread, milliseconds per frame), and a mirror loaded from them computes what G and D do."""
    import pickle

    from gankit import GAN
    from gankit.view.snapshot import Mirror, Weights

    gan = GAN("ring", overrides=["data.n=512", "train.epochs=1"])
    gan.prepare(gan.load_data())
    mirror = Mirror(FrozenNets.of(gan))
    for parameter in gan.state.discriminator.parameters():  # the live nets move on after the mirror was made
        parameter.data.add_(0.5)
    weights = pickle.loads(pickle.dumps(Weights.take(gan)))
    assert all(type(array) is np.ndarray for array in weights.generator + weights.discriminator)
    nets = mirror.load(weights)
    rows = torch.randn(64, 2)
    with torch.no_grad():
        assert torch.equal(nets.discriminator(rows), gan.state.discriminator.eval()(rows))


def test_replay_of_an_evaluation_with_undefined_figures(watched):
    """NaN or infinite figures in eval.json (a spread ratio without HQ samples) reach the page as null."""
    import shutil

    run_dir, _ = watched
    copy = run_dir.parent / "with-nan"
    shutil.copytree(run_dir, copy)
    record = json.loads((copy / "eval.json").read_text())
    record["results"]["mmd"]["statistic"] = float("nan")
    record["spread_ratio"] = float("inf")
    (copy / "eval.json").write_text(json.dumps(record))  # json writes NaN and Infinity, as eval.json may hold them
    events = dict(event for event in replay(copy).stream() if event is not None)
    evaluation = json.loads(events["evaluation"])
    assert evaluation["results"]["mmd"]["statistic"] is None and evaluation["spread_ratio"] is None
    assert evaluation["verdict"] == record["verdict"]
