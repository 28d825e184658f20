"""The private release of a table's moments (train/private_moments.py) and the moment term built from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from gankit import GAN
from gankit.data.layout import Layout
from gankit.data.moment_match import MomentMatch
from gankit.train.private_moments import release_noise_for, released_moments, row_norm_bound


def test_the_row_bound_counts_value_columns_and_one_hot_blocks():
    layout = Layout(width=7, softmax_blocks=((1, 3), (5, 2)))  # columns 0 and 4 are values
    assert row_norm_bound(layout) == pytest.approx(2.0)  # √(2 values + 2 blocks)


def test_without_noise_the_release_is_the_rows_moments():
    rows = torch.tensor([[0.5, 1.0, 0.0], [-0.5, 0.0, 1.0], [0.25, 1.0, 0.0]], dtype=torch.float64)
    first, second = released_moments(rows, bound=2.0, noise_multiplier=0.0, generator=torch.Generator())
    torch.testing.assert_close(first, rows.mean(dim=0))
    torch.testing.assert_close(second, rows.T @ rows / 3)


def test_rows_beyond_the_bound_are_clipped_to_it():
    rows = torch.tensor([[3.0, 4.0]], dtype=torch.float64)  # norm 5, bound 1: the row counts as (0.6, 0.8)
    first, second = released_moments(rows, bound=1.0, noise_multiplier=0.0, generator=torch.Generator())
    torch.testing.assert_close(first, torch.tensor([0.6, 0.8], dtype=torch.float64))
    torch.testing.assert_close(second, torch.tensor([[0.36, 0.48], [0.48, 0.64]], dtype=torch.float64))


def test_the_noise_has_the_gaussian_mechanisms_scale():
    rows = torch.zeros(1000, 20, dtype=torch.float64)  # moments 0: what comes out is the noise / n
    first, second = released_moments(rows, bound=2.0, noise_multiplier=3.0, generator=torch.Generator().manual_seed(0))
    scale = 3.0 * (2.0**2 + 2.0**4) ** 0.5 / 1000  # z · √(R² + R⁴) / n
    assert float(first.std() / scale) == pytest.approx(1.0, abs=0.25)
    off_diagonal = second[~torch.eye(20, dtype=torch.bool)]  # (a + b)/2 of two draws: scale / √2
    assert float(off_diagonal.std() / (scale / 2**0.5)) == pytest.approx(1.0, abs=0.1)
    torch.testing.assert_close(second, second.T)


def test_the_moment_term_from_moments_by_hand():
    # rows 0 and 2: E[x] = 1, E[x²] = 2, so centre 1 and spread 1; generated rows at 1 have second moment 0 vs 1
    term = MomentMatch.from_moments(torch.tensor([1.0]), torch.tensor([[2.0]]), weight=2.0)
    assert term.loss(torch.tensor([[1.0], [1.0]])).item() == pytest.approx(2.0)
    assert term.loss(torch.tensor([[0.0], [2.0]])).item() == pytest.approx(0.0, abs=1e-12)


def test_a_private_run_matches_released_moments_accounted_in_its_budget():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.uniform(0, 10, 200).round(2), "c": rng.choice(["a", "b"], 200)})
    settings = ["privacy.epsilon=5", "model.pack=1", "tabular.conditional=false", "train.epochs=2",
                "train.batch_size=50", "tabular.public_bounds={x=[0,10]}", "tabular.public_categories={c=['a','b']}",
                "model.generator.hidden=[16]", "model.discriminator.hidden=[16]"]
    gan = GAN("tabular", overrides=settings, seed=0).fit(frame, verbose=False)
    ledger = gan.state.privacy
    assert ledger.release_noise == 5.0 and ledger.to_dict()["moment_release_noise"] == 5.0
    assert 4.9 < ledger.spent() <= 5.0 and gan.state.g_penalty is not None
    quiet = GAN("tabular", overrides=[*settings, "privacy.moment_noise=0"], seed=0).fit(frame, verbose=False)
    assert quiet.state.privacy.release_noise == 0 and quiet.state.g_penalty is None
    assert quiet.state.privacy.noise_multiplier < ledger.noise_multiplier  # the steps had the whole budget


def test_a_table_too_small_for_its_release_gives_the_whole_budget_to_d(capsys):
    layout = Layout(width=4, softmax_blocks=((1, 3),))  # R² = 1 value + 1 block = 2, Δ = √(2 + 4) = 2.45
    assert release_noise_for(5.0, 1000, layout) == 5.0  # noise 5 · 2.45 / 1000 = 0.012 per moment
    assert release_noise_for(5.0, 20, layout) == 0.0  # 0.61 per moment: above 0.5
    assert "the rows' moments are not released: on 20 rows their noise (0.61 per moment" in capsys.readouterr().err
    assert release_noise_for(0.0, 1000, layout) == 0.0  # privacy.moment_noise = 0: never
