"""Feed a view from a training run: frames drawn in a background thread, metrics per epoch.

The training thread only *copies* the nets (a few small tensors) when a frame is
due and the drawing thread is idle; everything else — the generated points, D's
heatmap, G's manifold and arrows, the two-sample p-values — is computed by the
drawing thread on the copies. Frames are also appended to ``view/frames.jsonl``
(at most :data:`STORED_FRAMES` spread over training) and p-values to
``view/tests.jsonl``, so ``gankit view RUN`` replays them after the run.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit.config import TOY_SOURCES
from gankit.data.toy import toy_source
from gankit.gan import GAN
from gankit.metrics.twosample import energy_test, mmd_test
from gankit.report.image_grid import GRIDS
from gankit.train.loop import EpochRecord
from gankit.view.hub import Hub
from gankit.view.run_info import kind_of, run_info
from gankit.view.snapshot import FrozenNets, Mirror, Weights, fixed_extent, snapshot

VIEW = Path("view")  # inside the run directory
FRAME_SECONDS = 0.15  # a frame at most this often (6–7 per second) …
FRAME_SHARE = 0.04  # … and drawing frames takes at most this share of the time (slower machines get fewer frames)
TEST_SHARE = 0.03  # two-sample tests: at most this share of the time, at most every k epochs
STORED_FRAMES = 300  # frames kept on disk for replay, spread over training
FRAME_POINTS = 300  # generated points per frame (one fixed noise batch, so points move smoothly)
REAL_POINTS = 1000  # real points shown
TEST_ROWS = 200  # held-out real rows and generated rows per two-sample test
TEST_PERMUTATIONS = 100
TESTS_PER_RUN = 20  # two-sample tests spread over training (every k = epochs / 20 epochs, time allowing)
HELD_OUT_SEED = 104_729  # held-out toy rows come from their own stream, never the training draw


class LiveView:
    """Publishes a training run into a :class:`Hub`; ``attach``, then ``step``/``epoch`` from training, then ``finish``."""

    def __init__(self, hub: Hub, frame_seconds: float = FRAME_SECONDS, test_every: int | None = None,
                 frame_share: float | None = FRAME_SHARE, test_share: float | None = TEST_SHARE) -> None:
        """``frame_share``/``test_share``: the most time frames/tests may take (None: no limit, e.g. in tests)."""
        self.hub = hub
        self.frame_seconds = frame_seconds
        self.test_every = test_every
        self.frame_share = frame_share
        self.test_share = test_share
        self.kind = "rows"
        self.frames_sent = 0
        self._jobs: queue.Queue[tuple[Weights, bool, bool] | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._last_frame = 0.0
        self._frame_cost = 0.0  # seconds the last frame took to draw (both threads)
        self._last_test = 0.0
        self._test_cost = 0.0
        self._last_stored_step = -1
        self._store_gap = 1
        self.run_dir: Path | None = None
        self.last_gan: GAN | None = None  # the GAN training ended with (for the last frame)
        self.evaluation: dict[str, Any] | None = None  # the final eval.json, once the run is evaluated
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ training side

    def attach(self, gan: GAN, run_dir: Path) -> None:
        """Training is about to start (nets built): publish ``info`` and start the drawing thread."""
        config = gan.config
        self.run_dir = run_dir
        self.last_gan = gan
        self.kind = kind_of(config, len(gan.columns))
        self.test_every = self.test_every or max(1, config.train.epochs // TESTS_PER_RUN)
        extra: dict[str, Any] = {"test_every": self.test_every}
        if self.kind == "2d":
            real = _subset(gan.real_rows().values, REAL_POINTS, config.seed)
            self._extent = fixed_extent(real)
            self._held_out, held_out = _held_out_rows(gan)
            noise_rng = torch.Generator().manual_seed(config.seed + HELD_OUT_SEED)
            self._noise = gan.state.latent.sample(FRAME_POINTS, noise_rng)
            extra |= {"real": np.round(real, 4).tolist(), "extent": self._extent, "columns": gan.columns,
                      "held_out": held_out}
            steps = config.train.epochs * max(1, gan.training_rows.n_rows // config.train.batch_size)
            self._store_gap = max(1, steps // STORED_FRAMES)
            self._mirror = Mirror(gan)
        info = run_info(config, run_dir, self.kind, live=True, **extra)
        (run_dir / VIEW).mkdir(parents=True, exist_ok=True)
        (run_dir / VIEW / "info.json").write_text(json.dumps(info))
        self.hub.publish("info", info)
        if self.kind == "2d":
            self._thread = threading.Thread(target=self._draw_loop, name="gankit-view", daemon=True)
            self._thread.start()

    def step(self, gan: GAN) -> None:
        """After a training step: hand a copy of the nets to the drawing thread when a frame is due and it is idle."""
        if self._thread is None or not self._idle.is_set():
            return
        now = time.perf_counter()
        budget = self._frame_cost / self.frame_share if self.frame_share else 0.0
        if now - self._last_frame < max(self.frame_seconds, budget):
            return
        self._last_frame = now
        self._submit(gan, test=False)

    def epoch(self, gan: GAN, record: EpochRecord) -> None:
        """After an epoch: its losses; a two-sample test every k epochs; an image run's grid."""
        self.last_gan = gan  # a rollback replaces the GAN
        self.hub.publish("metric", record.as_dict())
        if self._thread is not None and record.epoch % self.test_every == 0 and self._test_due():
            self._submit(gan, test=True)
        if self.kind == "images" and self.run_dir is not None:
            grid = GRIDS / f"epoch-{record.epoch:06d}.png"
            if (self.run_dir / grid).is_file():
                self.hub.publish("grid", {"epoch": record.epoch, "path": grid.as_posix()})

    def finish(self, gan: GAN | None, evaluation: dict[str, Any] | None) -> None:
        """Training is over: the last frame and test, the final evaluation; the page is told the run ended."""
        if self._thread is not None:
            if gan is not None:
                self._submit(gan, test=True, store=True)
            self._jobs.put(None)
            self._thread.join()
        if evaluation is not None:
            self.hub.publish("evaluation", evaluation)
        self.hub.publish("end", {"reason": "training finished"})
        self.hub.close()

    def _test_due(self) -> bool:
        """Every k epochs, unless the tests would then take more than ``test_share`` of the time."""
        return not self.test_share or time.perf_counter() - self._last_test >= self._test_cost / self.test_share

    def _submit(self, gan: GAN, test: bool, store: bool = False) -> None:
        started = time.perf_counter()
        step = gan.state.step
        store = store or step - self._last_stored_step >= self._store_gap
        if store:
            self._last_stored_step = step
        if test:
            self._last_test = started
        self._idle.clear()
        self._jobs.put((Weights.take(gan), test, store))
        self._frame_cost = time.perf_counter() - started  # the drawing thread adds its own part

    # ------------------------------------------------------------------ drawing thread

    def _draw_loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            weights, test, store = job
            started = time.perf_counter()
            nets = self._mirror.load(weights)
            frame = snapshot(nets, self._extent, self._noise)
            text = self.hub.publish("frame", frame)
            self.frames_sent += 1
            if store:
                self._append("frames.jsonl", text)
            self._frame_cost += time.perf_counter() - started
            if test:
                started = time.perf_counter()
                result = self._test(nets, np.asarray(frame["fake"][:TEST_ROWS]))
                self._append("tests.jsonl", self.hub.publish("test", result))
                self._test_cost = time.perf_counter() - started
            if self._jobs.empty():
                self._idle.set()

    def _test(self, nets: FrozenNets, fake: np.ndarray) -> dict[str, Any]:
        """MMD and energy p-values of this frame's generated points against held-out real rows."""
        seed = nets.epoch
        results = [mmd_test(self._held_out, fake, TEST_PERMUTATIONS, seed),
                   energy_test(self._held_out, fake, TEST_PERMUTATIONS, seed)]
        return {"epoch": nets.epoch, "step": nets.step, "n": len(fake),
                "p_values": {result.name: result.p_value for result in results}}

    def _append(self, name: str, line: str) -> None:
        with open(self.run_dir / VIEW / name, "a") as handle:
            handle.write(line + "\n")


def _subset(values: np.ndarray, n: int, seed: int) -> np.ndarray:
    return values[np.random.default_rng(seed).permutation(len(values))[:n]][:, :2]


def _held_out_rows(gan: GAN) -> tuple[np.ndarray, str]:
    """Real rows for the tests and where they come from: a toy source's new draw, never trained on;
    for data from a file (which has no held-out part) a subset of the training rows."""
    data = gan.config.data
    if data.source in TOY_SOURCES:
        rng = np.random.default_rng([gan.config.seed, HELD_OUT_SEED])
        return toy_source(data).sample(TEST_ROWS, rng)[:, :2], "held-out rows: a new draw of the toy source"
    rows = _subset(gan.real_rows().values, TEST_ROWS, gan.config.seed + HELD_OUT_SEED)
    return rows, "a subset of the training rows (a file has no held-out rows)"
