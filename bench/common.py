"""Helpers shared by the benchmarks: run the seed chapter's reference code, rebuild its data."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "seed" / "reference.py"
A = np.array([[1.0, 2.0], [-0.1, 0.5]])
B = np.array([1.0, 2.0])


def reference_available() -> bool:
    return REFERENCE.is_file()


def run_reference(seed: int, epochs: int = 20) -> tuple[dict, np.ndarray]:
    """Run ../shared/seed/reference.py in a fresh process: its JSON line and 10,000 samples."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "samples.npy"
        done = subprocess.run(
            [sys.executable, str(REFERENCE), "--seed", str(seed), "--epochs", str(epochs), "--out", str(out)],
            capture_output=True, text=True, check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1]), np.load(out)


def reference_data(seed: int) -> np.ndarray:
    """The 1000 training rows reference.py draws for ``seed`` (its first NumPy draw after seeding)."""
    np.random.seed(seed)
    return np.random.normal(size=(1000, 2)).dot(A) + B


def run_gankit(preset: str, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Train a gankit preset in a fresh process: (training-loop seconds, 10,000 samples, its training rows)."""
    code = (
        "import json, sys, numpy as np; from gankit import GAN; "
        f"g = GAN({preset!r}, seed={seed}).fit(); "
        f"np.save(sys.argv[1], g.sample(10000, seed={seed})); np.save(sys.argv[2], g.real_rows().values); "
        "print(json.dumps({'train_seconds': g.history[-1].elapsed}))"
    )
    with tempfile.TemporaryDirectory() as folder:
        samples, data = Path(folder) / "s.npy", Path(folder) / "d.npy"
        done = subprocess.run([sys.executable, "-c", code, str(samples), str(data)],
                              capture_output=True, text=True, check=True)
        seconds = json.loads(done.stdout.strip().splitlines()[-1])["train_seconds"]
        return seconds, np.load(samples), np.load(data)


def cov_error(samples: np.ndarray, data: np.ndarray) -> float:
    """Frobenius distance between the sample covariance of ``samples`` and of ``data``."""
    return float(np.linalg.norm(np.cov(samples, rowvar=False) - np.cov(data, rowvar=False)))
