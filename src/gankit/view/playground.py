"""``gankit play``: a 2-D GAN trained step by step in a server thread, driven from the page.

The page sends commands (start, pause, one D step, one G step, reset, settings,
points drawn with the mouse, export). Settings are ``key = value`` overrides of
the same config model ``gankit train`` uses, limited to :data:`EDITABLE`; a bad
value is refused with the validator's one-line message and nothing changes.
Learning rates, D steps per G step, batch size and the objective apply at once,
the rest rebuilds the nets. Frames (the same snapshots as the live view) are
published after every single step and about 10 times a second while running;
the two-sample verdict about once a second.
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
from gankit.train.steps import d_step, g_step, make_penalty
from gankit.view.hub import Hub
from gankit.view.run_info import run_info
from gankit.view.snapshot import FrozenNets, fixed_extent, snapshot

BASE_PRESET = "gaussian"
BASE_OVERRIDES = ["train.ema_decay=0.0", "train.epochs=100", 'name="play"', 'description="exported from gankit play"']
EDITABLE = {  # key → applies while running (True) or rebuilds the nets (False)
    "data.source": False, "model.generator.hidden": False, "model.discriminator.hidden": False,
    "model.latent_dim": False, "train.objective": True, "train.d_optimizer.lr": True, "train.g_optimizer.lr": True,
    "train.n_critic": True, "train.batch_size": True, "train.gp_weight": True,
}
SOURCES = ["gaussian", "ring", "grid", "moons", "swiss_roll", "drawn"]
FRAME_SECONDS = 0.1
TEST_SECONDS = 1.0
TEST_ROWS = 200
MAX_DRAWN = 5000


class Playground:
    """One GAN, its settings and a training thread; :meth:`command` is called from the server's threads."""

    def __init__(self, hub: Hub, export_dir: Path) -> None:
        self.hub = hub
        self.export_dir = export_dir
        self.overrides: dict[str, str] = {}
        self.drawn: np.ndarray | None = None
        self.running = False
        self.exports = 0
        self._pending: list[str] = []  # single steps asked for: "d" or "g"
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
                    raise UserError(f"unknown action {action!r}; allowed: start, pause, d_step, g_step, reset, settings, "
                                    f"points, export")
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
        """Validate ``settings`` (key → TOML value text) with the config model; apply them; True when nets were rebuilt."""
        unknown = sorted(set(settings) - set(EDITABLE))
        if unknown:
            raise UserError(f"cannot set {', '.join(unknown)} here; allowed: {', '.join(EDITABLE)}")
        merged = {**self.overrides, **{key: str(value).strip() for key, value in settings.items()}}
        if merged.get("data.source") == '"drawn"' and self.drawn is None:
            raise UserError("draw some points first (click on the plane), then choose 'drawn'")
        config = self._config(merged)  # raises UserError naming the key when a value is bad
        rebuild = any(merged.get(key) != self.overrides.get(key) for key, live in EDITABLE.items() if not live)
        self.overrides = merged
        if rebuild:
            self.running = False
            self._build()
        else:
            self._retune(config)
        return rebuild

    def _set_points(self, points: list[list[float]]) -> None:
        values = np.asarray(points, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != 2 or not 20 <= len(values) <= MAX_DRAWN or not np.isfinite(values).all():
            raise UserError(f"drawn points: give between 20 and {MAX_DRAWN} finite (x, y) points, got {len(values)}")
        self.drawn = values.astype(np.float32)
        self.overrides["data.source"] = '"drawn"'
        self.running = False
        self._build()

    # ------------------------------------------------------------------ model

    def _config(self, overrides: dict[str, str]) -> GanConfig:
        assignments = [f"{key}={value}" for key, value in overrides.items() if value != '"drawn"']
        if overrides.get("data.source") == '"drawn"':
            assignments.append('data.source="array"')
        try:
            return validate(apply_overrides(load_raw(BASE_PRESET), [*BASE_OVERRIDES, *assignments]))
        except UserError:
            raise
        except ValueError as problem:  # a value that is not TOML
            raise UserError(str(problem).splitlines()[0]) from None

    def _build(self) -> None:
        """Fresh nets on the chosen data; publish the new ``info`` and a first frame."""
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
        self.d_steps = self.g_steps = 0
        self._losses: list[tuple[float, float]] = []
        self.hub.publish("info", run_info(
            config, None, "2d", live=True, play=True, real=np.round(real[:1000], 4).tolist(), extent=self.extent,
            columns=["x0", "x1"], held_out="the training rows (a playground has no held-out set)", test_every=None,
            settings=self._settings(), editable=list(EDITABLE), sources=SOURCES, x_label="G step"))
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
        train, model = self.config.train, self.config.model
        source = "drawn" if self.overrides.get("data.source") == '"drawn"' else self.config.data.source
        return {"data.source": source, "model.generator.hidden": model.generator.hidden,
                "model.discriminator.hidden": model.discriminator.hidden, "model.latent_dim": model.latent_dim,
                "train.objective": train.objective, "train.d_optimizer.lr": train.d_optimizer.lr,
                "train.g_optimizer.lr": train.g_optimizer.lr, "train.n_critic": train.n_critic,
                "train.batch_size": train.batch_size, "train.gp_weight": train.gp_weight}

    # ------------------------------------------------------------------ training thread

    def _loop(self) -> None:
        last_frame = last_test = 0.0
        while True:
            with self._lock:
                while not (self.running or self._pending or self._closed):
                    self._wake.wait()
                if self._closed:
                    return
                try:
                    if self._pending:
                        self._one_step(self._pending.pop(0))
                        self._publish_frame()
                        continue
                    for _ in range(self.config.train.n_critic):
                        self._one_step("d")
                    self._one_step("g")
                    now = time.perf_counter()
                    if now - last_frame >= FRAME_SECONDS:
                        last_frame = now
                        self._publish_frame()
                    if now - last_test >= TEST_SECONDS:
                        last_test = now
                        self._publish_test()
                except (ValueError, RuntimeError):  # non-finite numbers: the nets diverged
                    self.running = False
                    self._pending.clear()
                    self.hub.publish("notice", {"error": "training diverged (values are no longer finite): "
                                                         "press Reset, perhaps with lower learning rates"})
            time.sleep(0)  # let command threads take the lock

    def _one_step(self, which: str) -> None:
        state, batch = self.gan.state, self.config.train.batch_size
        pick = torch.randint(len(self.rows), (batch,), generator=self._generator)
        z = state.latent.sample(batch, self._generator)
        if which == "d":
            with torch.no_grad():
                fake = state.generator(z)
            self._d_value = float(d_step(state, self.rows[pick], fake, self.d_loss, self.penalty))
            self.d_steps += 1
            return
        g_value = float(g_step(state, z, self.g_loss))
        self.g_steps += 1
        state.step += 1
        self._losses.append((getattr(self, "_d_value", math.nan), g_value))
        if len(self._losses) >= 10:
            d_mean, g_mean = np.nanmean(np.array(self._losses), axis=0)
            self._losses = []
            if np.isfinite(d_mean) and np.isfinite(g_mean):
                self.hub.publish("metric", {"epoch": self.g_steps, "d_loss": float(d_mean), "g_loss": float(g_mean)})

    def _publish_frame(self) -> None:
        frame = snapshot(FrozenNets.of(self.gan), self.extent, self.noise)
        frame.update(epoch=self.g_steps, step=self.g_steps, d_steps=self.d_steps, g_steps=self.g_steps)
        self.hub.publish("frame", frame)

    def _publish_test(self) -> None:
        fake = self.gan.sample(TEST_ROWS, seed=self.g_steps)
        results = [mmd_test(self.held_out, fake, 100, self.g_steps), energy_test(self.held_out, fake, 100, self.g_steps)]
        p_values = {result.name: result.p_value for result in results}
        told_apart = any(holm_rejections(list(p_values.values()), self.config.eval.alpha))
        self.hub.publish("test", {"epoch": self.g_steps, "step": self.g_steps, "n": TEST_ROWS, "p_values": p_values,
                                  "verdict": "DISTINGUISHABLE" if told_apart else "INDISTINGUISHABLE"})

    # ------------------------------------------------------------------ export

    def export(self) -> Path:
        """Write the settings as ``play-NNN.toml`` (and the drawn points as ``play-NNN.csv``) for ``gankit train``."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        self.exports += 1
        stem = self.export_dir / f"play-{self.exports:03d}"
        overrides = dict(self.overrides)
        if overrides.get("data.source") == '"drawn"':
            csv = write_rows(self.drawn, ["x0", "x1"], stem.with_suffix(".csv"))
            overrides["data.source"] = '"file"'
            overrides["data.path"] = '"' + str(csv.resolve()).replace("\\", "\\\\") + '"'
        config = validate(apply_overrides(load_raw(BASE_PRESET), [*BASE_OVERRIDES, *(f"{k}={v}" for k, v in overrides.items())]))
        path = stem.with_suffix(".toml")
        path.write_text(config.to_toml())
        return path
