"""Helpers shared by the benchmarks: run the chapter's loop (bench/chapter_loop.py) and gankit in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CHAPTER_LOOP = REPO / "bench" / "chapter_loop.py"  # the chapter's code as plain PyTorch; same weights as reference.py
A = np.array([[1.0, 2.0], [-0.1, 0.5]])
B = np.array([1.0, 2.0])


class RunFailed(RuntimeError):
    """A benchmark's child process failed; the message says which and why (its last stderr line)."""


def _run(command: list[str], what: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RunFailed(f"{what} exited with {done.returncode}: {lines[-1] if lines else 'no message'}")
    return done.stdout


def run_chapter(seed: int, epochs: int = 20) -> tuple[dict, np.ndarray]:
    """Run bench/chapter_loop.py in a fresh process: its JSON line and 10,000 samples."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "samples.npy"
        stdout = _run([sys.executable, str(CHAPTER_LOOP), "--seed", str(seed), "--epochs", str(epochs), "--out", str(out)],
                      f"the chapter's loop (seed {seed})")
        return json.loads(stdout.strip().splitlines()[-1]), np.load(out)


def chapter_data(seed: int) -> np.ndarray:
    """The 1000 training rows the chapter draws for ``seed`` (its first NumPy draw after seeding)."""
    np.random.seed(seed)
    return np.random.normal(size=(1000, 2)).dot(A) + B


def run_gankit(preset: str, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Train a gankit preset in a fresh process: (training-loop seconds, 10,000 samples, its training rows)."""
    code = (
        "import json, sys, numpy as np; from gankit import GAN; "
        f"g = GAN({preset!r}, seed={seed}).fit(verbose=False); "
        f"np.save(sys.argv[1], g.sample(10000, seed={seed})); np.save(sys.argv[2], g.real_rows().values); "
        "print(json.dumps({'train_seconds': g.history[-1].elapsed}))"
    )
    with tempfile.TemporaryDirectory() as folder:
        samples, data = Path(folder) / "s.npy", Path(folder) / "d.npy"
        stdout = _run([sys.executable, "-c", code, str(samples), str(data)], f"gankit {preset} (seed {seed})")
        seconds = json.loads(stdout.strip().splitlines()[-1])["train_seconds"]
        return seconds, np.load(samples), np.load(data)


def cov_error(samples: np.ndarray, data: np.ndarray) -> float:
    """Frobenius distance between the sample covariance of ``samples`` and of ``data``."""
    return float(np.linalg.norm(np.cov(samples, rowvar=False) - np.cov(data, rowvar=False)))
