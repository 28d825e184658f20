"""The process-wide random states (torch, NumPy, Python), saved in checkpoints and restored on resume.

gankit's own randomness flows through explicit generators; these global states
are saved as well so that user code relying on them (a custom data source, say)
also resumes where it stopped.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch


def seed_global_rng(seed: int) -> None:
    """Seed torch's, NumPy's and Python's process-wide generators from one run seed.

    A fresh run then starts every global stream from its seed, so a resumed run
    (which restores them from its checkpoint) ends with the same states as an
    uninterrupted one.
    """
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def global_rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, JSON) holding torch's CPU (and CUDA) generators, NumPy's and Python's."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    tensors = {"rng.torch_cpu": torch.get_rng_state(), "rng.numpy_keys": torch.from_numpy(keys.astype(np.int64))}
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda{index}"] = cuda_state
    version, python_state, gauss_next = random.getstate()
    info = {"numpy": [kind, int(position), int(has_gauss), float(cached)],
            "python": [version, list(python_state), gauss_next]}
    return tensors, info


def restore_global_rng(tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> None:
    """Put back what :func:`global_rng_state` saved (CUDA states only where those devices exist)."""
    torch.set_rng_state(tensors["rng.torch_cpu"])
    kind, position, has_gauss, cached = info["numpy"]
    np.random.set_state((kind, tensors["rng.numpy_keys"].numpy().astype(np.uint32), position, has_gauss, cached))
    version, python_state, gauss_next = info["python"]
    random.setstate((version, tuple(python_state), gauss_next))
    if torch.cuda.is_available():
        states = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda")]
        if len(states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states)
