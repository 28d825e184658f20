"""CTGAN's conditional vector and training-by-sampling (data/condition.py), by hand and end to end."""

import math
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from gankit import GAN
from gankit.cli import run
from gankit.data.condition import Conditions
from gankit.data.table_transformer import DiscreteBlock
from gankit.errors import UserError
from test_tabular_gan import TINY, mixed_frame

# Row layout: [number, a | b, x | y | z]; column one has counts 3 and 1, column two 0, 2 and 2.
BLOCKS = [DiscreteBlock("one", 1, 2, (3, 1)), DiscreteBlock("two", 3, 3, (0, 2, 2))]
ROWS = torch.tensor([  # [number, one-hot of column one, one-hot of column two]
    [0.1, 1, 0, 0, 1, 0],
    [0.2, 1, 0, 0, 0, 1],
    [0.3, 1, 0, 0, 1, 0],
    [0.4, 0, 1, 0, 0, 1],
])


def test_conditions_are_the_seen_categories_with_ctgans_two_laws():
    conditions = Conditions.of(BLOCKS)
    assert conditions.positions == (1, 2, 4, 5)  # category x of column two was never seen: no condition
    log3, log1 = math.log(4), math.log(2)  # log(1 + count)
    expected_train = [log3 / (log3 + log1) / 2, log1 / (log3 + log1) / 2, 0.25, 0.25]
    np.testing.assert_allclose(conditions.train_probs, expected_train)
    np.testing.assert_allclose(conditions.sample_probs, [3 / 8, 1 / 8, 0.25, 0.25])
    assert Conditions.of([]) is None and Conditions.of([DiscreteBlock("empty", 0, 2, (0, 0))]) is None


def test_drawn_rows_hold_their_condition_and_follow_the_training_law():
    conditions = Conditions.of(BLOCKS)
    table = conditions.index_rows(ROWS.repeat(5000, 1))
    drawn = conditions.draw_rows(table, seed=0)
    assert drawn.shape == (20000, 6 + 4)
    code = drawn[:, 6:].argmax(dim=1)
    holds = drawn[torch.arange(len(drawn)), torch.tensor(conditions.positions)[code]]
    assert torch.equal(holds, torch.ones(len(drawn)))  # every row has the category its condition names
    shares = torch.bincount(code, minlength=4).double() / len(drawn)
    np.testing.assert_allclose(shares, conditions.train_probs, atol=0.015)
    rare = (drawn[:, 2] == 1).double().mean()  # category b: 1 row in 4, drawn at ≈ 0.167 + 0.25 · 1/2 (via y, z)
    assert rare > 0.25 + 0.03
    assert torch.equal(drawn, conditions.draw_rows(table, seed=0))  # seeded


def test_a_table_without_rows_for_a_condition_is_refused():
    with pytest.raises(UserError, match="other.csv: 1 of the categories"):
        Conditions.of(BLOCKS).index_rows(ROWS[:3], "other.csv")  # the only row of category b is missing


def test_condition_loss_is_the_cross_entropy_of_the_asked_for_category():
    conditions = Conditions.of(BLOCKS)
    fake = torch.tensor([[0.0, 0.8, 0.2, 0.0, 0.5, 0.5, 1, 0, 0, 0],    # asks a: p = 0.8
                         [0.0, 0.8, 0.2, 0.0, 0.25, 0.75, 0, 0, 0, 1]])  # asks z: p = 0.75
    expected = -(math.log(0.8) + math.log(0.75)) / 2
    assert conditions.loss(fake).item() == pytest.approx(expected, rel=1e-5)
    np.testing.assert_array_equal(conditions.strip(fake.numpy()), fake.numpy()[:, :6])


CONDITIONAL = [*TINY, "tabular.conditional=true"]


def test_a_conditional_table_gan_samples_the_input_columns_reproducibly(tmp_path):
    frame = mixed_frame()
    gan = GAN("tabular", overrides=CONDITIONAL).fit(frame)
    assert gan.layout.classes == 3 + 2  # city's 3 categories and member's 2; numbers and dates are no conditions
    synthetic = gan.sample(200, seed=1)
    assert list(synthetic.columns) == list(frame.columns) and dict(synthetic.dtypes) == dict(frame.dtypes)
    pd.testing.assert_frame_equal(synthetic, gan.sample(200, seed=1))
    gan.save(tmp_path / "ckpt")
    pd.testing.assert_frame_equal(GAN.load(tmp_path / "ckpt").sample(200, seed=1), synthetic)


def _rare_category_obeyed(overrides: list[str]) -> float:
    """The share of 500 rows asked for a 3% category that G gives it (unconditioned it would come 3% of the time)."""
    rng = np.random.default_rng(0)
    rare = rng.random(400) < 0.03
    frame = pd.DataFrame({"kind": np.where(rare, "rare", "common"), "value": np.where(rare, 5.0, 0.0) + rng.normal(0, 0.1, 400)})
    gan = GAN("tabular", overrides=[*CONDITIONAL, "train.epochs=200", "tabular.copula_max_steps=0", "model.pack=1",
                                     *overrides], seed=0).fit(frame)  # 1,600 steps: the size rule's cap is off
    block = gan.transformer.discrete_blocks[0]
    rare_slot = list(gan.transformer.specs[0].categories).index("rare")
    condition = gan.conditions.positions.index(block.start + rare_slot)
    z = torch.cat((torch.randn(500, gan.state.latent.dim, generator=torch.Generator().manual_seed(0)),
                   torch.nn.functional.one_hot(torch.full((500,), condition), gan.conditions.count).float()), dim=1)
    logits = gan.generate(z)[:, block.start : block.start + block.width]
    return float((logits.argmax(axis=1) == rare_slot).mean())


def test_a_rare_category_is_learned_with_training_by_sampling():
    assert _rare_category_obeyed(["tabular.moment_weight=0"]) > 0.9  # G names the category it was asked for


def test_a_rare_category_is_learned_with_the_moment_term_too():
    """The preset's moment term scales columns as the drawn batches hold them: the conditional vector keeps
    its hold on a 3% category (scaled by the table, G gave it to about a third of the rows asked for it)."""
    assert _rare_category_obeyed(["tabular.moment_weight=10", "tabular.marginal_weight=10"]) > 0.9


def test_a_killed_conditional_table_run_resumes_to_the_uninterrupted_weights(tmp_path):
    data = tmp_path / "t.csv"
    mixed_frame().to_csv(data, index=False)
    args = ["train", "tabular", "--data", str(data), "--quiet"] + [
        part for setting in [*CONDITIONAL, "checkpoint.every_steps=1", "checkpoint.keep=10"] for part in ("--set", setting)]
    whole = tmp_path / "whole"
    assert run([*args, "--out", str(whole)]) == 0
    cut = tmp_path / "cut"
    shutil.copytree(whole, cut)
    for later in [*(f"step-{step:09d}" for step in range(6, 9)), "final"]:  # 4 steps an epoch: as if killed after step 5
        shutil.rmtree(cut / "checkpoints" / later)
    (cut / "eval.json").unlink()
    assert run(["train", "--resume", str(cut), "--quiet"]) == 0
    mine, other = GAN.load(cut / "checkpoints/final").state, GAN.load(whole / "checkpoints/final").state
    assert mine.step == other.step == 8
    for net in ("generator", "discriminator"):
        a, b = getattr(mine, net).state_dict(), getattr(other, net).state_dict()
        assert all(torch.equal(a[key], b[key]) for key in a)


@pytest.mark.parametrize("setting, message", [
    ('data.transform="standardize"', "data.transform"),
    ("train.instance_noise=0.1", "instance_noise"),
    ("model.latent_categories=3", "latent_categories"),
])
def test_settings_that_would_break_the_one_hot_groups_are_refused(setting, message):
    with pytest.raises(UserError, match=message):
        GAN("tabular", overrides=[setting])
