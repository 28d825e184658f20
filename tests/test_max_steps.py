"""``train.max_steps``: a large data set trains fewer epochs, and the run directory says how many."""

import json

import numpy as np
import pytest

from gankit import GAN
from gankit.config import load_config, with_changes
from gankit.train.loop import batches_per_epoch, capped_epochs


def train_config(**changes):
    config = load_config("d2l-gaussian")
    return with_changes(config, **{f"train.{key}": value for key, value in changes.items()}).train


@pytest.mark.parametrize("n_rows, batch, pack, drop_last, batches", [
    (1000, 100, 1, False, 10),  # exact
    (1050, 100, 1, False, 11),  # a last batch of 50
    (1050, 100, 1, True, 10),  # dropped
    (1005, 100, 10, False, 10),  # a last batch of 5 rows is under one pack of 10: dropped
    (1015, 100, 10, False, 11),  # 15 rows make one pack: kept
])
def test_batches_per_epoch_by_hand(n_rows, batch, pack, drop_last, batches):
    assert batches_per_epoch(n_rows, batch, pack, drop_last) == batches


def test_epochs_are_cut_to_the_fewest_whole_epochs_that_reach_max_steps():
    # 1,000 rows in batches of 100: 10 G steps an epoch; 95 steps need 10 epochs (rounded up)
    assert capped_epochs(train_config(epochs=300, max_steps=95), 1000, 100, 1) == 10
    assert capped_epochs(train_config(epochs=300, max_steps=100), 1000, 100, 1) == 10
    assert capped_epochs(train_config(epochs=300, max_steps=101), 1000, 100, 1) == 11
    # n_critic = 2: 5 G steps an epoch, so 100 steps take 20 epochs
    assert capped_epochs(train_config(epochs=300, max_steps=100, n_critic=2), 1000, 100, 1) == 20
    # never more than train.epochs, never fewer than one
    assert capped_epochs(train_config(epochs=7, max_steps=10_000), 1000, 100, 1) == 7
    assert capped_epochs(train_config(epochs=7, max_steps=1), 1000, 100, 1) == 1
    assert capped_epochs(train_config(epochs=7, max_steps=0), 1000, 100, 1) == 7  # 0 = off
    # 4 ranks: global batches of 400 rows, the last partial one dropped: 2 G steps an epoch
    assert capped_epochs(train_config(epochs=300, max_steps=100), 1000, 100, 1, world=4) == 50


def test_a_fit_takes_the_capped_epochs_and_their_steps():
    rows = np.random.default_rng(0).normal(size=(400, 2)).astype("float32")
    gan = GAN("d2l-gaussian", overrides=["train.epochs=20", "train.max_steps=120"]).fit(rows, verbose=False)
    # batches of 8: 50 G steps an epoch, so 120 steps take 3 epochs (150 steps)
    assert gan.config.train.epochs == 3 and gan.state.epoch == 3 and gan.state.step == 150


def test_cli_run_directory_records_the_capped_epochs(cli, tmp_path):
    result = cli("train", "d2l-gaussian", "--set", "train.epochs=20", "--set", "train.max_steps=200",
                 "--set", "eval.permutations=19", "--quiet", "--out", str(tmp_path / "run"))
    assert result.code == 0, result.stderr
    assert "training 2 epochs instead of train.epochs = 20" in result.stderr  # 125 G steps an epoch
    assert "epochs = 2\n" in (tmp_path / "run/config.toml").read_text()
    epochs = [json.loads(line)["epoch"] for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    assert epochs == [1, 2]


def test_a_sweep_counts_the_epochs_max_steps_took_away_as_done(tmp_path):
    from gankit.config import apply_overrides, load_raw
    from gankit.runs.sweep import plan_sweep, run_sweep

    base = apply_overrides(load_raw("d2l-gaussian"), ["train.epochs=5", "train.max_steps=200", "eval.permutations=19"])
    groups = plan_sweep(base, 2, {})
    advanced: list[int] = []

    def make_dir():
        (tmp_path / "sweep").mkdir()
        return tmp_path / "sweep"

    result = run_sweep(groups, make_dir, advanced.append, lambda text: None, evaluate=False,
                       plots=False)
    # 125 G steps an epoch: 200 steps take 2 of the 5 planned epochs, for each of the 2 members
    assert [gan.config.train.epochs for gan in result.gans] == [2, 2]
    assert advanced[0] == 6 and sum(advanced) == 10  # the bar of 2 × 5 planned member-epochs ends full
