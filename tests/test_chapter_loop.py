"""bench/chapter_loop.py (the speed benchmarks' baseline) trains exactly as the chapter's own script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
# The chapter's script, when present beside the checkout: an optional cross-check, skipped without it.
REFERENCE = REPO.parent / "shared" / "seed" / "reference.py"
sys.path.insert(0, str(REPO / "bench"))

from chapter_loop import chapter_data, chapter_nets, train_chapter  # noqa: E402


def _reference_module():
    spec = importlib.util.spec_from_file_location("chapter_reference", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the chapter's script is not present (optional cross-check)")
@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_same_weights_as_the_chapter_after_one_epoch(seed):
    from torch.utils.data import DataLoader

    reference = _reference_module()
    np.random.seed(seed)
    torch.manual_seed(seed)
    data = np.random.normal(size=(1000, 2)).dot(np.array([[1, 2], [-0.1, 0.5]])) + np.array([1, 2])
    their_g, their_d = reference.net_G(), reference.net_D()
    their_losses = reference.train(their_d, their_g, DataLoader(data, batch_size=8), 1, 0.05, 0.005, 2)

    np.random.seed(seed)
    torch.manual_seed(seed)
    rows = chapter_data()
    our_g, our_d = chapter_nets()
    our_losses = train_chapter(rows, our_g, our_d, epochs=1)

    theirs = [p.detach() for net in (their_g, their_d) for p in net.parameters()]
    ours = [p.detach() for net in (our_g, our_d) for p in net.parameters()]
    assert len(theirs) == len(ours) == 8
    assert all(torch.equal(a, b) for a, b in zip(theirs, ours))
    assert our_losses == their_losses


def test_the_loop_learns_the_data_mean():
    np.random.seed(0)
    torch.manual_seed(0)
    rows = chapter_data()
    generator, discriminator = chapter_nets()
    before = _mean_gap(generator, rows)
    train_chapter(rows, generator, discriminator, epochs=20)
    assert _mean_gap(generator, rows) < 0.25 * before  # the untrained G sits near 0, the data near (1, 2)


def _mean_gap(generator, rows: np.ndarray) -> float:
    with torch.no_grad():
        samples = generator(torch.randn(5000, 2)).numpy()
    return float(np.linalg.norm(samples.mean(axis=0) - rows.mean(axis=0)))
