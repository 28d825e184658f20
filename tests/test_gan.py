"""The library facade and the training loop: fidelity to the chapter, reproducibility, persistence."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import gankit
from gankit import GAN
from gankit.errors import UserError
from gankit.train.checkpoint_format import FORMAT_VERSION
from gankit.train.steps import ema_rate

ONE_EPOCH = ["train.epochs=1", "eval.permutations=49"]


def chapter_steps(net_G, net_D, data, noise, lr_D, lr_G, batch):
    """The chapter's update_D / update_G (Sigmoid + BCELoss, torch.optim.Adam), verbatim in effect."""
    loss = nn.BCELoss()
    trainer_D = torch.optim.Adam(net_D.parameters(), lr=lr_D)
    trainer_G = torch.optim.Adam(net_G.parameters(), lr=lr_G)
    for start in range(0, len(data), batch):
        X, Z = data[start:start + batch], noise[start:start + batch]
        ones, zeros = torch.ones(len(X), 1), torch.zeros(len(X), 1)
        trainer_D.zero_grad()
        loss_D = (loss(torch.sigmoid(net_D(X)), ones) + loss(torch.sigmoid(net_D(net_G(Z))), zeros)) / 2
        loss_D.backward()
        trainer_D.step()
        trainer_G.zero_grad()
        loss_G = loss(torch.sigmoid(net_D(net_G(Z))), ones)
        loss_G.backward()
        trainer_G.step()


def test_one_epoch_equals_the_chapter_update_rules():
    """Same initial weights, data and noise: gankit's lean loop ends where the chapter's code ends."""
    import copy

    from gankit.config import load_config
    from gankit.data import load_training_rows
    from gankit.train.loop import train
    from gankit.train.state import TrainState

    config = load_config("d2l-gaussian", ["train.epochs=1"])
    table = load_training_rows(config.data, config.seed)
    state = TrainState.create(config, 2, torch.device("cpu"))
    net_G, net_D = copy.deepcopy(state.generator), copy.deepcopy(state.discriminator)
    noise = torch.randn(1000, 2, generator=copy.deepcopy(state.noise_rng))
    train(state, torch.from_numpy(table.values), config.train)
    chapter_steps(net_G, net_D, torch.from_numpy(table.values), noise, 0.05, 0.005, 8)
    for ours, theirs in zip([*state.generator.parameters(), *state.discriminator.parameters()],
                            [*net_G.parameters(), *net_D.parameters()]):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_fit_sample_shapes_and_seeds():
    gan = GAN("d2l-gaussian", overrides=ONE_EPOCH).fit()
    assert gan.sample(5, seed=1).shape == (5, 2)
    np.testing.assert_array_equal(gan.sample(5, seed=1), gan.sample(5, seed=1))
    assert not np.array_equal(gan.sample(5, seed=1), gan.sample(5, seed=2))
    assert len(gan.history) == 1 and gan.state.step == 125


def test_same_seed_same_run_different_seed_different_run():
    a = GAN("d2l-gaussian", overrides=["train.epochs=2"], seed=3).fit()
    b = GAN("d2l-gaussian", overrides=["train.epochs=2"], seed=3).fit()
    c = GAN("d2l-gaussian", overrides=["train.epochs=2"], seed=4).fit()
    assert [r.d_loss for r in a.history] == [r.d_loss for r in b.history]
    assert [r.g_loss for r in a.history] == [r.g_loss for r in b.history]
    np.testing.assert_array_equal(a.sample(100, seed=0), b.sample(100, seed=0))
    assert [r.d_loss for r in a.history] != [r.d_loss for r in c.history]


def test_fit_user_data_in_every_form():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(64, 3)) * [1, 2, 3] + [5, 0, -5]
    for data in (rows, torch.from_numpy(rows), pd.DataFrame(rows, columns=["a", "b", "c"])):
        gan = GAN("d2l-gaussian", overrides=["train.epochs=1", 'data.transform="standardize"']).fit(data)
        assert gan.sample(4, seed=0).shape == (4, 3)
    assert gan.columns == ["a", "b", "c"]
    report = gan.evaluate(n=50)
    assert "cov_error_vs_truth" not in {r.name for r in report.results}  # the user's data has no known truth


def test_fit_rejects_bad_data():
    with pytest.raises(UserError, match="fewer than one batch"):
        GAN("d2l-gaussian").fit(np.zeros((5, 2)))
    with pytest.raises(UserError, match="NaN"):
        GAN("d2l-gaussian").fit(np.full((20, 2), np.nan))


def test_save_load_round_trip(tmp_path):
    gan = GAN("d2l-gaussian", overrides=ONE_EPOCH + ["train.ema_decay=0.9"]).fit()
    gan.save(tmp_path / "ckpt")
    again = GAN.load(tmp_path / "ckpt")
    np.testing.assert_array_equal(gan.sample(50, seed=7), again.sample(50, seed=7))
    assert again.state.step == gan.state.step and again.config == gan.config
    for ours, theirs in zip(gan.state.opt_d.state_dict()["state"].values(), again.state.opt_d.state_dict()["state"].values()):
        torch.testing.assert_close(ours["exp_avg"], theirs["exp_avg"])


def test_checkpoint_refuses_pickles_corruption_and_newer_formats(tmp_path):
    import json
    import pickle

    gan = GAN("d2l-gaussian", overrides=ONE_EPOCH).fit()
    folder = gan.save(tmp_path / "ckpt")

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    (folder / "tensors.safetensors").write_bytes(pickle.dumps({"x": Boom()}))
    with pytest.raises(UserError, match="tensors.safetensors: corrupted"):
        GAN.load(folder)
    assert not (tmp_path / "pwned").exists()

    folder = gan.save(tmp_path / "ckpt2")
    data = (folder / "tensors.safetensors").read_bytes()
    (folder / "tensors.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="corrupted checkpoint tensors"):
        GAN.load(folder)

    folder = gan.save(tmp_path / "ckpt3")
    document = json.loads((folder / "state.json").read_text())
    document["format_version"] = FORMAT_VERSION + 1
    (folder / "state.json").write_text(json.dumps(document))
    with pytest.raises(UserError, match="newer than this gankit reads"):
        GAN.load(folder)
    (folder / "state.json").write_text("{ not json")
    with pytest.raises(UserError, match="state.json: corrupted"):
        GAN.load(folder)


def test_ema_rate_ramps_up():
    assert ema_rate(0.999, 0) == pytest.approx(0.1)
    assert ema_rate(0.999, 90) == pytest.approx(0.91)
    assert ema_rate(0.999, 10**6) == 0.999


def test_public_api():
    assert callable(gankit.evaluate) and "d2l-gaussian" in gankit.preset_names()
    assert gankit.load_preset("d2l-gaussian").train.batch_size == 8


def test_compile_gives_the_same_training_and_reports_its_time():
    overrides = ["data.n=32", "train.epochs=1"]
    eager = GAN("d2l-gaussian", overrides=overrides).fit()
    compiled = GAN("d2l-gaussian", overrides=overrides + ["train.compile=true"]).fit()
    assert compiled.compile_seconds is not None and compiled.compile_seconds > 0 and eager.compile_seconds is None
    assert compiled.history[0].d_loss == pytest.approx(eager.history[0].d_loss, rel=1e-5)
    np.testing.assert_allclose(compiled.sample(10, seed=0), eager.sample(10, seed=0), rtol=1e-4, atol=1e-6)


def test_objects_existing_before_training_are_frozen_only_while_it_runs():
    """The cyclic collector skips the pre-training objects during training and gets them back after."""
    import gc

    seen = []
    gan = GAN("d2l-gaussian", overrides=ONE_EPOCH)
    gan.fit(after_step=lambda state, d, g: seen.append(gc.get_freeze_count()), verbose=False)
    assert seen and min(seen) > 10_000  # torch's and gankit's objects, at least
    assert gc.get_freeze_count() == 0


def test_training_leaves_a_callers_frozen_objects_frozen():
    import gc

    gc.freeze()
    try:
        GAN("d2l-gaussian", overrides=ONE_EPOCH).fit(verbose=False)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
