"""The live view's drawing process: snapshots and two-sample tests computed beside training, not inside it.

A separate process rather than a thread: the snapshot is many tiny PyTorch calls,
and in a thread each one would hand Python's global lock back and forth with the
training loop (on a busy machine each hand-over costs a scheduler slice). The
training thread sends :class:`~gankit.view.snapshot.Weights` down a pipe; the
process answers with the frame (and test) as JSON text, ready to publish.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import torch

from gankit.metrics.twosample import energy_test, mmd_test
from gankit.view.snapshot import FrozenNets, Mirror, Weights, snapshot

TEST_PERMUTATIONS = 100


@dataclass
class Setup:
    """What the drawing process needs once: net copies, the view's extent and noise, the held-out rows."""

    nets: FrozenNets
    extent: list[float]
    noise: torch.Tensor
    held_out: np.ndarray
    test_rows: int


@dataclass
class Job:
    weights: Weights
    test: bool
    store: bool


def start(setup: Setup) -> tuple[multiprocessing.Process, Connection]:
    """Start the drawing process; return it and this side's end of its pipe.

    Forked where the platform forks (Linux), as PyTorch's DataLoader workers are: a
    spawned process would first import PyTorch again, seconds of CPU that a short
    run pays in full. The child touches only CPU tensors, runs one thread, and
    runs at a lower priority than training, which it must not slow down.
    """
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    here, there = context.Pipe()
    process = context.Process(target=_main, args=(there, setup), name="gankit-view-drawing", daemon=True)
    process.start()
    there.close()
    return process, here


DRAWING_NICENESS = 10  # the drawing process yields the CPU to training (frames may then come later)


def _main(connection: Connection, setup: Setup) -> None:
    torch.set_num_threads(1)
    os.nice(DRAWING_NICENESS)
    mirror = Mirror(setup.nets)
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        connection.send(draw(mirror, setup, job))


def draw(mirror: Mirror, setup: Setup, job: Job) -> dict[str, Any]:
    """``{"frame": text, "test": text or None, "store": bool, "seconds": CPU seconds it took}`` for one job."""
    started = time.process_time()  # CPU time: what the drawing takes from training, not time spent waiting for a CPU
    nets = mirror.load(job.weights)
    frame = snapshot(nets, setup.extent, setup.noise)
    try:
        text = json.dumps(frame, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a diverging run: no frame (the page would choke on NaN), training's guard decides the rest
        return {"frame": None, "test": None, "store": False, "seconds": time.process_time() - started}
    reply: dict[str, Any] = {"frame": text, "test": None, "store": job.store}
    if job.test:
        fake = np.asarray(frame["fake"][: setup.test_rows])
        results = [mmd_test(setup.held_out, fake, TEST_PERMUTATIONS, nets.epoch),
                   energy_test(setup.held_out, fake, TEST_PERMUTATIONS, nets.epoch)]
        test = {"epoch": nets.epoch, "step": nets.step, "n": len(fake),
                "p_values": {result.name: result.p_value for result in results}}
        reply["test"] = json.dumps(test, separators=(",", ":"))
    reply["seconds"] = time.process_time() - started
    return reply
