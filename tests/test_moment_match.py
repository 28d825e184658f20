"""G's moment-matching term on tables (``tabular.moment_weight``), against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from gankit.data.condition import Conditions
from gankit.data.moment_match import MomentMatch, generator_penalty


def test_moment_term_by_hand_on_one_column():
    moments = MomentMatch.of(torch.tensor([[0.0], [2.0]]), None, weight=2.0)  # center 1, spread √2 (n − 1)
    assert moments.means.tolist() == [[0.0]] and moments.seconds[0].item() == pytest.approx(0.5)
    # generated rows at the center: mean gap 0, second-moment gap −0.5 → 2 · 0.25 / 1
    assert moments.loss(torch.tensor([[1.0], [1.0]])).item() == pytest.approx(0.5)
    assert moments.loss(torch.tensor([[0.0], [2.0]])).item() == pytest.approx(0.0, abs=1e-12)


def test_moment_targets_follow_the_batch_conditions():
    # column 0: a value; columns 1-2: a category's one-hot, whose slots are the two conditions
    rows = torch.tensor([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [3.0, 0.0, 1.0], [3.0, 0.0, 1.0]])
    conditions = Conditions(positions=(1, 2), train_probs=(0.5, 0.5), sample_probs=(0.5, 0.5))
    moments = MomentMatch.of(rows, conditions, weight=1.0)
    assert moments.means.shape == (2, 3) and moments.seconds.shape == (2, 3, 3)
    first = torch.cat((rows[:2], torch.tensor([[1.0, 0.0]] * 2)), dim=1)  # real rows of condition 0, asked for it
    assert moments.loss(first).item() == pytest.approx(0.0, abs=1e-10)
    wrong = torch.cat((rows[2:], torch.tensor([[1.0, 0.0]] * 2)), dim=1)  # rows of condition 1 asked for 0
    assert moments.loss(wrong).item() > 1.0


def test_with_conditions_columns_are_scaled_as_training_by_sampling_draws_them():
    """One row of ten holds the rare category; training-by-sampling asks for it with probability 0.4. Scaled by
    the table, its one-hot column would reach (1 − 0.1) / 0.316 = 2.85; scaled by the drawn batches it is
    (1 − 0.4) / √(0.4 · 0.6) = 1.22."""
    rows = torch.tensor([[1.0, 0.0]] * 9 + [[0.0, 1.0]])
    conditions = Conditions(positions=(0, 1), train_probs=(0.6, 0.4), sample_probs=(0.9, 0.1))
    moments = MomentMatch.of(rows, conditions, weight=1.0)
    assert moments.center.tolist() == pytest.approx([0.6, 0.4])
    assert moments.spread.tolist() == pytest.approx([0.24 ** 0.5] * 2)
    assert moments.means[1].tolist() == pytest.approx([-0.6 / 0.24 ** 0.5, 0.6 / 0.24 ** 0.5])


def test_the_moment_term_pulls_a_correlation_towards_the_real_one():
    real = torch.randn(400, 1)
    rows = torch.cat((real, real + 0.1 * torch.randn(400, 1)), dim=1)  # correlation near 1
    moments = MomentMatch.of(rows, None, weight=1.0)
    fake = torch.randn(400, 2, requires_grad=True)  # uncorrelated
    before = moments.loss(fake)
    before.backward()
    moved = (fake - 0.1 * fake.grad).detach()
    assert moments.loss(moved) < before
    assert torch.corrcoef(moved.T)[0, 1] > torch.corrcoef(fake.detach().T)[0, 1]


def test_generator_penalty_is_none_without_conditions_or_moments():
    rows = torch.zeros(4, 2)
    assert generator_penalty(rows, None, 0.0) is None
    conditions = Conditions(positions=(0,), train_probs=(1.0,), sample_probs=(1.0,))
    assert generator_penalty(rows, conditions, 0.0) == conditions.loss


def test_marginal_term_by_hand():
    moments = MomentMatch.of(torch.tensor([[0.0], [2.0]]), None, weight=0.0, marginal_weight=3.0)
    # standardized real values ±1/√2; generated rows at the center are 1/√2 from any real draw: 3 · 0.5
    assert moments.loss(torch.tensor([[1.0], [1.0]])).item() == pytest.approx(1.5)


def test_marginal_term_draws_real_rows_of_each_asked_condition():
    rows = torch.tensor([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [3.0, 0.0, 1.0], [3.0, 0.0, 1.0]])
    conditions = Conditions(positions=(1, 2), train_probs=(0.5, 0.5), sample_probs=(0.5, 0.5))
    moments = MomentMatch.of(rows, conditions, weight=0.0, marginal_weight=1.0)
    batch = torch.cat((rows, torch.tensor([[1.0, 0.0]] * 2 + [[0.0, 1.0]] * 2)), dim=1)  # each row asks its own
    assert moments.loss(batch).item() == pytest.approx(0.0, abs=1e-12)


def test_marginal_term_sorts_only_the_value_columns():
    rows = torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 1.0]])
    moments = MomentMatch.of(rows, None, weight=0.0, marginal_weight=1.0, value_columns=[0])
    # the one-hot columns of the generated rows are off, but only column 0 (at the center: 0.5 from ±1/√2) counts
    assert moments.loss(torch.tensor([[1.0, 0.5, 0.5], [1.0, 0.5, 0.5]])).item() == pytest.approx(0.5)


def test_layout_value_columns_are_the_tanh_columns_before_the_conditions():
    from gankit.data.layout import Layout

    layout = Layout(7, classes=2, softmax_blocks=((1, 2), (4, 1)))
    assert layout.value_columns == [0, 3]


def test_the_table_kind_turns_the_terms_off_for_large_tables_and_keeps_only_the_moments_under_privacy():
    from gankit.config import load_config
    from gankit.kinds import kind_for

    config = load_config("tabular", ["tabular.moment_weight=3", "tabular.marginal_weight=2",
                                     "tabular.copula_max_rows=100"])
    kind = kind_for(config)
    assert kind.generator_terms(config, 100) == (3.0, 2.0)
    assert kind.generator_terms(config, 101) == (0.0, 0.0)  # the size rule
    private = load_config("tabular", ["tabular.moment_weight=3", "tabular.marginal_weight=2",
                                      "tabular.copula_max_rows=100", "privacy.epsilon=3", "tabular.conditional=false",
                                      "model.pack=1"])
    # under DP, whatever the size: the moment term against the private release, no marginal term (it draws rows)
    assert kind_for(private).generator_terms(private, 101) == (3.0, 0.0)
    silent = private.model_copy(update={"privacy": private.privacy.model_copy(update={"moment_noise": 0.0})})
    assert kind_for(silent).generator_terms(silent, 100) == (0.0, 0.0)  # no release, no term
    rows = load_config("gaussian")
    assert kind_for(rows).generator_terms(rows, 100) == (0.0, 0.0)
