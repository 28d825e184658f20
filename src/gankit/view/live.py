"""Feed a view from a training run: frames drawn in a background thread, metrics per epoch.

The training thread only *copies* the nets' tensors and sends them down a pipe
when a frame is due and the drawing process is idle; everything else — the
generated points, D's heatmap, G's manifold and arrows, the two-sample p-values —
is computed by that process (:mod:`gankit.view.drawing`) on its own copy of the nets. Frames are also appended to ``view/frames.jsonl``
(at most :data:`STORED_FRAMES` spread over training) and p-values to
``view/tests.jsonl``, so ``gankit view RUN`` replays them after the run. A table run
instead gets a snapshot of its columns and pair trends (``report/table_snapshot.py``)
every k epochs, taken in the training thread within the tests' time share and kept
in ``view/tables.jsonl``.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit import status
from gankit.config import TOY_SOURCES
from gankit.data.toy import toy_source
from gankit.gan import GAN
from gankit.report.image_grid import GRIDS
from gankit.train.loop import EpochRecord
from gankit.view.hub import Hub
from gankit.view.run_info import run_info
from gankit.view import drawing
from gankit.view.snapshot import FrozenNets, Weights, fixed_extent

VIEW = Path("view")  # inside the run directory
FRAME_SECONDS = 0.15  # a frame at most this often (6–7 per second) …
FRAME_SHARE = 0.04  # … and drawing frames takes at most this share of the time (slower machines get fewer frames)
TEST_SHARE = 0.03  # two-sample tests: at most this share of the time, at most every k epochs
STORED_FRAMES = 300  # frames kept on disk for replay, spread over training
FRAME_POINTS = 300  # generated points per frame (one fixed noise batch, so points move smoothly)
REAL_POINTS = 1000  # real points shown
TEST_ROWS = 200  # held-out real rows and generated rows per two-sample test
TESTS_PER_RUN = 20  # two-sample tests spread over training (every k = epochs / 20 epochs, time allowing)
HELD_OUT_SEED = 104_729  # held-out toy rows come from their own stream, never the training draw
TABLE_ROWS = 500  # real and generated rows per table snapshot (columns' shapes and pair trends)


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
        self._idle = threading.Event()  # no job is out at the drawing process
        self._idle.set()
        self._last_frame = 0.0
        self._frame_cost = 0.0  # seconds the last frame took (sending it and drawing it)
        self._last_test = 0.0
        self._test_cost = 0.0
        self._test_pending = False
        self._last_stored_step = -1
        self._store_gap = 1
        self.run_dir: Path | None = None
        self.last_gan: GAN | None = None  # the GAN training ended with (for the last frame)
        self.evaluation: dict[str, Any] | None = None  # the final eval.json, once the run is evaluated
        self._table_real: Any = None  # a table run's real rows and column kinds, for its snapshots
        self._last_table_epoch = -1
        self._process: multiprocessing.Process | None = None
        self._pipe: Connection | None = None
        self._reader: threading.Thread | None = None

    # ------------------------------------------------------------------ training side

    def attach(self, gan: GAN, run_dir: Path) -> None:
        """Training is about to start (nets built): publish ``info`` and start the drawing process."""
        config = gan.config
        self.run_dir = run_dir
        self.last_gan = gan
        # the page's panel, named by the data kind: each panel streams its own events (frames, tables, grids)
        self.kind = gan.data_kind.view_panel(len(gan.columns))
        self.test_every = self.test_every or max(1, config.train.epochs // TESTS_PER_RUN)
        extra: dict[str, Any] = {"test_every": self.test_every, "frame_window": self.hub.window}
        if self.kind == "2d":
            real = _subset(gan.real_rows().values, REAL_POINTS, config.seed)
            held_out, origin = _held_out_rows(gan)
            noise = gan.state.latent.sample(FRAME_POINTS, torch.Generator().manual_seed(config.seed + HELD_OUT_SEED))
            setup = drawing.Setup(FrozenNets.of(gan), fixed_extent(real), noise, held_out, TEST_ROWS)
            extra |= {"real": np.round(real, 4).tolist(), "extent": setup.extent, "columns": gan.columns,
                      "held_out": origin}
            steps = config.train.epochs * max(1, gan.training_rows.n_rows // config.train.batch_size)
            self._store_gap = max(1, steps // STORED_FRAMES)
            self._process, self._pipe = drawing.start(setup)
            self._reader = threading.Thread(target=self._read_replies, name="gankit-view-reader", daemon=True)
            self._reader.start()
        if self.kind == "table":
            frame = gan.data_kind.real_frame(config)
            self._table_real = frame.sample(n=min(len(frame), TABLE_ROWS), random_state=config.seed % 2**32)
        info = run_info(config, run_dir, self.kind, live=True, **extra)
        (run_dir / VIEW).mkdir(parents=True, exist_ok=True)
        (run_dir / VIEW / "info.json").write_text(json.dumps(info))
        self.hub.publish("info", info)

    def step(self, gan: GAN) -> None:
        """After a training step: send the nets' weights to the drawing process when a frame is due and it is idle."""
        if self._pipe is None or not self._idle.is_set():
            return
        if self._test_pending:  # an epoch's test that found the process busy
            self._test_pending = False
            self._submit(gan, test=True)
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
        if self._pipe is not None and record.epoch % self.test_every == 0 and self._test_due():
            if self.test_share is None:
                self._idle.wait()  # no time budget: every k epochs, whatever it costs
            if self._idle.is_set():
                self._submit(gan, test=True)
            else:
                self._test_pending = True  # sent after the next step that finds the process idle
        if self.kind == "table" and record.epoch % self.test_every == 0 and self._test_due():
            self._table_snapshot(gan, record.epoch)
        if self.kind == "images" and self.run_dir is not None:
            grid = GRIDS / f"epoch-{record.epoch:06d}.png"
            if (self.run_dir / grid).is_file():
                self.hub.publish("grid", {"epoch": record.epoch, "path": grid.as_posix()})

    def finish(self, gan: GAN | None, evaluation: dict[str, Any] | None, server_stays: bool = False) -> None:
        """Training is over: the last frame and test, the final evaluation; the page is told the run ended, and
        whether the server keeps serving it (``server_stays``: a reload then still works)."""
        if self._pipe is not None:
            self._idle.wait()
            if gan is not None:
                self._submit(gan, test=True, store=True)
                self._idle.wait()
            self._stop_drawing()
        if self.kind == "table" and gan is not None and self._last_table_epoch != gan.state.epoch:
            self._table_snapshot(gan, gan.state.epoch)
        if evaluation is not None:
            self.hub.publish_evaluation(evaluation)
        self.hub.publish("end", {"reason": "training finished", "server_stays": server_stays})
        self.hub.close()

    def _test_due(self) -> bool:
        """Every k epochs, unless the tests would then take more than ``test_share`` of the time."""
        return not self.test_share or time.perf_counter() - self._last_test >= self._test_cost / self.test_share

    def _table_snapshot(self, gan: GAN, epoch: int) -> None:
        """A table run's columns and pair trends now (real vs generated rows), published and kept for replay."""
        started = time.perf_counter()
        fake = gan.sample(len(self._table_real), seed=gan.config.seed + HELD_OUT_SEED)
        text = json.dumps(gan.data_kind.view_snapshot(self._table_real, fake, epoch))
        self._append("tables.jsonl", self.hub.publish_text("table", text))
        self._last_table_epoch = epoch
        self._last_test, self._test_cost = started, time.perf_counter() - started

    def _submit(self, gan: GAN, test: bool, store: bool = False) -> None:
        started = time.perf_counter()
        step = gan.state.step
        store = store or step - self._last_stored_step >= self._store_gap
        if store:
            self._last_stored_step = step
        if test:
            self._last_test = started
        self._idle.clear()
        try:
            self._pipe.send(drawing.Job(Weights.take(gan), test, store))
        except OSError:  # the drawing process died: training goes on without frames
            self._stop_drawing("the drawing process stopped; the live view shows no more frames")
            return
        self._frame_cost = time.perf_counter() - started  # the reply adds the drawing's own time

    def _stop_drawing(self, notice: str | None = None) -> None:
        if notice:
            status.notice(notice)
        pipe, self._pipe = self._pipe, None
        self._idle.set()
        if pipe is not None:
            try:
                pipe.send(None)
            except OSError:
                pass
            self._process.join(30)
            self._reader.join(30)

    # ------------------------------------------------------------------ reader thread

    def _read_replies(self) -> None:
        """Publish each reply of the drawing process (one hand-over of Python's lock per frame)."""
        while True:
            try:
                reply = self._pipe.recv()
            except (EOFError, OSError):
                self._idle.set()  # the process is gone: never leave training waiting
                return
            if reply["frame"] is None:  # not finite: skipped
                self._idle.set()
                continue
            self.hub.publish_text("frame", reply["frame"])
            self.frames_sent += 1
            if reply["store"]:
                self._append("frames.jsonl", reply["frame"])
            if reply["test"] is not None:
                self._append("tests.jsonl", self.hub.publish_text("test", reply["test"]))
                self._test_cost = reply["seconds"]
            else:
                self._frame_cost += reply["seconds"]
            self._idle.set()

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
