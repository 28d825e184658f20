"""Differentially private training: the accounting, the per-row clipping, what is charged, what is read, resume."""

import json
import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from opacus.accountants import PRVAccountant, RDPAccountant
from opacus.accountants.utils import get_noise_multiplier
from opacus.optimizers import DPOptimizer

import gankit.data.private_table as private_table
from gankit import GAN
from gankit.cli import run
from gankit.config import TrainConfig, load_config, with_changes
from gankit.errors import UserError
from gankit.losses import d_loss_wasserstein, gradient_penalty, r1_penalty
from gankit.train.dp_sgd import clipped_sum, per_row_gradients, private_d_gradients, real_row_loss
from gankit.train.privacy_ledger import PrivacyLedger

PUBLIC = ["model.pack=1", "tabular.conditional=false", "train.batch_size=40", "train.epochs=2",
          "tabular.public_bounds={age=[0,100],income=[0,200]}", "tabular.kinds={age='integer'}",
          "tabular.public_categories={city=['north','south']}", "privacy.epsilon=5", "eval.permutations=19",
          "eval.n=60", "model.generator.hidden=[32]", "model.discriminator.hidden=[32]", "model.latent_dim=16"]


def small_table(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    city = rng.choice(["north", "south"], n).astype(object)
    city[3] = "hamlet"  # one row's own category, not declared public
    return pd.DataFrame({"age": rng.integers(18, 90, n), "income": rng.normal(60, 15, n).round(1), "city": city})


# ------------------------------------------------------------------ the accountant


@pytest.mark.parametrize("name, accountant", [("rdp", RDPAccountant), ("prv", PRVAccountant)])
def test_the_ledgers_epsilon_is_opacus_own_for_fixed_noise_rate_and_steps(name, accountant):
    ledger = PrivacyLedger(epsilon=10.0, delta=1e-5, noise_multiplier=1.1, max_grad_norm=1.0, sample_rate=0.02,
                           planned_steps=300, accountant_name=name)
    for _ in range(300):
        ledger.record_step()
    theirs = accountant()
    for _ in range(300):
        theirs.step(noise_multiplier=1.1, sample_rate=0.02)
    assert ledger.steps == 300 and ledger.exhausted
    assert ledger.spent() == pytest.approx(theirs.get_epsilon(delta=1e-5), rel=1e-9)
    with pytest.raises(RuntimeError, match="budget is spent"):
        ledger.record_step()  # no step past the plan


def test_the_noise_is_calibrated_so_the_planned_steps_spend_at_most_the_budget():
    config = load_config("tabular", ["model.pack=1", "tabular.conditional=false", "privacy.epsilon=3"]).privacy
    ledger = PrivacyLedger.plan(config, n_rows=5000, batch_size=500, planned_steps=200)
    assert ledger.delta == pytest.approx(1 / 50_000)  # the default: 1/(10·n)
    assert ledger.sample_rate == pytest.approx(0.1)
    assert ledger.noise_multiplier == get_noise_multiplier(target_epsilon=3, target_delta=1 / 50_000, sample_rate=0.1,
                                                           steps=200, accountant="rdp")
    for _ in range(200):
        ledger.record_step()
    assert 2.9 < ledger.spent() <= 3.0


@pytest.mark.parametrize("name, accountant", [("rdp", RDPAccountant), ("prv", PRVAccountant)])
def test_the_moments_release_is_accounted_first_and_the_steps_spend_the_rest(name, accountant):
    config = load_config("tabular", ["model.pack=1", "tabular.conditional=false", "privacy.epsilon=3",
                                     f'privacy.accountant="{name}"']).privacy
    ledger = PrivacyLedger.plan(config, n_rows=5000, batch_size=500, planned_steps=200, release_noise=5.0)
    plain = PrivacyLedger.plan(config, n_rows=5000, batch_size=500, planned_steps=200)
    assert ledger.noise_multiplier > plain.noise_multiplier  # the release took part of the budget
    assert ledger.spent() > 0  # the release is spent before any step
    for _ in range(200):
        ledger.record_step()
    theirs = accountant()
    theirs.step(noise_multiplier=5.0, sample_rate=1.0)  # the release: one Gaussian mechanism on every row
    for _ in range(200):
        theirs.step(noise_multiplier=ledger.noise_multiplier, sample_rate=0.1)
    assert ledger.spent() == pytest.approx(theirs.get_epsilon(delta=ledger.delta), rel=1e-6)
    assert 2.9 < ledger.spent() <= 3.0
    assert PrivacyLedger.from_dict(json.loads(json.dumps(ledger.to_dict()))).spent() == ledger.spent()


def test_a_release_that_spends_the_whole_budget_is_one_line():
    config = load_config("tabular", ["model.pack=1", "tabular.conditional=false", "privacy.epsilon=0.5"]).privacy
    with pytest.raises(UserError, match="the moments' release alone spends"):
        PrivacyLedger.plan(config, n_rows=5000, batch_size=500, planned_steps=200, release_noise=0.5)


def test_an_unreachable_budget_is_one_line():
    config = load_config("tabular", ["model.pack=1", "tabular.conditional=false", "privacy.epsilon=0.01",
                                     "privacy.delta=1e-9"]).privacy
    with pytest.raises(UserError, match="cannot be reached"):
        PrivacyLedger.plan(config, n_rows=100, batch_size=100, planned_steps=100_000)


# ------------------------------------------------------------------ DP-SGD on D


def _critic() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.LeakyReLU(0.2), torch.nn.Linear(16, 1))


def test_each_rows_gradient_is_its_loss_and_penalties_as_plain_autograd_computes_them():
    critic, train = _critic(), TrainConfig(objective="wgan", gp_weight=10.0, r1_gamma=2.0)
    real, fake, mixes = torch.randn(5, 3), torch.randn(5, 3), torch.rand(5, 1)
    grads, _ = per_row_gradients(critic, real_row_loss(critic, d_loss_wasserstein, train), real, fake, mixes)
    for i in range(5):
        row, other, mix = real[i : i + 1], fake[i : i + 1], mixes[i : i + 1]
        loss = (-critic(row).mean() + 10.0 * gradient_penalty(critic, row, other, mix)
                + 2.0 * r1_penalty(critic, row))
        expected = torch.autograd.grad(loss, list(critic.parameters()))
        for mine, theirs in zip(grads, expected):
            torch.testing.assert_close(mine[i], theirs, rtol=1e-4, atol=1e-6)


def test_no_real_rows_gradient_exceeds_the_clipping_norm_before_the_noise():
    critic, train = _critic(), TrainConfig(objective="wgan", gp_weight=10.0)
    real, fake = 5 * torch.randn(64, 3), torch.randn(64, 3)
    grads, _ = per_row_gradients(critic, real_row_loss(critic, d_loss_wasserstein, train), real, fake,
                                 torch.rand(64, 1))
    norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads], 1).norm(dim=1)
    assert (norms > 0.5).sum() > 10  # most rows would pass the bound unclipped
    for i in range(64):
        alone = clipped_sum([g[i : i + 1] for g in grads], max_norm=0.5)
        assert torch.cat([part.flatten() for part in alone]).norm() <= 0.5 + 1e-5


def test_the_clipped_sum_is_opacus_dpoptimizers_without_noise():
    critic = _critic()
    grads, _ = per_row_gradients(critic, real_row_loss(critic, d_loss_wasserstein, TrainConfig(objective="wgan")),
                                 3 * torch.randn(32, 3), torch.randn(32, 3), torch.rand(32, 1))
    params = list(critic.parameters())
    for param, grad in zip(params, grads):
        param.grad_sample = grad.clone()
    optimizer = DPOptimizer(torch.optim.SGD(params, lr=0.0), noise_multiplier=0.0, max_grad_norm=0.7,
                            expected_batch_size=32)
    optimizer.pre_step()
    for mine, param in zip(clipped_sum(grads, 0.7), params):
        torch.testing.assert_close(mine / 32, param.grad, rtol=1e-5, atol=1e-7)


def test_without_clipping_or_noise_the_private_gradient_is_ds_whole_loss():
    critic, train = _critic(), TrainConfig(objective="wgan", gp_weight=10.0)
    real, fake, mixes = torch.randn(8, 3), torch.randn(8, 3), torch.rand(8, 1)
    grads, _ = private_d_gradients(critic, real, fake, mixes, d_loss_wasserstein, train, noise_multiplier=0.0,
                                   max_norm=1e9, expected_rows=8.0, generator=torch.Generator().manual_seed(0))
    whole = d_loss_wasserstein(critic(real), critic(fake)) + 10.0 * gradient_penalty(critic, real, fake, mixes)
    for mine, theirs in zip(grads, torch.autograd.grad(whole, list(critic.parameters()))):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-6)


def test_generated_rows_carry_no_noise():
    critic, train = _critic(), TrainConfig(objective="wgan", gp_weight=10.0)
    real, mixes = torch.randn(8, 3), torch.rand(8, 1)

    def step(fake: torch.Tensor, sigma: float) -> torch.Tensor:
        grads, _ = private_d_gradients(critic, real, fake, mixes, d_loss_wasserstein, train, sigma, 1.0, 8.0,
                                       torch.Generator().manual_seed(0))
        return torch.cat([g.flatten() for g in grads])

    one, other = torch.randn(8, 3), torch.randn(8, 3)
    noise = step(one, 3.0) - step(one, 0.0)  # σ·C/8 per coordinate, from the real rows' sum only
    assert 0.3 < float(noise.std()) < 0.45
    torch.testing.assert_close(step(other, 3.0) - step(other, 0.0), noise, rtol=1e-4, atol=1e-5)


def test_only_discriminator_steps_are_charged():
    gan = GAN("tabular", overrides=[*PUBLIC, "train.n_critic=3", "train.epochs=1"]).fit(small_table(), verbose=False)
    ledger = gan.state.privacy
    assert ledger.steps == ledger.planned_steps == 3  # 120 rows / 40: three D steps, one G step
    assert gan.state.step == 1


def test_training_stops_when_the_budget_is_spent(capsys):
    table = small_table()
    gan = GAN("tabular", overrides=[*PUBLIC, "train.epochs=1"]).fit(table, verbose=False)
    before = [p.detach().clone() for p in gan.state.discriminator.parameters()]
    gan.config = with_changes(gan.config, **{"train.epochs": 3})  # asked for more steps than the budget planned
    gan.fit(table, verbose=False)
    assert gan.state.privacy.steps == gan.state.privacy.planned_steps == 3
    assert all(torch.equal(a, b) for a, b in zip(before, gan.state.discriminator.parameters()))
    assert "privacy budget is spent after 3 steps" in capsys.readouterr().err


# ------------------------------------------------------------------ what a private run reads


class SealedRead(Exception):
    pass


class Sealed:
    """A table cell that refuses to be looked at, except while gankit says it reads through the mechanism."""

    open = False

    def __init__(self, value):
        self._value = value

    def _check(self):
        if not Sealed.open:
            raise SealedRead("a real value was read outside the private mechanism")
        return self._value

    def __float__(self):
        return float(self._check())

    def __str__(self):
        return str(self._check())

    def __hash__(self):
        return hash(self._check())

    def __eq__(self, other):
        return self._check() == other

    __repr__ = __str__


def sealed(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([Sealed(v) for v in frame[column]], dtype=object) for column in frame})


@pytest.fixture
def watched_mechanism(monkeypatch):
    original = private_table.real_rows_read

    class Opened:
        def __enter__(self):
            Sealed.open = True
            return original().__enter__()

        def __exit__(self, *exc):
            Sealed.open = False

    monkeypatch.setattr(private_table, "real_rows_read", Opened)


def test_a_private_run_reads_the_real_rows_only_through_the_mechanism(watched_mechanism):
    gan = GAN("tabular", overrides=PUBLIC).fit(sealed(small_table()), verbose=False)
    sample = gan.sample(400, seed=1)
    assert set(sample["city"]) <= {"north", "south"}  # the undeclared category never comes out
    assert sample["age"].between(0, 100).all() and sample["income"].between(0, 200).all()
    with pytest.raises(SealedRead):  # the same table through the ordinary encoding is read at once
        GAN("tabular", overrides=["train.epochs=1"]).fit(sealed(small_table()), verbose=False)


def test_public_metadata_without_privacy_is_refused():
    with pytest.raises(UserError, match="read only under privacy.epsilon"):
        GAN("tabular", overrides=["tabular.public_bounds={age=[0,100]}"])


def test_rows_of_numbers_train_privately_as_they_are():
    rows = np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32)
    gan = GAN("d2l-gaussian", overrides=["privacy.epsilon=2", "train.epochs=2", "train.batch_size=20"])
    gan.fit(rows, verbose=False)
    ledger = gan.state.privacy
    assert ledger.steps == ledger.planned_steps == 20 and ledger.sample_rate == pytest.approx(0.1)
    assert 1.9 < ledger.spent() <= 2.0
    assert gan.sample(50, seed=0).shape == (50, 2)


def test_every_column_needs_public_metadata():
    with pytest.raises(UserError, match="column 'city' .* no public metadata"):
        GAN("tabular", overrides=[*PUBLIC, "tabular.public_categories={}"]).fit(small_table(), verbose=False)


# ------------------------------------------------------------------ runs: reports, resume, refusals


def test_a_private_run_reports_its_guarantee_and_resumes_to_the_same_accounting(tmp_path, cli):
    data = tmp_path / "t.csv"
    small_table().to_csv(data, index=False)
    settings = [*PUBLIC, "train.epochs=3", "checkpoint.every_steps=1", "checkpoint.keep=20"]
    args = ["train", "tabular", "--data", str(data), *[part for s in settings for part in ("--set", s)]]
    whole = tmp_path / "whole"
    result = cli(*args, "--out", str(whole), "--quiet")
    assert result.code == 0 and "privacy: ε" in result.stderr and "spent / 5 budget" in result.stderr
    ledger = json.loads((whole / "eval.json").read_text())["differential_privacy"]
    assert ledger["steps"] == 9 and ledger["epsilon_spent"] <= 5
    assert {"delta", "noise_multiplier", "max_grad_norm", "sample_rate", "accountant"} <= set(ledger)
    page = (whole / "report.html").read_text()
    assert "Differential privacy" in page and f"<td>{ledger['accountant']}</td>" in page
    assert f"<td class=num>{ledger['epsilon_spent']:.4g}</td>" in page and f">{ledger['epsilon_spent']!r}<" not in page
    state = json.loads((whole / "checkpoints/final/state.json").read_text())
    assert state["privacy"]["history"] == ledger["history"]
    cut = tmp_path / "cut"
    shutil.copytree(whole, cut)
    for later in [*(f"step-{step:09d}" for step in range(5, 10)), "final"]:  # as if killed mid-epoch, after step 4
        shutil.rmtree(cut / "checkpoints" / later)
    (cut / "eval.json").unlink()
    assert cli("train", "--resume", str(cut), "--quiet").code == 0
    mine, other = GAN.load(cut / "checkpoints/final").state, GAN.load(whole / "checkpoints/final").state
    assert mine.privacy.history == other.privacy.history and mine.privacy.spent() == other.privacy.spent()
    for net in ("generator", "discriminator"):
        a, b = getattr(mine, net).state_dict(), getattr(other, net).state_dict()
        assert all(torch.equal(a[key], b[key]) for key in a)


@pytest.mark.parametrize("setting, message", [
    ("model.pack=10", "model.pack = 1"),
    ("tabular.conditional=true", "tabular.conditional = false"),
    ("model.discriminator.batch_norm=true", "batch_norm = false"),
    ("model.discriminator.spectral_norm=true", "spectral_norm = false"),
    ("privacy.epsilon=0.001 privacy.moment_noise=0", "cannot be reached"),
    ("privacy.epsilon=0.001", "the moments' release alone spends"),
    ("privacy.delta=0.05", "is not below 1/n"),
    ("train.instance_noise=0.1", "instance_noise = 0"),
])
def test_settings_that_cannot_be_private_are_one_line_and_exit_2(tmp_path, cli, setting, message):
    data = tmp_path / "t.csv"
    small_table().to_csv(data, index=False)
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), "--quiet",
                 *[part for s in [*PUBLIC, "privacy.delta=1e-12", *setting.split()] for part in ("--set", s)])
    assert result.code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_without_opacus_a_private_run_is_one_line_naming_the_extra(monkeypatch, tmp_path, cli):
    for name in [name for name in sys.modules if name == "opacus" or name.startswith("opacus.")]:
        monkeypatch.setitem(sys.modules, name, None)  # import opacus now fails
    data = tmp_path / "t.csv"
    small_table().to_csv(data, index=False)
    result = cli("train", "tabular", "--data", str(data), "--out", str(tmp_path / "run"), "--quiet",
                 *[part for s in PUBLIC for part in ("--set", s)])
    assert result.code == 2 and "needs Opacus" in result.stderr and "[privacy]" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_gradient_penalty_is_off_under_dp_unless_asked_for(capsys):
    plain = GAN("tabular", overrides=[*PUBLIC, "train.epochs=1"]).fit(small_table(), verbose=False)
    assert plain.config.train.gp_weight == 0.0  # the preset's λ = 10, dropped: the run's config says so
    assert "privacy: no gradient penalty under DP (train.gp_weight = 10 → 0)" in capsys.readouterr().err
    kept = GAN("tabular", overrides=[*PUBLIC, "train.epochs=1", "privacy.gradient_penalty=true"]).fit(
        small_table(), verbose=False)
    assert kept.config.train.gp_weight == 10.0 and "no gradient penalty" not in capsys.readouterr().err
