"""``gankit play``: a 2-D GAN trained step by step in a server thread, driven from the page.

The page sends commands (start, pause, one D step, one G step, reset, settings,
points drawn with the mouse, export). Settings are ``key = value`` overrides of
the same config model ``gankit train`` uses, limited to :data:`EDITABLE` and to the
ranges of :mod:`gankit.view.play_limits`; a bad value is answered with one line
naming it, and nothing changes.
Learning rates, D steps per G step, batch size, λ and the objective apply at once,
the rest rebuilds the nets. After every change the settings in force are published
(``settings``, or a new ``info`` after a rebuild), so the page always shows what
trains, and Export writes exactly that.
The training thread takes the lock for one D or G step at a time, so Pause and Reset
act between two steps; :mod:`gankit.view.play_limits` keeps a single step short.
Frames (the same snapshots as the live view) are published after every single step and
about 10 times a second while running; a round of two-sample tests about once a second
while running and after every single G step, whose verdict line changes only with the
trend of the last rounds (:mod:`gankit.view.steady_verdict`). Losses are averaged over 10 G
steps while running; a single G step's loss is published at once.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit.config import GanConfig, apply_overrides, load_raw, validate
from gankit.data import write_rows
from gankit.data.rows import Rows
from gankit.errors import UserError
from gankit.gan import GAN
from gankit.losses import objective as objective_losses
from gankit.metrics.evaluate import holm_rejections
from gankit.metrics.twosample import energy_test, mmd_test
from gankit.report.roles import equilibrium
from gankit.train.steps import d_step, g_step, make_penalty
from gankit.view.hub import Hub
from gankit.view.play_export import next_free_stem
from gankit.view.play_limits import check_points, check_settings_values
from gankit.view.playground_shapes import ACTIONS
from gankit.view.run_info import run_info
from gankit.view.snapshot import FrozenNets, fixed_extent, snapshot
from gankit.view.steady_verdict import SteadyVerdict

BASE_PRESET = "gaussian"
BASE_OVERRIDES = ["train.ema_decay=0.0", "train.epochs=100", 'name="play"', 'description="exported from gankit play"',
                  # a small MLP on both sides, so every offered source can be learned without changing a setting
                  "model.generator.hidden=[32, 32]", "model.discriminator.hidden=[32, 32]"]
EDITABLE = {  # key → applies while running (True) or rebuilds the nets (False)
    "data.source": False, "model.generator.hidden": False, "model.discriminator.hidden": False,
    "model.latent_dim": False, "train.objective": True, "train.d_optimizer.lr": True, "train.g_optimizer.lr": True,
    "train.n_critic": True, "train.batch_size": True, "train.gp_weight": True,
}
SOURCES = ["gaussian", "ring", "grid", "moons", "swiss_roll", "drawn"]
FRAME_SECONDS = 0.1
TEST_SECONDS = 1.0
TEST_ROWS = 200
TEST_PERMUTATIONS = 100
DIVERGED = "training diverged (values are no longer finite): press Reset, perhaps with lower learning rates or λ"


class _Diverged(Exception):
    """A step gave a loss that is not finite."""


class Playground:
    """One GAN, its settings and a training thread; :meth:`command` is called from the server's threads."""

    def __init__(self, hub: Hub, export_dir: Path) -> None:
        self.hub = hub
        self.export_dir = export_dir
        self.overrides: dict[str, str] = {}
        self.drawn: np.ndarray | None = None
        self.running = False
        self._pending: list[str] = []  # single steps asked for: "d" or "g"
        self._d_in_cycle = 0  # D steps taken since the last G step while running
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._build()
        self._thread = threading.Thread(target=self._loop, name="gankit-play", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ commands (server threads)

    def command(self, request: dict[str, Any]) -> dict[str, Any]:
        """Do one command; ``{"ok": True, …}`` or ``{"ok": False, "error": one line}`` (nothing changed then)."""
        action = request.get("action")
        try:
            with self._lock:
                if action == "start":
                    self.running = True
                elif action == "pause":
                    self.running = False
                elif action in ("d_step", "g_step"):
                    self.running = False
                    self._pending.append(action[0])
                elif action == "reset":
                    self.running = False
                    self._build()
                elif action == "settings":
                    return {"ok": True, "rebuilt": self._apply(request.get("settings") or {})}
                elif action == "points":
                    self._set_points(request.get("points") or [])
                elif action == "export":
                    return {"ok": True, "path": str(self.export())}
                else:
                    raise UserError(f"unknown action {str(action)[:40]!r}; allowed: {', '.join(ACTIONS)}")
                if action in ("start", "pause", "d_step", "g_step"):
                    self._publish_state()
                self._wake.notify_all()
                return {"ok": True}
        except UserError as problem:
            return {"ok": False, "error": str(problem)}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._wake.notify_all()
        self._thread.join(5)

    def _apply(self, settings: dict[str, Any]) -> bool:
        """Validate ``settings`` (key → TOML value text) with the config model and the playground's ranges;
        apply them; True when the nets were rebuilt. The settings in force are published either way."""
        if not isinstance(settings, dict):
            raise UserError("settings: give an object of key → value")
        unknown = sorted(set(settings) - set(EDITABLE))
        if unknown:
            raise UserError(f"cannot set {', '.join(unknown)} here; allowed: {', '.join(EDITABLE)}")
        merged = {**self.overrides, **{key: str(value).strip() for key, value in settings.items()}}
        if merged.get("data.source") == '"drawn"' and self.drawn is None:
            raise UserError("draw some points first (click on the plane), then choose 'drawn'")
        config = self._config(merged)  # raises UserError naming the key when a value is bad
        rebuild = any(_setting(config, key) != _setting(self.config, key) for key, live in EDITABLE.items() if not live)
        self.overrides = merged
        if rebuild:
            self.running = False
            self._build()
        else:
            self._retune(config)
            self.hub.publish("settings", self._published_settings())
        return rebuild

    def _set_points(self, points: Any) -> None:
        self.drawn = check_points(points)
        self.overrides["data.source"] = '"drawn"'
        self.running = False
        self._build()

    # ------------------------------------------------------------------ model

    def _config(self, overrides: dict[str, str]) -> GanConfig:
        """The config these overrides give, checked by the config model and the playground's ranges."""
        assignments = [f"{key}={value}" for key, value in overrides.items() if value != '"drawn"']
        if overrides.get("data.source") == '"drawn"':
            assignments.append('data.source="array"')
        try:
            config = validate(apply_overrides(load_raw(BASE_PRESET), [*BASE_OVERRIDES, *assignments]))
        except UserError:
            raise
        except (ValueError, TypeError, OverflowError) as problem:  # a value that is not TOML
            raise UserError(str(problem).splitlines()[0]) from None
        check_settings_values(config)
        return config

    def _build(self) -> None:
        """Fresh nets on the chosen data; the hub starts over with the new ``info`` and a first frame."""
        config = self._config(self.overrides)
        gan = GAN(config)
        rows = (Rows(self.drawn, ["x0", "x1"], "drawn points") if self.overrides.get("data.source") == '"drawn"'
                else gan.load_data())
        if rows.n_rows < config.train.batch_size:  # few drawn points: one batch of all of them (exported so too)
            self.overrides["train.batch_size"] = str(rows.n_rows)
            config = self._config(self.overrides)
            gan = GAN(config)
        self.gan, self.config = gan, config
        self.rows = gan.prepare(rows)
        self._retune(config)
        self._generator = torch.Generator().manual_seed(config.seed)
        real = gan.real_rows().values
        self.extent = fixed_extent(real)
        self.noise = gan.state.latent.sample(300, torch.Generator().manual_seed(config.seed + 1))
        self.held_out = real[np.random.default_rng(config.seed).permutation(len(real))[:TEST_ROWS]]
        self.d_steps = self.g_steps = self._d_in_cycle = 0
        self._pending.clear()
        self._losses: list[tuple[float, float]] = []
        self._steady = SteadyVerdict()  # the verdict line of these nets, steadier than each test round
        self.hub.restart()  # a reload shows this state only: no frames or notices of the nets just dropped
        self.hub.publish("info", run_info(
            config, None, "2d", live=True, play=True, real=np.round(real[:1000], 4).tolist(), extent=self.extent,
            columns=["x0", "x1"], held_out="the training rows (a playground has no held-out set)",
            tests_when="about once a second while running and after each single G step", p_floor=1 / (TEST_PERMUTATIONS + 1),
            settings=self._settings(), editable=list(EDITABLE), sources=SOURCES, x_label="G step",
            frame_window=self.hub.window))
        self._publish_frame()

    def _retune(self, config: GanConfig) -> None:
        """Apply the settings that change while running: losses, penalty, learning rates (the Adam moments stay)."""
        state = self.gan.state
        self.d_loss, self.g_loss = objective_losses(config.train.objective, config.train.label_smoothing)
        self.penalty = make_penalty(config.train)
        for optimizer, settings in ((state.opt_d, config.train.d_optimizer), (state.opt_g, config.train.g_optimizer)):
            optimizer.scale_lr(settings.lr / optimizer.lr)
        self.config = config  # the steps read their settings here (the GAN keeps the config it was built with)

    def _settings(self) -> dict[str, Any]:
        """The settings in force, as the page's form shows them."""
        source = "drawn" if self.overrides.get("data.source") == '"drawn"' else self.config.data.source
        return {key: source if key == "data.source" else _setting(self.config, key) for key in EDITABLE}

    def _published_settings(self) -> dict[str, Any]:
        objective = self.config.train.objective
        return {"settings": self._settings(), "objective": objective, "equilibrium": equilibrium(objective),
                "config": self.config.to_toml()}

    # ------------------------------------------------------------------ training thread

    def _loop(self) -> None:
        """One D or G step per turn of the lock, so a command never waits for more than one step."""
        last_frame = last_test = 0.0
        while True:
            with self._lock:
                while not (self.running or self._pending or self._closed):
                    self._wake.wait()
                if self._closed:
                    return
                try:
                    if self._pending:  # a single step: its loss and (after a G step) a test round show at once
                        which = self._pending.pop(0)
                        self._one_step(which, single=True)
                        self._publish_frame()
                        if which == "g":
                            self._publish_test()
                        continue
                    if self._d_in_cycle < self.config.train.n_critic:
                        self._one_step("d")
                        self._d_in_cycle += 1
                        continue
                    self._one_step("g")
                    self._d_in_cycle = 0
                    now = time.perf_counter()
                    if now - last_frame >= FRAME_SECONDS:
                        last_frame = now
                        self._publish_frame()
                    if now - last_test >= TEST_SECONDS:
                        last_test = now
                        self._publish_test()
                except Exception as problem:  # noqa: BLE001  (the thread must outlive any step: the page can Reset)
                    self.running = False
                    self._pending.clear()
                    text = DIVERGED if isinstance(problem, (_Diverged, ValueError)) else f"training stopped: {problem}"
                    self.hub.publish("notice", {"error": text})
                    self._publish_state()
            time.sleep(0)  # let command threads take the lock

    def _one_step(self, which: str, single: bool = False) -> None:
        """One D or G step. G's losses are published averaged over 10 G steps while running, at once for a single
        step (so a learner stepping by hand sees each one)."""
        state, batch = self.gan.state, self.config.train.batch_size
        pick = torch.randint(len(self.rows), (batch,), generator=self._generator)
        z = state.latent.sample(batch, self._generator)
        if which == "d":
            with torch.no_grad():
                fake = state.generator(z)
            self._d_value = _finite(d_step(state, self.rows[pick], fake, self.d_loss, self.penalty))
            self.d_steps += 1
            return
        g_value = _finite(g_step(state, z, self.g_loss))
        self.g_steps += 1
        state.step += 1
        self._losses.append((getattr(self, "_d_value", math.nan), g_value))
        if len(self._losses) >= 10 or single:
            d_mean, g_mean = (_mean_of_known(column) for column in zip(*self._losses))
            self._losses = []
            self.hub.publish("metric", {"epoch": self.g_steps, "d_loss": d_mean, "g_loss": g_mean})

    def _publish_state(self) -> None:
        """Running or paused, for the page's badge (a reload shows it too)."""
        self.hub.publish("state", {"running": self.running})

    def _publish_frame(self) -> None:
        frame = snapshot(FrozenNets.of(self.gan), self.extent, self.noise)
        frame.update(epoch=self.g_steps, step=self.g_steps, d_steps=self.d_steps, g_steps=self.g_steps)
        self.hub.publish("frame", frame)

    def _publish_test(self) -> None:
        fake = self.gan.sample(TEST_ROWS, seed=self.g_steps)
        results = [mmd_test(self.held_out, fake, TEST_PERMUTATIONS, self.g_steps),
                   energy_test(self.held_out, fake, TEST_PERMUTATIONS, self.g_steps)]
        p_values = {result.name: result.p_value for result in results}
        told_apart = any(holm_rejections(list(p_values.values()), self.config.eval.alpha))
        self.hub.publish("test", {"epoch": self.g_steps, "step": self.g_steps, "n": TEST_ROWS, "p_values": p_values,
                                  "verdict": "DISTINGUISHABLE" if told_apart else "INDISTINGUISHABLE",
                                  "steady": self._steady.add(told_apart)})

    # ------------------------------------------------------------------ export

    def exported_config(self, data_path: Path | None = None) -> GanConfig:
        """The config in force, as ``gankit train`` would run it (drawn points read from ``data_path``)."""
        overrides = dict(self.overrides)
        if overrides.get("data.source") == '"drawn"':
            overrides["data.source"] = '"file"'
            path = str((data_path or Path("drawn.csv")).resolve()).replace("\\", "\\\\")
            overrides["data.path"] = '"' + path + '"'
        return validate(apply_overrides(load_raw(BASE_PRESET), [*BASE_OVERRIDES, *(f"{k}={v}" for k, v in overrides.items())]))

    def export(self) -> Path:
        """Write the settings in force as ``play-NNN.toml`` (and drawn points as ``play-NNN.csv``) for ``gankit train``,
        NNN the next number free in the folder: an export never replaces an earlier one."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        stem, reserved = next_free_stem(self.export_dir)
        try:
            with reserved:
                csv = None
                if self.overrides.get("data.source") == '"drawn"':
                    csv = write_rows(self.drawn, ["x0", "x1"], stem.with_suffix(".csv"))
                reserved.write(self.exported_config(csv).to_toml())
        except BaseException:
            stem.with_suffix(".toml").unlink(missing_ok=True)  # no empty or half-written export left behind
            raise
        return stem.with_suffix(".toml")


def _setting(config: GanConfig, key: str) -> Any:
    """The value of a dotted config key (``train.d_optimizer.lr``) in ``config``."""
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def _mean_of_known(values: tuple[float, ...]) -> float:
    """The mean of the values that are known (NaN: no D step yet), NaN when none is (the page shows "–")."""
    known = [value for value in values if not math.isnan(value)]
    return sum(known) / len(known) if known else math.nan


def _finite(loss: torch.Tensor) -> float:
    value = float(loss)
    if not math.isfinite(value):
        raise _Diverged(value)
    return value
