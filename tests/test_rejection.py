"""Discriminator rejection sampling (sample.method = "rejection")."""

import numpy as np
import pytest
import torch

from gankit import GAN
from gankit.config import SampleConfig, load_config
from gankit.errors import UserError
from gankit.train.rejection_sampling import rejection_sample


def test_rejection_turns_candidates_into_the_density_ratio_target():
    # candidates U(0, 1), logit log(2x): the kept rows follow the density 2x (mean 2/3, P(x < 1/2) = 1/4)
    rng = torch.Generator().manual_seed(0)
    draw = lambda count: torch.rand(count, 1, generator=rng)
    rows, cost = rejection_sample(20_000, draw, lambda x: torch.log(2 * x), rng, SampleConfig(candidates=2.0))
    assert rows.shape == (20_000, 1)
    assert rows.mean().item() == pytest.approx(2 / 3, abs=0.01)
    assert (rows < 0.5).float().mean().item() == pytest.approx(0.25, abs=0.01)
    assert cost.rows == 20_000 and cost.candidates >= 40_000 and 0.45 < cost.acceptance < 0.55  # E[x] = 1/2 of candidates kept


def test_rejection_gives_up_with_a_clear_error():
    rng = torch.Generator().manual_seed(0)
    never = lambda x: torch.where(x[:, 0] > 0.999, 0.0, -50.0)  # almost nothing kept
    with pytest.raises(UserError, match="rejection sampling kept"):
        rejection_sample(1000, lambda c: torch.rand(c, 1, generator=rng), never, rng, SampleConfig(max_rounds=2))


def test_later_rounds_grow_with_a_low_acceptance():
    # about 1 % kept: the first round of 2n candidates keeps ~0.02 n, the later ones are sized to finish
    rng = torch.Generator().manual_seed(0)
    rare = lambda x: torch.where(x[:, 0] < 0.01, 0.0, -60.0)
    rows, cost = rejection_sample(1000, lambda c: torch.rand(c, 1, generator=rng), rare, rng, SampleConfig(max_rounds=5))
    assert rows.shape == (1000, 1) and (rows < 0.01).all()
    assert cost.candidates > 50_000 and cost.acceptance == pytest.approx(0.01, rel=0.2)


def test_gan_sample_with_rejection_is_reproducible_and_reports_its_cost():
    gan = GAN("ring", overrides=["train.epochs=1", "data.n=512", "train.ema_decay=0", "train.threads=1",
                                 "sample.method=rejection"]).fit(verbose=False)
    rows = gan.sample(300, seed=3)
    assert rows.shape == (300, 2)
    np.testing.assert_array_equal(rows, gan.sample(300, seed=3))
    assert gan.sampling_cost.rows == 300 and gan.sampling_cost.candidates >= 600
    assert "candidates for 300 rows" in gan.sampling_cost.describe()


def test_rejection_needs_a_cross_entropy_discriminator_and_rows():
    with pytest.raises(UserError, match="cross-entropy"):
        load_config("ring", ["sample.method=rejection", "train.objective=wgan"])
    assert load_config("ring", ["sample.method=rejection"]).sample.method == "rejection"


def test_train_and_sample_print_what_rejection_sampling_cost(cli, tmp_path):
    # the unknown-modes presets sample by rejection: a user sees the cost after training and after sampling
    quick = ["--set", "train.epochs=1", "--set", "data.n=512", "--set", "eval.n=200", "--set", "eval.permutations=19",
             "--set", "eval.plot_n=300", "--quiet"]
    trained = cli("train", "ring", *quick, "--out", str(tmp_path / "run"))
    assert trained.code == 0, trained.stderr
    assert "rejection sampling:" in trained.stdout and "candidates for 300 rows" in trained.stdout
    sampled = cli("sample", str(tmp_path / "run"), "-n", "50", "-o", str(tmp_path / "rows.csv"))
    assert sampled.code == 0 and "candidates for 50 rows (acceptance" in sampled.stdout
    evaluated = cli("eval", str(tmp_path / "run"))
    assert evaluated.code == 0 and "candidates for 300 rows (acceptance" in evaluated.stdout  # the figures' draw
    plain = cli("train", "ring", *quick, "--set", "sample.method=\"generator\"", "--out", str(tmp_path / "plain"))
    assert plain.code == 0 and "rejection sampling" not in plain.stdout
