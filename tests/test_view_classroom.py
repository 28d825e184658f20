"""The playground and view server for a classroom: settings in force, ranges, notices, export numbering,
bounded memory, and a server that refuses foreign hosts and malformed requests with one 4xx answer."""

from __future__ import annotations

import json
import socket
import urllib.request

import numpy as np
import pytest

from gankit.config import load_config
from gankit.view.hub import Hub
from gankit.view.playground import Playground
from gankit.view.server import ViewServer
from gankit.view.snapshot import FrozenNets, snapshot
from gankit.gan import GAN

from test_playground import frames, last, wait_for


@pytest.fixture
def playground(tmp_path):
    ground = Playground(Hub(), tmp_path / "exports")
    yield ground
    ground.close()


def settings(ground: Playground, **values: str) -> dict:
    return ground.command({"action": "settings", "settings": {key.replace("__", "."): v for key, v in values.items()}})


# ------------------------------------------------------------------ one source of truth for settings


def test_switching_the_objective_and_back_publishes_and_exports_what_trains(playground):
    assert settings(playground, train__objective='"wgan"')["ok"]
    assert last(playground.hub, "settings")["settings"]["train.objective"] == "wgan"
    assert settings(playground, train__objective='"non-saturating"')["ok"]
    published = last(playground.hub, "settings")
    assert published["objective"] == "non-saturating" and published["settings"]["train.objective"] == "non-saturating"
    exported = load_config(playground.command({"action": "export"})["path"])
    assert exported.train.objective == "non-saturating"


def test_a_learning_rate_can_go_back_to_its_starting_value(playground):
    for lr in ("0.005", "0.02", "0.005"):
        assert settings(playground, train__d_optimizer__lr=lr)["ok"]
    assert last(playground.hub, "settings")["settings"]["train.d_optimizer.lr"] == 0.005
    assert playground.gan.state.opt_d.lr == pytest.approx(0.005)
    assert load_config(playground.command({"action": "export"})["path"]).train.d_optimizer.lr == 0.005


# ------------------------------------------------------------------ every number checked


@pytest.mark.parametrize("key, value, words", [
    ("train.gp_weight", "inf", "train.gp_weight = inf"),
    ("train.gp_weight", "1e999", "train.gp_weight = inf"),
    ("train.gp_weight", "nan", "train.gp_weight"),
    ("train.gp_weight", "101", "0 ≤ value ≤ 100"),
    ("train.d_optimizer.lr", "2", "0 < value ≤ 1"),
    ("train.n_critic", "21", "1 ≤ value ≤ 20"),
    ("model.latent_dim", "17", "1 ≤ value ≤ 16"),
    ("model.generator.hidden", "[100000000]", "at most 4 layers of at most 256 units"),
])
def test_out_of_range_numbers_are_refused_and_nothing_changes(playground, key, value, words):
    before = dict(playground.overrides)
    reply = playground.command({"action": "settings", "settings": {key: value}})
    assert reply["ok"] is False and words in reply["error"]
    assert playground.overrides == before and "settings" not in playground.hub.kinds()
    assert playground.command({"action": "export"})["ok"]


def test_the_step_cost_estimate_counts_weights_rows_and_passes():
    from gankit.view.play_limits import step_work

    config = load_config("gaussian", ["model.latent_dim=2", "model.generator.hidden=[4]",
                                      "model.discriminator.hidden=[3]", "train.batch_size=10", "train.gp_weight=0"])
    # G 2→4→2: 2·4+4 + 4·2+2 = 22 weights; D 2→3→1: 2·3+3 + 3·1+1 = 13; 35 × 10 rows × 2 batches × 3 passes
    assert step_work(config) == 35 * 10 * 2 * 3
    with_penalty = load_config("gaussian", ["model.latent_dim=2", "model.generator.hidden=[4]",
                                            "model.discriminator.hidden=[3]", "train.batch_size=10", "train.gp_weight=10"])
    assert step_work(with_penalty) == 35 * 10 * 2 * 9  # the penalty's second-order pass: three times the work


def test_settings_whose_single_step_is_too_slow_are_refused(playground):
    reply = settings(playground, model__discriminator__hidden="[256, 256, 256, 256]",
                     model__generator__hidden="[256, 256, 256, 256]", train__batch_size="1000")
    assert reply["ok"] is False and "one training step would take too long" in reply["error"]


@pytest.mark.parametrize("points", [[[1e308, -1e308]] * 30, [[0.0, float("nan")]] * 30, [[0, 1]] * 3, [[0, "x"]] * 30])
def test_drawn_points_that_float32_cannot_train_on_are_refused(playground, points):
    reply = playground.command({"action": "points", "points": points})
    assert reply["ok"] is False and "drawn points" in reply["error"]


def test_a_diverged_playground_can_always_be_reset_and_the_reset_drops_the_old_notice(playground):
    with playground._lock:  # a D loss that turns D's weights into NaN at its first step
        playground.d_loss = lambda real, fake: (real.mean() - fake.mean()) * float("inf")
    playground.command({"action": "start"})
    wait_for(lambda: "notice" in playground.hub.kinds())
    assert "diverged" in last(playground.hub, "notice")["error"]
    assert playground.command({"action": "pause"})["ok"]  # an OK reply does not clear the notice
    assert "notice" in playground.hub.kinds()
    assert playground.command({"action": "reset"}) == {"ok": True}
    assert "notice" not in playground.hub.kinds() and playground.hub.kinds()[:2] == ["info", "frame"]
    count = frames(playground.hub)
    playground.command({"action": "g_step"})
    wait_for(lambda: frames(playground.hub) > count)


def test_running_and_paused_are_published_for_the_page(playground):
    playground.command({"action": "start"})
    assert last(playground.hub, "state") == {"running": True}
    playground.command({"action": "pause"})
    assert last(playground.hub, "state") == {"running": False}


# ------------------------------------------------------------------ export numbering


def test_export_takes_the_next_free_number_across_two_playgrounds(tmp_path):
    folder = tmp_path / "play"
    first = Playground(Hub(), folder)
    try:
        points = np.random.default_rng(0).normal(size=(40, 2)).tolist()
        first.command({"action": "points", "points": points})
        assert first.command({"action": "export"})["path"].endswith("play-001.toml")
    finally:
        first.close()
    kept = (folder / "play-001.toml").read_text()
    second = Playground(Hub(), folder)  # a second `gankit play` on the same folder
    try:
        assert second.command({"action": "export"})["path"].endswith("play-002.toml")
    finally:
        second.close()
    assert (folder / "play-001.toml").read_text() == kept and (folder / "play-001.csv").is_file()
    assert load_config(str(folder / "play-001.toml")).data.path.endswith("play-001.csv")


# ------------------------------------------------------------------ bounded memory


def test_the_hub_keeps_a_window_of_recent_events_and_a_thinned_history():
    hub = Hub(window=8)
    hub.publish("info", {"name": "x"})
    for n in range(100):
        hub.publish("frame", {"n": n})
    kept = [json.loads(text)["n"] for text in hub.texts("frame")]
    assert len(kept) <= 8 and kept[0] == 0  # the first frame stays: the timeline still starts at the start
    assert kept[-4:] == [96, 97, 98, 99]  # the newest half of the window whole
    assert kept == sorted(kept) and hub.kinds()[0] == "info"


def test_a_reader_gets_what_follows_a_restart():
    hub = Hub(window=8)
    hub.publish("frame", {"n": 1})
    stream = hub.stream()
    assert next(stream)[0] == "frame"
    hub.restart()
    hub.publish("info", {"n": 2})
    hub.close()
    assert [kind for kind, _ in stream] == ["info"]


# ------------------------------------------------------------------ G's manifold at the latent's scale


def built(preset: str, overrides: list[str]) -> GAN:
    gan = GAN(load_config(preset, overrides))
    gan.prepare(gan.load_data())
    return gan


def test_a_categorical_latent_gets_one_manifold_per_piece_or_a_reason():
    few = built("gaussian", ["model.latent_categories=3", "model.latent_std=0.01"])
    frame = snapshot(FrozenNets.of(few), [-5, 5, -5, 5], few.state.latent.sample(50, None))
    assert len(frame["manifolds"]) == 3 and frame["manifold"] == []
    spans = [np.ptp(np.array(grid)[..., 0]) for grid in frame["manifolds"]]
    assert max(spans) > 0
    many = built("ring", ["data.n=300"])
    frame = snapshot(FrozenNets.of(many), [-2, 2, -2, 2], many.state.latent.sample(50, None))
    assert "manifolds" not in frame and "hidden" in frame["manifold_note"]


# ------------------------------------------------------------------ a hardened server


@pytest.fixture
def served(playground):
    server = ViewServer(playground.export_dir, playground.hub, playground=playground).start()
    yield server
    server.close()


def raw(server: ViewServer, request: bytes) -> int:
    """The status code of the answer to ``request`` sent as raw bytes (0: no answer)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0


def post(path: str, body: bytes, headers: str = "Content-Type: application/json\r\n", length: str | None = None) -> bytes:
    length = str(len(body)) if length is None else length
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {length}\r\n\r\n").encode() + body


def get(path: str, host: str = "127.0.0.1") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


def test_a_foreign_host_is_refused(served):
    assert raw(served, get("/", "evil.example:8765")) == 403
    assert raw(served, post("/api/play", b'{"action": "pause"}').replace(b"Host: 127.0.0.1", b"Host: evil.example")) == 403
    assert raw(served, get("/", f"localhost:{served.port}")) == 200
    assert raw(served, get("/", f"127.0.0.1:{served.port}")) == 200


def test_a_server_with_a_token_wants_it_then_sets_a_cookie(playground):
    server = ViewServer(playground.export_dir, playground.hub, playground=playground, token="s3cret").start()
    try:
        assert server.url.endswith("/?token=s3cret")
        assert raw(server, get("/")) == 403
        assert raw(server, get("/?token=wrong")) == 403
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200 and "gankit_token=s3cret" in response.headers["Set-Cookie"]
        cookie = b"Cookie: gankit_token=s3cret\r\n"
        assert raw(server, get("/static/app.js").replace(b"\r\n\r\n", b"\r\n" + cookie + b"\r\n")) == 200
    finally:
        server.close()


MALFORMED = [
    post("/api/play", b'{"action": "points", "points": [[0, "x"]]}'),
    post("/api/play", b'{"action": "settings", "settings": [1, 2]}'),
    post("/api/play", b'{"action": "settings", "settings": {"train.gp_weight": {"a": 1}}}'),
    post("/api/play", b'{"action": ["start"]}'),
    post("/api/play", b'[1, 2, 3]'),
    post("/api/play", b'{"action": "settings", "settings": {"train.gp_weight": NaN}}'),
    post("/api/play", b'{"action": "settings", "settings": {"train.gp_weight": Infinity}}'),
    post("/api/play", b'{"action": "pau'),
    post("/api/play", b"\xff\xfe"),
    post("/api/play", b"[" * 100_000 + b"]" * 100_000),
    post("/api/play", b"{}", length="abc"),
    post("/api/play", b"{}", length="-1"),
    post("/api/play", b"{}", length="99999999999999999999"),
    post("/api/play", b'{"action": "start"}', headers="Content-Type: text/plain\r\n"),
    get("/events?run=" + "a" * 60_000),
    get("/events?run=" + "a" * 3_000),
    get("/files/%00.png"),
    get("/events?run=%00"),
    get("/neighbours?run=&epoch=1&x=nan&y=0.5"),
    get("/neighbours?run=&epoch=99999999999999999999999&x=0.5&y=0.5"),
    get("/static/../../etc/passwd"),
]


@pytest.mark.parametrize("request_bytes", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_requests_get_one_4xx_and_no_traceback(served, request_bytes, capfd):
    status = raw(served, request_bytes)
    assert 400 <= status < 500
    assert raw(served, post("/api/play", b'{"action": "pause"}')) == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err


def test_a_port_out_of_range_is_one_line_and_exit_2(cli, tmp_path):
    result = cli("play", "--port", "70000", "--out", str(tmp_path / "p"))
    assert result.code == 2 and "--port" in result.stderr and "65535" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def random_shape(rng: np.random.Generator, depth: int = 0):
    """A random JSON value: numbers (huge, tiny, negative), texts, lists and objects, nested a little."""
    pick = rng.integers(7 if depth < 3 else 4)
    if pick == 0:
        return float(rng.choice([0.0, -1.0, 1e308, -1e308, 1e-320, 3.5, 1e39]))
    if pick == 1:
        return int(rng.choice([0, -1, 2**63, 5, 10**30]))
    if pick == 2:
        return str(rng.choice(["", "x", "inf", "1e999", "[0]", "[1e9]", '"wgan"', "nan", "-0", "[[1]]", "{a=1}"]))
    if pick == 3:
        return None if rng.random() < 0.5 else bool(rng.random() < 0.5)
    if pick == 4:
        return [random_shape(rng, depth + 1) for _ in range(rng.integers(4))]
    if pick == 5:
        return [[random_shape(rng, depth + 1), random_shape(rng, depth + 1)] for _ in range(rng.integers(18, 25))]
    keys = ["train.gp_weight", "train.n_critic", "model.generator.hidden", "train.d_optimizer.lr", "data.source", "x"]
    return {str(rng.choice(keys)): random_shape(rng, depth + 1) for _ in range(rng.integers(3))}


def test_fuzzed_commands_are_answered_and_the_playground_keeps_working(playground):
    from gankit.view.playground_shapes import shape_problem

    rng = np.random.default_rng(7)
    for _ in range(150):
        request = {"action": str(rng.choice(["settings", "points", "fly"])),
                   "settings": random_shape(rng), "points": random_shape(rng)}
        if shape_problem(request) is None:
            reply = playground.command(request)
            assert set(reply) <= {"ok", "error", "rebuilt"} and (reply["ok"] or reply["error"])
        assert json.loads(playground.hub.texts("info")[-1])["settings"]  # still serializable, still there
    assert playground.command({"action": "reset"})["ok"]
    count = frames(playground.hub)
    assert playground.command({"action": "d_step"})["ok"]
    wait_for(lambda: frames(playground.hub) > count)


# ------------------------------------------------------------------ a steady verdict line


def test_the_verdict_line_changes_only_when_4_of_the_last_5_rounds_disagree():
    from gankit.view.steady_verdict import SteadyVerdict

    steady = SteadyVerdict(rounds=5, to_change=4)
    rounds = [False, True, False, True, True, True, False, True, True, False, False, False, False]
    shown = [steady.add(apart)["verdict"][0] for apart in rounds]  # D: distinguishable, I: indistinguishable
    # by hand: the first round sets I; round 6 makes 4 of the last 5 (T,F,T,T,T → 4 True) "apart": D;
    # it stays D until round 13, whose last five (T,F,F,F,F) hold 4 "not apart"
    assert "".join(shown) == "IIIIIDDDDDDDI"
    assert steady.add(False) == {"verdict": "INDISTINGUISHABLE", "told_apart": 0, "rounds": 5, "window": 5, "to_change": 4}


def test_a_round_flipping_each_second_leaves_the_line_alone():
    from gankit.view.steady_verdict import SteadyVerdict

    steady = SteadyVerdict()
    assert {steady.add(n % 2 == 0)["verdict"] for n in range(40)} == {"DISTINGUISHABLE"}


def test_each_test_round_carries_the_steady_verdict(playground):
    playground._publish_test()
    playground._publish_test()
    test = last(playground.hub, "test")
    assert test["steady"]["rounds"] == 2 and test["steady"]["verdict"] in ("DISTINGUISHABLE", "INDISTINGUISHABLE")
    playground.command({"action": "reset"})  # fresh nets, a fresh tally
    playground._publish_test()
    assert last(playground.hub, "test")["steady"]["rounds"] == 1
